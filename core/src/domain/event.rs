//! The typed events: every state change in seamless is one [`Event`], and state is a pure
//! fold of them ([`State::apply`](super::State::apply)).
//!
//! An event is a timestamp plus an [`EventBody`]; the sequence number is not part of it
//! (the event ring assigns it on publish, and the log stores it). On the ring and on disk
//! an event travels as a fixed 56-byte [`EventRecord`](super::EventRecord); see the
//! `record` module for the byte layout and the `event_json` module for the JSON shape.
//!
//! Progress: wait-free; events are `Copy` and never allocate.
//!
//! # Example
//!
//! ```
//! use seamless_core::domain::{Event, EventBody, EventKind, InstrumentId, Side};
//! let fill = Event::new(
//!     1_700_000_000_000_000_000,
//!     EventBody::TradeExecuted {
//!         order_id: 7,
//!         instrument: InstrumentId(0),
//!         side: Side::Buy,
//!         qty: "10".parse().unwrap(),
//!         price: "101.5".parse().unwrap(),
//!         fee: "0.1015".parse().unwrap(),
//!     },
//! );
//! assert_eq!(fill.kind(), EventKind::TradeExecuted);
//! assert_eq!(fill.to_record().decode(), Ok(fill));
//! ```
//!
//! # Implementation
//!
//! 1. One enum variant per [`EventKind`]; fields are fixed-point values, ids and small
//!    code enums, so every body fits the record's five 8-byte fields.
//! 2. Which events mutate which state is documented in the `state` module: the
//!    *consequence* events (`trade_exit_updated`, `position_updated`, `position_closed`)
//!    are derived from a fill by the fold itself and never mutate state a second time.
//!
//! It must never hold a float, a pointer or anything heap-allocated.

use super::codes::{ChangeKind, EventKind, Reason, RejectReason, Side, Trigger};
use super::fixed::{Money, Price, Qty};
use super::instrument::InstrumentId;
use super::name::StrategyName;

/// One event: when it happened and what happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    /// Nanoseconds since the Unix epoch (UTC), from the engine's clock (or the replayed
    /// feed's time). The fold's trading day is `ts_ns / 86_400e9`.
    pub ts_ns: u64,
    /// What happened.
    pub body: EventBody,
}

impl Event {
    /// An event at `ts_ns`.
    #[inline]
    pub const fn new(ts_ns: u64, body: EventBody) -> Self {
        Event { ts_ns, body }
    }

    /// Its kind.
    #[inline]
    pub const fn kind(&self) -> EventKind {
        self.body.kind()
    }

    /// The instrument it concerns, if any.
    #[inline]
    pub const fn instrument(&self) -> Option<InstrumentId> {
        self.body.instrument()
    }
}

/// A configuration or status change carried by `state_changed`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Trading halted: the engine submits no new orders.
    Halted,
    /// Trading resumed.
    Resumed,
    /// The daily loss limit (a positive amount; zero disables the check).
    DailyLossLimit(Money),
    /// Cash deposited (> 0) or withdrawn (< 0); the starting capital of a fresh run is a
    /// deposit. Not counted as P&L.
    CashAdjusted(Money),
    /// The event ring holds this many events the gating persister has not consumed,
    /// past `gating.nearly_full_pct` of its capacity (reason `persistence_lag`).
    /// Informational: the fold leaves state unchanged.
    RingNearlyFull(u64),
    /// The persister caught up: the ring holds only this many of its events again.
    /// Informational.
    RingDrained(u64),
}

impl Change {
    /// Its code.
    #[inline]
    pub const fn kind(self) -> ChangeKind {
        match self {
            Change::Halted => ChangeKind::Halted,
            Change::Resumed => ChangeKind::Resumed,
            Change::DailyLossLimit(_) => ChangeKind::DailyLossLimit,
            Change::CashAdjusted(_) => ChangeKind::CashAdjusted,
            Change::RingNearlyFull(_) => ChangeKind::RingNearlyFull,
            Change::RingDrained(_) => ChangeKind::RingDrained,
        }
    }

    /// The event count it carries, if any (the ring notices).
    #[inline]
    pub const fn events_held(self) -> Option<u64> {
        match self {
            Change::RingNearlyFull(n) | Change::RingDrained(n) => Some(n),
            _ => None,
        }
    }

