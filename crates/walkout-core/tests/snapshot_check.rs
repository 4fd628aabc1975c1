//! A restored snapshot never crashes the engine: a snapshot edited by hand and re-sealed
//! with a valid checksum is checked against its store, and every index, time and count
//! that does not fit is refused by `restore` with a `StateError` naming the field (its
//! JSON path in the snapshot) and the value.
//!
//! Each case takes a real snapshot of an engine fed every modality, first restores it
//! with the place it edits present and valid (so the case shows that the check, not
//! some other problem, refuses the edit), then puts a value there that does not fit.

mod common;

use common::{feed_gates, feed_positions, feed_weights, session, T0};
use serde_json::{json, Value};
use walkout_core::cart::{Cart, Receipt};
use walkout_core::config::{AntennaKind, StoreConfig};
use walkout_core::epc::{encode_sgtin96, FILTER_POS_ITEM};
use walkout_core::geometry::CameraModel;
use walkout_core::store::StoreModel;
use walkout_core::test_support::snapshot_json::{body, join_trackers, reseal};
use walkout_core::test_support::store::{antenna, StoreBuilder};
use walkout_core::{Engine, WalkoutError};

const GTIN: &str = "04012345000108";

/// The shared test store with every sensor: vision classes, RFID tags on cola, a shelf
/// antenna over the first two plates and an exit antenna, a thermal camera.
fn store() -> StoreConfig {
    let mut cfg = common::store();
    cfg.products[0].vision_class = Some(0);
    cfg.products[1].vision_class = Some(1);
    cfg.products[0].rfid = true;
    cfg.products[0].gtin = Some(GTIN.into());
    let shelf = antenna(0, AntennaKind::Shelf, [0.95, 1.95, 0.4], [1.55, 2.5, 0.9]);
    let exit = antenna(1, AntennaKind::Exit, [5.0, 0.0, 0.0], [6.0, 1.0, 2.0]);
    StoreBuilder::from(cfg)
        .thermal_camera(5, common::THERMAL_HOMOGRAPHY)
        .rfid_reader(1, vec![shelf, exit])
        .build()
}

fn epc(serial: u64) -> u128 {
    encode_sgtin96(GTIN, 7, serial, FILTER_POS_ITEM).expect("valid GTIN")
}

/// Pixels of a standing shopper at `pos` in `cam` (box and COCO keypoints: head, wrists,
/// ankles), the right wrist at `hand`; `None` when out of view.
fn person(cam: &CameraModel, pos: [f64; 2], hand: [f64; 3]) -> Option<([f32; 4], Vec<f32>)> {
    let [x, y] = pos;
    let joints = [
        (0, [x, y, 1.65]),
        (9, [x - 0.25, y, 0.85]),
        (10, hand),
        (15, [x - 0.1, y, 0.08]),
        (16, [x + 0.1, y, 0.08]),
    ];
    let mut kp = vec![0.0f32; 51];
    let (mut x1, mut y1, mut x2, mut y2) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for (j, p) in joints {
        let px = cam.project(p)?;
        if !cam.in_image(px) {
            return None;
        }
        kp[j * 3..j * 3 + 3].copy_from_slice(&[px[0] as f32, px[1] as f32, 0.9]);
        (x1, y1, x2, y2) = (x1.min(px[0]), y1.min(px[1]), x2.max(px[0]), y2.max(px[1]));
    }
    Some(([x1 as f32, y1 as f32, x2 as f32, y2 as f32], kp))
}

/// The snapshot body of the shared session at `until_s` (finished when `None`): the
/// state of the engine fed cameras joined with the positions of the one fed those, so
/// that one base reaches every part of the state.
fn base(until_s: Option<f64>) -> Value {
    let [cameras, upstream] = engines(until_s).map(|e| e.snapshot().expect("snapshot"));
    join_trackers(&cameras, &upstream).expect("two snapshots")
}

