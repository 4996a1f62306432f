//! The compiled rules: the word and phrase tables and the per-list points the
//! scanner (`evidence.rs`) and the scorer read. Immutable once built by the compiler.

use std::ops::Range;

use aho_corasick::AhoCorasick;
use rustc_hash::FxHashMap;

use super::super::short_words::{pack_short, ShortWords};

/// Phrases are matched on at most this many consecutive words.
pub(crate) const MAX_PHRASE_WORDS: usize = 4;
/// Action classes are tracked in fixed-size arrays on the hot path.
pub(crate) const MAX_ACTION_CLASSES: usize = 16;
/// Indicators are tracked in a 64-bit mask.
pub(super) const MAX_INDICATORS: usize = 64;

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
    /// A pronoun after a light verb, its subject or whom the work is for: it keeps
    /// the verb's object open ("brauch ich einen Plan", "give me a summary").
    Pronoun,
    /// "every", "all", "所有": a unit of a system within `scope_unit_window` words
    /// after it is system-wide scope ("every internal service").
    Quantifier,
    /// A unit of a system ("service", "team", "repo"): scope after a quantifier
    /// only. The term indexes the scope names.
    ScopeUnit,
    /// "per", "each", "by": the narrow unit after it is every unit ("per table",
    /// "page by page"), not one.
    Distributive,
    /// "or" and its translations: in a question, the sentence offers alternatives
    /// to weigh ("Kafka or RabbitMQ?"). The term indexes the trade-off names.
    Alternative,
    /// "if" and its translations: in a question, a condition asks to reason about
    /// it ("what liability do we have if ...?"). The term indexes the names of
    /// the class that sets `asks_conditions`.
    Condition,
    /// A verb after which a condition word means "whether" ("do you know if").
    Whether,
    /// "did": the verb a few words after it names work done, not asked for
    /// ("which files did you refactor?").
    PastAuxiliary,
    /// "which", "qui", "donde" inside a sentence: the verb right after it belongs to
    /// a relative or embedded clause ("look up which DAG writes to it") and describes
    /// what is asked about, not work asked for.
    Relative,
    /// A verb that fetches something: at a sentence start, the work nouns in its
    /// object name what to fetch ("pull up the migration plan").
    Retrieval,
    /// A French object pronoun after a hyphen ("trouve-moi"): the word before the
    /// hyphen is a verb, not the first half of a compound.
    HyphenPronoun,
    /// A German separable particle ("her", "um", "zusammen"): at the end of its
    /// clause it joins the clause's verb ("leite ... her" is "herleiten").
    Particle,
    /// The stem of a separable verb the vocabulary lists ("leite", "leit" of
    /// "herleiten"): the verb a clause-final particle may join. Derived from the
    /// vocabulary, not listed.
    SeparableVerb,
    /// A question word that asks for a person, a place or a time ("who", "wo",
    /// "quand"): opening a question, the work nouns it names are what it asks about.
    LookupQuestion,
    /// Thanks for work done ("수고하셨습니다", "お疲れ様"): in a sentence that asks
    /// for nothing, the work nouns before it name what the thanks are for.
    Thanks,
    /// A word asking for an opinion ("thoughts", "Meinung", "想法"): the sentence asks
    /// for no fact, so its question mark and question words do not count.
    Opinion,
    /// "and", "und", "et", "y": a conjunction before an action of a clause that
    /// already has one starts a new clause ("fix the typo and add a CSV export").
    Conjunction,
    /// A word asking how to do something ("cómo", "comment", "如何", "어떻게"): unless
    /// the next word asks for a state ("¿cómo va el deploy?"), the sentence asks for
    /// the work, not for a fact.
    MethodQuestion,
    /// A state asked about right after a method word ("está", "va", "돼").
    MethodState,
    /// A pronoun between a method word and its verb ("se", "s'"), passed over.
    MethodPassed,
    /// A negation after what it rules out ("入れないで", "필요 없고"): the actions and
    /// scope named since the last comma, sequencer or sentence start are withdrawn.
    PostNegator,
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
    /// Distinct scope terms that make the task system-wide, raising it to
    /// `medium_floor` (at least 1).
    pub scope_floor_terms: usize,
    /// Whether narrow-scope words ("this function") pull it down when no scope
    /// term was found.
    pub narrow: bool,
    /// Whether weak triviality words ("just", "small") pull it down; strong ones
    /// ("typo") always do where `trivial` allows.
    pub weak_trivial: bool,
    /// What one weak triviality word takes off this candidate; None: the rules'
    /// `trivial.weak_points`.
    pub weak_points: Option<i32>,
}

/// When triviality words pull a candidate down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Triviality {
    Always,
    Never,
    /// Only when the text names no system-wide scope.
    Unscoped,
}

