//! The broker thread: wraps the [`PaperBroker`], holding each order for the
//! configured latency before executing it and replying over the SPSC ring.
//!
//! Progress: after start-up no allocation (the hold queue is preallocated to the
//! engine's most orders in flight), no lock, no log; one vDSO clock read per received
//! order and per loop while holding orders. Idle time goes through the [`Waiter`].
//!
//! # Implementation
//!
//! 1. Pop requests while the hold queue has room; an order is held until
//!    `received + (due_ns - ts_ns)`: the fill model's latency, in real (monotonic)
//!    time, whatever the feed's pace; a positions request is answered at once.
//! 2. Execute due orders in arrival order (one latency for all, so the queue is also
//!    sorted by due time) and push each reply, waiting if the reply ring is full.
//! 3. End once the engine is gone and nothing is held (or no one can take replies).
//!
//! The broker's fault knobs (`[broker.faults]`: out-of-band fills, dropped fill
//! reports, stalls) are carried by [`PaperBroker::faults`] but not applied yet: they
//! exist for reconciliation, which is a later issue; this is where they go (step 2).

use std::collections::VecDeque;

use seamless_ipc::spsc;
use seamless_ipc::wait::{WaitStrategy, Waiter};

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
        let pinned = pin_current(self.core);
        let mut held: VecDeque<(u64, Order)> = VecDeque::with_capacity(HOLD_CAPACITY);
        let mut waiter = Waiter::new(self.wait);
        loop {
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
        BrokerOutcome {
            pinned,
            held: held.len(),
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
            Ok(request @ BrokerRequest::Positions { .. }) => {
                broker.on_request(&request, |reply| {
                    push(replies, &reply, *wait);
                });
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
            if due > now {
                break;
            }
            held.pop_front();
            let reply = self.broker.on_order(&order);
            if !push(&mut self.replies, &reply, self.wait) {
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
