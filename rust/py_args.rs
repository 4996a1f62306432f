//! Reading Python arguments in the shims: one way to read each kind of argument (a
//! text, a count, a flag, a technical depth, a threshold, a size), each error naming
//! the argument and its allowed values. PyO3 only attaches the argument name as an
//! exception note, which Python < 3.11 does not show, so these readers take
//! `&Bound<PyAny>` and write their own messages.

use std::borrow::Cow;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyInt, PyString};

use crate::scoring::TechnicalDepth;

/// The name of a value's type, for error messages.
pub(crate) fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map_or_else(|_| "object".to_owned(), |n| n.to_string())
}

/// The module-qualified name of a value's type (`numpy.ma.MaskedArray`).
pub(crate) fn qualified_type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .fully_qualified_name()
        .map_or_else(|_| type_name(value), |n| n.to_string())
}

/// A value as the caller wrote it, for error messages.
pub(crate) fn repr(value: &Bound<'_, PyAny>) -> String {
    value
        .repr()
        .map_or_else(|_| "<unprintable>".to_owned(), |r| r.to_string())
}

/// What a text argument does with lone surrogates, which UTF-8 cannot hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Surrogates {
    /// They become U+FFFD: right for text that is only scored.
    Replace,
    /// They raise `UnicodeEncodeError`: right for keys, where two different strings
    /// must not become the same key.
    Reject,
}

/// A `str` argument, or a TypeError naming it. Borrowed where the interpreter keeps
/// UTF-8 (non-abi3 builds); the stable ABI for 3.9 only offers an encoded copy.
pub(crate) fn text<'a>(
    value: &'a Bound<'_, PyAny>,
    name: &str,
    surrogates: Surrogates,
) -> PyResult<Cow<'a, str>> {
    let string = value.cast::<PyString>().map_err(|_| {
        PyTypeError::new_err(format!("{name} must be str, not {}", type_name(value)))
    })?;
    match surrogates {
        Surrogates::Replace => Ok(string.to_cow().unwrap_or_else(|_| string.to_string_lossy())),
        Surrogates::Reject => string.to_cow(),
    }
}

/// A `bool` argument, or a TypeError naming it.
pub(crate) fn flag(value: &Bound<'_, PyAny>, name: &str) -> PyResult<bool> {
    value
        .extract::<bool>()
        .map_err(|_| PyTypeError::new_err(format!("{name} must be bool, not {}", type_name(value))))
}

/// An optional `bool` argument: None is false.
pub(crate) fn optional_flag(value: Option<&Bound<'_, PyAny>>, name: &str) -> PyResult<bool> {
    value.map_or(Ok(false), |v| flag(v, name))
}

/// The values a count argument allows.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CountRange {
    pub min: u64,
    /// `u64::MAX` means unbounded: larger ints are read as `u64::MAX`.
    pub max: u64,
    /// The allowed values in words, as the messages say them ("a non-negative int").
    pub what: &'static str,
}

/// Any non-negative int; one beyond 64 bits is read as `u64::MAX`.
pub(crate) const NON_NEGATIVE: CountRange = CountRange {
    min: 0,
    max: u64::MAX,
    what: "a non-negative int",
};

/// An int argument in `range`; bools are rejected because they are almost always a
/// mistake.
pub(crate) fn count(value: &Bound<'_, PyAny>, name: &str, range: CountRange) -> PyResult<u64> {
    let what = range.what;
    if value.is_instance_of::<PyBool>() {
        return Err(PyValueError::new_err(format!(
            "{name}={} is not valid: expected {what}, not bool",
            repr(value)
        )));
    }
    if !value.is_instance_of::<PyInt>() {
        return Err(PyTypeError::new_err(format!(
            "{name} must be {what}, not {}",
            type_name(value)
        )));
    }
    let invalid = || {
        PyValueError::new_err(format!(
            "{name}={} is not valid: expected {what}",
            repr(value)
        ))
    };
    match value.extract::<u64>() {
        Ok(n) if (range.min..=range.max).contains(&n) => Ok(n),
        Ok(_) => Err(invalid()),
        // Negative or beyond u64: the only ints that fail to convert.
        Err(_) if range.max == u64::MAX && !value.lt(0)? => Ok(u64::MAX),
        Err(_) => Err(invalid()),
    }
}

