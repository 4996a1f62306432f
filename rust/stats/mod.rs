//! Selection statistics and Prometheus counters, recorded on the selection hot path.
//!
//! Two views of the same stream of selections:
//! - a windowed view (`snapshot`): hourly buckets keyed by the hour of the
//!   selection; a snapshot sums the buckets of the last `retention_hours` hours
//!   (the current hour included) and older buckets are dropped. This is what
//!   `get_model_selection_metrics()["selection_stats"]` reports.
//! - a cumulative view (`prometheus_samples`): counters and histograms since
//!   creation (or `reset`), never windowed, as Prometheus expects of counters.
//!
//! The label dimensions are in `labels`, the hourly window in `window` and the
//! cumulative counters and histograms in `histograms`.
//!
//! One mutex guards everything: a record is a handful of array increments, so the
//! critical section is short and every update is exact under any number of
//! threads. Label strings are interned per dimension into dense ids, at most
//! `MAX_LABELS` per dimension.

use std::fmt;

use parking_lot::Mutex;

use crate::scoring::Level;

mod histograms;
mod labels;
mod window;

pub use histograms::{
    HistogramSample, PrometheusSamples, DEFAULT_LATENCY_BUCKETS, DEFAULT_REDUCTION_BUCKETS,
};
pub use labels::{MAX_LABELS, OTHER_LABEL};
pub use window::{Snapshot, MAX_RETENTION_HOURS};

use histograms::{validate_bounds, Cumulative, Observation};
use labels::{bump, Labels};
use window::{hour_of, validate_retention, Window};

/// The complexity levels, by level number (0 SIMPLE, 1 MEDIUM, 2 COMPLEX).
pub const LEVEL_NAMES: [&str; 3] = Level::NAMES;

#[derive(Debug, Clone, PartialEq)]
pub enum StatsError {
    /// An argument outside its allowed values.
    InvalidArgument {
        name: &'static str,
        value: String,
        allowed: &'static str,
    },
}

impl fmt::Display for StatsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidArgument {
                name,
                value,
                allowed,
            } => {
                write!(f, "{name}={value} is not valid: expected {allowed}")
            }
        }
    }
}

impl std::error::Error for StatsError {}

fn invalid(name: &'static str, value: impl fmt::Display, allowed: &'static str) -> StatsError {
    StatsError::InvalidArgument {
        name,
        value: value.to_string(),
        allowed,
    }
}

/// One selection, as the pipeline records it.
#[derive(Debug, Clone, Copy)]
pub struct Selection<'a> {
    pub agent: &'a str,
    /// The model id the caller was given.
    pub model: &'a str,
    /// The model label for Prometheus (already folded to a bounded set by the caller).
    pub metric_model: &'a str,
    pub method: &'a str,
    pub template: &'a str,
    /// 0 SIMPLE, 1 MEDIUM, 2 COMPLEX; None when no task was analysed (it then counts in
    /// the totals but in no complexity bucket).
    pub level: Option<u8>,
    /// Percent of tokens saved against the FULL prompt.
    pub token_reduction: f64,
    pub rollout_reason: &'a str,
    pub shadow: bool,
    pub latency_seconds: f64,
}

struct State {
    agents: Labels,
    models: Labels,
    metric_models: Labels,
    methods: Labels,
    templates: Labels,
    reasons: Labels,
    window: Window,
    cumulative: Cumulative,
}

impl State {
    fn new(retention_hours: u32, latency_bounds: &[f64]) -> Self {
        Self {
            agents: Labels::default(),
            models: Labels::default(),
            metric_models: Labels::default(),
            methods: Labels::default(),
            templates: Labels::default(),
            reasons: Labels::default(),
            window: Window::new(retention_hours),
            cumulative: Cumulative::new(latency_bounds),
        }
    }
}

pub struct SelectionStats {
    reduction_bounds: Vec<f64>,
    latency_bounds: Vec<f64>,
    state: Mutex<State>,
}

impl SelectionStats {
    pub fn new(
        retention_hours: u32,
        reduction_bounds: Vec<f64>,
        latency_bounds: Vec<f64>,
    ) -> Result<Self, StatsError> {
        let retention_hours = validate_retention(retention_hours)?;
        validate_bounds("histogram_buckets", &reduction_bounds)?;
        validate_bounds("latency_buckets", &latency_bounds)?;
        let state = Mutex::new(State::new(retention_hours, &latency_bounds));
        Ok(Self {
            reduction_bounds,
            latency_bounds,
            state,
        })
    }

    pub fn retention_hours(&self) -> u32 {
        self.state.lock().window.retention_hours
    }

