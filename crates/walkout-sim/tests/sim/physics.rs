//! The sensor streams agree with the ground truth the way physics demands: weight steps
//! are the units moved, items are conserved, people walk where people can.

use std::collections::BTreeMap;

use walkout_core::config::GateKind;
use walkout_core::input::GateEventKind;
use walkout_sim::{ActionKind, CartCause, Confusion, DisturbanceKind, SimSession};

use crate::common;

const SECOND: i64 = 1_000_000;
/// Margin around a hand in which the signal must be quiet for a step measurement.
const QUIET_US: i64 = 1_200_000;

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn window(times: &[i64], grams: &[f64], from: i64, to: i64) -> Vec<f64> {
    let a = times.partition_point(|&t| t < from);
    let b = times.partition_point(|&t| t <= to);
    grams[a..b].to_vec()
}

/// A group of hands on one plate close enough in time that the signal between them
/// never settles: actions (with their grams) and leans or holds (no grams).
struct Cluster {
    plate_id: u32,
    t_start: i64,
    t_end: i64,
    grams: f64,
    actions: usize,
}

fn clusters(s: &SimSession) -> Vec<Cluster> {
    let mut hands: BTreeMap<u32, Vec<(i64, i64, f64, usize)>> = BTreeMap::new();
    for a in &s.truth.actions {
        if let Some(p) = a.plate_id {
            hands
                .entry(p)
                .or_default()
                .push((a.t_start_us, a.t_end_us, a.grams_moved, 1));
        }
    }
    for d in &s.truth.disturbances {
        if matches!(d.kind, DisturbanceKind::Lean | DisturbanceKind::Hold) {
            hands
                .entry(d.sensor_id)
                .or_default()
                .push((d.t_start_us, d.t_end_us, 0.0, 0));
        }
    }
    let mut out = Vec::new();
    for (plate_id, mut v) in hands {
        v.sort_by_key(|h| h.0);
        let mut cur: Option<Cluster> = None;
        for (a, b, g, n) in v {
            match cur.as_mut() {
                Some(c) if a - c.t_end < 2 * QUIET_US => {
                    c.t_end = c.t_end.max(b);
                    c.grams += g;
                    c.actions += n;
                }
                _ => {
                    out.extend(cur.take());
                    cur = Some(Cluster {
                        plate_id,
                        t_start: a,
                        t_end: b,
                        grams: g,
                        actions: n,
                    });
                }
            }
        }
        out.extend(cur);
    }
    out
}

#[test]
fn weight_step_around_each_action_equals_grams_moved() {
    let (mut checked, mut total) = (0, 0);
    for s in common::all_sessions() {
        let by_plate = common::weights_by_plate(&s);
        assert!(!s.truth.actions.is_empty());
        for c in clusters(&s) {
            total += c.actions;
            let (from, to) = (c.t_start - QUIET_US, c.t_end + QUIET_US);
            let gondola = common::gondola_of(c.plate_id);
            if common::disturbed(&s, DisturbanceKind::Vibration, gondola, from - SECOND, to)
                || common::disturbed(&s, DisturbanceKind::PlateDropout, c.plate_id, from, to)
            {
                continue;
            }
            let (t, g) = &by_plate[&c.plate_id];
            let before = window(t, g, c.t_start - QUIET_US, c.t_start - 1);
            let after = window(t, g, c.t_end + 1, c.t_end + QUIET_US);
            assert!(
                before.len() >= 50 && after.len() >= 50,
                "plate {}",
                c.plate_id
            );
            let step = mean(&after) - mean(&before);
            // 4.5 sigma of a difference of two means, plus drift between the windows
            // (strong drift: up to 0.2 g/s).
            let noise = common::plate_noise(c.plate_id);
            let n = (1.0 / before.len() as f64 + 1.0 / after.len() as f64).sqrt();
            let span_s = (c.t_end - c.t_start + QUIET_US) as f64 / 1e6;
            let drift = if common::disturbed(&s, DisturbanceKind::StrongDrift, c.plate_id, from, to)
            {
                0.2 * span_s
            } else {
                0.01 * span_s
            };
            let tol = 4.5 * noise * n + drift + 0.3;
            assert!(
                (step - c.grams).abs() <= tol,
                "{} seed {}: plate {} at {}: step {step:.2} g, moved {:.2} g, tolerance {tol:.2} g",
                s.scenario,
                s.seed,
                c.plate_id,
                c.t_start,
                c.grams
            );
            // The hand presses: the signal inside the window leaves the noise band.
            let during = window(t, g, c.t_start, c.t_end);
            let base = mean(&before);
            let peak = during
                .iter()
                .map(|v| (v - base).abs())
                .fold(0.0f64, f64::max);
            assert!(
                peak > 30.0,
                "no hand disturbance visible on plate {}",
                c.plate_id
            );
            checked += c.actions;
        }
    }
    assert!(
        checked as f64 >= 0.85 * total as f64,
        "only {checked} of {total} actions checked"
    );
}

