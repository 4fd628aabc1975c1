//! The bodies of walkout-core's fuzz targets, as plain functions so that the libFuzzer
//! binaries in `fuzz_targets/` stay one line each and a crash input can be replayed
//! from a test or a debugger.
//!
//! * [`ingest`]: a structured stream of batches of every modality (NaN, inf, huge and
//!   negative times, unknown ids, wrong column lengths, duplicates, late data)
//!   interleaved with `step`, `snapshot`/`restore` and `finish`.
//! * [`config`]: arbitrary text, or the minimal store config with arbitrary edits, into
//!   `StoreConfig::from_json` and `Engine::new`, then a short session.
//! * [`snapshot`]: arbitrary bytes, or a real snapshot with arbitrary edits re-sealed
//!   with a valid checksum, into `Engine::restore`; whatever it accepts is driven on
//!   (`step`, `finish`) and must checkpoint and restore again.
//!
//! Every target asserts that nothing panics. [`ingest`] also checks the engine's
//! contract: a rejected batch leaves the engine unchanged (its snapshot bytes are
//! identical), a batch the engine must reject (NaN, a value outside its plausible range,
//! a time outside 2000..2100, columns of different lengths, input after `finish`) is
//! rejected, and an engine restored from
//! a snapshot behaves exactly as the original from then on.

use std::sync::OnceLock;

use arbitrary::{Arbitrary, Unstructured};
use serde_json::Value;
use walkout_core::config::{GateKind, StoreConfig};
use walkout_core::engine::{
    MAX_ABS_GRAMS, MAX_ABS_PX, MAX_BLOB_AREA_PX, RSSI_RANGE_DBM, TEMPERATURE_RANGE_C,
};
use walkout_core::input::GateEventKind;
use walkout_core::test_support::snapshot_json::{self, reseal};
use walkout_core::{Engine, WalkoutError};

/// The shipped minimal store (one gondola, no cameras), the core's JSON form.
pub const MINIMAL_JSON: &str = include_str!("../../examples/stores/minimal.json");
/// The shipped convenience store, where the sensors of [`sensor_store_json`] come from.
pub const CONVENIENCE_JSON: &str = include_str!("../../examples/stores/convenience.json");

/// Session start that relative times count from (2026-01-01 09:00 UTC, in µs).
pub const T0: i64 = 1_767_258_000_000_000;

/// Most rows of one batch, ops of one input, and samples of one generated run: keeps a
/// single execution in the millisecond range.
const MAX_ROWS: usize = 48;
const MAX_OPS: usize = 48;
/// Most generated visits per input: each is about a thousand rows.
const MAX_SHOPS: usize = 3;

struct Store {
    config: StoreConfig,
    plates: Vec<u32>,
    gates: Vec<u32>,
    cameras: Vec<u32>,
    thermal: Vec<u32>,
    antennas: Vec<(u32, u32)>,
    classes: Vec<u32>,
    gtins: Vec<String>,
    /// Per plate: where a shopper stands to reach it, and the unit weight of its product.
    fronts: Vec<([f64; 2], f64)>,
    entry: [f64; 2],
    exit: [f64; 2],
}

impl Store {
    fn new(json: &str) -> Self {
        let config = StoreConfig::from_json(json).expect("shipped store config is valid");
        Self {
            plates: config.plates().map(|(_, _, p)| p.id).collect(),
            gates: config.gates.iter().map(|g| g.id).collect(),
            cameras: config.cameras.iter().map(|c| c.id).collect(),
            thermal: config.thermal_cameras.iter().map(|c| c.id).collect(),
            antennas: config
                .rfid_readers
                .iter()
                .flat_map(|r| r.antennas.iter().map(move |a| (r.id, a.id)))
                .collect(),
            classes: config
                .products
                .iter()
                .filter_map(|p| p.vision_class)
                .collect(),
            gtins: config
                .products
                .iter()
                .filter_map(|p| p.gtin.clone())
                .collect(),
            fronts: config
                .plates()
                .map(|(_, _, p)| {
                    let n = p.front.normal();
                    let c = [(p.min[0] + p.max[0]) / 2.0, (p.min[1] + p.max[1]) / 2.0];
                    let half = [(p.max[0] - p.min[0]) / 2.0, (p.max[1] - p.min[1]) / 2.0];
                    let stand = [c[0] + n[0] * (half[0] + 0.4), c[1] + n[1] * (half[1] + 0.4)];
                    let unit = config
                        .planogram
                        .iter()
                        .find(|e| e.plate == p.id)
                        .and_then(|e| config.products.iter().find(|x| x.sku == e.sku))
                        .map_or(100.0, |x| x.weight_g);
                    (stand, unit)
                })
                .collect(),
            entry: gate_at(&config, GateKind::Entry),
            exit: gate_at(&config, GateKind::Exit),
            config,
        }
    }
}

fn gate_at(config: &StoreConfig, kind: GateKind) -> [f64; 2] {
    config
        .gates
        .iter()
        .find(|g| g.kind == kind)
        .map_or([0.5, 0.5], |g| g.position)
}

