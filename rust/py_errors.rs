//! One conversion point from engine errors to Python exceptions.
//!
//! Public exception classes are defined in Python (`claude_pm.errors`) and imported
//! here once, so Python code can catch them without importing the native module.

use std::path::PathBuf;

use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

use crate::cache::CacheError;
use crate::scoring::{RulesError, ThresholdsError};
use crate::stats::StatsError;

/// Lets the cache and stats shims use `?` on engine errors; the mapping itself is
/// the one in `From<CoreError> for PyErr`.
impl From<CacheError> for PyErr {
    fn from(error: CacheError) -> Self {
        CoreError::Cache(error).into()
    }
}

impl From<StatsError> for PyErr {
    fn from(error: StatsError) -> Self {
        CoreError::Stats(error).into()
    }
}

pub(crate) fn register(_m: &Bound<'_, PyModule>) -> PyResult<()> {
    Ok(())
}

static RULES_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// Every error the native core reports to Python.
#[derive(Debug)]
pub(crate) enum CoreError {
    Rules(RulesError),
    Thresholds(ThresholdsError),
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A bad cache argument: a bound, a ttl, an oversized entry or a glob pattern.
    Cache(CacheError),
    /// A bad selection-statistics argument.
    Stats(StatsError),
}

impl From<RulesError> for CoreError {
    fn from(err: RulesError) -> Self {
        Self::Rules(err)
    }
}

impl From<ThresholdsError> for CoreError {
    fn from(err: ThresholdsError) -> Self {
        Self::Thresholds(err)
    }
}

fn rules_error(py: Python<'_>, err: &RulesError) -> PyErr {
    let class = match RULES_ERROR.import(py, "claude_pm.errors", "RulesError") {
        Ok(class) => class,
        Err(import_error) => return import_error,
    };
    match class.call1((err.to_string(),)) {
        Ok(instance) => {
            // `field` lets callers point at the offending value programmatically.
            if let Err(set_error) = instance.setattr("field", &err.field) {
                return set_error;
            }
            PyErr::from_value(instance)
        }
        Err(call_error) => call_error,
    }
}

impl From<CoreError> for PyErr {
    fn from(err: CoreError) -> Self {
        match err {
            CoreError::Rules(err) => Python::attach(|py| rules_error(py, &err)),
            CoreError::Thresholds(err) => PyValueError::new_err(err.to_string()),
            CoreError::Cache(err) => PyValueError::new_err(err.to_string()),
            CoreError::Stats(err) => PyValueError::new_err(err.to_string()),
            // OSError(errno, strerror, filename) picks the matching subclass
            // (FileNotFoundError, PermissionError, ...).
            CoreError::Io { path, source } => PyOSError::new_err((
                source.raw_os_error().unwrap_or(0),
                source.to_string(),
                path.display().to_string(),
            )),
        }
    }
}
