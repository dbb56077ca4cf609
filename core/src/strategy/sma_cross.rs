//! [`SmaCross`]: the built-in moving-average crossover strategy.
//!
//! Precisely, per instrument, on each price update with both windows full:
//!
//! - it **crosses above** when `fast > slow` now and `fast <= slow` at the previous
//!   update: a buy signal, target a long position of `qty`;
//! - it **crosses below** when `fast < slow` now and `fast >= slow` at the previous
//!   update: a sell signal, target flat (or a short of `qty` when `allow_short`).
//!
//! "The previous update" must itself have had both windows full, so the first possible
//! signal is on the `slow + 1`th price. Equality counts on the "previous" side only: a
//! series that goes below, equal, above signals once, at the move from equal to above;
//! above, equal, above signals again at the second move (the averages touched).
//!
//! Progress: wait-free; `on_price` is one [`SmaWindows::push`] and a compare; nothing
//! allocates after [`SmaCross::new`].
//!
//! # Example
//!
//! ```
//! use seamless_core::domain::{InstrumentId, Price, Qty, Side};
//! use seamless_core::strategy::{Intent, SmaCross, Strategy};
//! let mut s = SmaCross::new(1, 2, Qty::ONE, false, 1).unwrap();
//! let id = InstrumentId(0);
//! let mut feed = |p: i64| s.on_price(id, 0, Price::from_units(p).unwrap(), Qty::ZERO);
//! assert_eq!(feed(10), None); // windows not full
//! assert_eq!(feed(9), None); // first full update: nothing to compare with
//! assert_eq!(feed(11), Some(Intent::new(Side::Buy, Qty::ONE))); // 11 > 10 after 9 < 9.5
//! ```
//!
//! It must never signal from a partial window or from an inexact comparison.

use std::cmp::Ordering;

use super::sma::SmaWindows;
use super::{Intent, Strategy, StrategyError};
use crate::domain::{InstrumentId, Price, Qty, Side};

/// One instrument's windows and the comparison at its previous update.
#[derive(Clone, Debug)]
struct Series {
    windows: SmaWindows,
    previous: Option<Ordering>,
}

/// The moving-average crossover strategy (see the module docs for the exact rule).
#[derive(Clone, Debug)]
pub struct SmaCross {
    /// One entry per instrument id `0..len`.
    series: Box<[Series]>,
    qty: Qty,
    allow_short: bool,
}

impl SmaCross {
    /// `fast`/`slow` windows in prices, order size `qty`, for instrument ids
    /// `0..instruments` (prices for other ids are ignored). Allocates every window now.
    ///
    /// # Errors
    ///
    /// [`StrategyError::BadWindows`] unless `0 < fast < slow`;
    /// [`StrategyError::BadQty`] unless `qty > 0`.
    pub fn new(
        fast: u32,
        slow: u32,
        qty: Qty,
        allow_short: bool,
        instruments: usize,
    ) -> Result<Self, StrategyError> {
        if fast == 0 || fast >= slow {
            return Err(StrategyError::BadWindows { fast, slow });
        }
        if !qty.is_positive() {
            return Err(StrategyError::BadQty(qty));
        }
        let one = Series {
            windows: SmaWindows::new(fast, slow),
            previous: None,
        };
        Ok(SmaCross {
            series: vec![one; instruments].into_boxed_slice(),
            qty,
            allow_short,
        })
    }

    /// The intent for a move from `previous` to `now`, if it is a cross.
    #[inline]
    fn cross(&self, previous: Ordering, now: Ordering) -> Option<Intent> {
        use Ordering::{Equal, Greater, Less};
        match (previous, now) {
            (Less | Equal, Greater) => Some(Intent::new(Side::Buy, self.qty)),
            (Greater | Equal, Less) => {
                let target = if self.allow_short {
                    self.qty.saturating_neg()
                } else {
                    Qty::ZERO
                };
                Some(Intent::new(Side::Sell, target))
            }
            _ => None,
        }
    }
}

impl Strategy for SmaCross {
    fn name(&self) -> &str {
        "sma_cross"
    }

    #[inline]
    fn on_price(
        &mut self,
        instrument: InstrumentId,
        _ts_ns: u64,
        price: Price,
        _position: Qty,
    ) -> Option<Intent> {
        let series = self.series.get_mut(instrument.index())?;
        let now = series.windows.push(price);
        let previous = std::mem::replace(&mut series.previous, now);
        self.cross(previous?, now?)
    }
}
