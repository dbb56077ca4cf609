//! [`Persister`]: the state of a persister process and its loop over one core run
//! (steps 3-6 of the [`persister`](super) module docs).
//!
//! Progress: blocking (file I/O, sleeps when idle).

use std::time::{Duration, Instant};

use seamless_core::domain::State;
use seamless_core::shared::SharedReader;
use seamless_ipc::broadcast::Start;
use seamless_ipc::reader_slot::ReaderSlot;
use seamless_ipc::region::Status;
use seamless_ipc::wait::{WaitStrategy, Waiter};
use tracing::{error, info, warn};

use super::durability::{Cursors, Durability};
use super::snapshots::SnapshotSchedule;
use super::{PersistSummary, PersisterError, PersisterOptions, Throttled};
use crate::{LogMeta, LogWriter, PersistError, retain};

/// Most events appended per batch (one durability step each).
const BATCH: usize = 8192;
/// How often the slot's heartbeat is refreshed.
const BEAT_EVERY: Duration = Duration::from_millis(100);
/// How often an idle persister checks whether its core is still alive.
const LIVENESS_EVERY: Duration = Duration::from_millis(20);
/// Pause before retrying a failed write.
const RETRY_WRITE: Duration = Duration::from_millis(100);

/// How following a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Followed {
    /// The core stopped or died and every event it published is durable.
    Ended,
    /// A stop request.
    Stopped,
    /// A finished run that does not continue the log: not followed.
    Skipped,
}

/// The persister's state across runs.
pub(super) struct Persister<'o> {
    opts: &'o PersisterOptions,
    log: LogWriter,
    state: State,
    slot: ReaderSlot,
    durability: Durability,
    schedule: SnapshotSchedule,
    meta: LogMeta,
    /// The next sequence to append.
    next: u64,
    /// Runs already finished (their last event durable).
    done: Vec<u64>,
    next_beat: Instant,
    events: u64,
    snapshots: u64,
    write_errors: u64,
    /// The fold failed once (reported once; the log is still written).
    fold_broken: bool,
    /// The followed core's heartbeat was older than `core_stale` at the last check.
    core_hung: bool,
    io_warn: Throttled,
}

impl<'o> Persister<'o> {
    pub(super) fn new(
        opts: &'o PersisterOptions,
        log: LogWriter,
        state: State,
        slot: ReaderSlot,
        next: u64,
    ) -> Self {
        let p = &opts.persist;
        Persister {
            opts,
            log,
            state,
            slot,
            durability: Durability::new(p.fsync, Duration::from_millis(p.fsync_interval_ms), next),
            schedule: SnapshotSchedule::new(p.snapshot_every_events, p.snapshot_every_secs),
            meta: LogMeta::default(),
            next,
            done: Vec::new(),
            next_beat: Instant::now(),
            events: 0,
            snapshots: 0,
            write_errors: 0,
            fold_broken: false,
            core_hung: false,
            io_warn: Throttled::new(Duration::from_secs(5)),
        }
    }

    /// `true` if run `instance_id` was followed to its end already.
    pub(super) fn is_done_with(&self, instance_id: u64) -> bool {
        self.done.contains(&instance_id)
    }

    /// Refreshes the slot's heartbeat when due.
    pub(super) fn beat(&self) {
        self.slot.heartbeat();
    }

    fn beat_if_due(&mut self, now: Instant) {
        if now >= self.next_beat {
            self.slot.heartbeat();
            self.next_beat = now + BEAT_EVERY;
        }
    }

