//! The built-in SMA crossover, exactly: signals at hand-computed crossing points, none
//! before both windows are full, the equality cases, per-instrument independence, and a
//! property test against a direct rational recomputation of the rule.

use proptest::prelude::*;
use seamless_config::StrategyConfig;
use seamless_core::domain::{InstrumentId, Price, Qty, Side};
use seamless_core::strategy::{self, Intent, SmaCross, Strategy as _};

const A: InstrumentId = InstrumentId(0);
const B: InstrumentId = InstrumentId(1);

fn px(s: &str) -> Price {
    s.parse().unwrap()
}

/// Feeds `prices` to `s` for `id`; returns (1-based update number, intent) per signal.
fn run(s: &mut SmaCross, id: InstrumentId, prices: &[&str]) -> Vec<(usize, Intent)> {
    prices
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            s.on_price(id, i as u64, px(p), Qty::ZERO)
                .map(|intent| (i + 1, intent))
        })
        .collect()
}

fn buy(qty: &str) -> Intent {
    Intent::new(Side::Buy, qty.parse().unwrap())
}

fn sell(target: &str) -> Intent {
    Intent::new(Side::Sell, target.parse().unwrap())
}

/// fast = 2, slow = 4. Hand-computed:
///
/// | n  | price | fast  | slow   | fast ? slow | signal            |
/// |----|-------|-------|--------|-------------|-------------------|
/// | 1-3|  10   |   -   |   -    |  (not full) |                   |
/// | 4  |  10   | 10    | 10     |  =          | (no previous)     |
/// | 5  |  11   | 10.5  | 10.25  |  >          | buy (= then >)    |
/// | 6  |  12   | 11.5  | 10.75  |  >          |                   |
/// | 7  |  11   | 11.5  | 11     |  >          |                   |
/// | 8  |   9   | 10    | 10.75  |  <          | sell              |
/// | 9  |   8   | 8.5   | 10     |  <          |                   |
/// | 10 |   9   | 8.5   | 9.25   |  <          |                   |
/// | 11 |  10   | 9.5   | 9      |  >          | buy               |
/// | 12 |   8   | 9     | 8.75   |  >          |                   |
/// | 13 |  8.5  | 8.25  | 8.875  |  <          | sell              |
#[test]
fn signals_exactly_at_the_hand_computed_crossings() {
    let mut s = SmaCross::new(2, 4, "1.5".parse().unwrap(), false, 1).unwrap();
    let prices = [
        "10", "10", "10", "10", "11", "12", "11", "9", "8", "9", "10", "8", "8.5",
    ];
    let want = vec![
        (5, buy("1.5")),
        (8, sell("0")),
        (11, buy("1.5")),
        (13, sell("0")),
    ];
    assert_eq!(run(&mut s, A, &prices), want);
}

#[test]
fn nothing_before_both_windows_are_full_nor_on_the_first_full_update() {
    let mut s = SmaCross::new(1, 4, Qty::ONE, false, 1).unwrap();
    // Wild swings inside the first window, and at update 4 fast (1) < slow (50.5):
    // still nothing, as there is no full previous update to cross from.
    assert_eq!(run(&mut s, A, &["1", "100", "100", "1"]), vec![]);
    // Update 5: fast 200 > slow (100 + 100 + 1 + 200) / 4: crosses from below.
    assert_eq!(s.on_price(A, 5, px("200"), Qty::ZERO), Some(buy("1")));
}

/// fast = 1, slow = 2, so fast ? slow is the sign of the last price change.
#[test]
fn equality_counts_only_as_the_previous_state() {
    let mut s = SmaCross::new(1, 2, Qty::ONE, false, 1).unwrap();
    let prices = [
        "10", "10", // 2: equal, first full update
        "11", // 3: equal -> above: buy
        "11", // 4: above -> equal: nothing
        "12", // 5: equal -> above again (the averages touched): buy
        "12", // 6: equal
        "11", // 7: equal -> below: sell
        "10", // 8: below -> below
        "10", "10", // 9, 10: equal
        "11", // 11: equal -> above: buy
    ];
    let want = vec![(3, buy("1")), (5, buy("1")), (7, sell("0")), (11, buy("1"))];
    assert_eq!(run(&mut s, A, &prices), want);
}

