//! Turns evidence into points, a tier and the signals that explain them.
//!
//! The description's points are the best candidate over the action classes found
//! (or the no-action policy): base, plus scope, trade-offs, phased work, hard domain
//! and steps, minus triviality, raised to the floors and clamped to 0..=100. The
//! score is clamp(description + caller facts on their 1.x scales, 0, 100), and the
//! signals always add up to it.

use std::cell::Cell;
use std::sync::Arc;

use super::evidence::{with_evidence, Evidence, TermSet, TrivialMask};
use super::rules::{Policy, ScoringRules, Triviality, Weighted, MAX_ACTION_CLASSES};

/// The three tiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Simple = 0,
    Medium = 1,
    Complex = 2,
}

impl Level {
    /// The level names, by level number: the tier names the facades, the metrics and
    /// the decision log use.
    pub const NAMES: [&'static str; 3] = ["SIMPLE", "MEDIUM", "COMPLEX"];
}

/// The most demanding kind of action in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerbComplexity {
    Simple,
    Medium,
    Complex,
    Unknown,
}

impl VerbComplexity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Simple => "simple",
            Self::Medium => "medium",
            Self::Complex => "complex",
            Self::Unknown => "unknown",
        }
    }
}

/// Technical depth as the caller states it (1.x scale: 0, 2, 5, 10 points).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TechnicalDepth {
    #[default]
    None,
    Shallow,
    Moderate,
    Deep,
}

impl TechnicalDepth {
    pub const NAMES: [&'static str; 4] = ["none", "shallow", "moderate", "deep"];

    pub fn from_index(index: u8) -> Option<Self> {
        [Self::None, Self::Shallow, Self::Moderate, Self::Deep]
            .get(usize::from(index))
            .copied()
    }

    fn points(self) -> i32 {
        match self {
            Self::None => 0,
            Self::Shallow => 2,
            Self::Moderate => 5,
            Self::Deep => 10,
        }
    }
}

/// What the caller knows about the work besides its description.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallerFacts {
    pub file_count: u64,
    pub context_size: u64,
    pub integration_points: u64,
    pub requires_research: bool,
    pub requires_testing: bool,
    pub requires_documentation: bool,
    pub technical_depth: TechnicalDepth,
}

impl CallerFacts {
    /// The facts' argument names, in `Scorer.analyze`'s keyword order.
    pub const NAMES: [&'static str; 7] = [
        "file_count",
        "context_size",
        "integration_points",
        "requires_research",
        "requires_testing",
        "requires_documentation",
        "technical_depth",
    ];

    /// 1.x: 0 up to 2 files, 10 for 3-5, then 2 more per file up to 20.
    fn file_points(&self) -> i32 {
        match self.file_count {
            0..=2 => 0,
            3..=5 => 10,
            n => (10 + 2 * (n.min(10) - 5) as i32).min(20),
        }
    }

    /// 1.x: 0 under 1,000 characters, 5 under 5,000, 10 under 10,000, else 15.
    fn context_points(&self) -> i32 {
        match self.context_size {
            0..=999 => 0,
            1000..=4999 => 5,
            5000..=9999 => 10,
            _ => 15,
        }
    }

    /// 1.x: 5 per integration point, up to 15.
    fn integration_points(&self) -> i32 {
        (5 * self.integration_points.min(3)) as i32
    }

    /// 1.x's name for the amount of context: "minimal" under 1,000 characters,
    /// "standard" under 5,000, else "comprehensive".
    pub fn context_weight(&self) -> &'static str {
        match self.context_size {
            0..=999 => "minimal",
            1000..=4999 => "standard",
            _ => "comprehensive",
        }
    }

    /// How many of research, testing and documentation the work requires.
    pub fn requirement_count(&self) -> u8 {
        u8::from(self.requires_research)
            + u8::from(self.requires_testing)
            + u8::from(self.requires_documentation)
    }
}

/// Tier boundaries: `score <= simple` is SIMPLE, `score <= medium` MEDIUM, else COMPLEX.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    simple: u8,
    medium: u8,
}

