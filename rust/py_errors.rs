//! One conversion point from engine errors to Python exceptions.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::cache::CacheError;
use crate::stats::StatsError;

/// Every cache error is a bad argument value: a bound, a ttl, an oversized entry or
/// a glob pattern; the message names which.
impl From<CacheError> for PyErr {
    fn from(error: CacheError) -> Self {
        PyValueError::new_err(error.to_string())
    }
}

/// Selection-statistics errors are bad argument values; the message names which.
impl From<StatsError> for PyErr {
    fn from(error: StatsError) -> Self {
        PyValueError::new_err(error.to_string())
    }
}

pub(crate) fn register(_m: &Bound<'_, PyModule>) -> PyResult<()> {
    Ok(())
}
