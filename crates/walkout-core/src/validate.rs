//! Validation of a [`StoreConfig`]: everything the core relies on, checked again here so
//! that the core is safe to use from Rust alone (no Python, no pydantic in front).
//!
//! The Python layer (`python/walkout/_config_checks.py` and the models in
//! `walkout.config`) runs the same checks with the same tolerances and reports every
//! problem at once; this module returns the first one found, as
//! [`WalkoutError::Config`] with a field path in the same style
//! (`gondolas[0].shelves[2].plates[5].min`, `planogram[3].sku`).

use std::collections::{HashMap, HashSet};
use std::fmt::Debug;
use std::hash::Hash;

use crate::config::{
    Antenna, Camera, FusionParams, GateKind, Mat3, Plate, Product, RfidReader, StoreConfig,
    ThermalCamera, Vec3,
};
use crate::errors::{Result, WalkoutError};

/// Largest `|R Rᵀ − I|` entry and `|det R − 1|` accepted for a camera rotation. Rotations
/// read from text files carry rounding; 1e-5 accepts 6+ significant digits.
pub const ORTHONORMAL_TOL: f64 = 1e-5;
/// A homography is singular when `|det H| / ‖H‖_F³` is at or below this (scale-free;
/// real image-to-floor homographies sit around 1e-8).
pub const SINGULAR_TOL: f64 = 1e-12;
/// Plates sharing a face may cross by a rounding error; only overlaps deeper than this
/// on every axis count.
pub const OVERLAP_TOL_M: f64 = 1e-9;
/// Entries of the intrinsics that must be exactly 0 or 1, up to rounding.
pub const INTRINSICS_TOL: f64 = 1e-9;

const AXES: [&str; 3] = ["x", "y", "z"];

/// Upper bounds that keep every derived quantity of the engine bounded: durations in
/// microseconds far from `i64` overflow, and each plate's stability window (rate ×
/// window samples, allocated up front per plate) small. Each is far beyond any real
/// store's setting; `walkout.config` enforces the same bounds on the same paths.
pub const MAX_DURATION_S: f64 = 3600.0;
pub const MAX_STABLE_WINDOW_S: f64 = 10.0;
pub const MAX_RATE_HZ: f64 = 1000.0;
/// Slowest plate sample rate accepted: the detection delay grows as 1 / rate.
pub const MIN_PLATE_RATE_HZ: f64 = 1.0;
pub const MAX_NOISE_STD_G: f64 = 10_000.0;
pub const MAX_DISTANCE_M: f64 = 1000.0;
pub const MAX_QUANTITY: u32 = 100;
/// Heaviest product unit (grams) and dearest price (minor units) accepted: keeps weight
/// likelihoods and receipt totals far from overflow.
pub const MAX_UNIT_WEIGHT_G: f64 = 1e6;
pub const MAX_PRICE_CENTS: i64 = 1_000_000_000_000;
/// Most units one planogram entry may stock on a plate.
pub const MAX_PLANOGRAM_COUNT: u32 = 100_000;

/// Check everything the core relies on; the first problem found is returned.
pub fn validate(cfg: &StoreConfig) -> Result<()> {
    check_floor(cfg)?;
    check_products(&cfg.products)?;
    check_gondolas(cfg)?;
    check_planogram(cfg)?;
    check_overlaps(cfg)?;
    check_cameras(&cfg.cameras)?;
    check_thermal_cameras(&cfg.thermal_cameras)?;
    check_rfid_readers(&cfg.rfid_readers)?;
    check_gates(cfg)?;
    check_fusion(&cfg.fusion)
}

// --- small helpers --------------------------------------------------------------------

fn fail(path: impl Into<String>, value: impl ToString, message: impl Into<String>) -> WalkoutError {
    WalkoutError::config(path, value, message)
}

fn finite(path: &str, x: f64) -> Result<()> {
    if x.is_finite() {
        Ok(())
    } else {
        Err(fail(path, format!("{x:?}"), "must be a finite number"))
    }
}

fn positive(path: &str, x: f64) -> Result<()> {
    finite(path, x)?;
    if x > 0.0 {
        Ok(())
    } else {
        Err(fail(path, format!("{x:?}"), "must be greater than 0"))
    }
}

/// `x` must be finite, greater than 0 and at most `max`.
fn positive_at_most(path: &str, x: f64, max: f64) -> Result<()> {
    positive(path, x)?;
    at_most(path, x, max)
}

/// `x` must be finite, greater than or equal to 0 and at most `max`.
fn non_negative_at_most(path: &str, x: f64, max: f64) -> Result<()> {
    non_negative(path, x)?;
    at_most(path, x, max)
}

fn at_most(path: &str, x: f64, max: f64) -> Result<()> {
    if x <= max {
        Ok(())
    } else {
        Err(fail(
            path,
            format!("{x:?}"),
            format!("must be at most {max:?}"),
        ))
    }
}

fn non_negative(path: &str, x: f64) -> Result<()> {
    finite(path, x)?;
    if x >= 0.0 {
        Ok(())
    } else {
        Err(fail(
            path,
            format!("{x:?}"),
            "must be greater than or equal to 0",
        ))
    }
}

fn all_finite(path: &str, values: &[f64]) -> Result<()> {
    values
        .iter()
        .enumerate()
        .try_for_each(|(i, &x)| finite(&format!("{path}[{i}]"), x))
}

