//! The shared prompt cache: a thread-safe map from text keys to values, bounded by
//! entry count and by bytes, with a time to live per entry, over moka's
//! concurrent cache (LRU policy; maintenance is amortised over the callers'
//! operations, there is no background thread).
//!
//! Two bounds through one weigher: moka bounds a single total weight, so each
//! entry is charged `max(its bytes, quota)` with `quota = max_bytes / max_entries`
//! (at least 1) against a capacity of `min(max_entries * quota, max_bytes)`.
//! `max_entries` entries of at most `quota` bytes fit exactly, and the bytes held
//! can never exceed `max_bytes`. An entry's bytes are its key's UTF-8 length plus
//! the value size the caller declares.
//!
//! Counters are exact: the caller-side operations count hits, misses, sets,
//! deletes and invalidations; moka's eviction listener counts evictions and
//! expirations with the removal cause it reports. Removing an entry whose time to
//! live has already passed counts as an expiration, never as a delete.
//!
//! An expired entry is never returned. Its removal (and so its count in
//! `expirations`, `entries` and `bytes`) happens in maintenance, at the
//! resolution of moka's timer wheel: within about two seconds of its deadline.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

use moka::notification::RemovalCause;
use moka::policy::{EvictionPolicy, Expiry};

/// A time to live longer than this is treated as this: a century is "never" for
/// a process, and clamping keeps `Instant` arithmetic from overflowing.
const LONGEST_TTL: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

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
            Self::InvalidSetting { name, value, allowed } => {
                write!(f, "{name}={value} is not valid: expected {allowed}")
            }
            Self::EntryTooLarge { key, bytes, limit } => write!(
                f,
                "the entry for key {key:?} takes {bytes} bytes (key plus value), more than the \
                 cache's byte bound of {limit} bytes; it was not stored"
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

/// A consistent reading of the counters (taken after pending maintenance ran).
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
    charge: u32,
    ttl: Option<Duration>,
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

#[derive(Default)]
struct Counters {
    hits: AtomicU64,
    misses: AtomicU64,
    sets: AtomicU64,
    deletes: AtomicU64,
    evictions: AtomicU64,
    expirations: AtomicU64,
    invalidations: AtomicU64,
    resident_entries: AtomicU64,
    resident_bytes: AtomicU64,
    resident_charge: AtomicU64,
}

impl Counters {
    fn on_removed<V>(&self, stored: &Stored<V>) {
        self.resident_entries.fetch_sub(1, Relaxed);
        self.resident_bytes.fetch_sub(stored.bytes, Relaxed);
        self.resident_charge.fetch_sub(u64::from(stored.charge), Relaxed);
    }
}

struct EntryTtl;

impl<V> Expiry<String, Arc<Stored<V>>> for EntryTtl {
    fn expire_after_create(
        &self,
        _key: &String,
        stored: &Arc<Stored<V>>,
        _created_at: Instant,
    ) -> Option<Duration> {
        stored.ttl
    }

    fn expire_after_update(
        &self,
        _key: &String,
        stored: &Arc<Stored<V>>,
        _updated_at: Instant,
        _remaining: Option<Duration>,
    ) -> Option<Duration> {
        stored.ttl
    }
}

pub struct PromptCache<V> {
    map: moka::sync::Cache<String, Arc<Stored<V>>>,
    counters: Arc<Counters>,
    config: CacheConfig,
    quota: u64,
    capacity: u64,
}

impl<V: Send + Sync + 'static> PromptCache<V> {
    pub fn new(config: CacheConfig) -> Result<Self, CacheError> {
        if config.max_entries == 0 {
            return Err(CacheError::InvalidSetting {
                name: "max_entries",
                value: "0".into(),
                allowed: "an integer >= 1",
            });
        }
        if config.max_bytes == 0 {
            return Err(CacheError::InvalidSetting {
                name: "max_bytes",
                value: "0".into(),
                allowed: "an integer >= 1",
            });
        }
        let quota = (config.max_bytes / config.max_entries).max(1);
        let capacity = config.max_entries.saturating_mul(quota).min(config.max_bytes);
        let counters = Arc::new(Counters::default());
        let listener_counters = Arc::clone(&counters);
        let map = moka::sync::Cache::builder()
            .max_capacity(capacity)
            .eviction_policy(EvictionPolicy::lru())
            .weigher(|_key: &String, stored: &Arc<Stored<V>>| stored.charge)
            .expire_after(EntryTtl)
            .eviction_listener(move |_key, stored: Arc<Stored<V>>, cause| {
                let counters = &listener_counters;
                counters.on_removed(&stored);
                match cause {
                    RemovalCause::Size => {
                        counters.evictions.fetch_add(1, Relaxed);
                    }
                    RemovalCause::Expired => {
                        counters.expirations.fetch_add(1, Relaxed);
                    }
                    // Overwriting an entry whose time had run out ends an expired entry.
                    RemovalCause::Replaced if stored.is_expired(Instant::now()) => {
                        counters.expirations.fetch_add(1, Relaxed);
                    }
                    // Explicit removals are counted by the operation that made them.
                    RemovalCause::Replaced | RemovalCause::Explicit => {}
                }
            })
            .build();
        Ok(Self { map, counters, config, quota, capacity })
    }

    pub fn config(&self) -> CacheConfig {
        self.config
    }

    /// The largest entry (key plus value bytes) the cache accepts.
    pub fn max_entry_bytes(&self) -> u64 {
        self.capacity.min(u64::from(u32::MAX))
    }

    pub fn get(&self, key: &str) -> Option<Arc<Stored<V>>> {
        let found = self.map.get(key);
        let counter = if found.is_some() { &self.counters.hits } else { &self.counters.misses };
        counter.fetch_add(1, Relaxed);
        found
    }

    /// Stores `value`, which the caller says takes `value_bytes` bytes.
    pub fn set(&self, key: &str, value: V, value_bytes: u64, ttl: Ttl) -> Result<(), CacheError> {
        let bytes = (key.len() as u64).saturating_add(value_bytes);
        let limit = self.max_entry_bytes();
        if bytes > limit {
            return Err(CacheError::EntryTooLarge { key: key.to_owned(), bytes, limit });
        }
        let ttl = match ttl {
            Ttl::Default => self.config.default_ttl,
            Ttl::Never => None,
            Ttl::After(duration) => Some(duration),
        };
        // `bytes <= limit <= u32::MAX`, so the charge fits.
        let charge = bytes.max(self.quota) as u32;
        let expires_at = ttl.and_then(|ttl| Instant::now().checked_add(ttl));
        let stored = Arc::new(Stored { value, bytes, charge, ttl, expires_at });

        let counters = &self.counters;
        counters.resident_entries.fetch_add(1, Relaxed);
        counters.resident_bytes.fetch_add(bytes, Relaxed);
        let charged = counters.resident_charge.fetch_add(u64::from(charge), Relaxed);
        self.map.insert(key.to_owned(), stored);
        counters.sets.fetch_add(1, Relaxed);
        if charged + u64::from(charge) > self.capacity {
            // moka evicts in batches; settling now keeps the bounds strict instead of
            // letting the cache overshoot until the next batch.
            self.map.run_pending_tasks();
        }
        Ok(())
    }

    /// Removes `key`; true when a live entry was removed.
    pub fn delete(&self, key: &str) -> bool {
        self.remove_counted(key, &self.counters.deletes)
    }

    /// Removes every live entry whose key matches the glob `pattern` (`*`, `?`,
    /// `[abc]`, `[!abc]`; `*` also matches `/`) and returns how many.
    pub fn invalidate(&self, pattern: &str) -> Result<u64, CacheError> {
        let glob = glob::Pattern::new(pattern).map_err(|error| CacheError::InvalidPattern {
            pattern: pattern.to_owned(),
            reason: error.msg.to_owned(),
        })?;
        let keys: Vec<Arc<String>> =
            self.map.iter().map(|(key, _)| key).filter(|key| glob.matches(key)).collect();
        Ok(self.remove_all(&keys))
    }

    /// Removes every entry present when the call started, counted as invalidations
    /// (as 1.x did); returns how many live entries were removed.
    pub fn clear(&self) -> u64 {
        let keys: Vec<Arc<String>> = self.map.iter().map(|(key, _)| key).collect();
        let removed = self.remove_all(&keys);
        self.map.run_pending_tasks();
        removed
    }

    pub fn stats(&self) -> CacheStats {
        self.map.run_pending_tasks();
        let c = &self.counters;
        CacheStats {
            hits: c.hits.load(Relaxed),
            misses: c.misses.load(Relaxed),
            sets: c.sets.load(Relaxed),
            deletes: c.deletes.load(Relaxed),
            evictions: c.evictions.load(Relaxed),
            expirations: c.expirations.load(Relaxed),
            invalidations: c.invalidations.load(Relaxed),
            entries: c.resident_entries.load(Relaxed),
            bytes: c.resident_bytes.load(Relaxed),
        }
    }

    fn remove_all(&self, keys: &[Arc<String>]) -> u64 {
        let invalidations = &self.counters.invalidations;
        keys.iter().filter(|key| self.remove_counted(key.as_str(), invalidations)).count() as u64
    }

    fn remove_counted(&self, key: &str, counter: &AtomicU64) -> bool {
        match self.map.remove(key) {
            Some(stored) if stored.is_expired(Instant::now()) => {
                self.counters.expirations.fetch_add(1, Relaxed);
                false
            }
            Some(_) => {
                counter.fetch_add(1, Relaxed);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread;

    fn cache(max_entries: u64, max_bytes: u64, ttl: Option<Duration>) -> PromptCache<String> {
        let config = CacheConfig { max_entries, max_bytes, default_ttl: ttl };
        PromptCache::new(config).expect("valid config")
    }

    fn put(cache: &PromptCache<String>, key: &str, value: &str) {
        cache.set(key, value.to_owned(), value.len() as u64, Ttl::Default).expect("fits");
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
    fn entry_bound_evicts_the_least_recently_used() {
        let c = cache(3, 1_000_000, None);
        for key in ["a", "b", "c"] {
            put(&c, key, "x");
        }
        c.stats();
        assert!(c.get("a").is_some());
        c.stats();
        put(&c, "d", "x");
        let stats = c.stats();
        assert_eq!((stats.entries, stats.evictions), (3, 1));
        assert!(c.get("b").is_none(), "b was the least recently used");
        assert!(c.get("a").is_some() && c.get("c").is_some() && c.get("d").is_some());
    }

    #[test]
    fn byte_bound_is_never_exceeded() {
        let c = cache(1000, 10_000, None);
        for i in 0..500 {
            let text = "x".repeat(37 + (i * 7919) % 900);
            put(&c, &format!("key{i}"), &text);
            assert!(c.counters.resident_bytes.load(Relaxed) <= 10_000, "after set {i}");
        }
        let stats = c.stats();
        assert!(stats.bytes <= 10_000 && stats.evictions > 0);
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
        assert!(matches!(error, CacheError::EntryTooLarge { bytes: 203, limit: 100, .. }));
        assert!(error.to_string().contains("\"big\""));
        assert_eq!(c.stats().sets, 0);
    }

    #[test]
    fn both_bounds_hold_with_a_quota_that_does_not_divide() {
        let c = cache(3, 1_000_000, None);
        assert_eq!(c.quota, 333_333);
        for key in ["a", "b", "c"] {
            put(&c, key, "v");
        }
        assert_eq!(c.stats().entries, 3);
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
        c.set("long", "v".into(), 1, Ttl::After(Duration::from_secs(60))).expect("fits");
        thread::sleep(Duration::from_millis(60));
        assert!(c.get("short").is_none());
        assert!(c.get("forever").is_some() && c.get("long").is_some());
        // The sweep runs on moka's timer wheel, whose finest slot is about a second.
        let swept = (0..60).any(|_| {
            thread::sleep(Duration::from_millis(50));
            c.stats().expirations == 1
        });
        assert!(swept, "the expired entry was never swept");
        let stats = c.stats();
        assert_eq!((stats.entries, stats.bytes, stats.evictions), (2, 13, 0));
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
        assert!(matches!(c.invalidate("[unclosed"), Err(CacheError::InvalidPattern { .. })));
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
        assert_eq!((stats.deletes, stats.invalidations, stats.entries, stats.bytes), (1, 2, 0, 0));
    }

    #[test]
    fn ttl_seconds_are_validated() {
        assert_eq!(Ttl::from_seconds("ttl", 0.0), Ok(Ttl::Never));
        assert_eq!(Ttl::from_seconds("ttl", f64::INFINITY), Ok(Ttl::Never));
        assert_eq!(Ttl::from_seconds("ttl", 1e300), Ok(Ttl::After(LONGEST_TTL)));
        assert_eq!(Ttl::from_seconds("ttl", 0.5), Ok(Ttl::After(Duration::from_millis(500))));
        assert!(Ttl::from_seconds("ttl", -1.0).is_err());
        assert!(Ttl::from_seconds("ttl", f64::NAN).is_err());
    }

    #[test]
    fn zero_bounds_are_rejected() {
        let config = CacheConfig { max_entries: 0, max_bytes: 10, default_ttl: None };
        assert!(PromptCache::<String>::new(config).is_err());
        let config = CacheConfig { max_entries: 10, max_bytes: 0, default_ttl: None };
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