#[derive(Debug, Clone)]
pub(crate) struct ActionClass {
    pub name: String,
    pub verb_complexity: crate::scoring::VerbComplexity,
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
    /// Index in `strong_terms` of the "a quoted literal is replaced" evidence.
    pub replacement_term: u16,
    /// The words that join a quoted literal to its replacement ("to", "を", "改成").
    pub replacement_words: Vec<Box<str>>,
}

impl TrivialRules {
    /// Whether `word` joins a quoted literal to its replacement.
    pub(crate) fn joins_replacement(&self, word: &str) -> bool {
        is_listed(&self.replacement_words, word)
    }
}

/// Whether `word` is one of the words of a list matched as written.
fn is_listed(list: &[Box<str>], word: &str) -> bool {
    list.iter().any(|w| **w == *word)
}

#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Entry {
    pub(super) hits_start: u32,
    pub(super) hits_len: u16,
    /// Where the word stands in phrases (`PHRASE_*` bits): most phrase words never end
    /// one, so the matcher skips them.
    pub(super) phrase_roles: u8,
    /// 1-based id of the word inside phrases, 0 when no phrase uses it.
    pub(super) phrase_word: u32,
    /// The grammar roles among its hits (`ROLE_*` bits), so the scanner reads them
    /// without walking the hits.
    pub(super) roles: u32,
}

/// A step ordinal ("first").
pub(crate) const ROLE_ORDINAL: u32 = 1;
/// A determiner ("the").
pub(crate) const ROLE_DETERMINER: u32 = 2;
/// A light verb ("do").
pub(crate) const ROLE_LIGHT_VERB: u32 = 4;
/// A cue or a sequencer: a verb may follow.
pub(crate) const ROLE_CUE: u32 = 8;
/// A preposition.
pub(crate) const ROLE_PREPOSITION: u32 = 16;
/// A verb more often used as a noun.
pub(crate) const ROLE_NOUN_VERB: u32 = 32;
/// A pronoun after a light verb ("ich" in "brauch ich", "me" in "give me").
pub(crate) const ROLE_PRONOUN: u32 = 64;
/// A distributive ("per").
pub(crate) const ROLE_DISTRIBUTIVE: u32 = 128;
/// A German separable particle ("her", "um").
pub(crate) const ROLE_PARTICLE: u32 = 256;
/// A French object pronoun after a hyphen ("moi" in "trouve-moi").
pub(crate) const ROLE_HYPHEN_PRONOUN: u32 = 512;

/// The endings a German separable verb's stem takes where the particle splits off:
/// the imperative and first person ("stell", "stelle") and the finite forms of a verb
/// in second place ("wir stellen", "stellst du", "ihr stellt", "er leitet ... her").
/// The compiler marks stem + each ending; the scanner strips the first one that
/// leaves a listed verb when the particle joins it. Longest first, the bare stem last.
pub(crate) const SEPARABLE_VERB_ENDINGS: [&str; 6] = ["en", "st", "et", "e", "t", ""];
/// The stem of a separable verb the vocabulary lists ("leite" of "herleiten").
pub(crate) const ROLE_SEPARABLE_VERB: u32 = 1024;
/// A question word that asks for a person, a place or a time ("who", "wo").
pub(crate) const ROLE_LOOKUP_QUESTION: u32 = 2048;
/// Thanks for work done, after the work named ("문서 정리 수고하셨습니다").
pub(crate) const ROLE_THANKS: u32 = 4096;
/// A conjunction joining two clauses ("and").
pub(crate) const ROLE_CONJUNCTION: u32 = 8192;
/// A request marker ("해 주세요", "帮我"); its hits are recorded too.
pub(crate) const ROLE_REQUEST: u32 = 16384;
/// A word asking for an opinion ("thoughts?").
pub(crate) const ROLE_OPINION: u32 = 32768;
/// A word asking how to do something ("cómo", "如何").
pub(crate) const ROLE_METHOD_QUESTION: u32 = 1 << 16;
/// A state asked about right after a method word ("cómo está", "comment va").
pub(crate) const ROLE_METHOD_STATE: u32 = 1 << 17;
/// A pronoun passed over between a method word and its verb ("cómo se llama").
pub(crate) const ROLE_METHOD_PASSED: u32 = 1 << 18;

