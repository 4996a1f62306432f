//! The windowed view: hourly buckets keyed by the hour of the selection. A
//! snapshot sums the buckets of the last `retention_hours` hours (the current hour
//! included); older buckets are dropped as newer ones are recorded.

use std::collections::VecDeque;

use super::labels::add_into;
use super::{invalid, StatsError};

pub(super) const SECONDS_PER_HOUR: f64 = 3600.0;
/// Ten years of hourly buckets is more than any retention worth configuring.
pub const MAX_RETENTION_HOURS: u32 = 24 * 366 * 10;

/// Sums over the retention window, with labels resolved to their names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    pub total_selections: u64,
    pub by_model: Vec<(String, u64)>,
    pub by_agent: Vec<(String, u64)>,
    pub by_method: Vec<(String, u64)>,
    pub by_template: Vec<(String, u64)>,
    pub by_level: [u64; 3],
    pub by_rollout_reason: Vec<(String, u64)>,
    pub shadow_decisions: u64,
    /// Mean over non-shadow selections; 0.0 when there are none.
    pub average_token_reduction: f64,
}

/// The counts of one hour, per label id.
#[derive(Default)]
pub(super) struct HourBucket {
    pub(super) hour: i64,
    pub(super) total: u64,
    pub(super) by_model: Vec<u64>,
    pub(super) by_agent: Vec<u64>,
    pub(super) by_method: Vec<u64>,
    pub(super) by_template: Vec<u64>,
    pub(super) by_level: [u64; 3],
    pub(super) by_rollout_reason: Vec<u64>,
    pub(super) shadow: u64,
    pub(super) reduction_sum: f64,
    pub(super) reduction_count: u64,
}

impl HourBucket {
    fn add(&mut self, bucket: &HourBucket) {
        self.total += bucket.total;
        add_into(&mut self.by_model, &bucket.by_model);
        add_into(&mut self.by_agent, &bucket.by_agent);
        add_into(&mut self.by_method, &bucket.by_method);
        add_into(&mut self.by_template, &bucket.by_template);
        for (sum, n) in self.by_level.iter_mut().zip(bucket.by_level) {
            *sum += n;
        }
        add_into(&mut self.by_rollout_reason, &bucket.by_rollout_reason);
        self.shadow += bucket.shadow;
        self.reduction_sum += bucket.reduction_sum;
        self.reduction_count += bucket.reduction_count;
    }
}

/// The hour `now` (seconds since the Unix epoch) falls in.
pub(super) fn hour_of(now: f64) -> i64 {
    (now / SECONDS_PER_HOUR).floor() as i64
}

pub(super) fn validate_retention(hours: u32) -> Result<u32, StatsError> {
    if hours == 0 || hours > MAX_RETENTION_HOURS {
        return Err(invalid(
            "retention_hours",
            hours,
            "a whole number of hours from 1 to 87840",
        ));
    }
    Ok(hours)
}

/// The hourly buckets of the retention window, oldest first.
pub(super) struct Window {
    pub(super) retention_hours: u32,
    hours: VecDeque<HourBucket>,
}

impl Window {
    pub(super) fn new(retention_hours: u32) -> Self {
        Self {
            retention_hours,
            hours: VecDeque::new(),
        }
    }

    fn oldest_kept_hour(&self, hour: i64) -> i64 {
        // Saturating: `now` can be any float, and a cast of an extreme one saturates too.
        hour.saturating_sub(i64::from(self.retention_hours))
            .saturating_add(1)
    }

    fn drop_hours_before(&mut self, oldest: i64) {
        while self
            .hours
            .front()
            .is_some_and(|bucket| bucket.hour < oldest)
        {
            self.hours.pop_front();
        }
    }

    /// The bucket of `hour`, created in order; None when the hour is already outside
    /// the window of the newest bucket (a late record from a skewed clock).
    pub(super) fn bucket(&mut self, hour: i64) -> Option<&mut HourBucket> {
        let newest = self
            .hours
            .back()
            .map_or(hour, |bucket| bucket.hour.max(hour));
        self.drop_hours_before(self.oldest_kept_hour(newest));
        if hour < self.oldest_kept_hour(newest) {
            return None;
        }
        let position = self.hours.iter().rposition(|bucket| bucket.hour <= hour);
        let index = match position {
            Some(index) if self.hours[index].hour == hour => index,
            Some(index) => {
                self.hours.insert(
                    index + 1,
                    HourBucket {
                        hour,
                        ..HourBucket::default()
                    },
                );
                index + 1
            }
            None => {
                self.hours.push_front(HourBucket {
                    hour,
                    ..HourBucket::default()
                });
                0
            }
        };
        self.hours.get_mut(index)
    }

    /// The sum of the buckets of the window that ends at `hour` (read-only: old hours
    /// are dropped by `bucket`, so a sum at any hour loses nothing).
    pub(super) fn totals(&self, hour: i64) -> HourBucket {
        let window = self.oldest_kept_hour(hour)..=hour;
        let mut totals = HourBucket::default();
        for bucket in self
            .hours
            .iter()
            .filter(|bucket| window.contains(&bucket.hour))
        {
            totals.add(bucket);
        }
        totals
    }
}