    /// Changes the window; buckets already outside it are dropped at the next update.
    pub fn set_retention_hours(&self, hours: u32) -> Result<(), StatsError> {
        self.state.lock().window.retention_hours = validate_retention(hours)?;
        Ok(())
    }

    /// Records one selection made at `now` (seconds since the Unix epoch).
    pub fn record(&self, selection: &Selection<'_>, now: f64) -> Result<(), StatsError> {
        let level = selection.level.map(usize::from);
        if let Some(unknown) = selection
            .level
            .filter(|&l| usize::from(l) >= LEVEL_NAMES.len())
        {
            return Err(invalid(
                "level",
                unknown,
                "0 (SIMPLE), 1 (MEDIUM), 2 (COMPLEX) or None",
            ));
        }
        if !selection.token_reduction.is_finite() {
            return Err(invalid(
                "token_reduction",
                selection.token_reduction,
                "a finite percentage",
            ));
        }
        if !(selection.latency_seconds.is_finite() && selection.latency_seconds >= 0.0) {
            return Err(invalid(
                "latency_seconds",
                selection.latency_seconds,
                "a finite number of seconds >= 0",
            ));
        }
        if !now.is_finite() {
            return Err(invalid("now", now, "finite seconds since the Unix epoch"));
        }
        let hour = hour_of(now);

        let mut state = self.state.lock();
        let state = &mut *state;
        let agent = state.agents.id(selection.agent);
        let model = state.models.id(selection.model);
        let metric_model = state.metric_models.id(selection.metric_model);
        let method = state.methods.id(selection.method);
        let template = state.templates.id(selection.template);
        let reason = state.reasons.id(selection.rollout_reason);

        if let Some(bucket) = state.window.bucket(hour) {
            bucket.total += 1;
            bump(&mut bucket.by_model, model);
            bump(&mut bucket.by_agent, agent);
            bump(&mut bucket.by_method, method);
            bump(&mut bucket.by_template, template);
            if let Some(level) = level {
                bucket.by_level[level] += 1;
            }
            bump(&mut bucket.by_rollout_reason, reason);
            if selection.shadow {
                bucket.shadow += 1;
            } else {
                bucket.reduction_sum += selection.token_reduction;
                bucket.reduction_count += 1;
            }
        }
        let seen = Observation {
            agent,
            metric_model,
            reason,
            level,
            shadow: selection.shadow,
            token_reduction: selection.token_reduction,
            latency_seconds: selection.latency_seconds,
        };
        state
            .cumulative
            .observe(&seen, &self.reduction_bounds, &self.latency_bounds);
        Ok(())
    }

    /// Sums over the hours of the window that ends at `now` (read-only: old hours are
    /// dropped by `record`, so a snapshot at any `now` loses nothing).
    pub fn snapshot(&self, now: f64) -> Result<Snapshot, StatsError> {
        if !now.is_finite() {
            return Err(invalid("now", now, "finite seconds since the Unix epoch"));
        }
        let state = self.state.lock();
        let totals = state.window.totals(hour_of(now));
        let average_token_reduction = if totals.reduction_count == 0 {
            0.0
        } else {
            totals.reduction_sum / totals.reduction_count as f64
        };
        Ok(Snapshot {
            total_selections: totals.total,
            by_model: state.models.named(&totals.by_model),
            by_agent: state.agents.named(&totals.by_agent),
            by_method: state.methods.named(&totals.by_method),
            by_template: state.templates.named(&totals.by_template),
            by_level: totals.by_level,
            by_rollout_reason: state.reasons.named(&totals.by_rollout_reason),
            shadow_decisions: totals.shadow,
            average_token_reduction,
        })
    }

    pub fn prometheus_samples(&self) -> PrometheusSamples {
        let state = self.state.lock();
        state.cumulative.samples(
            &state.agents,
            &state.metric_models,
            &state.reasons,
            &self.reduction_bounds,
            &self.latency_bounds,
        )
    }

