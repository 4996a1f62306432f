//! Python shim over the shared prompt cache (`claude_pm._core.PromptCache`).
//!
//! `str` and `bytes` are held as the very (immutable) Python objects they are, so
//! a hit is a reference-count bump; a `str` weighs its UTF-8 length and `bytes` its
//! length. Any other value is
//! pickled on `set` and unpickled on every `get`: the caller gets an equal copy,
//! mutating it cannot corrupt the cache, its weight is its pickle's length, and the
//! cache never holds references that could form cycles with other objects.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyString};

use crate::cache::{self, CacheConfig, Ttl};
use crate::error::CoreResult;
use crate::py_args::{positive_size, text, Surrogates};

enum CachedValue {
    Text(Py<PyString>),
    Bytes(Py<PyBytes>),
    Pickled(Py<PyBytes>),
}

static PICKLE_DUMPS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static PICKLE_LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Thread-safe cache bounded by entries and bytes, with a time to live per entry.
#[pyclass(frozen, subclass, module = "claude_pm._core", name = "PromptCache")]
pub(crate) struct PyPromptCache {
    inner: cache::PromptCache<CachedValue>,
}

#[pymethods]
impl PyPromptCache {
    #[new]
    #[pyo3(signature = (*, max_entries, max_bytes, default_ttl))]
    fn new(
        max_entries: &Bound<'_, PyAny>,
        max_bytes: &Bound<'_, PyAny>,
        default_ttl: Option<f64>,
    ) -> CoreResult<Self> {
        let max_entries = positive_size(max_entries, "max_entries")?;
        let max_bytes = positive_size(max_bytes, "max_bytes")?;
        let default_ttl = match default_ttl {
            None => None,
            Some(seconds) => match Ttl::from_seconds("default_ttl", seconds)? {
                Ttl::After(duration) => Some(duration),
                Ttl::Never | Ttl::Default => None,
            },
        };
        let config = CacheConfig {
            max_entries,
            max_bytes,
            default_ttl,
        };
        Ok(Self {
            inner: cache::PromptCache::new(config)?,
        })
    }

    #[getter]
    fn max_entries(&self) -> u64 {
        self.inner.config().max_entries
    }

    #[getter]
    fn max_bytes(&self) -> u64 {
        self.inner.config().max_bytes
    }

    /// Seconds, or None when entries stored without a ttl never expire.
    #[getter]
    fn default_ttl(&self) -> Option<f64> {
        self.inner.config().default_ttl.map(|ttl| ttl.as_secs_f64())
    }

    #[pyo3(signature = (key, default = None))]
    fn get(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        default: Option<Py<PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        Ok(self
            .lookup(py, &text(key, "key", Surrogates::Reject)?)?
            .unwrap_or_else(|| default.unwrap_or_else(|| py.None())))
    }

    /// `ttl`: None for the default, seconds > 0, or 0 / math.inf for no expiry.
    #[pyo3(signature = (key, value, ttl = None))]
    fn set(
        &self,
        key: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
        ttl: Option<f64>,
    ) -> CoreResult<()> {
        let key = text(key, "key", Surrogates::Reject)?;
        let ttl = match ttl {
            None => Ttl::Default,
            Some(seconds) => Ttl::from_seconds("ttl", seconds)?,
        };
        let (value, bytes) = to_cached(value)?;
        self.inner.set(&key, value, bytes, ttl)?;
        Ok(())
    }

    /// True when a live entry was removed.
    fn delete(&self, key: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self.inner.delete(&text(key, "key", Surrogates::Reject)?))
    }

    /// Removes the entries whose keys match the glob `pattern`; returns how many.
    fn invalidate(&self, py: Python<'_>, pattern: &Bound<'_, PyAny>) -> CoreResult<u64> {
        let pattern = text(pattern, "pattern", Surrogates::Reject)?;
        Ok(py.detach(|| self.inner.invalidate(&pattern))?)
    }

    /// Removes every entry (counted as invalidations); returns how many.
    fn clear(&self, py: Python<'_>) -> u64 {
        py.detach(|| self.inner.clear())
    }

    /// Counters since creation, plus the live `entries` and `bytes`.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let stats = self.inner.stats();
        let dict = PyDict::new(py);
        for (name, value) in [
            ("hits", stats.hits),
            ("misses", stats.misses),
            ("sets", stats.sets),
            ("deletes", stats.deletes),
            ("evictions", stats.evictions),
            ("expirations", stats.expirations),
            ("invalidations", stats.invalidations),
            ("entries", stats.entries),
            ("bytes", stats.bytes),
        ] {
            dict.set_item(name, value)?;
        }
        Ok(dict)
    }
}

impl PyPromptCache {
    /// The value stored under `key` (an equal copy for pickled values), None on a miss.
    pub(crate) fn lookup(&self, py: Python<'_>, key: &str) -> PyResult<Option<Py<PyAny>>> {
        let Some(stored) = self.inner.get(key) else {
            return Ok(None);
        };
        Ok(Some(match stored.value() {
            CachedValue::Text(text) => text.clone_ref(py).into_any(),
            CachedValue::Bytes(bytes) => bytes.clone_ref(py).into_any(),
            CachedValue::Pickled(pickle) => {
                let loads = PICKLE_LOADS.import(py, "pickle", "loads")?;
                loads.call1((pickle.bind(py),))?.unbind()
            }
        }))
    }
}

fn to_cached(value: &Bound<'_, PyAny>) -> PyResult<(CachedValue, u64)> {
    if let Ok(text) = value.cast_exact::<PyString>() {
        // The stable ABI (abi3) exposes no string internals, so the portable measure is
        // the UTF-8 length; it is taken once per `set`, never on a hit.
        let bytes = text.to_cow()?.len();
        return Ok((CachedValue::Text(text.clone().unbind()), bytes as u64));
    }
    if let Ok(bytes) = value.cast_exact::<PyBytes>() {
        let size = bytes.as_bytes().len() as u64;
        return Ok((CachedValue::Bytes(bytes.clone().unbind()), size));
    }
    let py = value.py();
    let dumps = PICKLE_DUMPS.import(py, "pickle", "dumps")?;
    let pickled = dumps
        .call1((value, -1))
        .and_then(|pickled| Ok(pickled.cast_into::<PyBytes>()?));
    match pickled {
        Ok(pickled) => {
            let size = pickled.as_bytes().len() as u64;
            Ok((CachedValue::Pickled(pickled.unbind()), size))
        }
        Err(cause) => {
            let type_name = value.get_type().name()?;
            let error = PyTypeError::new_err(format!(
                "cannot cache a value of type {type_name}: values other than str and bytes are \
                 pickled, and pickling failed"
            ));
            error.set_cause(py, Some(cause));
            Err(error)
        }
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyPromptCache>()
}
