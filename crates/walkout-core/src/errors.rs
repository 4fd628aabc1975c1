//! Errors of the core. Every variant carries the location of the bad value (a config
//! field path such as `planogram[3].sku`, or an input field and row) and the value
//! itself, so that the message a user reads points at what to fix.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum WalkoutError {
    /// The store configuration is malformed or inconsistent.
    #[error("config error at `{path}`: {message} (got {value})")]
    Config {
        path: String,
        value: String,
        message: String,
    },
    /// A sensor input batch is malformed (wrong length, NaN, unknown id, ...).
    #[error("input error in `{field}` at row {row}: {message} (got {value})")]
    Input {
        field: String,
        row: usize,
        value: String,
        message: String,
    },
    /// The config text could not be parsed as JSON of the expected shape.
    #[error("config could not be parsed: {0}")]
    Parse(String),
    /// A call that the engine's current state does not allow (e.g. ingest after finish).
    #[error("engine state error: {0}")]
    State(String),
}

impl WalkoutError {
    pub fn config(
        path: impl Into<String>,
        value: impl ToString,
        message: impl Into<String>,
    ) -> Self {
        Self::Config {
            path: path.into(),
            value: value.to_string(),
            message: message.into(),
        }
    }

    pub fn input(
        field: impl Into<String>,
        row: usize,
        value: impl ToString,
        message: impl Into<String>,
    ) -> Self {
        Self::Input {
            field: field.into(),
            row,
            value: value.to_string(),
            message: message.into(),
        }
    }
}

pub type Result<T, E = WalkoutError> = std::result::Result<T, E>;
