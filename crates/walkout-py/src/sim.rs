//! `walkout._core.simulate` and `walkout._core.scenarios`: the simulator's sessions as
//! numpy columns, ready for `walkout.session.Session` (see its docstring for every
//! table and column).

use numpy::{IntoPyArray, PyArrayMethods};
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

fn col<T>(v: &[T], f: impl Fn(&T) -> f32) -> Vec<f32> {
    v.iter().map(f).collect()
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
    w.set_item("plate_id", s.weights.plate_id.into_pyarray(py))?;
    w.set_item("t_us", s.weights.t_us.into_pyarray(py))?;
    w.set_item("grams", s.weights.grams.into_pyarray(py))?;
    out.set_item("weights", w)?;

    let p = PyDict::new(py);
    p.set_item("t_us", s.positions.t_us.into_pyarray(py))?;
    p.set_item("track_id", s.positions.track_id.into_pyarray(py))?;
    p.set_item("x", s.positions.x.into_pyarray(py))?;
    p.set_item("y", s.positions.y.into_pyarray(py))?;
    out.set_item("positions", p)?;

    let g = PyDict::new(py);
    g.set_item("gate_id", s.gates.gate_id.into_pyarray(py))?;
    g.set_item("t_us", s.gates.t_us.into_pyarray(py))?;
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
        d.set_item(name, col(bbox, |b| b[k]).into_pyarray(py))?;
    }
    Ok(())
}

