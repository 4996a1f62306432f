//! Label dimensions: each distinct label string gets a dense id, so counts are
//! vectors indexed by id (no allocation once a label has been seen). A dimension
//! keeps at most `MAX_LABELS` distinct values and folds the rest into
//! `OTHER_LABEL`, so memory stays bounded whatever callers pass.

use std::collections::HashMap;

use foldhash::fast::RandomState;

/// Distinct values kept per label dimension, `OTHER_LABEL` included.
pub const MAX_LABELS: usize = 256;
/// The value every label beyond `MAX_LABELS` is counted under.
pub const OTHER_LABEL: &str = "other";

/// Dense ids for the values of one label dimension.
#[derive(Default)]
pub(super) struct Labels {
    ids: HashMap<Box<str>, usize, RandomState>,
    names: Vec<Box<str>>,
}

impl Labels {
    pub(super) fn id(&mut self, name: &str) -> usize {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let name = if self.names.len() + 1 < MAX_LABELS {
            name
        } else {
            OTHER_LABEL
        };
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.names.len();
        self.names.push(name.into());
        self.ids.insert(name.into(), id);
        id
    }

    pub(super) fn name(&self, id: usize) -> String {
        self.names
            .get(id)
            .map_or_else(|| OTHER_LABEL.to_owned(), |name| name.to_string())
    }

    /// The labels with a non-zero count, with their counts.
    pub(super) fn named(&self, counts: &[u64]) -> Vec<(String, u64)> {
        counts
            .iter()
            .enumerate()
            .filter(|(_, &n)| n > 0)
            .map(|(id, &n)| (self.name(id), n))
            .collect()
    }
}

/// Adds one to the count of label `id`, growing the vector as labels appear.
pub(super) fn bump(counts: &mut Vec<u64>, id: usize) {
    if counts.len() <= id {
        counts.resize(id + 1, 0);
    }
    counts[id] += 1;
}

/// Adds per-label counts into a running total.
pub(super) fn add_into(total: &mut Vec<u64>, part: &[u64]) {
    if total.len() < part.len() {
        total.resize(part.len(), 0);
    }
    for (sum, n) in total.iter_mut().zip(part) {
        *sum += n;
    }
}
