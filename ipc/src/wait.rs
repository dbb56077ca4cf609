//! Wait strategies: what a thread does while it waits for a ring to fill or drain.
//!
//! Progress: waiting is, by definition, blocking; the strategy only decides how much
//! CPU the wait burns and how quickly it notices the condition. The hot path calls
//! [`Waiter::wait`] only when it has nothing to do, and [`Waiter::reset`] once it does.
//!
//! - [`WaitStrategy::Spin`]: busy-poll with the CPU's spin hint. Lowest latency; needs a
//!   dedicated core per spinning thread (two spinners on one core starve each other).
//! - [`WaitStrategy::SpinYield`]: spin briefly, then `sched_yield` between polls. Still
//!   100% of a core when idle, but lets other runnable threads in.
//! - [`WaitStrategy::Backoff`]: spin, then yield, then sleep with growing pauses up to
//!   [`MAX_PARK`]. Near-zero idle CPU; the default on small shared machines so reader
//!   processes are never starved. Wake-up latency when idle is up to [`MAX_PARK`].
//!
//! # Example
//!
//! ```
//! use seamless_ipc::wait::{WaitStrategy, Waiter};
//! let mut waiter = Waiter::new("backoff".parse::<WaitStrategy>().unwrap());
//! let mut polls = 0;
//! while polls < 3 {
//!     polls += 1; // stands in for "try to pop; nothing yet"
//!     waiter.wait();
//! }
//! waiter.reset();
//! ```
//!
//! # Implementation
//!
//! 1. Spin phase: `2^step` spin hints for `step < SPIN_LIMIT` (crossbeam-utils
//!    `Backoff::spin`, exponential so a short wait costs little and a long one does not
//!    hammer the cache line being polled).
//! 2. Yield phase (SpinYield, Backoff): `sched_yield` per poll.
//! 3. Park phase (Backoff only): `thread::sleep` from [`MIN_PARK`] doubling to
//!    [`MAX_PARK`] (disruptor-rs `wait_strategies.rs` keeps the same three families).
//!
//! This module must never be used on a path that has work to do: it exists only to
//! spend idle time.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::sync;

/// Spin-phase steps before yielding (2^6 = 64 spin hints at the last step).
const SPIN_LIMIT: u32 = 6;
/// Yield-phase steps (after the spin phase) before [`WaitStrategy::Backoff`] parks.
const YIELD_LIMIT: u32 = 16;
/// First sleep of the park phase.
pub const MIN_PARK: Duration = Duration::from_micros(20);
/// Longest sleep of the park phase: the worst-case wake-up delay of an idle `Backoff`.
pub const MAX_PARK: Duration = Duration::from_micros(500);

/// How a waiting thread spends its time. Parsed from `spin`, `spin_yield`, `backoff`
/// (`park` is accepted as an alias of `backoff`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WaitStrategy {
    /// Busy-poll; for dedicated cores only.
    Spin,
    /// Spin briefly, then yield the CPU between polls.
    SpinYield,
    /// Spin, yield, then sleep with growing pauses (bounded by [`MAX_PARK`]).
    #[default]
    Backoff,
}

impl WaitStrategy {
    /// The name used in configs and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            WaitStrategy::Spin => "spin",
            WaitStrategy::SpinYield => "spin_yield",
            WaitStrategy::Backoff => "backoff",
        }
    }

    /// True when a thread using this strategy keeps its core 100% busy while idle.
    pub fn busy_polls(self) -> bool {
        matches!(self, WaitStrategy::Spin | WaitStrategy::SpinYield)
    }
}

impl fmt::Display for WaitStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error for a wait-strategy name that is not one of the known ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownWaitStrategy(pub String);

impl fmt::Display for UnknownWaitStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown wait strategy {:?}: expected spin, spin_yield or backoff",
            self.0
        )
    }
}

impl std::error::Error for UnknownWaitStrategy {}

impl FromStr for WaitStrategy {
    type Err = UnknownWaitStrategy;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "spin" => Ok(WaitStrategy::Spin),
            "spin_yield" | "spin-yield" => Ok(WaitStrategy::SpinYield),
            "backoff" | "park" => Ok(WaitStrategy::Backoff),
            other => Err(UnknownWaitStrategy(other.to_owned())),
        }
    }
}

/// The per-wait state of a [`WaitStrategy`]: call [`wait`](Waiter::wait) each time a
/// poll finds nothing, [`reset`](Waiter::reset) when a poll succeeds.
#[derive(Debug, Clone)]
pub struct Waiter {
    strategy: WaitStrategy,
    /// Number of consecutive empty polls, saturating. Invariant: only grows between
    /// resets.
    step: u32,
}

impl Waiter {
    /// A waiter at the start of its escalation.
    pub fn new(strategy: WaitStrategy) -> Self {
        Waiter { strategy, step: 0 }
    }

    /// The strategy this waiter follows.
    pub fn strategy(&self) -> WaitStrategy {
        self.strategy
    }

    /// Starts the escalation again; call after a poll that found work.
    #[inline]
    pub fn reset(&mut self) {
        self.step = 0;
    }

    /// True once a `Backoff` waiter has reached its sleeping phase (useful to do
    /// housekeeping only when truly idle).
    pub fn is_parking(&self) -> bool {
        self.strategy == WaitStrategy::Backoff && self.step >= SPIN_LIMIT + YIELD_LIMIT
    }

    /// Waits once, escalating according to the strategy.
    #[inline]
    pub fn wait(&mut self) {
        let step = self.step;
        self.step = self.step.saturating_add(1);
        match self.strategy {
            WaitStrategy::Spin => sync::spin_loop(),
            WaitStrategy::SpinYield | WaitStrategy::Backoff if step < SPIN_LIMIT => {
                for _ in 0..(1u32 << step) {
                    sync::spin_loop();
                }
            }
            WaitStrategy::SpinYield => sync::yield_now(),
            WaitStrategy::Backoff if step < SPIN_LIMIT + YIELD_LIMIT => sync::yield_now(),
            WaitStrategy::Backoff => park(step - SPIN_LIMIT - YIELD_LIMIT),
        }
    }
}

/// Sleeps `MIN_PARK * 2^n`, capped at `MAX_PARK`.
#[cold]
fn park(n: u32) {
    #[cfg(not(loom))]
    {
        let pause = MIN_PARK.saturating_mul(1u32 << n.min(16)).min(MAX_PARK);
        std::thread::sleep(pause);
    }
    #[cfg(loom)]
    {
        let _ = n;
        sync::yield_now();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_name_and_rejects_others() {
        for s in [
            WaitStrategy::Spin,
            WaitStrategy::SpinYield,
            WaitStrategy::Backoff,
        ] {
            assert_eq!(s.as_str().parse::<WaitStrategy>(), Ok(s));
        }
        assert_eq!("park".parse(), Ok(WaitStrategy::Backoff));
        let err = "fast".parse::<WaitStrategy>().unwrap_err();
        assert!(err.to_string().contains("\"fast\""), "{err}");
    }

    #[test]
    fn backoff_reaches_parking_and_reset_restarts() {
        let mut w = Waiter::new(WaitStrategy::Backoff);
        assert!(!w.is_parking());
        for _ in 0..(SPIN_LIMIT + YIELD_LIMIT) {
            w.wait();
        }
        assert!(w.is_parking());
        w.wait(); // one short sleep
        w.reset();
        assert!(!w.is_parking());
    }

    #[test]
    fn spin_never_parks() {
        let mut w = Waiter::new(WaitStrategy::Spin);
        for _ in 0..100 {
            w.wait();
        }
        assert!(!w.is_parking());
    }
}
