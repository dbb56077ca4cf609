//! Where the engine's outputs go: [`EventSink`] (every published event, in sequence
//! order) and [`OrderSink`] (orders and positions requests for the broker).
//!
//! The runtime's sinks push to the broadcast event ring and to the broker's SPSC ring;
//! tests use the `Vec` implementations here (which allocate, so they are not for the
//! hot path).

use std::error::Error;
use std::fmt;

use crate::broker::{BrokerRequest, Order};
use crate::domain::EventRecord;

/// Receives every event the engine publishes, after it has been applied to the state.
pub trait EventSink {
    /// Publishes event `seq` (contiguous, increasing). Must not fail: a sink that can
    /// run out of room waits (the gating policy) or drops for lapped readers itself.
    fn publish(&mut self, seq: u64, record: &EventRecord);
}

/// Why an order could not be handed to the broker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubmitError {
    /// The broker ring is full.
    Full,
    /// The broker is gone.
    Closed,
}

impl fmt::Display for SubmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SubmitError::Full => "broker ring full",
            SubmitError::Closed => "broker gone",
        })
    }
}

impl Error for SubmitError {}

/// Takes orders (and positions requests) to the broker.
pub trait OrderSink {
    /// Hands `order` over without blocking.
    ///
    /// # Errors
    ///
    /// [`SubmitError`] when it cannot take the order now; the engine then publishes
    /// `order_rejected` (reason `busy`) instead of losing it.
    fn submit(&mut self, order: &Order) -> Result<(), SubmitError>;

    /// `true` if [`submit`](Self::submit) would take an order now. The engine asks
    /// before publishing `order_submitted`, which must come before the order goes.
    /// The default says yes.
    fn has_room(&self) -> bool {
        true
    }

    /// Asks the broker for its positions, the request stamped `ts_ns`, without
    /// blocking. The default refuses ([`SubmitError::Closed`]): a sink for orders
    /// only cannot reconcile.
    ///
    /// # Errors
    ///
    /// [`SubmitError`] when it cannot take the request now (the engine retries at its
    /// next poll).
    fn request_positions(&mut self, ts_ns: u64) -> Result<(), SubmitError> {
        let _ = ts_ns;
        Err(SubmitError::Closed)
    }
}

impl<T: EventSink + ?Sized> EventSink for &mut T {
    #[inline]
    fn publish(&mut self, seq: u64, record: &EventRecord) {
        (**self).publish(seq, record);
    }
}

impl<T: OrderSink + ?Sized> OrderSink for &mut T {
    #[inline]
    fn submit(&mut self, order: &Order) -> Result<(), SubmitError> {
        (**self).submit(order)
    }

    #[inline]
    fn has_room(&self) -> bool {
        (**self).has_room()
    }

    #[inline]
    fn request_positions(&mut self, ts_ns: u64) -> Result<(), SubmitError> {
        (**self).request_positions(ts_ns)
    }
}

/// Collects events (tests, tools; allocates).
impl EventSink for Vec<(u64, EventRecord)> {
    fn publish(&mut self, seq: u64, record: &EventRecord) {
        self.push((seq, *record));
    }
}

/// Collects orders (tests, tools; allocates; never full; no positions requests).
impl OrderSink for Vec<Order> {
    fn submit(&mut self, order: &Order) -> Result<(), SubmitError> {
        self.push(*order);
        Ok(())
    }
}

/// Collects orders and positions requests, in order (tests, tools; allocates; never
/// full).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestLog(pub Vec<BrokerRequest>);

impl OrderSink for RequestLog {
    fn submit(&mut self, order: &Order) -> Result<(), SubmitError> {
        self.0.push(BrokerRequest::Order(*order));
        Ok(())
    }

    fn request_positions(&mut self, ts_ns: u64) -> Result<(), SubmitError> {
        self.0.push(BrokerRequest::Positions { ts_ns });
        Ok(())
    }
}
