//! Several shoppers together at one gondola: pairs that make one action hard each
//! (tier 3), a crowd of three or four (tier 4), and the adversarial crowd where about
//! 40 % of actions are meant to confuse and every sensor fault is on (tier 5).

use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::joint::{run_group, Group, Joint};
use super::slots::{SlotMix, ALL_TRICKS};
use crate::error::SimError;
use crate::world::World;

/// Two shoppers together at one gondola, one `joint` action making it hard.
pub(super) fn pair(world: &mut World, rng: &mut ChaCha8Rng, joint: Joint) -> Result<(), SimError> {
    run_group(
        world,
        rng,
        &Group {
            joints: &[joint],
            hub_actions: (1, 3),
            partner_actions: (1, 2),
            mix: SlotMix::PLAIN,
            p_no_token: 0.0,
        },
    )
}

/// Three or four shoppers at one gondola within seconds of each other, some put-backs,
/// and now and then a shopper who did not check in.
pub(super) fn crowd(
    world: &mut World,
    rng: &mut ChaCha8Rng,
    _: Option<i64>,
) -> Result<(), SimError> {
    let n = rng.random_range(3..=4);
    let joints = vec![Joint::SideBySide; n - 1];
    run_group(
        world,
        rng,
        &Group {
            joints: &joints,
            hub_actions: (2, 4),
            partner_actions: (2, 4),
            mix: SlotMix {
                p_put_back: 0.3,
                ..SlotMix::PLAIN
            },
            p_no_token: 0.15,
        },
    )
}

/// Share of a shopper's own actions that are tricks, tuned so that with the joint
/// actions about 40 % of all actions are meant to confuse.
const ADVERSARIAL_TRICK_P: f64 = 0.3;

pub(super) fn adversarial(
    world: &mut World,
    rng: &mut ChaCha8Rng,
    _: Option<i64>,
) -> Result<(), SimError> {
    let n = rng.random_range(3..=4);
    let mut kinds = [
        Joint::SharedPlate,
        Joint::CrossedArms,
        Joint::StandingClose,
        Joint::HandOver,
    ];
    kinds.shuffle(rng);
    run_group(
        world,
        rng,
        &Group {
            joints: &kinds[..n - 1],
            hub_actions: (3, 5),
            partner_actions: (2, 4),
            mix: SlotMix {
                p_put_back: 0.2,
                p_trick: ADVERSARIAL_TRICK_P,
                tricks: &ALL_TRICKS,
            },
            p_no_token: 0.2,
        },
    )
}
