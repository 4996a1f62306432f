//! The rules file: parsing, validation with errors that name the field, and the
//! compiled word and phrase tables the scanner looks words up in.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

use aho_corasick::{AhoCorasick, MatchKind};
use rustc_hash::FxHashMap;
use serde::Deserialize;

use super::short_words::{pack_short, ShortWords};
use super::tokenizer::{for_each_word, is_segmented};

/// The rules shipped with the package, embedded at build time.
const DEFAULT_RULES: &str = include_str!("../../python/claude_pm/data/scoring_rules.toml");

/// The lexicon's name for verbs that carry no evidence.
const NEUTRAL_CLASS: &str = "neutral";
/// Phrases are matched on at most this many consecutive words.
pub(crate) const MAX_PHRASE_WORDS: usize = 4;
/// Action classes are tracked in fixed-size arrays on the hot path.
pub(crate) const MAX_ACTION_CLASSES: usize = 16;
/// Indicators are tracked in a 64-bit mask.
const MAX_INDICATORS: usize = 64;

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

// ---------------------------------------------------------------------------------
// The file as written
// ---------------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    version: String,
    points: PointsFile,
    actions: Vec<ActionFile>,
    no_action: ModifierPolicyFile,
    scope: TermsFile,
    tradeoff: WeightedTermsFile,
    coordination: WeightedTermsFile,
    narrow: WeightedTermsFile,
    domain: DomainFile,
    steps: StepsFile,
    trivial: TrivialFile,
    negation: NegationFile,
    #[serde(default)]
    indicators: Vec<IndicatorFile>,
    #[serde(default)]
    normalise: NormaliseFile,
    #[serde(default)]
    grammar: GrammarFile,
    #[serde(default)]
    compounds: CompoundsFile,
    #[serde(default)]
    enumeration: EnumerationFile,
    #[serde(default)]
    lexicon: BTreeMap<String, BTreeMap<String, TermsFile>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct NormaliseFile {
    #[serde(default)]
    prefixes: Vec<String>,
    #[serde(default)]
    suffixes: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct GrammarFile {
    #[serde(default)]
    determiners: Vec<String>,
    #[serde(default)]
    light_verbs: Vec<String>,
    #[serde(default)]
    noun_verbs: Vec<String>,
    #[serde(default)]
    cues: Vec<String>,
    #[serde(default)]
    prepositions: Vec<String>,
    #[serde(default)]
    requests: Vec<String>,
    #[serde(default)]
    alternatives: Vec<String>,
    #[serde(default)]
    subject_pronouns: Vec<String>,
    #[serde(default)]
    noun_particles: Vec<String>,
    #[serde(default)]
    distributives: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct CompoundsFile {
    #[serde(default)]
    phrases: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct EnumerationFile {
    #[serde(default)]
    points: u8,
    #[serde(default)]
    cap: u8,
    #[serde(default)]
    free: u8,
    #[serde(default)]
    options_from: u8,
    #[serde(default)]
    options_points: u8,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PointsFile {
    medium_floor: u8,
    complex_floor: u8,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActionFile {
    name: String,
    verb_complexity: String,
    base: u8,
    scope_points: u8,
    scope_cap: u8,
    boosts: bool,
    trivial: String,
    #[serde(default)]
    floor: u8,
    #[serde(default = "inflect_by_default")]
    inflect: bool,
    #[serde(default)]
    narrow: bool,
    #[serde(default)]
    sentence_start: bool,
    #[serde(default)]
    question_mark: bool,
    #[serde(default = "default_true")]
    weak_trivial: bool,
    #[serde(default)]
    verb: bool,
    #[serde(default)]
    nouns_in_questions: bool,
    #[serde(default)]
    status_in_questions: bool,
    #[serde(default)]
    weighs_options: bool,
    #[serde(default)]
    fallback: bool,
    #[serde(default = "default_true")]
    hides_fallback: bool,
    #[serde(default)]
    past: bool,
    #[serde(default)]
    words: Vec<String>,
    #[serde(default)]
    forms: Vec<String>,
    #[serde(default)]
    phrases: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModifierPolicyFile {
    base: u8,
    scope_points: u8,
    scope_cap: u8,
    boosts: bool,
    trivial: String,
    #[serde(default)]
    floor: u8,
    #[serde(default)]
    narrow: bool,
    #[serde(default = "default_true")]
    weak_trivial: bool,
}

fn inflect_by_default() -> bool {
    true
}

fn default_true() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TermsFile {
    #[serde(default)]
    words: Vec<String>,
    #[serde(default)]
    forms: Vec<String>,
    #[serde(default)]
    phrases: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WeightedTermsFile {
    points: u8,
    cap: u8,
    #[serde(default)]
    words: Vec<String>,
    #[serde(default)]
    forms: Vec<String>,
    #[serde(default)]
    phrases: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DomainFile {
    points: u8,
    cap: u8,
    medium_floor_hits: u8,
    complex_floor_hits: u8,
    #[serde(default)]
    words: Vec<String>,
    #[serde(default)]
    forms: Vec<String>,
    #[serde(default)]
    phrases: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StepsFile {
    points: u8,
    cap: u8,
    #[serde(default)]
    words: Vec<String>,
    #[serde(default)]
    forms: Vec<String>,
    #[serde(default)]
    phrases: Vec<String>,
    markers: Vec<String>,
    ordinals: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TrivialFile {
    weak_points: u8,
    strong_points: u8,
    value_words: Vec<String>,
    weak: Vec<String>,
    #[serde(default)]
    weak_phrases: Vec<String>,
    strong: Vec<String>,
    #[serde(default)]
    strong_phrases: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NegationFile {
    window: u8,
    forms: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IndicatorFile {
    name: String,
    #[serde(default)]
    words: Vec<String>,
    #[serde(default)]
    forms: Vec<String>,
    #[serde(default)]
    phrases: Vec<String>,
}

// ---------------------------------------------------------------------------------
// Compiled rules
// ---------------------------------------------------------------------------------

/// Which list a word or phrase belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Group {
    Action(u8),
    Scope,
    Tradeoff,
    Coordination,
    Narrow,
    Domain,
    Sequencer,
    StepMarker,
    Ordinal,
    TrivialWeak,
    TrivialStrong,
    ValueWord,
    Negator,
    Indicator(u8),
    /// A known word that carries no evidence (the lexicon's `neutral` class).
    Neutral,
    /// An article or possessive: a verb right after one is a noun ("the upload").
    Determiner,
    /// A verb that takes an action noun as its object ("do a review").
    LightVerb,
    /// Two words that name a thing, not an action ("audit log"): their actions
    /// are withdrawn.
    Compound,
    /// A verb more often used as a noun ("build", "test"): an action only where a
    /// verb stands (a clause start, or after a cue word).
    NounVerb,
    /// A word after which a verb stands ("to", "please", "and", "you").
    Cue,
    /// A preposition: the bare verb after it is a noun ("on submit").
    Preposition,
    /// A sentence opener that makes a question a request ("can you").
    Request,
    /// A subject pronoun: after a light verb it keeps the verb's object open
    /// ("brauch ich einen Plan": the plan is what is needed).
    SubjectPronoun,
    /// "per", "each", "by": the narrow unit after it is every unit ("per table",
    /// "page by page"), not one.
    Distributive,
    /// "or" and its translations: in a question, the sentence offers alternatives
    /// to weigh ("Kafka or RabbitMQ?"). The term indexes the trade-off names.
    Alternative,
}

/// One vocabulary hit: the list and the term's index in that list's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hit {
    pub group: Group,
    pub term: u16,
    /// The bare form of a verb listed under `words` (its base or -s form), which a
    /// determiner or a preposition makes a noun ("the upload", "on submit").
    pub bare: bool,
}

/// How an action class (or the no-action case) turns evidence into points.
#[derive(Debug, Clone)]
pub(crate) struct Policy {
    pub base: i32,
    pub scope_points: i32,
    pub scope_cap: i32,
    pub boosts: bool,
    pub trivial: Triviality,
    /// The lowest points this candidate can end with.
    pub floor: i32,
    /// Whether narrow-scope words ("this function") pull it down when no scope
    /// term was found.
    pub narrow: bool,
    /// Whether weak triviality words ("just", "small") pull it down; strong ones
    /// ("typo") always do where `trivial` allows.
    pub weak_trivial: bool,
}

/// When triviality words pull a candidate down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Triviality {
    Always,
    Never,
    /// Only when the text names no system-wide scope.
    Unscoped,
}

impl Triviality {
    fn parse(field: &str, value: &str) -> Result<Self, RulesError> {
        match value {
            "always" => Ok(Self::Always),
            "never" => Ok(Self::Never),
            "unscoped" => Ok(Self::Unscoped),
            other => Err(RulesError::new(
                field,
                format!(
                    "{other:?} is not allowed: expected one of \"always\", \"never\", \"unscoped\""
                ),
            )),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct ActionClass {
    pub name: String,
    pub verb_complexity: super::VerbComplexity,
    pub policy: Policy,
    pub sentence_start: bool,
    /// Its words are verbs: right after a determiner they are nouns and do not count.
    pub verb: bool,
    /// In a question about a fact, any of its words right after a determiner or a
    /// preposition is the thing asked about ("which team owns the integration?"),
    /// not work asked for, even a form listed as a noun.
    pub nouns_in_questions: bool,
    /// In a question about a fact, its words ask for a status ("is the build
    /// broken?"), not for work on it.
    pub status_in_questions: bool,
    /// A list it works over names options to weigh ("analyse partitioning,
    /// clustering and caching"): trade-off evidence.
    pub weighs_options: bool,
    /// It is a candidate only when no other class is found ("the failing
    /// checks" is the object of "count", not a report to debug).
    pub fallback: bool,
    /// Whether finding it hides the fallback classes: a question or a greeting
    /// does not hide a reported problem ("hi, the build fails").
    pub hides_fallback: bool,
    /// The term a sentence ending in a question mark counts as, for the class
    /// that sets `question_mark`.
    pub question_term: Option<u16>,
    pub terms: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Weighted {
    pub points: i32,
    pub cap: i32,
    pub terms: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct DomainRules {
    pub weighted: Weighted,
    pub medium_floor_hits: usize,
    pub complex_floor_hits: usize,
}

#[derive(Debug, Clone)]
pub(crate) struct TrivialRules {
    pub weak_points: i32,
    pub strong_points: i32,
    pub weak_terms: Vec<String>,
    pub strong_terms: Vec<String>,
    /// Index in `weak_terms` of the "a value is given" evidence.
    pub value_term: u16,
}

#[derive(Debug, Clone, Copy, Default)]
struct Entry {
    hits_start: u32,
    hits_len: u16,
    /// Where the word stands in phrases (`PHRASE_*` bits): most phrase words never end
    /// one, so the matcher skips them.
    phrase_roles: u8,
    /// 1-based id of the word inside phrases, 0 when no phrase uses it.
    phrase_word: u32,
    /// The grammar roles among its hits (`ROLE_*` bits), so the scanner reads them
    /// without walking the hits.
    roles: u8,
}

/// A step ordinal ("first").
pub(crate) const ROLE_ORDINAL: u8 = 1;
/// A determiner ("the").
pub(crate) const ROLE_DETERMINER: u8 = 2;
/// A light verb ("do").
pub(crate) const ROLE_LIGHT_VERB: u8 = 4;
/// A cue or a sequencer: a verb may follow.
pub(crate) const ROLE_CUE: u8 = 8;
/// A preposition.
pub(crate) const ROLE_PREPOSITION: u8 = 16;
/// A verb more often used as a noun.
pub(crate) const ROLE_NOUN_VERB: u8 = 32;
/// A subject pronoun ("ich" in "brauch ich").
pub(crate) const ROLE_SUBJECT_PRONOUN: u8 = 64;
/// A distributive ("per").
pub(crate) const ROLE_DISTRIBUTIVE: u8 = 128;

impl Group {
    /// The `ROLE_*` bit of this group, 0 for none.
    fn role(self) -> u8 {
        match self {
            Group::Ordinal => ROLE_ORDINAL,
            Group::Determiner => ROLE_DETERMINER,
            Group::LightVerb => ROLE_LIGHT_VERB,
            Group::Cue | Group::Sequencer => ROLE_CUE,
            Group::Preposition => ROLE_PREPOSITION,
            Group::NounVerb => ROLE_NOUN_VERB,
            Group::SubjectPronoun => ROLE_SUBJECT_PRONOUN,
            Group::Distributive => ROLE_DISTRIBUTIVE,
            _ => 0,
        }
    }

    /// Whether recording a hit of this group changes the evidence; the others only
    /// carry a role, read from `Entry::roles`.
    fn records(self) -> bool {
        !matches!(
            self,
            Group::Ordinal
                | Group::Preposition
                | Group::Neutral
                | Group::Determiner
                | Group::LightVerb
                | Group::NounVerb
                | Group::Cue
                | Group::SubjectPronoun
                | Group::Distributive
        )
    }
}

/// The word ends a phrase.
pub(crate) const PHRASE_END: u8 = 1;
/// The word starts a phrase.
pub(crate) const PHRASE_START: u8 = 2;
/// The word starts a compound ("audit" in "audit log").
pub(crate) const COMPOUND_START: u8 = 4;

/// A word or phrase found in the text: its hits.
pub(crate) type Hits<'r> = &'r [Hit];

/// Compiled, immutable scoring rules. Cheap to share behind an `Arc`.
#[derive(Debug, Clone)]
pub struct ScoringRules {
    pub(crate) version: String,
    pub(crate) medium_floor: i32,
    pub(crate) complex_floor: i32,
    pub(crate) classes: Vec<ActionClass>,
    pub(crate) no_action: Policy,
    pub(crate) scope_terms: Vec<String>,
    pub(crate) tradeoff: Weighted,
    pub(crate) coordination: Weighted,
    pub(crate) narrow: Weighted,
    pub(crate) domain: DomainRules,
    pub(crate) step_points: i32,
    pub(crate) step_cap: i32,
    pub(crate) trivial: TrivialRules,
    pub(crate) negation_window: u32,
    pub(crate) indicators: Vec<String>,
    /// Words of up to 8 bytes, keyed by their bytes packed into an integer: one
    /// multiply to hash, one compare to match (most words are this short).
    short_words: ShortWords<Entry>,
    long_words: FxHashMap<Box<str>, Entry>,
    /// Longer words cannot be in the table; they skip the lookup.
    longest_word: usize,
    hits: Vec<Hit>,
    phrases: FxHashMap<[u32; MAX_PHRASE_WORDS], Range<u32>>,
    /// The phrases' (length, first word, last word), so most words that end some
    /// phrase skip the phrase table.
    phrase_filter: PhraseFilter,
    /// Word prefixes joined to the word after a hyphen ("re-host") and stripped
    /// from words the vocabulary lacks ("rehost" -> "host").
    prefixes: Vec<String>,
    /// Clitic endings stripped from a word the vocabulary lacks ("muéstrame" ->
    /// "muestra"), with the stress mark the ending added removed.
    suffixes: Vec<String>,
    /// Which bytes begin a prefix and end a suffix: most words have neither.
    affix_bytes: AffixBytes,
    /// The class a sentence ending in a question mark counts for.
    pub(crate) question_class: Option<u8>,
    pub(crate) enumeration: Enumeration,
    /// Dictionary matching over runs of scripts written without spaces.
    segmenter: Option<Segmenter>,
}

/// A set of (length, first word id, last word id) as one bit per hash: a clear bit
/// means no phrase has them; a set bit is confirmed in the phrase table.
#[derive(Debug, Clone)]
struct PhraseFilter {
    bits: Box<[u64]>,
}

impl PhraseFilter {
    const BITS_LOG2: u32 = 16;

    fn new<'k>(keys: impl Iterator<Item = &'k [u32; MAX_PHRASE_WORDS]>) -> Self {
        let mut filter = Self {
            bits: vec![0; (1 << Self::BITS_LOG2) / 64].into_boxed_slice(),
        };
        for key in keys {
            let len = key.iter().take_while(|&&id| id != 0).count();
            let bit = Self::bit(len, key[0], key[len - 1]);
            filter.bits[bit / 64] |= 1 << (bit % 64);
        }
        filter
    }

    #[inline(always)]
    fn bit(len: usize, first: u32, last: u32) -> usize {
        let key = (u64::from(first) << 32 | u64::from(last)) ^ ((len as u64) << 60);
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - Self::BITS_LOG2)) as usize
    }

    #[inline(always)]
    fn may_contain(&self, len: usize, first: u32, last: u32) -> bool {
        let bit = Self::bit(len, first, last);
        self.bits
            .get(bit / 64)
            .is_some_and(|word| word & (1 << (bit % 64)) != 0)
    }
}

/// Points for a list of items: `points` per comma beyond the first `free`, up to `cap`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Enumeration {
    pub points: i32,
    pub cap: i32,
    pub free: u32,
    /// The commas from which a class that weighs options takes the items for
    /// alternatives, and the points that earns.
    pub options_from: u32,
    pub options_points: i32,
}

/// The first bytes of the prefixes and the last bytes of the suffixes.
#[derive(Debug, Clone)]
struct AffixBytes {
    prefix_first: [bool; 256],
    suffix_last: [bool; 256],
}

impl AffixBytes {
    fn new(prefixes: &[String], suffixes: &[String]) -> Self {
        let mut bytes = Self {
            prefix_first: [false; 256],
            suffix_last: [false; 256],
        };
        for p in prefixes {
            if let Some(&b) = p.as_bytes().first() {
                bytes.prefix_first[usize::from(b)] = true;
            }
        }
        for s in suffixes {
            if let Some(&b) = s.as_bytes().last() {
                bytes.suffix_last[usize::from(b)] = true;
            }
        }
        bytes
    }
}

/// Removes the stress marks a clitic ending adds to a Spanish verb.
fn fold_stress(word: &str, out: &mut String) {
    out.clear();
    out.extend(word.chars().map(|c| match c {
        'á' => 'a',
        'é' => 'e',
        'í' => 'i',
        'ó' => 'o',
        'ú' => 'u',
        other => other,
    }));
}

/// The vocabulary's words in scripts written without spaces, found inside a run
/// by leftmost-longest matching.
#[derive(Debug, Clone)]
struct Segmenter {
    automaton: AhoCorasick,
    entries: Vec<Entry>,
    /// A word followed by one of these modifies a noun ("設定の", "写的").
    noun_particles: Vec<String>,
}

/// A word looked up in the tables.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lookup<'r> {
    /// The hits that change the evidence, in the rules' order.
    pub hits: Hits<'r>,
    pub phrase_word: u32,
    pub phrase_roles: u8,
    /// `ROLE_*` bits.
    pub roles: u8,
}

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
        let deserializer = toml::Deserializer::parse(text)
            .map_err(|err| RulesError::new("<document>", err.to_string().trim_end().to_owned()))?;
        let file: RulesFile = serde_path_to_error::deserialize(deserializer).map_err(|err| {
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
        })?;
        Compiler::default().compile(file)
    }

    /// The file's `version`.
    pub fn version(&self) -> &str {
        &self.version
    }

    #[inline(always)]
    pub(crate) fn lookup(&self, word: &str) -> Option<Lookup<'_>> {
        if word.len() > self.longest_word {
            return None;
        }
        let entry = match pack_short(word) {
            Some(key) => self.short_words.get(key)?,
            None => self.long_words.get(word)?,
        };
        Some(self.entry_lookup(entry))
    }

    #[inline(always)]
    fn entry_lookup(&self, entry: &Entry) -> Lookup<'_> {
        let start = entry.hits_start as usize;
        Lookup {
            hits: &self.hits[start..start + entry.hits_len as usize],
            phrase_word: entry.phrase_word,
            phrase_roles: entry.phrase_roles,
            roles: entry.roles,
        }
    }

    /// Calls `on_match` with the hits of every vocabulary word found in a run of a
    /// script written without spaces, left to right, longest first.
    pub(crate) fn for_each_segment(&self, run: &str, mut on_match: impl FnMut(Hits<'_>, bool)) {
        if let Some(segmenter) = &self.segmenter {
            for found in segmenter.automaton.find_iter(run) {
                let entry = &segmenter.entries[found.pattern().as_usize()];
                let rest = &run[found.end()..];
                let noun = segmenter
                    .noun_particles
                    .iter()
                    .any(|p| rest.starts_with(p.as_str()));
                on_match(self.entry_lookup(entry).hits, noun);
            }
        }
    }

    /// Whether `word` is a configured prefix.
    pub(crate) fn prefix_index(&self, word: &str) -> Option<usize> {
        self.prefixes.iter().position(|p| p == word)
    }

    pub(crate) fn prefix(&self, index: usize) -> &str {
        &self.prefixes[index]
    }

    /// `word` without its prefix, when it has one and at least three letters remain.
    pub(crate) fn strip_prefix<'w>(&self, word: &'w str) -> Option<&'w str> {
        if !word
            .as_bytes()
            .first()
            .is_some_and(|&b| self.affix_bytes.prefix_first[usize::from(b)])
        {
            return None;
        }
        self.prefixes.iter().find_map(|p| {
            word.strip_prefix(p.as_str())
                .filter(|rest| rest.len() >= 3 && rest.is_char_boundary(0))
        })
    }

    /// The entry of `word` without a clitic ending, looked up as written and with
    /// its stress mark removed; `buf` is scratch space.
    pub(crate) fn lookup_without_suffix(&self, word: &str, buf: &mut String) -> Option<Lookup<'_>> {
        if !word
            .as_bytes()
            .last()
            .is_some_and(|&b| self.affix_bytes.suffix_last[usize::from(b)])
        {
            return None;
        }
        let stem = self.suffixes.iter().find_map(|s| {
            word.strip_suffix(s.as_str())
                .filter(|stem| stem.chars().count() >= 3)
        })?;
        self.lookup(stem).or_else(|| {
            fold_stress(stem, buf);
            self.lookup(buf)
        })
    }

    /// Whether some phrase of `len` words starts with word id `first` and ends with
    /// `last` (false positives possible, never false negatives).
    #[inline(always)]
    pub(crate) fn may_be_phrase(&self, len: usize, first: u32, last: u32) -> bool {
        self.phrase_filter.may_contain(len, first, last)
    }

    /// Hits of the phrase made of these phrase-word ids (zero-padded), if any.
    pub(crate) fn phrase(&self, key: &[u32; MAX_PHRASE_WORDS]) -> Option<Hits<'_>> {
        self.phrases
            .get(key)
            .map(|r| &self.hits[r.start as usize..r.end as usize])
    }
}

// ---------------------------------------------------------------------------------
// Compilation
// ---------------------------------------------------------------------------------

#[derive(Default)]
struct Compiler {
    words: FxHashMap<String, (Vec<Hit>, u32)>,
    /// `PHRASE_*` bits per phrase-word id.
    phrase_roles: FxHashMap<u32, u8>,
    phrase_word_ids: FxHashMap<String, u32>,
    phrases: FxHashMap<[u32; MAX_PHRASE_WORDS], Vec<Hit>>,
}

fn check_points(field: &str, value: u8) -> Result<i32, RulesError> {
    if value > 100 {
        return Err(RulesError::new(
            field,
            format!("{value} is out of range: expected 0..=100"),
        ));
    }
    Ok(i32::from(value))
}

fn parse_verb_complexity(field: &str, value: &str) -> Result<super::VerbComplexity, RulesError> {
    use super::VerbComplexity as V;
    match value {
        "simple" => Ok(V::Simple),
        "medium" => Ok(V::Medium),
        "complex" => Ok(V::Complex),
        other => Err(RulesError::new(
            field,
            format!(
                "{other:?} is not allowed: expected one of \"simple\", \"medium\", \"complex\""
            ),
        )),
    }
}

/// Normalises one configured word the way the scanner sees text.
fn single_word(field: &str, raw: &str) -> Result<String, RulesError> {
    let mut found: Vec<String> = Vec::new();
    for_each_word(raw, &mut String::new(), |w| found.push(w.text.to_owned()));
    match found.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(RulesError::new(
            field,
            format!("{raw:?} must be exactly one word"),
        )),
    }
}

fn phrase_words(field: &str, raw: &str) -> Result<Vec<String>, RulesError> {
    let mut found: Vec<String> = Vec::new();
    for_each_word(raw, &mut String::new(), |w| found.push(w.text.to_owned()));
    if !(2..=MAX_PHRASE_WORDS).contains(&found.len()) {
        return Err(RulesError::new(
            field,
            format!("{raw:?} must have 2 to {MAX_PHRASE_WORDS} words"),
        ));
    }
    if found.iter().any(|w| is_segmented_word(w)) {
        return Err(RulesError::new(
            field,
            format!(
                "{raw:?} holds words of a script written without spaces: list them as one form"
            ),
        ));
    }
    Ok(found)
}

/// Whether a normalised word is a run of a dictionary-segmented script.
fn is_segmented_word(word: &str) -> bool {
    word.chars().next().is_some_and(is_segmented)
}

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u')
}

