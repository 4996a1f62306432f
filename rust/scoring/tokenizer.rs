//! Splits text into normalised words in one pass.
//!
//! A word is a maximal run of letters, marks, digits and connector punctuation
//! (Unicode general categories L*, M*, N*, Pc), lower-cased character by character
//! with the full Unicode mapping. Everything else separates words, apostrophes
//! included. Scripts written without spaces (Han, Hiragana, Katakana) and Hangul
//! form words of their own: a run of them is one word, split from adjacent Latin
//! letters or digits, which the scanner segments with the vocabulary's dictionary.
//! The oracle in `tests/oracle.py` implements the same definition.

use unicode_general_category::{get_general_category, GeneralCategory as Gc};

/// One normalised word and where it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Word<'a> {
    /// The lower-cased word.
    pub text: &'a str,
    /// First word of the text, or first after a sentence or line end
    /// (`.`, `!`, `?`, `;`, `:` or a newline, followed by whitespace).
    pub sentence_start: bool,
    /// One or two digits followed by `.` or `)` and whitespace ("1. fix it"): a
    /// list number where the scanner finds it at a sentence start or next in a
    /// sequence.
    pub numbered: bool,
    /// The separators before this word held a question mark (`?` or `？`).
    pub question_before: bool,
    /// The word is followed directly by a hyphen and another word ("re-host").
    pub hyphen_next: bool,
    /// A run of a script written without spaces, or of Hangul.
    pub segmented: bool,
    /// Part of a path or an identifier: a `/` or `\\` touches it ("src/utils").
    pub in_path: bool,
    /// Commas (`,` `，` `、`) in the separators before this word, saturating.
    pub commas_before: u8,
    /// The separators before this word hold more than whitespace.
    pub punct_before: bool,
    /// Inside quotation marks or a code span: a literal (a message, a title, code).
    pub quoted: bool,
    /// Where the word stands against quotations (`QUOTE_OPENS`, `QUOTE_AFTER`) and
    /// whether it opens a question (`QUESTION_OPENS`); 0 for most words.
    pub quote_edge: u8,
    /// The word's bytes packed as `pack_short` packs them, for a lower-case ASCII
    /// word of at most 8 bytes with 8 bytes of text from its start; 0 for any other
    /// word. The scanner has those bytes in a register already, so the vocabulary
    /// lookup need not pack them again.
    pub(crate) packed: u64,
}

/// `Word::quote_edge`: the first word of a quotation or an inline code span (not of
/// a fenced code block).
pub const QUOTE_OPENS: u8 = 1;
/// `Word::quote_edge`: a quotation closed in the separators before the word.
pub const QUOTE_AFTER: u8 = 2;
/// `Word::quote_edge`: an inverted question mark (`¿`) in the separators before the
/// word, which opens a question. Kept with the quotation bits because, like them, it
/// is rare: one test per word covers all three.
pub const QUESTION_OPENS: u8 = 4;

/// How far a closing quotation mark is looked for; a longer span is not a quote.
const QUOTE_SPAN: usize = 200;

/// The byte index of the mark that closes a quotation opened by `open` at `at`, if
/// any: the same ASCII mark within `QUOTE_SPAN` bytes, the matching typographic mark,
/// or for a fenced code block (three backticks) the closing fence anywhere. Single
/// marks double as apostrophes ("don't", "the users' table"): one opens only before
/// a word and not after one, and closes only on its line, not before a word of a
/// script with spaces.
fn quote_close(text: &str, at: usize, open: char) -> Option<usize> {
    let bytes = text.as_bytes();
    let after = at + open.len_utf8();
    if open == '`' && bytes[after.min(bytes.len())..].starts_with(b"``") {
        let body = after + 2;
        return find(&bytes[body..], b"```").map(|j| body + j + 2);
    }
    if matches!(open, '\'' | '\u{2018}') {
        return single_quote_close(text, at, after, open);
    }
    let close: &[u8] = match open {
        '"' => b"\"",
        '`' => b"`",
        '\u{AB}' => "\u{BB}".as_bytes(),
        '\u{201C}' => "\u{201D}".as_bytes(),
        '\u{300C}' => "\u{300D}".as_bytes(),
        '\u{300E}' => "\u{300F}".as_bytes(),
        _ => return None,
    };
    let window = &bytes[after..(after + QUOTE_SPAN).min(bytes.len())];
    find(window, close).filter(|&j| j > 0).map(|j| after + j)
}

