//! Python shim over the scoring engine: `ScoringRules`, `Scorer`, `Analysis`.
//! Converts arguments, validates them with errors that name the argument, releases
//! the GIL for batch work, and maps engine errors through `py_errors`.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use parking_lot::Mutex;
use rustc_hash::FxHashMap;

use numpy::{PyArray1, PyArrayDescrMethods, PyArrayMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyByteArray, PyBytes, PyDict, PyFrozenSet, PyList, PyMapping, PySequence, PySet, PyString,
    PyTuple,
};

use crate::error::CoreResult;
use crate::py_args::{
    self, count, optional_count, optional_depth, optional_flag, qualified_type_name, score_int,
    type_name, CountRange, Surrogates, NON_NEGATIVE,
};
use crate::scoring::{
    Analysis, Batch, CallerFacts, Scorer, ScoringRules, Thresholds, SIGNALS_CAPACITY,
};

/// Texts longer than this are scored with the GIL released; shorter ones finish
/// faster than a release/re-acquire round trip.
pub(crate) const DETACH_ABOVE_BYTES: usize = 16 * 1024;

fn default_rules() -> Arc<ScoringRules> {
    static DEFAULT: OnceLock<Arc<ScoringRules>> = OnceLock::new();
    DEFAULT
        .get_or_init(|| Arc::new(ScoringRules::default_rules()))
        .clone()
}

