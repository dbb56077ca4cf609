//! `[strategy]`: the built-in strategy and its parameters, also settable with
//! `--strategy sma_cross:fast=10,slow=20,qty=100`.

use serde::{Deserialize, Serialize};

use crate::check::{positive, within};
use crate::decimal::Decimal;
use crate::error::ValidationError;
use crate::named::named_enum;
use crate::spec::{SpecError, SpecParts};

named_enum! {
    what "strategy", expected "sma_cross or none";
    /// Which built-in strategy runs (`strategy.kind`).
    pub enum StrategyKind {
        /// Buy when the fast simple moving average crosses above the slow one, sell when
        /// it crosses below.
        SmaCross => "sma_cross",
        /// No strategy: market data and monitors only.
        None => "none",
    }
}

/// `[strategy]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StrategyConfig {
    /// Which strategy.
    pub kind: StrategyKind,
    /// Fast moving-average window, in ticks (1 to 9999, less than `slow`).
    pub fast: u32,
    /// Slow moving-average window, in ticks (2 to 10000).
    pub slow: u32,
    /// Quantity of each order, > 0 and a multiple of every instrument's lot size.
    pub qty: Decimal,
    /// Whether a sell signal may open a short position (otherwise it only closes longs).
    pub allow_short: bool,
}

impl Default for StrategyConfig {
    fn default() -> Self {
        StrategyConfig {
            kind: StrategyKind::SmaCross,
            fast: 10,
            slow: 20,
            qty: Decimal(1_000_000), // 0.01
            allow_short: false,
        }
    }
}

const SPEC_KEYS: &str = "fast, slow, qty or allow_short";

impl StrategyConfig {
    /// Checks every `strategy.*` key on its own.
    ///
    /// # Errors
    ///
    /// The first key that breaks its rule.
    pub fn validate(&self) -> Result<(), ValidationError> {
        within("strategy.fast", self.fast, 1, 9999)?;
        within("strategy.slow", self.slow, 2, 10_000)?;
        if self.fast >= self.slow {
            let msg = format!(
                "must be less than strategy.slow ({}), got {}",
                self.slow, self.fast
            );
            return Err(ValidationError::new("strategy.fast", msg));
        }
        positive("strategy.qty", self.qty)
    }

    /// Parses a `--strategy` spec onto the defaults: `none`, `sma_cross`, or
    /// `sma_cross:fast=10,slow=20,qty=100,allow_short=true` (any subset of keys).
    ///
    /// # Errors
    ///
    /// A [`SpecError`] naming the part at fault.
    ///
    /// # Examples
    ///
    /// ```
    /// use seamless_config::{StrategyConfig, StrategyKind};
    /// let s = StrategyConfig::from_cli_spec("sma_cross:fast=5,slow=50").unwrap();
    /// assert_eq!((s.kind, s.fast, s.slow), (StrategyKind::SmaCross, 5, 50));
    /// let e = StrategyConfig::from_cli_spec("sma_cross:fast=x").unwrap_err();
    /// assert_eq!(e.part, "fast=x");
    /// ```
    pub fn from_cli_spec(spec: &str) -> Result<Self, SpecError> {
        let mut config = StrategyConfig::default();
        config.apply_cli_spec(spec)?;
        Ok(config)
    }

    /// Like [`from_cli_spec`](Self::from_cli_spec) but onto `self`, so keys the spec does
    /// not name keep their values from the config file. `self` is unchanged on error.
    ///
    /// # Errors
    ///
    /// A [`SpecError`] naming the part at fault.
    pub fn apply_cli_spec(&mut self, spec: &str) -> Result<(), SpecError> {
        let (kind, body) = spec.split_once(':').unwrap_or((spec, ""));
        let parts = SpecParts::parse("strategy spec", spec, body)?;
        let mut next = self.clone();
        next.kind = kind
            .parse()
            .map_err(|e| parts.error(kind, format!("{e}")))?;
        if next.kind == StrategyKind::None && !parts.parts.is_empty() {
            return Err(parts.error(body, "strategy none takes no parameters"));
        }
        for &(part, key, value) in &parts.parts {
            match key {
                "fast" => next.fast = parts.value(part, value, "a whole number")?,
                "slow" => next.slow = parts.value(part, value, "a whole number")?,
                "qty" => next.qty = parts.value(part, value, "a decimal quantity")?,
                "allow_short" => next.allow_short = parts.value(part, value, "true or false")?,
                _ => return Err(parts.unknown(part, key, SPEC_KEYS)),
            }
        }
        next.validate().map_err(|e| {
            let field = e.key.trim_start_matches("strategy.");
            let part = parts
                .parts
                .iter()
                .find(|(_, k, _)| *k == field)
                .map_or(spec, |p| p.0);
            parts.error(part, e.to_string())
        })?;
        *self = next;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_keeps_unnamed_keys() {
        let mut s = StrategyConfig {
            qty: Decimal(5),
            ..StrategyConfig::default()
        };
        s.apply_cli_spec("sma_cross:slow=30").unwrap();
        assert_eq!((s.slow, s.qty), (30, Decimal(5)));
        let before = s.clone();
        assert!(s.apply_cli_spec("sma_cross:fast=40").is_err());
        assert_eq!(s, before);
    }
}
