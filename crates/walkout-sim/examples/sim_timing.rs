//! Wall-clock time of `simulate` per scenario in its shipped store, and what each
//! session holds. Run with `cargo run --release -p walkout-sim --example sim_timing`
//! (`-- SEEDS` to average over more or fewer seeds than 5). `scale-large` runs 2 min
//! here; `--example scale_hour` times its full hour.

use std::time::Instant;

use walkout_core::StoreConfig;
use walkout_sim::{scenarios, simulate_with, SimOptions};

fn main() -> Result<(), walkout_sim::SimError> {
    let seeds: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    let convenience =
        StoreConfig::from_json(include_str!("../../../examples/stores/convenience.json"))?;
    let large = StoreConfig::from_json(include_str!("../../../examples/stores/large.json"))?;
    println!(
        "{:<22} {:>8} {:>7} {:>5} {:>7} {:>6} {:>9} {:>8} {:>7} {:>6} {:>6} {:>7}",
        "scenario",
        "ms",
        "sim s",
        "shop",
        "actions",
        "conf%",
        "weights",
        "persons",
        "boxes",
        "prod",
        "therm",
        "rfid"
    );
    for info in scenarios() {
        let store = if info.store == "large" {
            &large
        } else {
            &convenience
        };
        let options = SimOptions {
            duration_s: (info.store == "large").then_some(120.0),
            ..SimOptions::default()
        };
        let (mut wall, mut sim_s) = (0.0, 0.0);
        let mut counts = [0usize; 9];
        for seed in 0..seeds {
            let t = Instant::now();
            let s = simulate_with(store, &info.name, seed, &options)?;
            wall += t.elapsed().as_secs_f64();
            sim_s += (s.end_us - s.start_us) as f64 / 1e6;
            let confusing = s
                .truth
                .actions
                .iter()
                .filter(|a| a.confusion.is_some())
                .count();
            for (c, v) in counts.iter_mut().zip([
                s.truth.shoppers.len(),
                s.truth.actions.len(),
                confusing,
                s.weights.len(),
                s.person_detections.len(),
                s.truth.person_boxes.len(),
                s.product_detections.len(),
                s.thermal_blobs.len(),
                s.rfid_reads.len(),
            ]) {
                *c += v;
            }
        }
        let n = seeds as f64;
        let avg = |i: usize| counts[i] as f64 / n;
        println!(
            "{:<22} {:>8.1} {:>7.1} {:>5.1} {:>7.1} {:>6.1} {:>9.0} {:>8.0} {:>7.0} {:>6.0} {:>6.0} {:>7.0}",
            info.name,
            wall / n * 1e3,
            sim_s / n,
            avg(0),
            avg(1),
            100.0 * counts[2] as f64 / counts[1].max(1) as f64,
            avg(3),
            avg(4),
            avg(5),
            avg(6),
            avg(7),
            avg(8),
        );
    }
    Ok(())
}