fn matrix_finite(path: &str, m: &Mat3) -> Result<()> {
    m.iter()
        .enumerate()
        .try_for_each(|(i, row)| all_finite(&format!("{path}[{i}]"), row))
}

/// Every key must be unique; the path of a repeat names where the key was first used.
fn unique<K: Eq + Hash + Debug>(
    items: impl IntoIterator<Item = (String, K)>,
    what: &str,
) -> Result<()> {
    let mut first: HashMap<K, String> = HashMap::new();
    for (path, key) in items {
        if let Some(earlier) = first.get(&key) {
            return Err(fail(
                path,
                format!("{key:?}"),
                format!("duplicate {what}, first used at {earlier}"),
            ));
        }
        first.insert(key, path);
    }
    Ok(())
}

fn check_box(path: &str, min: &Vec3, max: &Vec3) -> Result<()> {
    all_finite(&format!("{path}.min"), min)?;
    all_finite(&format!("{path}.max"), max)?;
    for (k, axis) in AXES.iter().enumerate() {
        if max[k] <= min[k] {
            return Err(fail(
                format!("{path}.max"),
                format!("{max:?}"),
                format!(
                    "max must exceed min on every axis; on {axis}: max {:?} <= min {:?}",
                    max[k], min[k]
                ),
            ));
        }
    }
    Ok(())
}

fn det3(m: &Mat3) -> f64 {
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
}

// --- sections of the config -------------------------------------------------------------

fn check_floor(cfg: &StoreConfig) -> Result<()> {
    positive("floor[0]", cfg.floor[0])?;
    positive("floor[1]", cfg.floor[1])
}

fn check_products(products: &[Product]) -> Result<()> {
    // A store without products has no weight to tell a change from noise by (found by
    // the `config` fuzz target: its detectors' thresholds were infinite).
    if products.is_empty() {
        return Err(fail(
            "products",
            "[]",
            "the store needs at least one product",
        ));
    }
    for (i, p) in products.iter().enumerate() {
        let at = |field: &str| format!("products[{i}].{field}");
        if p.sku.is_empty() {
            return Err(fail(at("sku"), "\"\"", "sku must not be empty"));
        }
        positive_at_most(&at("weight_g"), p.weight_g, MAX_UNIT_WEIGHT_G)?;
        non_negative_at_most(&at("weight_std_g"), p.weight_std_g, MAX_UNIT_WEIGHT_G)?;
        if !(0..=MAX_PRICE_CENTS).contains(&p.price_cents) {
            return Err(fail(
                at("price_cents"),
                p.price_cents,
                format!("must be greater than or equal to 0 and at most {MAX_PRICE_CENTS}"),
            ));
        }
        check_gtin(&at("gtin"), p)?;
    }
    unique(
        products
            .iter()
            .enumerate()
            .map(|(i, p)| (format!("products[{i}].sku"), p.sku.as_str())),
        "product sku",
    )
}

/// A GTIN, when given, is 14 digits with a valid check digit; RFID-tagged products need
/// one because their tags' EPCs are built from it.
fn check_gtin(path: &str, p: &Product) -> Result<()> {
    match &p.gtin {
        Some(g) => crate::epc::parse_gtin14(g)
            .map(|_| ())
            .map_err(|e| fail(path, format!("{g:?}"), e.to_string())),
        None if p.rfid => Err(fail(
            path,
            "None",
            "an RFID-tagged product (rfid = true) needs a GTIN-14",
        )),
        None => Ok(()),
    }
}

/// Every plate with its path, in document order.
fn plates_with_paths(cfg: &StoreConfig) -> impl Iterator<Item = (String, &Plate)> {
    cfg.gondolas.iter().enumerate().flat_map(|(gi, g)| {
        g.shelves.iter().enumerate().flat_map(move |(si, s)| {
            s.plates
                .iter()
                .enumerate()
                .map(move |(pi, p)| (format!("gondolas[{gi}].shelves[{si}].plates[{pi}]"), p))
        })
    })
}

fn check_gondolas(cfg: &StoreConfig) -> Result<()> {
    unique(
        cfg.gondolas
            .iter()
            .enumerate()
            .map(|(gi, g)| (format!("gondolas[{gi}].id"), g.id)),
        "gondola id",
    )?;
    for (gi, g) in cfg.gondolas.iter().enumerate() {
        unique(
            g.shelves
                .iter()
                .enumerate()
                .map(|(si, s)| (format!("gondolas[{gi}].shelves[{si}].id"), s.id)),
            &format!("shelf id in gondola {}", g.id),
        )?;
    }
    let [fx, fy] = cfg.floor;
    for (path, plate) in plates_with_paths(cfg) {
        check_box(&path, &plate.min, &plate.max)?;
        positive_at_most(
            &format!("{path}.sensor.noise_std_g"),
            plate.sensor.noise_std_g,
            MAX_NOISE_STD_G,
        )?;
        let rate_path = format!("{path}.sensor.rate_hz");
        positive_at_most(&rate_path, plate.sensor.rate_hz, MAX_RATE_HZ)?;
        if plate.sensor.rate_hz < MIN_PLATE_RATE_HZ {
            return Err(fail(
                rate_path,
                format!("{:?}", plate.sensor.rate_hz),
                format!("must be at least {MIN_PLATE_RATE_HZ:?}"),
            ));
        }
        let floor = format!("plate lies outside the floor [0, {fx:?}] x [0, {fy:?}] m (z >= 0)");
        if plate.min.iter().any(|&v| v < 0.0) {
            return Err(fail(
                format!("{path}.min"),
                format!("{:?}", plate.min),
                floor,
            ));
        }
        if plate.max[0] > fx || plate.max[1] > fy {
            return Err(fail(
                format!("{path}.max"),
                format!("{:?}", plate.max),
                floor,
            ));
        }
    }
    unique(
        plates_with_paths(cfg).map(|(path, p)| (format!("{path}.id"), p.id)),
        "plate id (plate ids are unique across the store)",
    )
}

