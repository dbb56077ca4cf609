//! The engine thread: pops ticks and broker replies in batches, runs the engine,
//! publishes the dirty rows after each batch, records tick-to-publish latency, and
//! decides when the run is over.
//!
//! Progress: after start-up the loop never allocates, locks, logs or makes a system
//! call: ring pops, the engine's wait-free calls, seqlock and ring writes, a vDSO
//! clock read per batch, and histogram increments. Idle time goes through the
//! configured [`Waiter`] (which may sleep: that is what `backoff` means).
//!
//! # Implementation
//!
//! 1. The start-up reconciliation with the broker (replies only, bounded by
//!    `reconcile.timeout_ms`: see [`orders`](super::orders)), `runner_started`, then
//!    the loop: replies first (fills change what the strategy
//!    may do), then up to [`BATCH`] ticks, then one `publish_dirty` for the batch and
//!    one clock read, recorded against every tick's feed stamp. Each tick's stamp also
//!    goes into its market row, so another process can time tick-to-visible itself.
//! 2. Housekeeping's commands are served every iteration (one load when there are
//!    none), and the publisher's notices acted on: `ring_nearly_full`/`ring_drained`
//!    events, a halt (or resume) for persistence lag under `halt_trading`; and
//!    reconciliation's clock is checked (a round due, an answer overdue).
//! 3. When idle, it checks whether the run is over: the feed's ring abandoned and
//!    drained, and then a stop request, a feed that died (no `feed-done` mark), or the
//!    feed's end with `exit_after_feed`. A stop request never cuts the feed short by
//!    itself: the feed thread sees the request and ends, and every tick it handed over
//!    is processed.
//! 4. Drain: wait (bounded) for the orders in flight to come back from the broker,
//!    then `runner_stopped` with the reason and a last publication.
//!    (The LMAX business logic processor's batching: Thompson et al., "Disruptor",
//!    2011, section "Batching effect".)

use std::sync::atomic::Ordering;

use seamless_ipc::spsc;
use seamless_ipc::wait::{WaitStrategy, Waiter};

use super::clock::{stamp_ns, wall_ns};
use super::commands::BoxedHistogram;
use super::counters::{EngineCounters, FeedCounters, set};
use super::orders::OrderRing;
use super::pin::pin_current;
use super::publisher::Publisher;
use super::stop::StopFlag;
use crate::broker::{ReplyRecord, RequestRecord};
use crate::domain::{Counters, Reason};
use crate::engine::Engine;
use crate::feed::Tick;

/// Most inputs of one kind taken per batch (and per state publication).
pub(crate) const BATCH: usize = 64;

/// Everything the engine thread owns.
pub(crate) struct EngineThread<'r> {
    pub(crate) engine: Engine,
    pub(crate) publisher: Publisher<'r>,
    pub(crate) ticks: spsc::Consumer<Tick>,
    pub(crate) requests: spsc::Producer<RequestRecord>,
    pub(crate) replies: spsc::Consumer<ReplyRecord>,
    pub(crate) feed: &'r FeedCounters,
    pub(crate) counters: &'r EngineCounters,
    pub(crate) stop: StopFlag,
    pub(crate) exit_after_feed: bool,
    pub(crate) wait: WaitStrategy,
    /// Longest wait for orders in flight at the end.
    pub(crate) drain_limit_ns: u64,
    pub(crate) start_reason: Reason,
    pub(crate) core: Option<usize>,
    /// Broker replies that did not decode.
    pub(crate) bad_replies: u64,
    pub(crate) batches: u64,
    /// Trading is halted for persistence lag (step 2): the loop resumes it once the
    /// ring holds fewer than `resume_below` events the gating readers still need.
    pub(crate) lag_halt: bool,
    /// Half of `gating.nearly_full_pct` of the ring, in events.
    pub(crate) resume_below: u64,
}

/// What the engine thread reports when it ends.
pub(crate) struct EngineOutcome {
    pub(crate) reason: Reason,
    pub(crate) pinned: bool,
    pub(crate) pending_at_stop: usize,
    pub(crate) last_seq: u64,
    pub(crate) counters: Counters,
    pub(crate) ticks: u64,
    pub(crate) hist: BoxedHistogram,
}

