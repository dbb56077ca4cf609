//! [`Rates`]: events/s and ticks/s from successive metrics rows, and short histories
//! (for sparklines) of those rates and of the p99 latency.
//!
//! Rates are computed on the core's own clock (the rows' `updated_ns`), so a monitor
//! that is descheduled or paused does not see a fake spike.
//!
//! Progress: plain data; `observe` is O(1).

use std::collections::VecDeque;

use seamless_core::shared::{LatencyRow, MetricsRow};

/// Samples kept per history.
pub const HISTORY: usize = 120;
/// Shortest interval (core clock) between two rate samples.
const MIN_SAMPLE_NS: u64 = 200_000_000;

/// A bounded history of samples, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    samples: VecDeque<u64>,
}

impl History {
    /// Appends a sample, dropping the oldest beyond [`HISTORY`].
    pub fn push(&mut self, v: u64) {
        if self.samples.len() == HISTORY {
            self.samples.pop_front();
        }
        self.samples.push_back(v);
    }

    /// The newest `n` samples, oldest first.
    pub fn last(&self, n: usize) -> Vec<u64> {
        let skip = self.samples.len().saturating_sub(n);
        self.samples.iter().skip(skip).copied().collect()
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// No samples yet.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }
}

/// Rates and histories derived from the rows a reader observes.
#[derive(Debug, Clone, Default)]
pub struct Rates {
    /// The metrics row of the last sample: `(updated_ns, events_published, ticks)`.
    last: Option<(u64, u64, u64)>,
    /// `(events/s, ticks/s)` of the last interval.
    latest: Option<(f64, f64)>,
    /// The latency row's `updated_ns` last seen.
    latency_at: u64,
    /// Events per second, one sample per interval.
    pub events: History,
    /// Ticks per second.
    pub ticks: History,
    /// p99 tick-to-publish latency (ns) of each published interval.
    pub p99: History,
}

impl Rates {
    /// Takes a metrics row into account (a row not newer by 200 ms is ignored; a
    /// counter going backwards, i.e. a new run, restarts the rates).
    pub fn observe(&mut self, m: &MetricsRow) {
        let now = (m.updated_ns, m.events_published, m.ticks);
        let Some((t0, e0, k0)) = self.last else {
            self.last = Some(now);
            return;
        };
        if m.events_published < e0 || m.ticks < k0 || m.updated_ns < t0 {
            *self = Rates::default();
            self.last = Some(now);
            return;
        }
        let dt = m.updated_ns - t0;
        if dt < MIN_SAMPLE_NS {
            return;
        }
        let secs = dt as f64 / 1e9;
        let events = (m.events_published - e0) as f64 / secs;
        let ticks = (m.ticks - k0) as f64 / secs;
        self.latest = Some((events, ticks));
        self.events.push(events as u64);
        self.ticks.push(ticks as u64);
        self.last = Some(now);
    }

    /// Takes a latency row into account (once per published interval).
    pub fn observe_latency(&mut self, l: &LatencyRow) {
        if l.updated_ns != self.latency_at && l.count > 0 {
            self.latency_at = l.updated_ns;
            self.p99.push(l.p99);
        }
    }

    /// `(events/s, ticks/s)` over the last interval, once two samples were seen.
    pub fn latest(&self) -> Option<(f64, f64)> {
        self.latest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(updated_ns: u64, events: u64, ticks: u64) -> MetricsRow {
        MetricsRow {
            updated_ns,
            events_published: events,
            ticks,
            ..MetricsRow::default()
        }
    }

    #[test]
    fn rates_use_the_core_clock() {
        let mut r = Rates::default();
        r.observe(&row(1_000_000_000, 10, 100));
        assert_eq!(r.latest(), None);
        r.observe(&row(1_100_000_000, 20, 200)); // too soon: ignored
        assert_eq!(r.latest(), None);
        r.observe(&row(1_500_000_000, 60, 1_100));
        assert_eq!(r.latest(), Some((100.0, 2_000.0)));
        assert_eq!(r.ticks.last(5), vec![2_000]);
    }

    #[test]
    fn a_new_run_restarts_the_rates() {
        let mut r = Rates::default();
        r.observe(&row(1_000_000_000, 10, 100));
        r.observe(&row(2_000_000_000, 20, 200));
        r.observe(&row(500_000_000, 1, 1));
        assert_eq!(r.latest(), None);
        assert!(r.events.is_empty());
    }

    #[test]
    fn history_is_bounded() {
        let mut h = History::default();
        for i in 0..(HISTORY as u64 + 10) {
            h.push(i);
        }
        assert_eq!(h.len(), HISTORY);
        assert_eq!(h.last(2), vec![HISTORY as u64 + 8, HISTORY as u64 + 9]);
    }
}