/// The English inflections recognised for a base form listed under `words`:
/// +s, +es, +ing; a final "e" dropped before -ing; a final consonant-y becoming
/// -ies; a final consonant-vowel-consonant (not w, x, y) doubled before -ing. With
/// `past`, also +ed (+d after a final "e", -ied, the doubled consonant before -ed):
/// past forms describe a state ("the files you changed"), not a request, so only
/// classes that report what happened ("it crashed") take them.
pub(crate) fn inflections(base: &str, past: bool) -> Vec<String> {
    let mut forms = vec![
        base.to_owned(),
        format!("{base}s"),
        format!("{base}es"),
        format!("{base}ing"),
    ];
    if past {
        forms.push(format!("{base}ed"));
    }
    let chars: Vec<char> = base.chars().collect();
    let n = chars.len();
    if let Some(stem) = base.strip_suffix('e') {
        forms.push(format!("{stem}ing"));
        if past {
            forms.push(format!("{base}d"));
        }
    }
    if n >= 2 && chars[n - 1] == 'y' && !is_vowel(chars[n - 2]) {
        let stem: String = chars[..n - 1].iter().collect();
        forms.push(format!("{stem}ies"));
        if past {
            forms.push(format!("{stem}ied"));
        }
    }
    if n >= 3 {
        let (a, b, c) = (chars[n - 3], chars[n - 2], chars[n - 1]);
        let consonant = |x: char| x.is_ascii_alphabetic() && !is_vowel(x);
        if consonant(a) && is_vowel(b) && consonant(c) && !matches!(c, 'w' | 'x' | 'y') {
            forms.push(format!("{base}{c}ing"));
            if past {
                forms.push(format!("{base}{c}ed"));
            }
        }
    }
    forms
}

