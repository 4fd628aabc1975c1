//! Interactions that stay open (`engine/fusion/holds.rs`): a hand resting on a plate or a
//! shopper leaning on the shelf holds the weight at a false steady level for seconds.
//! Fed positions only (no cameras, so no hands to bridge the changes), the engine must
//! still see one pick, or nothing, where the plate showed two changes.

mod common;

use common::{feed_gates, feed_positions, feed_weights, session, store, DT, T0};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use walkout_core::engine::InteractionKind;
use walkout_core::Engine;

/// Plate 10's readings for 50 s: 2 kg of cola on it, noise, and `extra(t)` grams.
fn plate_10(extra: impl Fn(f64) -> f64) -> Vec<(u32, i64, f64)> {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let noise = Normal::new(0.0, 4.0).unwrap();
    (0..(50 * 60))
        .map(|i| {
            let t = i as f64 / 60.0;
            (10, T0 + i * DT, 2070.0 + extra(t) + noise.sample(&mut rng))
        })
        .collect()
}

/// A smooth step from 0 to 1 between `a` and `a + 0.4` seconds.
fn ramp(t: f64, a: f64) -> f64 {
    let u = ((t - a) / 0.4).clamp(0.0, 1.0);
    u * u * (3.0 - 2.0 * u)
}

/// Run the shopper of `common::session` (at plate 10 from 5 s to 15 s) with plate 10
/// reading `weights`; the other plates never change.
fn run(weights: Vec<(u32, i64, f64)>) -> Engine {
    let s = session(3);
    let mut e = Engine::new(store()).unwrap();
    feed_weights(&mut e, &weights).unwrap();
    feed_positions(&mut e, &s.positions).unwrap();
    feed_gates(&mut e, &s.gates).unwrap();
    e.finish().unwrap();
    e
}

fn receipt(e: &Engine) -> Vec<(String, u32)> {
    let [r] = e.receipts() else {
        panic!("one receipt expected, got {}", e.receipts().len());
    };
    r.lines
        .iter()
        .map(|l| (l.sku.clone(), l.quantity))
        .collect()
}

#[test]
fn a_hand_resting_on_the_plate_and_then_taking_a_can_is_one_pick() {
    // Resting at 8 s (+600 g for 4 s), letting go and taking a can (345 g) at 12 s.
    let e = run(plate_10(|t| {
        600.0 * (ramp(t, 8.0) - ramp(t, 12.0)) - 345.0 * ramp(t, 12.0)
    }));
    assert_eq!(receipt(&e), vec![("cola".to_string(), 1)]);
    let picks: Vec<_> = e
        .shelf_events()
        .iter()
        .filter(|ev| ev.kind == InteractionKind::Pick)
        .collect();
    assert_eq!(picks.len(), 1, "{:?}", e.shelf_events());
    assert!((picks[0].delta_g + 345.0).abs() < 20.0, "{:?}", picks[0]);
}

#[test]
fn leaning_on_the_shelf_without_taking_anything_is_a_touch() {
    let e = run(plate_10(|t| 1500.0 * (ramp(t, 8.0) - ramp(t, 12.0))));
    assert!(receipt(&e).is_empty());
    assert!(
        e.shelf_events()
            .iter()
            .any(|ev| ev.kind == InteractionKind::Touch),
        "{:?}",
        e.shelf_events()
    );
}

#[test]
fn a_pick_and_a_put_back_of_the_same_can_stay_two_interactions() {
    // Both halves are explained on their own: nothing is held open, nothing merged.
    let e = run(plate_10(|t| -345.0 * (ramp(t, 8.0) - ramp(t, 12.0))));
    assert!(receipt(&e).is_empty());
    let kinds: Vec<_> = e.shelf_events().iter().map(|ev| ev.kind).collect();
    assert_eq!(kinds, vec![InteractionKind::Pick, InteractionKind::PutBack]);
}
