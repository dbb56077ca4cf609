//! Fixed-point text and arithmetic: exact decimal round trips and the rounding rule.

use proptest::prelude::*;
use seamless_core::domain::{Money, ParseFixedError, Price, Qty};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// Display is exact: it parses back to the same raw value, and is the shortest such
    /// text (no trailing fractional zeros, no lone point).
    #[test]
    fn display_parses_back(raw in any::<i64>()) {
        let text = Price::from_raw(raw).to_string();
        prop_assert_eq!(text.parse::<Price>(), Ok(Price::from_raw(raw)));
        if let Some((_, frac)) = text.split_once('.') {
            prop_assert!(!frac.is_empty() && !frac.ends_with('0') && frac.len() <= 8);
        }
        // It is a JSON number as well.
        prop_assert!(serde_json::from_str::<serde_json::Value>(&text).unwrap().is_number());
    }

    /// Decimal text built from parts parses to exactly `int * 10^8 + frac`.
    #[test]
    fn parses_decimal_parts(neg in any::<bool>(), int in 0u64..=92_233_720_367, frac in 0u32..100_000_000, places in 1usize..=8, zeros in 0usize..4) {
        let digits = format!("{frac:08}");
        let frac_text = &digits[..places];
        let text = format!("{}{int}.{frac_text}{}", if neg { "-" } else { "" }, "0".repeat(zeros));
        let scaled: i64 = frac_text.parse::<i64>().unwrap() * 10i64.pow(8 - places as u32);
        let magnitude = int as i64 * 100_000_000 + scaled;
        let want = if neg { -magnitude } else { magnitude };
        prop_assert_eq!(text.parse::<Qty>(), Ok(Qty::from_raw(want)));
    }

    /// A non-zero ninth decimal is never rounded away.
    #[test]
    fn rejects_inexact_text(int in 0u32..1_000_000, frac in 0u32..100_000_000, ninth in 1u8..=9) {
        let text = format!("{int}.{frac:08}{ninth}");
        prop_assert_eq!(text.parse::<Money>(), Err(ParseFixedError::TooManyDecimals));
    }

    /// Notional is `price * qty` rounded half away from zero, or `None` past the range.
    #[test]
    fn notional_rounds_half_away_from_zero(p in any::<i64>(), q in any::<i64>()) {
        let exact = i128::from(p) * i128::from(q);
        let got = Price::from_raw(p).notional(Qty::from_raw(q));
        let scale = 100_000_000i128;
        let floor = exact.div_euclid(scale);
        let rem = exact.rem_euclid(scale);
        // Half away from zero: ties go up for positives, down for negatives.
        let want = if rem * 2 > scale || (rem * 2 == scale && exact > 0) { floor + 1 } else { floor };
        match i64::try_from(want) {
            Ok(w) => prop_assert_eq!(got, Some(Money::from_raw(w))),
            Err(_) => prop_assert_eq!(got, None),
        }
        // Symmetric: a sell's notional is the buy's negated.
        prop_assert_eq!(
            Price::from_raw(p).notional(Qty::from_raw(-q)).map(Money::raw),
            got.and_then(|m| m.checked_neg()).map(Money::raw)
        );
    }
}

#[test]
fn fees_in_basis_points() {
    let notional: Money = "18725".parse().unwrap();
    assert_eq!(notional.bps(5).unwrap().to_string(), "9.3625");
    assert_eq!(
        notional.mul_ratio(25, 1_000_000).unwrap().to_string(),
        "0.468125"
    ); // 0.25 bp
    assert_eq!(Money::from_raw(1).bps(5000).unwrap().raw(), 1); // 0.5 rounds away from zero
    assert_eq!(Money::from_raw(-1).bps(5000).unwrap().raw(), -1);
    assert_eq!(Money::MAX.bps(20_000), None);
}