fn check_planogram(cfg: &StoreConfig) -> Result<()> {
    let skus: HashSet<&str> = cfg.products.iter().map(|p| p.sku.as_str()).collect();
    let plates: HashSet<u32> = cfg.plates().map(|(_, _, p)| p.id).collect();
    let mut seen: HashMap<(u32, &str), usize> = HashMap::new();
    for (i, entry) in cfg.planogram.iter().enumerate() {
        if !plates.contains(&entry.plate) {
            return Err(fail(
                format!("planogram[{i}].plate"),
                entry.plate,
                "unknown plate: no plate has id",
            ));
        }
        if !skus.contains(entry.sku.as_str()) {
            return Err(fail(
                format!("planogram[{i}].sku"),
                format!("{:?}", entry.sku),
                "unknown sku: no product has it",
            ));
        }
        if entry.count > MAX_PLANOGRAM_COUNT {
            return Err(fail(
                format!("planogram[{i}].count"),
                entry.count,
                format!("must be at most {MAX_PLANOGRAM_COUNT}"),
            ));
        }
        if let Some(first) = seen.insert((entry.plate, entry.sku.as_str()), i) {
            return Err(fail(
                format!("planogram[{i}].sku"),
                format!("{:?}", entry.sku),
                format!(
                    "plate {} already lists this sku at planogram[{first}]",
                    entry.plate
                ),
            ));
        }
    }
    Ok(())
}

/// A plate with its position in document order (gondola, shelf, plate indices).
type Located<'a> = ((usize, usize, usize), &'a Plate);

fn plate_path(((g, s, p), _): Located) -> String {
    format!("gondolas[{g}].shelves[{s}].plates[{p}]")
}

/// Two plates whose boxes intersect with positive volume.
struct Overlap<'a> {
    earlier: Located<'a>,
    later: Located<'a>,
    depth: [f64; 3],
}

fn check_overlaps(cfg: &StoreConfig) -> Result<()> {
    let mut plates: Vec<Located> = Vec::new();
    for (gi, g) in cfg.gondolas.iter().enumerate() {
        for (si, s) in g.shelves.iter().enumerate() {
            plates.extend(s.plates.iter().enumerate().map(|(pi, p)| ((gi, si, pi), p)));
        }
    }
    // Sweep along x: only plates whose x-ranges overlap are compared, so stores of
    // thousands of plates stay fast.
    plates.sort_by(|a, b| a.1.min[0].total_cmp(&b.1.min[0]));
    let mut active: Vec<Located> = Vec::new();
    // Reported: the overlap whose later plate comes first in document order.
    let mut first: Option<Overlap> = None;
    for &(key, plate) in &plates {
        active.retain(|(_, a)| a.max[0] - plate.min[0] > OVERLAP_TOL_M);
        for &(other_key, other) in &active {
            let depth: [f64; 3] = std::array::from_fn(|k| {
                plate.max[k].min(other.max[k]) - plate.min[k].max(other.min[k])
            });
            if depth.iter().all(|&d| d > OVERLAP_TOL_M) {
                let (earlier, later) = if other_key < key {
                    ((other_key, other), (key, plate))
                } else {
                    ((key, plate), (other_key, other))
                };
                if first.as_ref().is_none_or(|o| later.0 < o.later.0) {
                    first = Some(Overlap {
                        earlier,
                        later,
                        depth,
                    });
                }
            }
        }
        active.push((key, plate));
    }
    match first {
        None => Ok(()),
        Some(Overlap {
            earlier,
            later,
            depth,
        }) => Err(fail(
            plate_path(later),
            later.1.id,
            format!(
                "plate {} overlaps plate {} at {} by {:.3} x {:.3} x {:.3} m",
                later.1.id,
                earlier.1.id,
                plate_path(earlier),
                depth[0],
                depth[1],
                depth[2]
            ),
        )),
    }
}

fn check_intrinsics(path: &str, cam: &Camera) -> Result<()> {
    let k = &cam.intrinsics;
    matrix_finite(path, k)?;
    let value = format!("{k:?}");
    if k[0][0] <= 0.0 || k[1][1] <= 0.0 {
        return Err(fail(
            path,
            value,
            format!(
                "focal lengths fx = K[0][0] and fy = K[1][1] must be > 0 ({:?}, {:?})",
                k[0][0], k[1][1]
            ),
        ));
    }
    let last_row_ok = (k[2][0].abs() <= INTRINSICS_TOL)
        && (k[2][1].abs() <= INTRINSICS_TOL)
        && ((k[2][2] - 1.0).abs() <= INTRINSICS_TOL);
    if !last_row_ok {
        return Err(fail(
            path,
            value,
            "last row of the intrinsics must be [0, 0, 1]",
        ));
    }
    if k[1][0].abs() > INTRINSICS_TOL {
        return Err(fail(
            path,
            value,
            "K[1][0] must be 0 (intrinsics are upper triangular)",
        ));
    }
    let (cx, cy) = (k[0][2], k[1][2]);
    let inside = cx > 0.0 && cx < f64::from(cam.width) && cy > 0.0 && cy < f64::from(cam.height);
    if !inside {
        return Err(fail(
            path,
            value,
            format!(
                "principal point ({cx:?}, {cy:?}) lies outside the {}x{} image",
                cam.width, cam.height
            ),
        ));
    }
    Ok(())
}

