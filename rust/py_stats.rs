//! Python shim over the selection statistics (`claude_pm._core.SelectionStats`).

use std::time::{SystemTime, UNIX_EPOCH};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::error::CoreResult;
use crate::py_args::whole_hours;
use crate::stats::{
    self, HistogramSample, Selection, DEFAULT_LATENCY_BUCKETS, DEFAULT_REDUCTION_BUCKETS,
};

/// Selection counts over an hourly window, plus cumulative Prometheus samples.
#[pyclass(frozen, module = "claude_pm._core", name = "SelectionStats")]
pub(crate) struct PySelectionStats {
    pub(crate) inner: stats::SelectionStats,
}

#[pymethods]
impl PySelectionStats {
    #[new]
    #[pyo3(signature = (*, retention_hours, histogram_buckets = None, latency_buckets = None))]
    fn new(
        retention_hours: i64,
        histogram_buckets: Option<Vec<f64>>,
        latency_buckets: Option<Vec<f64>>,
    ) -> CoreResult<Self> {
        let inner = stats::SelectionStats::new(
            whole_hours(retention_hours, "retention_hours")?,
            histogram_buckets.unwrap_or_else(|| DEFAULT_REDUCTION_BUCKETS.to_vec()),
            latency_buckets.unwrap_or_else(|| DEFAULT_LATENCY_BUCKETS.to_vec()),
        )?;
        Ok(Self { inner })
    }

    #[getter]
    fn retention_hours(&self) -> u32 {
        self.inner.retention_hours()
    }

    /// Changes the window (e.g. when CLAUDE_PM_METRICS_RETENTION_HOURS changed).
    fn set_retention_hours(&self, retention_hours: i64) -> CoreResult<()> {
        Ok(self
            .inner
            .set_retention_hours(whole_hours(retention_hours, "retention_hours")?)?)
    }

    /// Records one selection; `now` (seconds since the Unix epoch) defaults to the
    /// current time and exists so tests can place selections in given hours.
    ///
    /// The arguments may be passed by position, in this order: the selection hot path
    /// does, because matching ten keyword names costs PyO3 more than the record itself.
    #[pyo3(signature = (
        agent, model, metric_model, method, template, level, token_reduction,
        rollout_reason, shadow, latency_seconds, now = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn record(
        &self,
        agent: &str,
        model: &str,
        metric_model: &str,
        method: &str,
        template: &str,
        level: Option<i64>,
        token_reduction: f64,
        rollout_reason: &str,
        shadow: bool,
        latency_seconds: f64,
        now: Option<f64>,
    ) -> CoreResult<()> {
        let level = level.map(|level| u8::try_from(level).unwrap_or(u8::MAX));
        let selection = Selection {
            agent,
            model,
            metric_model,
            method,
            template,
            level,
            token_reduction,
            rollout_reason,
            shadow,
            latency_seconds,
        };
        Ok(self
            .inner
            .record(&selection, now.unwrap_or_else(unix_now))?)
    }

    /// The windowed selection statistics; every key is present, zero before any record.
    #[pyo3(signature = (now = None))]
    fn snapshot<'py>(&self, py: Python<'py>, now: Option<f64>) -> CoreResult<Bound<'py, PyDict>> {
        let snapshot = self.inner.snapshot(now.unwrap_or_else(unix_now))?;
        let dict = PyDict::new(py);
        dict.set_item("total_selections", snapshot.total_selections)?;
        dict.set_item("by_model", counts(py, &snapshot.by_model)?)?;
        dict.set_item("by_agent", counts(py, &snapshot.by_agent)?)?;
        dict.set_item("by_method", counts(py, &snapshot.by_method)?)?;
        dict.set_item("by_template", counts(py, &snapshot.by_template)?)?;
        dict.set_item("by_level", snapshot.by_level.to_vec())?;
        dict.set_item(
            "by_rollout_reason",
            counts(py, &snapshot.by_rollout_reason)?,
        )?;
        dict.set_item("shadow_decisions", snapshot.shadow_decisions)?;
        dict.set_item("average_token_reduction", snapshot.average_token_reduction)?;
        Ok(dict)
    }

    /// Cumulative counters and histograms since creation or `reset`, never windowed.
    fn prometheus_samples<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let samples = self.inner.prometheus_samples();
        let by_labels = |rows: &[((String, String, &str), u64)]| -> PyResult<Bound<'py, PyDict>> {
            let dict = PyDict::new(py);
            for ((agent, model, level), n) in rows {
                dict.set_item((agent, model, *level), n)?;
            }
            Ok(dict)
        };
        let reduction = PyDict::new(py);
        for (agent, histogram) in &samples.token_reduction {
            reduction.set_item(agent, histogram_dict(py, histogram)?)?;
        }
        let dict = PyDict::new(py);
        dict.set_item("optimizations", by_labels(&samples.optimizations)?)?;
        dict.set_item("shadow_decisions", by_labels(&samples.shadow_decisions)?)?;
        dict.set_item("token_reduction", reduction)?;
        dict.set_item("latency", histogram_dict(py, &samples.latency)?)?;
        dict.set_item("rollout_reasons", counts(py, &samples.rollout_reasons)?)?;
        Ok(dict)
    }

    fn reset(&self) {
        self.inner.reset();
    }
}

pub(crate) fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |elapsed| elapsed.as_secs_f64())
}

fn counts<'py>(py: Python<'py>, rows: &[(String, u64)]) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (name, n) in rows {
        dict.set_item(name, n)?;
    }
    Ok(dict)
}

fn histogram_dict<'py>(
    py: Python<'py>,
    histogram: &HistogramSample,
) -> PyResult<Bound<'py, PyDict>> {
    let buckets = PyList::empty(py);
    for &(bound, n) in &histogram.buckets {
        buckets.append((bound, n))?;
    }
    let dict = PyDict::new(py);
    dict.set_item("buckets", buckets)?;
    dict.set_item("sum", histogram.sum)?;
    dict.set_item("count", histogram.count)?;
    Ok(dict)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PySelectionStats>()
}
