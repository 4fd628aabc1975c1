//! Each scenario does what its catalogue entry promises, and bad requests fail clearly.

use std::collections::{BTreeMap, BTreeSet};

use walkout_core::{StoreConfig, WalkoutError};
use walkout_sim::{
    scenarios, simulate, ActionKind, Confusion, DisturbanceKind, Faults, SimError, SimSession,
    TrueAction,
};

use crate::common;

/// The error of a run that must fail (without printing a whole session if it does not).
fn must_fail(cfg: &StoreConfig, scenario: &str) -> SimError {
    match simulate(cfg, scenario, 1) {
        Ok(_) => panic!("{scenario} ran in a store it should refuse"),
        Err(e) => e,
    }
}

fn sessions(name: &str) -> Vec<std::sync::Arc<SimSession>> {
    let (_, seeds) = common::CATALOGUE
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("{name} is not in the test catalogue"));
    seeds.iter().map(|&s| common::session(name, s)).collect()
}

fn by_shopper(s: &SimSession) -> BTreeMap<u32, Vec<&walkout_sim::TrueAction>> {
    let mut m: BTreeMap<u32, Vec<_>> = BTreeMap::new();
    for a in &s.truth.actions {
        m.entry(a.shopper).or_default().push(a);
    }
    m
}

fn overlap(a: &walkout_sim::TrueAction, b: &walkout_sim::TrueAction) -> bool {
    a.t_start_us < b.t_end_us && b.t_start_us < a.t_end_us
}

#[test]
fn catalogue_covers_every_tier_and_the_design_list() {
    let list = scenarios();
    let names: Vec<&str> = list.iter().map(|s| s.name.as_str()).collect();
    for (name, _) in common::CATALOGUE {
        assert!(names.contains(&name), "{name} missing");
    }
    assert!(names.contains(&"scale-large"));
    assert_eq!(list.len(), common::CATALOGUE.len() + 1);
    let tiers: BTreeSet<u8> = list.iter().map(|s| s.tier).collect();
    assert_eq!(tiers, (1..=5).collect());
    assert!(
        list.windows(2).all(|w| w[0].tier <= w[1].tier),
        "easiest first"
    );
    assert!(list.iter().all(|s| s.description.len() > 40));
    let scale = list
        .iter()
        .find(|s| s.name == "scale-large")
        .expect("scale-large");
    assert_eq!(
        (scale.store.as_str(), scale.duration_s),
        ("large", Some(3600.0))
    );
    let faults = |n: &str| list.iter().find(|s| s.name == n).map(|s| s.faults);
    assert_eq!(faults("sensor-faults"), Some(Faults::ALL));
    assert_eq!(faults("single-picks"), Some(Faults::NONE));
}

#[test]
fn single_picks_is_one_shopper_picking_around_the_store() {
    for s in sessions("single-picks") {
        assert_eq!(s.truth.shoppers.len(), 1);
        let acts = &s.truth.actions;
        assert!((3..=6).contains(&acts.len()), "{} actions", acts.len());
        assert!(acts
            .iter()
            .all(|a| a.kind == ActionKind::Pick && a.quantity <= 2));
        let plates: BTreeSet<u32> = acts.iter().filter_map(|a| a.plate_id).collect();
        assert_eq!(plates.len(), acts.len(), "plates repeat");
        for w in acts.windows(2) {
            assert_ne!(
                w[0].plate_id.map(common::gondola_of),
                w[1].plate_id.map(common::gondola_of)
            );
        }
        let units: u32 = s.truth.receipts[0].lines.iter().map(|(_, q)| q).sum();
        assert_eq!(units, acts.iter().map(|a| a.quantity).sum::<u32>());
    }
}

#[test]
fn one_shelf_picks_stay_on_one_shelf() {
    let shelf_of = |plate: u32| {
        common::store().gondolas.iter().find_map(|g| {
            g.shelves
                .iter()
                .find(|s| s.plates.iter().any(|p| p.id == plate))
                .map(|s| (g.id, s.id))
        })
    };
    for s in sessions("one-shelf-picks") {
        let acts = &s.truth.actions;
        assert!((3..=5).contains(&acts.len()), "{} picks", acts.len());
        let shelves: BTreeSet<_> = acts.iter().map(|a| a.plate_id.and_then(shelf_of)).collect();
        assert_eq!(shelves.len(), 1, "{shelves:?}");
        let plates: BTreeSet<_> = acts.iter().map(|a| a.plate_id).collect();
        assert_eq!(plates.len(), acts.len());
    }
}

