//! The runtime's clocks: a cheap monotonic stamp for latency, wall time for events.
//!
//! [`stamp_ns`] is `CLOCK_MONOTONIC` through the vDSO (rustix reads it without a system
//! call on Linux x86-64 and aarch64), about 20 ns; the feed thread stamps each tick
//! with it and the engine thread reads it once per batch. A TSC read would be cheaper
//! but needs calibration against this clock to be comparable between threads and
//! processes; the benches crate does that for its own measurements.

/// Monotonic nanoseconds (comparable between threads and processes on one machine).
#[inline]
pub fn stamp_ns() -> u64 {
    seamless_ipc::shm::monotonic_ns()
}

/// Wall-clock Unix nanoseconds, for events that no input stamps (start, stop).
pub fn wall_ns() -> u64 {
    seamless_ipc::shm::unix_time_ns()
}