impl Group {
    /// The `ROLE_*` bit of this group, 0 for none.
    pub(super) fn role(self) -> u32 {
        match self {
            Group::Ordinal => ROLE_ORDINAL,
            Group::Determiner => ROLE_DETERMINER,
            Group::LightVerb => ROLE_LIGHT_VERB,
            Group::Cue | Group::Sequencer => ROLE_CUE,
            Group::Preposition => ROLE_PREPOSITION,
            Group::NounVerb => ROLE_NOUN_VERB,
            Group::Pronoun => ROLE_PRONOUN,
            Group::Distributive => ROLE_DISTRIBUTIVE,
            Group::Particle => ROLE_PARTICLE,
            Group::HyphenPronoun => ROLE_HYPHEN_PRONOUN,
            Group::SeparableVerb => ROLE_SEPARABLE_VERB,
            Group::LookupQuestion => ROLE_LOOKUP_QUESTION,
            Group::Thanks => ROLE_THANKS,
            Group::Conjunction => ROLE_CONJUNCTION,
            Group::Request => ROLE_REQUEST,
            Group::Opinion => ROLE_OPINION,
            Group::MethodQuestion => ROLE_METHOD_QUESTION,
            Group::MethodState => ROLE_METHOD_STATE,
            Group::MethodPassed => ROLE_METHOD_PASSED,
            _ => 0,
        }
    }

