//! [`Engine::on_broker_reply`]: fills, rejections and position reports from the broker.

use super::Engine;
use super::orders::Origin;
use super::sink::{EventSink, OrderSink};
use crate::broker::BrokerReply;
use crate::domain::{EventBody, RejectReason};

impl Engine {
    /// One reply from the broker.
    ///
    /// - A fill: `market_update` (if the live quote moved since the last mark), then
    ///   `trade_executed` and its consequences; the order in flight is reduced; the
    ///   monitor is (re)armed for the new position; after a daily loss breach with
    ///   `flatten_on_breach`, whatever the fill left open is closed too (an order in
    ///   flight at the breach may fill afterwards); the daily loss limit is checked. A
    ///   fill matching no order in flight is still booked (the broker's fills are the
    ///   truth) and counted in `stats.unmatched_fills`.
    /// - A rejection: `order_rejected` with the broker's reason; a monitor whose exit was
    ///   refused is re-armed.
    /// - A snapshot: `broker_snapshot` and reconciliation's decision; the end of a
    ///   positions answer completes the round ([`crate::reconcile`], steps 2-3).
    ///
    /// Replies for unknown instruments or orders, and fills with a quantity not > 0, are
    /// ignored (`stats.ignored_replies`). Hot path: no allocation, lock, log or syscall.
    #[inline]
    pub fn on_broker_reply<E: EventSink, O: OrderSink>(
        &mut self,
        reply: &BrokerReply,
        events: &mut E,
        orders: &mut O,
    ) {
        match *reply {
            BrokerReply::Fill { .. } => self.on_fill(reply, events, orders),
            BrokerReply::Rejected {
                order_id,
                reason,
                ts_ns,
            } => self.on_rejected(order_id, reason, ts_ns, events),
            BrokerReply::Snapshot {
                instrument,
                qty,
                avg_price,
                ts_ns,
            } => self.on_snapshot(instrument, qty, avg_price, ts_ns, events, orders),
            BrokerReply::PositionsEnd {
                last_order_id,
                ts_ns,
            } => self.on_positions_end(last_order_id, ts_ns, events),
        }
    }

    #[inline]
    fn on_fill<E: EventSink, O: OrderSink>(
        &mut self,
        reply: &BrokerReply,
        events: &mut E,
        orders: &mut O,
    ) {
        let BrokerReply::Fill {
            order_id,
            instrument,
            side,
            qty,
            price,
            fee,
            ts_ns,
        } = *reply
        else {
            return;
        };
        if !self.known(instrument) || !qty.is_positive() {
            self.stats.ignored_replies += 1;
            return;
        }
        if self.orders.fill(order_id, instrument, side, qty).is_none() {
            self.stats.unmatched_fills += 1;
        }
        self.mark_now(instrument, ts_ns, events);
        let body = EventBody::TradeExecuted {
            order_id,
            instrument,
            side,
            qty,
            price,
            fee,
        };
        self.emit(ts_ns, body, events);
        self.protect(instrument, ts_ns, events);
        if self.flattening() {
            // An order in flight at the breach may have reopened the position.
            self.exit(instrument, ts_ns, Origin::Flatten, events, orders);
        }
        self.check_loss(ts_ns, events, orders);
    }

    fn on_rejected<E: EventSink>(
        &mut self,
        order_id: u64,
        reason: RejectReason,
        ts_ns: u64,
        events: &mut E,
    ) {
        let Some(order) = self.orders.remove(order_id) else {
            self.stats.ignored_replies += 1;
            return;
        };
        let body = EventBody::OrderRejected {
            order_id,
            instrument: order.instrument,
            side: order.side,
            qty: order.remaining,
            price: order.price,
            reason,
        };
        self.emit(ts_ns, body, events);
        if order.origin != Origin::Strategy {
            self.protect(order.instrument, ts_ns, events);
        }
    }
}
