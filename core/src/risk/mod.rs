//! Risk: pre-trade limits ([`Risk::check`]), the daily loss limit ([`breach_due`]) and
//! the stop-loss/take-profit levels of active monitors ([`MonitorSettings`]).
//!
//! Everything here is a pure decision over values the engine passes in (the folded
//! position, the pending orders, the folded account); the engine turns decisions into
//! events (`order_rejected`, `daily_loss_breached`, `monitor_armed`,
//! `monitor_triggered`). An order beyond a limit is **rejected with its reason, never
//! clipped** to fit.
//!
//! Progress: wait-free; every function is a few comparisons and never allocates.
//!
//! # Example
//!
//! ```
//! use seamless_core::domain::{InstrumentId, Price, Qty, Side};
//! use seamless_core::risk::{Exposure, OrderClass, OrderRequest, Risk, RiskLimits, RiskReject};
//! let q = |s: &str| s.parse::<Qty>().unwrap();
//! let risk = Risk::new(RiskLimits { max_position: q("1"), max_order_qty: q("0.5") },
//!                      "5000".parse().unwrap(), false);
//! let order = |side, qty| OrderRequest {
//!     instrument: InstrumentId(0), side, qty: q(qty), price: "100".parse().unwrap(),
//! };
//! let (lot, flat) = (q("0.1"), Exposure::default());
//! assert_eq!(risk.check(&order(Side::Buy, "0.5"), lot, flat, false), Ok(OrderClass::Open));
//! assert_eq!(risk.check(&order(Side::Buy, "0.6"), lot, flat, false),
//!            Err(RiskReject::MaxOrderQty));
//! let long = Exposure { position: q("1"), ..Exposure::default() };
//! // Halted: opening is refused, an exit is allowed (and may exceed max_order_qty).
//! assert_eq!(risk.check(&order(Side::Buy, "0.1"), lot, long, true), Err(RiskReject::Halted));
//! assert_eq!(risk.check(&order(Side::Sell, "1"), lot, long, true), Ok(OrderClass::Exit));
//! ```
//!
//! # Implementation
//!
//! 1. An order is an **exit** when it reduces the position and, together with the
//!    pending orders on its side, cannot take it through zero. Exits pass the halt and
//!    the order-size limit (a stop must be able to close the whole position in one
//!    order); they are still checked for a valid quantity and notional.
//! 2. Everything else **opens**: refused while halted, above `max_order_qty`, or when
//!    the position plus every pending order on its side plus this one would exceed
//!    `max_position` (worst case: all pending orders fill, none of the other side).
//! 3. The daily loss limit is read from the folded account ([`breach_due`]), so the
//!    decision is exactly what restore rebuilds.
//!    (Pre-trade checks in the style of FIA's "Best Practices for Automated Trading Risk
//!    Controls", 2024: size limits, position limits, kill switch.)
//!
//! It must never change a quantity: a check passes or names why it failed.

mod check;
mod loss;
mod monitors;

pub use check::{Exposure, OrderClass, OrderRequest, Risk, RiskLimits, RiskReject};
pub use loss::breach_due;
pub use monitors::{MonitorSettings, Protection};
