//! The one pass over the words: collects which vocabulary terms fired, in order of
//! first appearance, without allocating.
//!
//! Triviality and narrow units are scoped to clauses: a clause ends at a sentence
//! end or a sequencing word ("then"), and a triviality word or a narrow unit pulls
//! down only the actions of its own clause (a clause with them but no action lends
//! them to the clause before). An action class found in several clauses keeps its
//! least bounded one.

use super::rules::{
    ActionClass, Group, Hit, Hits, Lookup, ScoringRules, COMPOUND_START, MAX_ACTION_CLASSES,
    MAX_PHRASE_WORDS, PHRASE_END, PHRASE_START, ROLE_CONJUNCTION, ROLE_CUE, ROLE_DETERMINER,
    ROLE_DISTRIBUTIVE, ROLE_HYPHEN_PRONOUN, ROLE_LIGHT_VERB, ROLE_LOOKUP_QUESTION,
    ROLE_METHOD_PASSED, ROLE_METHOD_QUESTION, ROLE_METHOD_STATE, ROLE_NOUN_VERB, ROLE_OPINION,
    ROLE_ORDINAL, ROLE_PARTICLE, ROLE_PREPOSITION, ROLE_PRONOUN, ROLE_REQUEST, ROLE_SEPARABLE_VERB,
    ROLE_THANKS, SEPARABLE_VERB_ENDINGS,
};
use super::tokenizer::{for_each_word, is_symbol, Word, QUESTION_OPENS, QUOTE_AFTER, QUOTE_OPENS};

/// Distinct terms kept per list. Points saturate long before this, and the bound
/// keeps memory flat for texts of any size; the oracle applies the same bound.
pub(crate) const MAX_DISTINCT_TERMS: usize = 8;

/// The distinct terms of one list in order of first appearance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct TermSet {
    len: u8,
    items: [u16; MAX_DISTINCT_TERMS],
}

impl TermSet {
    fn insert(&mut self, term: u16) {
        self.position_or_insert(term);
    }

    /// The term's position in the set, inserting it while there is room.
    fn position_or_insert(&mut self, term: u16) -> Option<usize> {
        let len = usize::from(self.len);
        if let Some(i) = self.items[..len].iter().position(|&t| t == term) {
            return Some(i);
        }
        if len < MAX_DISTINCT_TERMS {
            self.items[len] = term;
            self.len += 1;
            return Some(len);
        }
        None
    }

    pub(crate) fn as_slice(&self) -> &[u16] {
        &self.items[..usize::from(self.len)]
    }

    pub(crate) fn len(&self) -> usize {
        usize::from(self.len)
    }
}

/// The first term found of each action class, by class index. Held as term + 1
/// with 0 for none, so that a new set is zeroed memory: an `Option<u16>` array is
/// initialised one discriminant at a time, three arrays of them for every text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Actions([u32; MAX_ACTION_CLASSES]);

impl Actions {
    /// The class's first term, if any.
    pub(crate) fn get(&self, class: usize) -> Option<u16> {
        // Stored values are a u16 plus one: the subtraction gives a u16 back.
        self.0[class].checked_sub(1).map(|term| term as u16)
    }

    pub(crate) fn is_set(&self, class: usize) -> bool {
        self.0[class] != 0
    }

    /// Records `term` for the class unless it has a term already.
    fn insert_first(&mut self, class: usize, term: u16) {
        let slot = &mut self.0[class];
        if *slot == 0 {
            *slot = u32::from(term) + 1;
        }
    }

    fn remove(&mut self, class: usize) {
        self.0[class] = 0;
    }
}

/// The triviality words of a text, in order of first appearance.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Triviality {
    pub weak: TermSet,
    pub strong: TermSet,
}

/// Which of the text's triviality words and narrow units (bit i: the i-th of
/// `Triviality`'s sets, of `Evidence::narrow`) stand in one clause.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct TrivialMask {
    pub weak: u8,
    pub strong: u8,
    pub narrow: u8,
}

impl TrivialMask {
    /// Every word of the text: what a text without an action answers to.
    pub(crate) const ALL: TrivialMask = TrivialMask {
        weak: u8::MAX,
        strong: u8::MAX,
        narrow: u8::MAX,
    };

    fn extend(&mut self, other: TrivialMask) {
        self.weak |= other.weak;
        self.strong |= other.strong;
        self.narrow |= other.narrow;
    }
}

/// Everything the scorer needs to know about a text.
#[derive(Debug, Clone, Default)]
pub(crate) struct Evidence {
    /// Whitespace only, or a reaction without a word ("👍"): nothing to do.
    pub blank: bool,
    pub word_count: u32,
    /// First term of each action class found, by class index.
    pub actions: Actions,
    /// The triviality and narrow units of each action class's least bounded clause.
    pub class_triviality: [TrivialMask; MAX_ACTION_CLASSES],
    pub scope: TermSet,
    pub tradeoff: TermSet,
    pub coordination: TermSet,
    pub narrow: TermSet,
    /// Narrow units (bit i: the i-th of `narrow`) that stood after a distributive:
    /// they name every unit and bound nothing.
    pub narrow_distributed: u8,
    pub domain: TermSet,
    /// Triviality anywhere in the text (for the no-action case).
    pub triviality: Triviality,
    pub sequencers: u32,
    pub list_items: u32,
    /// Commas anywhere in the text: a long list of items is more work.
    pub commas: u32,
    pub indicators: u64,
}

impl Evidence {
    /// Steps the text describes: numbered items, or sequencing words plus one.
    pub(crate) fn estimated_steps(&self) -> u32 {
        if self.blank {
            return 0;
        }
        self.list_items.max(self.sequencers.saturating_add(1))
    }
}

/// A recent word as the phrase matcher remembers it.
#[derive(Debug, Clone, Copy, Default)]
struct Recent {
    phrase_word: u32,
    phrase_roles: u8,
    negated: bool,
    sentence_start: bool,
}

/// Action classes and triviality of a clause.
#[derive(Debug, Clone, Copy, Default)]
struct Clause {
    classes: u16,
    triviality: TrivialMask,
}

/// How a word stands, beyond its text.
#[derive(Debug, Clone, Copy, Default)]
struct Place {
    sentence_start: bool,
    numbered: bool,
    /// Followed by a hyphen and a word ("lock-free"): a modifier, not an action.
    modifier: bool,
    /// Part of a path ("src/utils") or quoted: no vocabulary word.
    in_path: bool,
    /// Punctuation stands between this word and the previous one.
    punct_before: bool,
    /// A word of the text as written, not one joined from a prefix: only such a
    /// word is a separable verb or particle.
    as_written: bool,
    /// The word's short-table key as the scanner packed it (`Word::packed`), 0 if
    /// it did not.
    packed: u64,
}

