//! Exact decimal text for 8-decimal fixed-point integers: parsing and formatting.
//!
//! The fixed-point types ([`Price`](super::Price), [`Qty`](super::Qty),
//! [`Money`](super::Money)) store `value * 10^8` in an `i64`. This module converts that raw
//! integer to and from decimal text without ever passing through a float, so
//! `"0.1"` is exactly `10_000_000` and back.
//!
//! Progress: wait-free; neither direction allocates (formatting writes into a 24-byte
//! stack buffer).
//!
//! # Example
//!
//! ```
//! use seamless_core::domain::Price;
//! let p: Price = "-0.00000001".parse().unwrap();
//! assert_eq!(p.raw(), -1);
//! assert_eq!(p.to_string(), "-0.00000001");
//! ```
//!
//! # Implementation
//!
//! 1. Parsing accepts `[+-]?DIGITS(.DIGITS)?` (the JSON/TOML number shape without an
//!    exponent), accumulates the integer part and the first 8 fractional digits in a
//!    `u128`, and rejects further non-zero digits (`TooManyDecimals`: the value would not
//!    be exact) and magnitudes beyond `i64` (`Overflow`; `i64::MIN` itself is accepted).
//! 2. Formatting writes right to left: the fractional digits with trailing zeros
//!    stripped, the point only when a fraction remains, then the integer digits and the
//!    sign. This is the shortest exact decimal: `123.45`, `-0.5`, `0`.
//!    (The same shape as `rust_decimal`'s `normalize()` output, with `u64` arithmetic.)
//!
//! It must never round: text that is not exactly representable is an error.

use std::error::Error;
use std::fmt;

use super::fixed::{DECIMALS, SCALE};

/// Why decimal text did not parse into a fixed-point value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseFixedError {
    /// The text was empty (or only a sign).
    Empty,
    /// A character other than digits, one leading sign and one inner `.`.
    Invalid,
    /// More than 8 decimal places with a non-zero digit past the 8th.
    TooManyDecimals,
    /// The value does not fit the `i64` representation (about ±92 billion).
    Overflow,
}

impl fmt::Display for ParseFixedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ParseFixedError::Empty => "empty decimal",
            ParseFixedError::Invalid => {
                "invalid decimal (expected digits, an optional sign and an optional '.' part)"
            }
            ParseFixedError::TooManyDecimals => "more than 8 decimal places",
            ParseFixedError::Overflow => "decimal out of range (about +-92 billion)",
        })
    }
}

impl Error for ParseFixedError {}

/// Largest integer part that can still fit once scaled; anything larger is an overflow.
/// Checked while accumulating so an arbitrarily long digit string cannot overflow `u128`.
const MAX_INT_PART: u128 = (1u128 << 63) / SCALE as u128 + 1;

/// Parses exact decimal text into a raw fixed-point integer (`value * 10^8`).
pub(crate) fn parse_raw(text: &str) -> Result<i64, ParseFixedError> {
    let bytes = text.as_bytes();
    let (negative, body) = match bytes.first() {
        Some(b'-') => (true, &bytes[1..]),
        Some(b'+') => (false, &bytes[1..]),
        Some(_) => (false, bytes),
        None => return Err(ParseFixedError::Empty),
    };
    if body.is_empty() {
        return Err(ParseFixedError::Empty);
    }
    let (int_digits, frac_digits) = match body.iter().position(|&b| b == b'.') {
        Some(dot) => (&body[..dot], Some(&body[dot + 1..])),
        None => (body, None),
    };
    if int_digits.is_empty() || frac_digits.is_some_and(<[u8]>::is_empty) {
        return Err(ParseFixedError::Invalid);
    }
    let mut int_part: u128 = 0;
    for &b in int_digits {
        int_part = int_part * 10 + u128::from(digit(b)?);
        if int_part > MAX_INT_PART {
            return Err(ParseFixedError::Overflow);
        }
    }
    let mut frac_part: u128 = 0;
    let mut places = 0u32;
    for &b in frac_digits.unwrap_or(&[]) {
        let d = digit(b)?;
        if places < DECIMALS {
            frac_part = frac_part * 10 + u128::from(d);
            places += 1;
        } else if d != 0 {
            return Err(ParseFixedError::TooManyDecimals);
        }
    }
    let magnitude = int_part * SCALE as u128 + frac_part * 10u128.pow(DECIMALS - places);
    if negative {
        if magnitude > 1u128 << 63 {
            return Err(ParseFixedError::Overflow);
        }
        // `magnitude <= 2^63`, so the negation fits an i128 and then an i64.
        Ok((-(magnitude as i128)) as i64)
    } else {
        i64::try_from(magnitude).map_err(|_| ParseFixedError::Overflow)
    }
}

