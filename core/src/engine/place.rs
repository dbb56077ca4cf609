//! Turning a decision to trade into an order: risk, then the broker, then the event.

use super::orders::{Origin, PendingOrder};
use super::sink::{EventSink, OrderSink};
use super::{Engine, Quote};
use crate::broker::Order;
use crate::domain::{EventBody, InstrumentId, Price, Qty, RejectReason, Side};
use crate::risk::OrderRequest;

/// A decision to trade: `qty` of `instrument` on `side`, at `ts_ns`, for `origin`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Ticket {
    pub instrument: InstrumentId,
    pub side: Side,
    pub qty: Qty,
    pub origin: Origin,
    pub ts_ns: u64,
}

impl Engine {
    /// Sends a market order for `ticket`, or rejects it: publishes `order_submitted`
    /// and then hands the order to the sink (so the event, and with it the order's
    /// client id, is on its way to the log before the order is on its way to the
    /// broker), or publishes `order_rejected` with the reason (risk's, `busy` when the
    /// sink or the pending table is full, `invalid_price` when there is no quote to
    /// send it at). Returns whether it went.
    pub(super) fn place<E: EventSink, O: OrderSink>(
        &mut self,
        ticket: Ticket,
        events: &mut E,
        orders: &mut O,
    ) -> bool {
        let Ticket {
            instrument: id,
            side,
            qty,
            origin,
            ts_ns,
        } = ticket;
        let order_id = self
            .state
            .next_order_id()
            .max(self.reconcile.order_id_floor);
        let quote = self.order_quote(id);
        let price = quote.map_or(Price::ZERO, |q| touch(&q, side));
        let reject = |engine: &mut Engine, events: &mut E, reason| {
            let body = EventBody::OrderRejected {
                order_id,
                instrument: id,
                side,
                qty,
                price,
                reason,
            };
            engine.emit(ts_ns, body, events);
            false
        };
        let Some(quote) = quote else {
            return reject(self, events, RejectReason::InvalidPrice);
        };
        if let Err(why) = self.risk_check(id, side, qty, price) {
            return reject(self, events, why);
        }
        if self.orders.is_full() || !orders.has_room() {
            return reject(self, events, RejectReason::Busy);
        }
        let order = Order {
            order_id,
            instrument: id,
            side,
            qty,
            ts_ns,
            bid: quote.bid,
            ask: quote.ask,
        };
        let body = EventBody::OrderSubmitted {
            order_id,
            instrument: id,
            side,
            qty,
            price,
        };
        self.emit(ts_ns, body, events);
        if orders.submit(&order).is_err() {
            // Only a broker gone since `has_room` (a single producer's room cannot
            // shrink): the order never left, and the log says so.
            return reject(self, events, RejectReason::Busy);
        }
        let pending = PendingOrder {
            order_id,
            instrument: id,
            side,
            remaining: qty,
            price,
            origin,
        };
        self.orders.insert(pending);
        true
    }

    fn risk_check(
        &self,
        id: InstrumentId,
        side: Side,
        qty: Qty,
        price: Price,
    ) -> Result<(), RejectReason> {
        let lot = self
            .instruments
            .get(id)
            .ok_or(RejectReason::UnknownInstrument)?
            .lot_size;
        let order = OrderRequest {
            instrument: id,
            side,
            qty,
            price,
        };
        let halted = self.state.account().is_halted();
        self.settings
            .risk
            .check(&order, lot, self.exposure(id), halted)
            .map(|_| ())
            .map_err(|r| r.reason())
    }
}

/// The price a market order on `side` expects: the ask for a buy, the bid for a sell.
#[inline]
fn touch(q: &Quote, side: Side) -> Price {
    match side {
        Side::Buy => q.ask,
        Side::Sell => q.bid,
    }
}
