//! Stable wire codes: [`EventKind`], [`Side`], [`Reason`], [`RejectReason`],
//! [`Trigger`], [`ChangeKind`] and [`RunnerStatus`], each with its numeric code (stored in
//! event records, the event log and snapshots) and its JSON name.
//!
//! **A code never changes meaning.** Records on disk outlive the binary that wrote them:
//! a code may be added, never reused or renumbered; a retired code stays reserved. Names
//! are part of the JSON contract (docs/DESIGN "Interfaces") and follow the same rule.
//! Code 0 is never assigned, so a zeroed record is recognisably invalid.
//!
//! Progress: wait-free; nothing allocates.
//!
//! # Example
//!
//! ```
//! use seamless_core::domain::{EventKind, Side};
//! assert_eq!(EventKind::from_code(4), Some(EventKind::TradeExecuted));
//! assert_eq!(EventKind::TradeExecuted.name(), "trade_executed");
//! assert_eq!(Side::from_name("sell"), Some(Side::Sell));
//! assert_eq!(Side::from_code(0), None);
//! ```
//!
//! # Implementation
//!
//! 1. One macro writes each enum with explicit discriminants, `code`/`from_code`
//!    (a `match`, so an unknown code is `None`, never a transmute) and `name`/`from_name`.
//! 2. Unit tests pin every code so that renumbering fails the build's tests.
//!
//! It must never convert a code by `transmute` or `as` from outside data.

use std::fmt;

