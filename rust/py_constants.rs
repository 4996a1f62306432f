//! The facts the engine owns, exported as `claude_pm._core` constants so Python
//! imports them instead of repeating them.

use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::router::{Method, Reason};
use crate::scoring::{CallerFacts, Level, TechnicalDepth, Thresholds};
use crate::stats::{
    DEFAULT_LATENCY_BUCKETS, DEFAULT_REDUCTION_BUCKETS, MAX_LABELS, MAX_RETENTION_HOURS,
    OTHER_LABEL,
};

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("LEVEL_NAMES", PyTuple::new(py, Level::NAMES)?)?;
    m.add("DEFAULT_SIMPLE_THRESHOLD", Thresholds::DEFAULT.simple())?;
    m.add("DEFAULT_MEDIUM_THRESHOLD", Thresholds::DEFAULT.medium())?;
    m.add("FACT_NAMES", PyTuple::new(py, CallerFacts::NAMES)?)?;
    m.add("TECHNICAL_DEPTHS", PyTuple::new(py, TechnicalDepth::NAMES)?)?;
    m.add("OTHER_LABEL", OTHER_LABEL)?;
    m.add("MAX_LABELS", MAX_LABELS)?;
    m.add("MAX_RETENTION_HOURS", MAX_RETENTION_HOURS)?;
    m.add(
        "TOKEN_REDUCTION_BUCKETS",
        PyTuple::new(py, DEFAULT_REDUCTION_BUCKETS)?,
    )?;
    m.add(
        "LATENCY_BUCKETS",
        PyTuple::new(py, DEFAULT_LATENCY_BUCKETS)?,
    )?;
    let rollout: Vec<&str> = Reason::ROLLOUT.iter().map(|r| r.as_str()).collect();
    m.add("ROLLOUT_REASONS", PyTuple::new(py, rollout)?)?;
    m.add("ENABLING_REASON_COUNT", Reason::ENABLING)?;
    let methods: Vec<&str> = Method::ALL.iter().map(|m| m.as_str()).collect();
    m.add("SELECTION_METHODS", PyTuple::new(py, methods)?)?;
    Ok(())
}