#[test]
fn action_signs_and_grams() {
    for s in common::all_sessions() {
        for a in &s.truth.actions {
            let ok = match a.kind {
                ActionKind::Pick => a.grams_moved < 0.0 && a.plate_id.is_some(),
                ActionKind::PutBack => a.grams_moved > 0.0 && a.plate_id.is_some(),
                ActionKind::HandOver => {
                    a.grams_moved == 0.0 && a.plate_id.is_none() && a.receiver.is_some()
                }
            };
            assert!(ok, "{a:?}");
            assert!(a.quantity >= 1 && a.t_end_us > a.t_start_us, "{a:?}");
        }
    }
}

#[test]
fn every_stream_is_sorted_and_every_plate_streams() {
    let plates = common::store().plates().count();
    for s in common::all_sessions() {
        let sorted = |t: &[i64]| t.windows(2).all(|w| w[0] <= w[1]);
        assert!(s.weights.check_lengths().is_ok());
        assert!(sorted(&s.weights.t_us), "weights");
        assert!(sorted(&s.positions.t_us), "positions");
        assert!(sorted(&s.gates.t_us), "gates");
        assert!(sorted(&s.person_detections.t_us), "person detections");
        assert!(sorted(&s.product_detections.t_us), "product detections");
        assert!(sorted(&s.thermal_blobs.t_us), "thermal blobs");
        assert!(sorted(&s.rfid_reads.t_us), "rfid reads");
        assert!(sorted(&s.truth.person_boxes.t_us), "person boxes");
        let by_plate = common::weights_by_plate(&s);
        assert_eq!(by_plate.len(), plates);
        let dur_s = (s.end_us - s.start_us) as f64 / 1e6;
        for (id, (t, g)) in &by_plate {
            assert!(t.windows(2).all(|w| w[1] > w[0]), "plate {id} times");
            assert!(*t.last().unwrap_or(&0) <= s.end_us);
            let dropouts: Vec<(i64, i64)> = s
                .truth
                .disturbances
                .iter()
                .filter(|d| d.kind == DisturbanceKind::PlateDropout && d.sensor_id == *id)
                .map(|d| (d.t_start_us, d.t_end_us))
                .collect();
            let dropped_s: f64 = dropouts.iter().map(|d| (d.1 - d.0) as f64 / 1e6).sum();
            let rate = t.len() as f64 / (dur_s - dropped_s);
            assert!((rate - 60.0).abs() < 1.5, "plate {id}: {rate} Hz");
            for (a, b) in &dropouts {
                assert!(b - a >= 2 * SECOND || *b == s.end_us, "dropout {a}..{b}");
                let inside = t.partition_point(|&x| x < *b) - t.partition_point(|&x| x < *a);
                assert_eq!(inside, 0, "plate {id} sent samples during a dropout");
            }
            if dropouts.is_empty() {
                assert!(t[0] < s.start_us + SECOND / 30, "plate {id}");
            }
            // Raw, not zeroed: the tare is in the signal.
            assert!(g[0] > 700.0, "plate {id} starts at {} g", g[0]);
        }
    }
}

#[test]
fn stock_is_conserved() {
    let mut initial: BTreeMap<String, u64> = BTreeMap::new();
    for e in &common::store().planogram {
        *initial.entry(e.sku.clone()).or_default() += u64::from(e.count);
    }
    initial.retain(|_, v| *v > 0);
    for s in common::all_sessions() {
        let mut after: BTreeMap<String, u64> = BTreeMap::new();
        for (_, sku, c) in &s.truth.final_stock {
            *after.entry(sku.clone()).or_default() += u64::from(*c);
        }
        for r in &s.truth.receipts {
            for (sku, q) in &r.lines {
                *after.entry(sku.clone()).or_default() += u64::from(*q);
            }
        }
        after.retain(|_, v| *v > 0);
        assert_eq!(initial, after, "{} seed {}", s.scenario, s.seed);
        // Misplaced units are part of the final stock, off their planogram plates.
        for m in &s.truth.misplaced {
            assert!(s.truth.final_stock.contains(m));
            assert!(!common::store()
                .planogram
                .iter()
                .any(|e| e.plate == m.0 && e.sku == m.1));
        }
    }
}