/// A whole visit: a shopper checks in, walks to a plate, takes (or puts back) units,
/// walks to the exit and leaves; the plate reports at 60 Hz throughout. Reaches the
/// whole pipeline down to receipts.
fn shop(s: &Store, v: &Shop) -> Vec<Batch> {
    let Some(&(stand, unit)) = s.fronts.get(usize::from(v.plate) % s.fronts.len().max(1)) else {
        return Vec::new();
    };
    let plate = s.plates[usize::from(v.plate) % s.plates.len()];
    let t0 = T0 + i64::from(v.start_s) * 1_000_000;
    let secs = 12i64;
    let at = |sec: f64| t0 + (sec * 1e6) as i64;
    // 0..3 s entry to shelf, 3..7 s at the shelf (the move at 5 s), 7..10 s to the exit.
    let path = |sec: f64| -> [f64; 2] {
        let lerp = |a: [f64; 2], b: [f64; 2], u: f64| {
            let u = u.clamp(0.0, 1.0);
            [a[0] + (b[0] - a[0]) * u, a[1] + (b[1] - a[1]) * u]
        };
        if sec < 3.0 {
            lerp(s.entry, stand, sec / 3.0)
        } else if sec < 7.0 {
            stand
        } else {
            lerp(stand, s.exit, (sec - 7.0) / 3.0)
        }
    };
    let moved = f64::from(v.units % 4 + 1) * unit * if v.put_back { 1.0 } else { -1.0 };
    let mut w = (vec![], vec![], vec![]);
    for i in 0..secs * 60 {
        let sec = i as f64 / 60.0;
        let wobble = ((i * 7919) % 9) as f64 - 4.0;
        w.0.push(plate);
        w.1.push(at(sec));
        w.2.push(3000.0 + if sec >= 5.0 { moved } else { 0.0 } + wobble);
    }
    let mut p = (vec![], vec![], vec![], vec![]);
    for i in 0..10 * 15 {
        let sec = i as f64 / 15.0;
        let xy = path(sec);
        p.0.push(at(sec));
        p.1.push(u32::from(v.track));
        p.2.push(xy[0]);
        p.3.push(xy[1]);
    }
    let entry = s.gates[0];
    let exit = *s.gates.last().unwrap_or(&entry);
    vec![
        Batch::Gates(
            vec![entry],
            vec![at(0.2)],
            vec![GateEventKind::Enter],
            vec![v.token.then(|| format!("acct-{}", v.track))],
        ),
        Batch::Positions(p.0, p.1, p.2, p.3),
        Batch::Weights(w.0, w.1, w.2),
        Batch::Gates(
            vec![exit],
            vec![at(9.8)],
            vec![GateEventKind::Exit],
            vec![None],
        ),
    ]
}

/// The minimal store with every other modality added: two cameras and a thermal
/// camera of the convenience store, an RFID exit antenna at the exit gate and a shelf
/// antenna over the gondola, vision classes on every product and RFID tags on two.
/// Small enough that building an engine per fuzz input costs little (the convenience
/// store's 360 plates would dominate every execution).
pub fn sensor_store_json() -> String {
    let mut v: Value = serde_json::from_str(MINIMAL_JSON).expect("minimal.json is JSON");
    let c: Value = serde_json::from_str(CONVENIENCE_JSON).expect("convenience.json is JSON");
    v["cameras"] = Value::Array(c["cameras"].as_array().expect("cameras")[..2].to_vec());
    v["thermal_cameras"] =
        Value::Array(c["thermal_cameras"].as_array().expect("thermal")[..1].to_vec());
    v["rfid_readers"] = serde_json::json!([
        {"id": 0, "antennas": [{"id": 0, "kind": "exit",
            "min": [4.6, 0.2, 0.0], "max": [5.8, 1.4, 2.2]}]},
        {"id": 1, "antennas": [{"id": 0, "kind": "shelf",
            "min": [2.4, 2.6, 0.15], "max": [3.6, 3.05, 1.15]}]}
    ]);
    let gtins = ["04012345000108", "04012345000276"];
    for (i, p) in v["products"]
        .as_array_mut()
        .expect("products")
        .iter_mut()
        .enumerate()
    {
        p["vision_class"] = Value::from(i);
        if let Some(g) = gtins.get(i) {
            p["rfid"] = Value::from(true);
            p["gtin"] = Value::from(*g);
        }
    }
    v.to_string()
}

fn stores() -> &'static [Store; 2] {
    static STORES: OnceLock<[Store; 2]> = OnceLock::new();
    STORES.get_or_init(|| [Store::new(MINIMAL_JSON), Store::new(&sensor_store_json())])
}

// --- generated values ------------------------------------------------------------------

/// A config id: mostly one the store has, sometimes any u32.
#[derive(Debug, Clone, Copy, Arbitrary)]
enum Id {
    Known(u8),
    Raw(u32),
}

impl Id {
    fn pick(self, ids: &[u32]) -> u32 {
        match self {
            Id::Known(k) if !ids.is_empty() => ids[k as usize % ids.len()],
            Id::Known(k) => u32::from(k),
            Id::Raw(v) => v,
        }
    }
}

/// A timestamp: mostly near the session start (milliseconds), sometimes any i64.
#[derive(Debug, Clone, Copy, Arbitrary)]
enum Time {
    /// Milliseconds after [`T0`] (negative: before it).
    Ms(i32),
    /// Microseconds after [`T0`], within about half an hour.
    Us(i32),
    Raw(i64),
}

impl Time {
    fn us(self) -> i64 {
        match self {
            Time::Ms(ms) => T0 + i64::from(ms) * 1000,
            Time::Us(us) => T0 + i64::from(us),
            Time::Raw(t) => t,
        }
    }
}

/// A number: mostly a plausible one, sometimes any bit pattern (NaN, inf, huge).
#[derive(Debug, Clone, Copy, Arbitrary)]
enum Num {
    /// Hundredths.
    Small(i16),
    Raw(f64),
    Nan,
    Inf(bool),
}

impl Num {
    fn f64(self) -> f64 {
        match self {
            Num::Small(v) => f64::from(v) / 100.0,
            Num::Raw(v) => v,
            Num::Nan => f64::NAN,
            Num::Inf(neg) => {
                if neg {
                    f64::NEG_INFINITY
                } else {
                    f64::INFINITY
                }
            }
        }
    }
    fn f32(self) -> f32 {
        self.f64() as f32
    }
}

/// A column length error: `(column, delta)` adds or removes values of one column.
type Skew = Option<(u8, i8)>;

fn skew_len(skew: Skew, column: u8, columns: u8, len: usize) -> usize {
    match skew {
        Some((c, d)) if c % columns == column => len.saturating_add_signed(isize::from(d)),
        _ => len,
    }
}

/// Resize `v` to `len`, padding with `fill`.
fn fit<T: Clone>(mut v: Vec<T>, len: usize, fill: T) -> Vec<T> {
    v.resize(len.min(4 * MAX_ROWS * 51), fill);
    v
}

fn rows<T>(v: &[T]) -> &[T] {
    &v[..v.len().min(MAX_ROWS)]
}