fn person_detections(py: Python<'_>, d: PersonDetectionBatch) -> PyResult<Dict<'_>> {
    let n = d.len();
    let out = PyDict::new(py);
    bbox_columns(py, &out, &d.bbox)?;
    out.set_item("camera_id", d.camera_id.into_pyarray(py))?;
    out.set_item("t_us", d.t_us.into_pyarray(py))?;
    out.set_item("score", d.score.into_pyarray(py))?;
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
    out.set_item("camera_id", d.camera_id.into_pyarray(py))?;
    out.set_item("t_us", d.t_us.into_pyarray(py))?;
    out.set_item("class_id", d.class_id.into_pyarray(py))?;
    out.set_item("score", d.score.into_pyarray(py))?;
    Ok(out)
}

fn thermal_blobs(py: Python<'_>, b: ThermalBlobBatch) -> PyResult<Dict<'_>> {
    let out = PyDict::new(py);
    out.set_item("cx", col(&b.centroid, |c| c[0]).into_pyarray(py))?;
    out.set_item("cy", col(&b.centroid, |c| c[1]).into_pyarray(py))?;
    out.set_item("camera_id", b.camera_id.into_pyarray(py))?;
    out.set_item("t_us", b.t_us.into_pyarray(py))?;
    out.set_item("area_px", b.area_px.into_pyarray(py))?;
    out.set_item("temperature_c", b.temperature_c.into_pyarray(py))?;
    Ok(out)
}

fn rfid_reads(py: Python<'_>, r: RfidReadBatch) -> PyResult<Dict<'_>> {
    let out = PyDict::new(py);
    out.set_item(
        "epc",
        r.epc.iter().map(|&e| epc_to_hex(e)).collect::<Vec<_>>(),
    )?;
    out.set_item("reader_id", r.reader_id.into_pyarray(py))?;
    out.set_item("antenna_id", r.antenna_id.into_pyarray(py))?;
    out.set_item("t_us", r.t_us.into_pyarray(py))?;
    out.set_item("rssi_dbm", r.rssi_dbm.into_pyarray(py))?;
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
    traj.set_item("t_us", tr.t_us.into_pyarray(py))?;
    traj.set_item("shopper", tr.shopper.into_pyarray(py))?;
    traj.set_item("x", tr.x.into_pyarray(py))?;
    traj.set_item("y", tr.y.into_pyarray(py))?;
    truth.set_item("trajectories", traj)?;

    let pb = t.person_boxes;
    let boxes = PyDict::new(py);
    boxes.set_item("camera_id", pb.camera_id.into_pyarray(py))?;
    boxes.set_item("t_us", pb.t_us.into_pyarray(py))?;
    boxes.set_item("shopper", pb.shopper.into_pyarray(py))?;
    bbox_columns(py, &boxes, &pb.bbox)?;
    boxes.set_item("visible", pb.visible.into_pyarray(py))?;
    truth.set_item("person_boxes", boxes)?;

    let a = &t.actions;
    let actions = PyDict::new(py);
    let ints = |f: &dyn Fn(&walkout_sim::TrueAction) -> i64| a.iter().map(f).collect::<Vec<_>>();
    actions.set_item("shopper", a.iter().map(|x| x.shopper).collect::<Vec<_>>())?;
    actions.set_item(
        "kind",
        a.iter().map(|x| x.kind.as_str()).collect::<Vec<_>>(),
    )?;
    actions.set_item(
        "plate_id",
        ints(&|x| or_minus_one(x.plate_id)).into_pyarray(py),
    )?;
    actions.set_item("sku", a.iter().map(|x| x.sku.clone()).collect::<Vec<_>>())?;
    actions.set_item("quantity", a.iter().map(|x| x.quantity).collect::<Vec<_>>())?;
    actions.set_item(
        "t_start_us",
        a.iter().map(|x| x.t_start_us).collect::<Vec<_>>(),
    )?;
    actions.set_item("t_end_us", a.iter().map(|x| x.t_end_us).collect::<Vec<_>>())?;
    actions.set_item("grams", a.iter().map(|x| x.grams_moved).collect::<Vec<_>>())?;
    actions.set_item(
        "receiver",
        ints(&|x| or_minus_one(x.receiver)).into_pyarray(py),
    )?;
    actions.set_item(
        "confusion",
        a.iter()
            .map(|x| x.confusion.map_or("", |c| c.as_str()))
            .collect::<Vec<_>>(),
    )?;
    truth.set_item("actions", actions)?;

    let sh = &t.shoppers;
    let shoppers = PyDict::new(py);
    shoppers.set_item("shopper", sh.iter().map(|x| x.shopper).collect::<Vec<_>>())?;
    shoppers.set_item(
        "track_id",
        sh.iter().map(|x| x.track_id).collect::<Vec<_>>(),
    )?;
    shoppers.set_item(
        "token",
        sh.iter().map(|x| x.token.clone()).collect::<Vec<_>>(),
    )?;
    shoppers.set_item(
        "enter_us",
        sh.iter().map(|x| x.enter_us).collect::<Vec<_>>(),
    )?;
    shoppers.set_item("exit_us", sh.iter().map(|x| x.exit_us).collect::<Vec<_>>())?;
    shoppers.set_item(
        "height_m",
        sh.iter()
            .map(|x| x.height_m)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    shoppers.set_item(
        "shoulder_m",
        sh.iter()
            .map(|x| x.shoulder_m)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
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
    carts.set_item(
        "t_us",
        cc.iter()
            .map(|c| c.t_us)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    carts.set_item(
        "shopper",
        cc.iter()
            .map(|c| c.shopper)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    carts.set_item("sku", cc.iter().map(|c| c.sku.clone()).collect::<Vec<_>>())?;
    carts.set_item(
        "delta",
        cc.iter()
            .map(|c| c.delta)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    carts.set_item(
        "quantity",
        cc.iter()
            .map(|c| c.quantity)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    carts.set_item(
        "cause",
        cc.iter().map(|c| c.cause.as_str()).collect::<Vec<_>>(),
    )?;
    truth.set_item("cart_changes", carts)?;

    truth.set_item("final_stock", stock_table(py, &t.final_stock)?)?;
    truth.set_item("misplaced", stock_table(py, &t.misplaced)?)?;

    let ds = &t.disturbances;
    let dist = PyDict::new(py);
    dist.set_item(
        "kind",
        ds.iter().map(|d| d.kind.as_str()).collect::<Vec<_>>(),
    )?;
    dist.set_item(
        "sensor_id",
        ds.iter()
            .map(|d| d.sensor_id)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    dist.set_item(
        "shopper",
        ds.iter()
            .map(|d| or_minus_one(d.shopper))
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    dist.set_item(
        "t_start_us",
        ds.iter()
            .map(|d| d.t_start_us)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    dist.set_item(
        "t_end_us",
        ds.iter()
            .map(|d| d.t_end_us)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    truth.set_item("disturbances", dist)?;

    let tags = PyDict::new(py);
    tags.set_item(
        "epc",
        t.tags.iter().map(|x| epc_to_hex(x.epc)).collect::<Vec<_>>(),
    )?;
    tags.set_item(
        "sku",
        t.tags.iter().map(|x| x.sku.clone()).collect::<Vec<_>>(),
    )?;
    tags.set_item(
        "serial",
        t.tags
            .iter()
            .map(|x| x.serial)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    tags.set_item(
        "plate_id",
        t.tags
            .iter()
            .map(|x| x.plate_id)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    truth.set_item("tags", tags)?;
    Ok(truth)
}

fn stock_table<'py>(py: Python<'py>, rows: &[(u32, String, u32)]) -> PyResult<Dict<'py>> {
    let d = PyDict::new(py);
    d.set_item(
        "plate_id",
        rows.iter()
            .map(|x| x.0)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    d.set_item("sku", rows.iter().map(|x| x.1.clone()).collect::<Vec<_>>())?;
    d.set_item(
        "count",
        rows.iter()
            .map(|x| x.2)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    Ok(d)
}
