//! [`Feeder`]: the reader thread's loop (see the [hub](super) docs for the whole
//! picture).
//!
//! Progress: blocking; never waits for the core (non-gating), never waits for a
//! client (the broadcast channel overwrites).

use std::num::NonZeroU64;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use seamless_core::EventRecord;
use seamless_core::domain::write_typed_event_json;
use seamless_core::shared::{EventReader, SharedReader};
use seamless_ipc::broadcast::Start;
use seamless_ipc::wait::{WaitStrategy, Waiter};
use tokio::sync::{broadcast, watch};

use super::attach::{self, Slot};
use super::{Request, Subscription};
use crate::message::{self, Out, Push, Text};
use crate::metrics::Counters;
use crate::options::Options;
use crate::push::{Conflator, Urgency, classify};
use crate::status::{Read, Status};

/// Events read per round before the loop looks at its timers and requests again.
const BATCH: usize = 1024;
/// How often a replaced region (a restarted core) is looked for.
const RESTART_CHECK: Duration = Duration::from_millis(200);
/// Longest time between two state pushes (so `age_ms`/`stale` stay current).
const STATE_AT_LEAST: Duration = Duration::from_secs(1);
/// Pause between attach attempts while there is no core.
const ATTACH_RETRY: Duration = Duration::from_millis(200);
/// Sleep between polls of an idle ring, once the waiter's spin and yield phases are
/// over. It bounds what idling adds to a critical event's latency (the reader thread
/// cuts its timer slack to 1 ns, so a sleep ends about on time instead of up to the
/// default 50 µs late) at about 10000 wake-ups a second of a few µs each while idle;
/// `Waiter`'s own park grows to 0.5 ms, half the 1 ms budget of a critical event
/// (`seamless bench bridge`).
const IDLE_POLL: Duration = Duration::from_micros(100);

/// Why [`Feeder::follow`] returned.
enum Leave {
    /// The bridge is stopping.
    Stop,
    /// A new core run replaced the region.
    Restart(Box<SharedReader>),
    /// The region became unusable; attach again.
    Detach(String),
}

/// The reader thread: follows the region and feeds the broadcast channel.
#[derive(Debug)]
pub struct Feeder {
    opts: Options,
    tx: broadcast::Sender<Push>,
    status: watch::Sender<Arc<Status>>,
    inbox: mpsc::Receiver<Request>,
    counters: Arc<Counters>,
    stop: Arc<AtomicBool>,
    conflator: Conflator,
    /// The last snapshot read and the `state_version` it was read at.
    last: Option<(u64, Read)>,
}

impl Feeder {
    pub(super) fn new(
        opts: Options,
        tx: broadcast::Sender<Push>,
        status: watch::Sender<Arc<Status>>,
        inbox: mpsc::Receiver<Request>,
        counters: Arc<Counters>,
        stop: Arc<AtomicBool>,
    ) -> Self {
        Feeder {
            opts,
            tx,
            status,
            inbox,
            counters,
            stop,
            conflator: Conflator::default(),
            last: None,
        }
    }

    fn stopping(&self) -> bool {
        // Relaxed: see `Hub::stop`.
        self.stop.load(Ordering::Relaxed)
    }

    /// Runs until the stop flag is set.
    pub fn run(mut self) {
        // The idle poll's sleeps end on time instead of up to the default 50 µs timer
        // slack late (man 2 prctl, PR_SET_TIMERSLACK): what a critical event waits
        // for the reader to look again is then the poll interval, no more.
        if let Err(e) = rustix::thread::set_current_timer_slack(NonZeroU64::new(1)) {
            tracing::debug!("seamless bridge: timer slack left at its default: {e}");
        }
        let dir = self.opts.shm_dir.clone();
        let dir = dir.as_deref();
        let mut slot: Option<Slot> = None;
        let mut reason = "attached";
        let mut pending: Option<SharedReader> = None;
        while !self.stopping() {
            let reader = match pending.take() {
                Some(reader) => reader,
                None => match self.wait_for_core(dir) {
                    Some(reader) => reader,
                    None => return,
                },
            };
            let slot = slot
                .get_or_insert_with(|| attach::slot(dir, &self.opts.name, reader.instance_id()));
            match self.follow(&reader, slot, reason) {
                Leave::Stop => return,
                Leave::Restart(new) => {
                    tracing::info!(
                        "seamless bridge: the core of instance {} restarted (pid {}); following the new run",
                        self.opts.name,
                        new.pid()
                    );
                    pending = Some(*new);
                    reason = "restart";
                }
                Leave::Detach(why) => {
                    self.set_waiting(&why);
                    reason = "attached";
                }
            }
        }
    }

