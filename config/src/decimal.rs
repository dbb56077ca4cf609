//! Exact fixed-point decimals for prices, quantities and money in the config.
//!
//! A [`Decimal`] is an `i64` count of 10^-8 units ([`SCALE`] per unit), so `0.0001` is
//! `Decimal(10_000)` and `50000` is `Decimal(5_000_000_000_000)`. The core converts it
//! to its own price and money types; no float ever reaches trading state.
//!
//! Progress: pure functions, no shared state; parsing never panics.
//!
//! ```
//! use seamless_config::Decimal;
//! let tick: Decimal = "0.01".parse().unwrap();
//! assert_eq!(tick, Decimal(1_000_000));
//! assert_eq!(tick.to_string(), "0.01");
//! assert!("0.000000001".parse::<Decimal>().is_err()); // 9 decimal places
//! ```
//!
//! # Implementation
//!
//! 1. Text is parsed digit by digit into an `i128` (so `i64::MIN` and overflow are
//!    checked, never wrapped): `[+-]?DIGITS[.DIGITS]`; fractional digits beyond the
//!    eighth must be zeros.
//! 2. In a TOML file a decimal may be an integer, a float or a string. Integers scale
//!    exactly. Floats arrive through serde as `f64`; the shortest round-trip rendering
//!    of that `f64` (Rust's `Display`, Steele & White / Ryu style) is parsed as text,
//!    which reproduces the literal for up to 15 significant digits. The loader checks
//!    every float literal's own text against that result (`float_literal`) and
//!    rejects literals that a float would round, asking for a quoted string instead.
//! 3. `Display` prints the exact value with trailing zeros trimmed; serialization
//!    writes an integer when the value is whole, a float when the float reads back
//!    exactly, and a string otherwise.
//!
//! It must never round: a value it cannot hold exactly is an error.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Units of 10^-8 per whole unit: the fixed-point scale of [`Decimal`].
pub const SCALE: i64 = 100_000_000;
/// Decimal places a [`Decimal`] holds.
pub const DECIMALS: usize = 8;

/// A fixed-point decimal: the value is `self.0 / SCALE`, exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Decimal(pub i64);

impl Decimal {
    /// Zero.
    pub const ZERO: Decimal = Decimal(0);

    /// A whole number of units, or `None` when `units * SCALE` overflows `i64`.
    pub const fn from_units(units: i64) -> Option<Decimal> {
        match units.checked_mul(SCALE) {
            Some(v) => Some(Decimal(v)),
            None => None,
        }
    }

    /// True when the value is greater than zero.
    pub const fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// True when the value is less than zero.
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// True when `self` is a whole multiple of `step` (false when `step` is zero).
    pub const fn is_multiple_of(self, step: Decimal) -> bool {
        step.0 != 0 && self.0 % step.0 == 0
    }
}

/// Why a text is not a [`Decimal`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecimalError {
    /// Not of the form `[+-]DIGITS[.DIGITS]`.
    Syntax(String),
    /// More than [`DECIMALS`] significant decimal places.
    TooPrecise(String),
    /// Outside the `i64` range of 10^-8 units.
    OutOfRange(String),
    /// NaN or infinity.
    NotFinite(String),
}

impl fmt::Display for DecimalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecimalError::Syntax(t) => {
                write!(f, "expected a decimal number like 0.0001, got {t:?}")
            }
            DecimalError::TooPrecise(t) => {
                write!(f, "{t} has more than {DECIMALS} decimal places")
            }
            DecimalError::OutOfRange(t) => write!(
                f,
                "{t} is out of range (at most {} in magnitude)",
                Decimal(i64::MAX)
            ),
            DecimalError::NotFinite(t) => write!(f, "expected a finite decimal number, got {t}"),
        }
    }
}

impl std::error::Error for DecimalError {}