/// Thresholds that are out of order or outside 0..=100.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThresholdsError {
    pub simple: i64,
    pub medium: i64,
}

impl std::fmt::Display for ThresholdsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "simple_threshold={} and medium_threshold={} are not valid: expected \
             0 <= simple_threshold < medium_threshold <= 100",
            self.simple, self.medium
        )
    }
}

impl std::error::Error for ThresholdsError {}

impl Thresholds {
    pub const DEFAULT: Self = Self {
        simple: 30,
        medium: 70,
    };

    pub fn new(simple: i64, medium: i64) -> Result<Self, ThresholdsError> {
        if 0 <= simple && simple < medium && medium <= 100 {
            Ok(Self {
                simple: simple as u8,
                medium: medium as u8,
            })
        } else {
            Err(ThresholdsError { simple, medium })
        }
    }

    pub fn simple(self) -> u8 {
        self.simple
    }

    pub fn medium(self) -> u8 {
        self.medium
    }

    pub fn level_of(self, score: u8) -> Level {
        if score <= self.simple {
            Level::Simple
        } else if score <= self.medium {
            Level::Medium
        } else {
            Level::Complex
        }
    }

    /// Distance of the score to the nearest threshold.
    pub fn confidence(self, score: u8) -> u8 {
        score.abs_diff(self.simple).min(score.abs_diff(self.medium))
    }
}

/// The full, explained result for one task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analysis {
    pub score: u8,
    pub level: Level,
    pub confidence: u8,
    pub description_points: u8,
    pub file_points: u8,
    pub context_points: u8,
    pub integration_points: u8,
    pub requirement_points: u8,
    pub depth_points: u8,
    pub verb_complexity: VerbComplexity,
    pub technical_indicators: Vec<String>,
    pub estimated_steps: u32,
    pub word_count: u32,
    pub signals: Vec<(String, i32)>,
}

/// Where signals go: a list for `analyze`, nowhere for batch scoring. Names are
/// borrowed from the rules (or are fixed words), so recording one allocates nothing.
trait Signals<'n> {
    fn push(&mut self, name: impl FnOnce() -> &'n str, points: i32);
}

struct Discard;

impl<'n> Signals<'n> for Discard {
    fn push(&mut self, _name: impl FnOnce() -> &'n str, _points: i32) {}
}

impl<'n> Signals<'n> for Vec<(&'n str, i32)> {
    fn push(&mut self, name: impl FnOnce() -> &'n str, points: i32) {
        if points != 0 {
            Vec::push(self, (name(), points));
        }
    }
}

/// Adds `per_term` points for each term, in order, until `cap` is reached; `names`
/// are the terms' signal names.
fn capped<'n>(
    out: &mut impl Signals<'n>,
    names: &'n [String],
    found: &TermSet,
    per_term: i32,
    cap: i32,
) -> i32 {
    let mut used = 0;
    for &term in found.as_slice() {
        let points = per_term.min(cap - used);
        if points <= 0 {
            break;
        }
        out.push(|| names[usize::from(term)].as_str(), points);
        used += points;
    }
    used
}

fn weighted<'n>(out: &mut impl Signals<'n>, rules: &'n Weighted, found: &TermSet) -> i32 {
    capped(out, &rules.terms, found, rules.points, rules.cap)
}