/// The caller's facts (in `CallerFacts::NAMES` order; None: not stated), each checked
/// with an error naming it.
pub(crate) fn caller_facts(facts: [Option<&Bound<'_, PyAny>>; 7]) -> PyResult<CallerFacts> {
    let [files, context, integrations, research, testing, documentation, depth] = facts;
    let [files_name, context_name, integrations_name, research_name, testing_name, documentation_name, _] =
        CallerFacts::NAMES;
    Ok(CallerFacts {
        file_count: optional_count(files, files_name, NON_NEGATIVE)?,
        context_size: optional_count(context, context_name, NON_NEGATIVE)?,
        integration_points: optional_count(integrations, integrations_name, NON_NEGATIVE)?,
        requires_research: optional_flag(research, research_name)?,
        requires_testing: optional_flag(testing, testing_name)?,
        requires_documentation: optional_flag(documentation, documentation_name)?,
        technical_depth: optional_depth(depth)?,
    })
}

/// The keys of `analyze_parts`' dicts, in their order, with None values: copying one
/// gives a dict of the right size at once.
struct DictTemplates {
    breakdown: Py<PyDict>,
    factors: Py<PyDict>,
    details: Py<PyDict>,
}

impl DictTemplates {
    const BREAKDOWN: [&'static str; 6] = [
        "description_complexity",
        "file_complexity",
        "context_complexity",
        "integration_complexity",
        "additional_requirements",
        "technical_depth",
    ];
    const FACTORS: [&'static str; 4] = [
        "file_operations",
        "context_weight",
        "integration_complexity",
        "additional_requirements",
    ];
    const DETAILS: [&'static str; 6] = [
        "verb_complexity",
        "technical_indicators",
        "word_count",
        "estimated_steps",
        "complexity_factors",
        "task_length",
    ];

    fn get(py: Python<'_>) -> PyResult<&'static Self> {
        static TEMPLATES: PyOnceLock<DictTemplates> = PyOnceLock::new();
        TEMPLATES.get_or_try_init(py, || {
            let template = |keys: &[&str]| -> PyResult<Py<PyDict>> {
                let dict = PyDict::new(py);
                for key in keys {
                    dict.set_item(PyString::intern(py, key), py.None())?;
                }
                Ok(dict.unbind())
            };
            Ok(Self {
                breakdown: template(&Self::BREAKDOWN)?,
                factors: template(&Self::FACTORS)?,
                details: template(&Self::DETAILS)?,
            })
        })
    }
}

/// One of the few fixed words `analyze_parts` reports (a verb complexity, a context
/// weight) as a str made once, instead of a new str on every call.
fn interned<'py>(py: Python<'py>, word: &'static str) -> Bound<'py, PyString> {
    match word {
        "simple" => intern!(py, "simple"),
        "medium" => intern!(py, "medium"),
        "complex" => intern!(py, "complex"),
        "unknown" => intern!(py, "unknown"),
        "minimal" => intern!(py, "minimal"),
        "standard" => intern!(py, "standard"),
        "comprehensive" => intern!(py, "comprehensive"),
        other => return PyString::new(py, other),
    }
    .clone()
}

/// `score_many`'s result: uint8 scores and uint8 levels.
type ScoresAndLevels<'py> = (Bound<'py, PyArray1<u8>>, Bound<'py, PyArray1<u8>>);

/// Scoring vocabulary and weights, compiled and immutable.
#[pyclass(frozen, module = "claude_pm._core", name = "ScoringRules")]
pub(crate) struct PyScoringRules {
    inner: Arc<ScoringRules>,
}

#[pymethods]
impl PyScoringRules {
    /// The rules shipped with the package.
    #[staticmethod]
    fn default() -> Self {
        Self {
            inner: default_rules(),
        }
    }

    /// Loads a rules file; `RulesError` names the offending field, `OSError` the path.
    #[staticmethod]
    fn from_path(py: Python<'_>, path: PathBuf) -> CoreResult<Self> {
        let rules = py.detach(|| ScoringRules::from_path(&path))?;
        Ok(Self {
            inner: Arc::new(rules),
        })
    }

    /// Parses rules from TOML text.
    #[staticmethod]
    fn from_toml(text: &str) -> CoreResult<Self> {
        let rules = ScoringRules::from_toml(text)?;
        Ok(Self {
            inner: Arc::new(rules),
        })
    }

    #[getter]
    fn version(&self) -> &str {
        self.inner.version()
    }

    fn __repr__(&self) -> String {
        format!("ScoringRules(version={:?})", self.inner.version())
    }
}

/// The explained result of scoring one task.
#[pyclass(frozen, module = "claude_pm._core", name = "Analysis")]
pub(crate) struct PyAnalysis {
    inner: Analysis,
}

impl From<Analysis> for PyAnalysis {
    fn from(inner: Analysis) -> Self {
        Self { inner }
    }
}

#[pymethods]
impl PyAnalysis {
    #[getter]
    fn score(&self) -> u8 {
        self.inner.score
    }

    #[getter]
    fn level(&self) -> u8 {
        self.inner.level as u8
    }

    #[getter]
    fn confidence(&self) -> u8 {
        self.inner.confidence
    }

    #[getter]
    fn description_points(&self) -> u8 {
        self.inner.description_points
    }

    #[getter]
    fn file_points(&self) -> u8 {
        self.inner.file_points
    }

    #[getter]
    fn context_points(&self) -> u8 {
        self.inner.context_points
    }

    #[getter]
    fn integration_points(&self) -> u8 {
        self.inner.integration_points
    }

    #[getter]
    fn requirement_points(&self) -> u8 {
        self.inner.requirement_points
    }

    #[getter]
    fn depth_points(&self) -> u8 {
        self.inner.depth_points
    }

    #[getter]
    fn verb_complexity(&self) -> &'static str {
        self.inner.verb_complexity.as_str()
    }

    #[getter]
    fn technical_indicators(&self) -> Vec<String> {
        self.inner.technical_indicators.clone()
    }

    #[getter]
    fn estimated_steps(&self) -> u32 {
        self.inner.estimated_steps
    }

    #[getter]
    fn word_count(&self) -> u32 {
        self.inner.word_count
    }

    #[getter]
    fn signals(&self) -> Vec<(String, i32)> {
        self.inner.signals.clone()
    }

    fn __repr__(&self) -> String {
        let a = &self.inner;
        format!(
            "Analysis(score={}, level={}, confidence={}, signals={:?})",
            a.score, a.level as u8, a.confidence, a.signals
        )
    }
}

/// Scores task descriptions under one set of rules and thresholds. Thread-safe.
#[pyclass(frozen, module = "claude_pm._core", name = "Scorer")]
pub(crate) struct PyScorer {
    pub(crate) inner: Scorer,
    pub(crate) signals: SignalTuples,
}

/// The `(name, points)` tuples a scorer reports, made once each: a signal's name is
/// a rules term or a fixed word and its points a small int, so the same few hundred
/// tuples recur, and building a str and a tuple per signal cost more than the scoring.
/// Keyed by the name's address and length, which are stable for the scorer's life:
/// the names live in its rules (behind an `Arc`) or are string literals.
#[derive(Default)]
pub(crate) struct SignalTuples {
    made: Mutex<FxHashMap<(usize, usize, i32), Py<PyTuple>>>,
}

impl SignalTuples {
    pub(crate) fn list<'py>(
        &self,
        py: Python<'py>,
        signals: &[(&str, i32)],
    ) -> PyResult<Bound<'py, PyList>> {
        let mut items = Vec::with_capacity(signals.len());
        for &(name, points) in signals {
            let key = (name.as_ptr() as usize, name.len(), points);
            // Never held while Python objects are made: that may run the garbage
            // collector, and a finaliser may use this scorer.
            let found = self.made.lock().get(&key).map(|t| t.clone_ref(py));
            let tuple = match found {
                Some(tuple) => tuple.into_bound(py),
                None => {
                    let tuple = PyTuple::new(
                        py,
                        [
                            PyString::intern(py, name).into_any(),
                            points.into_pyobject(py)?.into_any(),
                        ],
                    )?;
                    self.made.lock().insert(key, tuple.clone().unbind());
                    tuple
                }
            };
            items.push(tuple);
        }
        PyList::new(py, items)
    }
}