/// [`fed`]'s two engines, stepped to `until_s` (or finished when `None`).
fn engines(until_s: Option<f64>) -> [Engine; 2] {
    fed().map(|mut e| {
        match until_s {
            Some(s) => e.step(Some(T0 + (s * 1e6) as i64)).expect("step"),
            None => e.finish().expect("finish"),
        }
        e
    })
}

/// Two engines fed the shared session, nothing processed yet: one the weights, gates,
/// the shopper seen by the cameras (with a can of cola in hand after the first pick),
/// thermal blobs, shelf RFID reads of two cola tags (one leaves with the pick) and exit
/// reads; the other the positions of the same shopper as upstream track 77 (an engine
/// tracks shoppers one way: from its cameras or from positions).
fn fed() -> [Engine; 2] {
    let cfg = store();
    let cams: Vec<CameraModel> = cfg.cameras.iter().map(CameraModel::from_config).collect();
    let mut e = Engine::new(cfg.clone()).expect("store");
    let mut upstream = Engine::new(cfg).expect("store");
    e.set_trajectory_log(2.0);
    upstream.set_trajectory_log(2.0);
    let s = session(3);
    feed_weights(&mut e, &s.weights).expect("weights");
    feed_positions(&mut upstream, &s.positions).expect("positions");
    feed_gates(&mut e, &s.gates).expect("gates");

    let (mut cid, mut ct, mut boxes, mut scores, mut kps) =
        (vec![], vec![], vec![], vec![], vec![]);
    let (mut qid, mut qt, mut qbox, mut qclass, mut qscore) =
        (vec![], vec![], vec![], vec![], vec![]);
    for &(t, _, x, y) in &s.positions {
        let sec = (t - T0) as f64 / 1e6;
        // Reaching into plate 10 around the pick at 10 s, holding the can after it.
        let reach = (9.6..10.4).contains(&sec);
        let hand = if reach {
            [1.15, 1.98, 0.62]
        } else {
            [x + 0.25, y, 0.85]
        };
        for cam in &cams {
            let Some((b, k)) = person(cam, [x, y], hand) else {
                continue;
            };
            cid.push(cam.id);
            ct.push(t);
            boxes.extend(b);
            scores.push(0.9f32);
            if (10.4..12.0).contains(&sec) {
                let (wx, wy) = (k[30], k[31]);
                qid.push(cam.id);
                qt.push(t);
                qbox.extend([wx - 20.0, wy - 30.0, wx + 20.0, wy + 30.0]);
                qclass.push(0);
                qscore.push(0.8f32);
            }
            kps.extend(k);
        }
    }
    e.ingest_person_detections(&cid, &ct, &boxes, &scores, Some(&kps), None)
        .expect("person detections");
    e.ingest_product_detections(&qid, &qt, &qbox, &qclass, &qscore)
        .expect("product detections");
    let bt: Vec<i64> = (0..40).map(|i| T0 + 30_000_000 + i * 111_111).collect();
    let n = bt.len();
    e.ingest_thermal_blobs(
        &vec![5; n],
        &bt,
        &[320.0f32, 256.0].repeat(n),
        &vec![900.0; n],
        &vec![33.5; n],
    )
    .expect("thermal blobs");
    // Shelf reads every 0.5 s: tag 1 until the pick at 10 s, tag 2 throughout; exit
    // reads of tag 1 as the shopper leaves.
    let mut reads = (vec![], vec![], vec![], vec![]);
    for i in 0..100i64 {
        let t = T0 + i * 500_000;
        for serial in [1, 2] {
            if serial == 1 && t > T0 + 10_000_000 {
                continue;
            }
            reads.0.push(0);
            reads.1.push(t);
            reads.2.push(epc(serial));
            reads.3.push(-50.0f32);
        }
    }
    for i in 0..6 {
        reads.0.push(1);
        reads.1.push(T0 + 42_000_000 + i * 200_000);
        reads.2.push(epc(1));
        reads.3.push(-55.0);
    }
    let n = reads.0.len();
    let hi: Vec<u64> = reads.2.iter().map(|&e| (e >> 64) as u64).collect();
    let lo: Vec<u64> = reads.2.iter().map(|&e| e as u64).collect();
    e.ingest_rfid_reads(&vec![1; n], &reads.0, &reads.1, &hi, &lo, &reads.3)
        .expect("rfid reads");
    [e, upstream]
}

