//! Where the engine's outputs go: [`EventSink`] (every published event, in sequence
//! order) and [`OrderSink`] (orders for the broker).
//!
//! The runtime's sinks push to the broadcast event ring and to the broker's SPSC ring;
//! tests use the `Vec` implementations here (which allocate, so they are not for the
//! hot path).

use std::error::Error;
use std::fmt;

use crate::broker::Order;
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

/// Takes orders to the broker.
pub trait OrderSink {
    /// Hands `order` over without blocking.
    ///
    /// # Errors
    ///
    /// [`SubmitError`] when it cannot take the order now; the engine then publishes
    /// `order_rejected` (reason `broker`) instead of losing it.
    fn submit(&mut self, order: &Order) -> Result<(), SubmitError>;
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
}

/// Collects events (tests, tools; allocates).
impl EventSink for Vec<(u64, EventRecord)> {
    fn publish(&mut self, seq: u64, record: &EventRecord) {
        self.push((seq, *record));
    }
}

/// Collects orders (tests, tools; allocates; never full).
impl OrderSink for Vec<Order> {
    fn submit(&mut self, order: &Order) -> Result<(), SubmitError> {
        self.push(*order);
        Ok(())
    }
}
