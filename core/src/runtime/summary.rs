//! [`RunSummary`]: what a run did, for the one-line report at exit.

use std::fmt;
use std::time::Duration;

use hdrhistogram::Histogram;

use crate::domain::Reason;
use crate::shared::LatencyRow;

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSummary {
    /// Why it stopped (`runner_stopped`'s reason).
    pub reason: Reason,
    /// The region run's random id.
    pub instance_id: u64,
    /// Sequence of the first event this run published.
    pub first_seq: u64,
    /// Sequence of the last event (`runner_stopped`).
    pub last_seq: u64,
    /// Ticks the engine processed.
    pub ticks: u64,
    /// Ticks the feed handed over.
    pub ticks_fed: u64,
    /// Orders submitted (the fold's counter, over the whole history).
    pub orders: u64,
    /// Fills booked (idem).
    pub fills: u64,
    /// Orders rejected (idem).
    pub rejects: u64,
    /// CSV rows skipped under `bad_rows = "skip"`.
    pub skipped: u64,
    /// The first skipped rows' errors (file and line).
    pub first_skipped: Vec<String>,
    /// Times the engine waited on a ring full of events a gating reader needed.
    pub gating_stalls: u64,
    /// Events published over a gating reader's cursor at shutdown.
    pub forced_overwrites: u64,
    /// Orders still in flight when the engine stopped waiting for them.
    pub pending_at_stop: usize,
    /// The feed's description.
    pub feed: String,
    /// Latency percentiles of the last interval.
    pub latency: LatencyRow,
    /// Tick-to-publish latency of the whole run (every interval merged).
    pub latency_total: LatencyHistogram,
    /// The end-of-run wait for the persister (`None`: no persister gated this core).
    pub durable: Option<Durable>,
}

/// How the end-of-run wait for the persister went (the core waits, bounded by
/// `gating.shutdown_timeout_ms`, for the persister's durable cursor).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Durable {
    /// The last sequence the persister had made durable.
    pub last_durable: u64,
    /// `true` if that is the run's last event.
    pub complete: bool,
    /// How long the core waited.
    pub waited: Duration,
}

/// A run's tick-to-publish latency histogram, in nanoseconds (1 ns to 60 s, 3
/// significant digits): the interval histograms behind the region's latency row,
/// merged by housekeeping (off the hot path). For benches and reports
/// (`seamless bench tick-to-event` reads it).
#[derive(Clone, Debug)]
pub struct LatencyHistogram(pub Box<Histogram<u64>>);

impl PartialEq for LatencyHistogram {
    fn eq(&self, other: &Self) -> bool {
        // hdrhistogram compares bounds, counts, min and max: integers only.
        *self.0 == *other.0
    }
}

// Integer comparisons only (above), so equality is an equivalence.
impl Eq for LatencyHistogram {}

impl RunSummary {
    /// Events published by this run.
    pub fn events(&self) -> u64 {
        (self.last_seq + 1).saturating_sub(self.first_seq)
    }
}

impl fmt::Display for RunSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "stopped ({}): {} ticks, {} events, {} orders, {} fills, {} rejects, last seq {}, \
             {} skipped rows",
            self.reason,
            self.ticks,
            self.events(),
            self.orders,
            self.fills,
            self.rejects,
            self.last_seq,
            self.skipped
        )?;
        if !self.first_skipped.is_empty() {
            write!(f, " (first: {})", self.first_skipped.join("; "))?;
        }
        if self.gating_stalls > 0 {
            write!(f, ", {} gating stalls", self.gating_stalls)?;
        }
        if self.forced_overwrites > 0 {
            write!(
                f,
                ", {} events forced past a gating reader",
                self.forced_overwrites
            )?;
        }
        if self.pending_at_stop > 0 {
            write!(f, ", {} orders still in flight", self.pending_at_stop)?;
        }
        match self.durable {
            None => write!(f, "; no persister: events were not logged"),
            Some(d) if d.complete => write!(f, "; every event durable (seq {})", d.last_durable),
            Some(d) => write!(
                f,
                "; NOT DURABLE: events {}..={} (the persister reached seq {} within {} ms)",
                d.last_durable + 1,
                self.last_seq,
                d.last_durable,
                d.waited.as_millis()
            ),
        }
    }
}
