//! [`Position`]: one instrument's position, its cost basis and its P&L, and the fill
//! arithmetic that moves them.
//!
//! Progress: wait-free; a fill is a few dozen integer operations and never allocates.
//!
//! # Example
//!
//! ```
//! use seamless_core::domain::{Position, Price, Qty, Side};
//! let mut pos = Position::default();
//! let px = |s: &str| s.parse::<Price>().unwrap();
//! pos.apply_fill(Side::Buy, Qty::from_units(10).unwrap(), px("100"), 1);
//! let effect = pos.apply_fill(Side::Sell, Qty::from_units(15).unwrap(), px("110"), 2);
//! assert_eq!(effect.realized_pnl.to_string(), "100"); // 10 closed at +10
//! assert_eq!(pos.qty.to_string(), "-5"); // flipped short, opened at 110
//! assert_eq!(pos.avg_price, px("110"));
//! ```
//!
//! # Implementation
//!
//! The position keeps a signed **cost basis** (`cost`: the sum of the notionals that
//! opened the current quantity, less what closing fills released), not just an average
//! price, so that money is conserved exactly despite rounding (average cost method):
//!
//! 1. A fill of `q` at `p` on side `s` (+1 buy, -1 sell) splits into a closing part
//!    `c = min(q, |qty|)` when it opposes the position, and an opening part `q - c`.
//! 2. Closing releases `released = cost * c / |qty|` (rounded half away from zero, and
//!    exactly `cost` when `c == |qty|`), moves cash by `-s * notional(p, c)` and
//!    realizes `-(s * notional(p, c) + released)`: for a long closed by a sell, proceeds
//!    minus released cost.
//! 3. Opening adds `s * notional(p, q - c)` to `cost` and moves cash by the same amount
//!    with the opposite sign. A flip through zero is step 2 to flat, then step 3.
//! 4. `avg_price = cost / qty` (rounded; 0 when flat) is derived, never accumulated.
//!    `market_value = notional(mark, qty)` (or `cost` before the first mark) and
//!    `unrealized_pnl = market_value - cost`.
//!
//! Hence, for every fill sequence, `cash change + fees = realized - cost` and so
//! `equity change = realized + unrealized - fees` holds to the last unit, and a position
//! closed to flat has realized exactly its proceeds minus its opening notionals.
//! (Average-cost accounting as in e.g. IAS 2 weighted average cost; the exact-conservation
//! argument is the usual "carry the basis, derive the average" rule of ledger design.)
//!
//! Arithmetic saturates at the fixed-point range instead of panicking; risk keeps real
//! values far from it (an order whose notional overflows is rejected by the engine).
//!
//! The methods are public so that a standalone book (the paper broker's own positions)
//! uses the very same accounting. A `Position` inside [`State`](super::State) must never
//! be mutated except through the fold ([`State::apply`](super::State::apply)).

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use super::codes::Side;
use super::fixed::{Money, Price, Qty};

/// One instrument's position (a plain shared-memory record, 18 words).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct Position {
    /// Signed quantity: long > 0, short < 0.
    pub qty: Qty,
    /// Signed cost basis of `qty` (same sign as `qty`; exactly 0 when flat).
    pub cost: Money,
    /// `cost / qty`, rounded half away from zero; 0 when flat.
    pub avg_price: Price,
    /// Gross (before fees) realized P&L of this instrument over the run.
    pub realized_pnl: Money,
    /// Gross realized P&L of the current round trip (since the position last opened
    /// from flat).
    pub trip_realized_pnl: Money,
    /// `market_value - cost`: P&L at the last mark (0 before the first mark).
    pub unrealized_pnl: Money,
    /// `qty` valued at the last mark (`cost` before the first mark).
    pub market_value: Money,
    /// The price `market_value` and `unrealized_pnl` are valued at: the instrument's
    /// mark (the `last` of its latest `market_update`); 0 before the first mark (see
    /// `marked`). Carried in the row so a reader sees the valuation and its price from
    /// one consistent read. (Schema 2.)
    pub mark: Price,
    /// Event time of the `market_update` that set `mark` (0 before the first mark).
    /// (Schema 2.)
    pub mark_ns: u64,
    /// The broker's last reported quantity.
    pub broker_qty: Qty,
    /// The broker's last reported average price.
    pub broker_avg_price: Price,
    /// When the broker's position was last reported (0: never).
    pub broker_ns: u64,
    /// When the current round trip opened (0: flat).
    pub opened_ns: u64,
    /// Event time of the last change to this record.
    pub updated_ns: u64,
    /// Fills applied to this instrument.
    pub fills: u64,
    /// Reconciliation mismatches reported for this instrument.
    pub mismatches: u64,
    /// 1 while a reconciliation mismatch is open (cleared by `position_synced`).
    pub mismatch_open: u8,
    /// 1 once the instrument has a mark (`mark`, `mark_ns` are set); 0 while the
    /// position is valued at cost. (Schema 2.)
    pub marked: u8,
    /// Explicit padding (zero).
    pub _pad: [u8; 6],
    /// Reserved (zero).
    pub _reserved: u64,
}

