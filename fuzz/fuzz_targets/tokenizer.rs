//! `for_each_word` against a direct transcription of its definition: a word is a
//! maximal run of Unicode L*, M*, N* and Pc characters, lower-cased per character with
//! the full mapping; a word starts a sentence when it is the first, or when the
//! separators before it hold one of `. ! ? ; :` or a newline and end in whitespace; a
//! list item is a one- or two-digit sentence start followed by `.`/`)` and whitespace.
//! Arbitrary bytes are read as UTF-8 with U+FFFD, as the Python shim does.

#![no_main]

use _core::scoring::for_each_word;
use libfuzzer_sys::fuzz_target;
use unicode_general_category::{get_general_category, GeneralCategory as Gc};

fn is_word_char(c: char) -> bool {
    matches!(
        get_general_category(c),
        Gc::UppercaseLetter
            | Gc::LowercaseLetter
            | Gc::TitlecaseLetter
            | Gc::ModifierLetter
            | Gc::OtherLetter
            | Gc::NonspacingMark
            | Gc::SpacingMark
            | Gc::EnclosingMark
            | Gc::DecimalNumber
            | Gc::LetterNumber
            | Gc::OtherNumber
            | Gc::ConnectorPunctuation
    )
}

fn reference(text: &str) -> Vec<(String, bool, bool)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut separators = String::new();
    while i < chars.len() {
        if !is_word_char(chars[i]) {
            separators.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && is_word_char(chars[i]) {
            i += 1;
        }
        let word: String = chars[start..i]
            .iter()
            .flat_map(|c| c.to_lowercase())
            .collect();
        let sentence_start = out.is_empty()
            || (separators.contains(['.', '!', '?', ';', ':', '\n'])
                && separators.chars().last().is_some_and(char::is_whitespace));
        let list_item = sentence_start
            && (1..=2).contains(&word.len())
            && word.bytes().all(|b| b.is_ascii_digit())
            && matches!(chars.get(i), Some('.' | ')'))
            && chars.get(i + 1).is_some_and(|c| c.is_whitespace());
        out.push((word, sentence_start, list_item));
        separators.clear();
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut buf = String::new();
    let mut words = Vec::new();
    for_each_word(&text, &mut buf, |w| {
        words.push((w.text.to_owned(), w.sentence_start, w.list_item))
    });
    assert_eq!(words, reference(&text), "text: {text:?}");
});
