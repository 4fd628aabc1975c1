//! Shoppers acting together: one shopper (the hub) works along one gondola and meets a
//! partner at each of a few plates there; each meeting is a joint action that makes
//! position alone useless for telling who did what: side by side, on the same plate at
//! the same time, arms crossed, standing close enough to merge into one blob, or an item
//! handed from one to the other. Partners are timed against the hub's simulated visit
//! (the hub runs first), so they arrive while the hub is still there.

use rand::seq::IndexedRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use walkout_core::config::Vec2;

use super::plan::{
    candidate_plates, entry_for_arrival, first_entry_us, no_stock, plate_pairs, walk_speed,
};
use super::slots::{slot_stops, SlotMix};
use crate::error::SimError;
use crate::shopper::{secs, ShopperPlan, Step, Stop};
use crate::store::lateral;
use crate::truth::Confusion;
use crate::world::World;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Joint {
    /// Neighbouring plates 1-2 m apart, hands within seconds.
    SideBySide,
    /// One plate, both hands on it at once.
    SharedPlate,
    /// Each stands at the other's plate and reaches across.
    CrossedArms,
    /// Adjacent plates, standing 0.25-0.45 m apart.
    StandingClose,
    /// The partner picks and hands the unit to the hub.
    HandOver,
}

impl Joint {
    /// Standing-point distance of the two plates.
    fn spacing(self) -> (f64, f64) {
        match self {
            Self::SideBySide => (1.0, 2.0),
            Self::SharedPlate => (0.0, 0.0),
            Self::CrossedArms => (0.25, 0.75),
            Self::StandingClose => (0.25, 0.45),
            Self::HandOver => (0.5, 1.2),
        }
    }

    /// The partner's hand relative to the hub's, seconds.
    fn hand_offset_s(self) -> (f64, f64) {
        match self {
            Self::SideBySide => (-0.5, 2.0),
            Self::SharedPlate => (0.05, 0.3),
            Self::CrossedArms => (-0.3, 0.3),
            Self::StandingClose => (-0.5, 1.0),
            // Before the hub's own pick, while the hub still browses: the hand-over
            // comes a few seconds after the partner's pick, and the hub must still be
            // there.
            Self::HandOver => (-6.0, -4.5),
        }
    }

    /// How long the hub browses before reaching: long enough for the partner to come.
    fn hub_browse_s(self) -> (f64, f64) {
        match self {
            Self::HandOver => (8.0, 12.0),
            _ => (4.0, 7.0),
        }
    }

    /// How long the partner looks before reaching: short when the hands must meet.
    fn partner_browse_s(self) -> (f64, f64) {
        match self {
            Self::SideBySide | Self::HandOver => (0.5, 2.0),
            _ => (0.2, 0.6),
        }
    }

    fn confusion(self) -> Option<Confusion> {
        match self {
            Self::SideBySide | Self::HandOver => None,
            Self::SharedPlate => Some(Confusion::SharedPlate),
            Self::CrossedArms => Some(Confusion::CrossedArms),
            Self::StandingClose => Some(Confusion::StandingClose),
        }
    }
}

/// Half the distance between two shoppers sharing one plate.
const SHARE_OFFSET_M: f64 = 0.25;
/// Partners reach their meeting plate this long after the hub.
const ARRIVE_AFTER_S: (f64, f64) = (0.3, 1.5);
/// Partners enter no earlier than this after the hub, and no later than this.
const PARTNER_ENTRY_S: (f64, f64) = (1.0, 90.0);

/// What a group scenario asks for.
pub(super) struct Group<'a> {
    pub joints: &'a [Joint],
    /// Other actions of the hub and of each partner (besides the meetings).
    pub hub_actions: (usize, usize),
    pub partner_actions: (usize, usize),
    pub mix: SlotMix,
    /// Chance that a partner did not check in with the app.
    pub p_no_token: f64,
}

struct Meeting {
    joint: Joint,
    hub_plate: usize,
    partner_plate: usize,
    hub_stand: Vec2,
    partner_stand: Vec2,
}

fn shifted(world: &World, plate: usize, by: f64) -> Option<Vec2> {
    let p = &world.store.plates[plate];
    let s = p.stand?;
    let l = lateral(p.front);
    world
        .store
        .snap_stand(plate, [s[0] + l[0] * by, s[1] + l[1] * by])
}

