//! Pre-trade checks: [`Risk::check`] classifies an order as an exit or an opening
//! order, or rejects it with a [`RiskReject`].

use std::error::Error;
use std::fmt;

use seamless_config::RiskConfig;

use crate::domain::{InstrumentId, MAX_INSTRUMENTS, Money, Price, Qty, RejectReason, Side};

/// Limits of one instrument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RiskLimits {
    /// Largest absolute position (> 0).
    pub max_position: Qty,
    /// Largest quantity of one opening order (> 0).
    pub max_order_qty: Qty,
}

/// An instrument's position and the quantities of its pending (unfilled) orders.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Exposure {
    /// Signed position (folded state).
    pub position: Qty,
    /// Sum of pending buy quantities (>= 0).
    pub pending_buy: Qty,
    /// Sum of pending sell quantities (>= 0).
    pub pending_sell: Qty,
}

impl Exposure {
    /// The position once every pending order fills.
    #[inline]
    pub fn projected(&self) -> Qty {
        self.position
            .saturating_add(self.pending_buy)
            .saturating_sub(self.pending_sell)
    }

    /// The quantity an exit on `side` may still close: the part of the position on the
    /// other side not already covered by pending exits (0 if `side` would add).
    #[inline]
    pub fn closable(&self, side: Side) -> Qty {
        let left = match side {
            Side::Sell => self.position.saturating_sub(self.pending_sell),
            Side::Buy => self
                .position
                .saturating_neg()
                .saturating_sub(self.pending_buy),
        };
        left.max(Qty::ZERO)
    }
}

/// An order as risk sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrderRequest {
    /// Instrument.
    pub instrument: InstrumentId,
    /// Direction.
    pub side: Side,
    /// Quantity (must be > 0).
    pub qty: Qty,
    /// Reference price (for the notional check).
    pub price: Price,
}

/// How an accepted order relates to the position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderClass {
    /// Reduces the position without crossing zero.
    Exit,
    /// Opens or adds to a position (or flips it).
    Open,
}

/// Why risk refused an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RiskReject {
    /// The instrument is beyond the tables.
    UnknownInstrument,
    /// The quantity is not > 0 or not a whole number of lots.
    InvalidQty,
    /// Trading is halted and the order is not an exit.
    Halted,
    /// The order is larger than `max_order_qty`.
    MaxOrderQty,
    /// The position could exceed `max_position`.
    MaxPosition,
    /// The notional or the projected position does not fit the fixed-point range.
    Overflow,
}

impl RiskReject {
    /// The `order_rejected` reason code.
    ///
    /// `MaxOrderQty` is reported as `invalid_qty` until the domain has a dedicated
    /// `max_order_qty` code (a wire-code addition in `domain::codes`).
    #[inline]
    pub const fn reason(self) -> RejectReason {
        match self {
            RiskReject::InvalidQty => RejectReason::InvalidQty,
            RiskReject::MaxOrderQty => RejectReason::MaxOrderQty,
            RiskReject::Halted => RejectReason::Halted,
            RiskReject::MaxPosition => RejectReason::MaxPosition,
            RiskReject::Overflow => RejectReason::Overflow,
            RiskReject::UnknownInstrument => RejectReason::UnknownInstrument,
        }
    }
}

impl fmt::Display for RiskReject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RiskReject::InvalidQty => "quantity not > 0 or not a whole number of lots",
            RiskReject::Halted => "trading is halted and the order is not an exit",
            RiskReject::MaxOrderQty => "order quantity above the maximum order size",
            RiskReject::MaxPosition => "the position could exceed the maximum position",
            RiskReject::Overflow => "notional or position out of the fixed-point range",
            RiskReject::UnknownInstrument => "unknown instrument",
        })
    }
}

impl Error for RiskReject {}

/// The risk limits of a run: per-instrument order and position limits, the daily loss
/// limit and what to do on a breach.
#[derive(Clone, Debug)]
pub struct Risk {
    limits: [RiskLimits; MAX_INSTRUMENTS],
    daily_loss_limit: Money,
    flatten_on_breach: bool,
}

