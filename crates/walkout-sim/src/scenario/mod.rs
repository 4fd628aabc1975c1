//! The scenario catalogue. A scenario is a row in [`CATALOGUE`] plus a builder function
//! that plans shoppers and plays them into the [`World`]; adding one is a new file with
//! a builder and one more row.

mod crowd;
mod joint;
mod plan;
mod scale;
mod single_picks;
mod slots;
mod solo;
mod two_shoppers;
mod wrong_plate;

use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use self::joint::Joint;
use crate::error::SimError;
use crate::faults::Faults;
use crate::world::World;

/// A catalogue entry as callers see it. `tier` grows with difficulty for the engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioInfo {
    pub name: String,
    pub tier: u8,
    pub description: String,
    /// The shipped store the scenario is made for: `convenience` or `large`.
    pub store: String,
    /// Length of an open-ended scenario, seconds (None: as long as its shoppers take).
    pub duration_s: Option<f64>,
    pub faults: Faults,
}

/// Builds the scenario's shoppers into the world; the duration is for open-ended ones.
type Build = fn(&mut World, &mut ChaCha8Rng, Option<i64>) -> Result<(), SimError>;

pub(crate) struct ScenarioDef {
    pub name: &'static str,
    pub tier: u8,
    pub description: &'static str,
    pub store: &'static str,
    pub duration_s: Option<f64>,
    pub faults: Faults,
    pub build: Build,
}

const NO_FAULTS: Faults = Faults::NONE;
/// Carts bumping gondolas: part of any crowd, not a fault.
const VIBRATION: Faults = Faults {
    vibration: true,
    ..Faults::NONE
};

/// The catalogue, easiest first; every line of the design's scenario list is here.
const CATALOGUE: &[ScenarioDef] = &[
    ScenarioDef {
        name: "single-picks",
        tier: 1,
        description: "One shopper picks 3-6 times from plates on different gondolas \
                      (mostly one unit, sometimes two); no put-backs.",
        store: "convenience",
        duration_s: None,
        faults: NO_FAULTS,
        build: single_picks::build,
    },
    ScenarioDef {
        name: "one-shelf-picks",
        tier: 1,
        description: "One shopper walks along one shelf and picks from 3-5 of its plates \
                      (neighbouring plates, one unit or two each).",
        store: "convenience",
        duration_s: None,
        faults: NO_FAULTS,
        build: solo::one_shelf,
    },
    ScenarioDef {
        name: "pick-put-back",
        tier: 1,
        description: "One shopper, 4-6 actions; about half the picks are put back to the \
                      plate they came from, at once or after walking on and coming back.",
        store: "convenience",
        duration_s: None,
        faults: NO_FAULTS,
        build: solo::pick_put_back,
    },
    ScenarioDef {
        name: "two-shoppers-putback",
        tier: 2,
        description: "Two shoppers with overlapping visits (the second enters 3-15 s after \
                      the first), 3-6 actions each, about 30% of picks put back to the same \
                      plate; they work side by side at one gondola at the same time.",
        store: "convenience",
        duration_s: None,
        faults: NO_FAULTS,
        build: two_shoppers::build,
    },
    ScenarioDef {
        name: "multi-item-picks",
        tier: 2,
        description: "One shopper takes 2-5 units at once from each of 3-5 plates; a \
                      quarter of those picks are partly put back.",
        store: "convenience",
        duration_s: None,
        faults: NO_FAULTS,
        build: solo::multi_item,
    },
    ScenarioDef {
        name: "lean-and-hold",
        tier: 2,
        description: "One shopper leans on the shelf (1.5-5 kg) or holds the plate's edge \
                      (0.2-1.2 kg) for 2-6 s at each of 3-5 plates, then picks from it.",
        store: "convenience",
        duration_s: None,
        faults: NO_FAULTS,
        build: solo::lean_and_hold,
    },
    ScenarioDef {
        name: "wrong-plate-put-back",
        tier: 3,
        description: "A shopper puts a unit back on another plate where a product of \
                      (nearly) equal weight stands; a second shopper then takes that \
                      misplaced unit from there.",
        store: "convenience",
        duration_s: None,
        faults: NO_FAULTS,
        build: wrong_plate::build,
    },
    ScenarioDef {
        name: "same-plate-same-time",
        tier: 3,
        description: "Two shoppers stand half a metre apart at one plate and both pick \
                      from it with their hands on it at the same time.",
        store: "convenience",
        duration_s: None,
        faults: NO_FAULTS,
        build: |w, r, _| crowd::pair(w, r, Joint::SharedPlate),
    },
    ScenarioDef {
        name: "crossing-arms",
        tier: 3,
        description: "Two neighbours each reach across to the other's plate at the same \
                      time: each is nearer to the plate the other one touches.",
        store: "convenience",
        duration_s: None,
        faults: NO_FAULTS,
        build: |w, r, _| crowd::pair(w, r, Joint::CrossedArms),
    },
    ScenarioDef {
        name: "standing-close",
        tier: 3,
        description: "Two shoppers stand 0.25-0.45 m apart at adjacent plates and pick at \
                      once (one thermal blob, bodies hiding each other).",
        store: "convenience",
        duration_s: None,
        faults: NO_FAULTS,
        build: |w, r, _| crowd::pair(w, r, Joint::StandingClose),
    },
    ScenarioDef {
        name: "hand-over",
        tier: 3,
        description: "A shopper picks a unit and hands it to a companion waiting beside; \
                      the companion leaves with it.",
        store: "convenience",
        duration_s: None,
        faults: NO_FAULTS,
        build: |w, r, _| crowd::pair(w, r, Joint::HandOver),
    },
    ScenarioDef {
        name: "crowd",
        tier: 4,
        description: "Three or four shoppers at one gondola within seconds of each other, \
                      2-4 more actions each with put-backs, some without an app check-in; \
                      carts bump the shelves.",
        store: "convenience",
        duration_s: None,
        faults: VIBRATION,
        build: crowd::crowd,
    },
    ScenarioDef {
        name: "sensor-faults",
        tier: 4,
        description: "The two-shoppers-putback visits with every sensor fault: plates \
                      drifting and dropping out, gondolas shaking, cameras blacking out, \
                      thermal blobs merging, RFID misses and cross-reads.",
        store: "convenience",
        duration_s: None,
        faults: Faults::ALL,
        build: two_shoppers::build,
    },
    ScenarioDef {
        name: "adversarial-crowd",
        tier: 5,
        description: "Three or four shoppers where about 40% of actions are meant to \
                      confuse (shared plate, crossed arms, standing close, hand-over, \
                      leaning first, many units, wrong-plate put-backs, misplaced units \
                      taken), with every sensor fault.",
        store: "convenience",
        duration_s: None,
        faults: Faults::ALL,
        build: crowd::adversarial,
    },
    ScenarioDef {
        name: "scale-large",
        tier: 5,
        description: "The large store (1008 plates, 64 cameras) for an hour with about \
                      100 shoppers at a time, 1-12 actions each, some confusing; carts \
                      bump the shelves. Set the length with duration_s.",
        store: "large",
        duration_s: Some(scale::DEFAULT_DURATION_S),
        faults: VIBRATION,
        build: scale::build,
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
            store: d.store.to_string(),
            duration_s: d.duration_s,
            faults: d.faults,
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
