//! The cumulative view: Prometheus counters and histograms since creation (or
//! `reset`), never windowed, as Prometheus expects of counters.

use super::labels::{bump, Labels};
use super::{invalid, StatsError, LEVEL_NAMES};

/// Token-reduction percent bounds.
pub const DEFAULT_REDUCTION_BUCKETS: [f64; 9] =
    [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0];
/// Seconds; a warm selection takes a few microseconds, a cold one up to milliseconds.
pub const DEFAULT_LATENCY_BUCKETS: [f64; 12] = [
    1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 5e-3, 2.5e-2,
];

/// A Prometheus histogram: `buckets` pairs each upper bound with the cumulative
/// count of observations `<=` it; the `+Inf` bucket equals `count`.
#[derive(Debug, Clone, PartialEq)]
pub struct HistogramSample {
    pub buckets: Vec<(f64, u64)>,
    pub sum: f64,
    pub count: u64,
}

/// Cumulative samples since creation or `reset`.
#[derive(Debug, Clone, PartialEq)]
pub struct PrometheusSamples {
    /// (agent, metric_model, level name) -> non-shadow selections.
    pub optimizations: Vec<((String, String, &'static str), u64)>,
    /// Same keys, shadow-mode decisions.
    pub shadow_decisions: Vec<((String, String, &'static str), u64)>,
    /// Per agent, non-shadow token reductions.
    pub token_reduction: Vec<(String, HistogramSample)>,
    /// Every selection, shadow included.
    pub latency: HistogramSample,
    pub rollout_reasons: Vec<(String, u64)>,
}

#[derive(Clone)]
pub(super) struct Histogram {
    /// Non-cumulative: `counts[i]` observations fell in bucket i; the last is +Inf.
    counts: Vec<u64>,
    sum: f64,
}

impl Histogram {
    pub(super) fn new(bounds: &[f64]) -> Self {
        Self {
            counts: vec![0; bounds.len() + 1],
            sum: 0.0,
        }
    }

    pub(super) fn observe(&mut self, bounds: &[f64], value: f64) {
        self.counts[bounds.partition_point(|&bound| bound < value)] += 1;
        self.sum += value;
    }

    fn is_empty(&self) -> bool {
        !self.counts.iter().any(|&n| n > 0)
    }

    pub(super) fn sample(&self, bounds: &[f64]) -> HistogramSample {
        let mut running = 0;
        let mut buckets = Vec::with_capacity(self.counts.len());
        for (bound, n) in bounds.iter().chain([&f64::INFINITY]).zip(&self.counts) {
            running += n;
            buckets.push((*bound, running));
        }
        HistogramSample {
            buckets,
            sum: self.sum,
            count: running,
        }
    }
}

pub(super) fn validate_bounds(name: &'static str, bounds: &[f64]) -> Result<(), StatsError> {
    let increasing = bounds.windows(2).all(|pair| pair[0] < pair[1]);
    if bounds.is_empty() || !increasing || !bounds.iter().all(|bound| bound.is_finite()) {
        return Err(invalid(
            name,
            format!("{bounds:?}"),
            "a non-empty, strictly increasing sequence of finite numbers",
        ));
    }
    Ok(())
}

/// Counts per [agent][metric_model][level].
type LevelTable = Vec<Vec<[u64; 3]>>;

fn level_cell(table: &mut LevelTable, agent: usize, model: usize) -> &mut [u64; 3] {
    if table.len() <= agent {
        table.resize_with(agent + 1, Vec::new);
    }
    let row = &mut table[agent];
    if row.len() <= model {
        row.resize(model + 1, [0; 3]);
    }
    &mut row[model]
}

/// One selection as the cumulative view counts it, its labels already ids.
pub(super) struct Observation {
    pub(super) agent: usize,
    pub(super) metric_model: usize,
    pub(super) reason: usize,
    pub(super) level: Option<usize>,
    pub(super) shadow: bool,
    pub(super) token_reduction: f64,
    pub(super) latency_seconds: f64,
}

/// The counters and histograms, indexed by label id.
pub(super) struct Cumulative {
    /// Non-shadow and shadow selections.
    optimizations: LevelTable,
    shadow_decisions: LevelTable,
    reduction: Vec<Histogram>,
    latency: Histogram,
    rollout_reasons: Vec<u64>,
}

impl Cumulative {
    pub(super) fn new(latency_bounds: &[f64]) -> Self {
        Self {
            optimizations: Vec::new(),
            shadow_decisions: Vec::new(),
            reduction: Vec::new(),
            latency: Histogram::new(latency_bounds),
            rollout_reasons: Vec::new(),
        }
    }

    pub(super) fn observe(
        &mut self,
        seen: &Observation,
        reduction_bounds: &[f64],
        latency_bounds: &[f64],
    ) {
        let table = if seen.shadow {
            &mut self.shadow_decisions
        } else {
            &mut self.optimizations
        };
        if let Some(level) = seen.level {
            level_cell(table, seen.agent, seen.metric_model)[level] += 1;
        }
        if !seen.shadow {
            if self.reduction.len() <= seen.agent {
                self.reduction
                    .resize(seen.agent + 1, Histogram::new(reduction_bounds));
            }
            self.reduction[seen.agent].observe(reduction_bounds, seen.token_reduction);
        }
        self.latency.observe(latency_bounds, seen.latency_seconds);
        bump(&mut self.rollout_reasons, seen.reason);
    }

    /// The samples with labels resolved to their names.
    pub(super) fn samples(
        &self,
        agents: &Labels,
        metric_models: &Labels,
        reasons: &Labels,
        reduction_bounds: &[f64],
        latency_bounds: &[f64],
    ) -> PrometheusSamples {
        let by_labels = |table: &LevelTable| {
            let mut samples = Vec::new();
            for (agent, row) in table.iter().enumerate() {
                for (model, levels) in row.iter().enumerate() {
                    for (level, &n) in levels.iter().enumerate().filter(|(_, &n)| n > 0) {
                        let labels = (
                            agents.name(agent),
                            metric_models.name(model),
                            LEVEL_NAMES[level],
                        );
                        samples.push((labels, n));
                    }
                }
            }
            samples
        };
        PrometheusSamples {
            optimizations: by_labels(&self.optimizations),
            shadow_decisions: by_labels(&self.shadow_decisions),
            token_reduction: self
                .reduction
                .iter()
                .enumerate()
                .filter(|(_, histogram)| !histogram.is_empty())
                .map(|(agent, histogram)| (agents.name(agent), histogram.sample(reduction_bounds)))
                .collect(),
            latency: self.latency.sample(latency_bounds),
            rollout_reasons: reasons.named(&self.rollout_reasons),
        }
    }
}