    /// The amount it carries, if any.
    #[inline]
    pub const fn value(self) -> Option<Money> {
        match self {
            Change::Halted
            | Change::Resumed
            | Change::RingNearlyFull(_)
            | Change::RingDrained(_) => None,
            Change::DailyLossLimit(m) | Change::CashAdjusted(m) => Some(m),
        }
    }
}

/// What happened. Field names are the JSON field names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventBody {
    /// A strategy wants to trade `qty` at about `price`.
    SignalDetected {
        /// Instrument.
        instrument: InstrumentId,
        /// Direction.
        side: Side,
        /// Strategy name.
        strategy: StrategyName,
        /// Reference price (the mark when the signal fired).
        price: Price,
        /// Suggested quantity (> 0).
        qty: Qty,
    },
    /// An order went to the broker (a market order; `price` is the reference price).
    OrderSubmitted {
        /// Engine-assigned id, increasing.
        order_id: u64,
        /// Instrument.
        instrument: InstrumentId,
        /// Direction.
        side: Side,
        /// Quantity (> 0).
        qty: Qty,
        /// Reference price at submission.
        price: Price,
    },
    /// An order was refused before reaching the market.
    OrderRejected {
        /// The id it would have had.
        order_id: u64,
        /// Instrument.
        instrument: InstrumentId,
        /// Direction.
        side: Side,
        /// Requested quantity.
        qty: Qty,
        /// Reference price.
        price: Price,
        /// Why.
        reason: RejectReason,
    },
    /// A fill: the only event that moves positions and cash (besides `position_synced`
    /// and `state_changed` cash adjustments).
    TradeExecuted {
        /// The order it fills (0 for an out-of-band fill).
        order_id: u64,
        /// Instrument.
        instrument: InstrumentId,
        /// Direction.
        side: Side,
        /// Filled quantity (> 0).
        qty: Qty,
        /// Fill price.
        price: Price,
        /// Fee charged (>= 0), in account currency.
        fee: Money,
    },
    /// The closing part of a fill (consequence of `trade_executed`).
    TradeExitUpdated {
        /// The fill's order.
        order_id: u64,
        /// Instrument.
        instrument: InstrumentId,
        /// The fill's side.
        side: Side,
        /// Quantity closed (> 0).
        qty: Qty,
        /// Fill price.
        price: Price,
        /// Gross P&L realized by this exit (before fees).
        realized_pnl: Money,
    },
    /// A position after a fill (consequence of `trade_executed`).
    PositionUpdated {
        /// Instrument.
        instrument: InstrumentId,
        /// Signed quantity (long > 0).
        qty: Qty,
        /// Average entry price (0 when flat).
        avg_price: Price,
        /// Gross realized P&L of this instrument over the run.
        realized_pnl: Money,
        /// Unrealized P&L at the last mark.
        unrealized_pnl: Money,
    },
    /// A position went flat, or flipped through zero (consequence of `trade_executed`).
    PositionClosed {
        /// Instrument.
        instrument: InstrumentId,
        /// The closing fill's price.
        price: Price,
        /// Gross P&L realized over the round trip, from open to this close.
        realized_pnl: Money,
    },
    /// A stop-loss and/or take-profit was armed for a position.
    MonitorArmed {
        /// Instrument.
        instrument: InstrumentId,
        /// Stop-loss level.
        stop: Option<Price>,
        /// Take-profit level.
        target: Option<Price>,
    },
    /// A monitor fired (the engine then submits the exit order); it is disarmed.
    MonitorTriggered {
        /// Instrument.
        instrument: InstrumentId,
        /// Which level.
        trigger: Trigger,
        /// The level that was crossed.
        level: Price,
        /// The market price that crossed it.
        price: Price,
    },
    /// The daily P&L fell to or below minus the limit; trading halts.
    DailyLossBreached {
        /// Daily P&L at the breach.
        daily_pnl: Money,
        /// The limit.
        limit: Money,
        /// Equity at the breach.
        equity: Money,
    },
    /// The runner started.
    RunnerStarted {
        /// Why.
        reason: Reason,
    },
    /// The runner stopped.
    RunnerStopped {
        /// Why.
        reason: Reason,
    },
    /// Reconciliation found our position and the broker's differ: in quantity, or in
    /// average price at an equal, non-flat quantity (see `reconcile::decide`).
    ReconciliationMismatch {
        /// Instrument.
        instrument: InstrumentId,
        /// Our quantity.
        ours: Qty,
        /// The broker's quantity.
        broker: Qty,
        /// Our average price (0 when flat). Logs written before it was recorded hold 0.
        ours_avg_price: Price,
        /// The broker's average price. Logs written before it was recorded hold 0.
        broker_avg_price: Price,
    },
    /// Our position was set to the broker's (quantity and average price).
    PositionSynced {
        /// Instrument.
        instrument: InstrumentId,
        /// New signed quantity.
        qty: Qty,
        /// New average price.
        avg_price: Price,
        /// The cost-basis correction booked as realized P&L: the new basis
        /// `notional(avg_price, qty)` minus the position's basis before the sync, or 0
        /// (logs written before it was booked hold 0, and the fold then books nothing,
        /// as it did then). See `State::apply`.
        realized_pnl: Money,
    },
    /// The broker's reported position.
    BrokerSnapshot {
        /// Instrument.
        instrument: InstrumentId,
        /// Broker's signed quantity.
        qty: Qty,
        /// Broker's average price.
        avg_price: Price,
    },
    /// A configuration or status change.
    StateChanged {
        /// What changed.
        change: Change,
        /// Why.
        reason: Reason,
    },
    /// A conflated market-data mark; the fold values positions at `last`.
    MarketUpdate {
        /// Instrument.
        instrument: InstrumentId,
        /// Best bid.
        bid: Price,
        /// Best ask.
        ask: Price,
        /// Last trade (or close, or mid when the feed has no trades): the mark.
        last: Price,
    },
}

