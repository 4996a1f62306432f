//! `ScoringRules::from_toml` on arbitrary text: it returns a `RulesError` or rules,
//! never panics; and rules it accepts score any text to 0..=100 without panicking.

#![no_main]

use std::sync::Arc;

use _core::scoring::{Scorer, ScoringRules, Thresholds};
use libfuzzer_sys::fuzz_target;

const PROBES: [&str; 4] = [
    "Refactor the billing system across every service, then migrate the database",
    "List files",
    "don't implement anything; 1. design 2) test: research the trade-offs",
    "",
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(rules) = ScoringRules::from_toml(text) else {
        return;
    };
    let thresholds = Thresholds::new(30, 70).expect("30/70 are valid thresholds");
    let scorer = Scorer::new(Arc::new(rules), thresholds);
    let mut buf = String::new();
    for probe in PROBES.iter().copied().chain(std::iter::once(text)) {
        let score = scorer.score(probe, &mut buf);
        assert!(score <= 100, "score {score} for {probe:?}");
    }
});