/// What one fill did to a position.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FillEffect {
    /// Quantity that reduced the existing position (>= 0).
    pub closed_qty: Qty,
    /// Quantity that opened or increased a position (>= 0).
    pub opened_qty: Qty,
    /// Gross P&L realized by the closing part.
    pub realized_pnl: Money,
    /// Change in cash from the fill's notionals (fees not included).
    pub cash_delta: Money,
    /// `Some(round-trip realized P&L)` when the fill took the position to flat or
    /// through zero.
    pub closed_trip: Option<Money>,
}

impl Position {
    /// `true` when flat.
    #[inline]
    pub const fn is_flat(&self) -> bool {
        self.qty.is_zero()
    }

    /// Applies a fill of `qty` (> 0; the caller checks) at `price` and returns its
    /// effect. Does not revalue: call [`revalue`](Self::revalue) afterwards.
    pub fn apply_fill(&mut self, side: Side, qty: Qty, price: Price, ts_ns: u64) -> FillEffect {
        let s = side.sign();
        let held = self.qty.saturating_abs();
        let opposes = self.qty.signum() == -s;
        let close = if opposes { qty.min(held) } else { Qty::ZERO };
        let open = qty.saturating_sub(close);
        let mut fx = FillEffect {
            closed_qty: close,
            opened_qty: open,
            ..FillEffect::default()
        };
        if close.is_positive() {
            let released = if close == held {
                self.cost
            } else {
                // |close| < |held|, so the ratio shrinks `cost` and cannot overflow.
                self.cost
                    .mul_ratio(close.raw(), held.raw())
                    .unwrap_or(self.cost)
            };
            let flow = signed(price.notional_saturating(close), s);
            fx.realized_pnl = flow.saturating_add(released).saturating_neg();
            fx.cash_delta = flow.saturating_neg();
            self.cost = self.cost.saturating_sub(released);
            self.qty = self.qty.saturating_add(signed_qty(close, s));
            self.realized_pnl = self.realized_pnl.saturating_add(fx.realized_pnl);
            self.trip_realized_pnl = self.trip_realized_pnl.saturating_add(fx.realized_pnl);
            if self.qty.is_zero() {
                fx.closed_trip = Some(self.trip_realized_pnl);
                self.opened_ns = 0;
            }
        }
        if open.is_positive() {
            if self.qty.is_zero() {
                self.trip_realized_pnl = Money::ZERO;
                self.opened_ns = ts_ns;
            }
            let flow = signed(price.notional_saturating(open), s);
            fx.cash_delta = fx.cash_delta.saturating_sub(flow);
            self.cost = self.cost.saturating_add(flow);
            self.qty = self.qty.saturating_add(signed_qty(open, s));
        }
        self.fills += 1;
        self.updated_ns = ts_ns;
        self.refresh_avg();
        fx
    }

    /// Sets the position to `qty` at `avg_price` (reconciliation): the cost basis becomes
    /// `notional(avg_price, qty)` and `realized_pnl` (the caller passes
    /// [`sync_correction`](Self::sync_correction), or 0 to book no correction) is added
    /// to the realized P&L of the run and of the round trip. Cash is the caller's (it
    /// does not move). Does not revalue.
    pub fn sync(&mut self, qty: Qty, avg_price: Price, realized_pnl: Money, ts_ns: u64) {
        if self.qty.is_zero() && !qty.is_zero() {
            self.trip_realized_pnl = Money::ZERO;
            self.opened_ns = ts_ns;
        } else if qty.is_zero() {
            self.opened_ns = 0;
        }
        self.qty = qty;
        self.cost = avg_price.notional_saturating(qty);
        self.realized_pnl = self.realized_pnl.saturating_add(realized_pnl);
        self.trip_realized_pnl = self.trip_realized_pnl.saturating_add(realized_pnl);
        self.broker_qty = qty;
        self.mismatch_open = 0;
        self.updated_ns = ts_ns;
        self.refresh_avg();
    }

