//! Protection: arming and watching stop-loss/take-profit monitors, exits, and the
//! daily loss limit (breach, halt, optional flatten).

use super::Engine;
use super::orders::Origin;
use super::place::Ticket;
use super::sink::{EventSink, OrderSink};
use crate::domain::{EventBody, InstrumentId, Qty, Reason, Side};
use crate::risk::{Protection, breach_due};

impl Engine {
    /// Checks `id`'s armed monitor against its live quote; when a level is crossed and
    /// the position is not already being closed: mark, `monitor_triggered` (which
    /// disarms it), and an exit order.
    #[inline]
    pub(super) fn watch_monitor<E: EventSink, O: OrderSink>(
        &mut self,
        id: InstrumentId,
        ts_ns: u64,
        events: &mut E,
        orders: &mut O,
    ) {
        let Some(levels) = self.state.monitor(id).and_then(Protection::of) else {
            return;
        };
        let (qty, quote) = (self.position_qty(id), self.quotes[id.index()].quote);
        let Some((trigger, level, price)) = levels.check(qty, quote.bid, quote.ask) else {
            return;
        };
        if self.closable(id).is_zero() {
            return; // an exit is already in flight
        }
        self.mark_now(id, ts_ns, events);
        let body = EventBody::MonitorTriggered {
            instrument: id,
            trigger,
            level,
            price,
        };
        self.emit(ts_ns, body, events);
        self.exit(id, ts_ns, Origin::Monitor, events, orders);
    }

    /// Arms `id`'s monitor at the levels of its position (`monitor_armed`), unless it is
    /// flat, monitors are off, an exit already covers it, or it is armed at those
    /// levels already.
    #[inline]
    pub(super) fn protect<E: EventSink>(&mut self, id: InstrumentId, ts_ns: u64, events: &mut E) {
        let Some(pos) = self.state.position(id) else {
            return;
        };
        let Some(levels) = self.settings.monitors.levels(pos.qty, pos.avg_price) else {
            return;
        };
        let armed = self.state.monitor(id).and_then(Protection::of);
        if armed == Some(levels) || self.closable(id).is_zero() {
            return;
        }
        let body = EventBody::MonitorArmed {
            instrument: id,
            stop: levels.stop,
            target: levels.target,
        };
        self.emit(ts_ns, body, events);
    }

    /// Sends an order closing whatever part of `id`'s position no exit in flight
    /// covers. If it cannot be sent, the monitor is re-armed so the next tick beyond
    /// its level tries again.
    pub(super) fn exit<E: EventSink, O: OrderSink>(
        &mut self,
        id: InstrumentId,
        ts_ns: u64,
        origin: Origin,
        events: &mut E,
        orders: &mut O,
    ) {
        let qty = self.closable(id);
        if qty.is_zero() {
            return;
        }
        let ticket = Ticket {
            instrument: id,
            side: exit_side(self.position_qty(id)),
            qty,
            origin,
            ts_ns,
        };
        if !self.place(ticket, events, orders) {
            self.protect(id, ts_ns, events);
        }
    }

    /// After a mark or a fill: if the folded daily P&L breaches the limit (once per
    /// day), `daily_loss_breached` (which halts), then exits for every open position
    /// when `flatten_on_breach`. The decision reads only the fold, so it replays.
    #[inline]
    pub(super) fn check_loss<E: EventSink, O: OrderSink>(
        &mut self,
        ts_ns: u64,
        events: &mut E,
        orders: &mut O,
    ) {
        if !breach_due(self.state.account()) {
            return;
        }
        let a = self.state.account();
        let body = EventBody::DailyLossBreached {
            daily_pnl: a.daily_pnl,
            limit: a.daily_loss_limit,
            equity: a.equity,
        };
        self.emit(ts_ns, body, events);
        if self.settings.risk.flatten_on_breach() {
            for ix in 0..self.quotes.len() {
                self.exit(
                    InstrumentId(ix as u32),
                    ts_ns,
                    Origin::Flatten,
                    events,
                    orders,
                );
            }
        }
    }

    /// `true` while halted by a daily loss breach with `flatten_on_breach`: every
    /// position is being closed.
    #[inline]
    pub(super) fn flattening(&self) -> bool {
        let a = self.state.account();
        self.settings.risk.flatten_on_breach() && a.halt_reason() == Some(Reason::DailyLoss)
    }

    /// The part of `id`'s position an exit may still close.
    #[inline]
    fn closable(&self, id: InstrumentId) -> Qty {
        let qty = self.position_qty(id);
        self.exposure(id).closable(exit_side(qty))
    }

    #[inline]
    pub(super) fn position_qty(&self, id: InstrumentId) -> Qty {
        self.state.position(id).map_or(Qty::ZERO, |p| p.qty)
    }
}

/// The side that reduces a position of signed `qty` (sell for a long).
#[inline]
fn exit_side(qty: Qty) -> Side {
    if qty.is_negative() {
        Side::Buy
    } else {
        Side::Sell
    }
}
