//! Live quotes (every tick; display and strategy data, outside the fold) and the
//! conflated marks (`market_update` events) the fold values positions at.

use super::Engine;
use super::sink::EventSink;
use crate::domain::{EventBody, InstrumentId, Market, Price};
use crate::feed::Tick;

/// A top-of-book quote and last price, as a tick carries it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Quote {
    /// Best bid.
    pub bid: Price,
    /// Best ask.
    pub ask: Price,
    /// Last trade (or bar close): the strategy's price and the mark.
    pub last: Price,
}

impl From<&Tick> for Quote {
    #[inline]
    fn from(t: &Tick) -> Self {
        Quote {
            bid: t.bid,
            ask: t.ask,
            last: t.last,
        }
    }
}

/// An instrument's latest tick.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LiveQuote {
    /// The quote.
    pub quote: Quote,
    /// The tick's time.
    pub ts_ns: u64,
    /// Ticks received for this instrument (0: none yet).
    pub ticks: u64,
}

impl LiveQuote {
    /// `true` when it differs from the fold's last mark (or there is none).
    #[inline]
    fn moved_from(&self, market: &Market) -> bool {
        let q = &self.quote;
        market.updates == 0 || (q.bid, q.ask, q.last) != (market.bid, market.ask, market.last)
    }
}

impl Engine {
    /// Emits a `market_update` for `id` if its live quote moved since the last mark and
    /// `mark_interval_ns` has passed since it (the conflated mark); returns whether it
    /// did.
    #[inline]
    pub(super) fn mark_if_due<E: EventSink>(
        &mut self,
        id: InstrumentId,
        ts_ns: u64,
        events: &mut E,
    ) {
        let Some(market) = self.state.market(id) else {
            return;
        };
        let first = market.updates == 0;
        let waited = ts_ns.saturating_sub(market.updated_ns) >= self.settings.mark_interval_ns;
        if first || waited {
            self.mark_now(id, ts_ns, events);
        }
    }

    /// Emits a `market_update` for `id` at its live quote if that moved since the last
    /// mark (the mark that must precede a fill, a trigger or a breach); returns whether
    /// it did.
    #[inline]
    pub(super) fn mark_now<E: EventSink>(
        &mut self,
        id: InstrumentId,
        ts_ns: u64,
        events: &mut E,
    ) -> bool {
        let (Some(live), Some(market)) = (self.quotes.get(id.index()), self.state.market(id))
        else {
            return false;
        };
        if live.ticks == 0 || !live.moved_from(market) {
            return false;
        }
        let Quote { bid, ask, last } = live.quote;
        let body = EventBody::MarketUpdate {
            instrument: id,
            bid,
            ask,
            last,
        };
        self.emit(ts_ns, body, events);
        true
    }

    /// The quote an order for `id` is priced and sent at: the live one, or the fold's
    /// last mark before any tick (after a restore); `None` if neither exists.
    #[inline]
    pub(super) fn order_quote(&self, id: InstrumentId) -> Option<Quote> {
        let live = self.quotes.get(id.index())?;
        if live.ticks > 0 {
            return Some(live.quote);
        }
        let m = self.state.market(id).filter(|m| m.updates > 0)?;
        Some(Quote {
            bid: m.bid,
            ask: m.ask,
            last: m.last,
        })
    }
}
