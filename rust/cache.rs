//! The shared prompt cache: a thread-safe map from text keys to values, bounded by
//! entry count and by bytes, with a time to live per entry, over quick_cache's
//! sharded cache (CLOCK-PRO eviction: entries read since they were stored survive a
//! scan of new ones). Eviction happens inside the insert that needs the room, so the
//! bounds hold after every call; there is no background thread.
//!
//! Two bounds through one weigher: quick_cache bounds a total weight, so each entry
//! is charged `max(its bytes, quota)` with `quota = max_bytes / max_entries`
//! against a capacity of at most `max_entries * quota` and `max_bytes`, split evenly
//! among the shards. At most `max_entries` entries fit, and the bytes held never
//! exceed `max_bytes`. An
//! entry's bytes are its key's UTF-8 length plus the value size the caller declares.
//! Each shard holds an equal share of both bounds, so a cache with several shards
//! may evict slightly before the whole cache is full; caches under 64 entries have
//! one shard.
//!
//! Time to live is checked on every read: an expired entry is never returned, and
//! the read that finds it removes it. `stats` sweeps the remaining expired entries
//! first, so `expirations`, `entries` and `bytes` are exact when read.
//!
//! Counters are exact. Every removal passes through this module: eviction and
//! replacement arrive through the lifecycle hook of the insert that caused them,
//! explicit removals through `remove`/`retain`. Removing or replacing an entry whose
//! time to live has passed counts as an expiration, never as a delete, invalidation
//! or eviction.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

use quick_cache::sync::Cache;
use quick_cache::{DefaultHashBuilder, Lifecycle, OptionsBuilder, Weighter};

/// A time to live longer than this is treated as this: a century is "never" for
/// a process, and clamping keeps `Instant` arithmetic from overflowing.
const LONGEST_TTL: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// Few shards: each shard gets an equal share of the byte bound, and the largest
/// entry must fit one shard's share. Four keep writers on different keys apart
/// while allowing entries up to about a quarter of the bound.
const SHARDS: usize = 4;

/// quick_cache's default share of a shard reserved for hot entries; an entry heavier
/// than that share is not admitted, so it bounds the largest entry.
const HOT_ALLOCATION: f64 = 0.97;

#[derive(Debug, Clone, PartialEq)]
pub enum CacheError {
    /// A constructor argument is out of range.
    InvalidSetting {
        name: &'static str,
        value: String,
        allowed: &'static str,
    },
    /// An entry larger than the cache can ever hold.
    EntryTooLarge { key: String, bytes: u64, limit: u64 },
    /// A glob pattern that does not parse.
    InvalidPattern { pattern: String, reason: String },
}

impl fmt::Display for CacheError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidSetting {
                name,
                value,
                allowed,
            } => {
                write!(f, "{name}={value} is not valid: expected {allowed}")
            }
            Self::EntryTooLarge { key, bytes, limit } => write!(
                f,
                "the entry for key {key:?} takes {bytes} bytes (key plus value), more than the \
                 {limit} bytes the cache admits for one entry (97% of one shard's share of the \
                 byte bound: about a quarter of it, or all of it under 64 entries); it was not stored"
            ),
            Self::InvalidPattern { pattern, reason } => {
                write!(f, "pattern {pattern:?} is not a valid glob: {reason}")
            }
        }
    }
}

impl std::error::Error for CacheError {}

/// How long one entry lives.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ttl {
    /// The cache's default time to live.
    Default,
    /// The entry never expires (it can still be evicted).
    Never,
    /// The entry expires this long after it was stored.
    After(Duration),
}

impl Ttl {
    /// Seconds from a caller: 0 or +infinity mean never, a positive finite number
    /// is a duration; negative numbers and NaN are rejected.
    pub fn from_seconds(name: &'static str, seconds: f64) -> Result<Self, CacheError> {
        if seconds.is_nan() || seconds < 0.0 {
            return Err(CacheError::InvalidSetting {
                name,
                value: seconds.to_string(),
                allowed: "a number of seconds > 0, or 0 / infinity for no expiry",
            });
        }
        if seconds == 0.0 || seconds.is_infinite() {
            return Ok(Self::Never);
        }
        let duration = Duration::try_from_secs_f64(seconds).unwrap_or(LONGEST_TTL);
        Ok(Self::After(duration.min(LONGEST_TTL)))
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CacheConfig {
    pub max_entries: u64,
    pub max_bytes: u64,
    /// `None`: entries stored without an explicit ttl never expire.
    pub default_ttl: Option<Duration>,
}

/// A consistent reading of the counters, taken after expired entries were swept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
    pub sets: u64,
    pub deletes: u64,
    pub evictions: u64,
    pub expirations: u64,
    pub invalidations: u64,
    pub entries: u64,
    pub bytes: u64,
}

/// A value as the cache holds it; a hit hands out a clone of the `Arc`.
#[derive(Debug)]
pub struct Stored<V> {
    value: V,
    bytes: u64,
    charge: u64,
    expires_at: Option<Instant>,
}

impl<V> Stored<V> {
    pub fn value(&self) -> &V {
        &self.value
    }

