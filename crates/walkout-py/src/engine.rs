//! `walkout._core.Engine`: numpy batches in, result views out. Ingestion reads the
//! arrays in place (no copy when they are contiguous and of the right dtype) and every
//! call that does real work releases the GIL.

use std::collections::BTreeMap;

use numpy::ndarray::Dimension;
use numpy::{
    IntoPyArray, PyReadonlyArray, PyReadonlyArray1, PyReadonlyArray2, PyReadonlyArray3,
    PyUntypedArrayMethods,
};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use walkout_core::input::{EmbeddingRows, GateEventKind};
use walkout_core::Engine;

use crate::errors::{input_error, IntoPyResult};
use crate::results::{PyCart, PyGatePassage, PyHandOver, PyReceipt, PyShelfEvent, PyTrack};

fn slice<'a, T: numpy::Element>(
    arr: &'a PyReadonlyArray1<'_, T>,
    field: &str,
) -> PyResult<&'a [T]> {
    arr.as_slice().map_err(|_| {
        input_error(
            format!("`{field}` must be a contiguous 1-D array"),
            field,
            None,
            None,
        )
    })
}

/// The values of an array of shape `(N, *row)`, row after row, read in place: the
/// shape is checked here (the core sees only the flat values), and the array must be
/// C-contiguous (the Python layer makes it so).
fn rows_of<'a, T: numpy::Element, D: Dimension>(
    arr: &'a PyReadonlyArray<'_, T, D>,
    row: &[usize],
    field: &str,
) -> PyResult<&'a [T]> {
    if arr.shape().get(1..) != Some(row) {
        let want: Vec<String> = row.iter().map(usize::to_string).collect();
        return Err(input_error(
            format!(
                "`{field}` must have shape (N, {}) (got {:?})",
                want.join(", "),
                arr.shape()
            ),
            field,
            None,
            None,
        ));
    }
    arr.as_slice()
        .map_err(|_| input_error(format!("`{field}` must be C-contiguous"), field, None, None))
}

#[pyclass(module = "walkout._core", name = "Engine")]
pub struct PyEngine {
    inner: Engine,
}

#[pymethods]
impl PyEngine {
    /// Create an engine from store-config JSON (as `StoreConfig.to_core_json()` makes).
    #[new]
    fn new(py: Python<'_>, config_json: &str) -> PyResult<Self> {
        let inner = py.detach(|| Engine::from_json(config_json)).py_err()?;
        Ok(Self { inner })
    }

