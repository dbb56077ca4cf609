//! [`Account`]: cash, P&L totals, equity, daily P&L and the halt flag.
//!
//! Progress: wait-free; plain data updated by the fold.
//!
//! # Example
//!
//! ```
//! use seamless_core::domain::Account;
//! let a = Account::default();
//! assert!(!a.is_halted());
//! assert!(!a.is_loss_limit_breached()); // a zero limit disables the check
//! ```
//!
//! # Implementation
//!
//! 1. `equity = cash + market_value`, where `market_value` is the sum of the positions'
//!    values at their marks; both are maintained by deltas as positions change.
//! 2. `realized_pnl` is **net**: the positions' gross realized P&L minus all fees, so
//!    `equity - net_deposits = realized_pnl + unrealized_pnl` exactly.
//! 3. The trading day is the UTC day `ts_ns / 86_400_000_000_000` of the events: the
//!    first event of a later day sets `day_start_equity` to the equity before it, and
//!    `daily_pnl = equity - day_start_equity`. Deposits move both, so they are not P&L.
//!
//! It must never be mutated except through the fold.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use super::codes::Reason;
use super::fixed::Money;

/// Nanoseconds in a UTC day: the fold's trading-day boundary.
pub const NS_PER_DAY: u64 = 86_400 * 1_000_000_000;

/// The account (a plain shared-memory record, 16 words).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct Account {
    /// Cash: deposits, minus buys, plus sells, minus fees.
    pub cash: Money,
    /// Net realized P&L: gross realized of all positions minus `fees`.
    pub realized_pnl: Money,
    /// Sum of the positions' unrealized P&L at their marks.
    pub unrealized_pnl: Money,
    /// Fees paid (negative fees, i.e. rebates, reduce it).
    pub fees: Money,
    /// Sum of the positions' market values.
    pub market_value: Money,
    /// `cash + market_value`.
    pub equity: Money,
    /// Deposits minus withdrawals (`state_changed` `cash_adjusted`).
    pub net_deposits: Money,
    /// Equity when the current UTC day began (plus deposits made since).
    pub day_start_equity: Money,
    /// `equity - day_start_equity`.
    pub daily_pnl: Money,
    /// The daily loss limit (> 0; 0 disables it).
    pub daily_loss_limit: Money,
    /// The current UTC day number (`ts_ns / NS_PER_DAY`).
    pub day: u64,
    /// When the daily loss limit was last breached (0: never).
    pub breached_ns: u64,
    /// When trading was last halted or resumed (0: never).
    pub halt_changed_ns: u64,
    /// 1 while trading is halted.
    pub halted: u8,
    /// [`Reason`] code of the halt (0 when not halted).
    pub halt_reason: u8,
    /// Explicit padding (zero).
    pub _pad: [u8; 6],
    /// Reserved (zero).
    pub _reserved: [u64; 2],
}

impl Account {
    /// `true` while trading is halted.
    #[inline]
    pub const fn is_halted(&self) -> bool {
        self.halted != 0
    }

    /// Why trading is halted (`None` when not halted, or for an unknown code).
    #[inline]
    pub const fn halt_reason(&self) -> Option<Reason> {
        if self.halted == 0 {
            None
        } else {
            Reason::from_code(self.halt_reason)
        }
    }

    /// `true` when a limit is set and `daily_pnl <= -daily_loss_limit`. The engine checks
    /// this after each mark or fill and, if not yet halted, emits `daily_loss_breached`.
    #[inline]
    pub fn is_loss_limit_breached(&self) -> bool {
        self.daily_loss_limit.is_positive()
            && self.daily_pnl <= self.daily_loss_limit.saturating_neg()
    }

    /// Recomputes `equity` and `daily_pnl` from their parts.
    #[inline]
    pub(crate) fn refresh(&mut self) {
        self.equity = self.cash.saturating_add(self.market_value);
        self.daily_pnl = self.equity.saturating_sub(self.day_start_equity);
    }

    /// Starts a new day at `day` if it is later than the current one (or this is the
    /// first event): the baseline becomes the current equity.
    #[inline]
    pub(crate) fn roll_day(&mut self, day: u64, first_event: bool) {
        if first_event || day > self.day {
            self.day = day;
            self.day_start_equity = self.equity;
            self.daily_pnl = Money::ZERO;
        }
    }
}
