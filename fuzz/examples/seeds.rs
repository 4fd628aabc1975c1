//! Write the seed corpus of the fuzz targets into `seeds/` (run from `fuzz/`):
//! `cargo run --example seeds`. Seeds are what libFuzzer starts from; inputs it finds
//! interesting go to `corpus/` (not kept in git).

use std::fs;
use std::path::Path;

fn write(dir: &str, name: &str, bytes: &[u8]) {
    let dir = Path::new("seeds").join(dir);
    fs::create_dir_all(&dir).expect("create seeds dir");
    fs::write(dir.join(name), bytes).expect("write seed");
}

fn main() {
    // `config`: a leading zero u32 selects the raw-text variant; the text follows.
    for (name, text) in [
        ("minimal.json", walkout_fuzz::MINIMAL_JSON.to_string()),
        ("sensors.json", walkout_fuzz::sensor_store_json()),
    ] {
        let mut seed = vec![0u8; 4];
        seed.extend_from_slice(text.as_bytes());
        write("config", name, &seed);
    }
    // `snapshot`: real snapshots of the minimal store after a short session and of the
    // sensor store mid-visit.
    write(
        "snapshot",
        "session.snapshot",
        &walkout_fuzz::seed_snapshot(),
    );
    write(
        "snapshot",
        "sensors.snapshot",
        &walkout_fuzz::sensor_snapshot(),
    );
}