fn prefix_all(terms: &mut [String], kind: &str) {
    for term in terms {
        *term = format!("{kind}:{term}");
    }
}

/// Which inflections of `words` a list recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Inflect {
    /// The word as written only.
    None,
    /// Present forms: -s, -es, -ing.
    Present,
    /// Present and past forms.
    All,
}

impl Inflect {
    fn of(inflect: bool, past: bool) -> Self {
        match (inflect, past) {
            (false, _) => Self::None,
            (true, false) => Self::Present,
            (true, true) => Self::All,
        }
    }
}

/// The names of one list's terms, interned in order of first appearance.
#[derive(Default)]
struct TermNames {
    names: Vec<String>,
    index: FxHashMap<String, u16>,
}

impl TermNames {
    /// The index of `name` in the list, adding it when new.
    fn intern(&mut self, name: &str, field: &str) -> Result<u16, RulesError> {
        if let Some(&i) = self.index.get(name) {
            return Ok(i);
        }
        let index = u16::try_from(self.names.len())
            .map_err(|_| RulesError::new(field, "too many terms in one list (at most 65535)"))?;
        self.names.push(name.to_owned());
        self.index.insert(name.to_owned(), index);
        Ok(index)
    }

    fn into_names(self) -> Vec<String> {
        self.names
    }
}

