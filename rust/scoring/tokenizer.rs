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

fn ends_sentence(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | ';' | ':' | '\n')
}

fn is_list_number(word: &str) -> bool {
    (1..=2).contains(&word.len()) && word.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `rest` (the text right after a word) starts with `.` or `)` and whitespace.
fn closes_list_number(rest: &str) -> bool {
    let mut chars = rest.chars();
    matches!(chars.next(), Some('.' | ')')) && chars.next().is_some_and(char::is_whitespace)
}

/// Calls `on_word` for every word of `text`, in order. `buf` is scratch space for
/// the lower-cased word, reused across calls to avoid allocation.
pub fn for_each_word(text: &str, buf: &mut String, mut on_word: impl FnMut(Word<'_>)) {
    let mut chars = text.char_indices().peekable();
    let mut first = true;
    let mut saw_sentence_end = false;
    let mut last_separator_is_space = false;
    while let Some(&(start, c)) = chars.peek() {
        if !is_word_char(c) {
            saw_sentence_end |= ends_sentence(c);
            last_separator_is_space = c.is_whitespace();
            chars.next();
            continue;
        }
        let sentence_start = first || (saw_sentence_end && last_separator_is_space);
        buf.clear();
        let mut end = start;
        while let Some(&(i, c)) = chars.peek() {
            if !is_word_char(c) {
                break;
            }
            if c.is_ascii() {
                buf.push(c.to_ascii_lowercase());
            } else {
                buf.extend(c.to_lowercase());
            }
            end = i + c.len_utf8();
            chars.next();
        }
        let list_item = sentence_start && is_list_number(buf) && closes_list_number(&text[end..]);
        on_word(Word { text: buf, sentence_start, list_item });
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
        assert_eq!(words("REFACTOR, the db-layer!"), ["refactor", "the", "db", "layer"]);
    }

    #[test]
    fn apostrophes_split_words() {
        assert_eq!(words("don't fix the endpoint's bug"), ["don", "t", "fix", "the", "endpoint", "s", "bug"]);
        assert_eq!(words("l'ensemble"), ["l", "ensemble"]);
    }

    #[test]
    fn underscores_keep_identifiers_whole() {
        assert_eq!(words("test_invoice_totals passes"), ["test_invoice_totals", "passes"]);
    }

    #[test]
    fn unicode_letters_lowercase_fully() {
        assert_eq!(words("Conçois ÜBER Straße İ"), ["conçois", "über", "straße", "i\u{307}"]);
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
