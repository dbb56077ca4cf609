//! [`FillOutcome`]: what applying a `trade_executed` did, and the consequence events
//! the engine publishes after it ([`Consequences`]).
//!
//! The fold computes the consequences, so the engine, the persister and restore can
//! never disagree about a fill's realized P&L: the engine applies the fill, then
//! publishes `outcome.consequences(ts)` in order, immediately, with no other event in
//! between, and applies them too; the fold treats them as records (it verifies
//! `position_updated` against the position, mutates nothing).
//!
//! Progress: wait-free; no allocation (at most three events in a fixed array).
//!
//! # Example
//!
//! ```
//! use seamless_core::domain::{Applied, Event, EventBody, EventKind, InstrumentId, Side, State};
//! let mut state = State::new();
//! let fill = Event::new(1, EventBody::TradeExecuted {
//!     order_id: 1, instrument: InstrumentId(0), side: Side::Buy,
//!     qty: "2".parse().unwrap(), price: "10".parse().unwrap(), fee: "0".parse().unwrap(),
//! });
//! let Ok(Applied::Fill(outcome)) = state.apply(1, &fill) else { panic!() };
//! let kinds: Vec<_> = outcome.consequences(1).iter().map(|e| e.kind()).collect();
//! assert_eq!(kinds, [EventKind::PositionUpdated]); // opening fill: no exit, no close
//! ```
//!
//! It must never mutate state itself.

use super::codes::Side;
use super::event::{Event, EventBody};
use super::fixed::{Money, Price, Qty};
use super::instrument::InstrumentId;
use super::position::{FillEffect, Position};

/// The position fields a fill's consequences report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PositionSummary {
    /// Signed quantity.
    pub qty: Qty,
    /// Average entry price (0 when flat).
    pub avg_price: Price,
    /// Gross realized P&L of the instrument over the run.
    pub realized_pnl: Money,
    /// Unrealized P&L at the current mark.
    pub unrealized_pnl: Money,
}

impl From<&Position> for PositionSummary {
    fn from(p: &Position) -> Self {
        PositionSummary {
            qty: p.qty,
            avg_price: p.avg_price,
            realized_pnl: p.realized_pnl,
            unrealized_pnl: p.unrealized_pnl,
        }
    }
}

/// The result of applying one fill.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FillOutcome {
    /// The fill's order.
    pub order_id: u64,
    /// Instrument.
    pub instrument: InstrumentId,
    /// The fill's side.
    pub side: Side,
    /// The fill's price.
    pub price: Price,
    /// The fill's fee.
    pub fee: Money,
    /// What it did to the position.
    pub effect: FillEffect,
    /// The position after the fill (revalued at the current mark).
    pub position: PositionSummary,
}

/// Up to three consequence events of a fill, in publication order:
/// `trade_exit_updated` (if it closed anything), `position_closed` (if it went flat or
/// flipped), `position_updated` (always).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Consequences {
    events: [Option<Event>; 3],
}

impl Consequences {
    /// The events, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Event> {
        self.events.iter().flatten()
    }
}

impl FillOutcome {
    /// The consequence events, stamped `ts_ns` (normally the fill's time).
    pub fn consequences(&self, ts_ns: u64) -> Consequences {
        let instrument = self.instrument;
        let fx = &self.effect;
        let exit = fx
            .closed_qty
            .is_positive()
            .then_some(EventBody::TradeExitUpdated {
                order_id: self.order_id,
                instrument,
                side: self.side,
                qty: fx.closed_qty,
                price: self.price,
                realized_pnl: fx.realized_pnl,
            });
        let closed = fx
            .closed_trip
            .map(|realized_pnl| EventBody::PositionClosed {
                instrument,
                price: self.price,
                realized_pnl,
            });
        let updated = EventBody::PositionUpdated {
            instrument,
            qty: self.position.qty,
            avg_price: self.position.avg_price,
            realized_pnl: self.position.realized_pnl,
            unrealized_pnl: self.position.unrealized_pnl,
        };
        let ev = |body| Event::new(ts_ns, body);
        Consequences {
            events: [exit.map(ev), closed.map(ev), Some(ev(updated))],
        }
    }
}
