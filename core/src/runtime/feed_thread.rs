//! The feed thread: pulls ticks from the [`Feed`], holds each until its pace says it
//! is due, stamps it and hands it to the engine over the SPSC ring.
//!
//! Progress: blocking by design. Pacing sleeps ([`wait_until`]: sleep, then spin; the
//! only sleeps on a hot thread, and only with `realtime`/`xN` pace or a synthetic
//! rate), CSV feeds read files, and a full ring is waited on with the configured
//! strategy. At `max` pace the loop reads no clock but the stamp (vDSO) and makes no
//! system call beyond the CSV reader's buffered reads; it never allocates.
//!
//! # Implementation
//!
//! 1. For each tick: stop if a stop was requested; wait until due (the wait itself
//!    polls the stop request); stamp it ([`stamp_ns`]); `push_wait` into the ring.
//! 2. At the end of the feed, mark `feed-done` (Release) before the ring producer is
//!    dropped, so the engine can tell an end from a death.
//! 3. On a feed error (a bad CSV row under `bad_rows = "fail"`): request a stop with
//!    reason `error` and hand the error back.

use std::sync::atomic::Ordering;
use std::time::Instant;

use seamless_config::Pace;
use seamless_ipc::spsc;
use seamless_ipc::wait::{WaitStrategy, Waiter};

use super::clock::stamp_ns;
use super::counters::{FeedCounters, set};
use super::pin::pin_current;
use super::stop::StopFlag;
use crate::domain::Reason;
use crate::feed::{Feed, FeedError, Pacer, Tick, wait_until};

/// Publish the fed count every this many ticks (a relaxed store is cheap; this keeps
/// it off every tick anyway).
const COUNT_EVERY: u64 = 1024;

/// Everything the feed thread owns.
pub(crate) struct FeedThread<'r> {
    pub(crate) feed: Box<dyn Feed>,
    pub(crate) pace: Pace,
    pub(crate) ticks: spsc::Producer<Tick>,
    pub(crate) stop: StopFlag,
    pub(crate) wait: WaitStrategy,
    pub(crate) counters: &'r FeedCounters,
    pub(crate) core: Option<usize>,
}

/// What the feed thread reports when it ends.
pub(crate) struct FeedOutcome {
    pub(crate) pinned: bool,
    pub(crate) fed: u64,
    pub(crate) skipped: u64,
    pub(crate) first_skipped: Vec<String>,
    pub(crate) error: Option<FeedError>,
    pub(crate) description: String,
}

impl FeedThread<'_> {
    pub(crate) fn run(mut self) -> FeedOutcome {
        let pinned = pin_current(self.core, "feed");
        let mut pacer = Pacer::new(self.pace);
        let mut waiter = Waiter::new(self.wait);
        let mut fed = 0u64;
        let mut error = None;
        while !self.stop.is_set() {
            let mut tick = match self.feed.next_tick() {
                Ok(Some(tick)) => tick,
                Ok(None) => {
                    // SYNC POINT feed-done (Release): before the producer is dropped;
                    // pairs with the engine's Acquire load once the ring is abandoned.
                    self.counters.done.store(true, Ordering::Release);
                    break;
                }
                Err(e) => {
                    self.stop.request(Reason::Error);
                    error = Some(e);
                    break;
                }
            };
            let due = match pacer.is_unpaced() {
                true => None,
                false => pacer.deadline(tick.ts_ns, Instant::now()),
            };
            if let Some(due) = due
                && !wait_until(due, || self.stop.is_set())
            {
                break;
            }
            tick.stamp = stamp_ns();
            if self.ticks.push_wait(tick, &mut waiter).is_err() {
                break; // the engine is gone
            }
            fed += 1;
            if fed.is_multiple_of(COUNT_EVERY) {
                set(&self.counters.fed, fed);
                set(&self.counters.skipped, self.feed.skipped());
            }
        }
        set(&self.counters.fed, fed);
        set(&self.counters.skipped, self.feed.skipped());
        FeedOutcome {
            pinned,
            fed,
            skipped: self.feed.skipped(),
            first_skipped: self
                .feed
                .first_skipped()
                .iter()
                .map(|e| e.to_string())
                .collect(),
            error,
            description: self.feed.description().to_owned(),
        }
    }
}
