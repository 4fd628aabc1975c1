//! Errors of the simulator. Each one says what to change: the scenario name, the config
//! value (with its path, as the core's errors do), or the store layout the scenario needs.

use thiserror::Error;
use walkout_core::WalkoutError;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum SimError {
    /// The scenario name is not in the catalogue.
    #[error("unknown scenario `{name}`; known scenarios: {known}")]
    UnknownScenario { name: String, known: String },
    /// A config value the simulator relies on is malformed.
    #[error("invalid store config at `{path}`: {message} (got {value})")]
    Config {
        path: String,
        value: String,
        message: String,
    },
    /// The config is well formed but the scenario cannot run in this store
    /// (no entry gate, no reachable plate with stock, ...).
    #[error("scenario `{scenario}` cannot run in this store: {reason}")]
    Unsupported { scenario: String, reason: String },
    /// The core's own validation rejected the config.
    #[error(transparent)]
    Core(#[from] WalkoutError),
    /// An invariant of the simulator broke; a bug, never the caller's fault.
    #[error("simulator bug: {0}")]
    Internal(String),
}

impl SimError {
    pub(crate) fn config(
        path: impl Into<String>,
        value: impl std::fmt::Debug,
        message: impl Into<String>,
    ) -> Self {
        Self::Config {
            path: path.into(),
            value: format!("{value:?}"),
            message: message.into(),
        }
    }

    /// An `Unsupported` whose scenario is filled in later by [`SimError::for_scenario`],
    /// because the store is checked before (and independently of) the scenario.
    pub(crate) fn unsupported(reason: impl Into<String>) -> Self {
        Self::Unsupported {
            scenario: String::new(),
            reason: reason.into(),
        }
    }

    pub(crate) fn for_scenario(self, name: &str) -> Self {
        match self {
            Self::Unsupported { reason, .. } => Self::Unsupported {
                scenario: name.to_string(),
                reason,
            },
            other => other,
        }
    }
}
