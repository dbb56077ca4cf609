//! `[[instruments]]`: the tradable symbols, their tick and lot sizes, and the synthetic
//! feed's starting point for each.

use serde::{Deserialize, Serialize};

use crate::check::{positive, within};
use crate::decimal::Decimal;
use crate::error::ValidationError;

/// Longest symbol, in bytes (the core stores symbols in 16-byte fields).
pub const MAX_SYMBOL_LEN: usize = 15;

/// One `[[instruments]]` entry. Only `symbol` is required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instrument {
    /// 1 to 15 of `A-Z 0-9 . _ - /`, starting with a letter or digit (upper case only,
    /// so one instrument has one spelling).
    pub symbol: String,
    /// Smallest price step, > 0; prices are multiples of it.
    #[serde(default = "defaults::tick_size")]
    pub tick_size: Decimal,
    /// Smallest quantity step, > 0; order quantities are multiples of it.
    #[serde(default = "defaults::lot_size")]
    pub lot_size: Decimal,
    /// Synthetic feed: first price, > 0 and a multiple of `tick_size`.
    #[serde(default = "defaults::start_price")]
    pub start_price: Decimal,
    /// Synthetic feed: largest step of the random walk, in basis points of the price
    /// (0 to 1000; 0 keeps the price flat).
    #[serde(default = "defaults::volatility_bps")]
    pub volatility_bps: u32,
}

mod defaults {
    use crate::decimal::Decimal;

    pub(super) fn tick_size() -> Decimal {
        Decimal(1_000_000) // 0.01
    }
    pub(super) fn lot_size() -> Decimal {
        Decimal(100_000_000) // 1
    }
    pub(super) fn start_price() -> Decimal {
        Decimal(10_000_000_000) // 100
    }
    pub(super) fn volatility_bps() -> u32 {
        10
    }
}

impl Instrument {
    /// An instrument with the default tick size (0.01), lot size (1), start price (100)
    /// and volatility (10 bps): what a CSV-only instrument given on the command line gets.
    pub fn new(symbol: impl Into<String>) -> Self {
        Instrument {
            symbol: symbol.into(),
            tick_size: defaults::tick_size(),
            lot_size: defaults::lot_size(),
            start_price: defaults::start_price(),
            volatility_bps: defaults::volatility_bps(),
        }
    }

    /// The two instruments of the default config: BTCUSD and ETHUSD.
    pub fn default_list() -> Vec<Instrument> {
        vec![
            Instrument {
                symbol: "BTCUSD".to_owned(),
                tick_size: Decimal(1_000_000),           // 0.01
                lot_size: Decimal(10_000),               // 0.0001
                start_price: Decimal(5_000_000_000_000), // 50000
                volatility_bps: 10,
            },
            Instrument {
                symbol: "ETHUSD".to_owned(),
                tick_size: Decimal(1_000_000),         // 0.01
                lot_size: Decimal(100_000),            // 0.001
                start_price: Decimal(300_000_000_000), // 3000
                volatility_bps: 15,
            },
        ]
    }

    /// Checks this entry; `key` is its path, e.g. `instruments[1]`.
    ///
    /// # Errors
    ///
    /// The first field that breaks its rule.
    pub fn validate(&self, key: &str) -> Result<(), ValidationError> {
        validate_symbol(&format!("{key}.symbol"), &self.symbol)?;
        positive(&format!("{key}.tick_size"), self.tick_size)?;
        positive(&format!("{key}.lot_size"), self.lot_size)?;
        positive(&format!("{key}.start_price"), self.start_price)?;
        if !self.start_price.is_multiple_of(self.tick_size) {
            let msg = format!(
                "{} is not a multiple of tick_size {}",
                self.start_price, self.tick_size
            );
            return Err(ValidationError::new(format!("{key}.start_price"), msg));
        }
        within(
            &format!("{key}.volatility_bps"),
            self.volatility_bps,
            0,
            1000,
        )
    }
}

/// Checks a list of instruments: at least one, each valid, symbols unique.
///
/// # Errors
///
/// `instruments` when empty; otherwise the first bad entry's key, e.g.
/// `instruments[2].symbol: duplicate symbol "BTCUSD" (also instruments[0])`.
pub fn validate_instruments(list: &[Instrument]) -> Result<(), ValidationError> {
    if list.is_empty() {
        return Err(ValidationError::new(
            "instruments",
            "at least one instrument is needed",
        ));
    }
    for (i, inst) in list.iter().enumerate() {
        inst.validate(&format!("instruments[{i}]"))?;
        if let Some(j) = list[..i].iter().position(|o| o.symbol == inst.symbol) {
            let msg = format!("duplicate symbol {:?} (also instruments[{j}])", inst.symbol);
            return Err(ValidationError::new(
                format!("instruments[{i}].symbol"),
                msg,
            ));
        }
    }
    Ok(())
}

/// Checks a symbol: 1 to 15 of `A-Z 0-9 . _ - /`, starting with a letter or digit.
///
/// # Errors
///
/// A [`ValidationError`] for `key` saying what is wrong (lower case gets a hint).
pub fn validate_symbol(key: &str, symbol: &str) -> Result<(), ValidationError> {
    let bad = |msg: String| Err(ValidationError::new(key, msg));
    if symbol.is_empty() || symbol.len() > MAX_SYMBOL_LEN {
        return bad(format!(
            "symbol {symbol:?} must be 1 to {MAX_SYMBOL_LEN} characters"
        ));
    }
    let hint = if symbol.bytes().any(|b| b.is_ascii_lowercase()) {
        format!(
            " (symbols are upper case: {:?})",
            symbol.to_ascii_uppercase()
        )
    } else {
        String::new()
    };
    if !symbol.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return bad(format!("symbol {symbol:?} must start with A-Z or 0-9"));
    }
    let allowed = |c: char| c.is_ascii_uppercase() || c.is_ascii_digit() || "._-/".contains(c);
    if let Some(c) = symbol.chars().find(|&c| !allowed(c)) {
        return bad(format!(
            "symbol {symbol:?} contains {c:?}: use A-Z, 0-9, . _ - /{hint}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols() {
        for good in ["BTCUSD", "BRK.B", "ES_F", "EUR/USD", "9984", "A-1"] {
            assert!(validate_symbol("k", good).is_ok(), "{good}");
        }
        for bad in ["", "btcusd", ".X", "A B", "ÄB", "ABCDEFGHIJKLMNOP"] {
            assert!(validate_symbol("k", bad).is_err(), "{bad}");
        }
        let e = validate_symbol("k", "btc").unwrap_err();
        assert!(e.msg.contains("\"BTC\""), "{e}");
    }

    #[test]
    fn default_list_is_valid() {
        validate_instruments(&Instrument::default_list()).unwrap();
        assert!(validate_instruments(&[]).is_err());
    }
}