    /// The change of cost basis a [`sync`](Self::sync) to `qty` at `avg_price` makes:
    /// `notional(avg_price, qty) - cost`. Booked as realized P&L with no cash, it keeps
    /// `cash change + fees = realized - cost` (module docs) true across the sync.
    pub fn sync_correction(&self, qty: Qty, avg_price: Price) -> Money {
        avg_price.notional_saturating(qty).saturating_sub(self.cost)
    }

    /// Records the broker's reported quantity (and average price, when reported).
    pub(crate) fn broker_report(&mut self, qty: Qty, avg_price: Option<Price>, ts_ns: u64) {
        self.broker_qty = qty;
        if let Some(avg) = avg_price {
            self.broker_avg_price = avg;
        }
        self.broker_ns = ts_ns;
    }

    /// Revalues at `mark` (or at cost when there is none yet) and returns the changes in
    /// `(market_value, unrealized_pnl)` for the account totals.
    pub fn revalue(&mut self, mark: Option<Price>) -> (Money, Money) {
        let value = mark.map_or(self.cost, |m| m.notional_saturating(self.qty));
        let unrealized = value.saturating_sub(self.cost);
        let deltas = (
            value.saturating_sub(self.market_value),
            unrealized.saturating_sub(self.unrealized_pnl),
        );
        self.market_value = value;
        self.unrealized_pnl = unrealized;
        deltas
    }

    /// Records the mark the position is valued at (the fold calls this with the
    /// instrument's mark whenever it revalues the position; a standalone book such as
    /// the paper broker's leaves it unmarked).
    pub(crate) fn set_mark(&mut self, mark: Price, mark_ns: u64) {
        self.mark = mark;
        self.mark_ns = mark_ns;
        self.marked = 1;
    }

    fn refresh_avg(&mut self) {
        self.avg_price = self.cost.per_unit(self.qty).unwrap_or(Price::ZERO);
    }
}

fn signed(m: Money, sign: i64) -> Money {
    if sign < 0 { m.saturating_neg() } else { m }
}

fn signed_qty(q: Qty, sign: i64) -> Qty {
    if sign < 0 { q.saturating_neg() } else { q }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(n: i64) -> Qty {
        Qty::from_units(n).unwrap()
    }
    fn p(s: &str) -> Price {
        s.parse().unwrap()
    }

    #[test]
    fn short_round_trip_realizes_price_difference() {
        let mut pos = Position::default();
        let a = pos.apply_fill(Side::Sell, u(4), p("50"), 1);
        assert_eq!(
            (a.cash_delta.to_string(), pos.cost.to_string()),
            ("200".into(), "-200".into())
        );
        let b = pos.apply_fill(Side::Buy, u(4), p("45.5"), 2);
        assert_eq!(b.realized_pnl.to_string(), "18");
        assert_eq!(b.closed_trip, Some(b.realized_pnl));
        assert!(pos.is_flat() && pos.cost.is_zero() && pos.avg_price.is_zero());
    }

    #[test]
    fn partial_close_releases_proportional_cost() {
        let mut pos = Position::default();
        pos.apply_fill(Side::Buy, u(3), p("10"), 1);
        pos.apply_fill(Side::Buy, u(1), p("11"), 2);
        assert_eq!(pos.avg_price, p("10.25"));
        let fx = pos.apply_fill(Side::Sell, u(1), p("12"), 3);
        assert_eq!(fx.realized_pnl.to_string(), "1.75");
        assert_eq!(fx.closed_trip, None);
        assert_eq!(pos.avg_price, p("10.25"));
        assert_eq!(pos.revalue(None), (pos.cost, Money::ZERO));
        let (dv, du) = pos.revalue(Some(p("10")));
        assert_eq!(
            (dv.to_string(), du.to_string()),
            ("-0.75".into(), "-0.75".into())
        );
    }
}
