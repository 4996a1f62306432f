//! Python shim over the rollout gates (`claude_pm._core.RolloutGates`, `user_bucket`):
//! the one implementation of the window and percentage gates and of the md5 bucket,
//! shared by `claude_pm.rollout` and the router.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString, PyTuple};

use crate::py_args::type_name;
use crate::router::{user_bucket, Gates, Plan, Reason, MINUTES_PER_DAY};

/// Gates from their Python form: 1,440 open-minute bytes (or None) and a percentage
/// below 100 (or None).
fn gates_of(minutes: Option<Vec<u8>>, percentage: Option<f64>) -> PyResult<Plan> {
    let open_minutes = match minutes {
        None => None,
        Some(bytes) if bytes.len() == MINUTES_PER_DAY => {
            Some(bytes.iter().map(|&open| open != 0).collect())
        }
        Some(bytes) => {
            return Err(PyValueError::new_err(format!(
                "open_minutes: expected {MINUTES_PER_DAY} bytes, got {}",
                bytes.len()
            )))
        }
    };
    Ok(Plan::Gated(Gates {
        open_minutes,
        percentage,
    }))
}

/// A plan as `claude_pm.rollout.router_plan` gives it: ("fixed", reason) or ("gated",
/// open minutes or None, percentage or None).
pub(crate) fn plan_of(plan: &Bound<'_, PyTuple>) -> PyResult<Plan> {
    let kind: String = plan.get_item(0)?.extract()?;
    match kind.as_str() {
        "fixed" => {
            let name: String = plan.get_item(1)?.extract()?;
            let reason = Reason::from_name(&name)
                .filter(|reason| Reason::ROLLOUT.contains(reason))
                .ok_or_else(|| PyValueError::new_err(format!("unknown rollout reason {name:?}")))?;
            Ok(Plan::Fixed(reason))
        }
        "gated" => gates_of(plan.get_item(1)?.extract()?, plan.get_item(2)?.extract()?),
        other => Err(PyValueError::new_err(format!(
            "unknown plan kind {other:?}: expected 'fixed' or 'gated'"
        ))),
    }
}

fn minute_missing() -> PyErr {
    PyValueError::new_err(
        "minute is required: these rollout windows need the minute of the day (0..=1439)",
    )
}

/// The rollout outcome of `plan` for a user id (None or empty: none) at `minute`.
pub(crate) fn decide(
    plan: &Plan,
    user_id: Option<&Bound<'_, PyString>>,
    minute: Option<u16>,
) -> PyResult<Reason> {
    let Some(id) = user_id else {
        return plan
            .decide(None, minute, |_| 0)
            .map_err(|_| minute_missing());
    };
    match id.to_cow() {
        Ok(text) => plan
            .decide(Some(&text), minute, |text| user_bucket(text.as_bytes()))
            .map_err(|_| minute_missing()),
        // A lone surrogate (never empty): the bucket of its "surrogatepass" encoding.
        Err(_) => {
            let bucket = surrogate_bucket(id)?;
            plan.decide(Some("\u{fffd}"), minute, |_| bucket)
                .map_err(|_| minute_missing())
        }
    }
}

fn surrogate_bucket(id: &Bound<'_, PyString>) -> PyResult<u8> {
    let encoded = id.call_method1(intern!(id.py(), "encode"), ("utf-8", "surrogatepass"))?;
    Ok(user_bucket(encoded.cast::<PyBytes>()?.as_bytes()))
}

/// The user's stable rollout bucket 0..99: ``int(md5(user_id).hexdigest(), 16) % 100``
/// of the UTF-8 id (a lone surrogate encoded with "surrogatepass").
#[pyfunction(name = "user_bucket")]
fn py_user_bucket(user_id: &Bound<'_, PyAny>) -> PyResult<u8> {
    let id = user_id.cast_exact::<PyString>().map_err(|_| {
        PyTypeError::new_err(format!("user_id must be str, not {}", type_name(user_id)))
    })?;
    match id.to_cow() {
        Ok(text) => Ok(user_bucket(text.as_bytes())),
        Err(_) => surrogate_bucket(id),
    }
}

/// The window and percentage gates of one agent (immutable).
#[pyclass(frozen, module = "claude_pm._core", name = "RolloutGates")]
pub(crate) struct PyRolloutGates {
    inner: Plan,
}

#[pymethods]
impl PyRolloutGates {
    #[new]
    #[pyo3(signature = (open_minutes, percentage))]
    fn new(open_minutes: Option<Vec<u8>>, percentage: Option<f64>) -> PyResult<Self> {
        Ok(Self {
            inner: gates_of(open_minutes, percentage)?,
        })
    }

    /// The reason code for a user id (None or "": none) at `minute` of the day, which
    /// windows require.
    #[pyo3(signature = (user_id, minute = None))]
    fn decide(
        &self,
        user_id: Option<Bound<'_, PyString>>,
        minute: Option<u16>,
    ) -> PyResult<&'static str> {
        Ok(decide(&self.inner, user_id.as_ref(), minute)?.as_str())
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyRolloutGates>()?;
    m.add_function(wrap_pyfunction!(py_user_bucket, m)?)
}
