//! Fixed-point decimal types: [`Price`], [`Qty`] and [`Money`], each an `i64` holding
//! `value * 10^8` (8 decimal places, range about ±92 billion).
//!
//! No float ever enters trading state: prices, quantities and money are these integers,
//! so folding the same events always gives the same bits (replay is exact).
//!
//! Progress: wait-free; nothing allocates.
//!
//! # Example
//!
//! ```
//! use seamless_core::domain::{Money, Price, Qty};
//! let price: Price = "101.25".parse().unwrap();
//! let qty: Qty = "3".parse().unwrap();
//! let notional = price.notional(qty).unwrap();
//! assert_eq!(notional.to_string(), "303.75");
//! assert_eq!(notional.bps(10).unwrap(), "0.30375".parse::<Money>().unwrap());
//! ```
//!
//! # Implementation
//!
//! 1. Each type is a `#[repr(transparent)]` newtype over `i64`, zerocopy-derived so it may
//!    sit in shared-memory and on-disk records; any bit pattern is a valid value.
//! 2. Sums and differences are `checked_*` (returning `None` on overflow) or
//!    `saturating_*`; there are deliberately no `+`/`-` operators that could panic or wrap.
//! 3. Products and quotients (`notional`, `bps`, `mul_ratio`, `per_unit`) are computed
//!    exactly in 128 bits, then rounded **half away from zero** once, at the end (the
//!    rounding most exchanges and accountants mean by "rounding"; it is symmetric, so a
//!    buy and a sell of the same size have notionals of equal magnitude), then narrowed
//!    back with an overflow check. `notional`, the hot one, splits its operands at the
//!    decimal point so it needs no 128-bit division.
//! 4. Text goes through [`decimal`](super::decimal): exact, shortest, no floats.
//!
//! It must never use floating point, and never panic on any value.

use std::fmt;
use std::str::FromStr;

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use super::decimal::{self, MAX_TEXT, ParseFixedError};

/// Decimal places of every fixed-point type.
pub const DECIMALS: u32 = 8;

/// `10^DECIMALS`: the raw value of one whole unit.
pub const SCALE: i64 = 100_000_000;

/// `n / d` rounded half away from zero. `d` must be non-zero.
#[inline]
pub(crate) fn div_round(n: i128, d: i128) -> i128 {
    debug_assert!(d != 0);
    let q = n / d;
    let r = n % d;
    // |r| < |d| <= 2^64 for every caller, so doubling cannot overflow.
    if 2 * r.unsigned_abs() >= d.unsigned_abs() {
        if (n < 0) == (d < 0) { q + 1 } else { q - 1 }
    } else {
        q
    }
}

/// `a * b / SCALE` rounded half away from zero, exactly, without a 128-bit division
/// (a `u128` division is a library call costing tens of nanoseconds; this is a few
/// multiplications and constant divisions, which compile to multiplications).
///
/// With `a = ai * SCALE + af` and `b = bi * SCALE + bf` (magnitudes), the quotient is
/// `a * bi + ai * bf + af * bf / SCALE`: only the last term is fractional, and
/// `af * bf < 10^16` fits a `u64`. Rounding that term half up on magnitudes is rounding
/// the whole half away from zero.
#[inline]
pub(crate) fn mul_unscale(a: i64, b: i64) -> i128 {
    let s = SCALE as u64;
    let (ma, mb) = (a.unsigned_abs(), b.unsigned_abs());
    let (ai, af) = (ma / s, ma % s);
    let (bi, bf) = (mb / s, mb % s);
    let frac = af * bf;
    let frac = frac / s + u64::from(frac % s >= s / 2);
    // ma * bi < 2^63 * 2^37: far below 2^127, as are the sums.
    let magnitude = u128::from(ma) * u128::from(bi) + u128::from(ai) * u128::from(bf);
    let magnitude = (magnitude + u128::from(frac)) as i128;
    if (a < 0) != (b < 0) {
        -magnitude
    } else {
        magnitude
    }
}

