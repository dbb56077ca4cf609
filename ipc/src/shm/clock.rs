//! Clocks for heartbeats and start times, and unique instance ids.
//!
//! Heartbeats use `CLOCK_MONOTONIC`: on Linux it is one clock for the whole machine
//! (clock_gettime(2)), so a reader can subtract an owner's heartbeat from its own "now",
//! and it never jumps when the wall clock is set. Start times use `CLOCK_REALTIME`
//! (Unix nanoseconds) because people read them.

use std::hash::{BuildHasher, Hasher, RandomState};
use std::time::Duration;

use rustix::time::{ClockId, Timespec, clock_gettime};

fn to_ns(t: Timespec) -> u64 {
    let secs = u64::try_from(t.tv_sec).unwrap_or(0);
    let nanos = u64::try_from(t.tv_nsec).unwrap_or(0);
    secs.saturating_mul(1_000_000_000).saturating_add(nanos)
}

/// Nanoseconds of `CLOCK_MONOTONIC`: comparable between processes on one machine.
pub fn monotonic_ns() -> u64 {
    to_ns(clock_gettime(ClockId::Monotonic))
}

/// Nanoseconds since the Unix epoch (`CLOCK_REALTIME`).
pub fn unix_time_ns() -> u64 {
    to_ns(clock_gettime(ClockId::Realtime))
}

/// How long ago `then_ns` (a [`monotonic_ns`] value) was; `None` for 0 ("never").
pub(crate) fn age(then_ns: u64) -> Option<Duration> {
    (then_ns != 0).then(|| Duration::from_nanos(monotonic_ns().saturating_sub(then_ns)))
}

/// A random, non-zero 64-bit id: tells one run of an owner from the next.
///
/// `RandomState` is seeded from the OS's random source once per thread and advanced on
/// every call (std's HashMap DoS protection), so no extra dependency is needed; pid and
/// both clocks are mixed in for good measure.
pub(crate) fn unique_id() -> u64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.write_u64(unix_time_ns());
    h.write_u64(monotonic_ns());
    h.finish().max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_differ_and_are_never_zero() {
        let a = unique_id();
        let b = unique_id();
        assert_ne!(a, b);
        assert_ne!(a, 0);
    }

    #[test]
    fn age_of_zero_is_never() {
        assert_eq!(age(0), None);
        assert!(age(monotonic_ns()).is_some());
        assert!(unix_time_ns() > 1_600_000_000_000_000_000);
    }
}
