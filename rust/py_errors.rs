//! The one place engine errors become Python exceptions (`From<CoreError> for PyErr`).
//!
//! Public exception classes are defined in Python (`claude_pm.errors`) and imported
//! here once, so Python code can catch them without importing the native module.

use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

use crate::error::CoreError;
use crate::scoring::RulesError;

static RULES_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

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
            CoreError::Py(err) => err,
        }
    }
}
