//! The sensor streams agree with the ground truth the way physics demands.

mod common;

use std::collections::BTreeMap;

use walkout_core::input::GateEventKind;
use walkout_sim::{ActionKind, SimSession};

const SECOND: i64 = 1_000_000;

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn window(times: &[i64], grams: &[f64], from: i64, to: i64) -> Vec<f64> {
    let a = times.partition_point(|&t| t < from);
    let b = times.partition_point(|&t| t <= to);
    grams[a..b].to_vec()
}

#[test]
fn weight_step_around_each_action_equals_grams_moved() {
    let noise = 5.0; // WeightSensor default, which the reference store uses
    for s in common::all_sessions() {
        let by_plate = common::weights_by_plate(&s);
        assert!(!s.truth.actions.is_empty());
        for a in &s.truth.actions {
            let (t, g) = &by_plate[&a.plate_id];
            let before = window(t, g, a.t_start_us - SECOND, a.t_start_us - 1);
            let after = window(t, g, a.t_end_us + 1, a.t_end_us + SECOND);
            assert!(before.len() >= 50 && after.len() >= 50, "{a:?}");
            let step = mean(&after) - mean(&before);
            // 4.5 sigma of a difference of two means, plus drift over ~3 s (< 0.2 g).
            let n = (1.0 / before.len() as f64 + 1.0 / after.len() as f64).sqrt();
            let tol = 4.5 * noise * n + 0.5;
            assert!(
                (step - a.grams_moved).abs() <= tol,
                "{} seed {}: {a:?} step {step:.2} g, tolerance {tol:.2} g",
                s.scenario,
                s.seed
            );
            let sign_ok = match a.kind {
                ActionKind::Pick => a.grams_moved < 0.0,
                ActionKind::PutBack => a.grams_moved > 0.0,
            };
            assert!(sign_ok, "{a:?}");
            // The hand presses: the signal inside the window leaves the noise band.
            let during = window(t, g, a.t_start_us, a.t_end_us);
            let base = mean(&before);
            let peak = during
                .iter()
                .map(|v| (v - base).abs())
                .fold(0.0f64, f64::max);
            assert!(
                peak > 30.0,
                "no hand disturbance visible: {a:?}, peak {peak}"
            );
        }
    }
}

#[test]
fn every_plate_streams_for_the_whole_session() {
    let plates = common::store().plates().count();
    for s in common::all_sessions() {
        assert!(s.weights.check_lengths().is_ok());
        assert!(
            s.weights.t_us.windows(2).all(|w| w[0] <= w[1]),
            "not time sorted"
        );
        let by_plate = common::weights_by_plate(&s);
        assert_eq!(by_plate.len(), plates);
        let dur_s = (s.end_us - s.start_us) as f64 / 1e6;
        for (id, (t, g)) in &by_plate {
            assert!(
                t[0] >= s.start_us && t[0] < s.start_us + SECOND / 30,
                "plate {id}"
            );
            assert!(*t.last().unwrap_or(&0) <= s.end_us);
            assert!(
                t.windows(2).all(|w| w[1] > w[0]),
                "plate {id} times not increasing"
            );
            let rate = t.len() as f64 / dur_s;
            assert!((rate - 60.0).abs() < 1.0, "plate {id}: {rate} Hz");
            // Raw, not zeroed: the tare is in the signal.
            assert!(g[0] > 700.0, "plate {id} starts at {} g", g[0]);
        }
    }
}

#[test]
fn stock_is_conserved() {
    for s in common::all_sessions() {
        let mut initial: BTreeMap<String, u64> = BTreeMap::new();
        for e in &common::store().planogram {
            *initial.entry(e.sku.clone()).or_default() += u64::from(e.count);
        }
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
        initial.retain(|_, v| *v > 0);
        assert_eq!(initial, after, "{} seed {}", s.scenario, s.seed);
    }
}

#[test]
fn receipts_are_picks_minus_put_backs() {
    for s in common::all_sessions() {
        for r in &s.truth.receipts {
            let mut net: BTreeMap<String, i64> = BTreeMap::new();
            for a in s.truth.actions.iter().filter(|a| a.shopper == r.shopper) {
                let q = i64::from(a.quantity);
                *net.entry(a.sku.clone()).or_default() += match a.kind {
                    ActionKind::Pick => q,
                    ActionKind::PutBack => -q,
                };
            }
            assert!(net.values().all(|&v| v >= 0), "{net:?}");
            let expect: Vec<(String, u32)> = net
                .into_iter()
                .filter(|(_, v)| *v > 0)
                .map(|(k, v)| (k, v as u32))
                .collect();
            assert_eq!(r.lines, expect);
            let shopper = &s.truth.shoppers[r.shopper as usize];
            assert_eq!(r.token, shopper.token);
            assert_eq!(r.track_id, shopper.track_id);
        }
    }
}