#[pymethods]
impl PyScorer {
    #[new]
    #[pyo3(signature = (rules = None, *, simple_threshold = None, medium_threshold = None))]
    fn new(
        rules: Option<&Bound<'_, PyScoringRules>>,
        simple_threshold: Option<&Bound<'_, PyAny>>,
        medium_threshold: Option<&Bound<'_, PyAny>>,
    ) -> CoreResult<Self> {
        let rules = rules.map_or_else(default_rules, |r| r.get().inner.clone());
        let simple = match simple_threshold {
            Some(v) => score_int(v, "simple_threshold")?,
            None => i64::from(Thresholds::DEFAULT.simple()),
        };
        let medium = match medium_threshold {
            Some(v) => score_int(v, "medium_threshold")?,
            None => i64::from(Thresholds::DEFAULT.medium()),
        };
        let thresholds = Thresholds::new(simple, medium)?;
        Ok(Self {
            inner: Scorer::new(rules, thresholds),
            signals: SignalTuples::default(),
        })
    }

    #[getter]
    fn simple_threshold(&self) -> u8 {
        self.inner.thresholds().simple()
    }

    #[getter]
    fn medium_threshold(&self) -> u8 {
        self.inner.thresholds().medium()
    }

    #[getter]
    fn rules_version(&self) -> &str {
        self.inner.rules().version()
    }