#[test]
fn allow_short_targets_a_short_on_the_cross_below() {
    let mut s = SmaCross::new(1, 2, "2".parse().unwrap(), true, 1).unwrap();
    let got = run(&mut s, A, &["10", "11", "12", "11"]);
    assert_eq!(got, vec![(4, sell("-2"))]);
}

#[test]
fn instruments_are_independent() {
    let mut s = SmaCross::new(1, 2, Qty::ONE, false, 2).unwrap();
    let mut feed = |id, p: &str| s.on_price(id, 0, px(p), Qty::ZERO);
    assert_eq!(feed(A, "10"), None);
    assert_eq!(feed(B, "50"), None);
    assert_eq!(feed(A, "9"), None); // A: first full update (below)
    assert_eq!(feed(B, "60"), None); // B: first full update (above)
    assert_eq!(feed(A, "12"), Some(buy("1"))); // A crosses above
    assert_eq!(feed(B, "70"), None); // B stays above
    assert_eq!(feed(InstrumentId(2), "1"), None, "beyond its instruments");
}

#[test]
fn bad_parameters_are_refused() {
    assert!(SmaCross::new(0, 2, Qty::ONE, false, 1).is_err());
    assert!(SmaCross::new(3, 3, Qty::ONE, false, 1).is_err());
    assert!(SmaCross::new(1, 2, Qty::ZERO, false, 1).is_err());
}

#[test]
fn from_config_builds_the_configured_strategy() {
    let config = StrategyConfig::from_cli_spec("sma_cross:fast=1,slow=2,qty=3").unwrap();
    let mut s = strategy::from_config(&config, 1).unwrap().unwrap();
    assert_eq!(s.name(), "sma_cross");
    let prices = ["5", "4", "6"];
    let got: Vec<_> = prices
        .iter()
        .filter_map(|p| s.on_price(A, 0, px(p), Qty::ZERO))
        .collect();
    assert_eq!(got, vec![buy("3")]);
    let none = StrategyConfig::from_cli_spec("none").unwrap();
    assert!(strategy::from_config(&none, 1).unwrap().is_none());
}

/// The rule, straight from its definition, with exact rationals: SMA = sum / n.
fn reference(prices: &[i64], fast: usize, slow: usize) -> Vec<(usize, Side)> {
    let cmp = |n: usize| {
        (n >= slow).then(|| {
            let f: i128 = prices[n - fast..n].iter().map(|&p| i128::from(p)).sum();
            let s: i128 = prices[n - slow..n].iter().map(|&p| i128::from(p)).sum();
            (f * slow as i128).cmp(&(s * fast as i128))
        })
    };
    let mut out = Vec::new();
    for n in 2..=prices.len() {
        use std::cmp::Ordering::*;
        match (cmp(n - 1), cmp(n)) {
            (Some(Less | Equal), Some(Greater)) => out.push((n, Side::Buy)),
            (Some(Greater | Equal), Some(Less)) => out.push((n, Side::Sell)),
            _ => {}
        }
    }
    out
}

proptest! {
    #[test]
    fn matches_the_definition(
        (fast, slow) in (1usize..6).prop_flat_map(|f| (Just(f), f + 1..12)),
        // Few distinct levels so that equal averages happen often.
        prices in prop::collection::vec(0i64..6, 0..80),
    ) {
        let mut s = SmaCross::new(fast as u32, slow as u32, Qty::ONE, false, 1).unwrap();
        let got: Vec<(usize, Side)> = prices
            .iter()
            .enumerate()
            .filter_map(|(i, &p)| {
                s.on_price(A, 0, Price::from_units(p * 1000 + 1).unwrap(), Qty::ZERO)
                    .map(|intent| (i + 1, intent.side))
            })
            .collect();
        let scaled: Vec<i64> = prices.iter().map(|p| p * 1000 + 1).collect();
        prop_assert_eq!(got, reference(&scaled, fast, slow));
    }
}
