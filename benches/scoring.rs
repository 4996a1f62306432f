//! Criterion benchmarks of the pure-Rust engine: scoring and analysing one task, the
//! routing decision (rollout plan and choice), and the prompt cache's get and set. `cargo bench` runs them (no Python involved); the
//! Python-level benchmarks and the instruction counts live beside them in this folder.

use std::hint::black_box;
use std::sync::Arc;

use _core::cache::{CacheConfig, PromptCache, Ttl};
use _core::router::{user_bucket, AgentRoute, Gates, Plan, Reason, Routes, MINUTES_PER_DAY};
use _core::scoring::{CallerFacts, Scorer, ScoringRules, Thresholds};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// A mix of look-ups, bounded work and system work, in several languages and scripts.
const TASKS: &[&str] = &[
    "List files",
    "Implement feature",
    "Refactor system",
    "Show the running containers on the staging host",
    "Fix the race in the session cache and add a regression test for it",
    "Plan the migration of every tenant database to the new cluster, with a rollback path",
    "1. Reproduce the timeout. 2. Profile the handler. 3. Optimise the slow query.",
    "Which team owns the billing integration?",
    "Entwirf die Architektur für die gesamte Zahlungsplattform",
    "Corrige la faute de frappe dans le titre",
    "把支付服务的所有接口迁移到新的网关",
    "ステージングの DB はいつ再起動しましたか？",
];

fn scorer() -> Scorer {
    let thresholds = Thresholds::new(30, 70).expect("the default thresholds are valid");
    Scorer::new(Arc::new(ScoringRules::default_rules()), thresholds)
}

fn scoring(c: &mut Criterion) {
    let scorer = scorer();
    let mut group = c.benchmark_group("scoring");
    group.throughput(Throughput::Elements(TASKS.len() as u64));
    group.bench_function("score", |b| {
        let mut buf = String::new();
        b.iter(|| {
            for task in TASKS {
                black_box(scorer.score(black_box(task), &mut buf));
            }
        })
    });
    group.bench_function("analyze", |b| {
        let facts = CallerFacts::default();
        b.iter(|| {
            for task in TASKS {
                black_box(scorer.analyze(black_box(task), &facts));
            }
        })
    });
    group.finish();
    c.bench_function("rules/compile_default", |b| {
        b.iter(|| black_box(ScoringRules::default_rules()))
    });
}

fn cache(c: &mut Criterion) {
    let config = CacheConfig {
        max_entries: 10_000,
        max_bytes: 64 << 20,
        default_ttl: None,
    };
    let cache: PromptCache<String> = PromptCache::new(config).expect("the cache config is valid");
    let keys: Vec<String> = (0..1_000).map(|i| format!("prompt:engineer:{i}")).collect();
    for key in &keys {
        cache
            .set(key, "x".repeat(2_000), 2_000, Ttl::Default)
            .expect("the entry fits");
    }
    let mut group = c.benchmark_group("cache");
    group.bench_function("get_hit", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % keys.len();
            black_box(cache.get(&keys[i]))
        })
    });
    group.bench_function("set", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % keys.len();
            cache
                .set(&keys[i], "y".repeat(2_000), 2_000, Ttl::Default)
                .expect("the entry fits")
        })
    });
    group.finish();
}

/// The decision after scoring: a gated rollout (window and percentage, with the md5
/// bucket of a user id) and the choice of model, tier and template for the level.
fn routing(c: &mut Criterion) {
    let scorer = scorer();
    let routes = Routes::one_per_level(false);
    let agent = AgentRoute {
        default_model: 2,
        default_tier: 2,
        forced: None,
        plan: Plan::Gated(Gates {
            open_minutes: Some(vec![true; MINUTES_PER_DAY]),
            percentage: Some(50.0),
        }),
    };
    let users: Vec<String> = (0..TASKS.len()).map(|i| format!("user-{i}")).collect();
    let mut group = c.benchmark_group("routing");
    group.throughput(Throughput::Elements(TASKS.len() as u64));
    group.bench_function("decide_and_choose", |b| {
        b.iter(|| {
            for user in &users {
                let rollout = agent
                    .plan
                    .decide(Some(user), Some(600), |id| user_bucket(id.as_bytes()))
                    .unwrap_or(Reason::OutsideWindow);
                black_box(routes.choose(
                    &agent,
                    rollout,
                    Some(_core::scoring::Level::Medium),
                    None,
                ));
            }
        })
    });
    group.bench_function("score_decide_and_choose", |b| {
        let facts = CallerFacts::default();
        b.iter(|| {
            for (task, user) in TASKS.iter().zip(&users) {
                let level = scorer.analyze(task, &facts).level;
                let rollout = agent
                    .plan
                    .decide(Some(user), Some(600), |id| user_bucket(id.as_bytes()))
                    .unwrap_or(Reason::OutsideWindow);
                black_box(routes.choose(&agent, rollout, Some(level), None));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, scoring, routing, cache);
criterion_main!(benches);