    fn is_expired(&self, now: Instant) -> bool {
        self.expires_at.is_some_and(|deadline| now >= deadline)
    }
}

type Entry<V> = (String, Arc<Stored<V>>);

#[derive(Clone)]
struct ChargeWeigher;

impl<V> Weighter<String, Arc<Stored<V>>> for ChargeWeigher {
    fn weight(&self, _key: &String, stored: &Arc<Stored<V>>) -> u64 {
        stored.charge
    }
}

/// Hands every entry an insert pushes out (evicted or replaced) back to `set`,
/// which classifies it and drops it after the shard lock is released.
struct CollectRemoved<V>(std::marker::PhantomData<V>);

impl<V> Clone for CollectRemoved<V> {
    fn clone(&self) -> Self {
        Self(std::marker::PhantomData)
    }
}

impl<V> Lifecycle<String, Arc<Stored<V>>> for CollectRemoved<V> {
    type RequestState = Vec<Entry<V>>;

    fn on_evict(&self, removed: &mut Self::RequestState, key: String, stored: Arc<Stored<V>>) {
        removed.push((key, stored));
    }
}

#[derive(Default)]
struct Counters {
    hits: AtomicU64,
    misses: AtomicU64,
    sets: AtomicU64,
    deletes: AtomicU64,
    evictions: AtomicU64,
    expirations: AtomicU64,
    invalidations: AtomicU64,
    entries: AtomicU64,
    bytes: AtomicU64,
}

impl Counters {
    fn on_added<V>(&self, stored: &Stored<V>) {
        self.entries.fetch_add(1, Relaxed);
        self.bytes.fetch_add(stored.bytes, Relaxed);
    }

    /// Accounts for a removed entry: an expired one counts as an expiration,
    /// a live one in `live_counter` (if any). True when it was live.
    fn on_removed<V>(
        &self,
        stored: &Stored<V>,
        now: Instant,
        live_counter: Option<&AtomicU64>,
    ) -> bool {
        self.entries.fetch_sub(1, Relaxed);
        self.bytes.fetch_sub(stored.bytes, Relaxed);
        if stored.is_expired(now) {
            self.expirations.fetch_add(1, Relaxed);
            return false;
        }
        if let Some(counter) = live_counter {
            counter.fetch_add(1, Relaxed);
        }
        true
    }
}

type Map<V> = Cache<String, Arc<Stored<V>>, ChargeWeigher, DefaultHashBuilder, CollectRemoved<V>>;

pub struct PromptCache<V> {
    map: Map<V>,
    counters: Counters,
    config: CacheConfig,
    quota: u64,
    max_entry_bytes: u64,
}

impl<V: Send + Sync + 'static> PromptCache<V> {
    pub fn new(config: CacheConfig) -> Result<Self, CacheError> {
        for (name, value) in [
            ("max_entries", config.max_entries),
            ("max_bytes", config.max_bytes),
        ] {
            if value == 0 {
                return Err(CacheError::InvalidSetting {
                    name,
                    value: "0".into(),
                    allowed: "an integer >= 1",
                });
            }
        }
        let quota = (config.max_bytes / config.max_entries).max(1);
        let mut capacity = config
            .max_entries
            .saturating_mul(quota)
            .min(config.max_bytes);
        let mut map = build_map(config.max_entries, capacity);
        let shards = map.num_shards() as u64;
        if capacity % shards != 0 {
            // quick_cache rounds each shard's share up; an even split keeps the total within the bound.
            capacity = capacity / shards * shards;
            map = build_map(config.max_entries, capacity);
        }
        let shard_capacity = map.shard_capacity();
        let hot_share = ((shard_capacity as f64 * HOT_ALLOCATION) as u64)
            .clamp(shard_capacity.min(1), shard_capacity);
        let quota = quota.min(hot_share.max(1));
        Ok(Self {
            map,
            counters: Counters::default(),
            config,
            quota,
            max_entry_bytes: hot_share,
        })
    }

