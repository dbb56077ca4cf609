//! The housekeeping thread's duties (it runs on the thread that called
//! [`run`](super::run), unpinned, sleeping between rounds): the region heartbeat,
//! reader-slot discovery and gate commands, the metrics row, and latency histogram
//! swaps and summaries.
//!
//! Progress: blocking (sleeps, directory scans, logging); it never touches the hot
//! threads' data except through SPSC rings and relaxed counters.
//!
//! # Implementation
//!
//! 1. Every round (about a millisecond): heartbeat when due (`core.heartbeat_ms`),
//!    drain the engine's replies, resend any command the ring had no room for.
//! 2. Every [`SCAN_EVERY`]: scan reader slots ([`GateTable::discover`]) and send the
//!    gate changes to the engine.
//! 3. Every [`LATENCY_EVERY`]: send the spare (empty) histogram; the engine swaps it
//!    in and sends the full one back, which is summarised into the latency row, merged
//!    into the run's total, reset, and kept as the next spare. Allocation and reset
//!    happen here, never on the engine thread. (HdrHistogram's interval-histogram recorder does the same swap:
//!    `hdrhistogram::sync::Recorder`/`IntervalLogWriter`, Gil Tene's HdrHistogram
//!    "Recorder" pattern.)
//! 4. Every [`METRICS_EVERY`]: the metrics row from the hot threads' counters and the
//!    gates' cursors; a warning (at most every few seconds) while the engine stalls on
//!    a full ring; a [`Command::RingPressure`] when the events held for gating readers
//!    cross `gating.nearly_full_pct` of the ring (and again once they fall below half
//!    of that), which the engine turns into `state_changed` events.
//! 5. After the engine ended: [`Housekeeping::await_durable`] waits, bounded, for the
//!    persister to make the last event durable, heartbeating meanwhile.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use seamless_ipc::spsc;
use tracing::{info, warn};

use super::commands::{BoxedHistogram, Command, Reply};
use super::counters::{Counters, get};
use super::gates::{Action, GateTable};
use super::latency;
use super::summary::Durable;
use crate::shared::{LatencyRow, MetricsRow, SharedRegion, StatsWriter};

/// How often reader slots are scanned.
pub(crate) const SCAN_EVERY: Duration = Duration::from_millis(100);
/// How often the metrics row is written.
pub(crate) const METRICS_EVERY: Duration = Duration::from_millis(100);
/// Length of a latency interval.
pub(crate) const LATENCY_EVERY: Duration = Duration::from_secs(1);
/// Longest sleep between rounds.
pub(crate) const ROUND: Duration = Duration::from_millis(1);
/// Least time between two stall warnings.
const STALL_WARN_EVERY: Duration = Duration::from_secs(5);

/// The housekeeping state.
pub(crate) struct Housekeeping<'r> {
    pub(crate) region: &'r SharedRegion,
    pub(crate) stats: StatsWriter<'r>,
    pub(crate) gates: GateTable,
    pub(crate) commands: spsc::Producer<Command>,
    pub(crate) replies: spsc::Consumer<Reply>,
    pub(crate) counters: &'r Counters,
    pub(crate) heartbeat: Duration,
    pub(crate) ring_capacity: u64,
    pub(crate) first_seq: u64,
    /// Held events at which the ring counts as nearly full.
    nearly_full_at: u64,
    /// Whether the last [`Command::RingPressure`] said nearly full.
    nearly_full: bool,
    spare: Option<BoxedHistogram>,
    backlog: VecDeque<Command>,
    next_beat: Instant,
    next_scan: Instant,
    next_metrics: Instant,
    next_swap: Instant,
    interval_start: Instant,
    total_latency: u64,
    /// Every interval's histogram merged (the run's total, for [`RunSummary`]).
    ///
    /// [`RunSummary`]: super::RunSummary
    total_hist: BoxedHistogram,
    warned_stalls: u64,
    last_stall_warn: Option<Instant>,
    last_latency: LatencyRow,
}

/// What [`Housekeeping::new`] needs.
pub(crate) struct HousekeepingSetup<'r> {
    pub(crate) region: &'r SharedRegion,
    pub(crate) stats: StatsWriter<'r>,
    pub(crate) gates: GateTable,
    pub(crate) commands: spsc::Producer<Command>,
    pub(crate) replies: spsc::Consumer<Reply>,
    pub(crate) counters: &'r Counters,
    pub(crate) heartbeat: Duration,
    pub(crate) ring_capacity: u64,
    pub(crate) first_seq: u64,
    /// `gating.nearly_full_pct`.
    pub(crate) nearly_full_pct: u8,
}

