//! `walkout._core.simulate` and `walkout._core.scenarios`: the simulator's sessions as
//! numpy columns, ready for `walkout.session.Session`.

use numpy::IntoPyArray;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use walkout_core::input::GateEventKind;
use walkout_core::StoreConfig;
use walkout_sim::ActionKind;

use crate::errors::{ConfigError, IntoPyResult};

/// Describe the built-in scenarios: a list of `{name, tier, description}`.
#[pyfunction]
pub fn scenarios(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let out = PyList::empty(py);
    for s in walkout_sim::scenarios() {
        let d = PyDict::new(py);
        d.set_item("name", s.name)?;
        d.set_item("tier", s.tier)?;
        d.set_item("description", s.description)?;
        out.append(d)?;
    }
    Ok(out)
}

/// Simulate `scenario` in the store `config_json` with `seed`; returns a dict with
/// `meta`, the sensor columns (`weights`, `positions`, `gates`) and `truth` tables.
#[pyfunction]
pub fn simulate<'py>(
    py: Python<'py>,
    config_json: &str,
    scenario: &str,
    seed: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let config = StoreConfig::from_json(config_json).py_err()?;
    let s = py
        .detach(|| walkout_sim::simulate(&config, scenario, seed))
        .map_err(|e| ConfigError::new_err(e.to_string()))?;

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

    let truth = PyDict::new(py);
    let tr = s.truth.trajectories;
    let traj = PyDict::new(py);
    traj.set_item("t_us", tr.t_us.into_pyarray(py))?;
    traj.set_item("shopper", tr.shopper.into_pyarray(py))?;
    traj.set_item("x", tr.x.into_pyarray(py))?;
    traj.set_item("y", tr.y.into_pyarray(py))?;
    truth.set_item("trajectories", traj)?;

    let a = &s.truth.actions;
    let actions = PyDict::new(py);
    actions.set_item("shopper", a.iter().map(|x| x.shopper).collect::<Vec<_>>())?;
    actions.set_item(
        "kind",
        a.iter()
            .map(|x| match x.kind {
                ActionKind::Pick => "pick",
                ActionKind::PutBack => "put_back",
            })
            .collect::<Vec<_>>(),
    )?;
    actions.set_item("plate_id", a.iter().map(|x| x.plate_id).collect::<Vec<_>>())?;
    actions.set_item("sku", a.iter().map(|x| x.sku.clone()).collect::<Vec<_>>())?;
    actions.set_item("quantity", a.iter().map(|x| x.quantity).collect::<Vec<_>>())?;
    actions.set_item(
        "t_start_us",
        a.iter().map(|x| x.t_start_us).collect::<Vec<_>>(),
    )?;
    actions.set_item("t_end_us", a.iter().map(|x| x.t_end_us).collect::<Vec<_>>())?;
    actions.set_item("grams", a.iter().map(|x| x.grams_moved).collect::<Vec<_>>())?;
    truth.set_item("actions", actions)?;

    let sh = &s.truth.shoppers;
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
    truth.set_item("shoppers", shoppers)?;

    // Receipts flattened to one row per (shopper, sku).
    let (mut rs, mut rt, mut rtok, mut rsku, mut rq) = (vec![], vec![], vec![], vec![], vec![]);
    for r in &s.truth.receipts {
        for (sku, q) in &r.lines {
            rs.push(r.shopper);
            rt.push(r.track_id);
            rtok.push(r.token.clone());
            rsku.push(sku.clone());
            rq.push(*q);
        }
    }
    let receipts = PyDict::new(py);
    receipts.set_item("shopper", rs)?;
    receipts.set_item("track_id", rt)?;
    receipts.set_item("token", rtok)?;
    receipts.set_item("sku", rsku)?;
    receipts.set_item("quantity", rq)?;
    truth.set_item("receipts", receipts)?;

    let fs = &s.truth.final_stock;
    let stock = PyDict::new(py);
    stock.set_item("plate_id", fs.iter().map(|x| x.0).collect::<Vec<_>>())?;
    stock.set_item("sku", fs.iter().map(|x| x.1.clone()).collect::<Vec<_>>())?;
    stock.set_item("count", fs.iter().map(|x| x.2).collect::<Vec<_>>())?;
    truth.set_item("final_stock", stock)?;

    out.set_item("truth", truth)?;
    Ok(out)
}
