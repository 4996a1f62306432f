//! One error type for the engine: every module's error is a variant, so code that
//! calls several modules (a shim, a router) returns one `CoreResult` and uses `?`
//! on each. With the `python` feature a `Py` variant carries a Python exception
//! raised while converting arguments, so shims use `?` on both; how each variant
//! becomes a Python exception is decided in one place, `py_errors.rs`.

use std::fmt;
use std::path::PathBuf;

use crate::cache::CacheError;
use crate::scoring::{RulesError, ThresholdsError};
use crate::stats::StatsError;

/// Every error the native core reports.
#[derive(Debug)]
pub enum CoreError {
    /// A malformed rules file; the error names the field.
    Rules(RulesError),
    /// Thresholds out of order or outside 0..=100.
    Thresholds(ThresholdsError),
    /// A file that could not be read.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A bad cache argument: a bound, a ttl, an oversized entry or a glob pattern.
    Cache(CacheError),
    /// A bad selection-statistics argument.
    Stats(StatsError),
    /// A Python exception, raised while reading an argument or building a result.
    #[cfg(feature = "python")]
    Py(pyo3::PyErr),
}

/// The result of an engine (or shim) operation.
pub type CoreResult<T> = Result<T, CoreError>;

impl fmt::Display for CoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rules(err) => err.fmt(f),
            Self::Thresholds(err) => err.fmt(f),
            Self::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Self::Cache(err) => err.fmt(f),
            Self::Stats(err) => err.fmt(f),
            #[cfg(feature = "python")]
            Self::Py(err) => err.fmt(f),
        }
    }
}

impl std::error::Error for CoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Rules(err) => Some(err),
            Self::Thresholds(err) => Some(err),
            Self::Io { source, .. } => Some(source),
            Self::Cache(err) => Some(err),
            Self::Stats(err) => Some(err),
            #[cfg(feature = "python")]
            Self::Py(err) => Some(err),
        }
    }
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

impl From<CacheError> for CoreError {
    fn from(err: CacheError) -> Self {
        Self::Cache(err)
    }
}

impl From<StatsError> for CoreError {
    fn from(err: StatsError) -> Self {
        Self::Stats(err)
    }
}

#[cfg(feature = "python")]
impl From<pyo3::PyErr> for CoreError {
    fn from(err: pyo3::PyErr) -> Self {
        Self::Py(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::ScoringRules;

    #[test]
    fn engine_errors_convert_with_question_mark() {
        fn parse(text: &str) -> CoreResult<ScoringRules> {
            Ok(ScoringRules::from_toml(text)?)
        }
        let err = parse("version = ").unwrap_err();
        assert!(matches!(&err, CoreError::Rules(rules) if rules.field == "<document>"));
        assert!(err
            .to_string()
            .starts_with("scoring rules field `<document>`"));
    }

    #[test]
    fn a_missing_rules_file_is_an_io_error_naming_the_path() {
        let err = ScoringRules::from_path("/nonexistent/rules.toml".as_ref()).unwrap_err();
        match err {
            CoreError::Io { path, source } => {
                assert_eq!(path, PathBuf::from("/nonexistent/rules.toml"));
                assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
            }
            other => panic!("expected an Io error, got {other:?}"),
        }
    }
}
