//! Batch scoring: many texts held as one UTF-8 string with each text's end offset
//! (one allocation for the whole batch, contiguous ranges for the threads), the
//! transcoder that builds one from NumPy's fixed-width UCS-4 strings, and the
//! scoring of a batch over several threads.

use super::Scorer;

/// Texts as one UTF-8 string and each text's end offset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    text: String,
    ends: Vec<usize>,
}

impl Batch {
    /// `ends[i]` is where text `i` ends in `text` (non-decreasing, char boundaries).
    pub fn new(text: String, ends: Vec<usize>) -> Self {
        Self { text, ends }
    }

    /// Joins `count` NUL-padded UCS-4 items of `width` code points (a NumPy `<U{width}`
    /// array's buffer) into one batch. Trailing NULs are padding and dropped; code
    /// points that are not chars (lone surrogates, values above U+10FFFF) become
    /// U+FFFD. Items the buffer is too short for are empty.
    pub fn from_ucs4(code_points: &[u32], width: usize, count: usize) -> Self {
        let mut text = String::with_capacity(code_points.len());
        let mut ends = Vec::with_capacity(count);
        let mut ascii = Vec::with_capacity(width);
        for index in 0..count {
            let item = code_points
                .get(index * width..(index + 1) * width)
                .unwrap_or(&[]);
            let end = item.iter().rposition(|&c| c != 0).map_or(0, |i| i + 1);
            let item = &item[..end];
            if item.iter().all(|&c| c < 0x80) {
                // Every code point is one ASCII byte: narrow them, no char encoding.
                ascii.clear();
                ascii.extend(item.iter().map(|&c| c as u8));
                if let Ok(item) = std::str::from_utf8(&ascii) {
                    text.push_str(item);
                    ends.push(text.len());
                    continue;
                }
            }
            text.extend(
                item.iter()
                    .map(|&c| char::from_u32(c).unwrap_or('\u{fffd}')),
            );
            ends.push(text.len());
        }
        Self { text, ends }
    }

    /// How many texts the batch holds.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Text `index`.
    pub fn text(&self, index: usize) -> &str {
        let start = if index == 0 { 0 } else { self.ends[index - 1] };
        self.text.get(start..self.ends[index]).unwrap_or("")
    }
}

/// Below this many texts per thread, starting a thread costs more than it saves.
const MIN_TEXTS_PER_THREAD: usize = 2048;

impl Scorer {
    /// Description-only scores and levels of every text of `batch`, split into up to
    /// `threads` contiguous chunks scored on their own threads; a thread that cannot
    /// be started leaves its chunk to the calling thread. The result does not depend
    /// on `threads`.
    pub fn score_batch(&self, batch: &Batch, threads: usize) -> (Vec<u8>, Vec<u8>) {
        let count = batch.len();
        let mut scores = vec![0u8; count];
        let mut levels = vec![0u8; count];
        let threads = threads.min(count.div_ceil(MIN_TEXTS_PER_THREAD)).max(1);
        if threads == 1 {
            self.score_range(batch, 0, &mut scores, &mut levels);
            return (scores, levels);
        }
        let chunk = count.div_ceil(threads);
        std::thread::scope(|scope| {
            let mut left_over = Vec::new();
            for (index, (scores, levels)) in scores
                .chunks_mut(chunk)
                .zip(levels.chunks_mut(chunk))
                .enumerate()
            {
                let first = index * chunk;
                let spawned = std::thread::Builder::new()
                    .name("claude-pm-score".to_owned())
                    .spawn_scoped(scope, move || {
                        self.score_range(batch, first, scores, levels);
                    });
                if spawned.is_err() {
                    left_over.push(first);
                }
            }
            // Scored on this thread once the scope has joined the others and their
            // chunks are free again.
            left_over
        })
        .into_iter()
        .for_each(|first| {
            let last = (first + chunk).min(count);
            self.score_range(
                batch,
                first,
                &mut scores[first..last],
                &mut levels[first..last],
            );
        });
        (scores, levels)
    }

    /// Scores texts `first..first + scores.len()` of `batch` into `scores` and `levels`.
    fn score_range(&self, batch: &Batch, first: usize, scores: &mut [u8], levels: &mut [u8]) {
        let thresholds = self.thresholds();
        let mut buf = String::new();
        for (i, (score, level)) in scores.iter_mut().zip(levels.iter_mut()).enumerate() {
            let value = self.score(batch.text(first + i), &mut buf);
            *score = value;
            *level = thresholds.level_of(value) as u8;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::scoring::{ScoringRules, Thresholds};

    fn ucs4(items: &[&str], width: usize) -> Vec<u32> {
        let mut buf = Vec::new();
        for item in items {
            let mut cps: Vec<u32> = item.chars().map(u32::from).collect();
            assert!(cps.len() <= width);
            cps.resize(width, 0);
            buf.extend(cps);
        }
        buf
    }

    fn texts(batch: &Batch) -> Vec<&str> {
        (0..batch.len()).map(|i| batch.text(i)).collect()
    }

    #[test]
    fn ascii_items_lose_their_padding() {
        let batch = Batch::from_ucs4(&ucs4(&["fix", "a typo", ""], 6), 6, 3);
        assert_eq!(texts(&batch), ["fix", "a typo", ""]);
    }

    #[test]
    fn bmp_and_astral_code_points_become_utf8() {
        let items = ["café", "设置日志", "emoji 🎉", "𝔘𝔫𝔦"];
        let batch = Batch::from_ucs4(&ucs4(&items, 8), 8, items.len());
        assert_eq!(texts(&batch), items);
        assert_eq!(batch.text(2).len(), "emoji ".len() + 4);
    }

    #[test]
    fn lone_surrogates_and_values_beyond_unicode_become_replacement_chars() {
        let buf = [0x61, 0xD800, 0x62, 0xDFFF, 0x11_0000, 0];
        let batch = Batch::from_ucs4(&buf, 6, 1);
        assert_eq!(batch.text(0), "a\u{fffd}b\u{fffd}\u{fffd}");
    }

    #[test]
    fn inner_nuls_are_kept_and_only_trailing_ones_dropped() {
        let batch = Batch::from_ucs4(&[0x61, 0, 0x62, 0, 0], 5, 1);
        assert_eq!(batch.text(0), "a\0b");
    }

    #[test]
    fn items_beyond_a_short_buffer_are_empty() {
        let batch = Batch::from_ucs4(&ucs4(&["ab"], 2), 2, 3);
        assert_eq!(texts(&batch), ["ab", "", ""]);
    }

    #[test]
    fn threads_do_not_change_the_scores() {
        let scorer = Scorer::new(Arc::new(ScoringRules::default_rules()), Thresholds::DEFAULT);
        let tasks = [
            "fix a typo in the readme",
            "refactor the authentication module across all services",
            "design a distributed event sourcing architecture with rollback",
        ];
        let mut text = String::new();
        let mut ends = Vec::new();
        for i in 0..(3 * MIN_TEXTS_PER_THREAD) {
            text.push_str(tasks[i % tasks.len()]);
            ends.push(text.len());
        }
        let batch = Batch::new(text, ends);
        let one = scorer.score_batch(&batch, 1);
        assert_eq!(scorer.score_batch(&batch, 4), one);
        let mut buf = String::new();
        for (i, task) in tasks.iter().enumerate() {
            let score = scorer.score(task, &mut buf);
            assert_eq!(one.0[i], score);
            assert_eq!(one.1[i], scorer.thresholds().level_of(score) as u8);
        }
    }
}