/// Where in the session a case's snapshot is taken.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Base {
    /// 12 s: the first pick queued for fusion, hand-over windows open.
    Queued,
    /// 25 s: two weight changes pending, every modality still in the reorder buffer.
    Pending,
    /// 45 s: a cart, shelf events, exit reads, the exit passage queued.
    Late,
    /// Finished: receipts.
    Done,
}

impl Base {
    const ALL: [Base; 4] = [Base::Queued, Base::Pending, Base::Late, Base::Done];

    fn until_s(self) -> Option<f64> {
        match self {
            Base::Queued => Some(12.0),
            Base::Pending => Some(25.0),
            Base::Late => Some(45.0),
            Base::Done => None,
        }
    }
}

/// The first element of the array at `ptr` that `pick` accepts, after pushing
/// `template` when there is none: its index.
fn ensure(v: &mut Value, ptr: &str, pick: impl Fn(&Value) -> bool, template: Value) -> usize {
    let a = v
        .pointer_mut(ptr)
        .and_then(Value::as_array_mut)
        .unwrap_or_else(|| panic!("no array at {ptr}: the snapshot layout changed"));
    match a.iter().position(pick) {
        Some(i) => i,
        None => {
            a.push(template);
            a.len() - 1
        }
    }
}

fn any(_: &Value) -> bool {
    true
}

/// The first key of the object at `ptr`.
fn first_key(v: &Value, ptr: &str) -> String {
    v.pointer(ptr)
        .and_then(Value::as_object)
        .and_then(|o| o.keys().next().cloned())
        .unwrap_or_else(|| panic!("no entry at {ptr}: the snapshot layout changed"))
}

fn at<'a>(v: &'a mut Value, ptr: &str) -> &'a mut Value {
    v.pointer_mut(ptr)
        .unwrap_or_else(|| panic!("nothing at {ptr}: the snapshot layout changed"))
}

const T: i64 = T0 + 30_000_000;

fn interaction() -> Value {
    json!({"plates": [0], "t_start_us": T, "t_end_us": T + 1_000_000,
           "delta_g": -100.0, "delta_std_g": 1.5})
}

/// Is this queued item of fusion item kind `kind`?
fn queued(kind: &'static str) -> impl Fn(&Value) -> bool {
    move |q| q["item"].get(kind).is_some()
}

/// One edit: the snapshot it starts from, and a function that makes sure the place it
/// edits exists (valid) and, when `bad`, puts the bad value there; it returns the path
/// and value the error must name.
struct Case {
    base: Base,
    edit: Edit,
}

enum Edit {
    /// Makes the place exist, puts the bad value there when asked, and names it.
    Custom(fn(&mut Value, bool) -> (String, String)),
    /// The place exists in the base: the bad `value` at JSON pointer `ptr`, which the
    /// error names as `path` with `got`.
    Set {
        ptr: &'static str,
        value: Value,
        path: String,
        got: String,
    },
    /// The first entry of the object at `object`, the bad `value` at its `field`.
    InFirst {
        object: &'static str,
        field: &'static str,
        value: Value,
        got: String,
    },
    /// An entry of the array at `array` that `pick` accepts (`template` added when there
    /// is none), the bad `value` at its `field`.
    InEntry {
        array: &'static str,
        pick: Box<dyn Fn(&Value) -> bool>,
        template: Value,
        field: &'static str,
        value: Value,
        got: String,
    },
}