fn check_rotation(path: &str, r: &Mat3) -> Result<()> {
    matrix_finite(path, r)?;
    let mut worst = 0.0_f64;
    for i in 0..3 {
        for j in 0..3 {
            let dot: f64 = (0..3).map(|n| r[i][n] * r[j][n]).sum();
            let target = if i == j { 1.0 } else { 0.0 };
            worst = worst.max((dot - target).abs());
        }
    }
    if worst > ORTHONORMAL_TOL {
        return Err(fail(
            path,
            format!("{r:?}"),
            format!(
                "rotation is not orthonormal: max |R R^T - I| = {worst:.3e} exceeds the \
                 tolerance {ORTHONORMAL_TOL:e}"
            ),
        ));
    }
    let det = det3(r);
    if (det - 1.0).abs() > ORTHONORMAL_TOL {
        return Err(fail(
            path,
            format!("{r:?}"),
            format!(
                "rotation has determinant {det:.6}, not +1 within {ORTHONORMAL_TOL:e} \
                 (a reflection, not a rotation)"
            ),
        ));
    }
    Ok(())
}

fn check_image(path: &str, width: u32, height: u32, fps: f64) -> Result<()> {
    if width == 0 {
        return Err(fail(format!("{path}.width"), width, "must be at least 1"));
    }
    if height == 0 {
        return Err(fail(format!("{path}.height"), height, "must be at least 1"));
    }
    positive_at_most(&format!("{path}.fps"), fps, MAX_RATE_HZ)
}

fn check_cameras(cameras: &[Camera]) -> Result<()> {
    for (i, cam) in cameras.iter().enumerate() {
        let path = format!("cameras[{i}]");
        check_image(&path, cam.width, cam.height, cam.fps)?;
        check_intrinsics(&format!("{path}.intrinsics"), cam)?;
        all_finite(&format!("{path}.distortion"), &cam.distortion)?;
        check_rotation(&format!("{path}.rotation"), &cam.rotation)?;
        all_finite(&format!("{path}.translation"), &cam.translation)?;
    }
    unique(
        cameras
            .iter()
            .enumerate()
            .map(|(i, c)| (format!("cameras[{i}].id"), c.id)),
        "camera id",
    )
}

fn check_thermal_cameras(cameras: &[ThermalCamera]) -> Result<()> {
    for (i, cam) in cameras.iter().enumerate() {
        let path = format!("thermal_cameras[{i}]");
        check_image(&path, cam.width, cam.height, cam.fps)?;
        let h = &cam.homography;
        let hpath = format!("{path}.homography");
        matrix_finite(&hpath, h)?;
        let norm = h.iter().flatten().map(|v| v * v).sum::<f64>().sqrt();
        let ratio = if norm > 0.0 {
            det3(h).abs() / norm.powi(3)
        } else {
            0.0
        };
        if ratio <= SINGULAR_TOL {
            return Err(fail(
                hpath,
                format!("{h:?}"),
                format!(
                    "homography is singular: |det H| / |H|^3 = {ratio:.3e} is not above \
                     {SINGULAR_TOL:e}"
                ),
            ));
        }
    }
    unique(
        cameras
            .iter()
            .enumerate()
            .map(|(i, c)| (format!("thermal_cameras[{i}].id"), c.id)),
        "thermal camera id",
    )
}

fn check_antennas(ri: usize, reader: &RfidReader) -> Result<()> {
    let path = |ai: usize| format!("rfid_readers[{ri}].antennas[{ai}]");
    for (ai, antenna) in reader.antennas.iter().enumerate() {
        let Antenna { min, max, .. } = antenna;
        check_box(&path(ai), min, max)?;
    }
    unique(
        reader
            .antennas
            .iter()
            .enumerate()
            .map(|(ai, a)| (format!("{}.id", path(ai)), a.id)),
        &format!("antenna id in rfid reader {}", reader.id),
    )
}

fn check_rfid_readers(readers: &[RfidReader]) -> Result<()> {
    unique(
        readers
            .iter()
            .enumerate()
            .map(|(i, r)| (format!("rfid_readers[{i}].id"), r.id)),
        "rfid reader id",
    )?;
    readers
        .iter()
        .enumerate()
        .try_for_each(|(ri, reader)| check_antennas(ri, reader))
}

fn check_gates(cfg: &StoreConfig) -> Result<()> {
    let [fx, fy] = cfg.floor;
    for (i, gate) in cfg.gates.iter().enumerate() {
        let pos = format!("gates[{i}].position");
        all_finite(&pos, &gate.position)?;
        let [x, y] = gate.position;
        if !(0.0..=fx).contains(&x) || !(0.0..=fy).contains(&y) {
            return Err(fail(
                pos,
                format!("{:?}", gate.position),
                format!("gate lies outside the floor [0, {fx:?}] x [0, {fy:?}] m"),
            ));
        }
        positive(&format!("gates[{i}].radius_m"), gate.radius_m)?;
    }
    unique(
        cfg.gates
            .iter()
            .enumerate()
            .map(|(i, g)| (format!("gates[{i}].id"), g.id)),
        "gate id",
    )?;
    let kinds: Vec<&str> = cfg
        .gates
        .iter()
        .map(|g| match g.kind {
            GateKind::Entry => "entry",
            GateKind::Exit => "exit",
        })
        .collect();
    for needed in ["entry", "exit"] {
        if !kinds.contains(&needed) {
            return Err(fail(
                "gates",
                format!("{kinds:?}"),
                format!("the store needs at least one {needed} gate"),
            ));
        }
    }
    Ok(())
}

