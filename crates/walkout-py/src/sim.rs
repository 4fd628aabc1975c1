//! `walkout._core.simulate` and `walkout._core.scenarios`: the simulator's sessions as
//! numpy columns, ready for `walkout.session.Session` (see its docstring for every
//! table and column).

use numpy::{Element, IntoPyArray, PyArray1, PyArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use walkout_core::epc::epc_to_hex;
use walkout_core::input::{
    GateEventKind, PersonDetectionBatch, ProductDetectionBatch, RfidReadBatch, ThermalBlobBatch,
};
use walkout_core::StoreConfig;
use walkout_sim::{GroundTruth, SimOptions, SimSession};

use crate::errors::{ConfigError, IntoPyResult};

/// Describe the built-in scenarios: a list of `{name, tier, description, store,
/// duration_s, faults}`.
#[pyfunction]
pub fn scenarios(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let out = PyList::empty(py);
    for s in walkout_sim::scenarios() {
        let d = PyDict::new(py);
        d.set_item("name", s.name)?;
        d.set_item("tier", s.tier)?;
        d.set_item("description", s.description)?;
        d.set_item("store", s.store)?;
        d.set_item("duration_s", s.duration_s)?;
        d.set_item("faults", s.faults.names())?;
        out.append(d)?;
    }
    Ok(out)
}

/// Simulate `scenario` in the store `config_json` with `seed` (and, for open-ended
/// scenarios, `duration_s`); returns a dict with `meta`, the sensor columns (`weights`,
/// `positions`, `gates`, `person_detections`, `product_detections`, `thermal_blobs`,
/// `rfid_reads`) and `truth` tables.
#[pyfunction]
#[pyo3(signature = (config_json, scenario, seed, duration_s=None))]
pub fn simulate<'py>(
    py: Python<'py>,
    config_json: &str,
    scenario: &str,
    seed: u64,
    duration_s: Option<f64>,
) -> PyResult<Bound<'py, PyDict>> {
    let config = StoreConfig::from_json(config_json).py_err()?;
    let options = SimOptions {
        duration_s,
        ..SimOptions::default()
    };
    let s = py
        .detach(|| walkout_sim::simulate_with(&config, scenario, seed, &options))
        .map_err(|e| ConfigError::new_err(e.to_string()))?;
    session_dict(py, s)
}

type Dict<'py> = Bound<'py, PyDict>;

/// One numpy column: `f` of each row.
fn array_of<'py, R, T: Element>(
    py: Python<'py>,
    rows: &[R],
    f: impl Fn(&R) -> T,
) -> Bound<'py, PyArray1<T>> {
    rows.iter().map(f).collect::<Vec<_>>().into_pyarray(py)
}

/// One column as a Python list: `f` of each row.
fn list_of<R, T>(rows: &[R], f: impl Fn(&R) -> T) -> Vec<T> {
    rows.iter().map(f).collect()
}

/// Move each named field of a batch into `dict` as the numpy column of that name.
macro_rules! set_arrays {
    ($py:expr, $dict:expr, $batch:expr, [$($field:ident),+ $(,)?]) => {
        $($dict.set_item(stringify!($field), $batch.$field.into_pyarray($py))?;)+
    };
}