/// Where action and scope evidence stood at some point, to withdraw what came
/// after it: before a word that turns out to start a compound noun ("audit log":
/// its actions), or at the last comma, sequencer or sentence start before a
/// negation that follows what it rules out (actions and scope).
#[derive(Debug, Clone, Copy, Default)]
struct EvidenceMark {
    actions: Actions,
    classes: u16,
    scope: TermSet,
}

/// How a word stands to hyphens, particles and separable verbs.
#[derive(Debug, Clone, Copy)]
struct RareWord {
    roles: u32,
    hyphen_before: bool,
    modifier: bool,
    /// A finite verb may stand here: where any verb may, or as the sentence's
    /// second word ("wie stellen wir das Backend um?", "wir bauen das System um").
    finite_verb_position: bool,
    as_written: bool,
    in_path: bool,
}

/// The last verb of a clause, for a separable particle at the clause's end
/// ("fass ... zusammen"): its hits and whether it started a sentence. Its text is
/// `Scan::verb_text`.
#[derive(Debug, Clone, Copy)]
struct ClauseVerb<'r> {
    hits: &'r [Hit],
    sentence_start: bool,
}

/// Whether the previous word was a determiner, and whether a light verb stood
/// before it ("do a review": the noun after a light verb names the work).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Determined {
    #[default]
    No,
    Yes,
    AfterLightVerb,
}

/// A prefix followed by a hyphen, held until the next word shows whether the
/// two make one vocabulary word.
#[derive(Debug, Clone, Copy)]
struct PendingPrefix {
    index: usize,
    sentence_start: bool,
    punct_before: bool,
}

/// How many words after "did" a verb names work done rather than asked for: "did
/// you refactor", "did the team refactor".
const PAST_AUXILIARY_REACH: u32 = 3;

/// The most words a request may have and still point back at the text error a
/// sentence before it named ("There's a typo in the README. Fix it."): a longer one
/// names its own object.
const SHORT_REQUEST_WORDS: u32 = 4;

struct Scan<'r> {
    rules: &'r ScoringRules,
    evidence: Evidence,
    index: u32,
    negated_until: u32,
    /// The last word at which a verb names work done ("which files did you
    /// refactor?"), 0 for none.
    done_until: u32,
    /// The last word a scope unit may stand at to count (0: no quantifier).
    quantified_until: u32,
    value_word_before: bool,
    step_marker_before: bool,
    last_list_number: u32,
    recent: [Recent; MAX_PHRASE_WORDS - 1],
    clause: Clause,
    /// The last clause with an action, not yet sealed: a following clause without
    /// an action may still lend it triviality.
    open: Option<Clause>,
    /// Triviality of the sentences before the first action, which asked for
    /// nothing: the short request after them may be about what they named.
    unclaimed: TrivialMask,
    /// The word index at which the current clause started.
    clause_from: u32,
    /// Classes whose least trivial clause has been sealed, and its penalty.
    sealed: u16,
    penalty: [i32; MAX_ACTION_CLASSES],
    pending_prefix: Option<PendingPrefix>,
    joined: String,
    stem: String,
    determined: Determined,
    light_verb_before: bool,
    before_previous: EvidenceMark,
    negation_mark: EvidenceMark,
    /// The actions as they stood when the current sentence began.
    sentence_mark: Actions,
    /// The previous word was a conjunction ("and").
    conjunction_before: bool,
    verb: Option<ClauseVerb<'r>>,
    /// A separable particle held until the next word shows whether it ends its
    /// clause, and whether a negation reached it.
    particle: Option<bool>,
    /// The texts of the held verb and particle (rare: no copy for most words).
    verb_text: String,
    particle_text: String,
    /// A word before a hyphen with verb hits, whether a negation reached it and
    /// whether it started a sentence: a pronoun after the hyphen makes it a verb
    /// ("trouve-moi").
    before_hyphen: Option<(Lookup<'r>, bool, bool)>,
    /// The index a quotation must open at to replace the one before it: right
    /// after the replacement word that followed that quotation; 0 for none.
    replacement_at: u32,
    /// The previous word was a cue or a sequencer: a verb may stand here.
    verb_position: bool,
    /// The previous word was a determiner (not after a light verb) or a
    /// preposition: a bare verb here is a noun.
    nominal_position: bool,
    after_preposition: bool,
    /// The sentence opened as a request ("can you ..."): its question mark asks
    /// for work, not for a fact.
    request_sentence: bool,
    /// Words in the current sentence so far.
    sentence_words: u32,
    /// The current sentence offered alternatives ("or"): the trade-off term
    /// to record if it turns out to be a question.
    alternative: Option<u16>,
    /// The sentence opened with a question word or a greeting: it asks for a
    /// fact or for nothing, so the work nouns it names are not asked for.
    fact_question: bool,
    /// The sentence opened with a question word (not a greeting).
    question_opened: bool,
    /// A method word ("cómo", "如何") stood just before: the next word tells whether
    /// it asks how to do something or how something stands.
    method_pending: bool,
    /// The sentence asks how to do something; with a system scope it asks for the
    /// work.
    method_asked: bool,
    /// The sentence named a scope term.
    scope_in_sentence: bool,
    /// An inverted question mark ("¿") stood before the word that starts the
    /// next sentence: that sentence opens a question.
    question_opens: bool,
    /// The sentence asks for an opinion ("thoughts on the roadmap?"): it asks for
    /// no fact.
    opinion_asked: bool,
    /// The sentence opened with a verb that fetches something: the work nouns
    /// of its object name what to fetch.
    retrieval_opened: bool,
    /// The sentence opened with a question for a person, a place or a time: the
    /// work nouns it names are what it asks about, whatever their class.
    lookup_question: bool,
    /// The current sentence's first condition word ("if"): the term to record
    /// if the sentence turns out to be a question.
    condition: Option<u16>,
    /// The index of the last verb after which "if" means "whether" ("do you know
    /// if"), 0 for none: a condition word right after it asks whether.
    whether_at: u32,
    /// The word stands in a noun phrase: after a determiner or a preposition,
    /// through the words with no action that follow it ("the SSO integration").
    in_noun_phrase: bool,
    noun_phrase_next: bool,
    /// The previous word ended in a hyphen: "Jira-Integration" is one noun.
    hyphen_before: bool,
    /// The previous word was a distributive ("per", "by").
    distributive_before: bool,
}

impl<'r> Scan<'r> {
    fn penalty_of(&self, triviality: TrivialMask) -> i32 {
        let trivial = &self.rules.trivial;
        let narrow = &self.rules.narrow;
        triviality.weak.count_ones() as i32 * trivial.weak_points
            + triviality.strong.count_ones() as i32 * trivial.strong_points
            + (triviality.narrow.count_ones() as i32 * narrow.points).min(narrow.cap)
    }