/// Scores a text as if its most demanding action were `class` (None: no action).
fn candidate<'n>(
    rules: &'n ScoringRules,
    ev: &Evidence,
    class: Option<usize>,
    out: &mut impl Signals<'n>,
) -> i32 {
    let policy: &Policy = match class {
        Some(c) => &rules.classes[c].policy,
        None => &rules.no_action,
    };
    let mut points = policy.base;
    match class {
        Some(c) => {
            let class_rules = &rules.classes[c];
            let term = ev.actions.get(c).map_or(0, usize::from);
            out.push(|| class_rules.terms[term].as_str(), points);
        }
        None => out.push(|| "no_action", points),
    }
    points += capped(
        out,
        &rules.scope_terms,
        &ev.scope,
        policy.scope_points,
        policy.scope_cap,
    );
    if policy.boosts {
        points += weighted(out, &rules.tradeoff, &ev.tradeoff);
        points += weighted(out, &rules.coordination, &ev.coordination);
        points += weighted(out, &rules.domain.weighted, &ev.domain);
        let extra_steps = i32::try_from(ev.estimated_steps().saturating_sub(1)).unwrap_or(i32::MAX);
        let step_points = rules
            .step_points
            .saturating_mul(extra_steps)
            .min(rules.step_cap);
        out.push(|| "steps", step_points);
        points += step_points;
        let listed = &rules.enumeration;
        let extra_items = i32::try_from(ev.commas.saturating_sub(listed.free)).unwrap_or(i32::MAX);
        let list_points = listed.points.saturating_mul(extra_items).min(listed.cap);
        out.push(|| "enumeration", list_points);
        points += list_points;
        let weighs_options = class.is_some_and(|c| rules.classes[c].weighs_options);
        if weighs_options && listed.options_from > 0 && ev.commas >= listed.options_from {
            out.push(|| "options", listed.options_points);
            points += listed.options_points;
        }
    }
    let trivial_applies = match policy.trivial {
        Triviality::Always => true,
        Triviality::Never => false,
        Triviality::Unscoped => ev.scope.len() == 0,
    };
    if trivial_applies {
        let trivial = &rules.trivial;
        // An action answers only to the triviality of its own clause.
        let mask = match class {
            Some(c) => ev.class_triviality[c],
            None => TrivialMask::ALL,
        };
        let weak_mask = if policy.weak_trivial { mask.weak } else { 0 };
        let weak_points = policy.weak_points.unwrap_or(trivial.weak_points);
        let in_mask = |m: u8| move |&(i, _): &(usize, &u16)| m & (1 << i) != 0;
        for (_, &term) in ev
            .triviality
            .weak
            .as_slice()
            .iter()
            .enumerate()
            .filter(in_mask(weak_mask))
        {
            out.push(
                || trivial.weak_terms[usize::from(term)].as_str(),
                -weak_points,
            );
            points -= weak_points;
        }
        for (_, &term) in ev
            .triviality
            .strong
            .as_slice()
            .iter()
            .enumerate()
            .filter(in_mask(mask.strong))
        {
            out.push(
                || trivial.strong_terms[usize::from(term)].as_str(),
                -trivial.strong_points,
            );
            points -= trivial.strong_points;
        }
    }
    if policy.narrow && ev.scope.len() == 0 {
        let narrow = &rules.narrow;
        // A unit bounds only the actions of its own clause ("how many tables are
        // there? Then redesign the schema": the tables bound the count, not the
        // redesign), and a unit after a distributive ("per table") bounds nothing.
        let clause = match class {
            Some(c) => ev.class_triviality[c].narrow,
            None => u8::MAX,
        };
        let bounding = clause & !ev.narrow_distributed;
        let mut used = 0;
        for (_, &term) in ev
            .narrow
            .as_slice()
            .iter()
            .enumerate()
            .filter(|&(i, _)| bounding & (1 << i) != 0)
        {
            let penalty = narrow.points.min(narrow.cap - used);
            if penalty <= 0 {
                break;
            }
            out.push(|| narrow.terms[usize::from(term)].as_str(), -penalty);
            points -= penalty;
            used += penalty;
        }
    }
    let mut raise_to = |floor: i32, name: &'static str, points: &mut i32| {
        if *points < floor {
            out.push(|| name, floor - *points);
            *points = floor;
        }
    };
    if policy.scope_points > 0 && ev.scope.len() >= policy.scope_floor_terms {
        raise_to(rules.medium_floor, "floor:scope", &mut points);
    }
    raise_to(policy.floor, "floor:action", &mut points);
    let domain_hits = ev.domain.len();
    if domain_hits >= rules.domain.complex_floor_hits {
        raise_to(rules.complex_floor, "floor:domain", &mut points);
    } else if domain_hits >= rules.domain.medium_floor_hits {
        raise_to(rules.medium_floor, "floor:domain", &mut points);
    }
    let clamped = points.clamp(0, 100);
    out.push(|| "clamp", clamped - points);
    clamped
}

