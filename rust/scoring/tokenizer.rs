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

/// Byte classes, so ASCII text needs no char decoding: a word byte, a sentence end,
/// whitespace, an upper-case letter (the word needs lowering), a non-ASCII byte.
const WORD: u8 = 1;
const SENTENCE_END: u8 = 2;
const SPACE: u8 = 4;
const UPPER: u8 = 8;
const NON_ASCII: u8 = 16;

const BYTE_CLASSES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = if c >= 0x80 {
            NON_ASCII
        } else if c.is_ascii_uppercase() {
            WORD | UPPER
        } else if c.is_ascii_alphanumeric() || c == b'_' {
            WORD
        } else {
            let mut class = 0;
            if matches!(c, b'.' | b'!' | b'?' | b';' | b':' | b'\n') {
                class |= SENTENCE_END;
            }
            // Rust's White_Space in ASCII: \t \n \x0b \x0c \r and space.
            if matches!(c, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ') {
                class |= SPACE;
            }
            class
        };
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
    while i < len {
        // Separators up to the next word; only the last one's spacing matters.
        let mut saw_sentence_end = 0u8;
        let mut last_class = 0u8;
        loop {
            while i < len {
                let class = BYTE_CLASSES[usize::from(bytes[i])];
                if class & (WORD | NON_ASCII) != 0 {
                    break;
                }
                saw_sentence_end |= class;
                last_class = class;
                i += 1;
            }
            if i < len && bytes[i] >= 0x80 {
                let c = char_at(text, i);
                if !is_word_char(c) {
                    last_class = if c.is_whitespace() { SPACE } else { 0 };
                    i += c.len_utf8();
                    continue;
                }
            }
            break;
        }
        if i >= len {
            break;
        }
        let sentence_start =
            first || (saw_sentence_end & SENTENCE_END != 0 && last_class & SPACE != 0);
        let start = i;
        // The word; lower-case ASCII words are passed as slices of `text`.
        let mut flags = 0u8;
        loop {
            while i < len {
                let class = BYTE_CLASSES[usize::from(bytes[i])];
                if class & WORD == 0 {
                    break;
                }
                flags |= class;
                i += 1;
            }
            if i < len && bytes[i] >= 0x80 {
                let c = char_at(text, i);
                if is_word_char(c) {
                    flags |= UPPER;
                    i += c.len_utf8();
                    continue;
                }
            }
            break;
        }
        let word: &str = if flags & UPPER != 0 {
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