    /// Forgets everything, windowed and cumulative.
    pub fn reset(&self) {
        let mut state = self.state.lock();
        *state = State::new(state.window.retention_hours, &self.latency_bounds);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::thread;

    const NOW: f64 = 1_800_000_000.0;

    fn stats(retention_hours: u32) -> SelectionStats {
        SelectionStats::new(
            retention_hours,
            DEFAULT_REDUCTION_BUCKETS.to_vec(),
            DEFAULT_LATENCY_BUCKETS.to_vec(),
        )
        .expect("valid arguments")
    }

    fn selection(agent: &str, level: u8, reduction: f64, shadow: bool) -> Selection<'_> {
        Selection {
            agent,
            model: [
                "claude-3-haiku-20240307",
                "claude-sonnet-4-20250514",
                "claude-4-opus",
            ][usize::from(level)],
            metric_model: ["haiku", "sonnet", "opus"][usize::from(level)],
            method: "dynamic_complexity_based",
            template: ["MINIMAL", "STANDARD", "FULL"][usize::from(level)],
            level: Some(level),
            token_reduction: reduction,
            rollout_reason: "enabled",
            shadow,
            latency_seconds: 3e-6,
        }
    }

    #[test]
    fn empty_snapshot_has_zeros() {
        let snapshot = stats(168).snapshot(NOW).expect("finite");
        assert_eq!(snapshot, Snapshot::default());
        let samples = stats(168).prometheus_samples();
        assert_eq!(samples.latency.count, 0);
        assert_eq!(
            samples.latency.buckets.len(),
            DEFAULT_LATENCY_BUCKETS.len() + 1
        );
    }

    #[test]
    fn snapshot_counts_every_dimension() {
        let s = stats(168);
        s.record(&selection("engineer", 2, 0.0, false), NOW)
            .expect("valid");
        s.record(&selection("qa", 0, 60.0, false), NOW)
            .expect("valid");
        s.record(&selection("qa", 0, 50.0, true), NOW)
            .expect("valid");
        let snapshot = s.snapshot(NOW).expect("finite");
        assert_eq!(snapshot.total_selections, 3);
        assert_eq!(
            snapshot.by_agent,
            vec![("engineer".into(), 1), ("qa".into(), 2)]
        );
        assert_eq!(snapshot.by_level, [2, 0, 1]);
        assert_eq!(
            snapshot.by_template,
            vec![("FULL".into(), 1), ("MINIMAL".into(), 2)]
        );
        assert_eq!(snapshot.shadow_decisions, 1);
        assert_eq!(snapshot.average_token_reduction, 30.0);
    }

    #[test]
    fn old_hours_leave_the_window() {
        let s = stats(2);
        s.record(&selection("qa", 0, 10.0, false), NOW - 2.0 * 3600.0)
            .expect("valid");
        s.record(&selection("qa", 0, 20.0, false), NOW - 3600.0)
            .expect("valid");
        s.record(&selection("qa", 0, 30.0, false), NOW)
            .expect("valid");
        let snapshot = s.snapshot(NOW).expect("finite");
        assert_eq!(snapshot.total_selections, 2);
        assert_eq!(snapshot.average_token_reduction, 25.0);
        assert_eq!(
            s.snapshot(NOW + 3600.0).expect("finite").total_selections,
            1
        );
        assert_eq!(
            s.snapshot(NOW + 2.0 * 3600.0)
                .expect("finite")
                .total_selections,
            0
        );
        assert_eq!(
            s.prometheus_samples().latency.count,
            3,
            "cumulative samples are never windowed"
        );
    }

    #[test]
    fn late_records_land_in_their_own_hour() {
        let s = stats(3);
        s.record(&selection("qa", 0, 10.0, false), NOW)
            .expect("valid");
        s.record(&selection("qa", 0, 10.0, false), NOW - 3600.0)
            .expect("valid");
        s.record(&selection("qa", 0, 10.0, false), NOW - 10.0 * 3600.0)
            .expect("valid");
        assert_eq!(s.snapshot(NOW).expect("finite").total_selections, 2);
        assert_eq!(
            s.snapshot(NOW + 2.0 * 3600.0)
                .expect("finite")
                .total_selections,
            1
        );
    }

    #[test]
    fn histogram_buckets_are_cumulative_and_inclusive() {
        let s = stats(168);
        for reduction in [5.0, 10.0, 10.5, 55.0, 95.0] {
            s.record(&selection("qa", 0, reduction, false), NOW)
                .expect("valid");
        }
        let samples = s.prometheus_samples();
        let (agent, histogram) = &samples.token_reduction[0];
        assert_eq!(agent, "qa");
        let counts: Vec<u64> = histogram.buckets.iter().map(|&(_, n)| n).collect();
        assert_eq!(counts, vec![2, 3, 3, 3, 3, 4, 4, 4, 4, 5]);
        assert_eq!(
            histogram.buckets.last().map(|&(le, _)| le),
            Some(f64::INFINITY)
        );
        assert_eq!((histogram.sum, histogram.count), (175.5, 5));
    }