#[derive(Debug, Clone, Arbitrary)]
struct WeightRow(Id, Time, Num);
#[derive(Debug, Clone, Arbitrary)]
struct PositionRow(Time, u8, Num, Num);
#[derive(Debug, Clone, Arbitrary)]
struct GateRow(Id, Time, bool, Option<u8>);
#[derive(Debug, Clone, Arbitrary)]
struct PersonRow {
    camera: Id,
    t: Time,
    bbox: [Num; 4],
    score: Num,
    /// Keypoint values; a few are set, the rest stay 0 (joint not seen).
    joints: Vec<(u8, Num)>,
}
#[derive(Debug, Clone, Arbitrary)]
struct ThermalRow(Id, Time, [Num; 2], Num, Num);
#[derive(Debug, Clone, Arbitrary)]
struct ProductRow(Id, Time, [Num; 4], Id, Num);
#[derive(Debug, Clone, Arbitrary)]
struct RfidRow {
    antenna: u8,
    raw_ids: Option<(u32, u32)>,
    t: Time,
    /// A product's SGTIN-96 with this serial, or a raw (hi, lo) pair.
    epc: Result<(u8, u16), (u64, u64)>,
    rssi: Num,
}

#[derive(Debug, Clone, Arbitrary)]
struct Shop {
    plate: u8,
    /// Seconds after [`T0`].
    start_s: u8,
    units: u8,
    put_back: bool,
    track: u8,
    token: bool,
}

#[derive(Debug, Clone, Arbitrary)]
enum Op {
    Weights(Vec<WeightRow>, Skew),
    /// A steady 60 Hz run on one plate with one step in weight: reaches the detector.
    WeightRun {
        plate: Id,
        start: Time,
        samples: u8,
        level: Num,
        step_at: u8,
        step: Num,
    },
    Positions(Vec<PositionRow>, Skew),
    /// A shopper walking in a straight line at 15 Hz.
    Walk {
        track: u8,
        start: Time,
        samples: u8,
        from: (Num, Num),
        to: (Num, Num),
    },
    Gates(Vec<GateRow>, Skew),
    /// A whole shopper visit (see [`shop`]).
    Shop(Shop),
    Persons(Vec<PersonRow>, Skew, bool),
    Thermal(Vec<ThermalRow>, Skew),
    Products(Vec<ProductRow>, Skew),
    Rfid(Vec<RfidRow>, Skew),
    /// Send the last accepted batch again (a retry after a lost acknowledgement).
    Repeat,
    Step(Option<Time>),
    /// Snapshot, restore, and from then on run the restored twin beside the original.
    Snapshot,
    Finish,
}

/// One ingestion call with its columns, kept so that it can be sent again.
#[derive(Debug, Clone)]
enum Batch {
    Weights(Vec<u32>, Vec<i64>, Vec<f64>),
    Positions(Vec<i64>, Vec<u32>, Vec<f64>, Vec<f64>),
    Gates(Vec<u32>, Vec<i64>, Vec<GateEventKind>, Vec<Option<String>>),
    Persons(Vec<u32>, Vec<i64>, Vec<f32>, Vec<f32>, Option<Vec<f32>>),
    Thermal(Vec<u32>, Vec<i64>, Vec<f32>, Vec<f32>, Vec<f32>),
    Products(Vec<u32>, Vec<i64>, Vec<f32>, Vec<u32>, Vec<f32>),
    Rfid(Vec<u32>, Vec<u32>, Vec<i64>, Vec<u64>, Vec<u64>, Vec<f32>),
}

fn plausible_time(t: i64) -> bool {
    // The engine's documented range: 2000-01-01 ..= 2100-01-01.
    (946_684_800_000_000..=4_102_444_800_000_000).contains(&t)
}

impl Batch {
    /// Rows of the batch (the length of its time column).
    fn rows(&self) -> usize {
        match self {
            Batch::Weights(_, t, _)
            | Batch::Positions(t, ..)
            | Batch::Gates(_, t, ..)
            | Batch::Persons(_, t, ..)
            | Batch::Thermal(_, t, ..)
            | Batch::Products(_, t, ..)
            | Batch::Rfid(_, _, t, ..) => t.len(),
        }
    }

    /// Whether the engine must reject this batch whatever else it holds: columns of
    /// different lengths, a NaN or infinite value where one is checked, or a time
    /// outside the plausible range.
    fn must_reject(&self) -> bool {
        let n = self.rows();
        let times = match self {
            Batch::Weights(_, t, _)
            | Batch::Positions(t, ..)
            | Batch::Gates(_, t, ..)
            | Batch::Persons(_, t, ..)
            | Batch::Thermal(_, t, ..)
            | Batch::Products(_, t, ..)
            | Batch::Rfid(_, _, t, ..) => t,
        };
        let lengths_ok = match self {
            Batch::Weights(p, _, g) => p.len() == n && g.len() == n,
            Batch::Positions(_, id, x, y) => id.len() == n && x.len() == n && y.len() == n,
            Batch::Gates(g, _, k, tok) => g.len() == n && k.len() == n && tok.len() == n,
            Batch::Persons(c, _, b, s, k) => {
                c.len() == n
                    && b.len() == 4 * n
                    && s.len() == n
                    && k.as_ref().is_none_or(|k| k.len() == 51 * n)
            }
            Batch::Thermal(c, _, xy, a, temp) => {
                c.len() == n && xy.len() == 2 * n && a.len() == n && temp.len() == n
            }
            Batch::Products(c, _, b, class, s) => {
                c.len() == n && b.len() == 4 * n && class.len() == n && s.len() == n
            }
            Batch::Rfid(r, a, _, hi, lo, rssi) => {
                r.len() == n && a.len() == n && hi.len() == n && lo.len() == n && rssi.len() == n
            }
        };
        if !lengths_ok {
            return true;
        }
        let px = |v: &f32| !v.is_finite() || v.abs() > MAX_ABS_PX;
        let out_of_range = match self {
            Batch::Weights(_, _, g) => g.iter().any(|v| !v.is_finite() || v.abs() > MAX_ABS_GRAMS),
            Batch::Positions(_, _, x, y) => x.iter().chain(y).any(|v| !v.is_finite()),
            Batch::Persons(_, _, b, _, k) => b.iter().chain(k.iter().flatten()).any(px),
            Batch::Thermal(_, _, xy, a, temp) => {
                let (lo, hi) = TEMPERATURE_RANGE_C;
                xy.iter().any(px)
                    || a.iter().any(|v| !(0.0..=MAX_BLOB_AREA_PX).contains(v))
                    || temp.iter().any(|v| !(lo..=hi).contains(v))
            }
            Batch::Products(_, _, b, _, _) => b.iter().any(px),
            Batch::Rfid(_, _, _, _, _, rssi) => {
                let (lo, hi) = RSSI_RANGE_DBM;
                rssi.iter().any(|v| !(lo..=hi).contains(v))
            }
            Batch::Gates(..) => false,
        };
        out_of_range || !times.iter().all(|&t| plausible_time(t))
    }