    fn seal(&mut self, clause: Clause) {
        let penalty = self.penalty_of(clause.triviality);
        let mut classes = clause.classes;
        while classes != 0 {
            let class = classes.trailing_zeros() as usize;
            classes &= classes - 1;
            let bit = 1u16 << class;
            if self.sealed & bit == 0 || penalty < self.penalty[class] {
                self.sealed |= bit;
                self.penalty[class] = penalty;
                self.evidence.class_triviality[class] = clause.triviality;
            }
        }
    }

    fn end_clause(&mut self) {
        let mut clause = std::mem::take(&mut self.clause);
        let words = self.index.saturating_sub(self.clause_from);
        self.clause_from = self.index;
        if clause.classes != 0 {
            // "Petite coquille dans le README. Tu peux corriger ?": the short request
            // is about the error named before it.
            if self.unclaimed != TrivialMask::default() {
                let unclaimed = std::mem::take(&mut self.unclaimed);
                if words <= SHORT_REQUEST_WORDS {
                    clause.triviality.extend(unclaimed);
                }
            }
            if let Some(open) = self.open.replace(clause) {
                self.seal(open);
            }
        } else if let Some(open) = &mut self.open {
            open.triviality.extend(clause.triviality);
        } else {
            self.unclaimed.extend(clause.triviality);
        }
    }

    fn finish(&mut self) {
        self.conditional(false);
        self.end_clause();
        if let Some(open) = self.open.take() {
            self.seal(open);
        }
    }

    /// A held particle: if it ends its clause it joins the clause's verb ("leite ...
    /// her" is "herleiten"), and a negation that reaches it rules out the verb and
    /// its object ("fass die Architektur nicht an"). Out of line: rare.
    #[cold]
    #[inline(never)]
    fn separable(&mut self, clause_end: bool, next: &str) {
        let Some(negated) = self.particle.take() else {
            return;
        };
        let Some(verb) = self.verb else {
            return;
        };
        // "Geh den PR durch und prüf ihn": a cue after the particle ends its clause.
        let cue_next = || {
            self.rules
                .lookup(next)
                .is_some_and(|found| found.roles & ROLE_CUE != 0)
        };
        if !(clause_end || cue_next()) {
            return;
        }
        if negated {
            // Like a negation after what it rules out: the verb opens its clause.
            self.post_negation();
            return;
        }
        let rules = self.rules;
        let mut joined = std::mem::take(&mut self.joined);
        // "stellen", "stellst", "stelle": the first ending whose stem, with the
        // particle, makes a listed verb ("umstellen").
        let found = SEPARABLE_VERB_ENDINGS.iter().find_map(|ending| {
            let stem = self.verb_text.strip_suffix(ending)?;
            joined.clear();
            joined.push_str(&self.particle_text);
            joined.push_str(stem);
            joined.push_str("en");
            rules.lookup(&joined).filter(|found| found.has_action())
        });
        self.joined = joined;
        let Some(found) = found else {
            return;
        };
        // The verb's own actions give way to the joined verb's.
        for hit in verb.hits {
            if let Group::Action(c) = hit.group {
                let c = usize::from(c);
                if self.evidence.actions.get(c) == Some(hit.term) {
                    self.evidence.actions.remove(c);
                    self.clause.classes &= !(1 << c);
                }
            }
        }
        // The joined verb stands where the verb stood, not in the noun phrase before
        // the particle.
        let in_noun_phrase = std::mem::replace(&mut self.in_noun_phrase, false);
        let mut ignored = false;
        for &hit in found.hits {
            let hit = Hit { bare: false, ..hit };
            self.record_at(hit, false, verb.sentence_start, false, &mut ignored);
        }
        self.in_noun_phrase = in_noun_phrase;
    }

    /// A word next to a hyphen, a separable particle or a separable verb's stem:
    /// the verb before a hyphen is kept for a pronoun after it, a particle is held
    /// for the next word, a stem where a verb stands is kept as the clause's verb.
    /// Out of line: most words are none of these.
    #[cold]
    #[inline(never)]
    fn rare_word(
        &mut self,
        lookup: Option<Lookup<'r>>,
        text: &str,
        negated: bool,
        sentence_start: bool,
        word: RareWord,
    ) {
        if word.roles & ROLE_LOOKUP_QUESTION != 0 && sentence_start && self.sentence_words == 1 {
            self.lookup_question = true;
        }
        if word.roles & ROLE_OPINION != 0 {
            self.asked_opinion();
        }
        if word.roles & ROLE_METHOD_QUESTION != 0 && sentence_start {
            self.method_pending = true;
        }
        // "Le pod est-il prêt ?": a subject after its verb and a hyphen asks.
        if word.hyphen_before && self.rules.is_inverted_subject(text) {
            self.question_opened = true;
        }
        if let Some(held) = self.before_hyphen.take() {
            if word.hyphen_before && word.roles & ROLE_HYPHEN_PRONOUN != 0 {
                self.verb_before_pronoun(held);
            }
        }
        if word.modifier {
            self.before_hyphen = lookup
                .filter(|found| found.hits.iter().any(|&hit| self.is_verb(hit)))
                .map(|found| (found, negated, sentence_start));
        }
        if !word.as_written {
            return;
        }
        if word.roles & ROLE_PARTICLE != 0 && self.verb.is_some() {
            self.particle = Some(negated);
            self.particle_text.clear();
            self.particle_text.push_str(text);
        } else if word.roles & ROLE_SEPARABLE_VERB != 0
            && word.finite_verb_position
            && !word.hyphen_before
            && !word.in_path
        {
            if let Some(found) = lookup {
                self.verb_text.clear();
                self.verb_text.push_str(text);
                self.verb = Some(ClauseVerb {
                    hits: found.hits,
                    sentence_start,
                });
            }
        }
    }

    /// Whether a hit is an action of a class whose words are verbs.
    fn is_verb(&self, hit: Hit) -> bool {
        matches!(hit.group, Group::Action(c) if self.rules.classes[usize::from(c)].verb)
    }