    /// Whether recording a hit of this group changes the evidence; the others only
    /// carry a role, read from `Entry::roles`.
    pub(super) fn records(self) -> bool {
        !matches!(
            self,
            Group::Ordinal
                | Group::Preposition
                | Group::Neutral
                | Group::Determiner
                | Group::LightVerb
                | Group::NounVerb
                | Group::Cue
                | Group::Pronoun
                | Group::Distributive
                | Group::Particle
                | Group::HyphenPronoun
                | Group::SeparableVerb
                | Group::LookupQuestion
                | Group::Thanks
                | Group::Opinion
                | Group::Conjunction
                | Group::MethodQuestion
                | Group::MethodState
                | Group::MethodPassed
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
    /// How many words after a quantifier a scope unit still counts.
    pub(crate) scope_unit_window: u32,
    pub(crate) indicators: Vec<String>,
    /// Words of up to 8 bytes, keyed by their bytes packed into an integer: one
    /// multiply to hash, one compare to match (most words are this short).
    pub(super) short_words: ShortWords<Entry>,
    pub(super) long_words: FxHashMap<Box<str>, Entry>,
    /// Longer words cannot be in the table; they skip the lookup.
    pub(super) longest_word: usize,
    pub(super) hits: Vec<Hit>,
    pub(super) phrases: FxHashMap<[u32; MAX_PHRASE_WORDS], Range<u32>>,
    /// The phrases' (length, first word, last word), so most words that end some
    /// phrase skip the phrase table.
    pub(super) phrase_filter: PhraseFilter,
    /// Word prefixes joined to the word after a hyphen ("re-host") and stripped
    /// from words the vocabulary lacks ("rehost" -> "host").
    pub(super) prefixes: Vec<String>,
    /// The prefixes by first byte, and the clitic endings stripped from a word the
    /// vocabulary lacks ("muéstrame" -> "muestra", with the stress mark the ending
    /// added removed) by last byte: most words have neither.
    pub(super) affix_bytes: AffixBytes,
    /// Endings a verb takes in the second person that its imperative lacks
    /// (Spanish "revisas" for "revisa").
    pub(super) person_endings: Vec<Box<str>>,
    /// French subject pronouns that follow their verb after a hyphen in a question
    /// ("le pod est-il prêt ?").
    pub(super) inverted_subjects: Vec<Box<str>>,
    /// The class a sentence ending in a question mark counts for.
    pub(crate) question_class: Option<u8>,
    /// The class a condition in a question counts for.
    pub(crate) condition_class: Option<u8>,
    pub(crate) enumeration: Enumeration,
    /// Dictionary matching over runs of scripts written without spaces.
    pub(super) segmenter: Option<Segmenter>,
}

/// A set of (length, first word id, last word id) as one bit per hash: a clear bit
/// means no phrase has them; a set bit is confirmed in the phrase table.
#[derive(Debug, Clone)]
pub(super) struct PhraseFilter {
    bits: Box<[u64]>,
}

impl PhraseFilter {
    const BITS_LOG2: u32 = 16;

    pub(super) fn new<'k>(keys: impl Iterator<Item = &'k [u32; MAX_PHRASE_WORDS]>) -> Self {
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

/// The prefixes by their first byte and the suffixes by their last, each in the
/// rules' order: a word is compared only with the affixes that can fit it, not
/// with every affix in turn (most words that begin or end like one fit one or two).
#[derive(Debug, Clone)]
pub(super) struct AffixBytes {
    prefixes_by_first: [Box<[Box<str>]>; 256],
    suffixes_by_last: [Box<[Box<str>]>; 256],
}

impl AffixBytes {
    pub(super) fn new(prefixes: &[String], suffixes: &[String]) -> Self {
        Self {
            prefixes_by_first: by_byte(prefixes, |p| p.as_bytes().first().copied()),
            suffixes_by_last: by_byte(suffixes, |s| s.as_bytes().last().copied()),
        }
    }
}

/// `affixes` grouped by the byte `key` picks, each group in the order of `affixes`.
/// An affix without that byte (an empty one) fits no word and is left out.
fn by_byte(affixes: &[String], key: impl Fn(&str) -> Option<u8>) -> [Box<[Box<str>]>; 256] {
    std::array::from_fn(|b| {
        affixes
            .iter()
            .filter(|a| key(a).map(usize::from) == Some(b))
            .map(|a| Box::from(a.as_str()))
            .collect()
    })
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
pub(super) struct Segmenter {
    pub(super) automaton: AhoCorasick,
    pub(super) entries: Vec<Entry>,
    /// A word followed by one of these modifies a noun ("設定の", "写的").
    pub(super) noun_particles: Vec<String>,
}

/// A word looked up in the tables.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lookup<'r> {
    /// The hits that change the evidence, in the rules' order.
    pub hits: Hits<'r>,
    pub phrase_word: u32,
    pub phrase_roles: u8,
    /// `ROLE_*` bits.
    pub roles: u32,
}

impl Lookup<'_> {
    /// Whether the word is an action of some class (a verb, for the affix and
    /// particle rules).
    pub(crate) fn has_action(&self) -> bool {
        self.hits
            .iter()
            .any(|hit| matches!(hit.group, Group::Action(_)))
    }
}

impl ScoringRules {
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

    /// `lookup` for a word whose short-table key is `packed` (`pack_short` of the
    /// word, which the scanner packs for most words as it reads them); 0 looks the
    /// word up as `lookup` does.
    #[inline(always)]
    pub(crate) fn lookup_packed(&self, word: &str, packed: u64) -> Option<Lookup<'_>> {
        if packed == 0 {
            return self.lookup(word);
        }
        // A key is a word of at most 8 bytes: the short table holds every word that
        // short, and no word longer than `longest_word`.
        Some(self.entry_lookup(self.short_words.get(packed)?))
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
    /// script written without spaces, left to right, longest first, whether a noun
    /// particle follows it and whether it ends the run.
    pub(crate) fn for_each_segment(
        &self,
        run: &str,
        mut on_match: impl FnMut(Lookup<'_>, bool, bool),
    ) {
        if let Some(segmenter) = &self.segmenter {
            for found in segmenter.automaton.find_iter(run) {
                let entry = &segmenter.entries[found.pattern().as_usize()];
                let rest = &run[found.end()..];
                let noun = segmenter
                    .noun_particles
                    .iter()
                    .any(|p| rest.starts_with(p.as_str()));
                on_match(self.entry_lookup(entry), noun, rest.is_empty());
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
        let &first = word.as_bytes().first()?;
        self.affix_bytes.prefixes_by_first[usize::from(first)]
            .iter()
            .find_map(|p| {
                word.strip_prefix(&**p)
                    .filter(|rest| rest.len() >= 3 && rest.is_char_boundary(0))
            })
    }

    /// The entry of `word` without a clitic ending, looked up as written and with
    /// its stress mark removed; `buf` is scratch space.
    pub(crate) fn lookup_without_suffix(&self, word: &str, buf: &mut String) -> Option<Lookup<'_>> {
        let &last = word.as_bytes().last()?;
        let stem = self.affix_bytes.suffixes_by_last[usize::from(last)]
            .iter()
            .find_map(|s| {
                word.strip_suffix(&**s)
                    .filter(|stem| stem.chars().count() >= 3)
            })?;
        // Clitics attach to verbs: a stem without an action is no match ("sqlite" is
        // not "sqli" + "te").
        self.lookup(stem).filter(Lookup::has_action).or_else(|| {
            fold_stress(stem, buf);
            self.lookup(buf).filter(Lookup::has_action)
        })
    }

    /// Whether `word` is a subject pronoun that follows its verb in a question.
    pub(crate) fn is_inverted_subject(&self, word: &str) -> bool {
        is_listed(&self.inverted_subjects, word)
    }

    /// The entry of `word` without a second-person ending, if its stem holds an
    /// action ("¿me revisas el diff?" asks "revisa").
    pub(crate) fn lookup_without_person_ending(&self, word: &str) -> Option<Lookup<'_>> {
        self.person_endings.iter().find_map(|ending| {
            word.strip_suffix(&**ending)
                .filter(|stem| stem.chars().count() >= 3)
                .and_then(|stem| self.lookup(stem))
                .filter(Lookup::has_action)
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