    fn apply(&self, e: &mut Engine) -> Result<(), WalkoutError> {
        match self {
            Batch::Weights(p, t, g) => e.ingest_weights(p, t, g),
            Batch::Positions(t, id, x, y) => e.ingest_positions(t, id, x, y),
            Batch::Gates(g, t, k, tok) => e.ingest_gates(g, t, k, tok),
            Batch::Persons(c, t, b, s, k) => {
                e.ingest_person_detections(c, t, b, s, k.as_deref(), None)
            }
            Batch::Thermal(c, t, xy, a, temp) => e.ingest_thermal_blobs(c, t, xy, a, temp),
            Batch::Products(c, t, b, class, s) => e.ingest_product_detections(c, t, b, class, s),
            Batch::Rfid(r, a, t, hi, lo, rssi) => e.ingest_rfid_reads(r, a, t, hi, lo, rssi),
        }
    }

    fn received(&self, e: &Engine) -> u64 {
        let s = e.stats();
        match self {
            Batch::Weights(..) => s.weights.received,
            Batch::Positions(..) => s.positions.received,
            Batch::Gates(..) => s.gates.received,
            Batch::Persons(..) => s.person_detections.received,
            Batch::Thermal(..) => s.thermal_blobs.received,
            Batch::Products(..) => s.product_detections.received,
            Batch::Rfid(..) => s.rfid_reads.received,
        }
    }
}

fn build(op: &Op, s: &Store) -> Option<Batch> {
    Some(match op {
        Op::Weights(r, skew) => {
            let r = rows(r);
            let n = r.len();
            Batch::Weights(
                fit(
                    r.iter().map(|w| w.0.pick(&s.plates)).collect(),
                    skew_len(*skew, 0, 3, n),
                    0,
                ),
                r.iter().map(|w| w.1.us()).collect(),
                fit(
                    r.iter().map(|w| w.2.f64()).collect(),
                    skew_len(*skew, 2, 3, n),
                    0.0,
                ),
            )
        }
        Op::WeightRun {
            plate,
            start,
            samples,
            level,
            step_at,
            step,
        } => {
            let plate = plate.pick(&s.plates);
            let n = usize::from(*samples).min(4 * MAX_ROWS);
            let t0 = start.us();
            let (level, step) = (level.f64() * 100.0, step.f64() * 10.0);
            let mut b = (vec![], vec![], vec![]);
            for i in 0..n {
                // Deterministic ±4 g wobble standing in for sensor noise.
                let wobble = ((i * 7919) % 9) as f64 - 4.0;
                let g = level
                    + if i >= usize::from(*step_at) {
                        step
                    } else {
                        0.0
                    };
                b.0.push(plate);
                b.1.push(t0.saturating_add(i as i64 * 16_667));
                b.2.push(g + wobble);
            }
            Batch::Weights(b.0, b.1, b.2)
        }
        Op::Positions(r, skew) => {
            let r = rows(r);
            let n = r.len();
            Batch::Positions(
                r.iter().map(|p| p.0.us()).collect(),
                fit(
                    r.iter().map(|p| u32::from(p.1)).collect(),
                    skew_len(*skew, 1, 4, n),
                    0,
                ),
                fit(
                    r.iter().map(|p| p.2.f64()).collect(),
                    skew_len(*skew, 2, 4, n),
                    0.0,
                ),
                fit(
                    r.iter().map(|p| p.3.f64()).collect(),
                    skew_len(*skew, 3, 4, n),
                    0.0,
                ),
            )
        }
        Op::Walk {
            track,
            start,
            samples,
            from,
            to,
        } => {
            let n = usize::from(*samples).min(2 * MAX_ROWS);
            let t0 = start.us();
            let [fx, fy, tx, ty] = [from.0, from.1, to.0, to.1].map(|v| v.f64() / 20.0);
            let mut b = (vec![], vec![], vec![], vec![]);
            for i in 0..n {
                let u = i as f64 / n.max(1) as f64;
                b.0.push(t0.saturating_add(i as i64 * 66_667));
                b.1.push(u32::from(*track));
                b.2.push(fx + (tx - fx) * u);
                b.3.push(fy + (ty - fy) * u);
            }
            Batch::Positions(b.0, b.1, b.2, b.3)
        }
        Op::Gates(r, skew) => {
            let r = rows(r);
            let n = r.len();
            let kind = |exit: bool| {
                if exit {
                    GateEventKind::Exit
                } else {
                    GateEventKind::Enter
                }
            };
            Batch::Gates(
                fit(
                    r.iter().map(|g| g.0.pick(&s.gates)).collect(),
                    skew_len(*skew, 0, 4, n),
                    0,
                ),
                r.iter().map(|g| g.1.us()).collect(),
                fit(
                    r.iter().map(|g| kind(g.2)).collect(),
                    skew_len(*skew, 2, 4, n),
                    GateEventKind::Enter,
                ),
                fit(
                    r.iter().map(|g| g.3.map(|k| format!("acct-{k}"))).collect(),
                    skew_len(*skew, 3, 4, n),
                    None,
                ),
            )
        }
        Op::Persons(r, skew, with_keypoints) => {
            let r = rows(r);
            let n = r.len();
            let mut kp = vec![0.0f32; 51 * n];
            for (row, p) in r.iter().enumerate() {
                for &(j, v) in p.joints.iter().take(8) {
                    kp[row * 51 + usize::from(j) % 51] = v.f32() * 10.0;
                }
            }
            Batch::Persons(
                fit(
                    r.iter().map(|p| p.camera.pick(&s.cameras)).collect(),
                    skew_len(*skew, 0, 5, n),
                    0,
                ),
                r.iter().map(|p| p.t.us()).collect(),
                fit(
                    r.iter()
                        .flat_map(|p| p.bbox.map(|v| v.f32() * 10.0))
                        .collect(),
                    skew_len(*skew, 2, 5, 4 * n),
                    0.0,
                ),
                fit(
                    r.iter().map(|p| p.score.f32()).collect(),
                    skew_len(*skew, 3, 5, n),
                    0.5,
                ),
                with_keypoints.then(|| fit(kp, skew_len(*skew, 4, 5, 51 * n), 0.0)),
            )
        }
        Op::Thermal(r, skew) => {
            let r = rows(r);
            let n = r.len();
            Batch::Thermal(
                fit(
                    r.iter().map(|b| b.0.pick(&s.thermal)).collect(),
                    skew_len(*skew, 0, 5, n),
                    0,
                ),
                r.iter().map(|b| b.1.us()).collect(),
                fit(
                    r.iter().flat_map(|b| b.2.map(|v| v.f32())).collect(),
                    skew_len(*skew, 2, 5, 2 * n),
                    0.0,
                ),
                fit(
                    r.iter().map(|b| b.3.f32()).collect(),
                    skew_len(*skew, 3, 5, n),
                    0.0,
                ),
                fit(
                    r.iter().map(|b| b.4.f32()).collect(),
                    skew_len(*skew, 4, 5, n),
                    0.0,
                ),
            )
        }
        Op::Products(r, skew) => {
            let r = rows(r);
            let n = r.len();
            Batch::Products(
                fit(
                    r.iter().map(|p| p.0.pick(&s.cameras)).collect(),
                    skew_len(*skew, 0, 5, n),
                    0,
                ),
                r.iter().map(|p| p.1.us()).collect(),
                fit(
                    r.iter().flat_map(|p| p.2.map(|v| v.f32() * 10.0)).collect(),
                    skew_len(*skew, 2, 5, 4 * n),
                    0.0,
                ),
                fit(
                    r.iter().map(|p| p.3.pick(&s.classes)).collect(),
                    skew_len(*skew, 3, 5, n),
                    0,
                ),
                fit(
                    r.iter().map(|p| p.4.f32()).collect(),
                    skew_len(*skew, 4, 5, n),
                    0.5,
                ),
            )
        }
        Op::Rfid(r, skew) => {
            let r = rows(r);
            let n = r.len();
            let ids: Vec<(u32, u32)> = r
                .iter()
                .map(|x| {
                    x.raw_ids.unwrap_or_else(|| {
                        s.antennas
                            .get(usize::from(x.antenna) % s.antennas.len().max(1))
                            .copied()
                            .unwrap_or((u32::from(x.antenna), 0))
                    })
                })
                .collect();
            let epcs: Vec<(u64, u64)> = r
                .iter()
                .map(|x| match x.epc {
                    Ok((product, serial)) => s
                        .gtins
                        .get(usize::from(product) % s.gtins.len().max(1))
                        .and_then(|g| {
                            walkout_core::epc::encode_sgtin96(g, 7, u64::from(serial), 1).ok()
                        })
                        .map_or((0, u64::from(serial)), |e| ((e >> 64) as u64, e as u64)),
                    Err(raw) => raw,
                })
                .collect();
            Batch::Rfid(
                fit(
                    ids.iter().map(|i| i.0).collect(),
                    skew_len(*skew, 0, 6, n),
                    0,
                ),
                fit(
                    ids.iter().map(|i| i.1).collect(),
                    skew_len(*skew, 1, 6, n),
                    0,
                ),
                r.iter().map(|x| x.t.us()).collect(),
                fit(
                    epcs.iter().map(|e| e.0).collect(),
                    skew_len(*skew, 3, 6, n),
                    0,
                ),
                fit(
                    epcs.iter().map(|e| e.1).collect(),
                    skew_len(*skew, 4, 6, n),
                    0,
                ),
                fit(
                    r.iter().map(|x| x.rssi.f32()).collect(),
                    skew_len(*skew, 5, 6, n),
                    -60.0,
                ),
            )
        }
        Op::Repeat | Op::Step(_) | Op::Snapshot | Op::Finish | Op::Shop(_) => return None,
    })
}