impl Case {
    /// Apply the edit to `v` (only its preparation unless `bad`); the path and value
    /// the error must name.
    fn apply(&self, v: &mut Value, bad: bool) -> (String, String) {
        match &self.edit {
            Edit::Custom(edit) => edit(v, bad),
            Edit::Set {
                ptr,
                value,
                path,
                got,
            } => {
                if bad {
                    *at(v, ptr) = value.clone();
                }
                (path.clone(), got.clone())
            }
            Edit::InFirst {
                object,
                field,
                value,
                got,
            } => {
                let ptr = format!("{object}/{}/{field}", first_key(v, object));
                if bad {
                    *at(v, &ptr) = value.clone();
                }
                (path_of(&ptr), got.clone())
            }
            Edit::InEntry {
                array,
                pick,
                template,
                field,
                value,
                got,
            } => {
                let i = ensure(v, array, pick, template.clone());
                let ptr = format!("{array}/{i}/{field}");
                if bad {
                    *at(v, &ptr) = value.clone();
                }
                (path_of(&ptr), got.clone())
            }
        }
    }
}

/// A case that puts `value` at JSON pointer `ptr` of `base` (a place the base has),
/// the error naming it by the pointer's path and `got`.
fn set(base: Base, ptr: &'static str, value: Value, got: impl ToString) -> Case {
    set_named(base, ptr, value, &path_of(ptr), got)
}

/// [`set`] where the error names another `path` (the object holding the value).
fn set_named(base: Base, ptr: &'static str, value: Value, path: &str, got: impl ToString) -> Case {
    Case {
        base,
        edit: Edit::Set {
            ptr,
            value,
            path: path.into(),
            got: got.to_string(),
        },
    }
}

/// A case that puts `value` at `field` of the first entry of the object at `object`.
fn in_first(
    base: Base,
    object: &'static str,
    field: &'static str,
    value: Value,
    got: impl ToString,
) -> Case {
    Case {
        base,
        edit: Edit::InFirst {
            object,
            field,
            value,
            got: got.to_string(),
        },
    }
}

/// A case that puts `value` at `field` of an entry of the array at `array` that `pick`
/// accepts (adding `template` when there is none), the error naming it by its path.
fn in_entry(
    base: Base,
    array: &'static str,
    pick: impl Fn(&Value) -> bool + 'static,
    template: Value,
    field: &'static str,
    value: Value,
    got: impl ToString,
) -> Case {
    Case {
        base,
        edit: Edit::InEntry {
            array,
            pick: Box::new(pick),
            template,
            field,
            value,
            got: got.to_string(),
        },
    }
}

/// An edit of a fusion queue entry holding the `kind` item `item`, released in `rank`.
fn in_queue(
    base: Base,
    kind: &'static str,
    rank: u32,
    item: Value,
    field: &'static str,
    value: Value,
    got: impl ToString,
) -> Case {
    let template = json!({"key": T, "rank": rank, "tiebreak": 0, "item": {kind: item}});
    in_entry(base, "/queue", queued(kind), template, field, value, got)
}

/// The path an error names for JSON pointer `ptr`: `/a/1/b` is `a[1].b`.
fn path_of(ptr: &str) -> String {
    let mut out = String::new();
    for seg in ptr.split('/').skip(1) {
        if seg.bytes().all(|b| b.is_ascii_digit()) {
            out += &format!("[{seg}]");
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out += seg;
        }
    }
    out
}