    /// Scores one task with the caller's facts.
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (
        text, *, file_count = None, context_size = None, integration_points = None,
        requires_research = None, requires_testing = None, requires_documentation = None,
        technical_depth = None,
    ))]
    fn analyze(
        &self,
        py: Python<'_>,
        text: &Bound<'_, PyAny>,
        file_count: Option<&Bound<'_, PyAny>>,
        context_size: Option<&Bound<'_, PyAny>>,
        integration_points: Option<&Bound<'_, PyAny>>,
        requires_research: Option<&Bound<'_, PyAny>>,
        requires_testing: Option<&Bound<'_, PyAny>>,
        requires_documentation: Option<&Bound<'_, PyAny>>,
        technical_depth: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyAnalysis> {
        let facts = [
            file_count,
            context_size,
            integration_points,
            requires_research,
            requires_testing,
            requires_documentation,
            technical_depth,
        ];
        Ok(self.run(py, text, facts)?.into())
    }

    /// The 1.x result in one call, for the `TaskComplexityAnalyzer` facade:
    /// `(score, level, confidence, scoring_breakdown, analysis_details, signals)`.
    /// `analysis_details` lacks `task_length`, which the caller knows; its
    /// `complexity_factors` are the names of the signals.
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (
        text, file_count = None, context_size = None, integration_points = None,
        requires_research = None, requires_testing = None, requires_documentation = None,
        technical_depth = None,
    ))]
    fn analyze_parts<'py>(
        &self,
        py: Python<'py>,
        text: &Bound<'py, PyAny>,
        file_count: Option<&Bound<'py, PyAny>>,
        context_size: Option<&Bound<'py, PyAny>>,
        integration_points: Option<&Bound<'py, PyAny>>,
        requires_research: Option<&Bound<'py, PyAny>>,
        requires_testing: Option<&Bound<'py, PyAny>>,
        requires_documentation: Option<&Bound<'py, PyAny>>,
        technical_depth: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let facts = [
            file_count,
            context_size,
            integration_points,
            requires_research,
            requires_testing,
            requires_documentation,
            technical_depth,
        ];
        let mut names = Vec::with_capacity(SIGNALS_CAPACITY);
        let (a, facts, task_length) = self.run_borrowed(py, text, facts, &mut names, true)?;
        // Each dict is a copy of a template holding its keys: replacing values never
        // grows it, where inserting six keys into a new dict resizes it once.
        let templates = DictTemplates::get(py)?;
        let breakdown = templates.breakdown.bind(py).copy()?;
        breakdown.set_item(intern!(py, "description_complexity"), a.description_points)?;
        breakdown.set_item(intern!(py, "file_complexity"), a.file_points)?;
        breakdown.set_item(intern!(py, "context_complexity"), a.context_points)?;
        breakdown.set_item(intern!(py, "integration_complexity"), a.integration_points)?;
        breakdown.set_item(intern!(py, "additional_requirements"), a.requirement_points)?;
        breakdown.set_item(intern!(py, "technical_depth"), a.depth_points)?;
        let signals = self.signals.list(py, &names)?;
        // The caller's facts as 1.x reported them; which signals fired is `signals`.
        let factors = templates.factors.bind(py).copy()?;
        factors.set_item(intern!(py, "file_operations"), facts.file_count)?;
        factors.set_item(
            intern!(py, "context_weight"),
            interned(py, facts.context_weight()),
        )?;
        factors.set_item(
            intern!(py, "integration_complexity"),
            facts.integration_points,
        )?;
        factors.set_item(
            intern!(py, "additional_requirements"),
            facts.requirement_count(),
        )?;
        let details = templates.details.bind(py).copy()?;
        details.set_item(
            intern!(py, "verb_complexity"),
            interned(py, a.verb_complexity.as_str()),
        )?;
        details.set_item(intern!(py, "technical_indicators"), a.technical_indicators)?;
        details.set_item(intern!(py, "word_count"), a.word_count)?;
        details.set_item(intern!(py, "estimated_steps"), a.estimated_steps)?;
        details.set_item(intern!(py, "complexity_factors"), factors)?;
        details.set_item(intern!(py, "task_length"), task_length)?;
        (
            a.score,
            a.level as u8,
            a.confidence,
            breakdown,
            details,
            signals,
        )
            .into_pyobject(py)
    }

    /// 0 SIMPLE, 1 MEDIUM, 2 COMPLEX for a score under this scorer's thresholds.
    fn level_of(&self, score: &Bound<'_, PyAny>) -> PyResult<u8> {
        let value = score_int(score, "score")?;
        let score = u8::try_from(value)
            .ok()
            .filter(|s| *s <= 100)
            .ok_or_else(|| {
                PyValueError::new_err(format!("score={value} is not valid: expected 0..=100"))
            })?;
        Ok(self.inner.thresholds().level_of(score) as u8)
    }

    /// Description-only scores and levels for many tasks, with the GIL released.
    /// Accepts a 1-D sequence of str (list, tuple, any `collections.abc.Sequence`) or a
    /// 1-D `numpy.ndarray` of str; returns two uint8 arrays of the same length. Inputs
    /// whose order or shape the flat result would lose are a TypeError (see
    /// `check_texts_array` and `SEQUENCE_EXPECTED`). `threads` worker threads share the
    /// batch (see `THREADS`); the result does not depend on it.
    #[pyo3(signature = (texts, *, threads = None))]
    fn score_many<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        threads: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<ScoresAndLevels<'py>> {
        let threads = threads.map_or(Ok(1), |v| count(v, "threads", THREADS))? as usize;
        let batch = if let Ok(array) = texts.cast::<PyUntypedArray>() {
            check_texts_array(py, texts, array)?;
            let dtype = array.dtype();
            // The in-place reader assumes native byte order; other arrays go element by
            // element, where NumPy itself decodes them.
            if dtype.kind() == b'U' && dtype.is_native_byteorder() != Some(false) {
                unicode_array_batch(py, array)?
            } else {
                sequence_batch(texts)?
            }
        } else {
            check_texts_sequence(texts)?;
            sequence_batch(texts)?
        };
        let (scores, levels) = py.detach(|| self.inner.score_batch(&batch, threads));
        Ok((
            PyArray1::from_vec(py, scores),
            PyArray1::from_vec(py, levels),
        ))
    }

    fn __repr__(&self) -> String {
        let t = self.inner.thresholds();
        format!(
            "Scorer(rules_version={:?}, simple_threshold={}, medium_threshold={})",
            self.inner.rules().version(),
            t.simple(),
            t.medium()
        )
    }
}