impl FromStr for Decimal {
    type Err = DecimalError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let syntax = || DecimalError::Syntax(text.to_owned());
        let (negative, body) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        let (int, frac) = match body.split_once('.') {
            Some((i, f)) if !f.is_empty() => (i, f),
            Some(_) => return Err(syntax()),
            None => (body, ""),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if int.is_empty() || !all_digits(int) || !all_digits(frac) {
            return Err(syntax());
        }
        let (kept, dropped) = frac.split_at(frac.len().min(DECIMALS));
        if dropped.bytes().any(|b| b != b'0') {
            return Err(DecimalError::TooPrecise(text.to_owned()));
        }
        let range = || DecimalError::OutOfRange(text.to_owned());
        let mut units: i128 = 0;
        let digits = int
            .bytes()
            .chain(kept.bytes())
            .chain(std::iter::repeat_n(b'0', DECIMALS - kept.len()));
        for b in digits {
            units = units
                .checked_mul(10)
                .and_then(|u| u.checked_add(i128::from(b - b'0')))
                .ok_or_else(range)?;
        }
        let units = if negative { -units } else { units };
        i64::try_from(units).map(Decimal).map_err(|_| range())
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let abs = self.0.unsigned_abs();
        let scale = SCALE.unsigned_abs();
        let (int, frac) = (abs / scale, abs % scale);
        let sign = if self.0 < 0 { "-" } else { "" };
        if frac == 0 {
            return write!(f, "{sign}{int}");
        }
        let frac = format!("{frac:08}");
        write!(f, "{sign}{int}.{}", frac.trim_end_matches('0'))
    }
}

/// Parses a TOML float literal's own text (underscores and exponent allowed) exactly.
///
/// The loader calls this on every float literal and compares the result with what the
/// `f64` path of [`Decimal`]'s deserializer yields, so a literal a float would round
/// is reported instead of silently changed.
///
/// # Errors
///
/// The same as [`Decimal::from_str`], for the literal's exact value.
pub(crate) fn float_literal(text: &str) -> Result<Decimal, DecimalError> {
    let clean: String = text.chars().filter(|&c| c != '_').collect();
    if clean.contains("inf") || clean.contains("nan") {
        return Err(DecimalError::NotFinite(text.to_owned()));
    }
    let (mantissa, exp) = match clean.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i64>().map_err(|_| syntax_of(text))?),
        None => (clean.as_str(), 0),
    };
    let (sign, mantissa) = match mantissa.strip_prefix(['-', '+']) {
        Some(rest) => (&mantissa[..1], rest),
        None => ("", mantissa),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{int}{frac}");
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(syntax_of(text));
    }
    let digits = digits.trim_start_matches('0');
    if digits.bytes().all(|b| b == b'0') {
        return Ok(Decimal::ZERO);
    }
    // Decimal point sits `point` digits from the left of `digits`.
    let frac_len = i64::try_from(frac.len()).unwrap_or(i64::MAX);
    let point = i64::try_from(digits.len())
        .unwrap_or(i64::MAX)
        .saturating_sub(frac_len)
        .saturating_add(exp);
    if point > 20 {
        return Err(DecimalError::OutOfRange(text.to_owned()));
    }
    if point < -(DECIMALS as i64) {
        return Err(DecimalError::TooPrecise(text.to_owned()));
    }
    let plain = if point <= 0 {
        let zeros = "0".repeat(point.unsigned_abs() as usize);
        format!("{sign}0.{zeros}{digits}")
    } else {
        let point = point as usize;
        if point >= digits.len() {
            format!("{sign}{digits}{}", "0".repeat(point - digits.len()))
        } else {
            format!("{sign}{}.{}", &digits[..point], &digits[point..])
        }
    };
    plain.parse::<Decimal>().map_err(|e| match e {
        DecimalError::TooPrecise(_) => DecimalError::TooPrecise(text.to_owned()),
        DecimalError::OutOfRange(_) => DecimalError::OutOfRange(text.to_owned()),
        _ => syntax_of(text),
    })
}

fn syntax_of(text: &str) -> DecimalError {
    DecimalError::Syntax(text.to_owned())
}