struct TermLists<'a> {
    words: &'a [String],
    forms: &'a [String],
    phrases: &'a [String],
}

impl<'a> TermLists<'a> {
    /// Exact forms and phrases, no inflected base words.
    fn exact(forms: &'a [String], phrases: &'a [String]) -> Self {
        Self {
            words: &[],
            forms,
            phrases,
        }
    }
}

/// The `words`, `forms` and `phrases` of one rules-file section.
macro_rules! term_lists {
    ($section:expr) => {
        TermLists {
            words: &$section.words,
            forms: &$section.forms,
            phrases: &$section.phrases,
        }
    };
}

impl Compiler {
    fn add_word(&mut self, word: String, hit: Hit) {
        let slot = self.words.entry(word).or_default();
        if !slot.0.contains(&hit) {
            slot.0.push(hit);
        }
    }

    fn phrase_word_id(&mut self, word: &str) -> u32 {
        let next = self.phrase_word_ids.len() as u32 + 1;
        let id = *self.phrase_word_ids.entry(word.to_owned()).or_insert(next);
        self.words.entry(word.to_owned()).or_default().1 = id;
        id
    }

    fn add_phrase(&mut self, words: &[String], hit: Hit) {
        let mut key = [0u32; MAX_PHRASE_WORDS];
        for (slot, word) in key.iter_mut().zip(words) {
            *slot = self.phrase_word_id(word);
        }
        let start = PHRASE_START
            | if hit.group == Group::Compound {
                COMPOUND_START
            } else {
                0
            };
        *self.phrase_roles.entry(key[0]).or_default() |= start;
        *self.phrase_roles.entry(key[words.len() - 1]).or_default() |= PHRASE_END;
        let hits = self.phrases.entry(key).or_default();
        if !hits.contains(&hit) {
            hits.push(hit);
        }
    }

