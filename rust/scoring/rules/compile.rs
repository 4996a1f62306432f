//! The compiler: turns the file as written (`schema.rs`) into the compiled tables
//! (`model.rs`), validating every value with an error that names its field.

use std::collections::BTreeMap;
use std::ops::Range;

use aho_corasick::{AhoCorasick, MatchKind};
use rustc_hash::FxHashMap;

use super::super::short_words::{pack_short, ShortWords};
use super::super::tokenizer::{for_each_word, is_segmented};
use super::model::*;
use super::romance::{future_forms, Romance};
use super::schema::*;
use super::RulesError;

/// Compiles a rules file read into its schema.
pub(super) fn compile(file: RulesFile) -> Result<ScoringRules, RulesError> {
    Compiler::default().compile(file)
}

#[derive(Default)]
struct Compiler {
    words: FxHashMap<String, (Vec<Hit>, u32)>,
    /// `PHRASE_*` bits per phrase-word id.
    phrase_roles: FxHashMap<u32, u8>,
    phrase_word_ids: FxHashMap<String, u32>,
    phrases: FxHashMap<[u32; MAX_PHRASE_WORDS], Vec<Hit>>,
    /// `grammar.passive_auxiliaries`, normalised: a request verb's past form after
    /// one of them asks for the work ("needs to be migrated").
    passive_auxiliaries: Vec<String>,
    /// Future and conditional forms derived from action classes' infinitives, added
    /// once every listed word is known (`add_future_forms`).
    future_forms: Vec<(String, Hit)>,
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

fn parse_verb_complexity(
    field: &str,
    value: &str,
) -> Result<crate::scoring::VerbComplexity, RulesError> {
    use crate::scoring::VerbComplexity as V;
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

/// `single_word` of every entry of the list at `field`, for a list matched as
/// written rather than through the vocabulary tables.
fn single_words(field: &str, list: &[String]) -> Result<Vec<Box<str>>, RulesError> {
    list.iter()
        .enumerate()
        .map(|(i, raw)| single_word(&format!("{field}[{i}]"), raw).map(String::into_boxed_str))
        .collect()
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
fn inflections(base: &str, past: bool) -> Vec<String> {
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
        // A scope word that is also a unit ("clusters") is one scope term, not two.
        let scope_already =
            hit.group == Group::ScopeUnit && slot.0.iter().any(|h| h.group == Group::Scope);
        if !scope_already && !slot.0.contains(&hit) {
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
    /// Marks the stems of the separable verbs the vocabulary lists (an action word
    /// made of a particle, a stem of two or more letters and "en": "herleiten" marks
    /// "leit" with each of `SEPARABLE_VERB_ENDINGS`), the only words a clause-final
    /// particle joins. Run once every action word is in.
    fn separable_verbs(&mut self, particles: &[String]) {
        let particles: Vec<String> = particles
            .iter()
            .filter_map(|raw| single_word("grammar.separable_particles", raw).ok())
            .collect();
        let mut stems: Vec<String> = Vec::new();
        for (word, (hits, _)) in &self.words {
            if !hits.iter().any(|hit| matches!(hit.group, Group::Action(_))) {
                continue;
            }
            let Some(infinitive) = word.strip_suffix("en") else {
                continue;
            };
            for particle in &particles {
                if let Some(stem) = infinitive.strip_prefix(particle.as_str()) {
                    if stem.chars().count() >= 2 {
                        for ending in SEPARABLE_VERB_ENDINGS {
                            stems.push(format!("{stem}{ending}"));
                        }
                    }
                }
            }
        }
        // The words' table is a hash map: sorted, the entries come out the same on
        // every run.
        stems.sort_unstable();
        stems.dedup();
        for stem in stems {
            self.add_word(
                stem,
                Hit {
                    group: Group::SeparableVerb,
                    term: 0,
                    bare: false,
                },
            );
        }
    }

    /// Adds a plain list of the file (`field = [...]`): exact words, and phrases
    /// where `phrases` allows them. An error names the entry as written
    /// (`field[i]`).
    fn add_list(
        &mut self,
        field: &str,
        group: Group,
        list: &[String],
        phrases: bool,
        terms: &mut TermNames,
    ) -> Result<(), RulesError> {
        for (i, raw) in list.iter().enumerate() {
            let field = format!("{field}[{i}]");
            let mut count = 0;
            for_each_word(raw, &mut String::new(), |_| count += 1);
            if phrases && count > 1 {
                let words = phrase_words(&field, raw)?;
                let term = terms.intern(&words.join(" "), &field)?;
                self.add_phrase(
                    &words,
                    Hit {
                        group,
                        term,
                        bare: false,
                    },
                );
            } else {
                let form = single_word(&field, raw)?;
                let term = terms.intern(&form, &field)?;
                self.add_word(
                    form,
                    Hit {
                        group,
                        term,
                        bare: false,
                    },
                );
            }
        }
        Ok(())
    }

    fn add_terms(
        &mut self,
        field: &str,
        group: Group,
        lists: TermLists<'_>,
        terms: &mut TermNames,
    ) -> Result<(), RulesError> {
        self.add_terms_inflected(field, group, lists, Inflect::All, Romance::NONE, terms)
    }

    /// Like `add_terms`, with `words` inflected as `inflect` says, and the future
    /// and conditional forms of the infinitives among `forms` queued in the
    /// languages `romance` names (`add_future_forms`).
    fn add_terms_inflected(
        &mut self,
        field: &str,
        group: Group,
        lists: TermLists<'_>,
        inflect: Inflect,
        romance: Romance,
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
                if inflect == Inflect::Present && matches!(group, Group::Action(_)) {
                    self.add_passive(&base, hit);
                }
            } else {
                self.add_contracted(&base, bare);
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
            self.add_contracted(&form, hit);
            let derived = future_forms(&form, romance);
            self.future_forms
                .extend(derived.into_iter().map(|derived| (derived, hit)));
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

    /// "上げといて", "読んどいて": casual Japanese contracts a verb's te-form and おく
    /// ("上げておいて") to とい / どい, which the te-form listed does not match. Verbs
    /// only: an action word ending in て or で also stands for its contraction.
    fn add_contracted(&mut self, form: &str, hit: Hit) {
        if !matches!(hit.group, Group::Action(_)) {
            return;
        }
        let contracted = if let Some(stem) = form.strip_suffix('て') {
            format!("{stem}とい")
        } else if let Some(stem) = form.strip_suffix('で') {
            format!("{stem}どい")
        } else {
            return;
        };
        if contracted.chars().count() > 2 {
            self.add_word(contracted, hit);
        }
    }

    /// "Needs to be migrated": a past form of a verb whose class counts its present
    /// forms only is a request after a passive auxiliary, as a two-word phrase.
    fn add_passive(&mut self, base: &str, hit: Hit) {
        let present = inflections(base, false);
        let mut past: Vec<String> = inflections(base, true)
            .into_iter()
            .filter(|form| !present.contains(form))
            .collect();
        past.sort();
        past.dedup();
        for auxiliary in self.passive_auxiliaries.clone() {
            for form in &past {
                self.add_phrase(&[auxiliary.clone(), form.clone()], hit);
            }
        }
    }

    /// Adds the queued future forms that no list names: a word written in a table
    /// keeps exactly the classes the table gives it.
    fn add_future_forms(&mut self) {
        let derived = std::mem::take(&mut self.future_forms);
        let unlisted: Vec<(String, Hit)> = derived
            .into_iter()
            .filter(|(form, _)| self.words.get(form).is_none_or(|slot| slot.0.is_empty()))
            .collect();
        for (form, hit) in unlisted {
            self.add_word(form, hit);
        }
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
                        Romance::of_language(language),
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

    /// Adds single words of `grammar.<list>` whose evidence is named in another
    /// list ("or" names trade-off evidence, "if" the evidence of the class that
    /// asks conditions), so their terms extend that list's `names`.
    fn add_named_words(
        &mut self,
        list: &str,
        group: Group,
        raw: &[String],
        names: &mut Vec<String>,
    ) -> Result<(), RulesError> {
        for (i, raw) in raw.iter().enumerate() {
            let field = format!("grammar.{list}[{i}]");
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
                    group,
                    term,
                    bare: false,
                },
            );
        }
        Ok(())
    }

    /// The class a condition in a question counts for, with the condition words
    /// added to its names.
    fn conditions(
        &mut self,
        grammar: &GrammarFile,
        classes: &mut [ActionClass],
        actions: &[ActionFile],
    ) -> Result<Option<u8>, RulesError> {
        let mut asking = actions
            .iter()
            .enumerate()
            .filter(|(_, a)| a.asks_conditions);
        let class = asking.next().map(|(i, _)| i);
        if asking.next().is_some() {
            return Err(RulesError::new(
                "actions",
                "at most one action class may set asks_conditions",
            ));
        }
        match class {
            Some(c) => {
                self.add_named_words(
                    "conditions",
                    Group::Condition,
                    &grammar.conditions,
                    &mut classes[c].terms,
                )?;
                Ok(Some(c as u8))
            }
            None if grammar.conditions.is_empty() => Ok(None),
            None => Err(RulesError::new(
                "grammar.conditions",
                "needs an action class that sets asks_conditions",
            )),
        }
    }

    fn policy(field: &str, p: &ModifierPolicyFile) -> Result<Policy, RulesError> {
        Ok(Policy {
            base: check_points(&format!("{field}.base"), p.base)?,
            scope_points: check_points(&format!("{field}.scope_points"), p.scope_points)?,
            scope_cap: check_points(&format!("{field}.scope_cap"), p.scope_cap)?,
            boosts: p.boosts,
            trivial: Triviality::parse(&format!("{field}.trivial"), &p.trivial)?,
            floor: check_points(&format!("{field}.floor"), p.floor)?,
            scope_floor_terms: match p.scope_floor_terms {
                0 => {
                    return Err(RulesError::new(
                        format!("{field}.scope_floor_terms"),
                        "must be at least 1: without a scope term a task is not system-wide",
                    ))
                }
                terms => usize::from(terms),
            },
            narrow: p.narrow,
            weak_trivial: p.weak_trivial,
            weak_points: p
                .weak_points
                .map(|points| check_points(&format!("{field}.weak_points"), points))
                .transpose()?,
        })
    }

    /// The whole file, in the order its errors are reported: the first invalid
    /// value found is the one named.
    fn compile(mut self, file: RulesFile) -> Result<ScoringRules, RulesError> {
        if file.version.trim().is_empty() {
            return Err(RulesError::new("version", "must be a non-empty string"));
        }
        let medium_floor = check_points("points.medium_floor", file.points.medium_floor)?;
        let complex_floor = check_points("points.complex_floor", file.points.complex_floor)?;
        self.passive_auxiliaries = single_words(
            "grammar.passive_auxiliaries",
            &file.grammar.passive_auxiliaries,
        )?
        .into_iter()
        .map(String::from)
        .collect();
        let (mut classes, question_class) = self.action_classes(&file.actions, &file.lexicon)?;
        let no_action = Self::policy("no_action", &file.no_action)?;

        let mut scope_terms = TermNames::default();
        let s = &file.scope;
        self.add_terms("scope", Group::Scope, term_lists!(s), &mut scope_terms)?;
        self.scope_units(s, &mut scope_terms)?;
        let t = &file.tradeoff;
        let mut tradeoff =
            self.weighted("tradeoff", Group::Tradeoff, t.points, t.cap, term_lists!(t))?;
        self.add_named_words(
            "alternatives",
            Group::Alternative,
            &file.grammar.alternatives,
            &mut tradeoff.terms,
        )?;
        let condition_class = self.conditions(&file.grammar, &mut classes, &file.actions)?;
        let c = &file.coordination;
        let mut coordination = self.weighted(
            "coordination",
            Group::Coordination,
            c.points,
            c.cap,
            term_lists!(c),
        )?;
        let nw = &file.narrow;
        let mut narrow =
            self.weighted("narrow", Group::Narrow, nw.points, nw.cap, term_lists!(nw))?;
        let mut domain = self.domain(&file.domain)?;
        let (step_points, step_cap) = self.steps(&file.steps)?;
        let mut trivial = self.trivial(&file.trivial)?;
        let mut negator_terms = TermNames::default();
        self.add_list(
            "negation.forms",
            Group::Negator,
            &file.negation.forms,
            false,
            &mut negator_terms,
        )?;
        self.add_list(
            "negation.after",
            Group::PostNegator,
            &file.negation.after,
            false,
            &mut negator_terms,
        )?;
        self.grammar(&file.grammar, &file.compounds)?;
        self.separable_verbs(&file.grammar.separable_particles);
        let enumeration = enumeration(&file.enumeration)?;
        let indicators = self.indicators(&file.indicators)?;

        // Term lists are only read to name signals, so they hold the signal names.
        for class in &mut classes {
            prefix_all(&mut class.terms, "action");
        }
        prefix_all(&mut scope_terms.names, "scope");
        prefix_all(&mut tradeoff.terms, "tradeoff");
        prefix_all(&mut coordination.terms, "phased");
        prefix_all(&mut narrow.terms, "narrow");
        prefix_all(&mut domain.weighted.terms, "domain");
        prefix_all(&mut trivial.weak_terms, "trivial");
        prefix_all(&mut trivial.strong_terms, "trivial");

        let (prefixes, suffixes) = affixes(&file.normalise)?;
        let person_endings =
            single_words("normalise.person_endings", &file.normalise.person_endings)?;
        let inverted_subjects =
            single_words("grammar.inverted_subjects", &file.grammar.inverted_subjects)?;
        let (words, hits, phrases) = self.freeze();
        let tables = WordTables::new(words, &file.grammar.noun_particles)?;
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
            scope_unit_window: u32::from(file.scope.unit_window),
            indicators,
            short_words: tables.short_words,
            long_words: tables.long_words,
            longest_word: tables.longest_word,
            hits,
            phrase_filter: PhraseFilter::new(phrases.keys()),
            phrases,
            affix_bytes: AffixBytes::new(&prefixes, &suffixes),
            prefixes,
            person_endings,
            inverted_subjects,
            question_class,
            condition_class,
            segmenter: tables.segmenter,
            enumeration,
        })
    }

    /// The action classes with their words and the lexicon's, and the one class (if
    /// any) a sentence ending in a question mark counts for.
    fn action_classes(
        &mut self,
        actions: &[ActionFile],
        lexicon: &BTreeMap<String, BTreeMap<String, TermsFile>>,
    ) -> Result<(Vec<ActionClass>, Option<u8>), RulesError> {
        if actions.is_empty() || actions.len() > MAX_ACTION_CLASSES {
            return Err(RulesError::new(
                "actions",
                format!("expected 1 to {MAX_ACTION_CLASSES} action classes"),
            ));
        }
        let mut classes = Vec::with_capacity(actions.len());
        let mut class_terms: Vec<TermNames> = Vec::with_capacity(actions.len());
        for (i, action) in actions.iter().enumerate() {
            let (class, terms) = self.action_class(i, action, &classes)?;
            class_terms.push(terms);
            classes.push(class);
        }
        self.lexicon(lexicon, actions, &mut class_terms)?;
        self.add_future_forms();
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
        Ok((classes, question_class))
    }

    /// `actions[i]`, checked against the classes before it; its term names are
    /// returned apart so the lexicon can extend them.
    fn action_class(
        &mut self,
        i: usize,
        action: &ActionFile,
        earlier: &[ActionClass],
    ) -> Result<(ActionClass, TermNames), RulesError> {
        let field = format!("actions[{i}]");
        if action.name.trim().is_empty() {
            return Err(RulesError::new(
                format!("{field}.name"),
                "must be a non-empty string",
            ));
        }
        if earlier.iter().any(|c| c.name == action.name) {
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
                scope_floor_terms: action.scope_floor_terms,
                narrow: action.narrow,
                weak_trivial: action.weak_trivial,
                weak_points: action.weak_points,
            },
        )?;
        let verb_complexity =
            parse_verb_complexity(&format!("{field}.verb_complexity"), &action.verb_complexity)?;
        let mut terms = TermNames::default();
        let lists = term_lists!(action);
        self.add_terms_inflected(
            &field,
            Group::Action(i as u8),
            lists,
            Inflect::of(action.inflect, action.past),
            Romance::BOTH,
            &mut terms,
        )?;
        let question_term = if action.question_mark {
            Some(terms.intern("?", &format!("{field}.question_mark"))?)
        } else {
            None
        };
        let class = ActionClass {
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
        };
        Ok((class, terms))
    }

    fn domain(&mut self, d: &DomainFile) -> Result<DomainRules, RulesError> {
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
        Ok(domain)
    }

    /// The sequencing words, step markers and ordinals; returns the points per step
    /// and their cap.
    fn steps(&mut self, st: &StepsFile) -> Result<(i32, i32), RulesError> {
        let step_points = check_points("steps.points", st.points)?;
        let step_cap = check_points("steps.cap", st.cap)?;
        let mut sequencer_terms = TermNames::default();
        let lists = term_lists!(st);
        self.add_terms("steps", Group::Sequencer, lists, &mut sequencer_terms)?;
        let mut marker_terms = TermNames::default();
        self.add_list(
            "steps.markers",
            Group::StepMarker,
            &st.markers,
            false,
            &mut marker_terms,
        )?;
        let mut ordinal_terms = TermNames::default();
        self.add_list(
            "steps.ordinals",
            Group::Ordinal,
            &st.ordinals,
            false,
            &mut ordinal_terms,
        )?;
        Ok((step_points, step_cap))
    }

    fn trivial(&mut self, tr: &TrivialFile) -> Result<TrivialRules, RulesError> {
        let mut weak_terms = TermNames::default();
        self.add_list(
            "trivial.weak",
            Group::TrivialWeak,
            &tr.weak,
            false,
            &mut weak_terms,
        )?;
        self.add_list(
            "trivial.weak_phrases",
            Group::TrivialWeak,
            &tr.weak_phrases,
            true,
            &mut weak_terms,
        )?;
        let value_term = weak_terms.intern("value", "trivial.value_words")?;
        let mut strong_terms = TermNames::default();
        self.add_list(
            "trivial.strong",
            Group::TrivialStrong,
            &tr.strong,
            false,
            &mut strong_terms,
        )?;
        self.add_list(
            "trivial.strong_phrases",
            Group::TrivialStrong,
            &tr.strong_phrases,
            true,
            &mut strong_terms,
        )?;
        let mut value_terms = TermNames::default();
        self.add_list(
            "trivial.value_words",
            Group::ValueWord,
            &tr.value_words,
            false,
            &mut value_terms,
        )?;
        let replacement_term =
            strong_terms.intern("quoted replacement", "trivial.replacement_words")?;
        let replacement_words = single_words("trivial.replacement_words", &tr.replacement_words)?;
        Ok(TrivialRules {
            weak_points: check_points("trivial.weak_points", tr.weak_points)?,
            strong_points: check_points("trivial.strong_points", tr.strong_points)?,
            weak_terms: weak_terms.into_names(),
            strong_terms: strong_terms.into_names(),
            value_term,
            replacement_term,
            replacement_words,
        })
    }

    /// The quantifiers and the units they make system-wide; the units' terms join
    /// the scope names, so a unit found after a quantifier is named like any scope term.
    fn scope_units(&mut self, scope: &ScopeFile, names: &mut TermNames) -> Result<(), RulesError> {
        let u = &scope.units;
        let has_units = !(u.words.is_empty() && u.forms.is_empty() && u.phrases.is_empty());
        let has_quantifiers = !scope.quantifiers.is_empty();
        if has_units != has_quantifiers {
            return Err(RulesError::new(
                "scope.units",
                "scope.units and scope.quantifiers go together: set both or neither",
            ));
        }
        if has_units && scope.unit_window == 0 {
            return Err(RulesError::new(
                "scope.unit_window",
                "must be at least 1 when scope.units is set (words after a quantifier a unit may stand)",
            ));
        }
        let mut quantifier_terms = TermNames::default();
        self.add_list(
            "scope.quantifiers",
            Group::Quantifier,
            &scope.quantifiers,
            false,
            &mut quantifier_terms,
        )?;
        self.add_terms("scope.units", Group::ScopeUnit, term_lists!(u), names)
    }

    /// The grammar words (they carry roles, not evidence) and the compounds, whose
    /// term names share one list.
    fn grammar(
        &mut self,
        grammar: &GrammarFile,
        compounds: &CompoundsFile,
    ) -> Result<(), RulesError> {
        let mut grammar_terms = TermNames::default();
        self.add_list(
            "grammar.determiners",
            Group::Determiner,
            &grammar.determiners,
            false,
            &mut grammar_terms,
        )?;
        self.add_list(
            "grammar.light_verbs",
            Group::LightVerb,
            &grammar.light_verbs,
            false,
            &mut grammar_terms,
        )?;
        let lists = TermLists {
            words: &grammar.noun_verbs,
            forms: &[],
            phrases: &[],
        };
        self.add_terms(
            "grammar.noun_verbs",
            Group::NounVerb,
            lists,
            &mut grammar_terms,
        )?;
        self.add_list(
            "grammar.cues",
            Group::Cue,
            &grammar.cues,
            false,
            &mut grammar_terms,
        )?;
        self.add_list(
            "grammar.prepositions",
            Group::Preposition,
            &grammar.prepositions,
            false,
            &mut grammar_terms,
        )?;
        self.add_list(
            "grammar.distributives",
            Group::Distributive,
            &grammar.distributives,
            false,
            &mut grammar_terms,
        )?;
        self.add_list(
            "grammar.whether_verbs",
            Group::Whether,
            &grammar.whether_verbs,
            false,
            &mut grammar_terms,
        )?;
        self.add_list(
            "grammar.past_auxiliaries",
            Group::PastAuxiliary,
            &grammar.past_auxiliaries,
            false,
            &mut grammar_terms,
        )?;
        self.add_list(
            "grammar.relatives",
            Group::Relative,
            &grammar.relatives,
            false,
            &mut grammar_terms,
        )?;
        for (i, verb) in grammar.retrieval_verbs.iter().enumerate() {
            // "Give a proof": a light verb's object is the work asked for.
            if grammar.light_verbs.contains(verb) {
                return Err(RulesError::new(
                    format!("grammar.retrieval_verbs[{i}]"),
                    format!(
                        "{verb:?} is also a light verb, whose object is work, not a thing to fetch"
                    ),
                ));
            }
        }
        self.add_list(
            "grammar.retrieval_verbs",
            Group::Retrieval,
            &grammar.retrieval_verbs,
            false,
            &mut grammar_terms,
        )?;
        self.add_list(
            "grammar.lookup_questions",
            Group::LookupQuestion,
            &grammar.lookup_questions,
            false,
            &mut grammar_terms,
        )?;
        self.add_list(
            "grammar.thanks",
            Group::Thanks,
            &grammar.thanks,
            false,
            &mut grammar_terms,
        )?;
        self.add_list(
            "grammar.opinions",
            Group::Opinion,
            &grammar.opinions,
            false,
            &mut grammar_terms,
        )?;
        for (field, group, list) in [
            (
                "grammar.method_questions",
                Group::MethodQuestion,
                &grammar.method_questions,
            ),
            (
                "grammar.method_states",
                Group::MethodState,
                &grammar.method_states,
            ),
            (
                "grammar.method_passed",
                Group::MethodPassed,
                &grammar.method_passed,
            ),
        ] {
            self.add_list(field, group, list, false, &mut grammar_terms)?;
        }
        self.add_list(
            "grammar.conjunctions",
            Group::Conjunction,
            &grammar.conjunctions,
            false,
            &mut grammar_terms,
        )?;
        self.add_list(
            "grammar.hyphen_pronouns",
            Group::HyphenPronoun,
            &grammar.hyphen_pronouns,
            false,
            &mut grammar_terms,
        )?;
        self.add_list(
            "grammar.separable_particles",
            Group::Particle,
            &grammar.separable_particles,
            false,
            &mut grammar_terms,
        )?;
        self.add_list(
            "grammar.pronouns",
            Group::Pronoun,
            &grammar.pronouns,
            false,
            &mut grammar_terms,
        )?;
        self.add_list(
            "grammar.requests",
            Group::Request,
            &grammar.requests,
            true,
            &mut grammar_terms,
        )?;
        for (i, raw) in compounds.phrases.iter().enumerate() {
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
        Ok(())
    }

    /// The indicators' words; returns their names, in order.
    fn indicators(&mut self, indicators: &[IndicatorFile]) -> Result<Vec<String>, RulesError> {
        if indicators.len() > MAX_INDICATORS {
            return Err(RulesError::new(
                "indicators",
                format!("at most {MAX_INDICATORS} indicators are supported"),
            ));
        }
        let mut names = Vec::with_capacity(indicators.len());
        for (i, ind) in indicators.iter().enumerate() {
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
            names.push(ind.name.clone());
        }
        Ok(names)
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

fn enumeration(e: &EnumerationFile) -> Result<Enumeration, RulesError> {
    Ok(Enumeration {
        points: check_points("enumeration.points", e.points)?,
        cap: check_points("enumeration.cap", e.cap)?,
        free: u32::from(e.free),
        options_from: u32::from(e.options_from),
        options_points: check_points("enumeration.options_points", e.options_points)?,
    })
}

/// The normalised prefixes and suffixes, each one word; prefixes must be in a
/// script written with spaces (they are joined to the next word after a hyphen).
fn affixes(normalise: &NormaliseFile) -> Result<(Vec<String>, Vec<String>), RulesError> {
    let mut suffixes = Vec::with_capacity(normalise.suffixes.len());
    for (i, raw) in normalise.suffixes.iter().enumerate() {
        let field = format!("normalise.suffixes[{i}]");
        suffixes.push(single_word(&field, raw)?);
    }
    let mut prefixes = Vec::with_capacity(normalise.prefixes.len());
    for (i, raw) in normalise.prefixes.iter().enumerate() {
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
    Ok((prefixes, suffixes))
}

/// The frozen words sorted into the tables the scanner looks them up in.
struct WordTables {
    short_words: ShortWords<Entry>,
    long_words: FxHashMap<Box<str>, Entry>,
    longest_word: usize,
    segmenter: Option<Segmenter>,
}

impl WordTables {
    /// Words of a script written with spaces go to the short or long table by
    /// length; the others to the segmenter, with the noun particles it checks.
    fn new(
        words: FxHashMap<Box<str>, Entry>,
        noun_particles: &[String],
    ) -> Result<Self, RulesError> {
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
        let segmenter = if segmented_words.is_empty() {
            None
        } else {
            Some(segmenter(
                segmented_words,
                segmented_entries,
                noun_particles,
            )?)
        };
        Ok(Self {
            short_words: ShortWords::new(short_words),
            long_words,
            longest_word,
            segmenter,
        })
    }
}

fn segmenter(
    words: Vec<String>,
    entries: Vec<Entry>,
    noun_particles: &[String],
) -> Result<Segmenter, RulesError> {
    let automaton = AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .build(&words)
        .map_err(|err| RulesError::new("<document>", err.to_string()))?;
    let mut particles = Vec::new();
    for (i, raw) in noun_particles.iter().enumerate() {
        if raw.is_empty() {
            return Err(RulesError::new(
                format!("grammar.noun_particles[{i}]"),
                "must not be empty",
            ));
        }
        particles.push(raw.clone());
    }
    Ok(Segmenter {
        automaton,
        entries,
        noun_particles: particles,
    })
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

#[cfg(test)]
mod tests {
    use super::*;

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

    /// The default rules without the text from `from` up to (not including) `to`.
    fn default_without(from: &str, to: &str) -> String {
        let default = super::super::DEFAULT_RULES;
        let start = default.find(from).unwrap_or(0);
        let end = default[start..].find(to).map_or(start, |i| start + i);
        format!("{}{}", &default[..start], &default[end..])
    }

    #[test]
    fn scope_units_need_quantifiers_and_quantifiers_need_units() {
        for cut in [
            default_without("quantifiers = [", "unit_window"),
            default_without("[scope.units]", "[tradeoff]"),
        ] {
            let error = ScoringRules::from_toml(&cut).err();
            assert_eq!(error.map(|e| e.field), Some("scope.units".to_owned()));
        }
    }
}
