//! PyO3 bindings of walkout, built by maturin as `walkout._core`. Bindings only: every
//! piece of logic lives in `walkout-core` or `walkout-sim`.

use pyo3::prelude::*;

mod engine;
mod errors;
mod results;
mod sim;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    // The keypoint order of person detections, from the core (one list for both sides).
    m.add(
        "COCO_KEYPOINTS",
        pyo3::types::PyTuple::new(m.py(), walkout_core::input::COCO_KEYPOINTS)?,
    )?;
    m.add_function(wrap_pyfunction!(sim::simulate, m)?)?;
    m.add_function(wrap_pyfunction!(sim::scenarios, m)?)?;
    m.add_class::<engine::PyEngine>()?;
    m.add_class::<results::PyReceipt>()?;
    m.add_class::<results::PyReceiptLine>()?;
    m.add_class::<results::PyCart>()?;
    m.add_class::<results::PyCartLine>()?;
    m.add_class::<results::PyShelfEvent>()?;
    m.add_class::<results::PyHypothesis>()?;
    m.add_class::<results::PyShopperScore>()?;
    m.add_class::<results::PyTrack>()?;
    m.add_class::<results::PyGatePassage>()?;
    m.add_class::<results::PyHandOver>()?;
    Ok(())
}
