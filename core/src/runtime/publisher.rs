//! The engine thread's event sink: publishes to the event ring, applies the gating
//! policy when a gating reader holds the ring full, and serves housekeeping's
//! commands (gates, histogram swaps).
//!
//! Progress: [`EventSink::publish`] is wait-free while the ring has room (one
//! `try_publish`); with the ring full it blocks, by policy, until the gating reader
//! moves. Nothing here allocates, locks, logs or makes a system call after start-up
//! (stall timing reads the vDSO clock, only while stalled).
//!
//! # Implementation
//!
//! 1. `try_publish`; on [`Full`](seamless_ipc::broadcast::Full), count a stall and
//!    loop: serve commands (a gate being removed must be able to free the ring), retry,
//!    wait with the configured strategy.
//! 2. Both policies wait for as long as it takes while running: no event is ever
//!    dropped or overwritten. Once a stop is requested or the run is ending (the
//!    feed's end included), wait at most `gating.shutdown_timeout_ms` in all, then
//!    publish over the gate and count the forced overwrite (a dead gating reader must
//!    not keep the core from exiting).
//! 3. Policy `halt_trading`: a stall longer than `gating.block_timeout_ms` raises a
//!    notice ([`Notices::halt_due`]); the engine loop reads the notices after the
//!    batch (the sink cannot re-enter the engine) and halts trading with reason
//!    `persistence_lag`. Housekeeping's [`Command::RingPressure`] becomes a notice too:
//!    the engine publishes `ring_nearly_full`/`ring_drained` and, once drained,
//!    resumes trading halted for persistence lag.
//!
//! It must never drop an event: every sequence is published exactly once, in order.

use seamless_ipc::broadcast::GateId;
use seamless_ipc::spsc;
use seamless_ipc::wait::{WaitStrategy, Waiter};

use super::clock::stamp_ns;
use super::commands::{BoxedHistogram, Command, MAX_GATES, Reply};
use super::counters::{EngineCounters, set};
use super::stop::StopFlag;
use crate::domain::EventRecord;
use crate::engine::EventSink;
use crate::shared::SharedWriter;

/// The engine thread's publisher.
pub(crate) struct Publisher<'r> {
    pub(crate) writer: SharedWriter<'r>,
    commands: spsc::Consumer<Command>,
    replies: spsc::Producer<Reply>,
    /// A reply the ring had no room for, sent before any new command is served.
    outbox: Option<Reply>,
    /// Gate ids by housekeeping's token.
    gate_ids: [Option<GateId>; MAX_GATES],
    /// The interval histogram being recorded into.
    pub(crate) hist: BoxedHistogram,
    stop: StopFlag,
    wait: WaitStrategy,
    shutdown_timeout_ns: u64,
    counters: &'r EngineCounters,
    stalls: u64,
    stall_ns: u64,
    forced: u64,
    /// When a stalled publish first saw the stop request: the shutdown timeout runs
    /// from here for every later stall too, so a dead gating reader costs the exit one
    /// timeout, not one per remaining event.
    stop_seen_ns: Option<u64>,
    /// Set once the engine has left its main loop (draining, `runner_stopped`): the
    /// shutdown timeout applies from then on, whatever ended the run.
    stopping: bool,
    /// `halt_trading`: the stall after which trading halts (`None`: policy `block`).
    halt_after_ns: Option<u64>,
    /// What the engine loop must act on (step 3 of the module docs).
    notices: Notices,
}

/// Things the engine loop acts on after a batch (step 3 of the module docs).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Notices {
    /// A stall outlasted `gating.block_timeout_ms` under `halt_trading`.
    pub(crate) halt_due: bool,
    /// Housekeeping's ring-pressure changes not yet acted on, oldest first, at most
    /// the last two (they alternate, so two keep both edges of a cycle):
    /// `(nearly_full, held)`.
    pub(crate) pressure: [Option<(bool, u64)>; 2],
}

/// What a [`Publisher`] needs besides its rings.
pub(crate) struct PublisherSetup<'r> {
    pub(crate) stop: StopFlag,
    pub(crate) wait: WaitStrategy,
    pub(crate) shutdown_timeout_ns: u64,
    pub(crate) counters: &'r EngineCounters,
    pub(crate) hist: BoxedHistogram,
    /// `Some(gating.block_timeout_ms in ns)` under the `halt_trading` policy.
    pub(crate) halt_after_ns: Option<u64>,
}

