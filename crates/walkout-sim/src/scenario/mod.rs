//! The scenario catalogue. A scenario is a row in [`CATALOGUE`] plus a builder function
//! that plans shoppers and plays them into the [`World`]; adding one is a new file with
//! a builder and one more row.

mod plan;
mod single_picks;
mod two_shoppers;

use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::error::SimError;
use crate::world::World;

/// A catalogue entry as callers see it. `tier` grows with difficulty for the engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioInfo {
    pub name: String,
    pub tier: u8,
    pub description: String,
}

type Build = fn(&mut World, &mut ChaCha8Rng) -> Result<(), SimError>;

pub(crate) struct ScenarioDef {
    pub name: &'static str,
    pub tier: u8,
    pub description: &'static str,
    pub build: Build,
}

const CATALOGUE: &[ScenarioDef] = &[
    ScenarioDef {
        name: "single-picks",
        tier: 1,
        description: "One shopper picks 3-6 times from plates on different gondolas \
                      (mostly one unit, sometimes two); no put-backs.",
        build: single_picks::build,
    },
    ScenarioDef {
        name: "two-shoppers-putback",
        tier: 2,
        description: "Two shoppers with overlapping visits (the second enters 3-15 s after \
                      the first), 3-6 actions each, about 30% of picks put back to the same \
                      plate; they work side by side at one gondola at the same time.",
        build: two_shoppers::build,
    },
];

/// Every scenario, easiest first.
pub fn scenarios() -> Vec<ScenarioInfo> {
    CATALOGUE
        .iter()
        .map(|d| ScenarioInfo {
            name: d.name.to_string(),
            tier: d.tier,
            description: d.description.to_string(),
        })
        .collect()
}

pub(crate) fn find(name: &str) -> Result<&'static ScenarioDef, SimError> {
    CATALOGUE
        .iter()
        .find(|d| d.name == name)
        .ok_or_else(|| SimError::UnknownScenario {
            name: name.to_string(),
            known: CATALOGUE
                .iter()
                .map(|d| d.name)
                .collect::<Vec<_>>()
                .join(", "),
        })
}