impl PyScorer {
    /// Validates the caller's facts (in `analyze`'s keyword order) and scores the text.
    fn run(
        &self,
        py: Python<'_>,
        text: &Bound<'_, PyAny>,
        facts: [Option<&Bound<'_, PyAny>>; 7],
    ) -> PyResult<Analysis> {
        let (text, facts) = Self::arguments(text, facts)?;
        Ok(if text.len() > DETACH_ABOVE_BYTES {
            py.detach(|| self.inner.analyze(&text, &facts))
        } else {
            self.inner.analyze(&text, &facts)
        })
    }

    /// `run` with the signals borrowed into `signals` (the analysis' own list left
    /// empty), and the caller's facts as validated; `with_length` adds the text's
    /// length in characters.
    fn run_borrowed<'s>(
        &'s self,
        py: Python<'_>,
        text: &Bound<'_, PyAny>,
        facts: [Option<&Bound<'_, PyAny>>; 7],
        signals: &mut Vec<(&'s str, i32)>,
        with_length: bool,
    ) -> PyResult<(Analysis, CallerFacts, usize)> {
        let (text, facts) = Self::arguments(text, facts)?;
        let analysis = if text.len() > DETACH_ABOVE_BYTES {
            py.detach(|| self.inner.analyze_borrowed(&text, &facts, signals))
        } else {
            self.inner.analyze_borrowed(&text, &facts, signals)
        };
        let length = if with_length { text.chars().count() } else { 0 };
        Ok((analysis, facts, length))
    }

    /// The text and the caller's facts (in `analyze`'s keyword order), validated.
    fn arguments<'a>(
        text: &'a Bound<'_, PyAny>,
        facts: [Option<&Bound<'_, PyAny>>; 7],
    ) -> PyResult<(Cow<'a, str>, CallerFacts)> {
        let text = py_args::text(text, "text", Surrogates::Replace)?;
        let facts = caller_facts(facts)?;
        Ok((text, facts))
    }
}

/// `threads`: more threads than 256 only add start-up cost.
const THREADS: CountRange = CountRange {
    min: 1,
    max: 256,
    what: "an int in 1..=256",
};

/// A sequence's texts, copied into one `Batch` under the GIL: each str's UTF-8 bytes
/// go straight into the batch, validated once for the whole batch at the end.
fn sequence_batch(texts: &Bound<'_, PyAny>) -> PyResult<Batch> {
    let iter = texts.try_iter().map_err(|_| {
        PyTypeError::new_err(format!("{SEQUENCE_EXPECTED}, not {}", type_name(texts)))
    })?;
    let hint = texts.len().unwrap_or(0);
    let mut bytes: Vec<u8> = Vec::with_capacity(hint.saturating_mul(64));
    let mut ends = Vec::with_capacity(hint);
    for (i, item) in iter.enumerate() {
        let item = item?;
        let Ok(string) = item.cast::<PyString>() else {
            return Err(PyTypeError::new_err(format!(
                "texts[{i}] must be str, not {}",
                type_name(&item)
            )));
        };
        match string.encode_utf8() {
            Ok(encoded) => bytes.extend_from_slice(encoded.as_bytes()),
            // Lone surrogates cannot be encoded: they become U+FFFD.
            Err(_) => bytes.extend_from_slice(string.to_string_lossy().as_bytes()),
        }
        ends.push(bytes.len());
    }
    // Python's UTF-8 encoder only produces valid UTF-8, so this never replaces
    // anything; it turns the bytes into text without an unchecked conversion.
    let text = String::from_utf8(bytes)
        .unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned());
    Ok(Batch::new(text, ends))
}

/// A NumPy `<U{n}` array: fixed-width UCS-4 code points, NUL-padded, transcoded to
/// UTF-8 under the GIL (Python code cannot change the array meanwhile).
fn unicode_array_batch(py: Python<'_>, array: &Bound<'_, PyUntypedArray>) -> PyResult<Batch> {
    let width = array.dtype().itemsize() / 4;
    let numpy = py.import("numpy")?;
    let flat = numpy
        .call_method1("ascontiguousarray", (array,))?
        .call_method1("view", ("uint32",))?
        .call_method1("reshape", (-1,))?;
    let flat = flat.cast::<PyArray1<u32>>()?.readonly();
    let code_points = flat
        .as_slice()
        .map_err(|err| PyValueError::new_err(format!("texts: {err}")))?;
    Ok(Batch::from_ucs4(code_points, width, array.len()))
}

const SEQUENCE_EXPECTED: &str =
    "texts must be a 1-D sequence of str (list, tuple) or a 1-D numpy.ndarray of str";

/// Only a plain 1-D `numpy.ndarray`: an n-D array would come back flat, and a subclass
/// may give its elements a meaning the buffer does not carry (a masked array's mask).
fn check_texts_array(
    py: Python<'_>,
    texts: &Bound<'_, PyAny>,
    array: &Bound<'_, PyUntypedArray>,
) -> PyResult<()> {
    let ndarray = py
        .import(intern!(py, "numpy"))?
        .getattr(intern!(py, "ndarray"))?;
    if !texts.get_type().is(&ndarray) {
        let name = qualified_type_name(texts);
        let hint = if texts.hasattr(intern!(py, "mask"))? {
            ": masked elements would be scored too; pass texts.compressed() for the unmasked ones"
        } else {
            ": pass numpy.asarray(texts)"
        };
        return Err(PyTypeError::new_err(format!(
            "{SEQUENCE_EXPECTED}, not a {name}{hint}"
        )));
    }
    if array.ndim() != 1 {
        let shape = array
            .shape()
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        return Err(PyTypeError::new_err(format!(
            "{SEQUENCE_EXPECTED}, not a {}-D numpy.ndarray of shape ({shape}): the scores \
             would not keep its shape; pass texts.ravel() to score every element in order",
            array.ndim()
        )));
    }
    Ok(())
}

/// A `collections.abc.Sequence` that is not text: a dict would be scored by its keys, a
/// set in hash order, and an iterator's items cannot be matched to the results by index
/// once consumed (pass `list(...)`).
fn check_texts_sequence(texts: &Bound<'_, PyAny>) -> PyResult<()> {
    let name = type_name(texts);
    if texts.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!(
            "{SEQUENCE_EXPECTED}, not a single str"
        )));
    }
    if texts.is_instance_of::<PyBytes>() || texts.is_instance_of::<PyByteArray>() {
        return Err(PyTypeError::new_err(format!(
            "{SEQUENCE_EXPECTED}, not {name}"
        )));
    }
    if texts.cast::<PySequence>().is_err() {
        let hint = if texts.is_instance_of::<PyDict>() || texts.cast::<PyMapping>().is_ok() {
            " (a mapping would be scored by its keys)"
        } else if texts.is_instance_of::<PySet>() || texts.is_instance_of::<PyFrozenSet>() {
            " (a set has no order to match the results to)"
        } else if texts.hasattr(intern!(texts.py(), "__next__"))? {
            " (an iterator: pass list(texts))"
        } else {
            ""
        };
        return Err(PyTypeError::new_err(format!(
            "{SEQUENCE_EXPECTED}, not {name}{hint}"
        )));
    }
    Ok(())
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyScoringRules>()?;
    m.add_class::<PyScorer>()?;
    m.add_class::<PyAnalysis>()?;
    Ok(())
}