    /// Adds every word, form and phrase of a list to the tables under `group`,
    /// interning term names in `terms`.
    fn add_terms(
        &mut self,
        field: &str,
        group: Group,
        lists: TermLists<'_>,
        terms: &mut TermNames,
    ) -> Result<(), RulesError> {
        self.add_terms_inflected(field, group, lists, Inflect::All, terms)
    }

    /// Like `add_terms`, with `words` inflected as `inflect` says.
    fn add_terms_inflected(
        &mut self,
        field: &str,
        group: Group,
        lists: TermLists<'_>,
        inflect: Inflect,
        terms: &mut TermNames,
    ) -> Result<(), RulesError> {
        for (i, raw) in lists.words.iter().enumerate() {
            let field = format!("{field}.words[{i}]");
            let base = single_word(&field, raw)?;
            let hit = Hit {
                group,
                term: terms.intern(&base, &field)?,
                bare: false,
            };
            let bare = Hit { bare: true, ..hit };
            if inflect != Inflect::None && !is_segmented_word(&base) {
                for form in inflections(&base, inflect == Inflect::All) {
                    let is_bare =
                        form == base || form == format!("{base}s") || form == format!("{base}es");
                    self.add_word(form, if is_bare { bare } else { hit });
                }
            } else {
                self.add_word(base, bare);
            }
        }
        for (i, raw) in lists.forms.iter().enumerate() {
            let field = format!("{field}.forms[{i}]");
            let form = single_word(&field, raw)?;
            let hit = Hit {
                group,
                term: terms.intern(&form, &field)?,
                bare: false,
            };
            self.add_word(form, hit);
        }
        for (i, raw) in lists.phrases.iter().enumerate() {
            let field = format!("{field}.phrases[{i}]");
            let words = phrase_words(&field, raw)?;
            let hit = Hit {
                group,
                term: terms.intern(&words.join(" "), &field)?,
                bare: false,
            };
            self.add_phrase(&words, hit);
        }
        Ok(())
    }