#[test]
fn receipts_and_carts_follow_the_actions() {
    for s in common::all_sessions() {
        for r in &s.truth.receipts {
            let mut net: BTreeMap<String, i64> = BTreeMap::new();
            for a in &s.truth.actions {
                let q = i64::from(a.quantity);
                if a.shopper == r.shopper {
                    *net.entry(a.sku.clone()).or_default() += match a.kind {
                        ActionKind::Pick => q,
                        ActionKind::PutBack | ActionKind::HandOver => -q,
                    };
                }
                if a.receiver == Some(r.shopper) {
                    *net.entry(a.sku.clone()).or_default() += q;
                }
            }
            assert!(net.values().all(|&v| v >= 0), "{net:?}");
            let expect: Vec<(String, u32)> = net
                .into_iter()
                .filter(|(_, v)| *v > 0)
                .map(|(k, v)| (k, v as u32))
                .collect();
            assert_eq!(r.lines, expect, "{} seed {}", s.scenario, s.seed);
            let shopper = &s.truth.shoppers[r.shopper as usize];
            assert_eq!(r.token, shopper.token);
            assert_eq!(r.track_id, shopper.track_id);

            // The cart's last state per sku is the receipt.
            let mut cart: BTreeMap<&str, u32> = BTreeMap::new();
            for c in s
                .truth
                .cart_changes
                .iter()
                .filter(|c| c.shopper == r.shopper)
            {
                let q = cart.entry(c.sku.as_str()).or_default();
                let next = i64::from(*q) + i64::from(c.delta);
                assert!(next >= 0, "cart below zero: {c:?}");
                *q = next as u32;
                assert_eq!(c.quantity, *q, "{c:?}");
                let sign_ok = match c.cause {
                    CartCause::Pick | CartCause::HandOverIn => c.delta > 0,
                    CartCause::PutBack | CartCause::HandOverOut => c.delta < 0,
                };
                assert!(sign_ok, "{c:?}");
            }
            cart.retain(|_, q| *q > 0);
            let lines: Vec<(String, u32)> =
                cart.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
            assert_eq!(lines, r.lines);
        }
        assert!(s
            .truth
            .cart_changes
            .windows(2)
            .all(|w| w[0].t_us <= w[1].t_us));
    }
}

#[test]
fn true_paths_stay_on_the_floor_and_out_of_gondolas() {
    let floor = common::store().floor;
    let feet = common::footprints();
    for s in common::all_sessions() {
        let tr = &s.truth.trajectories;
        assert!(!tr.is_empty());
        assert!(tr.t_us.windows(2).all(|w| w[0] <= w[1]));
        let mut last: BTreeMap<u32, (i64, f64, f64)> = BTreeMap::new();
        for i in 0..tr.len() {
            let (x, y) = (tr.x[i], tr.y[i]);
            assert!(
                x > 0.0 && y > 0.0 && x < floor[0] && y < floor[1],
                "({x}, {y})"
            );
            for (min, max) in &feet {
                let inside = x > min[0] && x < max[0] && y > min[1] && y < max[1];
                assert!(!inside, "({x}, {y}) inside a plate footprint");
            }
            // Walking speed between consecutive frames of one shopper stays human (a
            // side-step around somebody adds its sideways speed for a moment).
            if let Some(&(t, px, py)) = last.get(&tr.shopper[i]) {
                let v = (x - px).hypot(y - py) / ((tr.t_us[i] - t) as f64 / 1e6);
                assert!(
                    v <= 1.5,
                    "speed {v} m/s: {} seed {} shopper {} at {}",
                    s.scenario,
                    s.seed,
                    tr.shopper[i],
                    (tr.t_us[i] - s.start_us) as f64 / 1e6
                );
            }
            last.insert(tr.shopper[i], (tr.t_us[i], x, y));
        }
    }
}

#[test]
fn shoppers_stand_in_front_of_the_plate_they_touch() {
    for s in common::all_sessions() {
        for a in &s.truth.actions {
            let Some(plate_id) = a.plate_id else { continue };
            let p = common::true_position(&s, a.shopper, (a.t_start_us + a.t_end_us) / 2);
            let plate = common::plate(plate_id);
            let dx = (plate.min[0] - p[0]).max(0.0).max(p[0] - plate.max[0]);
            let dy = (plate.min[1] - p[1]).max(0.0).max(p[1] - plate.max[1]);
            let d = dx.hypot(dy);
            assert!(d > 0.2 && d < 0.95, "{a:?}: stands {d} m from the plate");
        }
    }
}