    #[test]
    fn shadow_decisions_are_counted_apart() {
        let s = stats(168);
        s.record(&selection("qa", 1, 40.0, true), NOW)
            .expect("valid");
        s.record(&selection("qa", 1, 40.0, false), NOW)
            .expect("valid");
        let samples = s.prometheus_samples();
        let key = ("qa".to_owned(), "sonnet".to_owned(), "MEDIUM");
        assert_eq!(samples.optimizations, vec![(key.clone(), 1)]);
        assert_eq!(samples.shadow_decisions, vec![(key, 1)]);
        assert_eq!(samples.token_reduction[0].1.count, 1);
        assert_eq!(samples.latency.count, 2);
    }

    #[test]
    fn labels_beyond_the_limit_fold_into_other() {
        let s = stats(168);
        let names: Vec<String> = (0..MAX_LABELS + 10).map(|i| format!("agent{i}")).collect();
        for name in &names {
            s.record(&selection(name, 0, 10.0, false), NOW)
                .expect("valid");
        }
        let snapshot = s.snapshot(NOW).expect("finite");
        assert_eq!(snapshot.by_agent.len(), MAX_LABELS);
        assert_eq!(
            snapshot.by_agent.last(),
            Some(&(OTHER_LABEL.to_owned(), 11))
        );
    }

    #[test]
    fn bad_arguments_are_rejected() {
        let s = stats(168);
        let unknown_level = Selection {
            level: Some(3),
            ..selection("qa", 0, 10.0, false)
        };
        assert!(s.record(&unknown_level, NOW).is_err());
        assert!(s.record(&selection("qa", 0, f64::NAN, false), NOW).is_err());
        assert!(SelectionStats::new(0, vec![1.0], vec![1.0]).is_err());
        assert!(SelectionStats::new(1, vec![2.0, 1.0], vec![1.0]).is_err());
        assert!(SelectionStats::new(1, vec![1.0], vec![]).is_err());
        assert_eq!(s.snapshot(NOW).expect("finite").total_selections, 0);
    }

    #[test]
    fn extreme_times_do_not_overflow() {
        let s = stats(168);
        s.record(&selection("qa", 0, 10.0, false), -1e300)
            .expect("finite");
        s.record(&selection("qa", 0, 10.0, false), 1e300)
            .expect("finite");
        // The later record's window no longer reaches the earlier one's hour.
        assert_eq!(s.snapshot(1e300).expect("finite").total_selections, 1);
        assert_eq!(s.snapshot(-1e300).expect("finite").total_selections, 0);
        for now in [f64::NEG_INFINITY, f64::INFINITY, f64::NAN] {
            assert!(s.snapshot(now).is_err());
        }
        assert_eq!(s.prometheus_samples().latency.count, 2);
    }

    #[test]
    fn unanalysed_selections_count_in_totals_but_no_complexity_bucket() {
        let s = stats(168);
        let unanalysed = Selection {
            level: None,
            ..selection("qa", 0, 0.0, false)
        };
        s.record(&unanalysed, NOW).expect("valid");
        let snapshot = s.snapshot(NOW).expect("finite");
        assert_eq!(
            (snapshot.total_selections, snapshot.by_level),
            (1, [0, 0, 0])
        );
        assert!(s.prometheus_samples().optimizations.is_empty());
    }

    #[test]
    fn reset_forgets_everything() {
        let s = stats(168);
        s.record(&selection("qa", 0, 10.0, false), NOW)
            .expect("valid");
        s.reset();
        assert_eq!(s.snapshot(NOW).expect("finite"), Snapshot::default());
        assert!(s.prometheus_samples().optimizations.is_empty());
    }

    #[test]
    fn updates_are_exact_under_eight_threads() {
        let s = Arc::new(stats(168));
        let workers: Vec<_> = (0..8u8)
            .map(|t| {
                let s = Arc::clone(&s);
                thread::spawn(move || {
                    for i in 0..10_000u32 {
                        let agent = ["qa", "engineer", "ops"][(i % 3) as usize];
                        s.record(&selection(agent, t % 3, 20.0, i % 10 == 0), NOW)
                            .expect("valid");
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join().expect("worker");
        }
        let snapshot = s.snapshot(NOW).expect("finite");
        assert_eq!(snapshot.total_selections, 80_000);
        assert_eq!(snapshot.shadow_decisions, 8_000);
        assert_eq!(snapshot.by_level, [30_000, 30_000, 20_000]);
        let samples = s.prometheus_samples();
        assert_eq!(samples.latency.count, 80_000);
        assert_eq!(
            samples.optimizations.iter().map(|(_, n)| n).sum::<u64>(),
            72_000
        );
    }
}
