//! [`Session`]: the TUI's data side. It owns the attachment, the monitor's reader slot
//! and the [`Model`], and knows when the model is out of date.
//!
//! - [`changed`](Session::changed): two loads (`state_version`, the ring's published
//!   cursor), called every frame; nothing else happens while the core is idle.
//! - [`refresh`](Session::refresh): a snapshot plus at most [`MAX_EVENTS_PER_FRAME`]
//!   events (a larger backlog is skipped and counted: the tail shows the newest).
//! - [`tick`](Session::tick): a few times a second, the things that change without a
//!   new state version: a core restart (reattach), the core's liveness and heartbeat
//!   age (STALE/DEAD within the threshold), the uptime clock.
//!
//! Progress: blocking (snapshot reads list a directory and probe a lock).

use std::time::{Duration, Instant};

use seamless_ipc::broadcast::Start;
use seamless_ipc::region::Status;
use seamless_ipc::shm::unix_time_ns;

use super::quotes::QuoteAges;
use crate::error::MonitorError;
use crate::follow::Follower;
use crate::options::Options;
use crate::own_reads::OwnReads;
use crate::ring::{self, Step};
use crate::slot::OwnSlot;
use crate::view::{Model, TailEntry};

/// Events read per refresh; more waiting are skipped (counted in the tail).
pub const MAX_EVENTS_PER_FRAME: usize = 256;
/// Events shown at start-up (the recent past).
const INITIAL_EVENTS: u64 = 100;
/// Longest time between two refreshes while the data does not change (ages, uptime).
const CLOCK_REFRESH: Duration = Duration::from_secs(1);

/// The TUI's data: attachment, slot, model.
#[derive(Debug)]
pub struct Session {
    follower: Follower,
    slot: OwnSlot,
    quotes: QuoteAges,
    steps: Vec<Step>,
    stale: Duration,
    /// `state_version` of the model's snapshot.
    seen_version: u64,
    last_refresh: Instant,
    /// Row reads of the regions followed before the current one (a restart replaces
    /// the reader and its counters).
    reads_before: OwnReads,
    /// What the screen shows.
    pub model: Model,
}

impl Session {
    /// Attaches and reads the first snapshot and the recent events.
    ///
    /// # Errors
    ///
    /// Attach and read errors.
    pub fn start(opts: &Options) -> Result<Self, MonitorError> {
        let dir = opts.shm_dir.as_deref();
        let follower = Follower::attach(dir, &opts.name, &opts.stop)?;
        let snap = follower.snapshot(opts.stale)?;
        let id = follower.reader().instance_id();
        let (slot, note) = match crate::slot::create(dir, &opts.name, id) {
            Ok(slot) => (slot, None),
            Err(e) => (
                OwnSlot::none(),
                Some(format!("running without a reader slot: {e}")),
            ),
        };
        let next =
            ring::recent_start(follower.reader(), INITIAL_EVENTS).map_err(MonitorError::Ring)?;
        let mut model = Model::new(snap);
        model.stale_after = opts.stale;
        model.note = note;
        model.next_seq = next;
        let mut session = Session {
            follower,
            slot,
            quotes: QuoteAges::default(),
            steps: Vec::with_capacity(MAX_EVENTS_PER_FRAME + 2),
            stale: opts.stale,
            seen_version: 0,
            last_refresh: Instant::now(),
            reads_before: OwnReads::default(),
            model,
        };
        session.refresh()?;
        session.model.tail.skipped = 0; // the past before start-up is not "skipped"
        Ok(session)
    }

    /// Whether the state or the event ring moved since the last refresh (two loads).
    pub fn changed(&self) -> bool {
        let reader = self.follower.reader();
        if reader.state_version() != self.seen_version {
            return true;
        }
        reader
            .events(Start::Seq(self.model.next_seq))
            .is_ok_and(|ring| ring.lag() > 0)
    }

    /// What the followed core last said it is doing (one load; a crash leaves
    /// `Running`, see the model's `snap.alive`).
    pub fn core_status(&self) -> Status {
        self.follower.reader().status()
    }

    /// Reads a new snapshot and the next events into the model.
    ///
    /// # Errors
    ///
    /// The event ring cannot be read (a row that cannot be read is counted and the
    /// last good state kept).
    pub fn refresh(&mut self) -> Result<(), MonitorError> {
        let now = Instant::now();
        let now_unix = unix_time_ns();
        self.last_refresh = now;
        let model = &mut self.model;
        match self.follower.snapshot(self.stale) {
            Ok(snap) => {
                self.seen_version = snap.state_version;
                model.rates.observe(&snap.metrics);
                model.rates.observe_latency(&snap.latency);
                model.quote_ages = self.quotes.observe(&snap.market, now, now_unix);
                model.snap = snap;
            }
            Err(e) => {
                model.read_failures += 1;
                model.note = Some(e.to_string());
            }
        }
        model.now_unix_ns = now_unix;
        let reader = self.follower.reader();
        model.reads = self.reads_before.plus(OwnReads::of(reader));
        let instruments = self.follower.instruments();
        ring::pull(
            reader,
            &mut model.next_seq,
            MAX_EVENTS_PER_FRAME,
            true,
            &mut self.steps,
        )
        .map_err(MonitorError::Ring)?;
        for step in &self.steps {
            match step {
                Step::Event(seq, record) => {
                    match TailEntry::from_record(instruments, *seq, record) {
                        Some(entry) => model.tail.push(entry),
                        None => model.tail.skip(1),
                    }
                }
                Step::Skipped(n) => model.tail.skip(*n),
            }
        }
        self.slot.update(model.next_seq);
        Ok(())
    }

    /// The periodic check; returns whether the screen should be drawn again.
    /// While `paused`, only liveness is updated (the data stays frozen).
    ///
    /// # Errors
    ///
    /// As [`refresh`](Self::refresh).
    pub fn tick(&mut self, paused: bool) -> Result<bool, MonitorError> {
        let before = OwnReads::of(self.follower.reader());
        if let Some(r) = self.follower.poll_restart() {
            self.reads_before = self.reads_before.plus(before);
            let model = &mut self.model;
            model.tail.clear();
            model.rates = Default::default();
            model.next_seq = r.first_seq;
            model.note = Some(format!(
                "core restarted (pid {}, run {:#x}): reattached",
                r.pid, r.new_id
            ));
            self.quotes.clear();
            self.slot.follow(r.new_id, r.first_seq);
            self.refresh()?;
            return Ok(true);
        }
        self.slot.update(self.model.next_seq);
        let reader = self.follower.reader();
        let alive = reader.is_owner_alive();
        let age = reader.heartbeat_age();
        let stale = !alive || age.is_none_or(|a| a > self.stale);
        let snap = &mut self.model.snap;
        let health_moved = (snap.alive, snap.stale) != (alive, stale);
        if paused {
            (snap.alive, snap.stale, snap.status) = (alive, stale, reader.status());
            snap.heartbeat_age_ms = age.map(|a| a.as_millis() as u64);
            return Ok(health_moved);
        }
        if health_moved || self.last_refresh.elapsed() >= CLOCK_REFRESH {
            self.refresh()?;
            return Ok(true);
        }
        Ok(false)
    }
}
