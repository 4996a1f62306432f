//! The rules file as written: the serde structs of the TOML document, read with
//! errors that name the offending field. What the values mean is the compiler's
//! business (`compile.rs`).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::RulesError;

/// The lexicon's name for verbs that carry no evidence.
pub(super) const NEUTRAL_CLASS: &str = "neutral";

// The file as written
// ---------------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RulesFile {
    pub(super) version: String,
    pub(super) points: PointsFile,
    pub(super) actions: Vec<ActionFile>,
    pub(super) no_action: ModifierPolicyFile,
    pub(super) scope: ScopeFile,
    pub(super) tradeoff: WeightedTermsFile,
    pub(super) coordination: WeightedTermsFile,
    pub(super) narrow: WeightedTermsFile,
    pub(super) domain: DomainFile,
    pub(super) steps: StepsFile,
    pub(super) trivial: TrivialFile,
    pub(super) negation: NegationFile,
    #[serde(default)]
    pub(super) indicators: Vec<IndicatorFile>,
    #[serde(default)]
    pub(super) normalise: NormaliseFile,
    #[serde(default)]
    pub(super) grammar: GrammarFile,
    #[serde(default)]
    pub(super) compounds: CompoundsFile,
    #[serde(default)]
    pub(super) enumeration: EnumerationFile,
    #[serde(default)]
    pub(super) lexicon: BTreeMap<String, BTreeMap<String, TermsFile>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct NormaliseFile {
    #[serde(default)]
    pub(super) prefixes: Vec<String>,
    #[serde(default)]
    pub(super) suffixes: Vec<String>,
    #[serde(default)]
    pub(super) person_endings: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct GrammarFile {
    #[serde(default)]
    pub(super) determiners: Vec<String>,
    #[serde(default)]
    pub(super) light_verbs: Vec<String>,
    #[serde(default)]
    pub(super) noun_verbs: Vec<String>,
    #[serde(default)]
    pub(super) cues: Vec<String>,
    #[serde(default)]
    pub(super) prepositions: Vec<String>,
    #[serde(default)]
    pub(super) requests: Vec<String>,
    #[serde(default)]
    pub(super) alternatives: Vec<String>,
    #[serde(default, alias = "subject_pronouns")]
    pub(super) pronouns: Vec<String>,
    #[serde(default)]
    pub(super) noun_particles: Vec<String>,
    #[serde(default)]
    pub(super) distributives: Vec<String>,
    #[serde(default)]
    pub(super) conditions: Vec<String>,
    #[serde(default)]
    pub(super) whether_verbs: Vec<String>,
    #[serde(default)]
    pub(super) past_auxiliaries: Vec<String>,
    #[serde(default)]
    pub(super) relatives: Vec<String>,
    #[serde(default)]
    pub(super) retrieval_verbs: Vec<String>,
    #[serde(default)]
    pub(super) separable_particles: Vec<String>,
    #[serde(default)]
    pub(super) hyphen_pronouns: Vec<String>,
    #[serde(default)]
    pub(super) lookup_questions: Vec<String>,
    #[serde(default)]
    pub(super) thanks: Vec<String>,
    #[serde(default)]
    pub(super) opinions: Vec<String>,
    #[serde(default)]
    pub(super) method_questions: Vec<String>,
    #[serde(default)]
    pub(super) method_states: Vec<String>,
    #[serde(default)]
    pub(super) method_passed: Vec<String>,
    #[serde(default)]
    pub(super) inverted_subjects: Vec<String>,
    #[serde(default)]
    pub(super) passive_auxiliaries: Vec<String>,
    #[serde(default)]
    pub(super) conjunctions: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct CompoundsFile {
    #[serde(default)]
    pub(super) phrases: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct EnumerationFile {
    #[serde(default)]
    pub(super) points: u8,
    #[serde(default)]
    pub(super) cap: u8,
    #[serde(default)]
    pub(super) free: u8,
    #[serde(default)]
    pub(super) options_from: u8,
    #[serde(default)]
    pub(super) options_points: u8,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PointsFile {
    pub(super) medium_floor: u8,
    pub(super) complex_floor: u8,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ActionFile {
    pub(super) name: String,
    pub(super) verb_complexity: String,
    pub(super) base: u8,
    pub(super) scope_points: u8,
    pub(super) scope_cap: u8,
    pub(super) boosts: bool,
    pub(super) trivial: String,
    #[serde(default)]
    pub(super) floor: u8,
    #[serde(default = "one")]
    pub(super) scope_floor_terms: u8,
    #[serde(default = "inflect_by_default")]
    pub(super) inflect: bool,
    #[serde(default)]
    pub(super) narrow: bool,
    #[serde(default)]
    pub(super) sentence_start: bool,
    #[serde(default)]
    pub(super) question_mark: bool,
    #[serde(default = "default_true")]
    pub(super) weak_trivial: bool,
    #[serde(default)]
    pub(super) weak_points: Option<u8>,
    #[serde(default)]
    pub(super) verb: bool,
    #[serde(default)]
    pub(super) nouns_in_questions: bool,
    #[serde(default)]
    pub(super) status_in_questions: bool,
    #[serde(default)]
    pub(super) weighs_options: bool,
    #[serde(default)]
    pub(super) asks_conditions: bool,
    #[serde(default)]
    pub(super) fallback: bool,
    #[serde(default = "default_true")]
    pub(super) hides_fallback: bool,
    #[serde(default)]
    pub(super) past: bool,
    #[serde(default)]
    pub(super) words: Vec<String>,
    #[serde(default)]
    pub(super) forms: Vec<String>,
    #[serde(default)]
    pub(super) phrases: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ModifierPolicyFile {
    pub(super) base: u8,
    pub(super) scope_points: u8,
    pub(super) scope_cap: u8,
    pub(super) boosts: bool,
    pub(super) trivial: String,
    #[serde(default)]
    pub(super) floor: u8,
    #[serde(default = "one")]
    pub(super) scope_floor_terms: u8,
    #[serde(default)]
    pub(super) narrow: bool,
    #[serde(default = "default_true")]
    pub(super) weak_trivial: bool,
    #[serde(default)]
    pub(super) weak_points: Option<u8>,
}

fn one() -> u8 {
    1
}

fn inflect_by_default() -> bool {
    true
}

fn default_true() -> bool {
    true
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct TermsFile {
    #[serde(default)]
    pub(super) words: Vec<String>,
    #[serde(default)]
    pub(super) forms: Vec<String>,
    #[serde(default)]
    pub(super) phrases: Vec<String>,
}

/// System-wide reach: its words, forms and phrases, and the units a universal
/// quantifier makes system-wide ("every internal service").
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ScopeFile {
    #[serde(default)]
    pub(super) words: Vec<String>,
    #[serde(default)]
    pub(super) forms: Vec<String>,
    #[serde(default)]
    pub(super) phrases: Vec<String>,
    #[serde(default)]
    pub(super) quantifiers: Vec<String>,
    #[serde(default)]
    pub(super) unit_window: u8,
    #[serde(default)]
    pub(super) units: TermsFile,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WeightedTermsFile {
    pub(super) points: u8,
    pub(super) cap: u8,
    #[serde(default)]
    pub(super) words: Vec<String>,
    #[serde(default)]
    pub(super) forms: Vec<String>,
    #[serde(default)]
    pub(super) phrases: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DomainFile {
    pub(super) points: u8,
    pub(super) cap: u8,
    pub(super) medium_floor_hits: u8,
    pub(super) complex_floor_hits: u8,
    #[serde(default)]
    pub(super) words: Vec<String>,
    #[serde(default)]
    pub(super) forms: Vec<String>,
    #[serde(default)]
    pub(super) phrases: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct StepsFile {
    pub(super) points: u8,
    pub(super) cap: u8,
    #[serde(default)]
    pub(super) words: Vec<String>,
    #[serde(default)]
    pub(super) forms: Vec<String>,
    #[serde(default)]
    pub(super) phrases: Vec<String>,
    pub(super) markers: Vec<String>,
    pub(super) ordinals: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TrivialFile {
    pub(super) weak_points: u8,
    pub(super) strong_points: u8,
    pub(super) value_words: Vec<String>,
    #[serde(default)]
    pub(super) replacement_words: Vec<String>,
    pub(super) weak: Vec<String>,
    #[serde(default)]
    pub(super) weak_phrases: Vec<String>,
    pub(super) strong: Vec<String>,
    #[serde(default)]
    pub(super) strong_phrases: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NegationFile {
    pub(super) window: u8,
    pub(super) forms: Vec<String>,
    #[serde(default)]
    pub(super) after: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct IndicatorFile {
    pub(super) name: String,
    #[serde(default)]
    pub(super) words: Vec<String>,
    #[serde(default)]
    pub(super) forms: Vec<String>,
    #[serde(default)]
    pub(super) phrases: Vec<String>,
}

impl RulesFile {
    /// Reads a rules document into its schema; a wrong type, a missing or an unknown
    /// key is a `RulesError` naming its dotted path.
    pub(super) fn parse(text: &str) -> Result<Self, RulesError> {
        let deserializer = toml::Deserializer::parse(text)
            .map_err(|err| RulesError::new("<document>", err.to_string().trim_end().to_owned()))?;
        serde_path_to_error::deserialize(deserializer).map_err(|err| {
            let path = err.path().to_string();
            let message = err.into_inner().message().to_owned();
            RulesError::new(
                if path == "." {
                    "<document>".to_owned()
                } else {
                    path
                },
                message,
            )
        })
    }
}