    /// Follows one run to its end or to a stop request, or skips it.
    pub(super) fn follow(&mut self, reader: &SharedReader) -> Result<Followed, PersisterError> {
        let id = reader.instance_id();
        let (first, behind) = {
            let ring = reader
                .events(Start::Seq(self.next))
                .map_err(|e| PersisterError::Attach(e.to_string()))?;
            let first = reader.meta().first_seq.max(1);
            (first, ring.published() + 1 < self.next)
        };
        let over = reader.status() == Status::Stopped || !reader.is_owner_alive();
        if first > self.next || behind {
            if over {
                // A finished run that does not continue the log: an earlier one already
                // in it, or one that never was (a core run without this data directory).
                // Not ours to write; wait for the next.
                if first > self.next {
                    warn!(
                        "not following the finished run {id:016x}: it starts at seq {first} \
                         but the log needs seq {} next",
                        self.next
                    );
                }
                self.done.push(id);
                return Ok(Followed::Skipped);
            }
            return Err(if first > self.next {
                PersisterError::Gap {
                    needed: self.next,
                    oldest: first,
                }
            } else {
                PersisterError::Overlap {
                    needed: self.next,
                    first,
                }
            });
        }
        self.meta = LogMeta::from_table(reader.instrument_table());
        self.log.set_meta(self.meta.clone());
        self.slot.set_following(id);
        self.core_hung = false;
        info!(
            "following run {id:016x} of {} (core pid {}) from seq {}",
            reader.name(),
            reader.pid(),
            self.next
        );
        let ended = self.run_loop(reader)?;
        let c = self.settle();
        if !ended {
            return Ok(Followed::Stopped);
        }
        {
            self.done.push(id);
            self.slot.set_following(0);
            info!(
                "run {id:016x} ended; every event durable up to seq {}",
                c.durable.saturating_sub(1)
            );
        }
        Ok(Followed::Ended)
    }

    /// The loop of step 4; `Ok(true)` once the core is gone or stopped and everything
    /// it published is appended.
    fn run_loop(&mut self, reader: &SharedReader) -> Result<bool, PersisterError> {
        let mut waiter = Waiter::new(WaitStrategy::Backoff);
        let mut next_liveness = Instant::now();
        let mut pending_error = false;
        loop {
            let now = Instant::now();
            self.beat_if_due(now);
            if pending_error {
                // Step 4: a failed write keeps its batch; retry before reading more.
                pending_error = !self.durable_step(true);
                if pending_error {
                    std::thread::sleep(RETRY_WRITE);
                    continue;
                }
            }
            let n = self.read_batch(reader)?;
            if n > 0 {
                waiter.reset();
                if self.core_hung {
                    // Events flow again: the idle check below may not run for a while.
                    self.report_hung_core(reader);
                }
                pending_error = !self.durable_step(true);
                if !pending_error {
                    self.snapshot_if_due(Instant::now());
                }
                continue;
            }
            if !self.durable_step(false) {
                pending_error = true;
                continue;
            }
            if self.opts.stop.is_set() {
                // Take what is published, then stop (step 6).
                let more = self.read_batch(reader)?;
                if more == 0 {
                    return Ok(false);
                }
                continue;
            }
            if now >= next_liveness {
                next_liveness = now + LIVENESS_EVERY;
                if self.core_ended(reader) && self.read_batch(reader)? == 0 {
                    return Ok(true);
                }
            }
            waiter.wait();
        }
    }

    /// `true` if the core's process is gone or its run has stopped and published
    /// nothing beyond what was read. While it runs, a hung core is reported.
    fn core_ended(&mut self, reader: &SharedReader) -> bool {
        let stopped = reader.status() == Status::Stopped;
        let dead = !reader.is_owner_alive();
        if !(stopped || dead) {
            self.report_hung_core(reader);
            return false;
        }
        let published = reader
            .events(Start::Seq(self.next))
            .map(|r| r.published())
            .unwrap_or(0);
        if dead && !stopped {
            warn!(
                "the core (pid {}) died without stopping; its ring is read to seq {published}",
                reader.pid()
            );
        }
        published < self.next
    }

    /// Logs, once per change, that the live core's heartbeat is older than
    /// `core_stale` (hung, stopped by a signal, or starved of CPU) and that it beats
    /// again. Only reported: a hung core publishes nothing to lose, and a dead one is
    /// told by its lock, not by its heartbeat.
    fn report_hung_core(&mut self, reader: &SharedReader) {
        let age = reader.heartbeat_age();
        // `None`: it never beat yet (still starting), not hung.
        let hung = age.is_some_and(|a| a > self.opts.core_stale);
        if hung == self.core_hung {
            return;
        }
        self.core_hung = hung;
        let ms = age.unwrap_or_default().as_millis();
        if hung {
            warn!(
                "the core (pid {}) is hung: no heartbeat for {ms} ms (limit {} ms); waiting \
                 for it",
                reader.pid(),
                self.opts.core_stale.as_millis()
            );
        } else {
            info!(
                "the core (pid {}) is responsive again: heartbeat {ms} ms ago",
                reader.pid()
            );
        }
    }