#[test]
fn tracker_positions_are_noisy_truth_while_in_store() {
    for s in common::base_sessions() {
        let pos = &s.positions;
        let tr = &s.truth.trajectories;
        assert!(pos.check_lengths().is_ok());
        assert_eq!(pos.len(), tr.len());
        let mut sq = 0.0;
        for i in 0..pos.len() {
            assert_eq!(pos.t_us[i], tr.t_us[i]);
            let who = &s.truth.shoppers[tr.shopper[i] as usize];
            assert_eq!(pos.track_id[i], who.track_id);
            assert!(pos.t_us[i] >= who.enter_us && pos.t_us[i] <= who.exit_us);
            sq += (pos.x[i] - tr.x[i]).powi(2) + (pos.y[i] - tr.y[i]).powi(2);
        }
        let sigma = (sq / (2.0 * pos.len() as f64)).sqrt();
        assert!((0.03..0.1).contains(&sigma), "tracker noise sigma {sigma}");
        for who in &s.truth.shoppers {
            let n = pos.track_id.iter().filter(|&&t| t == who.track_id).count() as f64;
            let rate = n / ((who.exit_us - who.enter_us) as f64 / 1e6);
            assert!((rate - 15.0).abs() < 0.5, "{rate} Hz");
        }
    }
}

#[test]
fn each_shopper_enters_once_and_exits_once() {
    let cfg = common::store();
    let gate_kind = |id: u32| cfg.gates.iter().find(|q| q.id == id).map(|q| q.kind);
    for s in common::all_sessions() {
        let g = &s.gates;
        assert!(g.check_lengths().is_ok());
        assert_eq!(g.len(), 2 * s.truth.shoppers.len());
        for who in &s.truth.shoppers {
            let enters: Vec<usize> = (0..g.len())
                .filter(|&i| g.kind[i] == GateEventKind::Enter && g.t_us[i] == who.enter_us)
                .collect();
            let exits: Vec<usize> = (0..g.len())
                .filter(|&i| g.kind[i] == GateEventKind::Exit && g.t_us[i] == who.exit_us)
                .collect();
            assert_eq!((enters.len(), exits.len()), (1, 1));
            let (e, x) = (enters[0], exits[0]);
            assert_eq!(g.token[e], who.token);
            if let Some(t) = &who.token {
                assert!(t.starts_with("acct-") && t.len() == 13, "{t}");
            }
            assert!(g.token[x].is_none());
            assert_eq!(gate_kind(g.gate_id[e]), Some(GateKind::Entry));
            assert_eq!(gate_kind(g.gate_id[x]), Some(GateKind::Exit));
            // The shopper is at the gate when the gate fires.
            for i in [e, x] {
                let p = common::true_position(&s, who.shopper, g.t_us[i]);
                let gate = cfg.gates.iter().find(|q| q.id == g.gate_id[i]);
                let gate = gate.expect("gate");
                let c = gate.position;
                assert!((p[0] - c[0]).hypot(p[1] - c[1]) < gate.radius_m);
            }
        }
        let last_exit = s.truth.shoppers.iter().map(|w| w.exit_us).max();
        assert!(s.end_us >= last_exit.unwrap_or(0) + 4 * SECOND);
    }
}

#[test]
fn hands_of_different_shoppers_on_one_plate_are_apart_unless_shared() {
    for s in common::all_sessions() {
        let mut by_plate: BTreeMap<u32, Vec<(i64, i64, u32, bool)>> = BTreeMap::new();
        for a in &s.truth.actions {
            let d = a.t_end_us - a.t_start_us;
            if a.kind != ActionKind::HandOver {
                assert!((400_000..=1_200_000).contains(&d), "hand {d} us");
            }
            let Some(plate_id) = a.plate_id else { continue };
            let shared = a.confusion == Some(Confusion::SharedPlate);
            by_plate.entry(plate_id).or_default().push((
                a.t_start_us,
                a.t_end_us,
                a.shopper,
                shared,
            ));
        }
        for v in by_plate.values_mut() {
            v.sort_unstable_by_key(|h| h.0);
            for i in 0..v.len() {
                for j in i + 1..v.len() {
                    let (a, b) = (v[i], v[j]);
                    if a.3 && b.3 {
                        continue;
                    }
                    assert!(b.0 - a.1 >= 1_500_000, "{a:?} {b:?}");
                }
            }
        }
    }
}