/// Plates and standing points of one meeting, preferring `gondola`; None when the
/// store has no fitting plates.
fn meeting(
    world: &World,
    joint: Joint,
    gondola: Option<usize>,
    used: &[usize],
    rng: &mut ChaCha8Rng,
) -> Option<Meeting> {
    let (a, b) = if joint == Joint::SharedPlate {
        let cands: Vec<usize> = candidate_plates(world, used)
            .into_iter()
            .filter(|&p| gondola.is_none_or(|g| world.store.plates[p].gondola == g))
            .collect();
        let p = *cands.choose(rng)?;
        (p, p)
    } else {
        let pairs = plate_pairs(world, joint.spacing(), used);
        let on_gondola: Vec<(usize, usize)> = pairs
            .iter()
            .copied()
            .filter(|&(a, _)| gondola.is_none_or(|g| world.store.plates[a].gondola == g))
            .collect();
        *on_gondola.choose(rng).or_else(|| pairs.choose(rng))?
    };
    let (sa, sb) = (world.store.plates[a].stand?, world.store.plates[b].stand?);
    let (hub_stand, partner_stand) = match joint {
        Joint::SharedPlate => (
            shifted(world, a, -SHARE_OFFSET_M).unwrap_or(sa),
            shifted(world, a, SHARE_OFFSET_M).unwrap_or(sa),
        ),
        Joint::CrossedArms => (sb, sa),
        _ => (sa, sb),
    };
    Some(Meeting {
        joint,
        hub_plate: a,
        partner_plate: b,
        hub_stand,
        partner_stand,
    })
}

/// Runs the hub and one partner per joint.
pub(super) fn run_group(
    world: &mut World,
    rng: &mut ChaCha8Rng,
    g: &Group,
) -> Result<(), SimError> {
    if candidate_plates(world, &[]).len() < 2 {
        return Err(no_stock("two plates with stock"));
    }
    let mut meetings: Vec<Meeting> = Vec::new();
    let mut used: Vec<usize> = Vec::new();
    let mut gondola = None;
    for &joint in g.joints {
        let m = meeting(world, joint, gondola, &used, rng)
            .or_else(|| meeting(world, Joint::SideBySide, gondola, &used, rng))
            .ok_or_else(|| no_stock("two neighbouring plates with stock"))?;
        gondola.get_or_insert(world.store.plates[m.hub_plate].gondola);
        used.extend([m.hub_plate, m.partner_plate]);
        meetings.push(m);
    }

    // The hub: its meetings first, along the gondola, then its other actions.
    let mut stops: Vec<Stop> = meetings
        .iter()
        .map(|m| {
            let mut s = Stop::new(m.hub_plate, vec![Step::Pick { quantity: 1 }]);
            s.stand_at = Some(m.hub_stand);
            s.browse_s = Some(m.joint.hub_browse_s());
            s.confusion = m.joint.confusion();
            s
        })
        .collect();
    let n_hub = rng.random_range(g.hub_actions.0..=g.hub_actions.1);
    stops.extend(slot_stops(world, n_hub, meetings.len(), &used, &g.mix, rng));
    let hub_speed = walk_speed(rng);
    let hub_enter = first_entry_us(world, rng);
    let hub = world.run_shopper(&ShopperPlan::new(hub_speed, stops), hub_enter, rng)?;

    for (k, m) in meetings.iter().enumerate() {
        let Some(at) = hub.stops.get(k).copied() else {
            continue;
        };
        let mut first = Stop::new(m.partner_plate, vec![Step::Pick { quantity: 1 }]);
        if m.joint == Joint::HandOver {
            first.steps.push(Step::HandOver {
                pick: 0,
                quantity: 1,
                to: hub.index,
            });
        }
        first.stand_at = Some(m.partner_stand);
        first.browse_s = Some(m.joint.partner_browse_s());
        first.share_plate = m.joint == Joint::SharedPlate;
        first.confusion = m.joint.confusion();
        if let Some(h) = at.first_hand_us {
            let (lo, hi) = m.joint.hand_offset_s();
            first.hand_not_before_us = Some(h + secs(rng.random_range(lo..=hi)));
        }
        let mut stops = vec![first];
        let n = rng.random_range(g.partner_actions.0..=g.partner_actions.1);
        stops.extend(slot_stops(world, n, 1, &used, &g.mix, rng));
        let speed = walk_speed(rng);
        let arrive = at.arrive_us + secs(rng.random_range(ARRIVE_AFTER_S.0..ARRIVE_AFTER_S.1));
        let bounds = (
            hub_enter + secs(PARTNER_ENTRY_S.0),
            hub_enter + secs(PARTNER_ENTRY_S.1),
        );
        let enter = entry_for_arrival(world, m.partner_plate, speed, arrive, bounds);
        let mut plan = ShopperPlan::new(speed, stops);
        plan.token = !rng.random_bool(g.p_no_token);
        world.run_shopper(&plan, enter, rng)?;
    }
    Ok(())
}