macro_rules! wire_codes {
    (
        $(#[$doc:meta])*
        $name:ident: $repr:ty {
            $( $(#[$vdoc:meta])* $variant:ident = $code:literal => $text:literal, )+
        }
    ) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr($repr)]
        pub enum $name {
            $( $(#[$vdoc])* $variant = $code, )+
        }

        impl $name {
            /// Every value, in code order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable numeric code.
            #[inline]
            pub const fn code(self) -> $repr {
                self as $repr
            }

            /// The value with this code, `None` for an unknown code.
            #[inline]
            pub const fn from_code(code: $repr) -> Option<Self> {
                match code {
                    $( $code => Some($name::$variant), )+
                    _ => None,
                }
            }

            /// The stable JSON name.
            #[inline]
            pub const fn name(self) -> &'static str {
                match self {
                    $( $name::$variant => $text, )+
                }
            }

            /// The value with this JSON name.
            pub fn from_name(name: &str) -> Option<Self> {
                match name {
                    $( $text => Some($name::$variant), )+
                    _ => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(self.name())
            }
        }
    };
}

wire_codes! {
    /// What an event is. See [`EventBody`](super::EventBody) for each kind's fields.
    EventKind: u16 {
        /// A strategy wants to trade.
        SignalDetected = 1 => "signal_detected",
        /// An order went to the broker.
        OrderSubmitted = 2 => "order_submitted",
        /// Risk (or the broker) refused an order; never silently clipped.
        OrderRejected = 3 => "order_rejected",
        /// A fill.
        TradeExecuted = 4 => "trade_executed",
        /// The closing part of a fill, with its realized P&L (a consequence).
        TradeExitUpdated = 5 => "trade_exit_updated",
        /// A position after a fill (a consequence).
        PositionUpdated = 6 => "position_updated",
        /// A position went flat or flipped (a consequence).
        PositionClosed = 7 => "position_closed",
        /// A stop-loss/take-profit monitor was armed for a position.
        MonitorArmed = 8 => "monitor_armed",
        /// A monitor fired.
        MonitorTriggered = 9 => "monitor_triggered",
        /// The daily loss limit was hit; trading halts.
        DailyLossBreached = 10 => "daily_loss_breached",
        /// The runner started.
        RunnerStarted = 11 => "runner_started",
        /// The runner stopped.
        RunnerStopped = 12 => "runner_stopped",
        /// Our position and the broker's disagree.
        ReconciliationMismatch = 13 => "reconciliation_mismatch",
        /// Our position was set to the broker's.
        PositionSynced = 14 => "position_synced",
        /// The broker's reported position for an instrument.
        BrokerSnapshot = 15 => "broker_snapshot",
        /// A configuration or status change (halt, resume, limit, cash).
        StateChanged = 16 => "state_changed",
        /// A conflated market-data mark (see the `state` module docs).
        MarketUpdate = 17 => "market_update",
    }
}

wire_codes! {
    /// Order, fill and signal direction.
    Side: u8 {
        /// Buy: increases the position.
        Buy = 1 => "buy",
        /// Sell: decreases the position.
        Sell = 2 => "sell",
    }
}

impl Side {
    /// `+1` for buy, `-1` for sell.
    #[inline]
    pub const fn sign(self) -> i64 {
        match self {
            Side::Buy => 1,
            Side::Sell => -1,
        }
    }

    /// The other side.
    #[inline]
    pub const fn opposite(self) -> Side {
        match self {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
        }
    }
}

wire_codes! {
    /// Why the runner started or stopped, or why a status changed.
    Reason: u8 {
        /// A fresh start with empty state.
        Start = 1 => "start",
        /// A start after restoring state from snapshot and log.
        Restore = 2 => "restore",
        /// An OS signal other than SIGTERM/SIGINT.
        Signal = 3 => "signal",
        /// The market-data feed ended (`--exit-after-feed`).
        FeedEnd = 4 => "feed_end",
        /// SIGTERM.
        Sigterm = 5 => "sigterm",
        /// SIGINT (Ctrl-C).
        Sigint = 6 => "sigint",
        /// The daily loss limit.
        DailyLoss = 7 => "daily_loss",
        /// The gating persister fell too far behind (`halt_trading` policy).
        PersistenceLag = 8 => "persistence_lag",
        /// A configuration value.
        Config = 9 => "config",
        /// An operator's command.
        Operator = 10 => "operator",
        /// A new trading day (UTC) began.
        NewDay = 11 => "new_day",
        /// Reconciliation with the broker.
        Reconciliation = 12 => "reconciliation",
        /// An internal error.
        Error = 13 => "error",
    }
}

wire_codes! {
    /// Why an order was rejected.
    RejectReason: u8 {
        /// The fill would exceed the instrument's maximum position.
        MaxPosition = 1 => "max_position",
        /// Trading is halted (daily loss, persistence lag, operator).
        Halted = 2 => "halted",
        /// Quantity not > 0 or not a whole number of lots.
        InvalidQty = 3 => "invalid_qty",
        /// Price not a whole number of ticks.
        InvalidPrice = 4 => "invalid_price",
        /// The notional does not fit the fixed-point range.
        Overflow = 5 => "overflow",
        /// The instrument is not in the table.
        UnknownInstrument = 6 => "unknown_instrument",
        /// The broker refused it.
        Broker = 7 => "broker",
        /// The order's notional exceeds the configured maximum.
        MaxNotional = 8 => "max_notional",
        /// The order's quantity exceeds the configured maximum order size.
        MaxOrderQty = 9 => "max_order_qty",
        /// A queue on the way to the broker (ring or pending-order table) was full.
        Busy = 10 => "busy",
    }
}

wire_codes! {
    /// Which side of a monitor fired.
    Trigger: u8 {
        /// The stop-loss.
        Stop = 1 => "stop",
        /// The take-profit target.
        Target = 2 => "target",
    }
}

wire_codes! {
    /// What a `state_changed` event changed.
    ChangeKind: u8 {
        /// Trading halted (no new orders).
        Halted = 1 => "halted",
        /// Trading resumed.
        Resumed = 2 => "resumed",
        /// The daily loss limit was set (value: the limit, money).
        DailyLossLimit = 3 => "daily_loss_limit",
        /// Cash was deposited (> 0) or withdrawn (< 0) (value: the amount, money).
        CashAdjusted = 4 => "cash_adjusted",
        /// The event ring is nearly full of events the gating persister has not yet
        /// consumed (`events_held`: how many). Informational: state is unchanged.
        RingNearlyFull = 5 => "ring_nearly_full",
        /// The persister caught up again (`events_held`). Informational.
        RingDrained = 6 => "ring_drained",
    }
}

wire_codes! {
    /// The runner's status as the fold tracks it.
    RunnerStatus: u8 {
        /// Started and not stopped since.
        Running = 1 => "running",
        /// Stopped.
        Stopped = 2 => "stopped",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Codes are on disk: this test pins them. Never edit an existing line.
    #[test]
    fn codes_never_change() {
        let kinds: Vec<(u16, &str)> = EventKind::ALL
            .iter()
            .map(|k| (k.code(), k.name()))
            .collect();
        assert_eq!(
            kinds,
            [
                (1, "signal_detected"),
                (2, "order_submitted"),
                (3, "order_rejected"),
                (4, "trade_executed"),
                (5, "trade_exit_updated"),
                (6, "position_updated"),
                (7, "position_closed"),
                (8, "monitor_armed"),
                (9, "monitor_triggered"),
                (10, "daily_loss_breached"),
                (11, "runner_started"),
                (12, "runner_stopped"),
                (13, "reconciliation_mismatch"),
                (14, "position_synced"),
                (15, "broker_snapshot"),
                (16, "state_changed"),
                (17, "market_update"),
            ]
        );
        assert_eq!((Side::Buy.code(), Side::Sell.code()), (1, 2));
        assert_eq!(Reason::Error.code(), 13);
        assert_eq!(RejectReason::MaxNotional.code(), 8);
        assert_eq!(RejectReason::MaxOrderQty.code(), 9);
        assert_eq!(RejectReason::Busy.code(), 10);
        assert_eq!((Trigger::Stop.code(), Trigger::Target.code()), (1, 2));
        assert_eq!(ChangeKind::CashAdjusted.code(), 4);
        assert_eq!(ChangeKind::RingNearlyFull.code(), 5);
        assert_eq!(ChangeKind::RingDrained.code(), 6);
        assert_eq!(RunnerStatus::Stopped.code(), 2);
    }

    #[test]
    fn names_round_trip() {
        for k in EventKind::ALL {
            assert_eq!(EventKind::from_name(k.name()), Some(*k));
            assert_eq!(EventKind::from_code(k.code()), Some(*k));
        }
        for r in Reason::ALL {
            assert_eq!(Reason::from_name(r.name()), Some(*r));
        }
        assert_eq!(EventKind::from_code(0), None);
        assert_eq!(EventKind::from_code(18), None);
        assert_eq!(Reason::from_name("nope"), None);
    }
}