/// The value the `f64` path of the deserializer gives for `value`.
pub(crate) fn from_f64(value: f64) -> Result<Decimal, DecimalError> {
    if !value.is_finite() {
        return Err(DecimalError::NotFinite(value.to_string()));
    }
    // `Display` for f64 is the shortest text that reads back as the same f64 and never
    // uses exponent notation.
    value.to_string().parse()
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0 % SCALE == 0 {
            return serializer.serialize_i64(self.0 / SCALE);
        }
        let text = self.to_string();
        match text.parse::<f64>() {
            Ok(f) if from_f64(f) == Ok(*self) => serializer.serialize_f64(f),
            _ => serializer.serialize_str(&text),
        }
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DecimalVisitor)
    }
}

struct DecimalVisitor;

impl Visitor<'_> for DecimalVisitor {
    type Value = Decimal;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a decimal number (like 0.0001 or \"0.0001\")")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
        Decimal::from_units(v).ok_or_else(|| E::custom(DecimalError::OutOfRange(v.to_string())))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
        let range = || E::custom(DecimalError::OutOfRange(v.to_string()));
        let v = i64::try_from(v).map_err(|_| range())?;
        Decimal::from_units(v).ok_or_else(range)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
        from_f64(v).map_err(E::custom)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
        v.parse().map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_exactly() {
        for (text, units) in [
            ("0", 0),
            ("0.01", 1_000_000),
            ("-5000", -500_000_000_000),
            ("0.00000001", 1),
            ("1.50000000000", 150_000_000),
            ("+2.5", 250_000_000),
        ] {
            assert_eq!(text.parse::<Decimal>(), Ok(Decimal(units)), "{text}");
        }
        assert_eq!(Decimal(-1).to_string(), "-0.00000001");
        assert_eq!(Decimal(i64::MIN).to_string(), "-92233720368.54775808");
        assert_eq!("-92233720368.54775808".parse(), Ok(Decimal(i64::MIN)));
        assert_eq!(Decimal(150_000_000).to_string(), "1.5");
    }

    #[test]
    fn rejects_bad_text() {
        for bad in [
            "", "-", ".5", "5.", "1e3", "1_000", " 1", "0x10", "1.2.3", "--1",
        ] {
            assert!(
                matches!(bad.parse::<Decimal>(), Err(DecimalError::Syntax(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            "0.000000001".parse::<Decimal>(),
            Err(DecimalError::TooPrecise(_))
        ));
        assert!(matches!(
            "92233720368.54775808".parse::<Decimal>(),
            Err(DecimalError::OutOfRange(_))
        ));
        assert!(matches!(
            "99999999999999999999999999999999999999999".parse::<Decimal>(),
            Err(DecimalError::OutOfRange(_))
        ));
    }

    #[test]
    fn float_literals_are_read_from_their_text() {
        assert_eq!(float_literal("1e3"), Ok(Decimal(100_000_000_000)));
        assert_eq!(float_literal("1_000.5"), Ok(Decimal(100_050_000_000)));
        assert_eq!(float_literal("-2.5E-3"), Ok(Decimal(-250_000)));
        assert_eq!(float_literal("0.0"), Ok(Decimal(0)));
        assert_eq!(
            float_literal("0e99999999999999999999"),
            Err(syntax_of("0e99999999999999999999"))
        );
        assert!(matches!(
            float_literal("1e-9"),
            Err(DecimalError::TooPrecise(_))
        ));
        assert!(matches!(
            float_literal("1e300"),
            Err(DecimalError::OutOfRange(_))
        ));
        assert!(matches!(
            float_literal("-inf"),
            Err(DecimalError::NotFinite(_))
        ));
        // A float would round this one: the literal's own value is what counts.
        let long = "12345678901.12345678";
        assert_eq!(float_literal(long), long.parse());
        assert_ne!(from_f64(long.parse().unwrap()), long.parse());
    }
}