macro_rules! fixed_point {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash,
            FromBytes, IntoBytes, Immutable, KnownLayout,
        )]
        #[repr(transparent)]
        pub struct $name(i64);

        impl $name {
            /// Zero.
            pub const ZERO: Self = Self(0);
            /// The largest representable value.
            pub const MAX: Self = Self(i64::MAX);
            /// The smallest representable value.
            pub const MIN: Self = Self(i64::MIN);
            /// One whole unit.
            pub const ONE: Self = Self(SCALE);

            /// From the raw integer `value * 10^8`.
            #[inline]
            pub const fn from_raw(raw: i64) -> Self {
                Self(raw)
            }

            /// The raw integer `value * 10^8`.
            #[inline]
            pub const fn raw(self) -> i64 {
                self.0
            }

            /// From a whole number of units; `None` if it does not fit.
            #[inline]
            pub const fn from_units(units: i64) -> Option<Self> {
                match units.checked_mul(SCALE) {
                    Some(raw) => Some(Self(raw)),
                    None => None,
                }
            }

            /// `self + rhs`, `None` on overflow.
            #[inline]
            pub const fn checked_add(self, rhs: Self) -> Option<Self> {
                match self.0.checked_add(rhs.0) {
                    Some(raw) => Some(Self(raw)),
                    None => None,
                }
            }

            /// `self - rhs`, `None` on overflow.
            #[inline]
            pub const fn checked_sub(self, rhs: Self) -> Option<Self> {
                match self.0.checked_sub(rhs.0) {
                    Some(raw) => Some(Self(raw)),
                    None => None,
                }
            }

            /// `-self`, `None` for [`MIN`](Self::MIN).
            #[inline]
            pub const fn checked_neg(self) -> Option<Self> {
                match self.0.checked_neg() {
                    Some(raw) => Some(Self(raw)),
                    None => None,
                }
            }

            /// `|self|`, `None` for [`MIN`](Self::MIN).
            #[inline]
            pub const fn checked_abs(self) -> Option<Self> {
                match self.0.checked_abs() {
                    Some(raw) => Some(Self(raw)),
                    None => None,
                }
            }

            /// `self + rhs`, clamped to the representable range.
            #[inline]
            pub const fn saturating_add(self, rhs: Self) -> Self {
                Self(self.0.saturating_add(rhs.0))
            }

            /// `self - rhs`, clamped to the representable range.
            #[inline]
            pub const fn saturating_sub(self, rhs: Self) -> Self {
                Self(self.0.saturating_sub(rhs.0))
            }

            /// `-self`, clamped ([`MIN`](Self::MIN) becomes [`MAX`](Self::MAX)).
            #[inline]
            pub const fn saturating_neg(self) -> Self {
                Self(self.0.saturating_neg())
            }

            /// `|self|`, clamped.
            #[inline]
            pub const fn saturating_abs(self) -> Self {
                Self(self.0.saturating_abs())
            }

            /// `true` for zero.
            #[inline]
            pub const fn is_zero(self) -> bool {
                self.0 == 0
            }

            /// `true` above zero.
            #[inline]
            pub const fn is_positive(self) -> bool {
                self.0 > 0
            }

            /// `true` below zero.
            #[inline]
            pub const fn is_negative(self) -> bool {
                self.0 < 0
            }

            /// `-1`, `0` or `1`.
            #[inline]
            pub const fn signum(self) -> i64 {
                self.0.signum()
            }

            /// `self * num / den` rounded half away from zero; `None` if `den == 0` or
            /// the result does not fit.
            #[inline]
            pub fn mul_ratio(self, num: i64, den: i64) -> Option<Self> {
                if den == 0 {
                    return None;
                }
                let v = div_round(i128::from(self.0) * i128::from(num), i128::from(den));
                i64::try_from(v).ok().map(Self)
            }

            /// Writes the shortest exact decimal text into `out` (no allocation).
            ///
            /// # Errors
            ///
            /// Only those of `out`.
            #[inline]
            pub fn write_decimal<W: fmt::Write + ?Sized>(self, out: &mut W) -> fmt::Result {
                out.write_str(decimal::format_raw(self.0, &mut [0; MAX_TEXT]))
            }
        }

        impl FromStr for $name {
            type Err = ParseFixedError;

            /// Exact decimal text: `123.45`, `-0.00000001`, `+7`; no exponent, no
            /// leading or trailing `.`, at most 8 significant decimals (trailing zeros
            /// beyond the 8th are accepted: the value is still exact).
            fn from_str(s: &str) -> Result<Self, ParseFixedError> {
                decimal::parse_raw(s).map(Self)
            }
        }

        impl fmt::Display for $name {
            /// The shortest exact decimal (`123.45`, `-0.5`, `0`); honours width and
            /// alignment (`{:>12}`).
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(decimal::format_raw(self.0, &mut [0; MAX_TEXT]))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self)
            }
        }
    };
}

fixed_point! {
    /// A price per unit of an instrument (8 decimals). May be negative (spreads, some
    /// futures); zero is a valid price.
    Price
}

