//! Native core of claude_pm: complexity scoring, the shared prompt cache and
//! selection counters. Pure-Rust modules carry the logic; `py_*` modules are the
//! thin PyO3 shims, compiled only with the `python` feature.

pub mod cache;
pub mod error;
pub mod router;
pub mod scoring;
pub mod stats;

#[cfg(feature = "python")]
mod py_args;
#[cfg(feature = "python")]
mod py_cache;
#[cfg(feature = "python")]
mod py_constants;
#[cfg(feature = "python")]
mod py_errors;
#[cfg(feature = "python")]
mod py_rollout;
#[cfg(feature = "python")]
mod py_router;
#[cfg(feature = "python")]
mod py_scoring;
#[cfg(feature = "python")]
mod py_stats;

#[cfg(feature = "python")]
use pyo3::prelude::*;

#[cfg(feature = "python")]
#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    py_constants::register(m)?;
    py_scoring::register(m)?;
    py_cache::register(m)?;
    py_stats::register(m)?;
    py_rollout::register(m)?;
    py_router::register(m)?;
    Ok(())
}
