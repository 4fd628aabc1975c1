//! What the targets share: the two stores, a generated shopper's visit as the batches
//! an integrator would send, one ingestion call kept as data ([`Batch`]), edits of a
//! JSON document, and the real snapshots the `snapshot` target starts from.

use std::sync::OnceLock;

use arbitrary::Arbitrary;
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

pub(crate) struct Store {
    pub(crate) config: StoreConfig,
    pub(crate) plates: Vec<u32>,
    pub(crate) gates: Vec<u32>,
    pub(crate) cameras: Vec<u32>,
    pub(crate) thermal: Vec<u32>,
    pub(crate) antennas: Vec<(u32, u32)>,
    pub(crate) classes: Vec<u32>,
    pub(crate) gtins: Vec<String>,
    /// Per plate: where a shopper stands to reach it, and the unit weight of its product.
    pub(crate) fronts: Vec<([f64; 2], f64)>,
    pub(crate) entry: [f64; 2],
    pub(crate) exit: [f64; 2],
}

impl Store {
    pub(crate) fn new(json: &str) -> Self {
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

pub(crate) fn gate_at(config: &StoreConfig, kind: GateKind) -> [f64; 2] {
    config
        .gates
        .iter()
        .find(|g| g.kind == kind)
        .map_or([0.5, 0.5], |g| g.position)
}

/// A whole visit: a shopper checks in, walks to a plate, takes (or puts back) units,
/// walks to the exit and leaves; the plate reports at 60 Hz throughout. Reaches the
/// whole pipeline down to receipts.
pub(crate) fn shop(s: &Store, v: &Shop) -> Vec<Batch> {
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

pub(crate) fn stores() -> &'static [Store; 2] {
    static STORES: OnceLock<[Store; 2]> = OnceLock::new();
    STORES.get_or_init(|| [Store::new(MINIMAL_JSON), Store::new(&sensor_store_json())])
}

// --- generated values ------------------------------------------------------------------

/// A config id: mostly one the store has, sometimes any u32.
#[derive(Debug, Clone, Copy, Arbitrary)]
pub(crate) enum Id {
    Known(u8),
    Raw(u32),
}

impl Id {
    pub(crate) fn pick(self, ids: &[u32]) -> u32 {
        match self {
            Id::Known(k) if !ids.is_empty() => ids[k as usize % ids.len()],
            Id::Known(k) => u32::from(k),
            Id::Raw(v) => v,
        }
    }
}

/// A timestamp: mostly near the session start (milliseconds), sometimes any i64.
#[derive(Debug, Clone, Copy, Arbitrary)]
pub(crate) enum Time {
    /// Milliseconds after [`T0`] (negative: before it).
    Ms(i32),
    /// Microseconds after [`T0`], within about half an hour.
    Us(i32),
    Raw(i64),
}

impl Time {
    pub(crate) fn us(self) -> i64 {
        match self {
            Time::Ms(ms) => T0 + i64::from(ms) * 1000,
            Time::Us(us) => T0 + i64::from(us),
            Time::Raw(t) => t,
        }
    }
}

/// A number: mostly a plausible one, sometimes any bit pattern (NaN, inf, huge).
#[derive(Debug, Clone, Copy, Arbitrary)]
pub(crate) enum Num {
    /// Hundredths.
    Small(i16),
    Raw(f64),
    Nan,
    Inf(bool),
}

impl Num {
    pub(crate) fn f64(self) -> f64 {
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
    pub(crate) fn f32(self) -> f32 {
        self.f64() as f32
    }
}

#[derive(Debug, Clone, Arbitrary)]
pub(crate) struct Shop {
    pub(crate) plate: u8,
    /// Seconds after [`T0`].
    pub(crate) start_s: u8,
    pub(crate) units: u8,
    pub(crate) put_back: bool,
    pub(crate) track: u8,
    pub(crate) token: bool,
}

/// One ingestion call with its columns, kept so that it can be sent again.
#[derive(Debug, Clone)]
pub(crate) enum Batch {
    Weights(Vec<u32>, Vec<i64>, Vec<f64>),
    Positions(Vec<i64>, Vec<u32>, Vec<f64>, Vec<f64>),
    Gates(Vec<u32>, Vec<i64>, Vec<GateEventKind>, Vec<Option<String>>),
    Persons(Vec<u32>, Vec<i64>, Vec<f32>, Vec<f32>, Option<Vec<f32>>),
    Thermal(Vec<u32>, Vec<i64>, Vec<f32>, Vec<f32>, Vec<f32>),
    Products(Vec<u32>, Vec<i64>, Vec<f32>, Vec<u32>, Vec<f32>),
    Rfid(Vec<u32>, Vec<u32>, Vec<i64>, Vec<u64>, Vec<u64>, Vec<f32>),
}

pub(crate) fn plausible_time(t: i64) -> bool {
    // The engine's documented range: 2000-01-01 ..= 2100-01-01.
    (946_684_800_000_000..=4_102_444_800_000_000).contains(&t)
}

impl Batch {
    /// The batch's time column.
    fn times(&self) -> &[i64] {
        match self {
            Batch::Weights(_, t, _)
            | Batch::Positions(t, ..)
            | Batch::Gates(_, t, ..)
            | Batch::Persons(_, t, ..)
            | Batch::Thermal(_, t, ..)
            | Batch::Products(_, t, ..)
            | Batch::Rfid(_, _, t, ..) => t,
        }
    }

    /// Rows of the batch (the length of its time column).
    pub(crate) fn rows(&self) -> usize {
        self.times().len()
    }

    /// Whether the engine must reject this batch whatever else it holds: columns of
    /// different lengths, a NaN or infinite value where one is checked, or a time
    /// outside the plausible range.
    pub(crate) fn must_reject(&self) -> bool {
        let n = self.rows();
        let times = self.times();
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

    pub(crate) fn apply(&self, e: &mut Engine) -> Result<(), WalkoutError> {
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

    pub(crate) fn received(&self, e: &Engine) -> u64 {
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

/// One edit of a JSON document: a path chosen by the bytes, a new value there.
#[derive(Debug, Arbitrary)]
pub(crate) struct Edit {
    pub(crate) path: Vec<u16>,
    pub(crate) action: Action,
}

#[derive(Debug, Arbitrary)]
pub(crate) enum Action {
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

pub(crate) fn edit_value(root: &mut Value, edit: &Edit) {
    let path = &edit.path[..edit.path.len().min(12)];
    edit_at(root, path, &edit.action);
}

pub(crate) fn edit_at(v: &mut Value, path: &[u16], action: &Action) {
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

/// An engine of `store` fed one generated visit: track 7 checks in with a token and
/// takes one unit from the third plate at the start.
fn shopped(store: &Store) -> Engine {
    let mut e = Engine::new(store.config.clone()).expect("a shipped store");
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
    e
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
    let mut e = shopped(store);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The generated visit is realistic enough to reach a receipt: otherwise the fuzzer
    /// would never get past the detectors.
    #[test]
    fn a_generated_visit_gives_a_receipt() {
        for (i, store) in stores().iter().enumerate() {
            let mut e = shopped(store);
            e.finish().expect("finish");
            let r = e.receipts();
            assert_eq!(r.len(), 1, "store {i}: {:?}", e.stats());
            let units: u32 = r[0].lines.iter().map(|l| l.quantity).sum();
            assert_eq!(units, 2, "store {i}: {:?}", r[0]);
        }
    }

    #[test]
    fn the_sensor_store_is_valid() {
        StoreConfig::from_json(&sensor_store_json()).expect("valid");
    }
}
