//! [`SmaWindows`]: a fast and a slow simple moving average over one price series,
//! compared exactly.
//!
//! Progress: wait-free; a push is O(1) (one ring write, two running-sum updates) and
//! never allocates (the ring is allocated by [`SmaWindows::new`]).
//!
//! # Example
//!
//! ```
//! use std::cmp::Ordering;
//! use seamless_core::domain::Price;
//! use seamless_core::strategy::SmaWindows;
//! let mut w = SmaWindows::new(1, 2);
//! let p = |s: &str| s.parse::<Price>().unwrap();
//! assert_eq!(w.push(p("10")), None); // slow window not full yet
//! assert_eq!(w.push(p("12")), Some(Ordering::Greater)); // fast 12 > slow 11
//! ```
//!
//! # Implementation
//!
//! 1. One ring of the last `slow` raw prices serves both windows: the fast window is
//!    the newest `fast` entries of it (`fast < slow`), so the price leaving the fast
//!    window sits `fast` slots behind the write position and is still in the ring.
//! 2. Two running sums in `i128` (`slow` <= 10^4 prices of at most 2^63: far below
//!    2^127) are updated by adding the new price and subtracting the one that left.
//! 3. `fast_avg ? slow_avg` is decided as `fast_sum * slow ? slow_sum * fast` (both
//!    window lengths positive, so the order is preserved): exact, no division. Products
//!    stay below 2^77 * 2^14 = 2^91.
//!    (Running-sum SMA: e.g. Knuth TAOCP vol. 2, 4.2.2 on avoiding accumulated error,
//!    here moot because integer sums are exact.)
//!
//! It must never divide or round: an SMA comparison is either exact or absent.

use std::cmp::Ordering;

use crate::domain::Price;

/// The last `slow` prices of one series and the sums of the newest `fast` and `slow`.
#[derive(Clone, Debug)]
pub struct SmaWindows {
    /// Ring of raw prices; invariant: `ring.len() == slow`.
    ring: Box<[i64]>,
    /// Prices pushed so far (saturating; only compared with `fast` and `slow`).
    count: u64,
    /// Next write index; invariant: `head < slow`.
    head: usize,
    /// Sum of the newest `min(count, fast)` prices.
    fast_sum: i128,
    /// Sum of the newest `min(count, slow)` prices.
    slow_sum: i128,
    fast: usize,
}

impl SmaWindows {
    /// Windows of `fast` and `slow` prices. Allocates the ring. Callers guarantee
    /// `0 < fast < slow` ([`SmaCross::new`](super::SmaCross::new) checks it); other
    /// values are clamped to `fast = 1`, `slow = fast + 1`.
    pub fn new(fast: u32, slow: u32) -> Self {
        let fast = (fast as usize).max(1);
        let slow = (slow as usize).max(fast + 1);
        SmaWindows {
            ring: vec![0; slow].into_boxed_slice(),
            count: 0,
            head: 0,
            fast_sum: 0,
            slow_sum: 0,
            fast,
        }
    }

    /// Pushes the next price; returns how the fast SMA compares with the slow one once
    /// both windows are full (`None` before).
    #[inline]
    pub fn push(&mut self, price: Price) -> Option<Ordering> {
        let slow = self.ring.len();
        let (fast, px) = (self.fast, price.raw());
        if self.count >= fast as u64 {
            // The price leaving the fast window: `fast` slots behind `head`.
            self.fast_sum -= i128::from(self.ring[(self.head + slow - fast) % slow]);
        }
        if self.count >= slow as u64 {
            self.slow_sum -= i128::from(self.ring[self.head]);
        }
        self.ring[self.head] = px;
        self.fast_sum += i128::from(px);
        self.slow_sum += i128::from(px);
        self.head = (self.head + 1) % slow;
        self.count = self.count.saturating_add(1);
        debug_assert!(self.head < slow);
        self.compare()
    }

    /// How the fast SMA compares with the slow one (`None` until `slow` prices).
    #[inline]
    pub fn compare(&self) -> Option<Ordering> {
        let slow = self.ring.len();
        if self.count < slow as u64 {
            return None;
        }
        // fast_sum / fast ? slow_sum / slow  <=>  fast_sum * slow ? slow_sum * fast.
        Some((self.fast_sum * slow as i128).cmp(&(self.slow_sum * self.fast as i128)))
    }

    /// `true` once both windows are full.
    #[inline]
    pub fn is_full(&self) -> bool {
        self.count >= self.ring.len() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn px(units: i64) -> Price {
        Price::from_raw(units * 100_000_000)
    }

    #[test]
    fn sums_match_a_direct_recomputation() {
        let series = [5, 3, 8, 1, 9, 9, 2, 7, 4, 6, 6, 0, 3];
        let (fast, slow) = (2usize, 5usize);
        let mut w = SmaWindows::new(fast as u32, slow as u32);
        for (i, &p) in series.iter().enumerate() {
            let got = w.push(px(p));
            let n = i + 1;
            let want = (n >= slow).then(|| {
                let f: i64 = series[n - fast..n].iter().sum();
                let s: i64 = series[n - slow..n].iter().sum();
                (i128::from(f) * slow as i128).cmp(&(i128::from(s) * fast as i128))
            });
            assert_eq!(got, want, "after {n} prices");
        }
    }

    #[test]
    fn extreme_prices_do_not_overflow() {
        let mut w = SmaWindows::new(3, 10_000);
        for _ in 0..20_000 {
            w.push(Price::MAX);
        }
        assert_eq!(w.compare(), Some(Ordering::Equal));
        w.push(Price::MIN);
        assert_eq!(w.compare(), Some(Ordering::Less));
    }
}