    /// Appends (and folds) up to [`BATCH`] events; returns how many.
    fn read_batch(&mut self, reader: &SharedReader) -> Result<usize, PersisterError> {
        let mut ring = reader
            .events(Start::Seq(self.next))
            .map_err(|e| PersisterError::Attach(e.to_string()))?;
        let mut n = 0;
        while n < BATCH {
            match ring.try_next() {
                Ok(Some((seq, record))) => {
                    self.log.append(seq, &record)?;
                    self.fold(seq, &record);
                    self.next = seq + 1;
                    n += 1;
                }
                Ok(None) => break,
                Err(lagged) => {
                    return Err(PersisterError::Gap {
                        needed: self.next,
                        oldest: self.next + lagged.missed,
                    });
                }
            }
        }
        self.events += n as u64;
        self.schedule.add(n as u64);
        Ok(n)
    }

    fn fold(&mut self, seq: u64, record: &seamless_core::EventRecord) {
        if self.fold_broken {
            return;
        }
        let result = record
            .decode()
            .map_err(|e| e.to_string())
            .and_then(|ev| self.state.apply(seq, &ev).map_err(|e| e.to_string()));
        if let Err(e) = result {
            // The event is logged as published; only the snapshots stop.
            error!("event {seq} cannot be folded ({e}): no more snapshots this run");
            self.fold_broken = true;
        }
    }

    /// One durability step and the cursors; `false` on a write error (reported).
    fn durable_step(&mut self, after_batch: bool) -> bool {
        let step = if after_batch {
            self.durability.after_batch(&mut self.log)
        } else {
            self.durability.idle(&mut self.log)
        };
        match step {
            Ok(c) => {
                self.publish(c);
                true
            }
            Err(e) => {
                self.write_errors += 1;
                let durable = self.durability.cursors().durable;
                self.io_warn.warn(|| {
                    format!(
                        "cannot write the log ({e}); retrying; durable up to seq {}, the core \
                         applies its back-pressure policy meanwhile",
                        durable.saturating_sub(1)
                    )
                });
                false
            }
        }
    }

    fn publish(&self, c: Cursors) {
        if self.slot.cursor() != c.written {
            self.slot.set_cursor(c.written);
        }
        if self.slot.durable_cursor() != c.durable {
            self.slot.set_durable_cursor(c.durable);
        }
    }

    /// Writes a snapshot when due (step 4): the log is synced first, so a snapshot
    /// never covers an event the log could lose.
    fn snapshot_if_due(&mut self, now: Instant) {
        if self.fold_broken || !self.schedule.due(now) {
            return;
        }
        if !self.durable_sync() {
            return;
        }
        match self.log.write_snapshot(&self.state) {
            Ok(path) => {
                self.snapshots += 1;
                self.schedule.done(now);
                info!(
                    "snapshot {} (seq {})",
                    path.display(),
                    self.state.last_seq()
                );
                match retain(
                    &self.opts.data_dir,
                    self.opts.persist.keep_snapshots as usize,
                ) {
                    Ok(r) if r.deleted_snapshots.is_empty() && r.deleted_segments.is_empty() => {}
                    Ok(r) => info!(
                        "retention: deleted {} snapshot(s) and {} segment(s) covered up to seq {}",
                        r.deleted_snapshots.len(),
                        r.deleted_segments.len(),
                        r.covered_to.unwrap_or(0)
                    ),
                    Err(e) => warn!("retention: {e}"),
                }
            }
            Err(e) => self.report_io(&e),
        }
    }

    fn durable_sync(&mut self) -> bool {
        match self.durability.sync(&mut self.log) {
            Ok(c) => {
                self.publish(c);
                true
            }
            Err(e) => {
                self.write_errors += 1;
                self.report_io(&e);
                false
            }
        }
    }

    fn report_io(&mut self, e: &PersistError) {
        self.io_warn.warn(|| format!("{e}"));
    }

    /// Makes everything appended durable, retrying a failing disk until it works or a
    /// second stop request; returns the cursors.
    fn settle(&mut self) -> Cursors {
        loop {
            if self.durable_sync() {
                return self.durability.cursors();
            }
            std::thread::sleep(RETRY_WRITE);
            self.beat_if_due(Instant::now());
        }
    }

    /// The end: everything durable, the summary filled in.
    pub(super) fn finish(mut self, summary: &mut PersistSummary) {
        let c = self.settle();
        summary.events = self.events;
        summary.snapshots = self.snapshots;
        summary.syncs = self.durability.syncs();
        summary.durable_cursor = c.durable;
        summary.write_errors = self.write_errors;
    }
}