impl<'r> Housekeeping<'r> {
    pub(crate) fn new(s: HousekeepingSetup<'r>) -> Self {
        let now = Instant::now();
        Housekeeping {
            region: s.region,
            stats: s.stats,
            gates: s.gates,
            commands: s.commands,
            replies: s.replies,
            counters: s.counters,
            heartbeat: s.heartbeat,
            ring_capacity: s.ring_capacity,
            first_seq: s.first_seq,
            nearly_full_at: (s.ring_capacity * u64::from(s.nearly_full_pct) / 100).max(1),
            nearly_full: false,
            spare: Some(latency::new_histogram()),
            backlog: VecDeque::new(),
            next_beat: now,
            next_scan: now + SCAN_EVERY,
            next_metrics: now,
            next_swap: now + LATENCY_EVERY,
            interval_start: now,
            total_latency: 0,
            total_hist: latency::new_histogram(),
            warned_stalls: 0,
            last_stall_warn: None,
            last_latency: LatencyRow::default(),
        }
    }

    /// The pause before the next round.
    pub(crate) fn pause(&self) -> Duration {
        ROUND.min(self.heartbeat)
    }

    /// One round (module docs).
    pub(crate) fn round(&mut self, now: Instant) {
        if now >= self.next_beat {
            self.region.owner().heartbeat();
            self.next_beat = now + self.heartbeat;
        }
        self.drain_replies(now);
        self.flush_backlog();
        if now >= self.next_scan {
            for action in self.gates.discover() {
                let command = match action {
                    Action::Add { token, gate } => Command::AddGate { token, gate },
                    Action::Remove { token } => Command::RemoveGate { token },
                };
                self.send(command);
            }
            self.next_scan = now + SCAN_EVERY;
        }
        if now >= self.next_swap {
            if let Some(spare) = self.spare.take() {
                self.send(Command::Histogram(spare));
            }
            self.next_swap = now + LATENCY_EVERY;
        }
        if now >= self.next_metrics {
            self.write_metrics();
            self.warn_stalls(now);
            self.next_metrics = now + METRICS_EVERY;
        }
    }

    /// The last round, after the engine ended: the final interval's latency and metrics.
    pub(crate) fn finish(&mut self, last: BoxedHistogram) {
        let now = Instant::now();
        self.drain_replies(now);
        self.summarise(last, now);
        self.write_metrics();
        self.region.owner().heartbeat();
    }

    fn send(&mut self, command: Command) {
        if let Err(spsc::Full(command)) = self.commands.try_push(command) {
            self.backlog.push_back(command);
        }
    }

    fn flush_backlog(&mut self) {
        while let Some(command) = self.backlog.pop_front() {
            if let Err(spsc::Full(command)) = self.commands.try_push(command) {
                self.backlog.push_front(command);
                return;
            }
        }
    }

    fn drain_replies(&mut self, now: Instant) {
        while let Some(reply) = self.replies.try_pop() {
            match reply {
                Reply::GateAdded { token } => self.gates.on_added(token),
                Reply::GateRefused { token, error } => self.gates.on_refused(token, error),
                Reply::GateRemoved { token, gate } => self.gates.on_removed(token, gate),
                Reply::Histogram(h) => self.summarise(h, now),
            }
        }
    }

    /// Writes the latency row of one interval's histogram and keeps it as the spare.
    fn summarise(&mut self, mut h: BoxedHistogram, now: Instant) {
        self.total_latency += h.len();
        // Same bounds on both sides, so `add` cannot run out of range.
        let _ = self.total_hist.add(&*h);
        let interval = now
            .saturating_duration_since(self.interval_start)
            .as_nanos() as u64;
        let row = latency::row(&h, interval, self.total_latency, super::clock::stamp_ns());
        self.stats.write_latency(&row);
        self.last_latency = row;
        h.reset();
        self.spare = Some(h);
        self.interval_start = now;
    }

    /// The run's tick-to-publish histogram so far (every interval summarised).
    pub(crate) fn total_latency(&self) -> &BoxedHistogram {
        &self.total_hist
    }

    /// The latency row last written.
    pub(crate) fn last_latency(&self) -> LatencyRow {
        self.last_latency
    }