fn digit(b: u8) -> Result<u8, ParseFixedError> {
    if b.is_ascii_digit() {
        Ok(b - b'0')
    } else {
        Err(ParseFixedError::Invalid)
    }
}

/// Longest text: `-92233720368.54775808` (21 bytes).
pub(crate) const MAX_TEXT: usize = 24;

/// Formats a raw fixed-point integer as its shortest exact decimal into `buf`.
pub(crate) fn format_raw(raw: i64, buf: &mut [u8; MAX_TEXT]) -> &str {
    let scale = SCALE as u64;
    let magnitude = raw.unsigned_abs();
    let mut int_part = magnitude / scale;
    let mut frac = magnitude % scale;
    let mut pos = MAX_TEXT;
    if frac != 0 {
        let mut places = DECIMALS;
        while frac.is_multiple_of(10) {
            frac /= 10;
            places -= 1;
        }
        for _ in 0..places {
            pos -= 1;
            buf[pos] = b'0' + (frac % 10) as u8;
            frac /= 10;
        }
        pos -= 1;
        buf[pos] = b'.';
    }
    loop {
        pos -= 1;
        buf[pos] = b'0' + (int_part % 10) as u8;
        int_part /= 10;
        if int_part == 0 {
            break;
        }
    }
    if raw < 0 {
        pos -= 1;
        buf[pos] = b'-';
    }
    // Only ASCII digits, '.' and '-' were written above.
    std::str::from_utf8(&buf[pos..]).expect("decimal text is ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(raw: i64) -> String {
        format_raw(raw, &mut [0; MAX_TEXT]).to_owned()
    }

    #[test]
    fn formats_shortest_exact() {
        assert_eq!(fmt(0), "0");
        assert_eq!(fmt(12_345_000_000), "123.45");
        assert_eq!(fmt(-50_000_000), "-0.5");
        assert_eq!(fmt(-1), "-0.00000001");
        assert_eq!(fmt(100_000_000), "1");
        assert_eq!(fmt(i64::MIN), "-92233720368.54775808");
        assert_eq!(fmt(i64::MAX), "92233720368.54775807");
    }

    #[test]
    fn parses_exact() {
        assert_eq!(parse_raw("123.45"), Ok(12_345_000_000));
        assert_eq!(parse_raw("-0.00000001"), Ok(-1));
        assert_eq!(parse_raw("+7"), Ok(700_000_000));
        assert_eq!(parse_raw("-0"), Ok(0));
        assert_eq!(parse_raw("007.10"), Ok(710_000_000));
        assert_eq!(parse_raw("1.0000000000"), Ok(100_000_000));
        assert_eq!(parse_raw("-92233720368.54775808"), Ok(i64::MIN));
        assert_eq!(parse_raw("92233720368.54775807"), Ok(i64::MAX));
    }

    #[test]
    fn rejects_bad_text() {
        use ParseFixedError::*;
        assert_eq!(parse_raw(""), Err(Empty));
        assert_eq!(parse_raw("-"), Err(Empty));
        assert_eq!(parse_raw("1."), Err(Invalid));
        assert_eq!(parse_raw(".5"), Err(Invalid));
        assert_eq!(parse_raw("1e3"), Err(Invalid));
        assert_eq!(parse_raw("1.2.3"), Err(Invalid));
        assert_eq!(parse_raw(" 1"), Err(Invalid));
        assert_eq!(parse_raw("--1"), Err(Invalid));
        assert_eq!(parse_raw("0.000000001"), Err(TooManyDecimals));
        assert_eq!(parse_raw("92233720368.54775808"), Err(Overflow));
        assert_eq!(parse_raw("-92233720368.54775809"), Err(Overflow));
        assert_eq!(parse_raw(&"9".repeat(200)), Err(Overflow));
    }
}