    pub fn config(&self) -> CacheConfig {
        self.config
    }

    /// The largest entry (key plus value bytes) the cache admits.
    pub fn max_entry_bytes(&self) -> u64 {
        self.max_entry_bytes
    }

    pub fn get(&self, key: &str) -> Option<Arc<Stored<V>>> {
        let found = self.map.get(key).and_then(|stored| {
            let Some(deadline) = stored.expires_at else {
                return Some(stored);
            };
            let now = Instant::now();
            if now < deadline {
                return Some(stored);
            }
            if let Some((_, removed)) = self
                .map
                .remove_if(key, |current| Arc::ptr_eq(current, &stored))
            {
                self.counters.on_removed(&removed, now, None);
            }
            None
        });
        let counter = if found.is_some() {
            &self.counters.hits
        } else {
            &self.counters.misses
        };
        counter.fetch_add(1, Relaxed);
        found
    }

    /// Stores `value`, which the caller says takes `value_bytes` bytes.
    pub fn set(&self, key: &str, value: V, value_bytes: u64, ttl: Ttl) -> Result<(), CacheError> {
        let bytes = (key.len() as u64).saturating_add(value_bytes);
        if bytes > self.max_entry_bytes {
            return Err(CacheError::EntryTooLarge {
                key: key.to_owned(),
                bytes,
                limit: self.max_entry_bytes,
            });
        }
        let ttl = match ttl {
            Ttl::Default => self.config.default_ttl,
            Ttl::Never => None,
            Ttl::After(duration) => Some(duration),
        };
        let now = Instant::now();
        let expires_at = ttl.and_then(|ttl| now.checked_add(ttl));
        let stored = Arc::new(Stored {
            value,
            bytes,
            charge: bytes.max(self.quota),
            expires_at,
        });
        self.counters.on_added(&stored);
        let mut removed = Vec::new();
        self.map
            .insert_with_lifecycle(key.to_owned(), stored, &mut removed);
        self.counters.sets.fetch_add(1, Relaxed);
        for (removed_key, removed_value) in &removed {
            let pushed_out = (removed_key != key).then_some(&self.counters.evictions);
            self.counters.on_removed(removed_value, now, pushed_out);
        }
        Ok(())
    }

    /// Removes `key`; true when a live entry was removed.
    pub fn delete(&self, key: &str) -> bool {
        self.map.remove(key).is_some_and(|(_, stored)| {
            self.counters
                .on_removed(&stored, Instant::now(), Some(&self.counters.deletes))
        })
    }

    /// Removes every live entry whose key matches the glob `pattern` (`*`, `?`,
    /// `[abc]`, `[!abc]`; `*` also matches `/`) and returns how many.
    pub fn invalidate(&self, pattern: &str) -> Result<u64, CacheError> {
        let glob = glob::Pattern::new(pattern).map_err(|error| CacheError::InvalidPattern {
            pattern: pattern.to_owned(),
            reason: error.msg.to_owned(),
        })?;
        Ok(self.remove_where(|key| glob.matches(key), &self.counters.invalidations))
    }

    /// Removes every entry, counted as invalidations (as 1.x did); returns how many
    /// live entries were removed.
    pub fn clear(&self) -> u64 {
        self.remove_where(|_| true, &self.counters.invalidations)
    }

    pub fn stats(&self) -> CacheStats {
        let now = Instant::now();
        let counters = &self.counters;
        self.map.retain(|_, stored| {
            let live = !stored.is_expired(now);
            if !live {
                counters.on_removed(stored, now, None);
            }
            live
        });
        CacheStats {
            hits: counters.hits.load(Relaxed),
            misses: counters.misses.load(Relaxed),
            sets: counters.sets.load(Relaxed),
            deletes: counters.deletes.load(Relaxed),
            evictions: counters.evictions.load(Relaxed),
            expirations: counters.expirations.load(Relaxed),
            invalidations: counters.invalidations.load(Relaxed),
            entries: counters.entries.load(Relaxed),
            bytes: counters.bytes.load(Relaxed),
        }
    }

    fn remove_where(&self, matches: impl Fn(&str) -> bool, live_counter: &AtomicU64) -> u64 {
        let now = Instant::now();
        let removed_live = AtomicU64::new(0);
        self.map.retain(|key, stored| {
            if !matches(key) {
                return true;
            }
            if self.counters.on_removed(stored, now, Some(live_counter)) {
                removed_live.fetch_add(1, Relaxed);
            }
            false
        });
        removed_live.into_inner()
    }
}

