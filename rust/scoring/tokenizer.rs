//! Splits text into normalised words in one pass.
//!
//! A word is a maximal run of letters, marks, digits and connector punctuation
//! (Unicode general categories L*, M*, N*, Pc), lower-cased character by character
//! with the full Unicode mapping. Everything else separates words, apostrophes
//! included. The oracle in `tests/oracle.py` implements the same definition.

use unicode_general_category::{get_general_category, GeneralCategory as Gc};

/// One normalised word and where it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Word<'a> {
    /// The lower-cased word.
    pub text: &'a str,
    /// First word of the text, or first after a sentence or line end
    /// (`.`, `!`, `?`, `;`, `:` or a newline, followed by whitespace).
    pub sentence_start: bool,
    /// A list number at a sentence start: one or two digits followed by `.` or `)`
    /// and whitespace ("1. fix it").
    pub list_item: bool,
}

pub(crate) fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || c == '_';
    }
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

/// Byte classes of ASCII characters, so the common case needs no char decoding.
const WORD: u8 = 1;
const SENTENCE_END: u8 = 2;
const SPACE: u8 = 4;

const ASCII_CLASSES: [u8; 128] = {
    let mut table = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() || c == b'_' {
            table[b] = WORD;
        } else {
            if matches!(c, b'.' | b'!' | b'?' | b';' | b':' | b'\n') {
                table[b] |= SENTENCE_END;
            }
            // Rust's White_Space in ASCII: \t \n \x0b \x0c \r and space.
            if matches!(c, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ') {
                table[b] |= SPACE;
            }
        }
        b += 1;
    }
    table
};

fn is_list_number(word: &str) -> bool {
    (1..=2).contains(&word.len()) && word.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `rest` (the text right after a word) starts with `.` or `)` and whitespace.
fn closes_list_number(rest: &str) -> bool {
    let mut chars = rest.chars();
    matches!(chars.next(), Some('.' | ')')) && chars.next().is_some_and(char::is_whitespace)
}

/// The char starting at byte `i` of `text` (a char boundary).
fn char_at(text: &str, i: usize) -> char {
    text[i..].chars().next().unwrap_or('\u{fffd}')
}

/// Calls `on_word` for every word of `text`, in order. `buf` is scratch space for
/// words that need lower-casing, reused across calls to avoid allocation.
pub fn for_each_word(text: &str, buf: &mut String, mut on_word: impl FnMut(Word<'_>)) {
    let bytes = text.as_bytes();
    let len = bytes.len();
    let mut i = 0;
    let mut first = true;
    let mut saw_sentence_end = false;
    let mut last_separator_is_space = false;
    while i < len {
        let b = bytes[i];
        if b < 0x80 {
            let class = ASCII_CLASSES[usize::from(b)];
            if class & WORD == 0 {
                saw_sentence_end |= class & SENTENCE_END != 0;
                last_separator_is_space = class & SPACE != 0;
                i += 1;
                continue;
            }
        } else {
            let c = char_at(text, i);
            if !is_word_char(c) {
                last_separator_is_space = c.is_whitespace();
                i += c.len_utf8();
                continue;
            }
        }
        let sentence_start = first || (saw_sentence_end && last_separator_is_space);
        let start = i;
        // Lower-case ASCII words are passed as slices of `text`; others are copied.
        let mut needs_lowering = false;
        while i < len {
            let b = bytes[i];
            if b < 0x80 {
                if ASCII_CLASSES[usize::from(b)] & WORD == 0 {
                    break;
                }
                needs_lowering |= b.is_ascii_uppercase();
                i += 1;
            } else {
                let c = char_at(text, i);
                if !is_word_char(c) {
                    break;
                }
                needs_lowering = true;
                i += c.len_utf8();
            }
        }
        let word: &str = if needs_lowering {
            buf.clear();
            for c in text[start..i].chars() {
                if c.is_ascii() {
                    buf.push(c.to_ascii_lowercase());
                } else {
                    buf.extend(c.to_lowercase());
                }
            }
            buf
        } else {
            &text[start..i]
        };
        let list_item = sentence_start && is_list_number(word) && closes_list_number(&text[i..]);
        on_word(Word {
            text: word,
            sentence_start,
            list_item,
        });
        first = false;
        saw_sentence_end = false;
        last_separator_is_space = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        for_each_word(text, &mut String::new(), |w| out.push(w.text.to_owned()));
        out
    }

    fn starts(text: &str) -> Vec<(String, bool, bool)> {
        let mut out = Vec::new();
        for_each_word(text, &mut String::new(), |w| {
            out.push((w.text.to_owned(), w.sentence_start, w.list_item))
        });
        out
    }

    #[test]
    fn punctuation_and_case_are_stripped() {
        assert_eq!(
            words("REFACTOR, the db-layer!"),
            ["refactor", "the", "db", "layer"]
        );
    }

    #[test]
    fn apostrophes_split_words() {
        assert_eq!(
            words("don't fix the endpoint's bug"),
            ["don", "t", "fix", "the", "endpoint", "s", "bug"]
        );
        assert_eq!(words("l'ensemble"), ["l", "ensemble"]);
    }

    #[test]
    fn underscores_keep_identifiers_whole() {
        assert_eq!(
            words("test_invoice_totals passes"),
            ["test_invoice_totals", "passes"]
        );
    }

    #[test]
    fn unicode_letters_lowercase_fully() {
        assert_eq!(
            words("Conçois ÜBER Straße İ"),
            ["conçois", "über", "straße", "i\u{307}"]
        );
        assert_eq!(words("e\u{301}tape"), ["e\u{301}tape"]);
    }

    #[test]
    fn control_characters_and_nul_separate_words() {
        assert_eq!(words("list\0files\u{1}now\u{7f}"), ["list", "files", "now"]);
        assert!(words("").is_empty());
        assert!(words(" \t\n!!").is_empty());
    }

    #[test]
    fn sentence_starts_follow_terminators_and_whitespace() {
        let got = starts("Is it up? What now. config.py: is");
        let flags: Vec<bool> = got.iter().map(|w| w.1).collect();
        assert_eq!(flags, [true, false, false, true, false, true, false, true]);
    }

    #[test]
    fn list_numbers_need_a_closing_mark_and_space() {
        let got = starts("1. read it. 2) fix it. Version 2.4.1 and 3. done");
        let items: Vec<&str> = got.iter().filter(|w| w.2).map(|w| w.0.as_str()).collect();
        assert_eq!(items, ["1", "2"]);
    }
}
