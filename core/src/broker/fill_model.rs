//! [`FillModel`]: where the paper broker fills a market order, what it charges, and
//! when the fill is due.

use seamless_config::BrokerConfig;

use super::msg::Order;
use crate::domain::{Money, Price, Qty, SCALE, Side};

/// The paper broker's execution model (from `[broker]`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FillModel {
    /// Ticks of adverse slippage on every fill.
    pub slippage_ticks: u32,
    /// Fee per unit filled, in account currency.
    pub fee_per_unit: Money,
    /// Fee in basis points of the notional, as a fixed-point number (`0.5` bp is
    /// `Money::from_raw(50_000_000)`).
    pub fee_bps: Money,
    /// Delay between an order and its fill, in microseconds.
    pub latency_us: u64,
}

impl FillModel {
    /// From `[broker]`.
    pub fn from_config(config: &BrokerConfig) -> Self {
        FillModel {
            slippage_ticks: config.slippage_ticks,
            fee_per_unit: Money::from_raw(config.fee_per_unit.0),
            fee_bps: Money::from_raw(config.fee_bps.0),
            latency_us: config.latency_us,
        }
    }

    /// The fill price: the ask for a buy, the bid for a sell, moved against the order
    /// by `slippage_ticks * tick`; `None` on overflow.
    ///
    /// # Examples
    ///
    /// ```
    /// use seamless_core::broker::FillModel;
    /// use seamless_core::domain::{Price, Side};
    /// let m = FillModel { slippage_ticks: 2, ..FillModel::default() };
    /// let p = |s: &str| s.parse::<Price>().unwrap();
    /// assert_eq!(m.price(Side::Buy, p("99.9"), p("100.1"), p("0.05")), Some(p("100.2")));
    /// assert_eq!(m.price(Side::Sell, p("99.9"), p("100.1"), p("0.05")), Some(p("99.8")));
    /// ```
    #[inline]
    pub fn price(&self, side: Side, bid: Price, ask: Price, tick: Price) -> Option<Price> {
        let slip = tick.raw().checked_mul(i64::from(self.slippage_ticks))?;
        let raw = match side {
            Side::Buy => ask.raw().checked_add(slip)?,
            Side::Sell => bid.raw().checked_sub(slip)?,
        };
        Some(Price::from_raw(raw))
    }

    /// The fee for `qty` at `price`: `fee_per_unit * qty + |notional| * fee_bps / 10^4`,
    /// each term rounded half away from zero to 10^-8 separately; `None` on overflow.
    ///
    /// # Examples
    ///
    /// ```
    /// use seamless_core::broker::FillModel;
    /// let m = FillModel {
    ///     fee_per_unit: "0.01".parse().unwrap(), fee_bps: "2.5".parse().unwrap(),
    ///     ..FillModel::default()
    /// };
    /// // 3 units: 0.03; notional 300 at 2.5 bp: 0.075.
    /// let fee = m.fee("3".parse().unwrap(), "100".parse().unwrap()).unwrap();
    /// assert_eq!(fee.to_string(), "0.105");
    /// ```
    #[inline]
    pub fn fee(&self, qty: Qty, price: Price) -> Option<Money> {
        // Money per unit times units is the same fixed-point product as a notional.
        let per_unit = Price::from_raw(self.fee_per_unit.raw()).notional(qty)?;
        let notional = price.notional(qty)?.checked_abs()?;
        let bps = notional.mul_ratio(self.fee_bps.raw(), 10_000 * SCALE)?;
        per_unit.checked_add(bps)
    }

    /// When a fill of `order` is due: `order.ts_ns + latency_us` (saturating). The
    /// broker thread holds the reply until then; the fill carries this timestamp.
    #[inline]
    pub fn due_ns(&self, order: &Order) -> u64 {
        order
            .ts_ns
            .saturating_add(self.latency_us.saturating_mul(1_000))
    }
}