impl EngineThread<'_> {
    /// Runs until the run is over (module docs); returns why.
    pub(crate) fn run(mut self) -> EngineOutcome {
        let pinned = pin_current(self.core, "engine");
        self.reconcile_at_start();
        self.engine
            .start(wall_ns(), self.start_reason, &mut self.publisher);
        self.publish();
        let reason = self.main_loop();
        self.publisher.begin_shutdown();
        self.drain();
        let pending_at_stop = self.engine.pending().iter().count();
        self.engine.stop(wall_ns(), reason, &mut self.publisher);
        self.publish();
        EngineOutcome {
            reason,
            pinned,
            pending_at_stop,
            last_seq: self.engine.state().last_seq(),
            counters: *self.engine.state().counters(),
            ticks: self.engine.stats().ticks,
            hist: self.publisher.hist,
        }
    }

    fn main_loop(&mut self) -> Reason {
        let mut waiter = Waiter::new(self.wait);
        loop {
            self.publisher.serve();
            self.act_on_notices();
            self.reconcile_if_due();
            if self.step() > 0 {
                waiter.reset();
                continue;
            }
            if let Some(reason) = self.finished() {
                return reason;
            }
            waiter.wait();
        }
    }

    /// One batch: replies, ticks, one publication, latency. Returns the inputs taken.
    #[inline]
    fn step(&mut self) -> usize {
        let EngineThread {
            engine,
            publisher,
            ticks,
            requests,
            replies,
            bad_replies,
            ..
        } = self;
        let mut orders = OrderRing(requests);
        let mut n = replies.pop_batch(BATCH, |record| match record.decode() {
            Ok(reply) => engine.on_broker_reply(&reply, publisher, &mut orders),
            Err(_) => *bad_replies += 1,
        });
        let mut stamps = [0u64; BATCH];
        let mut k = 0;
        n += ticks.pop_batch(BATCH, |tick| {
            stamps[k] = tick.stamp;
            k += 1;
            engine.on_feed_tick(&tick, publisher, &mut orders);
            publisher
                .writer
                .note_tick_stamp(tick.instrument, tick.stamp);
        });
        if n == 0 {
            return 0;
        }
        self.publish();
        let now = stamp_ns();
        for &stamp in &stamps[..k] {
            self.publisher
                .hist
                .saturating_record(now.saturating_sub(stamp));
        }
        n
    }

    /// Step 2: the publisher's notices (ring pressure, a `halt_trading` stall) become
    /// engine actions: events, a halt or a resume. One compare when there are none.
    #[inline]
    fn act_on_notices(&mut self) {
        if self.lag_halt {
            self.resume_if_drained();
        }
        let Some(notices) = self.publisher.take_notices() else {
            return;
        };
        let now = wall_ns();
        // The halt first: a drained notice that overtook it must still resume it.
        if notices.halt_due {
            self.engine
                .set_halted(true, now, Reason::PersistenceLag, &mut self.publisher);
            let account = self.engine.state().account();
            self.lag_halt = account.halt_reason() == Some(Reason::PersistenceLag);
        }
        for (nearly_full, held) in notices.pressure.into_iter().flatten() {
            self.engine
                .note_ring_pressure(nearly_full, held, now, &mut self.publisher);
            self.lag_halt &= nearly_full;
        }
        self.publish();
    }

    /// While halted for persistence lag, the loop watches the ring itself (a few
    /// relaxed loads of the gates): housekeeping samples it only every 100 ms and may
    /// never have seen a short stall as "nearly full", so its drained notice cannot be
    /// relied on to end the halt.
    #[cold]
    fn resume_if_drained(&mut self) {
        let events = self.publisher.writer.events();
        let held = events.fill();
        if held < self.resume_below {
            self.lag_halt = false;
            let now = wall_ns();
            self.engine
                .note_ring_pressure(false, held, now, &mut self.publisher);
            self.publish();
        }
    }

    /// Publishes the dirty rows and refreshes the counters housekeeping reads.
    #[inline]
    pub(super) fn publish(&mut self) {
        let dirty = self.engine.take_dirty();
        self.publisher.writer.publish_dirty(&self.engine, dirty);
        self.batches += 1;
        let c = self.engine.state().counters();
        let s = self.engine.stats();
        let k = self.counters;
        set(&k.events, c.events);
        set(&k.orders, c.orders);
        set(&k.fills, c.fills);
        set(&k.rejects, c.rejections);
        set(&k.ticks, s.ticks);
        set(&k.batches, self.batches);
        let ignored = s.ignored_ticks + s.ignored_replies + self.bad_replies;
        set(&k.ignored, ignored);
    }

    /// Step 3 of the module docs: `Some(reason)` once the run is over.
    fn finished(&self) -> Option<Reason> {
        let feed_over = self.ticks.is_abandoned() && self.ticks.is_empty();
        if !feed_over {
            return None;
        }
        if let Some(reason) = self.stop.reason() {
            return Some(reason);
        }
        // SYNC POINT feed-done (Acquire): pairs with the feed thread's Release store.
        if !self.feed.done.load(Ordering::Acquire) {
            return Some(Reason::Error);
        }
        self.exit_after_feed.then_some(Reason::FeedEnd)
    }

    /// Step 4: waits (bounded) for the orders in flight.
    fn drain(&mut self) {
        let deadline = stamp_ns().saturating_add(self.drain_limit_ns);
        let mut waiter = Waiter::new(self.wait);
        while self.engine.pending().iter().next().is_some() {
            self.publisher.serve();
            if self.step() > 0 {
                waiter.reset();
                continue;
            }
            if self.replies.is_abandoned() || stamp_ns() >= deadline {
                break;
            }
            waiter.wait();
        }
    }
}
