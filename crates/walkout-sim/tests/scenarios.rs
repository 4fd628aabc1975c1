//! Each scenario does what its catalogue entry promises, and bad requests fail clearly.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use walkout_core::StoreConfig;
use walkout_core::WalkoutError;
use walkout_sim::{scenarios, simulate, ActionKind, SimError};

/// The error of a run that must fail (without printing a whole session if it does not).
fn must_fail(cfg: &StoreConfig, scenario: &str) -> SimError {
    match simulate(cfg, scenario, 1) {
        Ok(_) => panic!("{scenario} ran in a store it should refuse"),
        Err(e) => e,
    }
}

#[test]
fn catalogue_lists_the_first_slice() {
    let list = scenarios();
    let names: Vec<&str> = list.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, common::SCENARIOS);
    assert_eq!(list[0].tier, 1);
    assert_eq!(list[1].tier, 2);
    assert!(list.iter().all(|s| !s.description.is_empty()));
}

#[test]
fn single_picks_is_one_shopper_picking_around_the_store() {
    for seed in common::SEEDS {
        let s = common::session("single-picks", seed);
        assert_eq!(s.truth.shoppers.len(), 1);
        let acts = &s.truth.actions;
        assert!((3..=6).contains(&acts.len()), "{} actions", acts.len());
        assert!(acts
            .iter()
            .all(|a| a.kind == ActionKind::Pick && a.quantity <= 2));
        let plates: BTreeSet<u32> = acts.iter().map(|a| a.plate_id).collect();
        assert_eq!(plates.len(), acts.len(), "plates repeat");
        for w in acts.windows(2) {
            assert_ne!(
                common::gondola_of(w[0].plate_id),
                common::gondola_of(w[1].plate_id)
            );
        }
        let r = &s.truth.receipts[0];
        let units: u32 = r.lines.iter().map(|(_, q)| q).sum();
        assert_eq!(units, acts.iter().map(|a| a.quantity).sum::<u32>());
    }
}

#[test]
fn two_shoppers_overlap_put_back_and_share_a_gondola() {
    let mut put_backs = 0;
    let mut picks = 0;
    let mut side_by_side = 0;
    for seed in common::SEEDS {
        let s = common::session("two-shoppers-putback", seed);
        let sh = &s.truth.shoppers;
        assert_eq!(sh.len(), 2);
        let gap = sh[1].enter_us - sh[0].enter_us;
        assert!(
            (3_000_000..=15_000_000).contains(&gap),
            "second enters after {gap} us"
        );
        assert!(sh[1].enter_us < sh[0].exit_us, "visits do not overlap");
        let plates: Vec<BTreeSet<u32>> = (0..2)
            .map(|i| {
                s.truth
                    .actions
                    .iter()
                    .filter(|a| a.shopper == i)
                    .map(|a| a.plate_id)
                    .collect()
            })
            .collect();
        assert!(plates[0].is_disjoint(&plates[1]));
        for i in 0..2u32 {
            let mine: Vec<_> = s.truth.actions.iter().filter(|a| a.shopper == i).collect();
            assert!(
                (3..=6).contains(&mine.len()),
                "shopper {i}: {} actions",
                mine.len()
            );
            // Each put-back returns units of an earlier pick of that shopper, same plate
            // and sku, no more than were taken.
            let mut taken: BTreeMap<(u32, String), (u32, f64)> = BTreeMap::new();
            for a in mine {
                let e = taken.entry((a.plate_id, a.sku.clone())).or_default();
                match a.kind {
                    ActionKind::Pick => {
                        picks += 1;
                        e.0 += a.quantity;
                        e.1 -= a.grams_moved;
                    }
                    ActionKind::PutBack => {
                        put_backs += 1;
                        assert!(e.0 >= a.quantity, "put back more than taken: {a:?}");
                        e.0 -= a.quantity;
                        e.1 -= a.grams_moved;
                        assert!(e.1 > -1e-9, "returned more grams than taken: {a:?}");
                    }
                }
            }
        }
        // Side by side: hands of both shoppers on one gondola within 3 s, 0.8-2.5 m apart.
        let acts = &s.truth.actions;
        let found = acts.iter().any(|a| {
            acts.iter().any(|b| {
                a.shopper == 0
                    && b.shopper == 1
                    && common::gondola_of(a.plate_id) == common::gondola_of(b.plate_id)
                    && (a.t_start_us - b.t_start_us).abs() <= 3_000_000
                    && {
                        let pa = common::true_position(&s, 0, b.t_start_us);
                        let pb = common::true_position(&s, 1, b.t_start_us);
                        (0.8..=2.5).contains(&(pa[0] - pb[0]).hypot(pa[1] - pb[1]))
                    }
            })
        });
        side_by_side += usize::from(found);
    }
    assert!(
        put_backs > 0,
        "no put-backs over {} seeds",
        common::SEEDS.len()
    );
    let share = put_backs as f64 / picks as f64;
    assert!((0.1..0.5).contains(&share), "put-back share {share}");
    assert!(
        side_by_side * 2 >= common::SEEDS.len(),
        "side by side in only {side_by_side} of {} seeds",
        common::SEEDS.len()
    );
}

