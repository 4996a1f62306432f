//! Future and conditional forms of Spanish and French infinitives.
//!
//! "¿Cómo rediseñarías los pagos?", "comment refondrais-tu l'authentification ?": a
//! request asked in the conditional (or announced in the future) names its verb in a
//! form built on the infinitive. The endings are regular, so the compiler derives
//! these forms from the infinitives an action class lists instead of every table
//! spelling them out.

/// Which language's endings apply to a list's infinitives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Romance {
    pub spanish: bool,
    pub french: bool,
}

impl Romance {
    /// The endings of the table `lexicon.<language>.*`; the action classes' own
    /// lists mix languages, so both apply there.
    pub(super) fn of_language(language: &str) -> Self {
        Self {
            spanish: language == "es",
            french: language == "fr",
        }
    }

    pub(super) const BOTH: Self = Self {
        spanish: true,
        french: true,
    };

    /// Lists that are no action class's: no forms derived.
    pub(super) const NONE: Self = Self {
        spanish: false,
        french: false,
    };
}

/// Spanish conditional and future endings after the infinitive, also as typed
/// without the accent ("migrarias").
const SPANISH_ENDINGS: [&str; 17] = [
    "ía", "ías", "íamos", "íais", "ían", "ia", "ias", "iamos", "ian", "é", "ás", "á", "emos",
    "éis", "án", "as", "an",
];

/// French future and conditional endings after the future stem.
const FRENCH_ENDINGS: [&str; 11] = [
    "ai", "as", "a", "ons", "ez", "ont", "ais", "ait", "ions", "iez", "aient",
];

/// Irregular future stems of the verbs design and rework tasks use: the end of the
/// infinitive, the end of the stem, and whether the verb is Spanish.
const IRREGULAR_STEMS: [(&str, &str, bool); 5] = [
    ("hacer", "har", true),
    ("poner", "pondr", true),
    ("tener", "tendr", true),
    ("faire", "fer", false),
    ("evoir", "evr", false),
];

/// Shorter words ending like an infinitive ("ver", "dire", "lire") are mostly
/// not the verbs a request names; they keep the forms their tables list.
const MIN_INFINITIVE_CHARS: usize = 5;

/// The future and conditional forms of `infinitive` in the languages `romance`
/// allows, in a fixed order without repeats; none for a word that is no
/// infinitive of those languages.
pub(super) fn future_forms(infinitive: &str, romance: Romance) -> Vec<String> {
    let mut forms = Vec::new();
    if romance == Romance::NONE || infinitive.chars().count() < MIN_INFINITIVE_CHARS {
        return forms;
    }
    let mut add = |stem: &str, endings: &[&str]| {
        for ending in endings {
            let form = format!("{stem}{ending}");
            if !forms.contains(&form) {
                forms.push(form);
            }
        }
    };
    let regular = ["ar", "er", "ir"]
        .iter()
        .any(|end| infinitive.ends_with(end));
    if romance.spanish && regular {
        add(infinitive, &SPANISH_ENDINGS);
    }
    if romance.french {
        if infinitive.ends_with("er") || infinitive.ends_with("ir") {
            add(infinitive, &FRENCH_ENDINGS);
        } else if let Some(stem) = infinitive.strip_suffix("re") {
            add(&format!("{stem}r"), &FRENCH_ENDINGS);
        }
    }
    for (end, stem_end, spanish) in IRREGULAR_STEMS {
        let allowed = if spanish {
            romance.spanish
        } else {
            romance.french
        };
        if let (true, Some(root)) = (allowed, infinitive.strip_suffix(end)) {
            let endings: &[&str] = if spanish {
                &SPANISH_ENDINGS
            } else {
                &FRENCH_ENDINGS
            };
            add(&format!("{root}{stem_end}"), endings);
        }
    }
    forms
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(infinitive: &str, romance: Romance, form: &str) -> bool {
        future_forms(infinitive, romance).iter().any(|f| f == form)
    }

    #[test]
    fn spanish_infinitives_take_conditional_and_future_endings() {
        let es = Romance::of_language("es");
        for form in [
            "rediseñarías",
            "rediseñaría",
            "rediseñarias",
            "rediseñaremos",
            "rediseñará",
        ] {
            assert!(has("rediseñar", es, form), "{form}");
        }
        assert!(has("descomponer", es, "descompondrías"));
        assert!(has("rehacer", es, "reharía"));
        assert!(!has("rediseñar", es, "rediseñarai"));
    }

    #[test]
    fn french_infinitives_take_future_stems() {
        let fr = Romance::of_language("fr");
        for (infinitive, form) in [
            ("refondre", "refondrais"),
            ("migrer", "migrerais"),
            ("concevoir", "concevrais"),
            ("refaire", "referait"),
            ("réécrire", "réécrirons"),
        ] {
            assert!(has(infinitive, fr, form), "{form}");
        }
        assert!(!has("migrer", fr, "migreremos"));
    }

    #[test]
    fn other_words_take_no_forms() {
        assert!(future_forms("design", Romance::BOTH).is_empty());
        assert!(future_forms("ver", Romance::BOTH).is_empty());
        assert!(future_forms("rediseñar", Romance::of_language("de")).is_empty());
    }
}