/// `quote_close` for a single mark (`'`, or `‘` closed by `’`) at `at`.
fn single_quote_close(text: &str, at: usize, after: usize, open: char) -> Option<usize> {
    let word_before = text[..at].chars().next_back().is_some_and(is_word_char);
    let word_after = text[after..].chars().next().is_some_and(is_word_char);
    if word_before || !word_after {
        return None;
    }
    let close = if open == '\'' { '\'' } else { '\u{2019}' };
    let end = (after + QUOTE_SPAN).min(text.len());
    text[after..]
        .char_indices()
        .take_while(|&(j, c)| after + j < end && c != '\n')
        .find(|&(j, c)| {
            let next = after + j + c.len_utf8();
            // A particle may follow a closing mark ("'설정'이"); a contraction's letter
            // ("don't") may not.
            c == close
                && !text[next..]
                    .chars()
                    .next()
                    .is_some_and(|c| is_word_char(c) && !is_segmented(c))
        })
        .map(|(j, _)| after + j)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Characters of the scripts whose words the scanner finds by dictionary: Han,
/// Hiragana, Katakana (with the iteration and prolonged-sound marks) and Hangul.
pub(crate) fn is_segmented(c: char) -> bool {
    matches!(
        u32::from(c),
        0x1100..=0x11FF
            | 0x3005
            | 0x3040..=0x30FA
            | 0x30FC..=0x30FF
            | 0x3130..=0x318F
            | 0x31F0..=0x31FF
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFF66..=0xFF9F
            | 0x20000..=0x2FA1F
    )
}

/// Full-width sentence ends, which need no whitespace after them.
fn is_fullwidth_sentence_end(c: char) -> bool {
    matches!(
        c,
        '\u{3002}' | '\u{FF01}' | '\u{FF1F}' | '\u{FF1B}' | '\u{FF1A}'
    )
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

/// A symbol of general category So: emoji, pictographs, dingbats ("👍", "✅").
pub(crate) fn is_symbol(c: char) -> bool {
    !c.is_ascii() && get_general_category(c) == Gc::OtherSymbol
}

/// Byte classes, so ASCII text needs no char decoding: a word byte, a sentence end,
/// whitespace, an upper-case letter (the word needs lowering), a non-ASCII byte, a
/// byte that may tell something about the word before it.
const WORD: u16 = 1;
const SENTENCE_END: u16 = 2;
const SPACE: u16 = 4;
const UPPER: u16 = 8;
const NON_ASCII: u16 = 16;
const QUESTION: u16 = 32;
const COMMA: u16 = 64;
const QUOTE: u16 = 128;
/// A list number's closing mark, a hyphen or a path separator: after a word, the
/// only ASCII bytes that make it numbered, hyphenated or part of a path.
const AFTER_MARK: u16 = 256;
/// A path separator (`/` or `\\`): a word right after one is part of a path.
const SLASH: u16 = 512;

const BYTE_CLASSES: [u16; 256] = {
    let mut table = [0u16; 256];
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
            if c == b'?' {
                class |= QUESTION;
            }
            if c == b',' {
                class |= COMMA;
            }
            if matches!(c, b'"' | b'`' | b'\'') {
                class |= QUOTE;
            }
            if matches!(c, b'.' | b')' | b'-' | b'/' | b'\\') {
                class |= AFTER_MARK;
            }
            if matches!(c, b'/' | b'\\') {
                class |= SLASH;
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

/// How many leading bytes of `chunk` (eight bytes, the first lowest) are ASCII
/// lower-case letters, the bytes most words are made of.
#[inline(always)]
fn lowercase_run(chunk: u64) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = ONES * 0x80;
    // With the high bits cleared no byte carries into the next one below.
    let ascii = !chunk & HIGH;
    let low = chunk & !HIGH;
    let at_least_a = (low + ONES * u64::from(0x80 - b'a')) & HIGH;
    let past_z = (low + ONES * u64::from(0x80 - b'z' - 1)) & HIGH;
    let lower = ascii & at_least_a & !past_z;
    ((!lower & HIGH).trailing_zeros() / 8) as usize
}

/// `KEY_MASKS[n]` keeps the first `n` bytes of eight (the first lowest): a word of
/// `n` bytes out of the eight from its start.
const KEY_MASKS: [u64; 9] = {
    let mut masks = [0u64; 9];
    let mut n = 1;
    while n <= 8 {
        masks[n] = u64::MAX >> (8 * (8 - n));
        n += 1;
    }
    masks
};

/// The eight bytes from `i` (the first lowest), if the text has that many.
#[inline(always)]
fn chunk_at(bytes: &[u8], i: usize) -> Option<u64> {
    bytes
        .get(i..i + 8)
        .and_then(|c| <[u8; 8]>::try_from(c).ok())
        .map(u64::from_le_bytes)
}

fn is_list_number(word: &str) -> bool {
    (1..=2).contains(&word.len()) && word.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `rest` (the text right after a word) starts with `.` or `)` and whitespace.
#[inline(always)]
fn closes_list_number(rest: &str) -> bool {
    let mut chars = rest.chars();
    matches!(chars.next(), Some('.' | ')')) && chars.next().is_some_and(char::is_whitespace)
}

/// Whether `rest` starts with a hyphen (`-` or U+2010) followed by a word character.
#[inline(always)]
fn hyphen_then_word(rest: &str) -> bool {
    match rest.as_bytes() {
        [b'-', next, ..] if next.is_ascii() => next.is_ascii_alphanumeric() || *next == b'_',
        [b'-', ..] | [0xE2, 0x80, 0x90, ..] => {
            let mut chars = rest.chars();
            chars.next();
            chars.next().is_some_and(is_word_char)
        }
        _ => false,
    }
}

/// The quotation state after the mark `c` at byte `at`: a closing mark ends the
/// quotation, an opening one outside a quotation starts one if it is closed soon.
/// Kept out of line: quotation marks are rare, and the scan loop stays small.
#[cold]
#[inline(never)]
fn quote_at(text: &str, at: usize, c: char, quote_end: usize) -> usize {
    if quote_end != 0 {
        // Inside a quotation only its own closing mark (at or past `quote_end`) ends it.
        return if at >= quote_end { 0 } else { quote_end };
    }
    quote_close(text, at, c).unwrap_or(0)
}

/// The `Word::quote_edge` bits a quotation mark adds, from the quotation state
/// before it (`was`) and after it (`now`).
fn quote_edge(was: usize, now: usize, fence: bool) -> u8 {
    match (was, now) {
        (0, 0) => 0,
        (0, _) if fence => 0,
        (0, _) => QUOTE_OPENS,
        (_, 0) => QUOTE_AFTER,
        _ => 0,
    }
}

/// The char starting at byte `i` of `text` (a char boundary).
fn char_at(text: &str, i: usize) -> char {
    text[i..].chars().next().unwrap_or('\u{fffd}')
}

/// Appends `raw` lower-cased as words are matched (per character, Unicode).
pub(crate) fn push_lowercase(raw: &str, buf: &mut String) {
    if raw.is_ascii() {
        let from = buf.len();
        buf.push_str(raw);
        buf[from..].make_ascii_lowercase();
    } else {
        for c in raw.chars() {
            if c.is_ascii() {
                buf.push(c.to_ascii_lowercase());
            } else {
                buf.extend(c.to_lowercase());
            }
        }
    }
}

/// Calls `on_word` for every word of `text`, in order, and returns whether the
/// text ends with a question mark (after its last word). `buf` is scratch space
/// for words that need lower-casing, reused across calls to avoid allocation.
/// Inlined into its caller so the caller's scan state stays in its own frame.
#[inline(always)]
pub fn for_each_word(text: &str, buf: &mut String, mut on_word: impl FnMut(Word<'_>)) -> bool {
    let bytes = text.as_bytes();
    let len = bytes.len();
    let mut i = 0;
    let mut first = true;
    // The byte index of the mark closing the quotation we are in; 0 outside one.
    let mut quote_end = 0usize;
    // Quotations opened or closed in the separators before the next word.
    let mut edge = 0u8;
    loop {
        // Separators up to the next word; only the last one's spacing matters.
        let mut saw = 0u16;
        let mut last_class = 0u16;
        let mut fullwidth_end = false;
        let mut commas = 0u8;
        let mut punct = false;
        // Most words follow one space: that separator needs none of the checks below.
        let one_space = bytes.get(i) == Some(&b' ')
            && bytes
                .get(i + 1)
                .is_some_and(|&b| BYTE_CLASSES[usize::from(b)] & WORD != 0);
        if one_space {
            saw = SPACE;
            last_class = SPACE;
            i += 1;
        } else {
            loop {
                while i < len {
                    let class = BYTE_CLASSES[usize::from(bytes[i])];
                    if class & (WORD | NON_ASCII) != 0 {
                        break;
                    }
                    saw |= class;
                    last_class = class;
                    commas = commas.saturating_add(u8::from(class & COMMA != 0));
                    punct |= class & SPACE == 0;
                    if class & QUOTE != 0 {
                        let was = quote_end;
                        quote_end = quote_at(text, i, char::from(bytes[i]), quote_end);
                        edge |= quote_edge(was, quote_end, bytes[i..].starts_with(b"```"));
                    }
                    i += 1;
                }
                if i < len && bytes[i] >= 0x80 {
                    let c = char_at(text, i);
                    if !is_word_char(c) {
                        punct |= !c.is_whitespace();
                        if matches!(
                            c,
                            '\u{AB}'
                                | '\u{BB}'
                                | '\u{2018}'
                                | '\u{2019}'
                                | '\u{201C}'
                                | '\u{201D}'
                                | '\u{300C}'..='\u{300F}'
                        ) {
                            let was = quote_end;
                            quote_end = quote_at(text, i, c, quote_end);
                            edge |= quote_edge(was, quote_end, false);
                        }
                        if matches!(c, '\u{FF0C}' | '\u{3001}') {
                            commas = commas.saturating_add(1);
                        }
                        if c == '\u{BF}' {
                            edge |= QUESTION_OPENS;
                        }
                        if is_fullwidth_sentence_end(c) {
                            fullwidth_end = true;
                            saw |= SENTENCE_END;
                            if c == '\u{FF1F}' {
                                saw |= QUESTION;
                            }
                        }
                        // "¿" and "¡" open what follows: after a space they keep it.
                        last_class = if c.is_whitespace() {
                            SPACE
                        } else if matches!(c, '\u{BF}' | '\u{A1}') {
                            last_class & SPACE
                        } else {
                            0
                        };
                        i += c.len_utf8();
                        continue;
                    }
                }
                break;
            }
        }
        if i >= len {
            return saw & QUESTION != 0;
        }
        let sentence_start =
            first || (saw & SENTENCE_END != 0 && (last_class & SPACE != 0 || fullwidth_end));
        let start = i;
        let segmented = bytes[i] >= 0x80 && is_segmented(char_at(text, i));
        let mut flags = 0u16;
        // The eight bytes from the word's start, 0 where the text has fewer.
        let mut head = 0u64;
        if segmented {
            // Uncased scripts: the run is passed as a slice of `text`.
            while i < len && bytes[i] >= 0x80 {
                let c = char_at(text, i);
                if !(is_segmented(c) || (is_word_char(c) && is_mark(c))) {
                    break;
                }
                i += c.len_utf8();
            }
        } else {
            head = chunk_at(bytes, i).unwrap_or(0);
            // The word; lower-case ASCII words are passed as slices of `text`.
            loop {
                // Eight bytes at a time while they are lower-case ASCII letters.
                while let Some(chunk) = chunk_at(bytes, i) {
                    let run = lowercase_run(chunk);
                    i += run;
                    if run < 8 {
                        break;
                    }
                }
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
                    if is_word_char(c) && !is_segmented(c) {
                        flags |= UPPER;
                        i += c.len_utf8();
                        continue;
                    }
                }
                break;
            }
        }
        let word: &str = if flags & UPPER != 0 {
            buf.clear();
            push_lowercase(&text[start..i], buf);
            buf
        } else {
            &text[start..i]
        };
        // Only a word that `head` holds whole, as written, packs from it.
        let packed = match KEY_MASKS.get(i - start) {
            Some(mask) if flags & UPPER == 0 => head & mask,
            _ => 0,
        };
        let quoted = start < quote_end;
        // Most words stand clear of any quotation mark.
        let quote_edge = if edge == 0 {
            0
        } else {
            std::mem::take(&mut edge)
                & (QUOTE_AFTER | QUESTION_OPENS | if quoted { QUOTE_OPENS } else { 0 })
        };
        // Most words end at a space: the checks on what follows need its class only.
        let next_class = bytes.get(i).map_or(0, |&b| BYTE_CLASSES[usize::from(b)]);
        let (numbered, hyphen_next, path_after) = if next_class & (AFTER_MARK | NON_ASCII) == 0 {
            (false, false, false)
        } else {
            let rest = &text[i..];
            (
                !segmented && is_list_number(word) && closes_list_number(rest),
                !segmented && hyphen_then_word(rest),
                matches!(bytes.get(i), Some(b'/' | b'\\')),
            )
        };
        // The byte before the word is the last separator's when that is ASCII; a
        // non-ASCII separator or a word run on from the previous word is no slash.
        let in_path = last_class & SLASH != 0 || path_after;
        on_word(Word {
            text: word,
            sentence_start,
            numbered,
            question_before: saw & QUESTION != 0,
            hyphen_next,
            segmented,
            in_path,
            commas_before: commas,
            punct_before: punct,
            quoted,
            quote_edge,
            packed,
        });
        first = false;
    }
}

/// Combining marks continue a segmented run (Japanese voicing marks written apart).
fn is_mark(c: char) -> bool {
    matches!(
        get_general_category(c),
        Gc::NonspacingMark | Gc::SpacingMark | Gc::EnclosingMark
    )
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
            out.push((w.text.to_owned(), w.sentence_start, w.numbered))
        });
        out
    }

    #[test]
    fn lowercase_runs_stop_at_the_first_other_byte() {
        let run = |bytes: &[u8; 8]| lowercase_run(u64::from_le_bytes(*bytes));
        assert_eq!(run(b"abcdefgh"), 8);
        assert_eq!(run(b"azAZ09_`"), 2);
        assert_eq!(run(b"{abcdefg"), 0);
        assert_eq!(run(b"abc\xc3\xa9def"), 3);
        assert_eq!(run(b"xyz@[abc"), 3);
        for b in 0..=255u8 {
            let bytes = [b, b'a', b'a', b'a', b'a', b'a', b'a', b'a'];
            assert_eq!(run(&bytes) > 0, b.is_ascii_lowercase(), "byte {b}");
        }
    }

    #[test]
    fn packed_keys_are_the_lookup_keys_of_the_words() {
        let text = "fix the db-layer, REFACTOR it: config_v2 über endpoint x1 handlers ab";
        let mut packed = Vec::new();
        for_each_word(text, &mut String::new(), |w| {
            if w.packed != 0 {
                assert_eq!(
                    Some(w.packed),
                    super::super::short_words::pack_short(w.text)
                );
                packed.push(w.text.to_owned());
            }
        });
        // Not packed: capitals, non-ASCII, more than 8 bytes, fewer than 8 bytes left.
        assert_eq!(
            packed,
            ["fix", "the", "db", "layer", "it", "endpoint", "x1", "handlers"]
        );
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
        let got = starts("1. read it. 2) fix it. Version 2.4.1 and 3. done 123. x");
        let items: Vec<&str> = got.iter().filter(|w| w.2).map(|w| w.0.as_str()).collect();
        assert_eq!(items, ["1", "2", "3"]);
    }

    #[test]
    fn cjk_runs_are_words_of_their_own() {
        assert_eq!(
            words("请重构user服务。ログを確認して"),
            ["请重构", "user", "服务", "ログを確認して"]
        );
        let got = starts("先看日志。然后重构");
        assert!(got[1].1, "a full-width stop needs no space after it");
    }

    #[test]
    fn quotations_and_code_spans_are_literals() {
        let mut quoted = Vec::new();
        for_each_word(
            "say \"fix it\" or `ls` then «hola» ```\nrun x\n``` now \"open",
            &mut String::new(),
            |w| quoted.push((w.text.to_owned(), w.quoted)),
        );
        let inside: Vec<&str> = quoted
            .iter()
            .filter(|w| w.1)
            .map(|w| w.0.as_str())
            .collect();
        // An opening mark never closed within reach quotes nothing.
        assert_eq!(inside, ["fix", "it", "ls", "hola", "run", "x"]);
    }

    #[test]
    fn single_marks_quote_but_apostrophes_do_not() {
        let mut seen = Vec::new();
        for_each_word(
            "don't touch the users' table; rename 'old name' to \u{2018}new\u{2019}, \
             '설정'이 바뀜, 'no close\nhere' x\nwait 'til they're done",
            &mut String::new(),
            |w| seen.push((w.text.to_owned(), w.quoted, w.quote_edge & QUOTE_OPENS != 0)),
        );
        let inside: Vec<&str> = seen.iter().filter(|w| w.1).map(|w| w.0.as_str()).collect();
        // A mark after a letter is an apostrophe; one never closed on its line, or
        // closed only before a letter ("'til they're"), quotes nothing.
        assert_eq!(inside, ["old", "name", "new", "설정"]);
        let openers: Vec<&str> = seen.iter().filter(|w| w.2).map(|w| w.0.as_str()).collect();
        assert_eq!(openers, ["old", "new", "설정"]);
    }

    #[test]
    fn a_fenced_code_block_opens_no_quotation() {
        let mut openers = Vec::new();
        for_each_word("```\nfoo\n``` `bar`", &mut String::new(), |w| {
            if w.quote_edge & QUOTE_OPENS != 0 {
                openers.push(w.text.to_owned());
            }
        });
        assert_eq!(openers, ["bar"]);
    }

    #[test]
    fn words_touching_a_path_separator_are_in_a_path() {
        let mut seen = Vec::new();
        for_each_word(
            "open src/utils and C:\\tmp, \u{ab}/x\u{bb} 请/y z/ ,/w é /v",
            &mut String::new(),
            |w| seen.push((w.text.to_owned(), w.in_path)),
        );
        let in_path: Vec<&str> = seen.iter().filter(|w| w.1).map(|w| w.0.as_str()).collect();
        assert_eq!(
            in_path,
            ["src", "utils", "tmp", "x", "请", "y", "z", "w", "v"]
        );
    }

    #[test]
    fn question_marks_and_hyphens_are_reported() {
        let mut seen = Vec::new();
        let ends = for_each_word("Is it up? re-host it？", &mut String::new(), |w| {
            seen.push((w.text.to_owned(), w.question_before, w.hyphen_next))
        });
        assert!(ends);
        assert_eq!(
            seen,
            [
                ("is".to_owned(), false, false),
                ("it".to_owned(), false, false),
                ("up".to_owned(), false, false),
                ("re".to_owned(), true, true),
                ("host".to_owned(), false, false),
                ("it".to_owned(), false, false),
            ]
        );
    }

    #[test]
    fn an_inverted_question_mark_is_reported_on_the_word_after_it() {
        let mut seen = Vec::new();
        for_each_word("Hola, ¿sigue caído? ¡Vale!", &mut String::new(), |w| {
            seen.push((
                w.text.to_owned(),
                w.quote_edge & QUESTION_OPENS != 0,
                w.sentence_start,
            ))
        });
        assert_eq!(
            seen,
            [
                ("hola".to_owned(), false, true),
                ("sigue".to_owned(), true, false),
                ("caído".to_owned(), false, false),
                ("vale".to_owned(), false, true),
            ]
        );
    }
}
