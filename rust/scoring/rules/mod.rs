//! The scoring rules: the file as written (`schema`), the compiled tables the
//! scanner and the scorer read (`model`), and the compiler between them that
//! validates every value with an error naming its field (`compile`).

use std::fmt;
use std::path::Path;

use crate::error::{CoreError, CoreResult};

mod compile;
mod model;
mod romance;
mod schema;

pub use model::ScoringRules;
pub(crate) use model::*;

/// The rules shipped with the package, embedded at build time.
const DEFAULT_RULES: &str = include_str!("../../../python/claude_pm/data/scoring_rules.toml");

/// A malformed rules file. `field` is the dotted path of the offending value
/// (`actions[2].base`), or `<document>` for TOML syntax errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulesError {
    pub field: String,
    pub message: String,
}

impl RulesError {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for RulesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "scoring rules field `{}`: {}", self.field, self.message)
    }
}

impl std::error::Error for RulesError {}

impl ScoringRules {
    /// The rules shipped with the package.
    pub fn default_rules() -> Self {
        // The embedded file is validated by a unit test, so this cannot fail at run time.
        match Self::from_toml(DEFAULT_RULES) {
            Ok(rules) => rules,
            Err(err) => unreachable!("embedded scoring rules are invalid: {err}"),
        }
    }

    /// Parses and validates a rules document.
    pub fn from_toml(text: &str) -> Result<Self, RulesError> {
        compile::compile(schema::RulesFile::parse(text)?)
    }

    /// Reads, parses and validates a rules file; an unreadable file is
    /// `CoreError::Io` naming the path.
    pub fn from_path(path: &Path) -> CoreResult<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| CoreError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Self::from_toml(&text)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(find: &str, replace: &str) -> String {
        assert!(
            DEFAULT_RULES.contains(find),
            "fixture text not found: {find}"
        );
        DEFAULT_RULES.replacen(find, replace, 1)
    }

    #[test]
    fn shipped_rules_load() {
        let rules = ScoringRules::from_toml(DEFAULT_RULES).unwrap();
        assert!(!rules.version().is_empty());
        assert!(rules.classes.len() >= 5);
    }

    #[test]
    fn a_wrong_type_names_the_field() {
        let text = with("base = 78", "base = \"high\"");
        let err = ScoringRules::from_toml(&text).unwrap_err();
        assert_eq!(err.field, "actions[0].base");
    }

    #[test]
    fn a_missing_field_names_its_table() {
        let text = with("weak_points = 15\n", "");
        let err = ScoringRules::from_toml(&text).unwrap_err();
        assert_eq!(err.field, "trivial");
        assert!(err.message.contains("weak_points"), "{}", err.message);
    }

    #[test]
    fn out_of_range_points_name_the_field() {
        let text = with("complex_floor = 75", "complex_floor = 175");
        let err = ScoringRules::from_toml(&text).unwrap_err();
        assert_eq!(err.field, "points.complex_floor");
    }

    #[test]
    fn a_form_with_two_words_is_rejected() {
        let text = with("\"proof\", \"proofs\",", "\"proof\", \"proof read\",");
        let err = ScoringRules::from_toml(&text).unwrap_err();
        assert_eq!(err.field, "actions[1].forms[6]");
    }

    #[test]
    fn an_unknown_verb_complexity_lists_the_allowed_values() {
        let text = with(
            "verb_complexity = \"complex\"",
            "verb_complexity = \"huge\"",
        );
        let err = ScoringRules::from_toml(&text).unwrap_err();
        assert_eq!(err.field, "actions[0].verb_complexity");
        assert!(err.message.contains("\"simple\""));
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let text = with("[points]\n", "[points]\nbonus = 3\n");
        let err = ScoringRules::from_toml(&text).unwrap_err();
        assert!(err.message.contains("bonus"), "{err}");
    }

    #[test]
    fn syntax_errors_point_at_the_document() {
        let err = ScoringRules::from_toml("version = ").unwrap_err();
        assert_eq!(err.field, "<document>");
    }
}