    /// Adds the lexicon's verbs to their action classes (`neutral` ones become known
    /// words without evidence).
    fn lexicon(
        &mut self,
        lexicon: &BTreeMap<String, BTreeMap<String, TermsFile>>,
        actions: &[ActionFile],
        class_terms: &mut [TermNames],
    ) -> Result<(), RulesError> {
        let mut neutral_terms = TermNames::default();
        for (language, sections) in lexicon {
            for (class, lists) in sections {
                let field = format!("lexicon.{language}.{class}");
                let group_and_inflect = if class == NEUTRAL_CLASS {
                    None
                } else {
                    let i = actions.iter().position(|a| &a.name == class).ok_or_else(|| {
                        let names: Vec<String> =
                            actions.iter().map(|a| format!("{:?}", a.name)).collect();
                        RulesError::new(
                            &field,
                            format!(
                                "{class:?} is not an action class: expected one of {}, or {NEUTRAL_CLASS:?}",
                                names.join(", ")
                            ),
                        )
                    })?;
                    Some(i)
                };
                let lists = term_lists!(lists);
                match group_and_inflect {
                    None => {
                        self.add_terms("lexicon", Group::Neutral, lists, &mut neutral_terms)?;
                    }
                    Some(i) => self.add_terms_inflected(
                        &field,
                        Group::Action(i as u8),
                        lists,
                        Inflect::of(actions[i].inflect, actions[i].past),
                        &mut class_terms[i],
                    )?,
                }
            }
        }
        Ok(())
    }

    fn weighted(
        &mut self,
        field: &str,
        group: Group,
        points: u8,
        cap: u8,
        lists: TermLists<'_>,
    ) -> Result<Weighted, RulesError> {
        let points = check_points(&format!("{field}.points"), points)?;
        let cap = check_points(&format!("{field}.cap"), cap)?;
        let mut terms = TermNames::default();
        self.add_terms(field, group, lists, &mut terms)?;
        Ok(Weighted {
            points,
            cap,
            terms: terms.into_names(),
        })
    }

    /// Adds the words that offer alternatives in a question; they name trade-off
    /// evidence, so their terms extend the trade-off names.
    fn add_alternatives(
        &mut self,
        raw: &[String],
        names: &mut Vec<String>,
    ) -> Result<(), RulesError> {
        for (i, raw) in raw.iter().enumerate() {
            let field = format!("grammar.alternatives[{i}]");
            let word = single_word(&field, raw)?;
            let term = match names.iter().position(|name| *name == word) {
                Some(existing) => existing,
                None => {
                    names.push(word.clone());
                    names.len() - 1
                }
            };
            let term = u16::try_from(term).map_err(|_| {
                RulesError::new(field, "too many terms in one list (at most 65535)")
            })?;
            self.add_word(
                word,
                Hit {
                    group: Group::Alternative,
                    term,
                    bare: false,
                },
            );
        }
        Ok(())
    }

    fn policy(field: &str, p: &ModifierPolicyFile) -> Result<Policy, RulesError> {
        Ok(Policy {
            base: check_points(&format!("{field}.base"), p.base)?,
            scope_points: check_points(&format!("{field}.scope_points"), p.scope_points)?,
            scope_cap: check_points(&format!("{field}.scope_cap"), p.scope_cap)?,
            boosts: p.boosts,
            trivial: Triviality::parse(&format!("{field}.trivial"), &p.trivial)?,
            floor: check_points(&format!("{field}.floor"), p.floor)?,
            narrow: p.narrow,
            weak_trivial: p.weak_trivial,
        })
    }