fn cases() -> Vec<Case> {
    use Base::*;
    let case = |base, edit| Case {
        base,
        edit: Edit::Custom(edit),
    };
    vec![
        // --- weight detectors and pending changes
        case(Pending, |v, bad| {
            if bad {
                at(v, "/detectors").as_array_mut().unwrap().pop();
            }
            ("detectors".into(), "3 detectors".into())
        }),
        set(Pending, "/detectors/1/plate", json!(3), 3),
        set(Pending, "/detectors/0/level", json!(5e6), 5000000),
        set_named(
            Pending,
            "/detectors/0/phase",
            json!({"Unstable": {"since_us": T0, "steady": 99}}),
            "detectors[0].phase.Unstable.steady",
            99,
        ),
        set_named(
            Pending,
            "/detectors/2/params/window",
            json!(99),
            "detectors[2].params",
            "\"window\":99".to_string(),
        ),
        set(Pending, "/detectors/3/window/0/0", json!(0), 0),
        in_entry(
            Pending,
            "/pending_changes",
            any,
            json!({"plate": 0, "t_start_us": T,
                "t_end_us": T + 1, "level_before_g": 2000.0, "level_after_g": 1655.0,
                "delta_std_g": 1.0}),
            "plate",
            json!(9),
            9,
        ),
        set(
            Pending,
            "/pending_changes/0/t_end_us",
            json!(i64::MIN),
            i64::MIN,
        ),
        // --- the reorder buffer
        case(Pending, |v, bad| {
            if bad {
                let w = at(v, "/buffer/weights").as_array_mut().unwrap();
                for _ in 0..2 {
                    w.push(json!({"samples": [[T, 2000.0]], "sorted": true}));
                }
            }
            ("buffer.weights".into(), "6".into())
        }),
        set(
            Pending,
            "/buffer/weights/2/samples/3/1",
            json!(2e6),
            2000000,
        ),
        case(Pending, |v, bad| {
            let next = at(v, "/buffer/weights/1/samples/1/0").clone();
            if bad {
                *at(v, "/buffer/weights/1/samples/0/0") = json!(T0 + 60_000_000);
            }
            ("buffer.weights[1].samples[1][0]".into(), next.to_string())
        }),
        set(Pending, "/buffer/positions/0/t_us", json!(-1), -1),
        set(Pending, "/buffer/gates/0/gate_id", json!(99), 99),
        set(Pending, "/buffer/persons/0/camera_id", json!(99), 99),
        set(
            Pending,
            "/buffer/persons/1/keypoints/9/1",
            json!(1e6),
            1000000,
        ),
        set(Pending, "/buffer/thermal/0/camera_id", json!(99), 99),
        in_entry(
            Pending,
            "/buffer/products",
            any,
            json!({"t_us": T, "camera_id": 1,
                "bbox": [0.0, 0.0, 10.0, 10.0], "class_id": 1, "score": 0.5}),
            "class_id",
            json!(99),
            99,
        ),
        set(
            Pending,
            "/buffer/rfid/0/antenna_id",
            json!(99),
            "reader 1 antenna 99",
        ),
        set(Pending, "/buffer/max_seen_us", json!(i64::MAX), i64::MAX),
        // --- the fusion queue, holds, hand-overs
        in_queue(
            Queued,
            "Interaction",
            1,
            interaction(),
            "item/Interaction/plates/0",
            json!(9),
            9,
        ),
        in_queue(
            Queued,
            "Interaction",
            1,
            interaction(),
            "item/Interaction/plates",
            json!([]),
            "[]",
        ),
        in_queue(
            Queued,
            "HoldExpiry",
            1,
            json!({"t_end_us": T, "plate": 0}),
            "item/HoldExpiry/plate",
            json!(4),
            4,
        ),
        in_queue(
            Queued,
            "HandOverCheck",
            3,
            json!({"window": T / 1_000_000}),
            "item/HandOverCheck/window",
            json!(i64::MAX),
            i64::MAX,
        ),
        in_queue(
            Late,
            "Gate",
            0,
            json!({"t_us": T, "gate_id": 2, "kind": "exit", "token": null}),
            "item/Gate/gate_id",
            json!(7),
            7,
        ),
        set(Queued, "/queue/0/key", json!(i64::MIN), i64::MIN),
        case(Queued, |v, bad| {
            let i = ensure(v, "/holds", any, interaction());
            if bad {
                *at(v, &format!("/holds/{i}/plates")) = json!([0, 4]);
            }
            (format!("holds[{i}].plates[1]"), "4".into())
        }),
        in_entry(
            Queued,
            "/holds",
            any,
            interaction(),
            "delta_g",
            json!(-1e13),
            -10_000_000_000_000i64,
        ),
        case(Queued, |v, bad| {
            let w = at(v, "/hand_over_windows").as_array_mut().unwrap();
            let i = w.len();
            if bad {
                w.push(json!(i64::MAX));
            }
            (format!("hand_over_windows[{i}]"), i64::MAX.to_string())
        }),
        in_entry(
            Queued,
            "/hand_overs",
            any,
            json!({"t_us": T, "sku": 1,
                "from_track": 1, "to_track": 2, "sightings": 2}),
            "sku",
            json!(4),
            4,
        ),
        // --- tracks and the tracker
        in_first(Pending, "/tracks/tracks", "hands/3/1", json!(4), 4),
        in_first(Pending, "/tracks/tracks", "sightings/0/1", json!(4), 4),
        set(Pending, "/tracks/tracks/77/id", json!(78), 78),
        set(
            Pending,
            "/tracks/tracks/77/history/0/0",
            json!(i64::MIN),
            i64::MIN,
        ),
        set(Pending, "/tracker/tracks/0/hits", json!(u32::MAX), u32::MAX),
        set(Pending, "/tracker/tracks/0/born_us", json!(0), 0),
        set(Pending, "/tracker/tracks/0/kf/accel_std", json!(3.0), 3),
        set_named(
            Pending,
            "/tracker/params/gate_chi2",
            json!(1.0),
            "tracker.params",
            "\"gate_chi2\":1.0".to_string(),
        ),
        set(
            Pending,
            "/tracker/exits",
            json!([[0.0, 0.0]]),
            "[[0.0,0.0]]".to_string(),
        ),
        set(Pending, "/trajectory_last/77", json!(i64::MIN), i64::MIN),
        // --- RFID
        in_first(Pending, "/rfid/present", "0", json!(2), 2),
        in_first(
            Pending,
            "/rfid/present",
            "1",
            json!(T0 + 40_000_000),
            T0 + 40_000_000,
        ),
        set(Pending, "/rfid/departures/0/antenna", json!(2), 2),
        set(Pending, "/rfid/departures/0/sku", json!(4), 4),
        set(Late, "/rfid/exit_reads/0/sku", json!(4), 4),
        set(Late, "/rfid/unknown_tags", json!(u64::MAX), u64::MAX),
        // --- carts, inventory
        case(Late, |v, bad| {
            let id = first_key(v, "/carts");
            if bad {
                let lines = at(v, &format!("/carts/{id}/lines"))
                    .as_object_mut()
                    .unwrap();
                let mut line = lines.remove("0").expect("a cola line");
                line["sku"] = json!(4);
                lines.insert("4".into(), line);
            }
            (format!("carts[{id}].lines[4].sku"), "4".into())
        }),
        in_first(Late, "/carts", "lines/0/sku", json!(1), 1),
        in_first(Late, "/carts", "lines/0/tags", json!([1, 2, 3]), 3),
        in_first(Late, "/carts", "lines/0/quantity", json!(0), 0),
        in_first(
            Late,
            "/carts",
            "lines/0/quantity",
            json!(u32::MAX),
            u32::MAX,
        ),
        in_first(Late, "/carts", "track_id", json!(5), 5),
        case(Late, |v, bad| {
            if bad {
                let counts = at(v, "/inventory/counts/2").as_object_mut().unwrap();
                counts.insert("7".into(), json!(1));
            }
            ("inventory.counts[2][7]".into(), "7".into())
        }),
        set(Late, "/inventory/counts/1/1", json!(u32::MAX), u32::MAX),
        case(Late, |v, bad| {
            if bad {
                at(v, "/inventory/counts").as_array_mut().unwrap().pop();
            }
            ("inventory.counts".into(), "3 entries".into())
        }),
        // --- results and counters
        set(Late, "/shelf_events/0/hypotheses/0/sku", json!(4), 4),
        set(Late, "/gate_log/0/t_us", json!(i64::MIN), i64::MIN),
        set(Done, "/receipts/0/exit_us", json!(i64::MAX), i64::MAX),
        set(Late, "/stats/weights/received", json!(u64::MAX), u64::MAX),
        set(Late, "/stats/hand_overs", json!(u64::MAX), u64::MAX),
    ]
}