/// The winning candidate: the highest points, ties to the earlier (more demanding) class.
fn description(rules: &ScoringRules, ev: &Evidence) -> (i32, Option<usize>) {
    if ev.blank {
        return (0, None);
    }
    let mut best: Option<(i32, Option<usize>)> = None;
    let classes = &rules.classes;
    let any_primary = (0..classes.len())
        .any(|c| ev.actions.is_set(c) && !classes[c].fallback && classes[c].hides_fallback);
    // The class index reads both the evidence and the rules.
    #[allow(clippy::needless_range_loop)]
    for c in 0..classes.len().min(MAX_ACTION_CLASSES) {
        if ev.actions.is_set(c) && !(any_primary && classes[c].fallback) {
            let points = candidate(rules, ev, Some(c), &mut Discard);
            if best.is_none_or(|(b, _)| points > b) {
                best = Some((points, Some(c)));
            }
        }
    }
    best.unwrap_or_else(|| (candidate(rules, ev, None, &mut Discard), None))
}

thread_local! {
    /// Scratch space `analyze` lower-cases words in, kept per thread so that an
    /// analysis of a text with capitals allocates nothing for it.
    static SCRATCH: Cell<String> = const { Cell::new(String::new()) };
}

/// The largest scratch buffer kept for the next analysis; a longer one (a huge
/// word) is freed rather than held by the thread.
const SCRATCH_KEPT_BYTES: usize = 4096;

/// Room for the signals of most analyses (a base, a few terms, facts and a clamp),
/// allocated once rather than grown from empty.
pub(crate) const SIGNALS_CAPACITY: usize = 8;

/// Scores tasks under one set of rules and thresholds. Immutable and thread-safe.
#[derive(Debug, Clone)]
pub struct Scorer {
    rules: Arc<ScoringRules>,
    thresholds: Thresholds,
}

impl Scorer {
    pub fn new(rules: Arc<ScoringRules>, thresholds: Thresholds) -> Self {
        Self { rules, thresholds }
    }

    pub fn rules(&self) -> &Arc<ScoringRules> {
        &self.rules
    }

    pub fn thresholds(&self) -> Thresholds {
        self.thresholds
    }

    /// The description-only score, without building signals. `buf` is scratch space.
    pub fn score(&self, text: &str, buf: &mut String) -> u8 {
        with_evidence(&self.rules, text, buf, |ev| {
            description(&self.rules, ev).0 as u8
        })
    }

    /// The full, explained analysis.
    pub fn analyze(&self, text: &str, facts: &CallerFacts) -> Analysis {
        let mut signals = Vec::with_capacity(SIGNALS_CAPACITY);
        let mut analysis = self.analyze_borrowed(text, facts, &mut signals);
        analysis.signals = signals
            .into_iter()
            .map(|(name, points)| (name.to_owned(), points))
            .collect();
        analysis
    }