/// An optional count: None is 0.
pub(crate) fn optional_count(
    value: Option<&Bound<'_, PyAny>>,
    name: &str,
    range: CountRange,
) -> PyResult<u64> {
    value.map_or(Ok(0), |v| count(v, name, range))
}

/// `technical_depth`: None, a name in any case, or its index.
pub(crate) fn optional_depth(value: Option<&Bound<'_, PyAny>>) -> PyResult<TechnicalDepth> {
    const ALLOWED: &str =
        "expected None, one of 'none', 'shallow', 'moderate', 'deep' (any case), or an int 0..=3";
    let Some(value) = value.filter(|v| !v.is_none()) else {
        return Ok(TechnicalDepth::None);
    };
    let invalid = || {
        PyValueError::new_err(format!(
            "technical_depth={} is not valid: {ALLOWED}",
            repr(value)
        ))
    };
    if let Ok(string) = value.cast::<PyString>() {
        let name = string.to_string_lossy().trim().to_lowercase();
        return TechnicalDepth::NAMES
            .iter()
            .position(|n| *n == name)
            .and_then(|i| TechnicalDepth::from_index(i as u8))
            .ok_or_else(invalid);
    }
    if value.is_instance_of::<PyInt>() && !value.is_instance_of::<PyBool>() {
        return value
            .extract::<u8>()
            .ok()
            .and_then(TechnicalDepth::from_index)
            .ok_or_else(invalid);
    }
    if value.is_instance_of::<PyBool>() {
        return Err(invalid());
    }
    Err(PyTypeError::new_err(format!(
        "technical_depth must be str, int or None, not {}; {ALLOWED}",
        type_name(value)
    )))
}

/// A score or threshold: an int, passed on as written so the engine can report
/// it in range checks that involve other arguments; only an int beyond 64 bits is
/// rejected here.
pub(crate) fn score_int(value: &Bound<'_, PyAny>, name: &str) -> PyResult<i64> {
    if value.is_instance_of::<PyBool>() || !value.is_instance_of::<PyInt>() {
        let err = format!("{name} must be an int in 0..=100, not {}", type_name(value));
        return Err(if value.is_instance_of::<PyBool>() {
            PyValueError::new_err(err)
        } else {
            PyTypeError::new_err(err)
        });
    }
    value.extract::<i64>().map_err(|_| {
        // The value as the caller wrote it: a clamped number would misreport it.
        PyValueError::new_err(format!(
            "{name}={} is out of range: expected an int in 0..=100",
            repr(value)
        ))
    })
}

/// A size bound: an int >= 1.
pub(crate) fn positive_size(value: &Bound<'_, PyAny>, name: &str) -> PyResult<u64> {
    if value.is_instance_of::<PyBool>() {
        return Err(PyValueError::new_err(format!(
            "{name} must be a positive int, not a bool"
        )));
    }
    if !value.is_instance_of::<PyInt>() {
        return Err(PyTypeError::new_err(format!(
            "{name} must be an int, not {}",
            type_name(value)
        )));
    }
    let value = value.extract::<i64>().map_err(|_| {
        PyValueError::new_err(format!(
            "{name}={} is out of range: expected 1..={}",
            repr(value),
            i64::MAX
        ))
    })?;
    u64::try_from(value)
        .ok()
        .filter(|&value| value > 0)
        .ok_or_else(|| {
            PyValueError::new_err(format!(
                "{name}={value} is not valid: expected an integer >= 1"
            ))
        })
}

/// A whole number of hours; the engine checks its upper bound.
pub(crate) fn whole_hours(value: i64, name: &str) -> PyResult<u32> {
    u32::try_from(value).map_err(|_| {
        PyValueError::new_err(format!(
            "{name}={value} is not valid: expected a whole number of hours >= 1"
        ))
    })
}
