//! The one pass over the words: collects which vocabulary terms fired, in order of
//! first appearance, without allocating.

use super::rules::{Group, Hit, ScoringRules, MAX_ACTION_CLASSES, MAX_PHRASE_WORDS};
use super::tokenizer::{for_each_word, Word};

/// Distinct terms kept per list. Points saturate long before this, and the bound
/// keeps memory flat for texts of any size; the oracle applies the same bound.
pub(crate) const MAX_DISTINCT_TERMS: usize = 8;

/// The distinct terms of one list in order of first appearance.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TermSet {
    len: u8,
    items: [u16; MAX_DISTINCT_TERMS],
}

impl TermSet {
    fn insert(&mut self, term: u16) {
        let len = usize::from(self.len);
        if len < MAX_DISTINCT_TERMS && !self.items[..len].contains(&term) {
            self.items[len] = term;
            self.len += 1;
        }
    }

    pub(crate) fn as_slice(&self) -> &[u16] {
        &self.items[..usize::from(self.len)]
    }

    pub(crate) fn len(&self) -> usize {
        usize::from(self.len)
    }
}

/// Everything the scorer needs to know about a text.
#[derive(Debug, Clone, Default)]
pub(crate) struct Evidence {
    pub blank: bool,
    pub word_count: u32,
    /// First term of each action class found, by class index.
    pub actions: [Option<u16>; MAX_ACTION_CLASSES],
    pub scope: TermSet,
    pub tradeoff: TermSet,
    pub coordination: TermSet,
    pub narrow: TermSet,
    pub domain: TermSet,
    pub weak: TermSet,
    pub strong: TermSet,
    pub sequencers: u32,
    pub list_items: u32,
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
    negated: bool,
    sentence_start: bool,
}

struct Scan<'r> {
    rules: &'r ScoringRules,
    evidence: Evidence,
    index: u32,
    negated_until: u32,
    value_word_before: bool,
    step_marker_before: bool,
    recent: [Recent; MAX_PHRASE_WORDS - 1],
}

impl<'r> Scan<'r> {
    #[inline(always)]
    fn record(&mut self, hit: Hit, negated: bool, sentence_start: bool, number_next: &mut bool) {
        let ev = &mut self.evidence;
        match hit.group {
            Group::Action(class) => {
                let class_rules = &self.rules.classes[usize::from(class)];
                if !negated && (sentence_start || !class_rules.sentence_start) {
                    ev.actions[usize::from(class)].get_or_insert(hit.term);
                }
            }
            Group::Scope => ev.scope.insert(hit.term),
            Group::Tradeoff => ev.tradeoff.insert(hit.term),
            Group::Coordination => ev.coordination.insert(hit.term),
            Group::Narrow => ev.narrow.insert(hit.term),
            Group::Domain => ev.domain.insert(hit.term),
            Group::TrivialWeak if !negated => ev.weak.insert(hit.term),
            Group::TrivialStrong if !negated => ev.strong.insert(hit.term),
            Group::TrivialWeak | Group::TrivialStrong => {}
            Group::Sequencer => ev.sequencers = ev.sequencers.saturating_add(1),
            Group::StepMarker => *number_next = true,
            Group::Ordinal => {}
            Group::ValueWord => self.value_word_before = true,
            Group::Negator => {
                self.negated_until = self.index.saturating_add(self.rules.negation_window)
            }
            Group::Indicator(i) => ev.indicators |= 1u64 << i,
        }
    }

    fn word(&mut self, word: Word<'_>) {
        self.index = self.index.saturating_add(1);
        if word.sentence_start {
            self.negated_until = 0;
        }
        if word.list_item {
            self.evidence.list_items = self.evidence.list_items.saturating_add(1);
        }
        let negated = self.index <= self.negated_until;
        let is_number = word.text.as_bytes().first().is_some_and(u8::is_ascii_digit);
        let value_word_before = std::mem::take(&mut self.value_word_before);
        let step_marker_before = std::mem::take(&mut self.step_marker_before);
        if value_word_before && is_number && !negated {
            self.evidence.weak.insert(self.rules.trivial.value_term);
        }

        let rules = self.rules;
        let lookup = if is_number {
            None
        } else {
            rules.lookup(word.text)
        };
        let mut number_next = false;
        let mut is_ordinal = false;
        if let Some(found) = lookup {
            for &hit in found.hits {
                is_ordinal |= hit.group == Group::Ordinal;
                self.record(hit, negated, word.sentence_start, &mut number_next);
            }
        }
        if step_marker_before && (is_number || is_ordinal) {
            self.evidence.list_items = self.evidence.list_items.saturating_add(1);
        }

        let phrase_word = lookup.map_or(0, |l| l.phrase_word);
        if phrase_word != 0 {
            self.match_phrases(phrase_word, &mut number_next);
        }
        self.recent = [
            Recent {
                phrase_word,
                negated,
                sentence_start: word.sentence_start,
            },
            self.recent[0],
            self.recent[1],
        ];
        self.step_marker_before = number_next;
    }

    /// Matches every phrase that ends with the current word.
    fn match_phrases(&mut self, last: u32, number_next: &mut bool) {
        let rules = self.rules;
        let mut key = [0u32; MAX_PHRASE_WORDS];
        for len in 2..=MAX_PHRASE_WORDS {
            let first = self.recent[len - 2];
            if first.phrase_word == 0 {
                break;
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
                    self.record(hit, first.negated, first.sentence_start, number_next);
                }
            }
        }
    }
}

/// Scans `text` once and returns its evidence. `buf` is reusable scratch space.
pub(crate) fn collect(rules: &ScoringRules, text: &str, buf: &mut String) -> Evidence {
    let mut scan = Scan {
        rules,
        evidence: Evidence {
            blank: text.chars().all(char::is_whitespace),
            ..Evidence::default()
        },
        index: 0,
        negated_until: 0,
        value_word_before: false,
        step_marker_before: false,
        recent: [Recent::default(); MAX_PHRASE_WORDS - 1],
    };
    for_each_word(text, buf, |word| scan.word(word));
    scan.evidence.word_count = scan.index;
    scan.evidence
}