#[test]
fn unknown_scenario_names_the_known_ones() {
    let err = simulate(common::store(), "no-such-thing", 1).expect_err("must fail");
    let msg = err.to_string();
    assert!(matches!(err, SimError::UnknownScenario { .. }));
    for name in common::SCENARIOS {
        assert!(msg.contains(name), "{msg}");
    }
}

/// A config problem is reported with its path, whether the core's validation or the
/// simulator's own checks catch it first.
fn config_path(err: &SimError) -> Option<&str> {
    match err {
        SimError::Config { path, .. } => Some(path),
        SimError::Core(WalkoutError::Config { path, .. }) => Some(path),
        _ => None,
    }
}

#[test]
fn store_without_entry_gate_fails_clearly() {
    let mut cfg = common::store().clone();
    cfg.gates
        .retain(|g| g.kind != walkout_core::config::GateKind::Entry);
    let err = must_fail(&cfg, "single-picks");
    match &err {
        SimError::Unsupported { scenario, reason } => {
            assert_eq!(scenario, "single-picks");
            assert!(reason.contains("Entry"), "{reason}");
        }
        other => assert_eq!(config_path(other), Some("gates"), "{other}"),
    }
}

#[test]
fn store_without_stock_is_unsupported() {
    let mut cfg = common::store().clone();
    cfg.planogram.iter_mut().for_each(|e| e.count = 0);
    for name in common::SCENARIOS {
        let err = must_fail(&cfg, name);
        assert!(matches!(err, SimError::Unsupported { .. }), "{err}");
    }
}

#[test]
fn bad_sensor_rate_is_a_config_error_with_its_path() {
    let mut cfg = common::store().clone();
    cfg.gondolas[1].shelves[2].plates[3].sensor.rate_hz = 0.0;
    let err = must_fail(&cfg, "single-picks");
    assert_eq!(
        config_path(&err),
        Some("gondolas[1].shelves[2].plates[3].sensor.rate_hz"),
        "{err}"
    );
}

#[test]
fn planogram_with_unknown_sku_is_a_config_error() {
    let mut cfg = common::store().clone();
    cfg.planogram[5].sku = "NOPE".into();
    let err = must_fail(&cfg, "single-picks");
    assert_eq!(config_path(&err), Some("planogram[5].sku"), "{err}");
}

#[test]
fn exit_walled_off_from_entry_is_unsupported() {
    let mut cfg = common::store().clone();
    // A wall of plates across the floor between the gondolas and the exit gate.
    let wall = walkout_core::config::Plate {
        id: 9_999,
        min: [6.0, 0.0, 0.1],
        max: [6.2, 8.0, 0.4],
        front: walkout_core::config::Facing::PosX,
        sensor: Default::default(),
    };
    cfg.gondolas[0].shelves[0].plates.push(wall);
    let err = must_fail(&cfg, "single-picks");
    assert!(matches!(err, SimError::Unsupported { .. }), "{err}");
}
