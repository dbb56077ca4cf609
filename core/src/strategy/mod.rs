//! Strategies: the [`Strategy`] trait users implement, the built-in [`SmaCross`], and
//! [`from_config`], which builds the configured one.
//!
//! A strategy sees one price at a time and answers with an [`Intent`]: the position it
//! wants to hold. It never places orders itself. The engine turns an intent into an
//! order: `qty = target - position - pending`, then risk (see the `engine` and `risk`
//! modules), so a strategy cannot bypass limits, double-submit while an order is in
//! flight, or see a position the fold does not hold.
//!
//! Progress: wait-free; [`Strategy::on_price`] runs on the engine thread for every tick
//! and must not allocate, lock, log, make syscalls or block.
//!
//! # Example
//!
//! A user strategy, in the user's own binary:
//!
//! ```
//! use seamless_core::domain::{InstrumentId, Price, Qty, Side};
//! use seamless_core::strategy::{Intent, Strategy};
//!
//! /// Goes long one unit above a fixed level, flat below it.
//! struct Above { level: Price }
//!
//! impl Strategy for Above {
//!     fn name(&self) -> &str { "above" }
//!     fn on_price(&mut self, _: InstrumentId, _: u64, price: Price, position: Qty) -> Option<Intent> {
//!         match (price > self.level, position.is_zero()) {
//!             (true, true) => Some(Intent::new(Side::Buy, Qty::ONE)),
//!             (false, false) => Some(Intent::new(Side::Sell, Qty::ZERO)),
//!             _ => None,
//!         }
//!     }
//! }
//!
//! let mut s = Above { level: "100".parse().unwrap() };
//! let intent = s.on_price(InstrumentId(0), 1, "101".parse().unwrap(), Qty::ZERO);
//! assert_eq!(intent, Some(Intent::new(Side::Buy, Qty::ONE)));
//! ```
//!
//! core/examples/custom_strategy.rs plugs a breakout strategy into the engine.
//!
//! # Implementation
//!
//! 1. The trait is object safe; the engine holds a `Box<dyn Strategy>` chosen at
//!    start-up (one indirect call per tick; the engine thread is the only caller).
//! 2. [`SmaCross`] keeps, per instrument, one ring of the last `slow` prices and two
//!    running sums (`sma` module), allocated at construction; comparisons are exact
//!    integer cross-multiplications, never divisions or floats.
//!
//! A strategy must never read a clock (use `ts_ns`), use floating point for decisions
//! that must replay, or keep state the engine cannot rebuild from the same ticks.

mod sma;
mod sma_cross;

use std::error::Error;
use std::fmt;

use seamless_config::{StrategyConfig, StrategyKind};

use crate::domain::{InstrumentId, Price, Qty, Side};

pub use sma::SmaWindows;
pub use sma_cross::SmaCross;

/// What a strategy wants: move the position toward `target` by trading on `side`.
///
/// The engine orders `target - position - pending` when that difference points in the
/// direction of `side`, and ignores the intent otherwise (already there, or the change
/// would go the other way: a buy intent never sells).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Intent {
    /// The direction of the signal (`signal_detected`'s side).
    pub side: Side,
    /// The signed position wanted (long > 0, short < 0, flat 0).
    pub target: Qty,
}

impl Intent {
    /// An intent to trade on `side` toward `target`.
    #[inline]
    pub const fn new(side: Side, target: Qty) -> Self {
        Intent { side, target }
    }
}

/// A trading strategy, driven by the engine thread.
///
/// Implementations must be deterministic in their inputs (replaying the same ticks
/// yields the same intents) and must not allocate, lock, log or block in
/// [`on_price`](Self::on_price): it runs on the hot path once per tick.
pub trait Strategy: Send {
    /// Its name in `signal_detected` events: 1 to 16 printable ASCII bytes, no `"` or
    /// `\` (checked once when the engine is built).
    fn name(&self) -> &str;

    /// One price update (the tick's last price, or a bar's close) for `instrument` at
    /// `ts_ns`, with the instrument's current signed `position`. Returns the position it
    /// wants, if it wants a change.
    fn on_price(
        &mut self,
        instrument: InstrumentId,
        ts_ns: u64,
        price: Price,
        position: Qty,
    ) -> Option<Intent>;
}

impl fmt::Debug for dyn Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Strategy")
            .field("name", &self.name())
            .finish()
    }
}

/// Why a configured strategy could not be built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StrategyError {
    /// `fast` is zero or not below `slow`.
    BadWindows {
        /// The fast window.
        fast: u32,
        /// The slow window.
        slow: u32,
    },
    /// The order quantity is not > 0.
    BadQty(Qty),
}

impl fmt::Display for StrategyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StrategyError::BadWindows { fast, slow } => write!(
                f,
                "sma_cross windows must satisfy 0 < fast < slow, got fast={fast} slow={slow}"
            ),
            StrategyError::BadQty(q) => write!(f, "strategy qty must be > 0, got {q}"),
        }
    }
}

impl Error for StrategyError {}

/// Builds the strategy `config` names for `instruments` instruments (ids
/// `0..instruments`); `None` for `kind = "none"`. Allocates (start-up only).
///
/// # Errors
///
/// [`StrategyError`] for windows or a quantity the config validation should already
/// have refused.
///
/// # Examples
///
/// ```
/// use seamless_config::StrategyConfig;
/// let config = StrategyConfig::from_cli_spec("sma_cross:fast=2,slow=3,qty=1").unwrap();
/// let strategy = seamless_core::strategy::from_config(&config, 2).unwrap().unwrap();
/// assert_eq!(strategy.name(), "sma_cross");
/// let none = StrategyConfig::from_cli_spec("none").unwrap();
/// assert!(seamless_core::strategy::from_config(&none, 2).unwrap().is_none());
/// ```
pub fn from_config(
    config: &StrategyConfig,
    instruments: usize,
) -> Result<Option<Box<dyn Strategy>>, StrategyError> {
    match config.kind {
        StrategyKind::None => Ok(None),
        StrategyKind::SmaCross => {
            let qty = Qty::from_raw(config.qty.0);
            let s = SmaCross::new(
                config.fast,
                config.slow,
                qty,
                config.allow_short,
                instruments,
            )?;
            Ok(Some(Box::new(s)))
        }
    }
}