fn check_fusion(f: &FusionParams) -> Result<()> {
    let d = MAX_DURATION_S;
    non_negative_at_most("fusion.lateness_s", f.lateness_s, d)?;
    positive_at_most(
        "fusion.stable_window_s",
        f.stable_window_s,
        MAX_STABLE_WINDOW_S,
    )?;
    positive_at_most("fusion.max_sample_gap_s", f.max_sample_gap_s, d)?;
    positive_at_most("fusion.merge_window_s", f.merge_window_s, d)?;
    if !(1..=MAX_QUANTITY).contains(&f.max_quantity) {
        return Err(fail(
            "fusion.max_quantity",
            f.max_quantity,
            format!("must be at least 1 and at most {MAX_QUANTITY}"),
        ));
    }
    let m = MAX_DISTANCE_M;
    positive_at_most("fusion.association_sigma_m", f.association_sigma_m, m)?;
    positive_at_most("fusion.reach_m", f.reach_m, m)?;
    positive_at_most("fusion.gate_bind_window_s", f.gate_bind_window_s, d)?;
    non_negative_at_most("fusion.receipt_delay_s", f.receipt_delay_s, d)?;
    non_negative_at_most("fusion.camera_clock_skew_s", f.camera_clock_skew_s, d)?;
    positive_at_most("fusion.track_max_coast_s", f.track_max_coast_s, d)?;
    positive_at_most("fusion.track_birth_radius_m", f.track_birth_radius_m, m)?;
    finite("fusion.review_confidence", f.review_confidence)?;
    if !(0.0..=1.0).contains(&f.review_confidence) {
        return Err(fail(
            "fusion.review_confidence",
            format!("{:?}", f.review_confidence),
            "must lie in [0, 1]",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{AntennaKind, PlanogramEntry};
    use crate::test_support::store::{self as builder, antenna};

    fn plate(id: u32, x0: f64) -> Plate {
        builder::plate(id, [x0, 2.0, 0.2], [x0 + 0.3, 2.45, 0.5])
    }

    fn product(sku: &str, weight_g: f64) -> Product {
        Product {
            name: sku.to_lowercase(),
            price_cents: 199,
            ..builder::product(sku, weight_g)
        }
    }

    /// A small store that passes validation; each test breaks one thing.
    fn store() -> StoreConfig {
        let exit = antenna(0, AntennaKind::Exit, [4.5, 0.0, 0.0], [6.0, 1.5, 2.2]);
        let shelf = antenna(1, AntennaKind::Shelf, [2.0, 2.0, 0.2], [2.6, 2.45, 0.5]);
        builder::store("test", [6.0, 5.0])
            .products([product("COLA", 345.0), product("CHIPS", 158.0)])
            .gondola(0, "g", 0, vec![vec![plate(0, 2.0), plate(1, 2.3)]])
            .stock(0, "COLA", 10)
            .stock(1, "CHIPS", 8)
            .camera(Camera {
                id: 0,
                width: 1920,
                height: 1080,
                fps: 15.0,
                intrinsics: [[1100.0, 0.0, 960.0], [0.0, 1100.0, 540.0], [0.0, 0.0, 1.0]],
                distortion: [-0.04, 0.01, 0.0, 0.0, 0.0],
                // Looking straight down: x_cam = x, y_cam = -y, z_cam = -z.
                rotation: [[1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, -1.0]],
                translation: [-3.0, 2.5, 3.0],
            })
            .thermal_camera(0, [[0.01, 0.0, 0.0], [0.0, -0.01, 5.0], [0.0, 0.0, 1.0]])
            .rfid_reader(0, vec![exit, shelf])
            .gates(0, [0.8, 0.8], [5.2, 0.8], 1.5)
            .build()
    }

    /// Validation fails at `path`, the reported value contains `value` and the message
    /// contains `message`.
    fn assert_config_error(cfg: &StoreConfig, path: &str, value: &str, message: &str) {
        match validate(cfg) {
            Err(WalkoutError::Config {
                path: p,
                value: v,
                message: m,
            }) => {
                assert_eq!(p, path, "wrong path (message: {m}, value: {v})");
                assert!(v.contains(value), "value {v:?} does not contain {value:?}");
                assert!(
                    m.contains(message),
                    "message {m:?} does not contain {message:?}"
                );
            }
            other => panic!("expected a config error at {path}, got {other:?}"),
        }
    }

    fn plate_mut(cfg: &mut StoreConfig, i: usize) -> &mut Plate {
        &mut cfg.gondolas[0].shelves[0].plates[i]
    }

    #[test]
    fn valid_store_passes() -> Result<()> {
        validate(&store())?;
        // And survives a JSON round trip through from_json, which validates too.
        let back = StoreConfig::from_json(&store().to_json())?;
        assert_eq!(back, store());
        Ok(())
    }

    #[test]
    fn example_stores_pass() -> Result<()> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/stores");
        for name in ["minimal.json", "convenience.json"] {
            let text = std::fs::read_to_string(dir.join(name))
                .map_err(|e| WalkoutError::Parse(format!("{name}: {e}")))?;
            let cfg = StoreConfig::from_json(&text)?;
            assert!(cfg.plates().count() >= 12, "{name} has too few plates");
        }
        Ok(())
    }

    #[test]
    fn floor_must_be_positive() {
        let mut cfg = store();
        cfg.floor[1] = 0.0;
        assert_config_error(&cfg, "floor[1]", "0.0", "greater than 0");
    }

    #[test]
    fn product_weights_and_price() {
        let mut cfg = store();
        cfg.products[1].weight_g = 0.0;
        assert_config_error(&cfg, "products[1].weight_g", "0.0", "greater than 0");
        let mut cfg = store();
        cfg.products[0].weight_g = -3.0;
        assert_config_error(&cfg, "products[0].weight_g", "-3.0", "greater than 0");
        let mut cfg = store();
        cfg.products[0].weight_std_g = -0.5;
        assert_config_error(
            &cfg,
            "products[0].weight_std_g",
            "-0.5",
            "greater than or equal",
        );
        let mut cfg = store();
        cfg.products[1].price_cents = -1;
        assert_config_error(
            &cfg,
            "products[1].price_cents",
            "-1",
            "greater than or equal",
        );
        let mut cfg = store();
        cfg.products[1].sku = String::new();
        assert_config_error(&cfg, "products[1].sku", "\"\"", "empty");
    }

    #[test]
    fn gtin_is_checked_and_required_for_rfid() {
        let mut cfg = store();
        cfg.products[0].rfid = true;
        assert_config_error(&cfg, "products[0].gtin", "None", "needs a GTIN-14");
        cfg.products[0].gtin = Some("0401234500001".into());
        assert_config_error(&cfg, "products[0].gtin", "0401234500001", "14 digits");
        cfg.products[0].gtin = Some("04012345000019".into());
        assert_config_error(&cfg, "products[0].gtin", "04012345000019", "check digit");
        cfg.products[0].gtin = Some("04012345000016".into());
        assert!(validate(&cfg).is_ok());
        // A GTIN without RFID is fine (and still checked).
        cfg.products[0].rfid = false;
        assert!(validate(&cfg).is_ok());
    }

    #[test]
    fn non_finite_numbers() {
        let mut cfg = store();
        cfg.products[0].weight_g = f64::NAN;
        assert_config_error(&cfg, "products[0].weight_g", "NaN", "finite");
        let mut cfg = store();
        plate_mut(&mut cfg, 1).min[2] = f64::INFINITY;
        assert_config_error(
            &cfg,
            "gondolas[0].shelves[0].plates[1].min[2]",
            "inf",
            "finite",
        );
        let mut cfg = store();
        cfg.cameras[0].translation[0] = f64::NAN;
        assert_config_error(&cfg, "cameras[0].translation[0]", "NaN", "finite");
        let mut cfg = store();
        cfg.thermal_cameras[0].homography[2][1] = f64::NEG_INFINITY;
        assert_config_error(
            &cfg,
            "thermal_cameras[0].homography[2][1]",
            "-inf",
            "finite",
        );
    }

    #[test]
    fn duplicate_ids() {
        let mut cfg = store();
        cfg.products[1].sku = "COLA".to_string();
        assert_config_error(
            &cfg,
            "products[1].sku",
            "\"COLA\"",
            "first used at products[0].sku",
        );

        let mut cfg = store();
        let mut second = cfg.gondolas[0].clone();
        second.shelves[0].plates = vec![plate(7, 4.0)];
        cfg.gondolas.push(second);
        assert_config_error(&cfg, "gondolas[1].id", "0", "duplicate gondola id");

        let mut cfg = store();
        let mut shelf = cfg.gondolas[0].shelves[0].clone();
        shelf.plates = vec![Plate {
            min: [2.0, 2.0, 1.0],
            max: [2.3, 2.45, 1.3],
            ..plate(9, 2.0)
        }];
        cfg.gondolas[0].shelves.push(shelf);
        assert_config_error(
            &cfg,
            "gondolas[0].shelves[1].id",
            "0",
            "duplicate shelf id in gondola 0",
        );

        let mut cfg = store();
        plate_mut(&mut cfg, 1).id = 0;
        assert_config_error(
            &cfg,
            "gondolas[0].shelves[0].plates[1].id",
            "0",
            "duplicate plate id",
        );

        let mut cfg = store();
        cfg.cameras.push(cfg.cameras[0].clone());
        assert_config_error(&cfg, "cameras[1].id", "0", "duplicate camera id");

        let mut cfg = store();
        cfg.thermal_cameras.push(cfg.thermal_cameras[0].clone());
        assert_config_error(
            &cfg,
            "thermal_cameras[1].id",
            "0",
            "duplicate thermal camera id",
        );

        let mut cfg = store();
        cfg.rfid_readers.push(cfg.rfid_readers[0].clone());
        assert_config_error(&cfg, "rfid_readers[1].id", "0", "duplicate rfid reader id");

        let mut cfg = store();
        cfg.rfid_readers[0].antennas[1].id = 0;
        assert_config_error(
            &cfg,
            "rfid_readers[0].antennas[1].id",
            "0",
            "antenna id in rfid reader 0",
        );

        let mut cfg = store();
        cfg.gates[1].id = 0;
        assert_config_error(&cfg, "gates[1].id", "0", "duplicate gate id");
    }

    #[test]
    fn planogram_references() {
        let mut cfg = store();
        cfg.planogram[1].sku = "NOPE".to_string();
        assert_config_error(&cfg, "planogram[1].sku", "\"NOPE\"", "unknown sku");

        let mut cfg = store();
        cfg.planogram[0].plate = 42;
        assert_config_error(&cfg, "planogram[0].plate", "42", "unknown plate");

        let mut cfg = store();
        cfg.planogram.push(PlanogramEntry {
            plate: 0,
            sku: "COLA".to_string(),
            count: 1,
        });
        assert_config_error(
            &cfg,
            "planogram[2].sku",
            "\"COLA\"",
            "already lists this sku at planogram[0]",
        );
    }

    #[test]
    fn boxes_need_min_below_max() {
        let mut cfg = store();
        plate_mut(&mut cfg, 1).max[2] = 0.2;
        assert_config_error(
            &cfg,
            "gondolas[0].shelves[0].plates[1].max",
            "0.2",
            "on z: max 0.2 <= min 0.2",
        );

        let mut cfg = store();
        cfg.rfid_readers[0].antennas[0].max[0] = 4.0;
        assert_config_error(&cfg, "rfid_readers[0].antennas[0].max", "4.0", "on x");
    }

    #[test]
    fn plates_must_lie_on_the_floor() {
        let mut cfg = store();
        *plate_mut(&mut cfg, 1) = plate(1, 5.9);
        assert_config_error(
            &cfg,
            "gondolas[0].shelves[0].plates[1].max",
            "6.2",
            "outside the floor",
        );

        let mut cfg = store();
        plate_mut(&mut cfg, 0).min[2] = -0.1;
        assert_config_error(
            &cfg,
            "gondolas[0].shelves[0].plates[0].min",
            "-0.1",
            "outside the floor",
        );
    }

    #[test]
    fn weight_sensor_params() {
        let mut cfg = store();
        plate_mut(&mut cfg, 0).sensor.noise_std_g = 0.0;
        assert_config_error(
            &cfg,
            "gondolas[0].shelves[0].plates[0].sensor.noise_std_g",
            "0.0",
            "greater than 0",
        );
        let mut cfg = store();
        plate_mut(&mut cfg, 1).sensor.rate_hz = -60.0;
        assert_config_error(
            &cfg,
            "gondolas[0].shelves[0].plates[1].sensor.rate_hz",
            "-60.0",
            "greater than 0",
        );
        let mut cfg = store();
        plate_mut(&mut cfg, 1).sensor.rate_hz = 1e9;
        assert_config_error(
            &cfg,
            "gondolas[0].shelves[0].plates[1].sensor.rate_hz",
            "1000000000.0",
            "at most 1000.0",
        );
        // Found by the `config` fuzz target: a denormal rate made the detection delay
        // overflow i64.
        let mut cfg = store();
        plate_mut(&mut cfg, 1).sensor.rate_hz = 2.15995703154e-313;
        assert_config_error(
            &cfg,
            "gondolas[0].shelves[0].plates[1].sensor.rate_hz",
            "2.15995703154e-313",
            "at least 1.0",
        );
    }

    #[test]
    fn overlapping_plates_name_both_ids() {
        let mut cfg = store();
        *plate_mut(&mut cfg, 1) = plate(1, 2.2);
        assert_config_error(
            &cfg,
            "gondolas[0].shelves[0].plates[1]",
            "1",
            "plate 1 overlaps plate 0 at gondolas[0].shelves[0].plates[0]",
        );
        // Touching faces are not an overlap, even when rounding makes them cross a little:
        // 0.1 + 0.2 is 0.30000000000000004, a hair past plate 1's min x of 0.3.
        let mut cfg = store();
        *plate_mut(&mut cfg, 0) = Plate {
            max: [0.1 + 0.2, 2.45, 0.5],
            ..plate(0, 0.0)
        };
        *plate_mut(&mut cfg, 1) = plate(1, 0.3);
        assert!(plate_mut(&mut cfg, 0).max[0] > 0.3);
        assert!(validate(&cfg).is_ok());
    }

    #[test]
    fn intrinsics() {
        let mut cfg = store();
        cfg.cameras[0].intrinsics[1][1] = 0.0;
        assert_config_error(
            &cfg,
            "cameras[0].intrinsics",
            "1100.0",
            "fy = K[1][1] must be > 0",
        );
        let mut cfg = store();
        cfg.cameras[0].intrinsics[2] = [0.0, 0.0, 2.0];
        assert_config_error(&cfg, "cameras[0].intrinsics", "2.0", "last row");
        let mut cfg = store();
        cfg.cameras[0].intrinsics[1][0] = 3.0;
        assert_config_error(&cfg, "cameras[0].intrinsics", "3.0", "upper triangular");
        let mut cfg = store();
        cfg.cameras[0].intrinsics[0][2] = 2000.0;
        assert_config_error(&cfg, "cameras[0].intrinsics", "2000.0", "principal point");
    }

    #[test]
    fn rotations() {
        let mut cfg = store();
        cfg.cameras[0].rotation[0][0] = 1.001;
        assert_config_error(&cfg, "cameras[0].rotation", "1.001", "not orthonormal");
        // Within the tolerance: accepted.
        let mut cfg = store();
        cfg.cameras[0].rotation[0][0] = 1.0 + 1e-7;
        assert!(validate(&cfg).is_ok());
        // A reflection is orthonormal but has det -1.
        let mut cfg = store();
        cfg.cameras[0].rotation[2][2] = 1.0;
        assert_config_error(
            &cfg,
            "cameras[0].rotation",
            "[1.0, 0.0, 0.0]",
            "determinant -1",
        );
    }

    #[test]
    fn singular_homography() {
        let mut cfg = store();
        cfg.thermal_cameras[0].homography = [[0.01, 0.0, 1.0], [0.02, 0.0, 2.0], [0.0, 0.0, 1.0]];
        assert_config_error(&cfg, "thermal_cameras[0].homography", "0.02", "singular");
        let mut cfg = store();
        cfg.thermal_cameras[0].homography = [[0.0; 3]; 3];
        assert_config_error(&cfg, "thermal_cameras[0].homography", "0.0", "singular");
    }

    #[test]
    fn image_sizes_and_rates() {
        let mut cfg = store();
        cfg.cameras[0].width = 0;
        assert_config_error(&cfg, "cameras[0].width", "0", "at least 1");
        let mut cfg = store();
        cfg.thermal_cameras[0].fps = 0.0;
        assert_config_error(&cfg, "thermal_cameras[0].fps", "0.0", "greater than 0");
    }

    #[test]
    fn gates() {
        let mut cfg = store();
        cfg.gates.retain(|g| g.kind == GateKind::Entry);
        assert_config_error(&cfg, "gates", "[\"entry\"]", "at least one exit gate");
        let mut cfg = store();
        cfg.gates.retain(|g| g.kind == GateKind::Exit);
        assert_config_error(&cfg, "gates", "[\"exit\"]", "at least one entry gate");
        let mut cfg = store();
        cfg.gates[0].position = [7.0, 1.0];
        assert_config_error(&cfg, "gates[0].position", "7.0", "outside the floor");
        let mut cfg = store();
        cfg.gates[1].radius_m = 0.0;
        assert_config_error(&cfg, "gates[1].radius_m", "0.0", "greater than 0");
    }

    #[test]
    fn fusion_params() {
        type Breaks = fn(&mut FusionParams);
        let cases: [(&str, Breaks, &str); 13] = [
            // Upper bounds: found by the `config` fuzz target (a 3.5e9 s stability
            // window asked for a 3 TB buffer per plate).
            (
                "fusion.stable_window_s",
                |f| f.stable_window_s = 3_537_031_890.0,
                "3537031890.0",
            ),
            ("fusion.lateness_s", |f| f.lateness_s = 1e300, "1e300"),
            (
                "fusion.max_quantity",
                |f| f.max_quantity = u32::MAX,
                "4294967295",
            ),
            ("fusion.reach_m", |f| f.reach_m = 1e6, "1000000.0"),
            ("fusion.lateness_s", |f| f.lateness_s = -1.0, "-1.0"),
            ("fusion.stable_window_s", |f| f.stable_window_s = 0.0, "0.0"),
            (
                "fusion.max_sample_gap_s",
                |f| f.max_sample_gap_s = -0.5,
                "-0.5",
            ),
            ("fusion.merge_window_s", |f| f.merge_window_s = 0.0, "0.0"),
            ("fusion.max_quantity", |f| f.max_quantity = 0, "0"),
            (
                "fusion.association_sigma_m",
                |f| f.association_sigma_m = 0.0,
                "0.0",
            ),
            ("fusion.reach_m", |f| f.reach_m = -1.0, "-1.0"),
            (
                "fusion.gate_bind_window_s",
                |f| f.gate_bind_window_s = 0.0,
                "0.0",
            ),
            (
                "fusion.review_confidence",
                |f| f.review_confidence = 1.5,
                "1.5",
            ),
        ];
        for (path, breaks, value) in cases {
            let mut cfg = store();
            breaks(&mut cfg.fusion);
            assert_config_error(&cfg, path, value, "");
        }
        let mut cfg = store();
        cfg.fusion.lateness_s = 0.0;
        cfg.fusion.receipt_delay_s = 0.0;
        assert!(
            validate(&cfg).is_ok(),
            "zero lateness and receipt delay are allowed"
        );
    }

    /// Bounds added after fuzzing (`fuzz/`, target `config`): each of these configs
    /// used to pass validation and then broke the engine (an infinite detector threshold
    /// that made every snapshot unrestorable, likelihoods and totals overflowing).
    #[test]
    fn bounds_found_by_fuzzing() {
        let mut cfg = store();
        cfg.products.clear();
        cfg.planogram.clear();
        assert_config_error(&cfg, "products", "[]", "at least one product");
        let mut cfg = store();
        cfg.products[0].weight_g = 1e300;
        assert_config_error(&cfg, "products[0].weight_g", "1e300", "at most");
        let mut cfg = store();
        cfg.products[1].weight_std_g = 1e300;
        assert_config_error(&cfg, "products[1].weight_std_g", "1e300", "at most");
        let mut cfg = store();
        cfg.products[0].price_cents = i64::MAX;
        assert_config_error(
            &cfg,
            "products[0].price_cents",
            "9223372036854775807",
            "at most",
        );
        let mut cfg = store();
        cfg.planogram[0].count = u32::MAX;
        assert_config_error(&cfg, "planogram[0].count", "4294967295", "at most 100000");
    }
}