impl EventBody {
    /// Its kind.
    pub const fn kind(&self) -> EventKind {
        use EventBody as B;
        match self {
            B::SignalDetected { .. } => EventKind::SignalDetected,
            B::OrderSubmitted { .. } => EventKind::OrderSubmitted,
            B::OrderRejected { .. } => EventKind::OrderRejected,
            B::TradeExecuted { .. } => EventKind::TradeExecuted,
            B::TradeExitUpdated { .. } => EventKind::TradeExitUpdated,
            B::PositionUpdated { .. } => EventKind::PositionUpdated,
            B::PositionClosed { .. } => EventKind::PositionClosed,
            B::MonitorArmed { .. } => EventKind::MonitorArmed,
            B::MonitorTriggered { .. } => EventKind::MonitorTriggered,
            B::DailyLossBreached { .. } => EventKind::DailyLossBreached,
            B::RunnerStarted { .. } => EventKind::RunnerStarted,
            B::RunnerStopped { .. } => EventKind::RunnerStopped,
            B::ReconciliationMismatch { .. } => EventKind::ReconciliationMismatch,
            B::PositionSynced { .. } => EventKind::PositionSynced,
            B::BrokerSnapshot { .. } => EventKind::BrokerSnapshot,
            B::StateChanged { .. } => EventKind::StateChanged,
            B::MarketUpdate { .. } => EventKind::MarketUpdate,
        }
    }

    /// The instrument it concerns, if any.
    pub const fn instrument(&self) -> Option<InstrumentId> {
        use EventBody as B;
        match *self {
            B::SignalDetected { instrument, .. }
            | B::OrderSubmitted { instrument, .. }
            | B::OrderRejected { instrument, .. }
            | B::TradeExecuted { instrument, .. }
            | B::TradeExitUpdated { instrument, .. }
            | B::PositionUpdated { instrument, .. }
            | B::PositionClosed { instrument, .. }
            | B::MonitorArmed { instrument, .. }
            | B::MonitorTriggered { instrument, .. }
            | B::ReconciliationMismatch { instrument, .. }
            | B::PositionSynced { instrument, .. }
            | B::BrokerSnapshot { instrument, .. }
            | B::MarketUpdate { instrument, .. } => Some(instrument),
            B::DailyLossBreached { .. }
            | B::RunnerStarted { .. }
            | B::RunnerStopped { .. }
            | B::StateChanged { .. } => None,
        }
    }
}