#[derive(Debug, Arbitrary)]
struct IngestInput {
    /// The store with cameras, thermal and RFID instead of the weights-only one.
    sensor_store: bool,
    ops: Vec<Op>,
}

fn snapshot_of(e: &Engine) -> Vec<u8> {
    e.snapshot().expect("snapshot of a live engine")
}

/// Apply one batch with the contract checks; returns whether it was accepted. The
/// engine's whole state is compared for batches of fuzzed rows; the long generated runs
/// (valid by construction) skip that costly check.
fn ingest_checked(e: &mut Engine, b: &Batch, compare_state: bool) -> bool {
    let compare_state = compare_state && b.rows() <= MAX_ROWS;
    let before_state = compare_state.then(|| snapshot_of(e));
    let before_stats = e.stats();
    let received = b.received(e);
    let finished = e.is_finished();
    match b.apply(e) {
        Ok(()) => {
            assert!(!finished, "a finished engine accepted a batch");
            assert!(!b.must_reject(), "accepted a batch it must reject: {b:?}");
            assert_eq!(
                b.received(e),
                received + b.rows() as u64,
                "an accepted batch counts every row as received"
            );
            true
        }
        Err(err) => {
            if finished {
                assert!(matches!(err, WalkoutError::State(_)), "{err}");
            } else {
                assert!(matches!(err, WalkoutError::Input { .. }), "{err}");
            }
            assert_eq!(
                e.stats(),
                before_stats,
                "a rejected batch changed the stats"
            );
            if let Some(before) = before_state {
                assert!(
                    snapshot_of(e) == before,
                    "a rejected batch changed the engine"
                );
            }
            false
        }
    }
}