    fn ingest_weights(
        &mut self,
        py: Python<'_>,
        plate_id: PyReadonlyArray1<'_, u32>,
        t_us: PyReadonlyArray1<'_, i64>,
        grams: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<()> {
        let (p, t, g) = (
            slice(&plate_id, "weights.plate_id")?,
            slice(&t_us, "weights.t_us")?,
            slice(&grams, "weights.grams")?,
        );
        let engine = &mut self.inner;
        py.detach(|| engine.ingest_weights(p, t, g)).py_err()
    }

    fn ingest_positions(
        &mut self,
        py: Python<'_>,
        t_us: PyReadonlyArray1<'_, i64>,
        track_id: PyReadonlyArray1<'_, u32>,
        x: PyReadonlyArray1<'_, f64>,
        y: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<()> {
        let (t, id, xs, ys) = (
            slice(&t_us, "positions.t_us")?,
            slice(&track_id, "positions.track_id")?,
            slice(&x, "positions.x")?,
            slice(&y, "positions.y")?,
        );
        let engine = &mut self.inner;
        py.detach(|| engine.ingest_positions(t, id, xs, ys))
            .py_err()
    }

    fn ingest_gates(
        &mut self,
        py: Python<'_>,
        gate_id: PyReadonlyArray1<'_, u32>,
        t_us: PyReadonlyArray1<'_, i64>,
        kind: PyReadonlyArray1<'_, u8>,
        token: Vec<Option<String>>,
    ) -> PyResult<()> {
        let kinds = slice(&kind, "gates.kind")?
            .iter()
            .enumerate()
            .map(|(row, &k)| {
                GateEventKind::from_code(k).ok_or_else(|| {
                    input_error(
                        format!(
                            "input error in `gates.kind` at row {row}: expected 0 (enter) or 1 \
                             (exit) (got {k})"
                        ),
                        "gates.kind",
                        Some(row),
                        Some(k.to_string()),
                    )
                })
            })
            .collect::<PyResult<Vec<_>>>()?;
        let (g, t) = (
            slice(&gate_id, "gates.gate_id")?,
            slice(&t_us, "gates.t_us")?,
        );
        let engine = &mut self.inner;
        py.detach(|| engine.ingest_gates(g, t, &kinds, &token))
            .py_err()
    }

    #[pyo3(signature = (camera_id, t_us, bbox, score, keypoints=None, embedding=None))]
    #[allow(clippy::too_many_arguments)]
    fn ingest_person_detections(
        &mut self,
        py: Python<'_>,
        camera_id: PyReadonlyArray1<'_, u32>,
        t_us: PyReadonlyArray1<'_, i64>,
        bbox: PyReadonlyArray2<'_, f32>,
        score: PyReadonlyArray1<'_, f32>,
        keypoints: Option<PyReadonlyArray3<'_, f32>>,
        embedding: Option<PyReadonlyArray2<'_, f32>>,
    ) -> PyResult<()> {
        let b = rows_of(&bbox, &[4], "person_detections.bbox")?;
        let k = match &keypoints {
            Some(k) => Some(rows_of(k, &[17, 3], "person_detections.keypoints")?),
            None => None,
        };
        let (c, t, s) = (
            slice(&camera_id, "person_detections.camera_id")?,
            slice(&t_us, "person_detections.t_us")?,
            slice(&score, "person_detections.score")?,
        );
        let e = match &embedding {
            Some(e) => Some(EmbeddingRows {
                dim: e.shape()[1],
                values: e.as_slice().map_err(|_| {
                    input_error(
                        "`person_detections.embedding` must be C-contiguous".into(),
                        "person_detections.embedding",
                        None,
                        None,
                    )
                })?,
            }),
            None => None,
        };
        let engine = &mut self.inner;
        py.detach(|| engine.ingest_person_detections(c, t, b, s, k, e))
            .py_err()
    }

    fn ingest_thermal_blobs(
        &mut self,
        py: Python<'_>,
        camera_id: PyReadonlyArray1<'_, u32>,
        t_us: PyReadonlyArray1<'_, i64>,
        centroid: PyReadonlyArray2<'_, f32>,
        area_px: PyReadonlyArray1<'_, f32>,
        temperature_c: PyReadonlyArray1<'_, f32>,
    ) -> PyResult<()> {
        let xy = rows_of(&centroid, &[2], "thermal_blobs.centroid")?;
        let (c, t, a, temp) = (
            slice(&camera_id, "thermal_blobs.camera_id")?,
            slice(&t_us, "thermal_blobs.t_us")?,
            slice(&area_px, "thermal_blobs.area_px")?,
            slice(&temperature_c, "thermal_blobs.temperature_c")?,
        );
        let engine = &mut self.inner;
        py.detach(|| engine.ingest_thermal_blobs(c, t, xy, a, temp))
            .py_err()
    }

    fn ingest_product_detections(
        &mut self,
        py: Python<'_>,
        camera_id: PyReadonlyArray1<'_, u32>,
        t_us: PyReadonlyArray1<'_, i64>,
        bbox: PyReadonlyArray2<'_, f32>,
        class_id: PyReadonlyArray1<'_, u32>,
        score: PyReadonlyArray1<'_, f32>,
    ) -> PyResult<()> {
        let b = rows_of(&bbox, &[4], "product_detections.bbox")?;
        let (c, t, k, s) = (
            slice(&camera_id, "product_detections.camera_id")?,
            slice(&t_us, "product_detections.t_us")?,
            slice(&class_id, "product_detections.class_id")?,
            slice(&score, "product_detections.score")?,
        );
        let engine = &mut self.inner;
        py.detach(|| engine.ingest_product_detections(c, t, b, k, s))
            .py_err()
    }

    // One argument per column of the RFID batch: the Python signature is the contract.
    #[allow(clippy::too_many_arguments)]
    fn ingest_rfid_reads(
        &mut self,
        py: Python<'_>,
        reader_id: PyReadonlyArray1<'_, u32>,
        antenna_id: PyReadonlyArray1<'_, u32>,
        t_us: PyReadonlyArray1<'_, i64>,
        epc_hi: PyReadonlyArray1<'_, u64>,
        epc_lo: PyReadonlyArray1<'_, u64>,
        rssi_dbm: PyReadonlyArray1<'_, f32>,
    ) -> PyResult<()> {
        let (r, a, t, hi, lo, rssi) = (
            slice(&reader_id, "rfid_reads.reader_id")?,
            slice(&antenna_id, "rfid_reads.antenna_id")?,
            slice(&t_us, "rfid_reads.t_us")?,
            slice(&epc_hi, "rfid_reads.epc_hi")?,
            slice(&epc_lo, "rfid_reads.epc_lo")?,
            slice(&rssi_dbm, "rfid_reads.rssi_dbm")?,
        );
        let engine = &mut self.inner;
        py.detach(|| engine.ingest_rfid_reads(r, a, t, hi, lo, rssi))
            .py_err()
    }

    /// Keep a decimated log of track positions at `hz` (0 turns it off).
    fn set_trajectory_log(&mut self, hz: f64) {
        self.inner.set_trajectory_log(hz);
    }

    /// The trajectory log as columns `{t_us, track_id, x, y}`.
    fn trajectories<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let log = self.inner.trajectories();
        let d = PyDict::new(py);
        d.set_item(
            "t_us",
            log.iter()
                .map(|r| r.t_us)
                .collect::<Vec<_>>()
                .into_pyarray(py),
        )?;
        d.set_item(
            "track_id",
            log.iter()
                .map(|r| r.track_id)
                .collect::<Vec<_>>()
                .into_pyarray(py),
        )?;
        d.set_item(
            "x",
            log.iter().map(|r| r.x).collect::<Vec<_>>().into_pyarray(py),
        )?;
        d.set_item(
            "y",
            log.iter().map(|r| r.y).collect::<Vec<_>>().into_pyarray(py),
        )?;
        Ok(d)
    }

    /// The engine's whole state as bytes (a checkpoint).
    fn snapshot<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let engine = &self.inner;
        let bytes = py.detach(|| engine.snapshot()).py_err()?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// An engine in the state a snapshot captured.
    #[staticmethod]
    fn restore(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        let inner = py.detach(|| Engine::restore(data)).py_err()?;
        Ok(Self { inner })
    }

    /// The store config this engine runs on, as core JSON.
    fn config_json(&self) -> String {
        self.inner.store().config.to_json()
    }

    #[pyo3(signature = (until_us=None))]
    fn step(&mut self, py: Python<'_>, until_us: Option<i64>) -> PyResult<()> {
        let engine = &mut self.inner;
        py.detach(|| engine.step(until_us)).py_err()
    }

    fn finish(&mut self, py: Python<'_>) -> PyResult<()> {
        let engine = &mut self.inner;
        py.detach(|| engine.finish()).py_err()
    }

    #[getter]
    fn watermark_us(&self) -> Option<i64> {
        self.inner.watermark()
    }

    #[getter]
    fn finished(&self) -> bool {
        self.inner.is_finished()
    }

    fn receipts(&self) -> Vec<PyReceipt> {
        self.inner.receipts().iter().map(PyReceipt::from).collect()
    }

    fn shelf_events(&self) -> Vec<PyShelfEvent> {
        let store = self.inner.store();
        self.inner
            .shelf_events()
            .iter()
            .map(|e| PyShelfEvent::new(store, e))
            .collect()
    }

    fn carts(&self) -> Vec<PyCart> {
        let store = self.inner.store();
        self.inner.carts().map(|c| PyCart::new(store, c)).collect()
    }

    fn tracks(&self) -> Vec<PyTrack> {
        self.inner.tracks().map(PyTrack::from).collect()
    }

    fn hand_overs(&self) -> Vec<PyHandOver> {
        let store = self.inner.store();
        self.inner
            .hand_overs()
            .iter()
            .map(|h| PyHandOver::new(store, h))
            .collect()
    }

    fn gate_passages(&self) -> Vec<PyGatePassage> {
        self.inner
            .gate_passages()
            .iter()
            .map(PyGatePassage::from)
            .collect()
    }

    /// `{plate_id: {sku: count}}` as the engine believes the shelves are now.
    fn inventory(&self) -> BTreeMap<u32, BTreeMap<String, u32>> {
        let store = self.inner.store();
        self.inner
            .inventory()
            .plates()
            .map(|(pi, counts)| {
                let skus = counts
                    .iter()
                    .filter(|(_, &c)| c > 0)
                    .map(|(&s, &c)| (store.product(s).sku.clone(), c))
                    .collect();
                (store.plates[pi].id, skus)
            })
            .collect()
    }

    /// Health counters: events received, late, duplicated, processed per modality, and
    /// the pipeline's progress.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.inner.stats();
        let d = PyDict::new(py);
        for (name, c) in [
            ("weights", s.weights),
            ("positions", s.positions),
            ("gates", s.gates),
            ("person_detections", s.person_detections),
            ("thermal_blobs", s.thermal_blobs),
            ("product_detections", s.product_detections),
            ("rfid_reads", s.rfid_reads),
        ] {
            let m = PyDict::new(py);
            m.set_item("received", c.received)?;
            m.set_item("late", c.late)?;
            m.set_item("duplicates", c.duplicates)?;
            m.set_item("processed", c.processed)?;
            d.set_item(name, m)?;
        }
        d.set_item("processed_until_us", s.processed_until_us)?;
        d.set_item("watermark_us", s.watermark_us)?;
        d.set_item("shelf_events", s.shelf_events)?;
        d.set_item("unassigned_shelf_events", s.unassigned_shelf_events)?;
        d.set_item("unmatched_gate_events", s.unmatched_gate_events)?;
        d.set_item("hand_overs", s.hand_overs)?;
        d.set_item("open_carts", s.open_carts)?;
        d.set_item("receipts", s.receipts)?;
        Ok(d)
    }
}