fn state_error(bytes: &[u8]) -> Option<String> {
    match Engine::restore(bytes) {
        Ok(_) => None,
        Err(WalkoutError::State(m)) => Some(m),
        Err(other) => panic!("expected a state error, got {other:?}"),
    }
}

/// Every index, time and counter of the state that does not fit is refused, with its
/// path and value named; the same place holding a fitting value restores.
#[test]
fn edited_snapshots_that_do_not_fit_the_store_are_refused() {
    let bases: Vec<(Base, Value)> = Base::ALL.iter().map(|&b| (b, base(b.until_s()))).collect();
    for (b, v) in &bases {
        assert_eq!(
            state_error(&reseal(v)),
            None,
            "{b:?}: a real snapshot must restore"
        );
    }
    let mut failures = Vec::new();
    for (n, case) in cases().iter().enumerate() {
        let base = &bases.iter().find(|b| b.0 == case.base).expect("base").1;
        let mut ok = base.clone();
        let (path, got) = case.apply(&mut ok, false);
        let name = format!("case {n} ({path})");
        // Every base restores (checked below); a case that added a valid entry to edit
        // shows that this entry restores too.
        if ok != *base {
            if let Some(m) = state_error(&reseal(&ok)) {
                failures.push(format!("{name}: the unedited snapshot must restore: {m}"));
                continue;
            }
        }
        let mut edited = base.clone();
        case.apply(&mut edited, true);
        assert_ne!(edited, ok, "{name}: the edit changed nothing");
        match state_error(&reseal(&edited)) {
            None => failures.push(format!("{name}: an edit that does not fit was restored")),
            Some(m) => {
                let named = m.starts_with("snapshot cannot be restored: ")
                    && m.contains(&format!(", at `{path}`, got "))
                    && m.contains(&got);
                if !named {
                    failures.push(format!("{name}: {m}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The checks accept every real state: snapshots taken anywhere in the session (and
/// read and re-sealed through the test's JSON editing) restore and run on to the same
/// receipts as the engine they were taken of; the joined bases restore too, and run
/// on alike after another snapshot.
#[test]
fn real_snapshots_pass_the_checks_and_run_on_identically() {
    let references = engines(None);
    for b in [Base::Queued, Base::Pending, Base::Late] {
        for (e, reference) in engines(b.until_s()).iter().zip(&references) {
            let bytes = e.snapshot().expect("snapshot");
            let v = body(&bytes).expect("a snapshot");
            // Read and re-sealed as the cases do (objects come back with sorted keys).
            let mut restored = Engine::restore(&reseal(&v)).expect("a real snapshot restores");
            // Compared as values: `trajectory_last` is a hash map, whose order differs
            // between two engines.
            assert!(
                body(&restored.snapshot().expect("snapshot")) == Some(v),
                "{b:?}: editing is not exact"
            );
            restored.finish().expect("finish");
            assert_eq!(restored.receipts(), reference.receipts(), "{b:?}");
        }
        let joined = base(b.until_s());
        let mut restored = Engine::restore(&reseal(&joined)).expect("a joined base restores");
        let mut again = Engine::restore(&restored.snapshot().expect("snapshot")).expect("restore");
        for e in [&mut restored, &mut again] {
            e.finish().expect("finish");
        }
        assert_eq!(restored.receipts(), again.receipts(), "{b:?}");
    }
    for mut reference in references {
        reference
            .finish()
            .expect_err("finish twice is a state error");
        Engine::restore(&reference.snapshot().expect("snapshot")).expect("a finished engine");
    }
}

/// `price_cents * quantity` and the receipt's sum saturate instead of overflowing (a
/// panic in debug builds, a wrapped negative charge in release).
#[test]
fn receipt_totals_saturate() {
    let mut cfg = common::store();
    cfg.products[0].price_cents = 1_000_000_000_000;
    let store = StoreModel::new(cfg).expect("prices up to 10¹² cents are valid");
    let mut cart = Cart::new(7);
    cart.add(0, u32::MAX, 1.0, None);
    cart.add(1, 2, 1.0, None);
    let r = Receipt::from_cart(&store, &cart, None, T0, 0.5);
    assert_eq!(r.lines[0].total_cents, i64::MAX);
    assert_eq!(r.lines[1].total_cents, 200);
    assert_eq!(r.total_cents, i64::MAX);
}
