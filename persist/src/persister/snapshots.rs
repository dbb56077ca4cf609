//! [`SnapshotSchedule`]: every `persist.snapshot_every_events` events or
//! `persist.snapshot_every_secs` seconds (0 disables either), whichever comes first.
//!
//! Progress: wait-free (two compares).

use std::time::{Duration, Instant};

/// When the next snapshot is due.
#[derive(Debug)]
pub struct SnapshotSchedule {
    every_events: u64,
    every: Option<Duration>,
    since_events: u64,
    last: Instant,
}

impl SnapshotSchedule {
    /// A schedule; both 0 means never.
    pub fn new(every_events: u64, every_secs: u64) -> Self {
        SnapshotSchedule {
            every_events,
            every: (every_secs > 0).then(|| Duration::from_secs(every_secs)),
            since_events: 0,
            last: Instant::now(),
        }
    }

    /// Counts `n` events folded.
    pub fn add(&mut self, n: u64) {
        self.since_events += n;
    }

    /// `true` if a snapshot is due (and there is something new to snapshot).
    pub fn due(&self, now: Instant) -> bool {
        if self.since_events == 0 {
            return false;
        }
        (self.every_events > 0 && self.since_events >= self.every_events)
            || self
                .every
                .is_some_and(|every| now.saturating_duration_since(self.last) >= every)
    }

    /// A snapshot was written.
    pub fn done(&mut self, now: Instant) {
        self.since_events = 0;
        self.last = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_count_and_never_without_new_events() {
        let mut s = SnapshotSchedule::new(3, 0);
        let now = Instant::now();
        assert!(!s.due(now));
        s.add(2);
        assert!(!s.due(now));
        s.add(1);
        assert!(s.due(now));
        s.done(now);
        assert!(!s.due(now + Duration::from_secs(3600)));
    }

    #[test]
    fn by_time() {
        let mut s = SnapshotSchedule::new(0, 1);
        let now = Instant::now();
        s.add(1);
        assert!(!s.due(now));
        assert!(s.due(now + Duration::from_secs(2)));
    }
}
