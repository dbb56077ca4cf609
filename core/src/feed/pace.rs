//! Pacing: when the feed thread should hand over each tick, so a replay runs at its
//! original pace, N times faster, or as fast as the engine takes it.
//!
//! The [`Pacer`] only computes (it never sleeps, so it is tested without a clock);
//! [`wait_until`] does the waiting.
//!
//! Progress: [`Pacer::delay`] is wait-free and allocation-free; [`wait_until`] blocks
//! (it sleeps, then spins).
//!
//! # Example
//!
//! ```
//! use std::time::{Duration, Instant};
//! use seamless_config::Pace;
//! use seamless_core::feed::Pacer;
//! let mut pacer = Pacer::new(Pace::Speed(10));
//! let start = Instant::now();
//! assert_eq!(pacer.delay(5_000_000_000, start), None); // the first tick anchors
//! // One source second later, at 10x, is due 100 ms after the start.
//! let now = start + Duration::from_millis(30);
//! assert_eq!(pacer.delay(6_000_000_000, now), Some(Duration::from_millis(70)));
//! ```
//!
//! # Implementation
//!
//! 1. The first tick anchors `(ts0, start)`. Tick `ts` is due at
//!    `start + (ts - ts0) / N` (N = 1 for realtime): always from the anchor, never from
//!    the previous tick, so rounding and oversleeping never accumulate into drift.
//! 2. The wait is that due time minus the time elapsed since the anchor, or none when
//!    it has passed (a late feed catches up at full speed rather than stretching the
//!    replay).
//! 3. [`wait_until`] sleeps in slices while more than [`SPIN_NS`] remain (a sleep
//!    overshoots by the scheduler's timer slack, ~50 µs on Linux: see
//!    `prctl(PR_SET_TIMERSLACK)` in man 2 prctl), then spins on the clock for the rest.
//!
//! It must never sleep inside [`Pacer`], and never let one late tick delay the next.

use std::time::{Duration, Instant};

use seamless_config::{FeedConfig, FeedSource, Pace};

/// Nanoseconds [`wait_until`] spins instead of sleeping.
pub const SPIN_NS: u64 = 50_000;

/// Longest single sleep in [`wait_until`], so a stop request is seen promptly.
const MAX_SLEEP: Duration = Duration::from_millis(50);

/// Computes when each tick is due, from the ticks' own timestamps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pacer {
    /// Speed-up factor; `None` for [`Pace::Max`].
    divisor: Option<u64>,
    /// The first tick's timestamp and when it was handed over.
    anchor: Option<(u64, Instant)>,
}

impl Pacer {
    /// A pacer for `pace`.
    pub fn new(pace: Pace) -> Pacer {
        let divisor = match pace {
            Pace::Max => None,
            Pace::Realtime => Some(1),
            Pace::Speed(n) => Some(u64::from(n.max(1))),
        };
        Pacer {
            divisor,
            anchor: None,
        }
    }

    /// `true` when ticks are never held back ([`Pace::Max`]).
    pub fn is_unpaced(&self) -> bool {
        self.divisor.is_none()
    }

    /// How long to wait, at `now`, before handing over the tick stamped `ts_ns`;
    /// `None` when it is due already. The first call anchors the replay at
    /// `(ts_ns, now)` and returns `None`. A timestamp before the anchor's is due at once.
    #[inline]
    pub fn delay(&mut self, ts_ns: u64, now: Instant) -> Option<Duration> {
        let n = self.divisor?;
        let (ts0, start) = *self.anchor.get_or_insert((ts_ns, now));
        let due = Duration::from_nanos(ts_ns.saturating_sub(ts0) / n);
        let elapsed = now.saturating_duration_since(start);
        due.checked_sub(elapsed).filter(|d| !d.is_zero())
    }

    /// Like [`delay`](Pacer::delay), as an instant to pass to [`wait_until`]; `None`
    /// when the tick is due (or the deadline is beyond what `Instant` can hold).
    #[inline]
    pub fn deadline(&mut self, ts_ns: u64, now: Instant) -> Option<Instant> {
        self.delay(ts_ns, now).and_then(|d| now.checked_add(d))
    }
}

/// The pace a feed runs at: CSV replays use `feed.pace`; the synthetic feed runs in
/// real time when it has a `rate_per_sec` (so the rate is real) and unpaced when the
/// rate is 0.
pub fn pace_of(cfg: &FeedConfig) -> Pace {
    match cfg.source {
        FeedSource::Csv(_) => cfg.pace,
        FeedSource::Synthetic if cfg.synthetic.rate_per_sec == 0 => Pace::Max,
        FeedSource::Synthetic => Pace::Realtime,
    }
}

/// Blocks until `deadline`: sleeps (in slices of at most 50 ms) while more than
/// [`SPIN_NS`] remain, then spins. `stop` is polled between slices and spins; when it
/// returns `true` the wait ends early.
///
/// Returns `true` when the deadline was reached, `false` when stopped.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
/// use seamless_core::feed::wait_until;
/// let deadline = Instant::now() + Duration::from_micros(200);
/// assert!(wait_until(deadline, || false));
/// assert!(Instant::now() >= deadline);
/// assert!(!wait_until(Instant::now() + Duration::from_secs(3600), || true));
/// ```
pub fn wait_until(deadline: Instant, mut stop: impl FnMut() -> bool) -> bool {
    let spin = Duration::from_nanos(SPIN_NS);
    loop {
        let now = Instant::now();
        if now >= deadline {
            return true;
        }
        if stop() {
            return false;
        }
        let left = deadline - now;
        if left > spin {
            std::thread::sleep((left - spin).min(MAX_SLEEP));
        } else {
            std::hint::spin_loop();
        }
    }
}