    /// The verb actions of the word before a hyphen, now that a pronoun follows it
    /// ("trouve-moi"). Out of line: rare.
    #[cold]
    #[inline(never)]
    fn verb_before_pronoun(&mut self, (found, negated, sentence_start): (Lookup<'r>, bool, bool)) {
        let in_noun_phrase = std::mem::replace(&mut self.in_noun_phrase, false);
        let mut ignored = false;
        for &hit in found.hits {
            if self.is_verb(hit) {
                let hit = Hit { bare: false, ..hit };
                self.record_at(hit, negated, sentence_start, false, &mut ignored);
            }
        }
        self.in_noun_phrase = in_noun_phrase;
    }

    /// A question for a person, a place or a time after the words it asks about
    /// ("数据库迁移方案的链接在哪", "마이그레이션 담당자가 누구야"): the verbs named since
    /// the negation mark name what is asked about. Out of line: rare.
    #[cold]
    #[inline(never)]
    fn asked_about_before(&mut self) {
        // A malfunction named before the question word is a status asked about
        // ("失败的测试有多少个"), as after a question word that opens a sentence.
        self.withdraw_since(self.negation_mark.actions, |class| {
            class.verb || class.status_in_questions
        });
    }

    /// Withdraws the actions of the classes `withdrawn` picks that were named after
    /// `before` was taken.
    fn withdraw_since(&mut self, before: Actions, withdrawn: impl Fn(&ActionClass) -> bool) {
        for (c, class) in self.rules.classes.iter().enumerate() {
            if withdrawn(class) && !before.is_set(c) && self.evidence.actions.is_set(c) {
                self.evidence.actions.remove(c);
                self.clause.classes &= !(1 << c);
            }
        }
    }

    /// A request after a question word ("어떻게 달라지는지 해석해 주세요": interpret how
    /// it changes) asks for the work: the question named earlier in the sentence is
    /// withdrawn.
    fn request_after_question(&mut self) {
        // Called at every request: the one class to check, without a loop.
        let Some(c) = self.rules.question_class.map(usize::from) else {
            return;
        };
        if !self.sentence_mark.is_set(c) && self.evidence.actions.is_set(c) {
            self.evidence.actions.remove(c);
            self.clause.classes &= !(1 << c);
        }
    }

    /// The word after a method word, by its roles: a state ("¿cómo va el deploy?")
    /// leaves the question a look-up; anything else asks how to do something, which
    /// a system scope in the sentence makes a request for the work ("¿cómo
    /// garantizamos exactly-once en todo el pipeline?", "如何保证整个系统 ..."). A
    /// pronoun in between ("cómo se llama") is passed over. Out of line: rare.
    #[cold]
    #[inline(never)]
    fn after_method_word(&mut self, roles: u32) {
        if roles & ROLE_METHOD_PASSED != 0 {
            return;
        }
        self.method_pending = false;
        if roles & ROLE_METHOD_STATE == 0 {
            self.method_asked = true;
            if self.scope_in_sentence {
                self.scoped_method_question();
            }
        }
    }

    /// A question how to do something across a system asks for the work, not for a
    /// fact: the question word and its question mark are withdrawn. Out of line: rare.
    #[cold]
    #[inline(never)]
    fn scoped_method_question(&mut self) {
        self.method_asked = false;
        self.request_sentence = true;
        self.request_after_question();
    }

    /// A scope term in the current sentence.
    #[inline(always)]
    fn scope_named(&mut self) {
        self.scope_in_sentence = true;
        if self.method_asked {
            self.scoped_method_question();
        }
    }

    /// "Thoughts on the roadmap?", "有什么想法？": an opinion asked for is no look-up, so
    /// the question named earlier in the sentence is withdrawn and its question
    /// mark asks nothing. Out of line: rare.
    #[cold]
    #[inline(never)]
    fn asked_opinion(&mut self) {
        self.opinion_asked = true;
        self.request_after_question();
    }

    /// Withdraws the verb-class actions named earlier in the sentence: they name
    /// the work the thanks are for ("昨日のまとめ読みました、お疲れ様でした").
    fn thanked_for_before(&mut self) {
        self.withdraw_since(self.sentence_mark, |class| class.verb);
    }

    /// Withdraws the actions and scope named since the negation mark.
    fn post_negation(&mut self) {
        let mark = self.negation_mark;
        self.evidence.actions = mark.actions;
        self.evidence.scope = mark.scope;
        self.clause.classes = mark.classes;
    }

    /// The action and scope evidence as it stands.
    fn mark(&self) -> EvidenceMark {
        EvidenceMark {
            actions: self.evidence.actions,
            classes: self.clause.classes,
            scope: self.evidence.scope,
        }
    }

    /// Where a negation after the words it rules out reaches back to.
    fn mark_negation(&mut self) {
        self.negation_mark = self.mark();
    }

    /// At the end of a sentence (`asked`: a question mark ends it): a condition in
    /// a question asks to reason about it ("what happens if we drop the index?").
    fn conditional(&mut self, asked: bool) {
        if let Some(term) = self.condition.take() {
            if let Some(class) = self.rules.condition_class {
                if (asked || self.question_opened) && !self.request_sentence {
                    let c = usize::from(class);
                    self.evidence.actions.insert_first(c, term);
                    self.clause.classes |= 1 << c;
                }
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn question(&mut self) {
        // "A, B or C?" asks to weigh alternatives, whoever asks it.
        if let Some(term) = self.alternative.take() {
            self.evidence.tradeoff.insert(term);
        }
        self.conditional(true);
        // A request ("can you ...?"), an opinion asked for or a sentence of
        // punctuation alone asks no fact.
        if self.request_sentence || self.opinion_asked || self.sentence_words == 0 {
            return;
        }
        if let Some(class) = self.rules.question_class {
            let c = usize::from(class);
            if let Some(term) = self.rules.classes[c].question_term {
                self.evidence.actions.insert_first(c, term);
                self.clause.classes |= 1 << c;
            }
        }
    }

    fn trivial(&mut self, strong: bool, term: u16) {
        let (all, clause) = if strong {
            (
                &mut self.evidence.triviality.strong,
                &mut self.clause.triviality.strong,
            )
        } else {
            (
                &mut self.evidence.triviality.weak,
                &mut self.clause.triviality.weak,
            )
        };
        if let Some(i) = all.position_or_insert(term) {
            *clause |= 1 << i;
        }
    }

    #[inline(always)]
    fn record(&mut self, hit: Hit, negated: bool, sentence_start: bool, number_next: &mut bool) {
        self.record_at(hit, negated, sentence_start, false, number_next)
    }

    /// Records one hit; `noun` marks a verb that stands as a noun (after a
    /// determiner, or before a hyphen), whose verb-class actions do not count.
    #[inline(always)]
    fn record_at(
        &mut self,
        hit: Hit,
        negated: bool,
        sentence_start: bool,
        noun: bool,
        number_next: &mut bool,
    ) {
        let ev = &mut self.evidence;
        match hit.group {
            Group::Action(class) => {
                let c = usize::from(class);
                let rules = &self.rules.classes[c];
                let asked_about = self.in_noun_phrase
                    && (self.lookup_question || (rules.nouns_in_questions && self.fact_question))
                    && !self.request_sentence;
                // "Pull up the migration plan": the plan is fetched, not made.
                let fetched =
                    self.retrieval_opened && self.in_noun_phrase && !self.request_sentence;
                let nominal = noun || (hit.bare && self.nominal_position) || asked_about || fetched;
                let out_of_place = rules.sentence_start && !sentence_start;
                let status =
                    rules.status_in_questions && self.question_opened && !self.request_sentence;
                let done = rules.verb && self.index <= self.done_until;
                if !(negated || out_of_place || status || done || (nominal && rules.verb)) {
                    ev.actions.insert_first(c, hit.term);
                    self.clause.classes |= 1 << c;
                    // A question or a greeting opens a sentence that asks for no work.
                    if sentence_start && rules.sentence_start {
                        self.fact_question = true;
                        self.question_opened |= self.rules.question_class == Some(class);
                    }
                }
            }
            // "Don't touch the architecture": the reach is ruled out, not asked for.
            Group::Scope if !negated => {
                ev.scope.insert(hit.term);
                self.scope_named();
            }
            Group::Scope => {}
            Group::Quantifier => {
                self.quantified_until = self.index.saturating_add(self.rules.scope_unit_window)
            }
            Group::ScopeUnit => {
                if self.index <= self.quantified_until && !negated {
                    ev.scope.insert(hit.term);
                    self.scope_named();
                }
            }
            Group::Tradeoff => ev.tradeoff.insert(hit.term),
            Group::Coordination => ev.coordination.insert(hit.term),
            // "So that no module imports it": a unit ruled out does not bound the work.
            Group::Narrow if negated => {}
            Group::Narrow => {
                if let Some(i) = ev.narrow.position_or_insert(hit.term) {
                    self.clause.triviality.narrow |= 1 << i;
                    if self.distributive_before {
                        ev.narrow_distributed |= 1 << i;
                    }
                }
            }
            Group::Domain => ev.domain.insert(hit.term),
            Group::TrivialWeak if !negated => self.trivial(false, hit.term),
            Group::TrivialStrong if !negated => self.trivial(true, hit.term),
            Group::TrivialWeak | Group::TrivialStrong => {}
            Group::Sequencer => {
                ev.sequencers = ev.sequencers.saturating_add(1);
                self.end_clause();
                self.mark_negation();
            }
            // "新しいフレームワークは入れないで": what the clause named is ruled out.
            Group::PostNegator => self.post_negation(),
            Group::StepMarker => *number_next = true,
            Group::Request => {
                if sentence_start {
                    // "How can we ...", "is there a way to ...": the question word
                    // opens a request, not a look-up.
                    self.request_sentence = true;
                    self.request_after_question();
                }
            }
            Group::Alternative => {
                if !negated {
                    self.alternative.get_or_insert(hit.term);
                }
            }
            Group::Condition => {
                if !negated && !self.after_knowing() {
                    self.condition.get_or_insert(hit.term);
                }
            }
            Group::Whether => self.whether_at = self.index,
            Group::PastAuxiliary => {
                self.done_until = self.index.saturating_add(PAST_AUXILIARY_REACH)
            }
            // At a sentence start "which" asks ("which services need refactoring?").
            Group::Relative if !sentence_start => {
                self.done_until = self.index.saturating_add(PAST_AUXILIARY_REACH)
            }
            Group::Relative => {}
            Group::Particle
            | Group::HyphenPronoun
            | Group::SeparableVerb
            | Group::LookupQuestion
            | Group::Thanks
            | Group::Opinion
            | Group::Conjunction
            | Group::MethodQuestion
            | Group::MethodState
            | Group::MethodPassed => {}
            Group::Retrieval => {
                if sentence_start && self.sentence_words == 1 {
                    self.retrieval_opened = true;
                }
            }
            Group::Ordinal
            | Group::Preposition
            | Group::Neutral
            | Group::Determiner
            | Group::LightVerb
            | Group::NounVerb
            | Group::Cue
            | Group::Pronoun
            | Group::Distributive => {}
            Group::Compound => {
                ev.actions = self.before_previous.actions;
                self.clause.classes = self.before_previous.classes;
            }
            Group::ValueWord => self.value_word_before = true,
            // "Non-blocking", "no-op": a negation that opens a compound negates nothing.
            Group::Negator if !noun => {
                self.negated_until = self.index.saturating_add(self.rules.negation_window)
            }
            Group::Negator => {}
            Group::Indicator(i) => ev.indicators |= 1u64 << i,
        }
    }

    #[inline(always)]
    fn word(&mut self, word: Word<'_>) {
        if self.particle.is_some() {
            self.separable(word.punct_before || word.sentence_start, word.text);
        }
        self.evidence.commas = self
            .evidence
            .commas
            .saturating_add(u32::from(word.commas_before));
        if word.commas_before > 0 {
            // A negation reaches to the end of its clause ("no rediseñes nada, solo
            // renombra el flag": the rename is asked for).
            self.negated_until = 0;
            self.mark_negation();
            // A comma after an action ends its clause: "fix the broken link, and write
            // a new section on SSO" asks for the section whatever the link's triviality.
            if self.clause.classes != 0 {
                self.end_clause();
            }
        }
        // So does a conjunction: "fix the typo and add a CSV export" asks for the
        // export whatever the typo's triviality.
        if std::mem::take(&mut self.conjunction_before)
            && !word.punct_before
            && self.clause.classes != 0
        {
            self.end_clause();
        }
        if word.question_before {
            self.question();
        }
        if word.quote_edge != 0 {
            if word.quote_edge & QUESTION_OPENS != 0 {
                self.opens_question(word.sentence_start);
            }
            if word.quote_edge & (QUOTE_OPENS | QUOTE_AFTER) != 0 {
                self.quotation(word.text, word.quote_edge, word.commas_before);
            }
        }
        let place = Place {
            sentence_start: word.sentence_start,
            numbered: word.numbered,
            modifier: word.hyphen_next,
            in_path: word.in_path || word.quoted,
            punct_before: word.punct_before,
            as_written: true,
            packed: word.packed,
        };
        if (self.pending_prefix.is_some() || word.hyphen_next)
            && self.prefixed(word.text, place, word.segmented)
        {
            return;
        }
        if word.segmented && word.quoted {
            self.start(word.sentence_start);
            self.index = self.index.saturating_add(1);
            self.sentence_words = self.sentence_words.saturating_add(1);
        } else if word.segmented {
            self.segmented(word.text, word.sentence_start, word.punct_before);
        } else {
            self.plain(word.text, place);
        }
    }

    /// An inverted question mark before a word: a question opens there, or with
    /// the sentence the word starts. Out of line: rare.
    #[cold]
    #[inline(never)]
    fn opens_question(&mut self, sentence_start: bool) {
        if sentence_start {
            self.question_opens = true;
        } else {
            self.question_opened = true;
        }
    }

    /// Two quotations side by side, or joined by one replacement word ("'colour'
    /// to 'color'", "« a » → « b »", "「a」を「b」に"): a literal replaced by another,
    /// a mechanical edit. A comma between them lists literals instead. Out of line:
    /// quotations are rare. The word's index is one more than `self.index`.
    #[inline(never)]
    fn quotation(&mut self, text: &str, edge: u8, commas_before: u8) {
        let trivial = &self.rules.trivial;
        let opens = edge & QUOTE_OPENS != 0;
        let after = edge & QUOTE_AFTER != 0;
        let side_by_side = opens && after && commas_before == 0;
        let joined = opens && self.replacement_at != 0 && self.index == self.replacement_at;
        if side_by_side || joined {
            self.trivial(true, trivial.replacement_term);
        }
        self.replacement_at =
            if after && !opens && commas_before == 0 && trivial.joins_replacement(text) {
                // The quotation that replaces must open right after this word.
                self.index.saturating_add(1)
            } else {
                0
            };
    }

    /// A word after a held prefix, or a prefix before a hyphen ("re-host"): whether
    /// the word has been taken care of. Out of line: most words are neither. Takes
    /// the word's text and place rather than the `Word`, which passed by value to a
    /// call would be stored to memory for every word.
    #[inline(never)]
    fn prefixed(&mut self, text: &str, place: Place, segmented: bool) -> bool {
        if let Some(pending) = self.pending_prefix.take() {
            let mut joined = std::mem::take(&mut self.joined);
            joined.clear();
            joined.push_str(self.rules.prefix(pending.index));
            joined.push_str(text);
            if !segmented && !place.in_path && self.find(&joined).is_some() {
                let joined_place = Place {
                    sentence_start: pending.sentence_start,
                    modifier: place.modifier,
                    punct_before: pending.punct_before,
                    ..Place::default()
                };
                self.plain(&joined, joined_place);
                self.joined = joined;
                return true;
            }
            self.joined = joined;
            let prefix = self.rules.prefix(pending.index);
            self.plain(prefix, Self::prefix_place(pending));
        } else if place.modifier {
            if let Some(index) = self.rules.prefix_index(text) {
                self.pending_prefix = Some(PendingPrefix {
                    index,
                    sentence_start: place.sentence_start,
                    punct_before: place.punct_before,
                });
                return true;
            }
        }
        false
    }

    /// A held prefix that did not join the next word, as a word of its own.
    fn prefix_place(pending: PendingPrefix) -> Place {
        Place {
            sentence_start: pending.sentence_start,
            modifier: true,
            punct_before: pending.punct_before,
            ..Place::default()
        }
    }

    #[inline(always)]
    fn start(&mut self, sentence_start: bool) {
        if sentence_start {
            if self.index > 0 {
                self.conditional(false);
                self.end_clause();
            }
            self.negated_until = 0;
            self.done_until = 0;
            self.quantified_until = 0;
            self.request_sentence = false;
            self.method_pending = false;
            self.method_asked = false;
            self.scope_in_sentence = false;
            self.sentence_words = 0;
            self.alternative = None;
            self.fact_question = false;
            // "¿sigue caído el nodo?": the inverted mark opens a question.
            self.question_opened = std::mem::take(&mut self.question_opens);
            self.opinion_asked = false;
            self.retrieval_opened = false;
            self.lookup_question = false;
            self.condition = None;
            self.verb = None;
            self.mark_negation();
            self.sentence_mark = self.evidence.actions;
        }
    }

    /// A run of a script written without spaces: every dictionary word in it
    /// counts as a word at a sentence start (these scripts mark questions and
    /// requests anywhere in the sentence).
    fn segmented(&mut self, run: &str, sentence_start: bool, punct_before: bool) {
        // "모든 페이지", "所有 页面": a quantifier word before the run distributes it.
        let distributive_before = self.distributive_before && !punct_before;
        self.start(sentence_start);
        self.sentence_words = self.sentence_words.saturating_add(1);
        self.nominal_position = false;
        self.in_noun_phrase = false;
        self.noun_phrase_next = false;
        self.hyphen_before = false;
        self.distributive_before = distributive_before;
        self.value_word_before = false;
        self.step_marker_before = false;
        self.whether_at = 0;
        self.verb = None;
        let rules = self.rules;
        let mut matched = false;
        // "帮我 review 一下": a run that ends with a cue puts the next word in a
        // verb's place, as "please" does.
        let mut cue_at_end = false;
        rules.for_each_segment(run, |found, noun, at_end| {
            matched = true;
            cue_at_end = at_end && found.roles & ROLE_CUE != 0;
            self.index = self.index.saturating_add(1);
            let negated = self.index <= self.negated_until;
            if self.method_pending {
                self.after_method_word(found.roles);
            }
            let mut ignored = false;
            for &hit in found.hits {
                self.record_at(hit, negated, true, noun, &mut ignored);
            }
            // These scripts ask how anywhere in the sentence ("我们如何保证 ..."). The
            // verb follows in the same run, unless the run ends ("어떻게 돼요?").
            if found.roles & ROLE_METHOD_QUESTION != 0 {
                if at_end {
                    self.method_pending = true;
                } else {
                    self.after_method_word(0);
                }
            }
            // "所有页面", "すべての画面": every unit after the quantifier, not one.
            self.distributive_before = found.roles & ROLE_DISTRIBUTIVE != 0;
            if found.roles & ROLE_LOOKUP_QUESTION != 0 {
                self.asked_about_before();
            }
            if found.roles & ROLE_REQUEST != 0 {
                self.request_after_question();
            }
            if found.roles & ROLE_OPINION != 0 {
                self.asked_opinion();
            }
            if found.roles & ROLE_THANKS != 0 && !self.request_sentence {
                self.thanked_for_before();
            }
        });
        if !matched {
            self.index = self.index.saturating_add(1);
            if self.method_pending {
                self.after_method_word(0);
            }
        }
        self.recent = [Recent::default(); MAX_PHRASE_WORDS - 1];
        self.determined = Determined::No;
        self.light_verb_before = false;
        self.verb_position = cue_at_end;
        self.conjunction_before = false;
        self.after_preposition = false;
    }

    /// Whether the current word comes right after a verb of knowing ("do you know
    /// if ...", "I'd like to know which ..."): "if" then asks whether, and a question
    /// word opens a question.
    #[inline(always)]
    fn after_knowing(&self) -> bool {
        // The verb's index is at most the current one: the difference is their distance.
        self.whether_at != 0 && self.index.wrapping_sub(self.whether_at) == 1
    }

    /// `plain`'s recording of a word where a question opens (`opens_question`) or
    /// right after a question for a person (`asks_doer`); whether it held an action.
    /// Out of line: rare.
    #[inline(never)]
    fn record_in_question(
        &mut self,
        hits: Hits<'r>,
        negated: bool,
        sentence_start: bool,
        (opens_question, asks_doer): (bool, bool),
        noun: bool,
        number_next: &mut bool,
    ) -> bool {
        let mut action_hit = false;
        for &hit in hits {
            action_hit |= matches!(hit.group, Group::Action(_));
            let opening = sentence_start
                || (opens_question
                    && matches!(hit.group, Group::Action(c) if Some(c) == self.rules.question_class));
            self.record_at(
                hit,
                negated,
                opening,
                noun || (asks_doer && hit.bare),
                number_next,
            );
        }
        action_hit
    }

    /// The vocabulary entry of a word, or of the word without a prefix or a
    /// clitic ending the vocabulary lacks it with ("rehost" -> "host",
    /// "muéstrame" -> "muestra").
    #[inline(always)]
    fn find(&mut self, text: &str) -> Option<Lookup<'r>> {
        self.find_packed(text, 0)
    }

    /// `find` for a word whose key the scanner packed (`Word::packed`, 0: not packed).
    #[inline(always)]
    fn find_packed(&mut self, text: &str, packed: u64) -> Option<Lookup<'r>> {
        let rules = self.rules;
        if let Some(found) = rules.lookup_packed(text, packed) {
            return Some(found);
        }
        self.find_affixed(text)
    }

    /// `find` for a word the vocabulary lacks as written. Out of line: rare.
    #[inline(never)]
    fn find_affixed(&mut self, text: &str) -> Option<Lookup<'r>> {
        let rules = self.rules;
        let prefixed = rules.strip_prefix(text).and_then(|rest| rules.lookup(rest));
        // A stress mark is a clitic's trace, so such a word prefers the clitic:
        // "demuéstrame" is "demuestra" + "me", not "de" + "muéstrame"; "reformate" is
        // "re" + "formate".
        let found = if prefixed.is_some() && text.is_ascii() {
            prefixed
        } else {
            rules
                .lookup_without_suffix(text, &mut self.stem)
                .or(prefixed)
        };
        // In a verb's place (after "me", "you", "please"), a second-person form asks
        // for the work: "¿me revisas el diff?". `verb_position` still holds the cue
        // of the word before.
        if self.verb_position && !found.is_some_and(|f| f.has_action()) {
            return rules.lookup_without_person_ending(text).or(found);
        }
        found
    }

    #[inline(always)]
    fn plain(&mut self, text: &str, place: Place) {
        let Place {
            sentence_start,
            numbered,
            modifier,
            in_path,
            punct_before,
            as_written,
            packed,
        } = place;
        self.start(sentence_start);
        self.index = self.index.saturating_add(1);
        self.sentence_words = self.sentence_words.saturating_add(1);
        if numbered {
            let value: u32 = text.bytes().fold(0, |n, b| n * 10 + u32::from(b - b'0'));
            if sentence_start || (self.last_list_number > 0 && value == self.last_list_number + 1) {
                self.evidence.list_items = self.evidence.list_items.saturating_add(1);
                self.last_list_number = value;
            }
        }
        let negated = self.index <= self.negated_until;
        let is_number = text.as_bytes().first().is_some_and(u8::is_ascii_digit);
        let value_word_before = std::mem::take(&mut self.value_word_before);
        let step_marker_before = std::mem::take(&mut self.step_marker_before);
        if value_word_before && is_number && !negated {
            self.trivial(false, self.rules.trivial.value_term);
        }

        let lookup = if is_number || in_path {
            None
        } else {
            self.find_packed(text, packed)
        };
        // Only a word that starts a compound needs the state before it kept.
        let phrase_word = lookup.map_or(0, |l| l.phrase_word);
        let phrase_roles = lookup.map_or(0, |l| l.phrase_roles);
        let before = (phrase_roles & COMPOUND_START != 0).then(|| self.mark());
        // A verb stands at a clause start, after punctuation, after a cue word, or
        // after a determiner that follows a light verb ("do a review").
        let verb_position = std::mem::replace(&mut self.verb_position, false)
            || sentence_start
            || punct_before
            || (self.determined == Determined::AfterLightVerb);
        let roles = lookup.map_or(0, |l| l.roles);
        if self.method_pending {
            self.after_method_word(roles);
        }
        let noun_verb = roles & ROLE_NOUN_VERB != 0;
        let hyphen_before = std::mem::replace(&mut self.hyphen_before, modifier);
        // Both halves of a hyphenated compound are nouns ("Standard-Port", "cert-expiry
        // check"); a phrase in the vocabulary ("fine-tune") still matches as a phrase.
        let noun = modifier || hyphen_before || (noun_verb && !verb_position);
        self.in_noun_phrase =
            (!punct_before || hyphen_before) && std::mem::take(&mut self.noun_phrase_next);
        let after_preposition = std::mem::take(&mut self.after_preposition);
        self.nominal_position =
            !punct_before && (self.determined == Determined::Yes || after_preposition);
        let second_word = !punct_before && self.sentence_words == 2;
        let after_knowing = self.after_knowing();
        let mut number_next = false;
        let is_ordinal = roles & ROLE_ORDINAL != 0;
        let determiner = roles & ROLE_DETERMINER != 0;
        let light_verb = roles & ROLE_LIGHT_VERB != 0;
        let cue = roles & ROLE_CUE != 0;
        let preposition = roles & ROLE_PREPOSITION != 0;
        let pronoun = roles & ROLE_PRONOUN != 0;
        let distributive = roles & ROLE_DISTRIBUTIVE != 0;
        self.distributive_before &= !punct_before;
        let mut action_hit = false;
        if let Some(found) = lookup {
            // "In which file ...", "a qué hora ...", and "I'd like to know which
            // version ...": a question word right after the preposition or article
            // that opens a sentence, or right after a verb of knowing, opens the
            // question. Spanish "a" is listed as the English article.
            if after_knowing
                || (second_word
                    && (after_preposition
                        || self.lookup_question
                        || self.determined == Determined::Yes))
            {
                // "Who maintains the crate?": the verb right after the question word
                // names what the person asked about does.
                let opens_question = after_knowing
                    || (second_word && (after_preposition || self.determined == Determined::Yes));
                let asks_doer = second_word && self.lookup_question;
                action_hit = self.record_in_question(
                    found.hits,
                    negated,
                    sentence_start,
                    (opens_question, asks_doer),
                    noun,
                    &mut number_next,
                );
            } else {
                for &hit in found.hits {
                    action_hit |= matches!(hit.group, Group::Action(_));
                    self.record_at(hit, negated, sentence_start, noun, &mut number_next);
                }
            }
        }
        // "Not a full overhaul", "nichts am Konzept umbauen": a negation's reach
        // counts the words that name things, not the articles and prepositions.
        if negated && (determiner || preposition) {
            self.negated_until = self.negated_until.saturating_add(1);
        }
        // A word after a hyphen follows a modifier, which reset `before_hyphen`.
        if roles
            & (ROLE_PARTICLE
                | ROLE_HYPHEN_PRONOUN
                | ROLE_SEPARABLE_VERB
                | ROLE_LOOKUP_QUESTION
                | ROLE_OPINION
                | ROLE_METHOD_QUESTION)
            != 0
            || modifier
            || hyphen_before
        {
            let word = RareWord {
                roles,
                hyphen_before,
                modifier,
                finite_verb_position: verb_position || second_word,
                as_written,
                in_path,
            };
            self.rare_word(lookup, text, negated, sentence_start, word);
        }
        // A cue ("and", "then", "to") ends the noun phrase: a verb may follow it.
        self.noun_phrase_next =
            determiner || preposition || (self.in_noun_phrase && !action_hit && !cue);
        if step_marker_before && (is_number || is_ordinal) {
            self.evidence.list_items = self.evidence.list_items.saturating_add(1);
        }

        let light_verb_before = self.light_verb_before && !punct_before;
        self.determined = match (determiner, light_verb_before) {
            (false, _) => Determined::No,
            (true, false) => Determined::Yes,
            (true, true) => Determined::AfterLightVerb,
        };
        self.verb_position = cue;
        self.conjunction_before = roles & ROLE_CONJUNCTION != 0;
        self.after_preposition = preposition;
        // Set before the phrases: a sequencing phrase resets them ("after that").
        if phrase_roles & PHRASE_END != 0 && self.may_end_phrase(phrase_word) {
            self.match_phrases(phrase_word, sentence_start, &mut number_next);
        }
        if let Some(before) = before {
            self.before_previous = before;
        }
        self.distributive_before = distributive;
        // A pronoun after the light verb ("brauch ich", "give me") leaves it in force.
        self.light_verb_before = light_verb || (pronoun && light_verb_before);
        self.recent = [
            Recent {
                phrase_word,
                phrase_roles,
                negated,
                sentence_start,
            },
            self.recent[0],
            self.recent[1],
        ];
        self.step_marker_before = number_next;
    }

    /// Whether some phrase may end with the current word: the filter `match_phrases`
    /// applies, checked here so most words skip the call.
    #[inline(always)]
    fn may_end_phrase(&self, last: u32) -> bool {
        for len in 2..=MAX_PHRASE_WORDS {
            let first = self.recent[len - 2];
            if first.phrase_word == 0 {
                return false;
            }
            if first.phrase_roles & PHRASE_START != 0
                && self.rules.may_be_phrase(len, first.phrase_word, last)
            {
                return true;
            }
        }
        false
    }

    /// "After that redesign ...": the last word of a sequencing phrase is a pronoun,
    /// and a verb stands after the phrase as after "then". Out of line: rare.
    #[inline(never)]
    fn after_sequencing_phrase(&mut self) {
        self.determined = Determined::No;
        self.verb_position = true;
        self.after_preposition = false;
        self.noun_phrase_next = false;
    }

    /// Matches every phrase that ends with the current word.
    fn match_phrases(&mut self, last: u32, sentence_start: bool, number_next: &mut bool) {
        let rules = self.rules;
        let mut key = [0u32; MAX_PHRASE_WORDS];
        for len in 2..=MAX_PHRASE_WORDS {
            let first = self.recent[len - 2];
            if first.phrase_word == 0 {
                break;
            }
            if first.phrase_roles & PHRASE_START == 0
                || !rules.may_be_phrase(len, first.phrase_word, last)
            {
                continue;
            }
            // key = [recent[len-2], ..., recent[0], last]
            for (slot, recent) in key.iter_mut().zip(self.recent[..len - 1].iter().rev()) {
                *slot = recent.phrase_word;
            }
            key[len - 1] = last;
            for slot in key.iter_mut().skip(len) {
                *slot = 0;
            }
            if let Some(hits) = rules.phrase(&key) {
                for &hit in hits {
                    // A compound spans two words of one sentence.
                    if hit.group == Group::Compound && (len != 2 || sentence_start) {
                        continue;
                    }
                    self.record(hit, first.negated, first.sentence_start, number_next);
                    if hit.group == Group::Sequencer {
                        self.after_sequencing_phrase();
                    }
                }
            }
        }
    }
}

/// Scans `text` once and hands its evidence to `then`. `buf` is reusable scratch
/// space. The evidence is lent where the scan built it, not returned: moving it out
/// would copy a few hundred bytes per text.
pub(crate) fn with_evidence<R>(
    rules: &ScoringRules,
    text: &str,
    buf: &mut String,
    then: impl FnOnce(&Evidence) -> R,
) -> R {
    let mut scan = Scan {
        rules,
        evidence: Evidence::default(),
        index: 0,
        negated_until: 0,
        done_until: 0,
        quantified_until: 0,
        value_word_before: false,
        step_marker_before: false,
        last_list_number: 0,
        recent: [Recent::default(); MAX_PHRASE_WORDS - 1],
        clause: Clause::default(),
        open: None,
        unclaimed: TrivialMask::default(),
        clause_from: 0,
        sealed: 0,
        penalty: [0; MAX_ACTION_CLASSES],
        pending_prefix: None,
        joined: String::new(),
        stem: String::new(),
        determined: Determined::No,
        light_verb_before: false,
        before_previous: EvidenceMark::default(),
        negation_mark: EvidenceMark::default(),
        sentence_mark: Actions::default(),
        conjunction_before: false,
        verb: None,
        particle: None,
        before_hyphen: None,
        verb_text: String::new(),
        particle_text: String::new(),
        replacement_at: 0,
        verb_position: false,
        nominal_position: false,
        after_preposition: false,
        request_sentence: false,
        sentence_words: 0,
        alternative: None,
        fact_question: false,
        question_opened: false,
        method_pending: false,
        method_asked: false,
        scope_in_sentence: false,
        question_opens: false,
        opinion_asked: false,
        retrieval_opened: false,
        lookup_question: false,
        condition: None,
        whether_at: 0,
        in_noun_phrase: false,
        noun_phrase_next: false,
        hyphen_before: false,
        distributive_before: false,
    };
    let ends_with_question = for_each_word(text, buf, |word| scan.word(word));
    // A particle still held ends the text's last clause; most texts hold none, and
    // skip the out-of-line call.
    if scan.particle.is_some() {
        scan.separable(true, "");
    }
    if let Some(pending) = scan.pending_prefix.take() {
        let prefix = rules.prefix(pending.index);
        scan.plain(prefix, Scan::prefix_place(pending));
    }
    if ends_with_question {
        scan.question();
    }
    scan.finish();
    scan.evidence.word_count = scan.index;
    // Without a single word, whitespace or a reaction ("👍", "🙏 !") asks for nothing.
    // Bare punctuation ("???") may ask about the previous reply: no evidence.
    scan.evidence.blank =
        scan.index == 0 && (text.chars().all(char::is_whitespace) || text.chars().any(is_symbol));
    then(&scan.evidence)
}
