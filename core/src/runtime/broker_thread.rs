//! The broker thread: wraps the [`PaperBroker`], holding each order for the
//! configured latency before executing it and replying over the SPSC ring.
//!
//! Progress: after start-up no allocation (the hold queue is preallocated to the
//! engine's most orders in flight), no lock, no log, no system call (a book file is
//! committed with plain stores into its mapping); one vDSO clock read per received
//! order and per loop while holding orders. Idle time goes through the [`Waiter`].
//!
//! # Implementation
//!
//! 1. Pop requests while the hold queue has room; an order is held until
//!    `received + (due_ns - ts_ns)`: the fill model's latency, in real (monotonic)
//!    time, whatever the feed's pace; a positions request is answered at once (one
//!    snapshot per instrument, then the end marker), behind every reply already
//!    pushed, so the answer is consistent with the fills the engine has read.
//! 2. Execute due orders in arrival order (one latency for all, so the queue is also
//!    sorted by due time) with [`PaperBroker::execute`], which ignores duplicate client
//!    order ids and applies the `oob_fill_every`/`drop_fill_every` faults, and push each
//!    reply it returns, waiting if the reply ring is full.
//! 3. Once [`PaperBroker::is_stalled`] (`stall_after`), take and answer nothing more.
//! 4. End once the engine is gone and nothing is held (or no one can take replies, or
//!    the broker stalled); then sync the book file and say what the faults did.

use std::collections::VecDeque;

use seamless_ipc::spsc;
use seamless_ipc::wait::{WaitStrategy, Waiter};
use tracing::{info, warn};

use super::clock::stamp_ns;
use super::counters::{BrokerCounters, set};
use super::pin::pin_current;
use crate::broker::{BrokerReply, BrokerRequest, Order, PaperBroker, ReplyRecord, RequestRecord};
use crate::engine::MAX_PENDING;

/// Orders held at most: the engine never has more in flight.
const HOLD_CAPACITY: usize = MAX_PENDING;

/// Everything the broker thread owns.
pub(crate) struct BrokerThread<'r> {
    pub(crate) broker: PaperBroker,
    pub(crate) requests: spsc::Consumer<RequestRecord>,
    pub(crate) replies: spsc::Producer<ReplyRecord>,
    pub(crate) wait: WaitStrategy,
    pub(crate) counters: &'r BrokerCounters,
    pub(crate) core: Option<usize>,
}

/// What the broker thread reports when it ends.
pub(crate) struct BrokerOutcome {
    pub(crate) pinned: bool,
    /// Orders still held when it ended (the engine gave up waiting for them).
    pub(crate) held: usize,
}

impl BrokerThread<'_> {
    pub(crate) fn run(mut self) -> BrokerOutcome {
        let pinned = pin_current(self.core, "broker");
        let mut held: VecDeque<(u64, Order)> = VecDeque::with_capacity(HOLD_CAPACITY);
        let mut waiter = Waiter::new(self.wait);
        loop {
            if self.broker.is_stalled() {
                if self.requests.is_abandoned() {
                    break;
                }
                waiter.wait();
                continue;
            }
            let mut work = self.receive(&mut held);
            match self.release(&mut held) {
                Some(n) => work += n,
                None => break, // no one takes replies any more
            }
            if work > 0 {
                waiter.reset();
                continue;
            }
            if self.requests.is_abandoned() && self.requests.is_empty() && held.is_empty() {
                break;
            }
            waiter.wait();
        }
        self.finish();
        BrokerOutcome {
            pinned,
            held: held.len(),
        }
    }

    /// Step 4: the book to disk, and a word on what the faults did (off the hot path).
    fn finish(&self) {
        let b = &self.broker;
        if let Some(file) = b.book_file()
            && let Err(e) = file.sync()
        {
            warn!(
                "paper broker book {}: cannot sync: {e}",
                file.path().display()
            );
        }
        let t = b.totals();
        if b.faults().any() {
            info!(
                "paper broker faults ({}): {} out-of-band fill(s), {} fill report(s) \
                 dropped{}",
                b.faults(),
                t.oob_fills,
                t.dropped,
                if b.is_stalled() { ", stalled" } else { "" }
            );
        }
        if t.duplicates > 0 {
            info!("paper broker: {} duplicate order(s) ignored", t.duplicates);
        }
    }

    /// Step 1: takes requests while there is room to hold them.
    fn receive(&mut self, held: &mut VecDeque<(u64, Order)>) -> usize {
        let room = HOLD_CAPACITY - held.len();
        let BrokerThread {
            broker,
            requests,
            replies,
            counters,
            wait,
            ..
        } = self;
        let n = requests.pop_batch(room, |record| match record.decode() {
            Ok(BrokerRequest::Order(order)) => {
                let latency = broker.due_ns(&order).saturating_sub(order.ts_ns);
                held.push_back((stamp_ns().saturating_add(latency), order));
            }
            Ok(BrokerRequest::Positions { ts_ns }) => {
                for reply in broker.positions(ts_ns) {
                    push(replies, &reply, *wait);
                }
                push(replies, &broker.positions_end(ts_ns), *wait);
            }
            Err(_) => {} // not ours to judge: the engine never sends a bad record
        });
        set(&counters.held, held.len() as u64);
        n
    }

    /// Step 2: executes the orders that are due. `None` once the engine is gone.
    fn release(&mut self, held: &mut VecDeque<(u64, Order)>) -> Option<usize> {
        if held.is_empty() {
            return Some(0);
        }
        let now = stamp_ns();
        let mut n = 0;
        while let Some(&(due, order)) = held.front() {
            if due > now || self.broker.is_stalled() {
                break;
            }
            held.pop_front();
            if let Some(reply) = self.broker.execute(&order)
                && !push(&mut self.replies, &reply, self.wait)
            {
                return None;
            }
            n += 1;
        }
        set(&self.counters.held, held.len() as u64);
        Some(n)
    }
}

/// Pushes a reply, waiting while the ring is full; false if the engine is gone.
fn push(
    replies: &mut spsc::Producer<ReplyRecord>,
    reply: &BrokerReply,
    wait: WaitStrategy,
) -> bool {
    let mut waiter = Waiter::new(wait);
    replies
        .push_wait(ReplyRecord::encode(reply), &mut waiter)
        .is_ok()
}