    /// The metrics row as of now.
    pub(crate) fn metrics(&self) -> MetricsRow {
        let (e, f) = (&self.counters.engine, &self.counters.feed);
        let last_seq = get(&e.last_seq);
        let published = (last_seq + 1).saturating_sub(self.first_seq);
        let min = self.gates.min_cursor();
        let durable = self
            .gates
            .persist_durable_cursor()
            .map(|d| d.saturating_sub(1));
        MetricsRow {
            updated_ns: super::clock::stamp_ns(),
            events_published: published,
            last_seq,
            ticks: get(&e.ticks),
            ticks_fed: get(&f.fed),
            feed_skipped: get(&f.skipped),
            // Relaxed: a display value here (the engine orders its own read).
            feed_done: u64::from(f.done.load(std::sync::atomic::Ordering::Relaxed)),
            orders: get(&e.orders),
            fills: get(&e.fills),
            rejects: get(&e.rejects),
            batches: get(&e.batches),
            ring_capacity: self.ring_capacity,
            ring_fill: min.map_or(0, |m| {
                (last_seq + 1).saturating_sub(m).min(self.ring_capacity)
            }),
            gates: get(&e.gates),
            gate_min_cursor: min.unwrap_or(0),
            durable_seq: durable.unwrap_or(0),
            persistence_lag: durable.map_or(0, |d| last_seq.saturating_sub(d)),
            gating_stalls: get(&e.stalls),
            gating_stall_ns: get(&e.stall_ns),
            forced_overwrites: get(&e.forced),
            broker_held: get(&self.counters.broker.held),
            ignored_inputs: get(&e.ignored),
            _reserved: [0; 2],
        }
    }

    fn write_metrics(&mut self) {
        let row = self.metrics();
        self.stats.write_metrics(&row);
        self.check_pressure(row.ring_fill);
    }

    /// Step 4: ring pressure, with hysteresis (up at the threshold, down below half of
    /// it) so a ring hovering at the threshold does not flood the log with notices.
    fn check_pressure(&mut self, held: u64) {
        let change = if self.nearly_full {
            held < self.nearly_full_at / 2
        } else {
            held >= self.nearly_full_at
        };
        if !change {
            return;
        }
        self.nearly_full = !self.nearly_full;
        if self.nearly_full {
            warn!(
                "event ring nearly full: {held} of {} slots hold events the persister has \
                 not consumed yet",
                self.ring_capacity
            );
        } else {
            info!("event ring drained: the persister caught up ({held} events held)");
        }
        let nearly_full = self.nearly_full;
        self.send(Command::RingPressure { nearly_full, held });
    }

    /// Step 5: after `runner_stopped`, waits until the persister's durable cursor
    /// passed `last_seq`, or `timeout`, heartbeating and scanning reader slots
    /// meanwhile. `None` when no persister gates this core.
    pub(crate) fn await_durable(&mut self, last_seq: u64, timeout: Duration) -> Option<Durable> {
        let start = Instant::now();
        let deadline = start + timeout;
        let mut said = false;
        loop {
            let now = Instant::now();
            if now >= self.next_beat {
                self.region.owner().heartbeat();
                self.next_beat = now + self.heartbeat;
            }
            let durable_next = self.gates.persist_durable_cursor()?;
            if durable_next > last_seq {
                return Some(Durable {
                    last_durable: durable_next - 1,
                    complete: true,
                    waited: now - start,
                });
            }
            if now >= deadline {
                return Some(Durable {
                    last_durable: durable_next.saturating_sub(1),
                    complete: false,
                    waited: now - start,
                });
            }
            if !said {
                info!(
                    "waiting up to {} ms for the persister to make events {}..={last_seq} durable",
                    timeout.as_millis(),
                    durable_next
                );
                said = true;
            }
            std::thread::sleep(ROUND);
        }
    }

    fn warn_stalls(&mut self, now: Instant) {
        let stalls = get(&self.counters.engine.stalls);
        let quiet = self
            .last_stall_warn
            .is_none_or(|t| now.saturating_duration_since(t) >= STALL_WARN_EVERY);
        if stalls > self.warned_stalls && quiet {
            let m = self.metrics();
            warn!(
                "event ring full: the engine waited {} time(s) for gating readers (oldest \
                 needed seq {}, last published {}, ring fill {}/{})",
                stalls, m.gate_min_cursor, m.last_seq, m.ring_fill, m.ring_capacity
            );
            self.warned_stalls = stalls;
            self.last_stall_warn = Some(now);
        }
    }
}