    /// Tries to attach until it works or the bridge stops, answering subscriptions
    /// with a `waiting` message meanwhile.
    fn wait_for_core(&mut self, dir: Option<&Path>) -> Option<SharedReader> {
        let mut shown = String::new();
        loop {
            if self.stopping() {
                return None;
            }
            let why = match attach::try_attach(dir, &self.opts.name) {
                Ok(Some(reader)) => return Some(reader),
                Ok(None) => "the core is starting".to_owned(),
                Err(why) => why,
            };
            if why != shown {
                self.set_waiting(&why);
                shown = why;
            }
            match self.inbox.recv_timeout(ATTACH_RETRY) {
                Ok(req) => {
                    let sub = Subscription {
                        first: vec![Out {
                            text: message::waiting(&shown),
                            id: None,
                        }],
                        next: 0,
                        rx: self.tx.subscribe(),
                    };
                    let _ = req.reply.send(sub);
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return None,
            }
        }
    }

    fn set_waiting(&mut self, why: &str) {
        self.last = None;
        self.status
            .send_replace(Arc::new(Status::Waiting(why.to_owned())));
        let _ = self.tx.send(Push::Waiting(message::waiting(why)));
    }

    /// Follows one core run until it is replaced, unusable, or the bridge stops.
    fn follow(&mut self, reader: &SharedReader, slot: &mut Slot, reason: &str) -> Leave {
        self.last = None;
        let Some(read) = self.read(reader, true) else {
            return Leave::Detach(
                "the core's state cannot be read (a core that died mid-write?)".into(),
            );
        };
        let mut ring = match reader.events(Start::Oldest) {
            Ok(ring) => ring,
            Err(e) => return Leave::Detach(format!("cannot read the event ring: {e}")),
        };
        let next = (read.snap.last_seq + 1).max(ring.next_seq());
        ring.seek(Start::Seq(next));
        slot.follow(reader.instance_id(), next);
        self.conflator.clear();
        self.reset(reason, None, &read);
        let tick = self.opts.throttle_interval();
        let mut next_tick = Instant::now() + tick;
        let mut next_check = Instant::now() + RESTART_CHECK;
        let mut waiter = Waiter::new(WaitStrategy::Backoff);
        loop {
            if self.stopping() {
                return Leave::Stop;
            }
            while let Ok(req) = self.inbox.try_recv() {
                let sub = self.answer(reader, ring.next_seq(), req.resume);
                let _ = req.reply.send(sub);
            }
            let worked = self.read_batch(reader, &mut ring);
            let now = Instant::now();
            if now >= next_tick {
                self.flush();
                self.push_state(reader, now);
                next_tick = now + tick;
            }
            if now >= next_check {
                next_check = now + RESTART_CHECK;
                if let Some(new) = replaced(reader, self.opts.shm_dir.as_deref()) {
                    self.flush();
                    return Leave::Restart(Box::new(new));
                }
            }
            slot.update(ring.next_seq());
            if worked {
                waiter.reset();
            } else if waiter.is_parking() {
                std::thread::sleep(IDLE_POLL);
            } else {
                waiter.wait();
            }
        }
    }

    /// Reads up to [`BATCH`] events; true if there was anything.
    fn read_batch(&mut self, reader: &SharedReader, ring: &mut EventReader<'_>) -> bool {
        for n in 0..BATCH {
            match ring.try_next() {
                Ok(Some((seq, record))) => self.forward(reader, seq, &record),
                Ok(None) => return n > 0,
                Err(lagged) => {
                    Counters::add(&self.counters.events_missed, lagged.missed);
                    self.conflator.clear();
                    if let Some(read) = self.read(reader, true) {
                        ring.seek(Start::Seq(ring.next_seq().max(read.snap.last_seq + 1)));
                        self.reset("bridge_lagged", Some(lagged.missed), &read);
                    }
                }
            }
        }
        true
    }

    /// One event: its JSON, then at once or into the conflator.
    fn forward(&mut self, reader: &SharedReader, seq: u64, record: &EventRecord) {
        Counters::add(&self.counters.events_read, 1);
        let Some((urgency, json)) = event_json(reader, seq, record) else {
            return;
        };
        match urgency {
            Urgency::Immediate => {
                self.flush();
                self.send_event(seq, json);
            }
            Urgency::Conflated(key) => {
                if self.conflator.offer(key, seq, json) {
                    Counters::add(&self.counters.events_conflated, 1);
                }
            }
        }
    }

    fn send_event(&self, seq: u64, json: String) {
        Counters::add(&self.counters.events_forwarded, 1);
        // An error only means nobody is connected.
        let _ = self.tx.send(Push::Event {
            seq,
            json: Text::from(json),
        });
    }

    /// Sends the pending conflated events, oldest first.
    fn flush(&mut self) {
        if self.conflator.is_empty() {
            return;
        }
        let mut out = Vec::new();
        self.conflator.drain(|seq, json| out.push((seq, json)));
        for (seq, json) in out {
            self.send_event(seq, json);
        }
    }

    /// At a throttle tick: pushes the state if it changed, or at least every second.
    fn push_state(&mut self, reader: &SharedReader, now: Instant) {
        let due = match &self.last {
            Some((version, read)) => {
                *version != reader.state_version()
                    || now.saturating_duration_since(read.at) >= STATE_AT_LEAST
            }
            None => true,
        };
        if !due {
            return;
        }
        if let Some(read) = self.read(reader, true) {
            let text = read.to_json(Some("state"), Instant::now());
            let _ = self.tx.send(Push::State(Text::from(text)));
        }
    }

    /// A snapshot: the cached one when the state did not change since (and `fresh` is
    /// false), otherwise read now; published to the status channel.
    fn read(&mut self, reader: &SharedReader, fresh: bool) -> Option<Read> {
        let version = reader.state_version();
        if let Some((v, read)) = &self.last
            && !fresh
            && *v == version
            && read.at.elapsed() < self.opts.throttle_interval()
        {
            return Some(read.clone());
        }
        let snap = attach::snapshot(reader, self.opts.stale)?;
        let read = Read::new(snap, self.opts.stale);
        self.status
            .send_replace(Arc::new(Status::Attached(Box::new(read.clone()))));
        self.last = Some((version, read.clone()));
        Some(read)
    }

    /// Every client restarts from `read`.
    fn reset(&mut self, reason: &str, missed: Option<u64>, read: &Read) {
        Counters::add(&self.counters.resets, 1);
        let _ = self.tx.send(Push::Reset {
            resync: message::resync(reason, missed),
            snapshot: Text::from(read.to_json(Some("snapshot"), Instant::now())),
            last_seq: read.snap.last_seq,
        });
    }

    /// A new subscription at the bridge's position `next` (module docs of [`super`]).
    fn answer(&mut self, reader: &SharedReader, next: u64, resume: super::Resume) -> Subscription {
        let rx = self.tx.subscribe();
        let mut first = Vec::new();
        if let Some(r) = resume.resync {
            first.push(control(message::resync(r.reason, r.missed)));
        }
        let same_run = resume.instance.is_none_or(|i| i == reader.instance_id());
        if let (Some(from), true) = (resume.from, same_run) {
            if let Some(events) = self.replay(reader, from, next) {
                first.extend(events);
                let next = from.max(next);
                return Subscription { first, next, rx };
            }
            if resume.resync.is_none() {
                first.push(control(message::resync("unavailable", None)));
            }
        } else if resume.from.is_some() && resume.resync.is_none() {
            first.push(control(message::resync("restart", None)));
        }
        let Some(read) = self.read(reader, false) else {
            first.push(control(message::waiting("the core's state cannot be read")));
            return Subscription { first, next, rx };
        };
        let last = read.snap.last_seq;
        first.push(Out {
            text: Text::from(read.to_json(Some("snapshot"), Instant::now())),
            id: Some(last),
        });
        let mut from = last + 1;
        if from < next
            && let Some(events) = self.replay(reader, from, next)
        {
            first.extend(events);
            from = next;
        }
        Subscription {
            first,
            next: from,
            rx,
        }
    }

    /// Events `from..until` (what the bridge already forwarded) read again from the
    /// ring, unconflated; `None` if they are no longer all there, too many for the
    /// client queue, or `from` lies beyond what the core published.
    fn replay(&self, reader: &SharedReader, from: u64, until: u64) -> Option<Vec<Out>> {
        let from = from.max(1);
        let mut ring = reader.events(Start::Seq(from)).ok()?;
        if from > ring.published() + 1 {
            return None;
        }
        if from >= until {
            return Some(Vec::new());
        }
        if until - from > self.opts.client_queue as u64 {
            return None;
        }
        let mut out = Vec::with_capacity((until - from) as usize);
        while ring.next_seq() < until {
            let (seq, record) = ring.try_next().ok()??;
            if let Some((_, json)) = event_json(reader, seq, &record) {
                out.push(Out {
                    text: Text::from(json),
                    id: Some(seq),
                });
            }
        }
        Some(out)
    }
}

fn control(text: Text) -> Out {
    Out { text, id: None }
}

/// The event's push class and JSON; `None` (logged) for a record that does not decode.
fn event_json(reader: &SharedReader, seq: u64, record: &EventRecord) -> Option<(Urgency, String)> {
    let ev = match record.decode() {
        Ok(ev) => ev,
        Err(e) => {
            tracing::warn!("seamless bridge: event {seq} left out: {e}");
            return None;
        }
    };
    let mut json = String::with_capacity(192);
    if let Err(e) = write_typed_event_json(reader.instrument_table(), seq, &ev, &mut json) {
        tracing::warn!("seamless bridge: event {seq} left out: {e}");
        return None;
    }
    Some((classify(&ev), json))
}

/// The new core's reader when the region was replaced by a new run.
fn replaced(reader: &SharedReader, dir: Option<&Path>) -> Option<SharedReader> {
    if reader.region().is_current() {
        return None;
    }
    let new = attach::try_attach(dir, reader.name()).ok()??;
    (new.instance_id() != reader.instance_id()).then_some(new)
}