/// Fuzz target: a stream of batches and engine calls (see the crate docs).
pub fn ingest(data: &[u8]) {
    let Ok(input) = IngestInput::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let store = &stores()[usize::from(input.sensor_store)];
    let mut engine = Engine::new(store.config.clone()).expect("shipped store builds");
    // The restored twin after a `Snapshot` op: it must behave exactly like `engine`.
    let mut twin: Option<Engine> = None;
    let mut last_accepted: Option<Batch> = None;
    let mut shops = 0;
    // Both stores are small: comparing whole snapshots is affordable.
    let compare_state = true;
    for op in input.ops.iter().take(MAX_OPS) {
        match op {
            Op::Repeat => {
                if let Some(b) = &last_accepted {
                    let ok = ingest_checked(&mut engine, b, compare_state);
                    assert!(ok || engine.is_finished(), "a repeated batch was rejected");
                    if let Some(t) = twin.as_mut() {
                        assert_eq!(ingest_checked(t, b, false), ok);
                    }
                }
            }
            Op::Step(until) => {
                let until = until.map(Time::us);
                let r = engine.step(until);
                // A time outside the plausible clock range is refused like an ingested one.
                let implausible = until.is_some_and(|t| !plausible_time(t));
                assert_eq!(r.is_err(), engine.is_finished() || implausible, "{r:?}");
                if let Some(t) = twin.as_mut() {
                    assert_eq!(t.step(until), r);
                }
            }
            Op::Snapshot => {
                let bytes = snapshot_of(&engine);
                let restored = Engine::restore(&bytes).expect("restore of a fresh snapshot");
                assert!(snapshot_of(&restored) == bytes, "restore is not exact");
                twin = Some(restored);
            }
            Op::Finish => {
                let r = engine.finish();
                if let Some(t) = twin.as_mut() {
                    assert_eq!(t.finish(), r);
                }
            }
            Op::Shop(visit) => {
                shops += 1;
                if shops > MAX_SHOPS {
                    continue;
                }
                for batch in shop(store, visit) {
                    let ok = ingest_checked(&mut engine, &batch, compare_state);
                    if let Some(t) = twin.as_mut() {
                        assert_eq!(ingest_checked(t, &batch, false), ok);
                    }
                }
            }
            _ => {
                let Some(batch) = build(op, store) else {
                    continue;
                };
                let ok = ingest_checked(&mut engine, &batch, compare_state);
                if let Some(t) = twin.as_mut() {
                    assert_eq!(ingest_checked(t, &batch, false), ok);
                }
                if ok {
                    last_accepted = Some(batch);
                }
            }
        }
    }
    if !engine.is_finished() {
        engine.finish().expect("finish of an open engine");
    }
    // Nothing is lost across a snapshot at the end either.
    let bytes = snapshot_of(&engine);
    let restored = Engine::restore(&bytes).expect("restore of a finished engine");
    assert!(snapshot_of(&restored) == bytes);
    if let Some(mut t) = twin {
        if !t.is_finished() {
            t.finish().expect("finish of the twin");
        }
        assert_eq!(t.receipts(), engine.receipts(), "restored twin diverged");
        assert_eq!(t.shelf_events(), engine.shelf_events());
        assert_eq!(t.stats(), engine.stats());
    }
}

// --- config ------------------------------------------------------------------------------

/// One edit of a JSON document: a path chosen by the bytes, a new value there.
#[derive(Debug, Arbitrary)]
struct Edit {
    path: Vec<u16>,
    action: Action,
}

#[derive(Debug, Arbitrary)]
enum Action {
    Number(Num),
    BigInt(i64),
    UInt(u64),
    Text(String),
    Bool(bool),
    Null,
    Remove,
    /// Duplicate an array element (or an object's value under a new key).
    Duplicate,
    /// Empty the array or object.
    Clear,
}

fn edit_value(root: &mut Value, edit: &Edit) {
    let path = &edit.path[..edit.path.len().min(12)];
    edit_at(root, path, &edit.action);
}

fn edit_at(v: &mut Value, path: &[u16], action: &Action) {
    if let Some((&step, rest)) = path.split_first() {
        match v {
            Value::Array(a) if !a.is_empty() => {
                let i = usize::from(step) % a.len();
                match action {
                    Action::Remove if rest.is_empty() => {
                        a.remove(i);
                    }
                    Action::Duplicate if rest.is_empty() => {
                        let copy = a[i].clone();
                        a.push(copy);
                    }
                    _ => edit_at(&mut a[i], rest, action),
                }
                return;
            }
            Value::Object(o) if !o.is_empty() => {
                let Some(key) = o.keys().nth(usize::from(step) % o.len()).cloned() else {
                    return;
                };
                match action {
                    Action::Remove if rest.is_empty() => {
                        o.remove(&key);
                    }
                    Action::Duplicate if rest.is_empty() => {
                        let copy = o[&key].clone();
                        o.insert(format!("{key}_"), copy);
                    }
                    _ => {
                        if let Some(x) = o.get_mut(&key) {
                            edit_at(x, rest, action);
                        }
                    }
                }
                return;
            }
            _ => {}
        }
    }
    *v = match action {
        Action::Number(n) => {
            serde_json::Number::from_f64(n.f64()).map_or(Value::Null, Value::Number)
        }
        Action::BigInt(i) => Value::from(*i),
        Action::UInt(x) => Value::from(*x),
        Action::Text(s) => Value::from(s.clone()),
        Action::Bool(b) => Value::from(*b),
        Action::Null => Value::Null,
        Action::Clear => match v {
            Value::Array(_) => Value::Array(vec![]),
            Value::Object(_) => Value::Object(Default::default()),
            _ => Value::Null,
        },
        Action::Remove | Action::Duplicate => return,
    };
}

/// A short session on whatever store the config describes: weights on every plate
/// with one item taken, a shopper walking past, both gates, snapshot and restore.
fn short_session(mut e: Engine, cfg: &StoreConfig) {
    let plates: Vec<u32> = cfg.plates().map(|(_, _, p)| p.id).take(8).collect();
    for chunk in 0..4i64 {
        let (mut p, mut t, mut g) = (vec![], vec![], vec![]);
        for &plate in &plates {
            for i in 0..30i64 {
                let ti = T0 + (chunk * 30 + i) * 16_667;
                p.push(plate);
                t.push(ti);
                g.push(if chunk >= 2 { 1500.0 } else { 2000.0 } + (i % 3) as f64);
            }
        }
        e.ingest_weights(&p, &t, &g)
            .expect("plausible weights are accepted");
        let (x, y) = (cfg.floor[0] / 2.0, cfg.floor[1] / 2.0);
        e.ingest_positions(&[T0 + chunk * 500_000], &[1], &[x], &[y])
            .expect("a position on the floor is accepted");
        e.step(None).expect("step");
    }
    if let (Some(entry), Some(exit)) = (cfg.gates.first(), cfg.gates.last()) {
        e.ingest_gates(
            &[entry.id, exit.id],
            &[T0, T0 + 2_000_000],
            &[GateEventKind::Enter, GateEventKind::Exit],
            &[Some("acct".into()), None],
        )
        .expect("gate events of known gates are accepted");
    }
    let bytes = e.snapshot().expect("snapshot");
    let mut e = Engine::restore(&bytes).expect("restore of a fresh snapshot");
    e.step(Some(T0 + 60_000_000)).expect("step");
    e.finish().expect("finish");
}

#[derive(Debug, Arbitrary)]
enum ConfigInput<'a> {
    /// Raw text as the config.
    Text(&'a str),
    /// The minimal store with edits.
    Edited(Vec<Edit>),
}

