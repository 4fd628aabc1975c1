//! Core errors become the Python exceptions of `walkout.errors`, so Python callers catch
//! one hierarchy whether a problem was found in Python or in Rust.

use pyo3::prelude::*;
use pyo3::types::PyDict;
use walkout_core::WalkoutError;

pyo3::import_exception!(walkout.errors, ConfigError);
pyo3::import_exception!(walkout.errors, InputError);
pyo3::import_exception!(walkout.errors, StateError);

pub fn to_py(err: WalkoutError) -> PyErr {
    let msg = err.to_string();
    match err {
        WalkoutError::Config {
            path,
            value,
            message,
        } => Python::attach(|py| {
            // Same shape as pydantic-side errors: `.details` lists (path, value, message).
            let detail = py
                .import("walkout.errors")
                .and_then(|m| m.getattr("ErrorDetail"))
                .and_then(|cls| cls.call1((path, value, message)));
            match detail {
                Ok(d) => ConfigError::new_err((msg, vec![d.unbind()])),
                Err(e) => e,
            }
        }),
        WalkoutError::Parse(_) => ConfigError::new_err(msg),
        WalkoutError::Input {
            field, row, value, ..
        } => input_error(msg, &field, Some(row), Some(value)),
        WalkoutError::State(_) => StateError::new_err(msg),
    }
}

/// An `InputError` structured like the Python side's: `.field` (the whole input name,
/// such as `weights.plate_id`), `.row` and `.value` (`None` where the problem is the
/// whole column).
pub fn input_error(
    message: String,
    field: &str,
    row: Option<usize>,
    value: Option<String>,
) -> PyErr {
    Python::attach(|py| {
        let kwargs = PyDict::new(py);
        let made = kwargs
            .set_item("field", field)
            .and_then(|()| kwargs.set_item("row", row))
            .and_then(|()| kwargs.set_item("value", value))
            .and_then(|()| {
                py.get_type::<InputError>()
                    .call((message.as_str(),), Some(&kwargs))
            });
        match made {
            Ok(err) => PyErr::from_value(err),
            Err(e) => e,
        }
    })
}

/// `?`-friendly conversion for results of the core.
pub trait IntoPyResult<T> {
    fn py_err(self) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for Result<T, WalkoutError> {
    fn py_err(self) -> PyResult<T> {
        self.map_err(to_py)
    }
}
