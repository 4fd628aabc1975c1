//! Wall-clock time of `simulate` per scenario in the 360-plate reference store.
//! Run with `cargo run --release -p walkout-sim --example sim_timing`.

use std::time::Instant;

use walkout_sim::{scenarios, simulate, stores};

fn main() -> Result<(), walkout_sim::SimError> {
    let store = stores::convenience_store();
    let plates = store.plates().count();
    println!("store `{}`: {plates} plates", store.name);
    for info in scenarios() {
        let seeds = 0..10u64;
        let n = seeds.end - seeds.start;
        let (mut wall, mut session_s, mut samples) = (0.0, 0.0, 0usize);
        for seed in seeds {
            let t = Instant::now();
            let s = simulate(&store, &info.name, seed)?;
            wall += t.elapsed().as_secs_f64();
            session_s += (s.end_us - s.start_us) as f64 / 1e6;
            samples += s.weights.len();
        }
        println!(
            "{:<22} mean {:>7.1} ms per session | {:>5.1} s simulated | {:>9} weight samples | {:>6.0}x real time | {:.1} M samples/s",
            info.name,
            wall / n as f64 * 1e3,
            session_s / n as f64,
            samples / n as usize,
            session_s / wall,
            samples as f64 / wall / 1e6,
        );
    }
    Ok(())
}
