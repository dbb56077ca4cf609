//! Counters the hot threads bump and the housekeeping thread reads into the metrics
//! row: one cache-padded block per writing thread, relaxed stores of thread-local
//! values, so counting costs the hot path a store to a line it already owns.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crossbeam_utils::CachePadded;

/// Written by the feed thread.
#[derive(Debug, Default)]
pub(crate) struct FeedCounters {
    /// Ticks handed to the engine.
    pub(crate) fed: AtomicU64,
    /// CSV rows skipped.
    pub(crate) skipped: AtomicU64,
    /// SYNC POINT feed-done: stored `Release` when the feed ended normally, before the
    /// feed thread drops its ring producer; loaded `Acquire` by the engine once the
    /// ring reads abandoned, to tell a feed end from a feed thread that died.
    pub(crate) done: AtomicBool,
}

/// Written by the engine thread (relaxed: display values, nothing is read on the
/// strength of them).
#[derive(Debug, Default)]
pub(crate) struct EngineCounters {
    pub(crate) last_seq: AtomicU64,
    pub(crate) events: AtomicU64,
    pub(crate) ticks: AtomicU64,
    pub(crate) batches: AtomicU64,
    pub(crate) orders: AtomicU64,
    pub(crate) fills: AtomicU64,
    pub(crate) rejects: AtomicU64,
    pub(crate) ignored: AtomicU64,
    pub(crate) stalls: AtomicU64,
    pub(crate) stall_ns: AtomicU64,
    pub(crate) forced: AtomicU64,
    pub(crate) gates: AtomicU64,
}

/// Written by the broker thread.
#[derive(Debug, Default)]
pub(crate) struct BrokerCounters {
    /// Orders held until due.
    pub(crate) held: AtomicU64,
}

/// All of them, each on its own cache lines.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) feed: CachePadded<FeedCounters>,
    pub(crate) engine: CachePadded<EngineCounters>,
    pub(crate) broker: CachePadded<BrokerCounters>,
}

/// A relaxed store (the counters' only writer publishes its own value).
#[inline]
pub(crate) fn set(counter: &AtomicU64, value: u64) {
    // Relaxed: a display value; see the struct docs.
    counter.store(value, Ordering::Relaxed);
}

/// A relaxed load.
#[inline]
pub(crate) fn get(counter: &AtomicU64) -> u64 {
    // Relaxed: a display value; see the struct docs.
    counter.load(Ordering::Relaxed)
}