fn check_walkable(s: &SimSession) {
    let floor = common::store().floor;
    let feet = common::footprints();
    let tr = &s.truth.trajectories;
    assert!(!tr.is_empty());
    for i in 0..tr.len() {
        let (x, y) = (tr.x[i], tr.y[i]);
        assert!(
            x > 0.0 && y > 0.0 && x < floor[0] && y < floor[1],
            "({x}, {y}) off the floor"
        );
        for (min, max) in &feet {
            let inside = x > min[0] && x < max[0] && y > min[1] && y < max[1];
            assert!(
                !inside,
                "({x}, {y}) inside a plate footprint {min:?}..{max:?}"
            );
        }
    }
}

#[test]
fn true_paths_stay_on_the_floor_and_out_of_gondolas() {
    for s in common::all_sessions() {
        check_walkable(&s);
        let tr = &s.truth.trajectories;
        assert!(tr.t_us.windows(2).all(|w| w[0] <= w[1]));
        // Walking speed between consecutive frames of one shopper stays human.
        let mut last: BTreeMap<u32, (i64, f64, f64)> = BTreeMap::new();
        for i in 0..tr.len() {
            if let Some(&(t, x, y)) = last.get(&tr.shopper[i]) {
                let v = (tr.x[i] - x).hypot(tr.y[i] - y) / ((tr.t_us[i] - t) as f64 / 1e6);
                assert!(v <= 1.31, "speed {v} m/s");
            }
            last.insert(tr.shopper[i], (tr.t_us[i], tr.x[i], tr.y[i]));
        }
    }
}

#[test]
fn shoppers_stand_in_front_of_the_plate_they_touch() {
    for s in common::all_sessions() {
        for a in &s.truth.actions {
            let p = common::true_position(&s, a.shopper, (a.t_start_us + a.t_end_us) / 2);
            let plate = common::store()
                .plates()
                .find(|(_, _, q)| q.id == a.plate_id)
                .map(|(_, _, q)| q.clone())
                .expect("plate");
            let dx = (plate.min[0] - p[0]).max(0.0).max(p[0] - plate.max[0]);
            let dy = (plate.min[1] - p[1]).max(0.0).max(p[1] - plate.max[1]);
            let d = dx.hypot(dy);
            assert!(d > 0.25 && d < 0.9, "{a:?}: stands {d} m from the plate");
        }
    }
}

#[test]
fn tracker_positions_are_noisy_truth_while_in_store() {
    for s in common::all_sessions() {
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
        // 15 Hz per shopper.
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
    for s in common::all_sessions() {
        let g = &s.gates;
        assert!(g.check_lengths().is_ok());
        assert!(g.t_us.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(g.len(), 2 * s.truth.shoppers.len());
        for who in &s.truth.shoppers {
            let token = who.token.as_deref().expect("token");
            assert!(token.starts_with("acct-") && token.len() == 13, "{token}");
            let enters: Vec<usize> = (0..g.len())
                .filter(|&i| g.kind[i] == GateEventKind::Enter && g.token[i] == who.token)
                .collect();
            let exits: Vec<usize> = (0..g.len())
                .filter(|&i| g.kind[i] == GateEventKind::Exit && g.t_us[i] == who.exit_us)
                .collect();
            assert_eq!(enters.len(), 1);
            assert_eq!(exits.len(), 1);
            let (e, x) = (enters[0], exits[0]);
            assert_eq!(g.t_us[e], who.enter_us);
            assert!(g.t_us[e] < g.t_us[x]);
            assert!(g.token[x].is_none());
            let gate_kind = |id: u32| cfg.gates.iter().find(|q| q.id == id).map(|q| q.kind);
            assert_eq!(
                gate_kind(g.gate_id[e]),
                Some(walkout_core::config::GateKind::Entry)
            );
            assert_eq!(
                gate_kind(g.gate_id[x]),
                Some(walkout_core::config::GateKind::Exit)
            );
            // The shopper is at the gate when the gate fires.
            let gate = |i: usize| {
                cfg.gates
                    .iter()
                    .find(|q| q.id == g.gate_id[i])
                    .expect("gate")
            };
            for i in [e, x] {
                let p = common::true_position(&s, who.shopper, g.t_us[i]);
                let c = gate(i).position;
                assert!((p[0] - c[0]).hypot(p[1] - c[1]) < gate(i).radius_m);
            }
        }
        assert!(
            s.end_us
                >= s.truth
                    .shoppers
                    .iter()
                    .map(|w| w.exit_us)
                    .max()
                    .unwrap_or(0)
                    + 4_000_000
        );
    }
}

#[test]
fn hands_on_one_plate_are_apart_in_time() {
    for s in common::all_sessions() {
        let mut by_plate: BTreeMap<u32, Vec<(i64, i64)>> = BTreeMap::new();
        for a in &s.truth.actions {
            assert!(a.t_end_us > a.t_start_us);
            let d = a.t_end_us - a.t_start_us;
            assert!((400_000..=1_200_000).contains(&d), "hand {d} us");
            by_plate
                .entry(a.plate_id)
                .or_default()
                .push((a.t_start_us, a.t_end_us));
        }
        for v in by_plate.values_mut() {
            v.sort_unstable();
            for w in v.windows(2) {
                assert!(w[1].0 - w[0].1 >= 1_500_000, "{w:?}");
            }
        }
    }
}