impl<'r> Publisher<'r> {
    pub(crate) fn new(
        writer: SharedWriter<'r>,
        commands: spsc::Consumer<Command>,
        replies: spsc::Producer<Reply>,
        gate_ids: [Option<GateId>; MAX_GATES],
        setup: PublisherSetup<'r>,
    ) -> Self {
        Publisher {
            writer,
            commands,
            replies,
            outbox: None,
            gate_ids,
            hist: setup.hist,
            stop: setup.stop,
            wait: setup.wait,
            shutdown_timeout_ns: setup.shutdown_timeout_ns,
            counters: setup.counters,
            stalls: 0,
            stall_ns: 0,
            forced: 0,
            stop_seen_ns: None,
            stopping: false,
            halt_after_ns: setup.halt_after_ns,
            notices: Notices::default(),
        }
    }

    /// Takes the pending notices (step 3 of the module docs); one compare when there
    /// are none.
    #[inline]
    pub(crate) fn take_notices(&mut self) -> Option<Notices> {
        if self.notices == Notices::default() {
            return None;
        }
        Some(std::mem::take(&mut self.notices))
    }

    /// The run is ending: from now on a stalled publish waits at most the shutdown
    /// timeout (step 2 of the module docs).
    pub(crate) fn begin_shutdown(&mut self) {
        self.stopping = true;
    }

    /// Serves housekeeping's commands; cheap when there are none (one load).
    #[inline]
    pub(crate) fn serve(&mut self) {
        if let Some(reply) = self.outbox.take()
            && let Err(spsc::Full(reply)) = self.replies.try_push(reply)
        {
            self.outbox = Some(reply);
            return;
        }
        while let Some(command) = self.commands.try_pop() {
            let Some(reply) = self.apply(command) else {
                continue;
            };
            if let Err(spsc::Full(reply)) = self.replies.try_push(reply) {
                self.outbox = Some(reply);
                return;
            }
        }
    }

    fn apply(&mut self, command: Command) -> Option<Reply> {
        let events = self.writer.events();
        let reply = match command {
            Command::AddGate { token, gate } => match events.add_gate(gate) {
                Ok(id) => {
                    if let Some(slot) = self.gate_ids.get_mut(token) {
                        *slot = Some(id);
                    }
                    Reply::GateAdded { token }
                }
                Err(error) => Reply::GateRefused { token, error },
            },
            Command::RemoveGate { token } => {
                let id = self.gate_ids.get_mut(token).and_then(Option::take);
                let gate = id.and_then(|id| events.remove_gate(id));
                Reply::GateRemoved { token, gate }
            }
            Command::Histogram(fresh) => Reply::Histogram(std::mem::replace(&mut self.hist, fresh)),
            Command::RingPressure { nearly_full, held } => {
                let p = &mut self.notices.pressure;
                if p[1].is_some() {
                    p[0] = p[1];
                }
                let slot = if p[0].is_none() { 0 } else { 1 };
                p[slot] = Some((nearly_full, held));
                return None;
            }
        };
        set(&self.counters.gates, events.gate_count() as u64);
        Some(reply)
    }

    /// Step 1-2 of the module docs: the ring is full of events a gating reader needs.
    #[cold]
    #[inline(never)]
    fn wait_for_room(&mut self, seq: u64, record: &EventRecord) {
        self.stalls += 1;
        set(&self.counters.stalls, self.stalls);
        let start = stamp_ns();
        let mut waiter = Waiter::new(self.wait);
        loop {
            self.serve();
            if self.writer.try_publish_event(seq, record).is_ok() {
                break;
            }
            if let Some(limit) = self.halt_after_ns
                && !self.notices.halt_due
                && stamp_ns().saturating_sub(start) >= limit
            {
                self.notices.halt_due = true;
            }
            if self.stopping || self.stop.is_set() {
                let now = stamp_ns();
                let since = *self.stop_seen_ns.get_or_insert(now);
                if now.saturating_sub(since) >= self.shutdown_timeout_ns {
                    self.writer.force_publish_event(seq, record);
                    self.forced += 1;
                    set(&self.counters.forced, self.forced);
                    break;
                }
            }
            waiter.wait();
        }
        self.stall_ns += stamp_ns().saturating_sub(start);
        set(&self.counters.stall_ns, self.stall_ns);
    }
}

impl EventSink for Publisher<'_> {
    #[inline]
    fn publish(&mut self, seq: u64, record: &EventRecord) {
        if self.writer.try_publish_event(seq, record).is_err() {
            self.wait_for_room(seq, record);
        }
        set(&self.counters.last_seq, seq);
    }
}
