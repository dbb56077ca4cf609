//! [`Engine::on_tick`]: market data in; monitors, marks and the strategy.

use super::orders::Origin;
use super::place::Ticket;
use super::sink::{EventSink, OrderSink};
use super::{Engine, Quote};
use crate::domain::{EventBody, InstrumentId, Price, Side};
use crate::feed::Tick;
use crate::strategy::Intent;

impl Engine {
    /// One tick of `id` at `ts_ns`. In order: the live quote is updated (every tick;
    /// see [`quote`](Self::quote)); the instrument's monitor is checked (mark,
    /// `monitor_triggered`, exit order); a conflated `market_update` is emitted when the
    /// price moved and `mark_interval_ns` passed since the last one; the daily loss
    /// limit is checked; then the strategy sees `last` and its intent becomes
    /// `signal_detected` and an order (or `order_rejected`).
    ///
    /// A tick for an instrument not in the table is ignored (`stats.ignored_ticks`).
    /// Hot path: no allocation, lock, log or syscall.
    #[inline]
    pub fn on_tick<E: EventSink, O: OrderSink>(
        &mut self,
        id: InstrumentId,
        ts_ns: u64,
        quote: Quote,
        events: &mut E,
        orders: &mut O,
    ) {
        let Some(live) = self.quotes.get_mut(id.index()) else {
            self.stats.ignored_ticks += 1;
            return;
        };
        (live.quote, live.ts_ns) = (quote, ts_ns);
        live.ticks += 1;
        self.stats.ticks += 1;
        self.dirty.market.insert(id);
        self.watch_monitor(id, ts_ns, events, orders);
        self.mark_if_due(id, ts_ns, events);
        // After any mark this tick caused (the monitor's or the conflated one); a
        // couple of comparisons when nothing is breached.
        self.check_loss(ts_ns, events, orders);
        self.run_strategy(id, ts_ns, quote.last, events, orders);
    }

    /// [`on_tick`](Self::on_tick) for a feed [`Tick`].
    #[inline]
    pub fn on_feed_tick<E: EventSink, O: OrderSink>(
        &mut self,
        tick: &Tick,
        events: &mut E,
        orders: &mut O,
    ) {
        self.on_tick(
            tick.instrument,
            tick.ts_ns,
            Quote::from(tick),
            events,
            orders,
        );
    }

    #[inline]
    fn run_strategy<E: EventSink, O: OrderSink>(
        &mut self,
        id: InstrumentId,
        ts_ns: u64,
        last: Price,
        events: &mut E,
        orders: &mut O,
    ) {
        let position = self.position_qty(id);
        let Some(running) = self.strategy.as_mut() else {
            return;
        };
        if let Some(intent) = running.strategy.on_price(id, ts_ns, last, position) {
            self.act(id, ts_ns, last, intent, events, orders);
        }
    }

    /// Sizes an intent (`target - position - pending`); if that points the intent's
    /// way, publishes `signal_detected` and places the order.
    fn act<E: EventSink, O: OrderSink>(
        &mut self,
        id: InstrumentId,
        ts_ns: u64,
        last: Price,
        intent: Intent,
        events: &mut E,
        orders: &mut O,
    ) {
        let Some(delta) = intent.target.checked_sub(self.exposure(id).projected()) else {
            return;
        };
        let wanted = match intent.side {
            Side::Buy => delta.is_positive(),
            Side::Sell => delta.is_negative(),
        };
        let (Some(running), true) = (self.strategy.as_ref(), wanted) else {
            return;
        };
        let qty = delta.saturating_abs();
        let body = EventBody::SignalDetected {
            instrument: id,
            side: intent.side,
            strategy: running.name,
            price: last,
            qty,
        };
        self.emit(ts_ns, body, events);
        let ticket = Ticket {
            instrument: id,
            side: intent.side,
            qty,
            origin: Origin::Strategy,
            ts_ns,
        };
        self.place(ticket, events, orders);
    }
}