#[test]
fn pick_put_back_returns_units_to_their_plate() {
    let (mut picks, mut backs) = (0, 0);
    for s in sessions("pick-put-back") {
        assert_eq!(s.truth.shoppers.len(), 1);
        let mut taken: BTreeMap<(Option<u32>, String), u32> = BTreeMap::new();
        for a in &s.truth.actions {
            let e = taken.entry((a.plate_id, a.sku.clone())).or_default();
            match a.kind {
                ActionKind::Pick => {
                    picks += 1;
                    *e += a.quantity;
                }
                _ => {
                    backs += 1;
                    assert!(*e >= a.quantity, "put back where it was not taken: {a:?}");
                    *e -= a.quantity;
                    assert_ne!(a.confusion, Some(Confusion::WrongPlate));
                }
            }
        }
    }
    assert!(backs * 4 >= picks, "{backs} put-backs for {picks} picks");
}

#[test]
fn two_shoppers_overlap_put_back_and_share_a_gondola() {
    let mut put_backs = 0;
    let mut picks = 0;
    let mut side_by_side = 0;
    for s in sessions("two-shoppers-putback") {
        let sh = &s.truth.shoppers;
        assert_eq!(sh.len(), 2);
        let gap = sh[1].enter_us - sh[0].enter_us;
        assert!(
            (3_000_000..=15_000_000).contains(&gap),
            "second enters after {gap} us"
        );
        assert!(sh[1].enter_us < sh[0].exit_us, "visits do not overlap");
        let mine = by_shopper(&s);
        let plates: Vec<BTreeSet<Option<u32>>> = (0..2)
            .map(|i| mine[&i].iter().map(|a| a.plate_id).collect())
            .collect();
        assert!(plates[0].is_disjoint(&plates[1]));
        for acts in mine.values() {
            assert!((3..=6).contains(&acts.len()), "{} actions", acts.len());
            for a in acts {
                match a.kind {
                    ActionKind::Pick => picks += 1,
                    _ => put_backs += 1,
                }
            }
        }
        let acts = &s.truth.actions;
        let found = acts.iter().any(|a| {
            acts.iter().any(|b| {
                a.shopper == 0
                    && b.shopper == 1
                    && a.plate_id.map(common::gondola_of) == b.plate_id.map(common::gondola_of)
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
    let share = put_backs as f64 / picks as f64;
    assert!((0.1..0.5).contains(&share), "put-back share {share}");
    assert!(
        side_by_side * 2 >= common::SEEDS.len(),
        "side by side {side_by_side}"
    );
}

#[test]
fn multi_item_picks_move_several_units() {
    for s in sessions("multi-item-picks") {
        let picks: Vec<_> = s
            .truth
            .actions
            .iter()
            .filter(|a| a.kind == ActionKind::Pick)
            .collect();
        assert!((3..=5).contains(&picks.len()));
        assert!(
            picks.iter().all(|a| a.quantity >= 2 && a.quantity <= 5),
            "{picks:?}"
        );
        assert!(picks.iter().any(|a| a.quantity >= 3));
    }
}

#[test]
fn lean_and_hold_press_before_every_pick() {
    for s in sessions("lean-and-hold") {
        let presses: Vec<_> = s
            .truth
            .disturbances
            .iter()
            .filter(|d| matches!(d.kind, DisturbanceKind::Lean | DisturbanceKind::Hold))
            .collect();
        assert!(presses.len() >= 3);
        for a in &s.truth.actions {
            let p = presses
                .iter()
                .find(|d| Some(d.sensor_id) == a.plate_id && d.t_end_us <= a.t_start_us)
                .unwrap_or_else(|| panic!("no press before {a:?}"));
            let secs = (p.t_end_us - p.t_start_us) as f64 / 1e6;
            assert!((2.0..=6.0).contains(&secs), "{secs} s");
            assert!(
                a.t_start_us - p.t_end_us < 1_000_000,
                "picked long after letting go"
            );
            assert_eq!(a.confusion, Some(Confusion::PressedFirst));
            assert_eq!(p.shopper, Some(a.shopper));
        }
        // A lean weighs kilograms on the plate, a hold hundreds of grams.
        let by_plate = common::weights_by_plate(&s);
        for p in &presses {
            let (t, g) = &by_plate[&p.sensor_id];
            let at = |from: i64, to: i64| {
                let (a, b) = (
                    t.partition_point(|&x| x < from),
                    t.partition_point(|&x| x < to),
                );
                g[a..b].iter().sum::<f64>() / (b - a) as f64
            };
            let mid = (p.t_start_us + p.t_end_us) / 2;
            let rise = at(mid - 200_000, mid + 200_000) - at(p.t_start_us - 900_000, p.t_start_us);
            let range = match p.kind {
                DisturbanceKind::Lean => 1_000.0..6_500.0,
                _ => 100.0..1_800.0,
            };
            assert!(range.contains(&rise), "{:?} adds {rise:.0} g", p.kind);
        }
    }
}

#[test]
fn wrong_plate_put_back_then_the_misplaced_unit_is_taken() {
    for s in sessions("wrong-plate-put-back") {
        assert_eq!(s.truth.shoppers.len(), 2);
        let acts = &s.truth.actions;
        let wrong = acts
            .iter()
            .find(|a| a.confusion == Some(Confusion::WrongPlate))
            .expect("a put-back to a wrong plate");
        assert_eq!((wrong.kind, wrong.shopper), (ActionKind::PutBack, 0));
        let from = acts
            .iter()
            .find(|a| a.kind == ActionKind::Pick && a.sku == wrong.sku && a.shopper == 0)
            .expect("the pick");
        assert_ne!(from.plate_id, wrong.plate_id);
        // The wrong plate holds a product of (nearly) the same unit weight.
        let w = |sku: &str| {
            common::store()
                .products
                .iter()
                .find(|p| p.sku == sku)
                .map(|p| p.weight_g)
                .unwrap_or(f64::NAN)
        };
        let home: Vec<&str> = common::store()
            .planogram
            .iter()
            .filter(|e| Some(e.plate) == wrong.plate_id)
            .map(|e| e.sku.as_str())
            .collect();
        assert!(home
            .iter()
            .any(|h| (w(h) - w(&wrong.sku)).abs() <= 0.02 * w(h)));
        let taken = acts
            .iter()
            .find(|a| a.confusion == Some(Confusion::MisplacedItem))
            .expect("the misplaced unit is taken");
        assert_eq!(
            (taken.shopper, taken.plate_id, taken.sku.as_str()),
            (1, wrong.plate_id, wrong.sku.as_str())
        );
        assert!(taken.t_start_us > wrong.t_end_us);
        assert!(s.truth.receipts[1]
            .lines
            .iter()
            .any(|(sku, _)| *sku == wrong.sku));
    }
}

/// The true actions the scenario tagged with `confusion`.
fn confused(s: &SimSession, confusion: Confusion) -> Vec<&TrueAction> {
    s.truth
        .actions
        .iter()
        .filter(|a| a.confusion == Some(confusion))
        .collect()
}

#[test]
fn same_plate_same_time_overlaps_two_hands_on_one_plate() {
    for s in sessions("same-plate-same-time") {
        let shared = confused(&s, Confusion::SharedPlate);
        assert_eq!(shared.len(), 2, "{shared:?}");
        let (a, b) = (shared[0], shared[1]);
        assert_ne!(a.shopper, b.shopper);
        assert_eq!(a.plate_id, b.plate_id);
        assert!(
            overlap(a, b),
            "hands not on the plate together: {a:?} {b:?}"
        );
        let pa = common::true_position(&s, a.shopper, b.t_start_us);
        let pb = common::true_position(&s, b.shopper, b.t_start_us);
        assert!((pa[0] - pb[0]).hypot(pa[1] - pb[1]) < 0.8);
    }
}

#[test]
fn crossing_arms_each_reaches_the_plate_in_front_of_the_other() {
    for s in sessions("crossing-arms") {
        let crossed = confused(&s, Confusion::CrossedArms);
        assert_eq!(crossed.len(), 2);
        let (a, b) = (crossed[0], crossed[1]);
        assert_ne!(a.shopper, b.shopper);
        assert!((a.t_start_us - b.t_start_us).abs() < 1_000_000);
        // Each shopper is nearer to the plate the other one touches.
        let dist = |who: u32, plate: Option<u32>, t: i64| {
            let p = common::true_position(&s, who, t);
            let q = common::plate(plate.unwrap_or(u32::MAX));
            let c = [(q.min[0] + q.max[0]) / 2.0, (q.min[1] + q.max[1]) / 2.0];
            (p[0] - c[0]).hypot(p[1] - c[1])
        };
        let t = a.t_start_us;
        assert!(dist(a.shopper, b.plate_id, t) < dist(a.shopper, a.plate_id, t));
        assert!(dist(b.shopper, a.plate_id, t) < dist(b.shopper, b.plate_id, t));
    }
}

#[test]
fn standing_close_is_within_half_a_metre() {
    for s in sessions("standing-close") {
        let close = confused(&s, Confusion::StandingClose);
        assert_eq!(close.len(), 2);
        let (a, b) = (close[0], close[1]);
        let t = b.t_start_us;
        let pa = common::true_position(&s, a.shopper, t);
        let pb = common::true_position(&s, b.shopper, t);
        let d = (pa[0] - pb[0]).hypot(pa[1] - pb[1]);
        assert!(d < 0.5, "{d} m apart");
        assert!((a.t_start_us - b.t_start_us).abs() < 2_000_000);
    }
}

#[test]
fn hand_over_moves_a_unit_between_carts() {
    for s in sessions("hand-over") {
        let h = s
            .truth
            .actions
            .iter()
            .find(|a| a.kind == ActionKind::HandOver)
            .expect("a hand-over");
        let to = h.receiver.expect("a receiver");
        assert_ne!(to, h.shopper);
        let p = common::true_position(&s, h.shopper, h.t_start_us);
        let q = common::true_position(&s, to, h.t_start_us);
        assert!((p[0] - q[0]).hypot(p[1] - q[1]) < 1.6);
        assert!(s.truth.receipts[to as usize]
            .lines
            .iter()
            .any(|(sku, _)| *sku == h.sku));
        let changes: Vec<_> = s
            .truth
            .cart_changes
            .iter()
            .filter(|c| c.t_us == h.t_end_us && c.sku == h.sku)
            .collect();
        assert_eq!(changes.len(), 2);
    }
}

#[test]
fn crowd_has_three_or_four_shoppers_at_one_gondola() {
    for s in sessions("crowd") {
        let n = s.truth.shoppers.len();
        assert!((3..=4).contains(&n));
        // All of them in the store at one moment.
        let latest_entry = s
            .truth
            .shoppers
            .iter()
            .map(|x| x.enter_us)
            .max()
            .unwrap_or(0);
        assert!(s.truth.shoppers.iter().all(|x| x.exit_us > latest_entry));
        // Hands of at least three shoppers on one gondola within 15 s.
        let acts = &s.truth.actions;
        let found = acts.iter().any(|a| {
            let g = a.plate_id.map(common::gondola_of);
            let who: BTreeSet<u32> = acts
                .iter()
                .filter(|b| {
                    b.plate_id.map(common::gondola_of) == g
                        && (b.t_start_us - a.t_start_us).abs() <= 15_000_000
                })
                .map(|b| b.shopper)
                .collect();
            who.len() >= 3
        });
        assert!(found, "no crowd at a gondola");
        assert!(s
            .truth
            .disturbances
            .iter()
            .all(|d| d.kind != DisturbanceKind::CameraBlackout));
    }
}

#[test]
fn sensor_faults_strike() {
    for s in sessions("sensor-faults") {
        let kinds: BTreeSet<DisturbanceKind> =
            s.truth.disturbances.iter().map(|d| d.kind).collect();
        for k in [
            DisturbanceKind::StrongDrift,
            DisturbanceKind::PlateDropout,
            DisturbanceKind::CameraBlackout,
        ] {
            assert!(kinds.contains(&k), "{k:?} missing");
        }
        assert_eq!(s.truth.shoppers.len(), 2);
    }
}

#[test]
fn adversarial_crowd_is_forty_percent_confusing() {
    let (mut confusing, mut total) = (0, 0);
    let mut kinds = BTreeSet::new();
    for s in sessions("adversarial-crowd") {
        assert!((3..=4).contains(&s.truth.shoppers.len()));
        for a in &s.truth.actions {
            total += 1;
            if let Some(c) = a.confusion {
                confusing += 1;
                kinds.insert(c);
            }
        }
        assert!(s
            .truth
            .disturbances
            .iter()
            .any(|d| d.kind == DisturbanceKind::PlateDropout));
    }
    let share = confusing as f64 / total as f64;
    assert!(
        (0.3..=0.55).contains(&share),
        "{confusing} of {total} actions confusing"
    );
    assert!(kinds.len() >= 4, "{kinds:?}");
}

#[test]
fn unknown_scenario_names_the_known_ones() {
    let err = simulate(common::store(), "no-such-thing", 1).expect_err("must fail");
    let msg = err.to_string();
    assert!(matches!(err, SimError::UnknownScenario { .. }));
    for s in scenarios() {
        assert!(msg.contains(&s.name), "{msg}");
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
    for s in scenarios() {
        let err = must_fail(&cfg, &s.name);
        assert!(
            matches!(err, SimError::Unsupported { .. }),
            "{}: {err}",
            s.name
        );
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
fn rfid_product_without_gtin_is_a_config_error() {
    let mut cfg = common::store().clone();
    let i = cfg
        .products
        .iter()
        .position(|p| p.rfid)
        .expect("an rfid product");
    cfg.products[i].gtin = None;
    let err = must_fail(&cfg, "single-picks");
    assert_eq!(
        config_path(&err),
        Some(format!("products[{i}].gtin").as_str()),
        "{err}"
    );
}

#[test]
fn exit_walled_off_from_entry_is_unsupported() {
    let mut cfg = common::store().clone();
    // A wall of plates across the floor between the gondolas and the exit gate.
    let wall = walkout_core::config::Plate {
        id: 9_999,
        min: [10.5, 0.0, 0.1],
        max: [10.7, 11.0, 0.4],
        front: walkout_core::config::Facing::PosX,
        sensor: Default::default(),
    };
    cfg.gondolas[0].shelves[0].plates.push(wall);
    let err = must_fail(&cfg, "single-picks");
    assert!(matches!(err, SimError::Unsupported { .. }), "{err}");
}