/// The config text a [`config`] input stands for.
pub fn config_text(data: &[u8]) -> Option<String> {
    match ConfigInput::arbitrary_take_rest(Unstructured::new(data)) {
        Ok(ConfigInput::Text(t)) => Some(t.to_string()),
        Ok(ConfigInput::Edited(edits)) => {
            let mut v: Value = serde_json::from_str(MINIMAL_JSON).expect("minimal.json is JSON");
            for edit in edits.iter().take(8) {
                edit_value(&mut v, edit);
            }
            Some(v.to_string())
        }
        Err(_) => None,
    }
}

/// Fuzz target: arbitrary config JSON into `StoreConfig::from_json` and `Engine::new`.
pub fn config(data: &[u8]) {
    let Some(text) = config_text(data) else {
        return;
    };
    let Ok(cfg) = StoreConfig::from_json(&text) else {
        return;
    };
    // A config that validates must round-trip and build an engine that runs.
    let again = StoreConfig::from_json(&cfg.to_json()).expect("a valid config round-trips");
    assert_eq!(again, cfg);
    let engine = match Engine::new(cfg.clone()) {
        Ok(e) => e,
        Err(e) => panic!("a validated config was refused by Engine::new: {e}"),
    };
    short_session(engine, &cfg);
}

// --- snapshot ----------------------------------------------------------------------------

/// A real snapshot of the minimal store after a short session (a seed of the
/// `snapshot` target, and what its edits start from).
pub fn seed_snapshot() -> Vec<u8> {
    let cfg = stores()[0].config.clone();
    let mut e = Engine::new(cfg).expect("minimal store");
    let n = 90;
    let t: Vec<i64> = (0..n).map(|i| T0 + i * 16_667).collect();
    let g: Vec<f64> = (0..n)
        .map(|i| if i < 60 { 3000.0 } else { 1942.0 })
        .collect();
    e.ingest_weights(&vec![0; n as usize], &t, &g)
        .expect("weights");
    e.ingest_positions(&[T0, T0 + 500_000], &[7, 7], &[2.5, 2.5], &[2.2, 2.2])
        .expect("positions");
    e.ingest_gates(&[0], &[T0], &[GateEventKind::Enter], &[Some("a".into())])
        .expect("gates");
    e.step(Some(T0 + 1_000_000)).expect("step");
    e.snapshot().expect("snapshot")
}

/// A snapshot of the sensor store in the middle of a visit: a cart, a shelf event, the
/// exit passage queued, an upstream track and a tracker track, RFID tags present,
/// departed and read at the exit, and every modality still buffered. The second base
/// the `snapshot` target's edits start from, so that they reach every part of the
/// state. An engine refuses the second kind of tracker input, so the two trackers'
/// state comes from two engines, joined as a snapshot written before that rule holds
/// them (see `snapshot_json::join_trackers`).
pub fn sensor_snapshot() -> Vec<u8> {
    let store = &stores()[1];
    let mut e = Engine::new(store.config.clone()).expect("sensor store");
    let visit = Shop {
        plate: 2,
        start_s: 0,
        units: 1,
        put_back: false,
        track: 7,
        token: true,
    };
    for b in shop(store, &visit) {
        b.apply(&mut e).expect("a generated visit is valid");
    }
    let at = |s: f64| T0 + (s * 1e6) as i64;
    // The shopper seen by the thermal camera at the entry for half a second (the
    // tracker's own track), then one detection of every camera modality buffered
    // beyond the step below.
    let h = store.config.thermal_cameras[0].homography;
    let px = walkout_core::geometry::invert3(&h)
        .and_then(|inv| walkout_core::geometry::apply_homography(&inv, store.entry))
        .map_or([320.0, 256.0], |p| p.map(|v| v as f32));
    let mut blobs = (vec![], vec![]);
    for i in 0..6 {
        blobs.0.push(at(f64::from(i) / 9.0));
        blobs.1.extend(px);
    }
    blobs.0.push(at(11.0));
    blobs.1.extend(px);
    let n = blobs.0.len();
    let mut cam = Engine::new(store.config.clone()).expect("sensor store");
    cam.ingest_thermal_blobs(
        &vec![store.thermal[0]; n],
        &blobs.0,
        &blobs.1,
        &vec![900.0; n],
        &vec![33.5; n],
    )
    .expect("thermal blobs");
    cam.ingest_person_detections(
        &[store.cameras[0]],
        &[at(11.0)],
        &[100.0, 100.0, 200.0, 400.0],
        &[0.9],
        None,
        None,
    )
    .expect("person detections");
    e.ingest_product_detections(
        &[store.cameras[0]],
        &[at(11.0)],
        &[100.0, 100.0, 140.0, 160.0],
        &[store.classes[0]],
        &[0.8],
    )
    .expect("product detections");
    // Two tags of the first product on the shelf antenna (reader 1), one leaving at
    // 4 s and read by the exit antenna (reader 0) as the shopper leaves.
    let epc = |serial| {
        walkout_core::epc::encode_sgtin96(&store.gtins[0], 7, serial, 1).expect("valid GTIN")
    };
    let mut reads: (Vec<u32>, Vec<i64>, Vec<u128>) = (vec![], vec![], vec![]);
    for i in 0..24 {
        for serial in [1, 2] {
            if serial == 1 && i > 8 {
                continue;
            }
            reads.0.push(1);
            reads.1.push(at(f64::from(i) * 0.5));
            reads.2.push(epc(serial));
        }
    }
    for i in 0..4 {
        reads.0.push(0);
        reads.1.push(at(9.4 + f64::from(i) * 0.2));
        reads.2.push(epc(1));
    }
    let n = reads.0.len();
    let hi: Vec<u64> = reads.2.iter().map(|&e| (e >> 64) as u64).collect();
    let lo: Vec<u64> = reads.2.iter().map(|&e| e as u64).collect();
    e.ingest_rfid_reads(&reads.0, &vec![0; n], &reads.1, &hi, &lo, &vec![-50.0; n])
        .expect("rfid reads");
    e.step(Some(at(10.5))).expect("step");
    cam.step(Some(at(10.5))).expect("step");
    let joined = snapshot_json::join_trackers(
        &e.snapshot().expect("snapshot"),
        &cam.snapshot().expect("snapshot"),
    );
    reseal(&joined.expect("two snapshots of one store"))
}