    fn compile(mut self, file: RulesFile) -> Result<ScoringRules, RulesError> {
        if file.version.trim().is_empty() {
            return Err(RulesError::new("version", "must be a non-empty string"));
        }
        let medium_floor = check_points("points.medium_floor", file.points.medium_floor)?;
        let complex_floor = check_points("points.complex_floor", file.points.complex_floor)?;

        if file.actions.is_empty() || file.actions.len() > MAX_ACTION_CLASSES {
            return Err(RulesError::new(
                "actions",
                format!("expected 1 to {MAX_ACTION_CLASSES} action classes"),
            ));
        }
        let mut classes = Vec::with_capacity(file.actions.len());
        let mut class_terms: Vec<TermNames> = Vec::with_capacity(file.actions.len());
        for (i, action) in file.actions.iter().enumerate() {
            let field = format!("actions[{i}]");
            if action.name.trim().is_empty() {
                return Err(RulesError::new(
                    format!("{field}.name"),
                    "must be a non-empty string",
                ));
            }
            if classes.iter().any(|c: &ActionClass| c.name == action.name) {
                return Err(RulesError::new(
                    format!("{field}.name"),
                    format!("{:?} names two action classes", action.name),
                ));
            }
            let policy = Self::policy(
                &field,
                &ModifierPolicyFile {
                    base: action.base,
                    scope_points: action.scope_points,
                    scope_cap: action.scope_cap,
                    boosts: action.boosts,
                    trivial: action.trivial.clone(),
                    floor: action.floor,
                    narrow: action.narrow,
                    weak_trivial: action.weak_trivial,
                },
            )?;
            let verb_complexity = parse_verb_complexity(
                &format!("{field}.verb_complexity"),
                &action.verb_complexity,
            )?;
            let mut terms = TermNames::default();
            let lists = term_lists!(action);
            self.add_terms_inflected(
                &field,
                Group::Action(i as u8),
                lists,
                Inflect::of(action.inflect, action.past),
                &mut terms,
            )?;
            let question_term = if action.question_mark {
                Some(terms.intern("?", &format!("{field}.question_mark"))?)
            } else {
                None
            };
            class_terms.push(terms);
            classes.push(ActionClass {
                name: action.name.clone(),
                verb_complexity,
                policy,
                sentence_start: action.sentence_start,
                verb: action.verb,
                nouns_in_questions: action.nouns_in_questions,
                status_in_questions: action.status_in_questions,
                weighs_options: action.weighs_options,
                fallback: action.fallback,
                hides_fallback: action.hides_fallback,
                question_term,
                terms: Vec::new(),
            });
        }
        self.lexicon(&file.lexicon, &file.actions, &mut class_terms)?;
        for (class, terms) in classes.iter_mut().zip(class_terms) {
            class.terms = terms.into_names();
        }
        let question_class = classes
            .iter()
            .position(|c| c.question_term.is_some())
            .map(|c| c as u8);
        if classes.iter().filter(|c| c.question_term.is_some()).count() > 1 {
            return Err(RulesError::new(
                "actions",
                "at most one action class may set question_mark",
            ));
        }
        let no_action = Self::policy("no_action", &file.no_action)?;

        let mut scope_terms = TermNames::default();
        let s = &file.scope;
        let lists = term_lists!(s);
        self.add_terms("scope", Group::Scope, lists, &mut scope_terms)?;

        let t = &file.tradeoff;
        let lists = term_lists!(t);
        let mut tradeoff = self.weighted("tradeoff", Group::Tradeoff, t.points, t.cap, lists)?;
        self.add_alternatives(&file.grammar.alternatives, &mut tradeoff.terms)?;

        let c = &file.coordination;
        let lists = term_lists!(c);
        let coordination =
            self.weighted("coordination", Group::Coordination, c.points, c.cap, lists)?;

        let nw = &file.narrow;
        let lists = term_lists!(nw);
        let narrow = self.weighted("narrow", Group::Narrow, nw.points, nw.cap, lists)?;

        let d = &file.domain;
        let lists = term_lists!(d);
        let domain = DomainRules {
            weighted: self.weighted("domain", Group::Domain, d.points, d.cap, lists)?,
            medium_floor_hits: usize::from(d.medium_floor_hits),
            complex_floor_hits: usize::from(d.complex_floor_hits),
        };
        if domain.medium_floor_hits == 0 || domain.complex_floor_hits == 0 {
            let field = if domain.medium_floor_hits == 0 {
                "domain.medium_floor_hits"
            } else {
                "domain.complex_floor_hits"
            };
            return Err(RulesError::new(field, "must be at least 1"));
        }

        let st = &file.steps;
        let step_points = check_points("steps.points", st.points)?;
        let step_cap = check_points("steps.cap", st.cap)?;
        let mut sequencer_terms = TermNames::default();
        let lists = term_lists!(st);
        self.add_terms("steps", Group::Sequencer, lists, &mut sequencer_terms)?;
        let mut marker_terms = TermNames::default();
        let lists = TermLists::exact(&st.markers, &[]);
        self.add_terms("steps.markers", Group::StepMarker, lists, &mut marker_terms)?;
        let mut ordinal_terms = TermNames::default();
        let lists = TermLists::exact(&st.ordinals, &[]);
        self.add_terms("steps.ordinals", Group::Ordinal, lists, &mut ordinal_terms)?;

        let tr = &file.trivial;
        let mut weak_terms = TermNames::default();
        let lists = TermLists::exact(&tr.weak, &tr.weak_phrases);
        self.add_terms("trivial.weak", Group::TrivialWeak, lists, &mut weak_terms)?;
        let value_term = weak_terms.intern("value", "trivial.value_words")?;
        let mut strong_terms = TermNames::default();
        let lists = TermLists::exact(&tr.strong, &tr.strong_phrases);
        self.add_terms(
            "trivial.strong",
            Group::TrivialStrong,
            lists,
            &mut strong_terms,
        )?;
        let mut value_terms = TermNames::default();
        let lists = TermLists::exact(&tr.value_words, &[]);
        self.add_terms(
            "trivial.value_words",
            Group::ValueWord,
            lists,
            &mut value_terms,
        )?;
        let trivial = TrivialRules {
            weak_points: check_points("trivial.weak_points", tr.weak_points)?,
            strong_points: check_points("trivial.strong_points", tr.strong_points)?,
            weak_terms: weak_terms.into_names(),
            strong_terms: strong_terms.into_names(),
            value_term,
        };

        let mut negator_terms = TermNames::default();
        let lists = TermLists::exact(&file.negation.forms, &[]);
        self.add_terms("negation", Group::Negator, lists, &mut negator_terms)?;

        let mut grammar_terms = TermNames::default();
        let lists = TermLists::exact(&file.grammar.determiners, &[]);
        self.add_terms(
            "grammar.determiners",
            Group::Determiner,
            lists,
            &mut grammar_terms,
        )?;
        let lists = TermLists::exact(&file.grammar.light_verbs, &[]);
        self.add_terms(
            "grammar.light_verbs",
            Group::LightVerb,
            lists,
            &mut grammar_terms,
        )?;
        let lists = TermLists {
            words: &file.grammar.noun_verbs,
            forms: &[],
            phrases: &[],
        };
        self.add_terms(
            "grammar.noun_verbs",
            Group::NounVerb,
            lists,
            &mut grammar_terms,
        )?;
        let lists = TermLists::exact(&file.grammar.cues, &[]);
        self.add_terms("grammar.cues", Group::Cue, lists, &mut grammar_terms)?;
        let lists = TermLists::exact(&file.grammar.prepositions, &[]);
        self.add_terms(
            "grammar.prepositions",
            Group::Preposition,
            lists,
            &mut grammar_terms,
        )?;
        let lists = TermLists::exact(&file.grammar.distributives, &[]);
        self.add_terms(
            "grammar.distributives",
            Group::Distributive,
            lists,
            &mut grammar_terms,
        )?;
        let lists = TermLists::exact(&file.grammar.subject_pronouns, &[]);
        self.add_terms(
            "grammar.subject_pronouns",
            Group::SubjectPronoun,
            lists,
            &mut grammar_terms,
        )?;
        let (forms, phrases): (Vec<String>, Vec<String>) =
            file.grammar.requests.iter().cloned().partition(|raw| {
                let mut n = 0;
                for_each_word(raw, &mut String::new(), |_| n += 1);
                n == 1
            });
        let lists = TermLists::exact(&forms, &phrases);
        self.add_terms(
            "grammar.requests",
            Group::Request,
            lists,
            &mut grammar_terms,
        )?;
        for (i, raw) in file.compounds.phrases.iter().enumerate() {
            let field = format!("compounds.phrases[{i}]");
            let words = phrase_words(&field, raw)?;
            if words.len() != 2 {
                return Err(RulesError::new(
                    field,
                    format!("{raw:?} must have exactly 2 words"),
                ));
            }
            let hit = Hit {
                group: Group::Compound,
                term: grammar_terms.intern(&words.join(" "), &field)?,
                bare: false,
            };
            self.add_phrase(&words, hit);
        }
        let enumeration = Enumeration {
            points: check_points("enumeration.points", file.enumeration.points)?,
            cap: check_points("enumeration.cap", file.enumeration.cap)?,
            free: u32::from(file.enumeration.free),
            options_from: u32::from(file.enumeration.options_from),
            options_points: check_points(
                "enumeration.options_points",
                file.enumeration.options_points,
            )?,
        };

        if file.indicators.len() > MAX_INDICATORS {
            return Err(RulesError::new(
                "indicators",
                format!("at most {MAX_INDICATORS} indicators are supported"),
            ));
        }
        let mut indicators = Vec::with_capacity(file.indicators.len());
        for (i, ind) in file.indicators.iter().enumerate() {
            let field = format!("indicators[{i}]");
            if ind.name.trim().is_empty() {
                return Err(RulesError::new(
                    format!("{field}.name"),
                    "must be a non-empty string",
                ));
            }
            let mut terms = TermNames::default();
            let lists = term_lists!(ind);
            self.add_terms(&field, Group::Indicator(i as u8), lists, &mut terms)?;
            indicators.push(ind.name.clone());
        }

        // Term lists are only read to name signals, so they hold the signal names.
        for class in &mut classes {
            prefix_all(&mut class.terms, "action");
        }
        prefix_all(&mut scope_terms.names, "scope");
        prefix_all(&mut tradeoff.terms, "tradeoff");
        let mut coordination = coordination;
        prefix_all(&mut coordination.terms, "phased");
        let mut narrow = narrow;
        prefix_all(&mut narrow.terms, "narrow");
        let mut domain = domain;
        prefix_all(&mut domain.weighted.terms, "domain");
        let mut trivial = trivial;
        prefix_all(&mut trivial.weak_terms, "trivial");
        prefix_all(&mut trivial.strong_terms, "trivial");

        let mut suffixes = Vec::with_capacity(file.normalise.suffixes.len());
        for (i, raw) in file.normalise.suffixes.iter().enumerate() {
            let field = format!("normalise.suffixes[{i}]");
            suffixes.push(single_word(&field, raw)?);
        }
        let mut prefixes = Vec::with_capacity(file.normalise.prefixes.len());
        for (i, raw) in file.normalise.prefixes.iter().enumerate() {
            let field = format!("normalise.prefixes[{i}]");
            let prefix = single_word(&field, raw)?;
            if is_segmented_word(&prefix) {
                return Err(RulesError::new(
                    field,
                    format!("{raw:?} must be written in a script with spaces"),
                ));
            }
            prefixes.push(prefix);
        }

        let (words, hits, phrases) = self.freeze();
        let (mut short_words, mut long_words) = (Vec::new(), FxHashMap::default());
        let (mut segmented_words, mut segmented_entries) = (Vec::new(), Vec::new());
        let mut longest_word = 0;
        for (word, entry) in words {
            if is_segmented_word(&word) {
                segmented_words.push(word.into_string());
                segmented_entries.push(entry);
                continue;
            }
            longest_word = longest_word.max(word.len());
            match pack_short(&word) {
                Some(key) => short_words.push((key, entry)),
                None => {
                    long_words.insert(word, entry);
                }
            }
        }
        let short_words = ShortWords::new(short_words);
        let segmenter = if segmented_words.is_empty() {
            None
        } else {
            let automaton = AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&segmented_words)
                .map_err(|err| RulesError::new("<document>", err.to_string()))?;
            let mut noun_particles = Vec::new();
            for (i, raw) in file.grammar.noun_particles.iter().enumerate() {
                if raw.is_empty() {
                    return Err(RulesError::new(
                        format!("grammar.noun_particles[{i}]"),
                        "must not be empty",
                    ));
                }
                noun_particles.push(raw.clone());
            }
            Some(Segmenter {
                automaton,
                entries: segmented_entries,
                noun_particles,
            })
        };
        Ok(ScoringRules {
            version: file.version,
            medium_floor,
            complex_floor,
            classes,
            no_action,
            scope_terms: scope_terms.into_names(),
            tradeoff,
            coordination,
            narrow,
            domain,
            step_points,
            step_cap,
            trivial,
            negation_window: u32::from(file.negation.window),
            indicators,
            short_words,
            long_words,
            longest_word,
            hits,
            phrase_filter: PhraseFilter::new(phrases.keys()),
            phrases,
            affix_bytes: AffixBytes::new(&prefixes, &suffixes),
            prefixes,
            suffixes,
            question_class,
            segmenter,
            enumeration,
        })
    }

    #[allow(clippy::type_complexity)]
    fn freeze(
        self,
    ) -> (
        FxHashMap<Box<str>, Entry>,
        Vec<Hit>,
        FxHashMap<[u32; MAX_PHRASE_WORDS], Range<u32>>,
    ) {
        let mut hits = Vec::new();
        let mut words = FxHashMap::default();
        for (word, (word_hits, phrase_word)) in self.words {
            let hits_start = hits.len() as u32;
            hits.extend(word_hits.iter().filter(|h| h.group.records()));
            words.insert(
                word.into_boxed_str(),
                Entry {
                    hits_start,
                    hits_len: (hits.len() as u32 - hits_start) as u16,
                    phrase_roles: self.phrase_roles.get(&phrase_word).copied().unwrap_or(0),
                    phrase_word,
                    roles: word_hits.iter().fold(0, |roles, h| roles | h.group.role()),
                },
            );
        }
        let mut phrases = FxHashMap::default();
        for (key, phrase_hits) in self.phrases {
            let start = hits.len() as u32;
            hits.extend_from_slice(&phrase_hits);
            phrases.insert(key, start..hits.len() as u32);
        }
        (words, hits, phrases)
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
    fn inflections_cover_regular_verb_forms() {
        let forms = inflections("refactor", true);
        for form in ["refactor", "refactors", "refactored", "refactoring"] {
            assert!(forms.iter().any(|f| f == form), "{form}");
        }
        let forms = inflections("migrate", true);
        assert!(forms.contains(&"migrating".to_owned()) && forms.contains(&"migrated".to_owned()));
        let forms = inflections("debug", true);
        assert!(forms.contains(&"debugging".to_owned()) && forms.contains(&"debugged".to_owned()));
        let forms = inflections("apply", true);
        assert!(forms.contains(&"applies".to_owned()) && forms.contains(&"applied".to_owned()));
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