fn build_map<V>(max_entries: u64, capacity: u64) -> Map<V> {
    let options = OptionsBuilder::new()
        .shards(SHARDS)
        .estimated_items_capacity(usize::try_from(max_entries).unwrap_or(usize::MAX))
        .weight_capacity(capacity)
        .hot_allocation(HOT_ALLOCATION)
        .build();
    // The builder only fails for options left unset, and all are set above.
    let options = options.expect("every cache option is set");
    Cache::with_options(
        options,
        ChargeWeigher,
        DefaultHashBuilder::default(),
        CollectRemoved(std::marker::PhantomData),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread;

    fn cache(max_entries: u64, max_bytes: u64, ttl: Option<Duration>) -> PromptCache<String> {
        let config = CacheConfig {
            max_entries,
            max_bytes,
            default_ttl: ttl,
        };
        PromptCache::new(config).expect("valid config")
    }

    fn put(cache: &PromptCache<String>, key: &str, value: &str) {
        cache
            .set(key, value.to_owned(), value.len() as u64, Ttl::Default)
            .expect("fits");
    }

    fn value(cache: &PromptCache<String>, key: &str) -> Option<String> {
        cache.get(key).map(|stored| stored.value().clone())
    }

    #[test]
    fn a_hit_returns_the_stored_value_and_counts() {
        let c = cache(10, 1000, None);
        put(&c, "k", "v");
        assert_eq!(value(&c, "k").as_deref(), Some("v"));
        assert_eq!(value(&c, "absent"), None);
        let stats = c.stats();
        assert_eq!((stats.hits, stats.misses, stats.sets), (1, 1, 1));
        assert_eq!((stats.entries, stats.bytes), (1, 2));
    }

    #[test]
    fn entry_bound_holds_and_read_entries_survive_a_scan() {
        let c = cache(50, 1_000_000, None);
        for i in 0..50 {
            put(&c, &format!("kept{i}"), "x");
        }
        for i in 0..50 {
            assert!(c.get(&format!("kept{i}")).is_some());
        }
        for i in 0..200 {
            put(&c, &format!("scan{i}"), "x");
            assert!(c.counters.entries.load(Relaxed) <= 50, "after scan set {i}");
        }
        let survivors = (0..50)
            .filter(|i| c.get(&format!("kept{i}")).is_some())
            .count();
        assert!(
            survivors >= 40,
            "only {survivors} of the read entries survived"
        );
        let stats = c.stats();
        assert_eq!(stats.entries + stats.evictions, 250);
    }

    #[test]
    fn byte_bound_is_never_exceeded() {
        let c = cache(1000, 10_001, None);
        assert_eq!(c.map.num_shards(), SHARDS);
        for i in 0..500 {
            let text = "x".repeat(37 + (i * 7919) % 900);
            put(&c, &format!("key{i}"), &text);
            assert!(c.counters.bytes.load(Relaxed) <= 10_001, "after set {i}");
        }
        let stats = c.stats();
        assert!(stats.bytes <= 10_001 && stats.evictions > 0);
    }

    #[test]
    fn overwriting_a_key_evicts_nothing_else() {
        let c = cache(4, 4000, None);
        for key in ["a", "b", "c", "d"] {
            put(&c, key, &"y".repeat(900));
        }
        for round in 0..200 {
            put(&c, "a", &"z".repeat(900 + round % 50));
        }
        let stats = c.stats();
        assert_eq!((stats.entries, stats.evictions), (4, 0));
        assert_eq!(value(&c, "a").map(|v| v.len()), Some(949));
    }

    #[test]
    fn an_entry_larger_than_the_bound_is_refused() {
        let c = cache(10, 100, None);
        let error = c.set("big", String::new(), 200, Ttl::Default).unwrap_err();
        assert!(matches!(
            error,
            CacheError::EntryTooLarge {
                bytes: 203,
                limit: 97,
                ..
            }
        ));
        assert!(error.to_string().contains("\"big\""));
        assert_eq!(c.stats().sets, 0);
    }

    #[test]
    fn both_bounds_hold_with_a_quota_that_does_not_divide() {
        let c = cache(3, 1_000_000, None);
        assert_eq!(c.quota, 333_333);
        put(&c, "d", "v");
        for key in ["a", "b", "c"] {
            put(&c, key, "v");
        }
        let stats = c.stats();
        assert_eq!((stats.entries, stats.evictions), (3, 1));
        let tiny = cache(10, 5, None);
        for key in ["a", "b", "c", "d"] {
            put(&tiny, key, "");
        }
        let stats = tiny.stats();
        assert!(stats.entries <= 5 && stats.bytes <= 5);
    }

    #[test]
    fn entries_expire_after_their_ttl() {
        let c = cache(10, 1000, Some(Duration::from_millis(30)));
        put(&c, "short", "v");
        c.set("forever", "v".into(), 1, Ttl::Never).expect("fits");
        c.set("long", "v".into(), 1, Ttl::After(Duration::from_secs(60)))
            .expect("fits");
        thread::sleep(Duration::from_millis(60));
        assert!(c.get("short").is_none());
        assert!(c.get("forever").is_some() && c.get("long").is_some());
        let stats = c.stats();
        assert_eq!(
            (
                stats.expirations,
                stats.entries,
                stats.bytes,
                stats.evictions
            ),
            (1, 2, 13, 0)
        );
    }

    #[test]
    fn deleting_an_expired_entry_counts_an_expiration() {
        let c = cache(10, 1000, Some(Duration::from_millis(20)));
        put(&c, "k", "v");
        thread::sleep(Duration::from_millis(40));
        assert!(!c.delete("k"));
        let stats = c.stats();
        assert_eq!((stats.deletes, stats.expirations, stats.entries), (0, 1, 0));
    }

    #[test]
    fn glob_invalidation_counts_what_it_removed() {
        let c = cache(100, 100_000, None);
        for key in ["agent:qa:1", "agent:qa:2", "agent:ops:1", "other"] {
            put(&c, key, "v");
        }
        assert_eq!(c.invalidate("agent:qa:*").expect("valid"), 2);
        assert_eq!(c.invalidate("agent:?ps:[0-9]").expect("valid"), 1);
        assert!(c.get("other").is_some());
        assert_eq!(c.stats().invalidations, 3);
        assert!(matches!(
            c.invalidate("[unclosed"),
            Err(CacheError::InvalidPattern { .. })
        ));
    }

    #[test]
    fn delete_and_clear_count_separately() {
        let c = cache(100, 100_000, None);
        for key in ["a", "b", "c"] {
            put(&c, key, "v");
        }
        assert!(c.delete("a"));
        assert!(!c.delete("a"));
        assert_eq!(c.clear(), 2);
        let stats = c.stats();
        assert_eq!(
            (
                stats.deletes,
                stats.invalidations,
                stats.entries,
                stats.bytes
            ),
            (1, 2, 0, 0)
        );
    }

    #[test]
    fn ttl_seconds_are_validated() {
        assert_eq!(Ttl::from_seconds("ttl", 0.0), Ok(Ttl::Never));
        assert_eq!(Ttl::from_seconds("ttl", f64::INFINITY), Ok(Ttl::Never));
        assert_eq!(Ttl::from_seconds("ttl", 1e300), Ok(Ttl::After(LONGEST_TTL)));
        assert_eq!(
            Ttl::from_seconds("ttl", 0.5),
            Ok(Ttl::After(Duration::from_millis(500)))
        );
        assert!(Ttl::from_seconds("ttl", -1.0).is_err());
        assert!(Ttl::from_seconds("ttl", f64::NAN).is_err());
    }

    #[test]
    fn zero_bounds_are_rejected() {
        let config = CacheConfig {
            max_entries: 0,
            max_bytes: 10,
            default_ttl: None,
        };
        assert!(PromptCache::<String>::new(config).is_err());
        let config = CacheConfig {
            max_entries: 10,
            max_bytes: 0,
            default_ttl: None,
        };
        assert!(PromptCache::<String>::new(config).is_err());
    }

    #[test]
    fn counters_are_exact_under_eight_threads() {
        let c = Arc::new(cache(64, 1_000_000, None));
        let handles: Vec<_> = (0..8)
            .map(|t| {
                let c = Arc::clone(&c);
                thread::spawn(move || {
                    let (mut hits, mut misses) = (0u64, 0u64);
                    for i in 0..5000 {
                        let key = format!("k{}", (i * 31 + t * 7) % 200);
                        if i % 3 == 0 {
                            put(&c, &key, "value");
                        } else if c.get(&key).is_some() {
                            hits += 1;
                        } else {
                            misses += 1;
                        }
                    }
                    (hits, misses)
                })
            })
            .collect();
        let (mut hits, mut misses) = (0, 0);
        for handle in handles {
            let (h, m) = handle.join().expect("worker");
            hits += h;
            misses += m;
        }
        let stats = c.stats();
        assert_eq!((stats.hits, stats.misses), (hits, misses));
        assert_eq!(stats.sets, 8 * 1667);
        assert!(stats.entries <= 64);
    }
}