fixed_point! {
    /// A quantity of an instrument (8 decimals, so fractional crypto lots fit). Signed
    /// where it is a position (long > 0, short < 0); order and fill quantities are > 0.
    Qty
}

fixed_point! {
    /// An amount of account currency (8 decimals): cash, P&L, fees, limits.
    Money
}

impl Price {
    /// `price * qty` as money, rounded half away from zero to 8 decimals; `None` if it
    /// does not fit. The sign follows the operands (a negative quantity gives a negative
    /// notional).
    ///
    /// # Examples
    ///
    /// ```
    /// use seamless_core::domain::{Price, Qty};
    /// let p = Price::from_raw(1); // 0.00000001
    /// let q: Qty = "0.5".parse().unwrap();
    /// assert_eq!(p.notional(q).unwrap().raw(), 1); // 0.000000005 rounds away from zero
    /// ```
    #[inline]
    pub fn notional(self, qty: Qty) -> Option<Money> {
        i64::try_from(mul_unscale(self.0, qty.0)).ok().map(Money)
    }

    /// Like [`notional`](Self::notional) but clamped to the representable range.
    #[inline]
    pub fn notional_saturating(self, qty: Qty) -> Money {
        let v = mul_unscale(self.0, qty.0);
        Money(v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
    }
}

impl Money {
    /// `self * bps / 10_000` (a fee or a rate in basis points), rounded half away from
    /// zero; `None` on overflow. Fractional basis points are expressed with
    /// [`mul_ratio`](Self::mul_ratio) (0.25 bp = `mul_ratio(25, 1_000_000)`).
    #[inline]
    pub fn bps(self, bps: i64) -> Option<Money> {
        self.mul_ratio(bps, 10_000)
    }

    /// `self / qty` as a price per unit (an average price from a cost basis), rounded
    /// half away from zero; `None` if `qty` is zero or the result does not fit.
    #[inline]
    pub fn per_unit(self, qty: Qty) -> Option<Price> {
        if qty.0 == 0 {
            return None;
        }
        let v = div_round(i128::from(self.0) * i128::from(SCALE), i128::from(qty.0));
        i64::try_from(v).ok().map(Price)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn div_round_is_half_away_from_zero() {
        assert_eq!(div_round(5, 2), 3);
        assert_eq!(div_round(-5, 2), -3);
        assert_eq!(div_round(5, -2), -3);
        assert_eq!(div_round(-5, -2), 3);
        assert_eq!(div_round(4, 3), 1);
        assert_eq!(div_round(-4, 3), -1);
        assert_eq!(div_round(7, 7), 1);
        assert_eq!(div_round(0, 7), 0);
    }

    #[test]
    fn mul_unscale_matches_i128_division() {
        let cases = [
            0,
            1,
            -1,
            49_999_999,
            50_000_000,
            -50_000_000,
            SCALE,
            i64::MAX,
            i64::MIN,
        ];
        for a in cases {
            for b in cases {
                let want = div_round(i128::from(a) * i128::from(b), i128::from(SCALE));
                assert_eq!(mul_unscale(a, b), want, "{a} * {b}");
            }
        }
    }

    #[test]
    fn notional_and_fees() {
        let p: Price = "0.33333333".parse().unwrap();
        let q: Qty = "3".parse().unwrap();
        assert_eq!(p.notional(q).unwrap().to_string(), "0.99999999");
        assert_eq!(Price::MAX.notional(Qty::from_units(2).unwrap()), None);
        assert_eq!(
            Price::MAX.notional_saturating(Qty::from_units(-2).unwrap()),
            Money::MIN
        );
        let m: Money = "-100".parse().unwrap();
        assert_eq!(m.bps(25).unwrap().to_string(), "-0.25");
        assert_eq!(m.mul_ratio(1, 0), None);
        let avg = "300".parse::<Money>().unwrap().per_unit(q).unwrap();
        assert_eq!(avg.to_string(), "100");
        assert_eq!(m.per_unit(Qty::ZERO), None);
    }

    #[test]
    fn checked_and_display() {
        assert_eq!(Money::MAX.checked_add(Money::from_raw(1)), None);
        assert_eq!(Money::MIN.checked_neg(), None);
        assert_eq!(Money::MIN.saturating_neg(), Money::MAX);
        assert_eq!(format!("{:>6}|", Price::ONE), "     1|");
        assert_eq!(format!("{:?}", Qty::from_raw(-50_000_000)), "Qty(-0.5)");
    }
}
