//! The complexity engine: a rules file (vocabulary, phrases, weights), a one-pass
//! word scanner and the scorer that turns the evidence into points and a tier, and
//! batch scoring over threads. Pure Rust; the Python shim lives in `py_scoring.rs`.

mod batch;
mod evidence;
mod rules;
mod scorer;
mod short_words;
mod tokenizer;

pub use batch::Batch;
pub use rules::{RulesError, ScoringRules};
#[cfg(feature = "python")]
pub(crate) use scorer::SIGNALS_CAPACITY;
pub use scorer::{
    Analysis, CallerFacts, Level, Scorer, TechnicalDepth, Thresholds, ThresholdsError,
    VerbComplexity,
};
pub use tokenizer::for_each_word;