    /// `analyze` with the signals' names borrowed from the rules into `signals`
    /// (cleared first) and the returned `signals` left empty: the Python shim turns
    /// the names into strings it made once, without a `String` per signal.
    pub(crate) fn analyze_borrowed<'s>(
        &'s self,
        text: &str,
        facts: &CallerFacts,
        signals: &mut Vec<(&'s str, i32)>,
    ) -> Analysis {
        signals.clear();
        let rules = &*self.rules;
        let mut buf = SCRATCH.take();
        let (description_points, winner, indicators, estimated_steps, word_count) =
            with_evidence(rules, text, &mut buf, |ev| {
                let (_, winner) = description(rules, ev);
                let points = if ev.blank {
                    0
                } else {
                    candidate(rules, ev, winner, signals)
                };
                (
                    points,
                    winner,
                    ev.indicators,
                    ev.estimated_steps(),
                    ev.word_count,
                )
            });
        if buf.capacity() <= SCRATCH_KEPT_BYTES {
            SCRATCH.set(buf);
        }

        let facts_points = [
            ("files", facts.file_points()),
            ("context", facts.context_points()),
            ("integration", facts.integration_points()),
            ("research", if facts.requires_research { 5 } else { 0 }),
            ("testing", if facts.requires_testing { 5 } else { 0 }),
            (
                "documentation",
                if facts.requires_documentation { 5 } else { 0 },
            ),
            ("depth", facts.technical_depth.points()),
        ];
        let mut total = description_points;
        for (name, points) in facts_points {
            Signals::push(signals, || name, points);
            total += points;
        }
        let score = total.clamp(0, 100);
        Signals::push(signals, || "clamp", score - total);
        let score = score as u8;

        let verb_complexity = match winner {
            Some(c) => rules.classes[c].verb_complexity,
            None => VerbComplexity::Unknown,
        };
        let technical_indicators = rules
            .indicators
            .iter()
            .enumerate()
            .filter(|(i, _)| indicators & (1u64 << i) != 0)
            .map(|(_, name)| name.clone())
            .collect();
        let [_, _, _, research, testing, documentation, _] = facts_points.map(|(_, p)| p);
        Analysis {
            score,
            level: self.thresholds.level_of(score),
            confidence: self.thresholds.confidence(score),
            description_points: description_points as u8,
            file_points: facts_points[0].1 as u8,
            context_points: facts_points[1].1 as u8,
            integration_points: facts_points[2].1 as u8,
            requirement_points: (research + testing + documentation) as u8,
            depth_points: facts_points[6].1 as u8,
            verb_complexity,
            technical_indicators,
            estimated_steps,
            word_count,
            signals: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scorer() -> Scorer {
        Scorer::new(Arc::new(ScoringRules::default_rules()), Thresholds::DEFAULT)
    }

    fn level(text: &str) -> Level {
        scorer().analyze(text, &CallerFacts::default()).level
    }

    #[test]
    fn guide_load_test_tasks_land_on_three_tiers() {
        assert_eq!(level("List files"), Level::Simple);
        assert_eq!(level("Implement feature"), Level::Medium);
        assert_eq!(level("Refactor system"), Level::Complex);
    }

    #[test]
    fn blank_text_scores_zero_and_no_evidence_is_medium() {
        let a = scorer().analyze(" \n\t", &CallerFacts::default());
        assert_eq!((a.score, a.level), (0, Level::Simple));
        assert!(a.signals.is_empty());
        assert_eq!(
            level("Intermittent gremlins on the blue widget"),
            Level::Medium
        );
    }

    #[test]
    fn inflected_and_capitalised_verbs_count() {
        assert_eq!(level("Refactoring the invoicing engine"), Level::Complex);
        assert_eq!(level("REFACTOR, the ledger"), Level::Complex);
        // A past form describes a state, not a request.
        assert_eq!(level("Which modules were refactored?"), Level::Simple);
        assert_eq!(level("fixing a crash in the exporter"), Level::Medium);
    }

    #[test]
    fn words_are_never_matched_inside_other_words() {
        // "authentication" holds "then"; "latest" holds "test"; "listing" is a listing.
        let a = scorer().analyze(
            "Show the authentication page's latest banner",
            &CallerFacts::default(),
        );
        assert_eq!(a.estimated_steps, 1);
        assert_eq!(a.level, Level::Simple);
        assert_eq!(level("Showcase the replanning toolkit"), Level::Medium);
    }

    #[test]
    fn the_most_demanding_action_wins_wherever_it_stands() {
        assert_eq!(
            level("Print the queue depth and then re-architect the broker layer"),
            Level::Complex
        );
        assert_eq!(
            level("Redesign the broker layer, then print the queue depth"),
            Level::Complex
        );
    }

    #[test]
    fn triviality_never_pulls_a_system_wide_task_down() {
        assert_eq!(
            level("Just migrate every module of the entire backend to async"),
            Level::Complex
        );
        assert_eq!(level("Just show the open tickets"), Level::Simple);
    }

    #[test]
    fn trivial_steps_stay_below_complex() {
        let a = scorer().analyze(
            "First list the files, then show the README",
            &CallerFacts::default(),
        );
        assert_eq!(a.estimated_steps, 2);
        assert_eq!(a.level, Level::Simple);
    }

    #[test]
    fn numbered_items_count_as_steps() {
        let a = scorer().analyze(
            "1. reproduce the hang. 2. fix the lock order. 3. add a test.",
            &CallerFacts::default(),
        );
        assert_eq!(a.estimated_steps, 3);
        assert_eq!(a.level, Level::Medium);
    }

    #[test]
    fn negated_actions_do_not_count() {
        assert_eq!(
            level("Count the failing checks, don't fix anything"),
            Level::Simple
        );
    }

    #[test]
    fn hard_domains_are_not_simple() {
        assert_eq!(
            level("Is this non-compete clause enforceable, given the statute and case law?"),
            Level::Complex
        );
    }

    #[test]
    fn other_languages_have_action_verbs() {
        assert_eq!(
            level("Refaktoriere die gesamte Bestellverwaltung"),
            Level::Complex
        );
        assert_eq!(level("Diseña la arquitectura de pagos"), Level::Complex);
        assert_eq!(level("Affiche les fichiers"), Level::Simple);
        assert_eq!(level("Implementa el filtro de búsqueda"), Level::Medium);
    }

    #[test]
    fn caller_facts_only_raise_and_a_handful_stays_medium() {
        let facts = CallerFacts {
            file_count: 4,
            context_size: 3000,
            ..CallerFacts::default()
        };
        let a = scorer().analyze("Implement feature", &facts);
        assert_eq!(a.level, Level::Medium);
        assert!(
            a.score
                > scorer()
                    .analyze("Implement feature", &CallerFacts::default())
                    .score
        );
        let piled = CallerFacts {
            file_count: 12,
            context_size: 20_000,
            integration_points: 3,
            requires_research: true,
            requires_testing: true,
            requires_documentation: true,
            technical_depth: TechnicalDepth::Deep,
        };
        assert_eq!(
            scorer().analyze("Implement feature", &piled).level,
            Level::Complex
        );
    }

    #[test]
    fn signals_add_up_to_the_score() {
        let facts = CallerFacts {
            file_count: 30,
            context_size: 50_000,
            ..CallerFacts::default()
        };
        for text in [
            "Refactor the entire platform across all services",
            "Just fix the typo",
            "Memory leak",
        ] {
            let a = scorer().analyze(text, &facts);
            let sum: i32 = a.signals.iter().map(|(_, p)| p).sum();
            assert_eq!(sum, i32::from(a.score), "{text}: {:?}", a.signals);
        }
    }

    #[test]
    fn batch_score_matches_the_analysis() {
        let s = scorer();
        let mut buf = String::new();
        for text in [
            "List files",
            "Plan the multi-region rollout",
            "Fix typo in README",
            "",
        ] {
            assert_eq!(
                s.score(text, &mut buf),
                s.analyze(text, &CallerFacts::default()).score
            );
        }
    }

    #[test]
    fn thresholds_must_be_ordered_and_in_range() {
        assert!(Thresholds::new(30, 70).is_ok());
        assert!(Thresholds::new(70, 30).is_err());
        assert!(Thresholds::new(30, 30).is_err());
        assert!(Thresholds::new(-1, 70).is_err());
        assert!(Thresholds::new(30, 101).is_err());
        let t = Thresholds::new(20, 60).unwrap();
        assert_eq!(
            (t.level_of(20), t.level_of(21), t.level_of(61)),
            (Level::Simple, Level::Medium, Level::Complex)
        );
        assert_eq!(t.confidence(25), 5);
    }

    #[test]
    fn huge_and_hostile_input_completes() {
        let text = "refactor \0\u{1}\u{fffd} the ".repeat(500_000);
        let a = scorer().analyze(&text, &CallerFacts::default());
        assert_eq!(a.level, Level::Complex);
        assert!(a.signals.len() < 64);
    }
}