/// The JSON body of a snapshot made here, as a value to edit.
fn snapshot_body(bytes: &[u8]) -> Value {
    snapshot_json::body(bytes).expect("a snapshot")
}

/// The bases the edits start from: [`seed_snapshot`] and [`sensor_snapshot`].
fn base_snapshots() -> &'static [Value; 2] {
    static SNAPS: OnceLock<[Value; 2]> = OnceLock::new();
    SNAPS.get_or_init(|| {
        [
            snapshot_body(&seed_snapshot()),
            snapshot_body(&sensor_snapshot()),
        ]
    })
}

/// Edits of one of the [`base_snapshots`].
#[derive(Debug, Arbitrary)]
struct SnapshotEdits {
    sensors: bool,
    edits: Vec<Edit>,
}

/// The re-sealed snapshot a [`snapshot`] input's edits make, if it is read as edits.
fn edited_snapshot(data: &[u8]) -> Option<(SnapshotEdits, Vec<u8>)> {
    // A snapshot starts with its magic; anything else is read as edits.
    if data.starts_with(b"walkout") {
        return None;
    }
    let input = SnapshotEdits::arbitrary_take_rest(Unstructured::new(data)).ok()?;
    let mut v = base_snapshots()[usize::from(input.sensors)].clone();
    for edit in input.edits.iter().take(8) {
        edit_value(&mut v, edit);
    }
    let bytes = reseal(&v);
    Some((input, bytes))
}

/// Drive a restored engine on: whatever it was restored from, nothing may panic, and
/// what it is left with it can checkpoint and restore again.
fn drive(mut e: Engine) {
    // A state `restore` accepted passes its checks again when written back.
    let bytes = e.snapshot().expect("snapshot of a restored engine");
    if let Err(err) = Engine::restore(&bytes) {
        panic!("a restored engine's own snapshot was refused: {err}");
    }
    let _ = e.ingest_weights(&[0, 1], &[T0 + 2_000_000, T0 + 2_000_000], &[1.0, 2.0]);
    let _ = e.ingest_positions(&[T0 + 2_000_000], &[7], &[2.5], &[2.2]);
    let _ = e.ingest_gates(&[1], &[T0 + 2_000_000], &[GateEventKind::Exit], &[None]);
    let _ = e.step(None);
    let _ = e.step(Some(T0 + 30_000_000));
    let _ = e.finish();
    let _ = e.stats();
    let bytes = e.snapshot().expect("snapshot of a driven engine");
    if let Err(err) = Engine::restore(&bytes) {
        panic!("a driven restored engine's snapshot was refused: {err}");
    }
}

/// Fuzz target: arbitrary bytes into `Engine::restore`.
///
/// Raw bytes are restored and, if that works, the engine is driven on. Other inputs
/// are edits of a real snapshot (of the minimal store, or of the sensor store mid-visit),
/// re-sealed with a valid checksum as a hand-crafted file would be: `restore` must
/// refuse them cleanly or accept them, and whatever it accepts is driven on
/// (`step`, `finish`, snapshot and restore) without a panic.
pub fn snapshot(data: &[u8]) {
    if let Ok(e) = Engine::restore(data) {
        drive(e);
    }
    if let Some((_, bytes)) = edited_snapshot(data) {
        if let Ok(e) = Engine::restore(&bytes) {
            drive(e);
        }
    }
}

/// The decoded form of a [`snapshot`] input and what `restore` says to it, for reading
/// a crash artifact (`cargo run --example describe -- snapshot FILE`).
pub fn describe_snapshot(data: &[u8]) -> String {
    match edited_snapshot(data) {
        None => format!("raw bytes: restore says {:?}", Engine::restore(data).err()),
        Some((input, bytes)) => format!(
            "{input:#?}\nrestore says {:?}",
            Engine::restore(&bytes).err()
        ),
    }
}

/// The decoded form of an [`ingest`] input, for reading a crash artifact
/// (`cargo run --example describe -- ingest FILE`).
pub fn describe_ingest(data: &[u8]) -> String {
    match IngestInput::arbitrary_take_rest(Unstructured::new(data)) {
        Ok(input) => format!("{input:#?}"),
        Err(e) => format!("not an ingest input: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The generated visit is realistic enough to reach a receipt: otherwise the fuzzer
    /// would never get past the detectors.
    #[test]
    fn a_generated_visit_gives_a_receipt() {
        for (i, store) in stores().iter().enumerate() {
            let mut e = Engine::new(store.config.clone()).expect("store");
            let visit = Shop {
                plate: 2,
                start_s: 0,
                units: 1,
                put_back: false,
                track: 7,
                token: true,
            };
            for b in shop(store, &visit) {
                b.apply(&mut e).expect("a generated batch is valid");
            }
            e.finish().expect("finish");
            let r = e.receipts();
            assert_eq!(r.len(), 1, "store {i}: {:?}", e.stats());
            let units: u32 = r[0].lines.iter().map(|l| l.quantity).sum();
            assert_eq!(units, 2, "store {i}: {:?}", r[0]);
        }
    }

    /// The edits of the `snapshot` target start from states that restore, and the
    /// sensor base holds something in every part of the state an edit should reach.
    #[test]
    fn the_snapshot_bases_restore_and_reach_every_part_of_the_state() {
        for (i, v) in base_snapshots().iter().enumerate() {
            if let Err(e) = Engine::restore(&reseal(v)) {
                panic!("base {i} does not restore: {e}");
            }
        }
        let v = &base_snapshots()[1];
        let parts = [
            "/buffer/weights/2/samples",
            "/buffer/persons",
            "/buffer/thermal",
            "/buffer/products",
            "/queue",
            "/carts",
            "/shelf_events",
            "/gate_log",
            "/tracks/tracks",
            "/tracker/tracks",
            "/rfid/present",
            "/rfid/departures",
            "/rfid/exit_reads",
        ];
        let empty: Vec<&str> = parts
            .into_iter()
            .filter(|p| {
                v.pointer(p).is_none_or(|x| {
                    x.as_array().is_some_and(Vec::is_empty)
                        || x.as_object().is_some_and(|o| o.is_empty())
                })
            })
            .collect();
        assert!(empty.is_empty(), "empty in the sensor base: {empty:?}");
    }

    #[test]
    fn the_sensor_store_is_valid() {
        StoreConfig::from_json(&sensor_store_json()).expect("valid");
    }
}
