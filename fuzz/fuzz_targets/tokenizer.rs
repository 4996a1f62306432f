//! `for_each_word` and the scorer on arbitrary text: no panic, and the invariants the
//! scanner relies on. (The tokenizer's definition itself is checked against the
//! pure-Python oracle by the differential tests.) Arbitrary bytes are read as UTF-8
//! with U+FFFD, as the Python shim does.

#![no_main]

use std::sync::{Arc, OnceLock};

use _core::scoring::{for_each_word, CallerFacts, Scorer, ScoringRules, Thresholds};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut buf = String::new();
    let mut words = 0usize;
    for_each_word(&text, &mut buf, |w| {
        assert!(!w.text.is_empty(), "empty word in {text:?}");
        assert!(!(w.segmented && w.hyphen_next), "a segmented run has no hyphen join");
        assert!(!w.numbered || w.text.len() <= 2, "numbers are one or two digits");
        words += 1;
    });
    assert!(words <= text.chars().count());
    static SCORER: OnceLock<Scorer> = OnceLock::new();
    let scorer = SCORER
        .get_or_init(|| Scorer::new(Arc::new(ScoringRules::default_rules()), Thresholds::DEFAULT));
    let analysis = scorer.analyze(&text, &CallerFacts::default());
    let total: i32 = analysis.signals.iter().map(|(_, points)| points).sum();
    assert_eq!(total, i32::from(analysis.score), "signals add up to the score");
});