impl Risk {
    /// The same `limits` for every instrument; `daily_loss_limit` is a positive amount
    /// (zero disables the check).
    pub fn new(limits: RiskLimits, daily_loss_limit: Money, flatten_on_breach: bool) -> Self {
        Risk {
            limits: [limits; MAX_INSTRUMENTS],
            daily_loss_limit,
            flatten_on_breach,
        }
    }

    /// From `[risk]` (whose `daily_loss_limit` is negative: "-5000" is a limit of 5000).
    pub fn from_config(config: &RiskConfig) -> Self {
        let limits = RiskLimits {
            max_position: Qty::from_raw(config.max_position.0),
            max_order_qty: Qty::from_raw(config.max_order_qty.0),
        };
        let limit = Money::from_raw(config.daily_loss_limit.0).saturating_abs();
        Risk::new(limits, limit, config.flatten_on_breach)
    }

    /// Overrides one instrument's limits (ids beyond the tables are ignored).
    pub fn set_limits(&mut self, id: InstrumentId, limits: RiskLimits) {
        if let Some(slot) = self.limits.get_mut(id.index()) {
            *slot = limits;
        }
    }

    /// One instrument's limits.
    #[inline]
    pub fn limits(&self, id: InstrumentId) -> Option<&RiskLimits> {
        self.limits.get(id.index())
    }

    /// The daily loss limit (a positive amount; zero: none).
    #[inline]
    pub const fn daily_loss_limit(&self) -> Money {
        self.daily_loss_limit
    }

    /// Whether a breach also closes every position.
    #[inline]
    pub const fn flatten_on_breach(&self) -> bool {
        self.flatten_on_breach
    }

    /// Checks `order` for an instrument with lot size `lot` and this `exposure`, with
    /// trading `halted` or not.
    ///
    /// # Errors
    ///
    /// The first [`RiskReject`] in this order: unknown instrument, invalid quantity,
    /// overflow, then (for opening orders only) halted, order size, position.
    #[inline]
    pub fn check(
        &self,
        order: &OrderRequest,
        lot: Qty,
        exposure: Exposure,
        halted: bool,
    ) -> Result<OrderClass, RiskReject> {
        let limits = self
            .limits(order.instrument)
            .ok_or(RiskReject::UnknownInstrument)?;
        let qty = order.qty;
        if !qty.is_positive() || !lot.is_positive() || qty.raw() % lot.raw() != 0 {
            return Err(RiskReject::InvalidQty);
        }
        if order.price.notional(qty).is_none() {
            return Err(RiskReject::Overflow);
        }
        if qty <= exposure.closable(order.side) {
            return Ok(OrderClass::Exit);
        }
        if halted {
            return Err(RiskReject::Halted);
        }
        if qty > limits.max_order_qty {
            return Err(RiskReject::MaxOrderQty);
        }
        if worst_position(exposure, order.side, qty)? > limits.max_position {
            return Err(RiskReject::MaxPosition);
        }
        Ok(OrderClass::Open)
    }
}

/// `|position|` if every pending order on `side` and this one fill (none of the other
/// side's do).
fn worst_position(e: Exposure, side: Side, qty: Qty) -> Result<Qty, RiskReject> {
    let worst = match side {
        Side::Buy => e
            .position
            .checked_add(e.pending_buy)
            .and_then(|w| w.checked_add(qty)),
        Side::Sell => e
            .position
            .checked_sub(e.pending_sell)
            .and_then(|w| w.checked_sub(qty)),
    };
    worst.and_then(Qty::checked_abs).ok_or(RiskReject::Overflow)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Qty {
        s.parse().unwrap()
    }

    #[test]
    fn closable_ignores_the_adding_side_and_pending_exits() {
        let e = Exposure {
            position: q("3"),
            pending_buy: q("1"),
            pending_sell: q("2"),
        };
        assert_eq!(e.closable(Side::Sell), q("1"));
        assert_eq!(e.closable(Side::Buy), Qty::ZERO);
        assert_eq!(e.projected(), q("2"));
        let short = Exposure {
            position: q("-2"),
            ..Exposure::default()
        };
        assert_eq!(short.closable(Side::Buy), q("2"));
    }
}