fn session_dict(py: Python<'_>, s: SimSession) -> PyResult<Dict<'_>> {
    let out = PyDict::new(py);
    let meta = PyDict::new(py);
    meta.set_item("scenario", &s.scenario)?;
    meta.set_item("seed", s.seed)?;
    meta.set_item("start_us", s.start_us)?;
    meta.set_item("end_us", s.end_us)?;
    out.set_item("meta", meta)?;

    let w = PyDict::new(py);
    set_arrays!(py, w, s.weights, [plate_id, t_us, grams]);
    out.set_item("weights", w)?;

    let p = PyDict::new(py);
    set_arrays!(py, p, s.positions, [t_us, track_id, x, y]);
    out.set_item("positions", p)?;

    let g = PyDict::new(py);
    set_arrays!(py, g, s.gates, [gate_id, t_us]);
    let kinds: Vec<&str> = s
        .gates
        .kind
        .iter()
        .map(|k| match k {
            GateEventKind::Enter => "enter",
            GateEventKind::Exit => "exit",
        })
        .collect();
    g.set_item("kind", kinds)?;
    g.set_item("token", s.gates.token)?;
    out.set_item("gates", g)?;

    out.set_item(
        "person_detections",
        person_detections(py, s.person_detections)?,
    )?;
    out.set_item(
        "product_detections",
        product_detections(py, s.product_detections)?,
    )?;
    out.set_item("thermal_blobs", thermal_blobs(py, s.thermal_blobs)?)?;
    out.set_item("rfid_reads", rfid_reads(py, s.rfid_reads)?)?;
    out.set_item("truth", truth(py, s.truth)?)?;
    Ok(out)
}

fn bbox_columns(py: Python<'_>, d: &Dict<'_>, bbox: &[[f32; 4]]) -> PyResult<()> {
    for (k, name) in ["x1", "y1", "x2", "y2"].into_iter().enumerate() {
        d.set_item(name, array_of(py, bbox, |b| b[k]))?;
    }
    Ok(())
}

fn person_detections(py: Python<'_>, d: PersonDetectionBatch) -> PyResult<Dict<'_>> {
    let n = d.len();
    let out = PyDict::new(py);
    bbox_columns(py, &out, &d.bbox)?;
    set_arrays!(py, out, d, [camera_id, t_us, score]);
    let flat: Vec<f32> = d.keypoints.iter().flatten().flatten().copied().collect();
    let kps = flat.into_pyarray(py).reshape([n, 17, 3])?;
    out.set_item("keypoints", kps)?;
    if n > 0 && !d.embedding.is_empty() {
        let dim = d.embedding.len() / n;
        out.set_item("embedding", d.embedding.into_pyarray(py).reshape([n, dim])?)?;
    }
    Ok(out)
}

fn product_detections(py: Python<'_>, d: ProductDetectionBatch) -> PyResult<Dict<'_>> {
    let out = PyDict::new(py);
    bbox_columns(py, &out, &d.bbox)?;
    set_arrays!(py, out, d, [camera_id, t_us, class_id, score]);
    Ok(out)
}

fn thermal_blobs(py: Python<'_>, b: ThermalBlobBatch) -> PyResult<Dict<'_>> {
    let out = PyDict::new(py);
    out.set_item("cx", array_of(py, &b.centroid, |c| c[0]))?;
    out.set_item("cy", array_of(py, &b.centroid, |c| c[1]))?;
    set_arrays!(py, out, b, [camera_id, t_us, area_px, temperature_c]);
    Ok(out)
}

fn rfid_reads(py: Python<'_>, r: RfidReadBatch) -> PyResult<Dict<'_>> {
    let out = PyDict::new(py);
    out.set_item("epc", list_of(&r.epc, |&e| epc_to_hex(e)))?;
    set_arrays!(py, out, r, [reader_id, antenna_id, t_us, rssi_dbm]);
    Ok(out)
}

/// -1 where there is none: numpy integer columns have no null.
fn or_minus_one(v: Option<u32>) -> i64 {
    v.map_or(-1, i64::from)
}

fn truth(py: Python<'_>, t: GroundTruth) -> PyResult<Dict<'_>> {
    let truth = PyDict::new(py);
    let tr = t.trajectories;
    let traj = PyDict::new(py);
    set_arrays!(py, traj, tr, [t_us, shopper, x, y]);
    truth.set_item("trajectories", traj)?;

    let pb = t.person_boxes;
    let boxes = PyDict::new(py);
    set_arrays!(py, boxes, pb, [camera_id, t_us, shopper]);
    bbox_columns(py, &boxes, &pb.bbox)?;
    set_arrays!(py, boxes, pb, [visible]);
    truth.set_item("person_boxes", boxes)?;

    let a = &t.actions;
    let actions = PyDict::new(py);
    actions.set_item("shopper", list_of(a, |x| x.shopper))?;
    actions.set_item("kind", list_of(a, |x| x.kind.as_str()))?;
    actions.set_item("plate_id", array_of(py, a, |x| or_minus_one(x.plate_id)))?;
    actions.set_item("sku", list_of(a, |x| x.sku.clone()))?;
    actions.set_item("quantity", list_of(a, |x| x.quantity))?;
    actions.set_item("t_start_us", list_of(a, |x| x.t_start_us))?;
    actions.set_item("t_end_us", list_of(a, |x| x.t_end_us))?;
    actions.set_item("grams", list_of(a, |x| x.grams_moved))?;
    actions.set_item("receiver", array_of(py, a, |x| or_minus_one(x.receiver)))?;
    actions.set_item(
        "confusion",
        list_of(a, |x| x.confusion.map_or("", |c| c.as_str())),
    )?;
    truth.set_item("actions", actions)?;

    let sh = &t.shoppers;
    let shoppers = PyDict::new(py);
    shoppers.set_item("shopper", list_of(sh, |x| x.shopper))?;
    shoppers.set_item("track_id", list_of(sh, |x| x.track_id))?;
    shoppers.set_item("token", list_of(sh, |x| x.token.clone()))?;
    shoppers.set_item("enter_us", list_of(sh, |x| x.enter_us))?;
    shoppers.set_item("exit_us", list_of(sh, |x| x.exit_us))?;
    shoppers.set_item("height_m", array_of(py, sh, |x| x.height_m))?;
    shoppers.set_item("shoulder_m", array_of(py, sh, |x| x.shoulder_m))?;
    truth.set_item("shoppers", shoppers)?;

    // Receipts flattened to one row per (shopper, sku).
    let (mut rs, mut rt, mut rtok, mut rsku, mut rq) = (vec![], vec![], vec![], vec![], vec![]);
    for r in &t.receipts {
        for (sku, q) in &r.lines {
            rs.push(r.shopper);
            rt.push(r.track_id);
            rtok.push(r.token.clone());
            rsku.push(sku.clone());
            rq.push(*q);
        }
    }
    let receipts = PyDict::new(py);
    receipts.set_item("shopper", rs.into_pyarray(py))?;
    receipts.set_item("track_id", rt.into_pyarray(py))?;
    receipts.set_item("token", rtok)?;
    receipts.set_item("sku", rsku)?;
    receipts.set_item("quantity", rq.into_pyarray(py))?;
    truth.set_item("receipts", receipts)?;

    let cc = &t.cart_changes;
    let carts = PyDict::new(py);
    carts.set_item("t_us", array_of(py, cc, |c| c.t_us))?;
    carts.set_item("shopper", array_of(py, cc, |c| c.shopper))?;
    carts.set_item("sku", list_of(cc, |c| c.sku.clone()))?;
    carts.set_item("delta", array_of(py, cc, |c| c.delta))?;
    carts.set_item("quantity", array_of(py, cc, |c| c.quantity))?;
    carts.set_item("cause", list_of(cc, |c| c.cause.as_str()))?;
    truth.set_item("cart_changes", carts)?;

    truth.set_item("final_stock", stock_table(py, &t.final_stock)?)?;
    truth.set_item("misplaced", stock_table(py, &t.misplaced)?)?;

    let ds = &t.disturbances;
    let dist = PyDict::new(py);
    dist.set_item("kind", list_of(ds, |d| d.kind.as_str()))?;
    dist.set_item("sensor_id", array_of(py, ds, |d| d.sensor_id))?;
    dist.set_item("shopper", array_of(py, ds, |d| or_minus_one(d.shopper)))?;
    dist.set_item("t_start_us", array_of(py, ds, |d| d.t_start_us))?;
    dist.set_item("t_end_us", array_of(py, ds, |d| d.t_end_us))?;
    truth.set_item("disturbances", dist)?;

    let tags = PyDict::new(py);
    tags.set_item("epc", list_of(&t.tags, |x| epc_to_hex(x.epc)))?;
    tags.set_item("sku", list_of(&t.tags, |x| x.sku.clone()))?;
    tags.set_item("serial", array_of(py, &t.tags, |x| x.serial))?;
    tags.set_item("plate_id", array_of(py, &t.tags, |x| x.plate_id))?;
    truth.set_item("tags", tags)?;
    Ok(truth)
}

fn stock_table<'py>(py: Python<'py>, rows: &[(u32, String, u32)]) -> PyResult<Dict<'py>> {
    let d = PyDict::new(py);
    d.set_item("plate_id", array_of(py, rows, |x| x.0))?;
    d.set_item("sku", list_of(rows, |x| x.1.clone()))?;
    d.set_item("count", array_of(py, rows, |x| x.2))?;
    Ok(d)
}
