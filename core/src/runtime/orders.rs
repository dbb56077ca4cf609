//! The engine thread's side of the broker link: the order sink (orders and positions
//! requests go to the broker thread over an SPSC ring, never waiting: a full ring is an
//! `order_rejected` with reason `busy`, from the engine) and the clock reads that drive
//! reconciliation ([`crate::reconcile`]): the start-up round before `runner_started`,
//! then a check per loop iteration.
//!
//! Progress: `OrderRing` is wait-free (one `try_push`). The per-iteration check is one
//! vDSO clock read and one comparison; a due round is one more push (and, on a
//! timeout, one event). The start-up round blocks the engine thread, bounded by
//! `reconcile.timeout_ms`, before the hot loop begins; it logs, the loop never does.

use seamless_ipc::spsc;
use seamless_ipc::wait::Waiter;
use tracing::{info, warn};

use super::clock::{stamp_ns, wall_ns};
use super::engine_thread::{BATCH, EngineThread};
use crate::broker::{BrokerRequest, Order, RequestRecord};
use crate::engine::{OrderSink, SubmitError};

/// The engine thread's end of the ring to the broker.
pub(crate) struct OrderRing<'a>(pub(crate) &'a mut spsc::Producer<RequestRecord>);

impl OrderRing<'_> {
    #[inline]
    fn send(&mut self, request: &BrokerRequest) -> Result<(), SubmitError> {
        if self.0.is_abandoned() {
            return Err(SubmitError::Closed);
        }
        let record = RequestRecord::encode(request);
        self.0.try_push(record).map_err(|_| SubmitError::Full)
    }
}

impl OrderSink for OrderRing<'_> {
    #[inline]
    fn submit(&mut self, order: &Order) -> Result<(), SubmitError> {
        self.send(&BrokerRequest::Order(*order))
    }

    #[inline]
    fn has_room(&self) -> bool {
        // `free` is a lower bound and we are the only producer: room seen is room kept.
        self.0.free() > 0 && !self.0.is_abandoned()
    }

    #[inline]
    fn request_positions(&mut self, ts_ns: u64) -> Result<(), SubmitError> {
        self.send(&BrokerRequest::Positions { ts_ns })
    }
}

impl EngineThread<'_> {
    /// The start-up round (protocol step 1 and 4): asks the broker for its positions and
    /// processes nothing but its replies until the answer is complete or overdue (then
    /// trading is halted, and this says why), or a stop is requested. Runs before
    /// `runner_started`, so no strategy trades on unreconciled positions.
    pub(crate) fn reconcile_at_start(&mut self) {
        let started = stamp_ns();
        let mut waiter = Waiter::new(self.wait);
        self.reconcile_if_due();
        while self.engine.reconcile_starting() && !self.stop.is_set() {
            self.publisher.serve();
            let taken = self.replies_only();
            self.reconcile_if_due();
            if taken > 0 {
                waiter.reset();
            } else {
                waiter.wait();
            }
        }
        self.publish();
        let stats = *self.engine.stats();
        let timeout_ms = self.engine.reconcile_settings().timeout_ns / 1_000_000;
        if self.engine.reconcile_schedule().is_overdue() {
            warn!(
                "reconciliation at start: the broker did not answer the positions request \
                 within {timeout_ms} ms: trading stays halted (reason reconciliation) until \
                 it does"
            );
        } else if !self.stop.is_set() {
            info!(
                "reconciliation at start: {} mismatch(es), answered in {} us",
                stats.reconcile_mismatches,
                stamp_ns().saturating_sub(started) / 1_000
            );
        }
    }

    /// Drives reconciliation when due: a clock read and a comparison, else cold.
    #[inline]
    pub(crate) fn reconcile_if_due(&mut self) {
        let now = stamp_ns();
        if now >= self.engine.reconcile_due_ns() {
            self.reconcile_now(now);
        }
    }

    #[cold]
    #[inline(never)]
    fn reconcile_now(&mut self, now: u64) {
        let EngineThread {
            engine,
            publisher,
            requests,
            ..
        } = self;
        let mut orders = OrderRing(requests);
        engine.poll_reconcile(now, wall_ns(), publisher, &mut orders);
        self.publish();
    }

    /// Pops broker replies only (the start-up round); returns how many.
    fn replies_only(&mut self) -> usize {
        let EngineThread {
            engine,
            publisher,
            requests,
            replies,
            bad_replies,
            ..
        } = self;
        let mut orders = OrderRing(requests);
        let n = replies.pop_batch(BATCH, |record| match record.decode() {
            Ok(reply) => engine.on_broker_reply(&reply, publisher, &mut orders),
            Err(_) => *bad_replies += 1,
        });
        if n > 0 {
            self.publish();
        }
        n
    }
}
