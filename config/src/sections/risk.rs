//! `[risk]`: pre-trade limits and the daily loss limit.

use serde::{Deserialize, Serialize};

use crate::check::positive;
use crate::decimal::Decimal;
use crate::error::ValidationError;

/// `[risk]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RiskConfig {
    /// Largest absolute position per instrument, in units of the instrument (> 0).
    pub max_position: Decimal,
    /// Largest quantity of one order (> 0, at most `max_position`).
    pub max_order_qty: Decimal,
    /// Daily P&L at or below which trading halts (`daily_loss_breached`): a negative
    /// amount of account currency.
    pub daily_loss_limit: Decimal,
    /// On a breach, also close every open position (otherwise only stop opening).
    pub flatten_on_breach: bool,
}

impl Default for RiskConfig {
    fn default() -> Self {
        RiskConfig {
            max_position: Decimal(100_000_000),          // 1
            max_order_qty: Decimal(10_000_000),          // 0.1
            daily_loss_limit: Decimal(-500_000_000_000), // -5000
            flatten_on_breach: false,
        }
    }
}

impl RiskConfig {
    /// Checks every `risk.*` key.
    ///
    /// # Errors
    ///
    /// The first key that breaks its rule.
    pub fn validate(&self) -> Result<(), ValidationError> {
        positive("risk.max_position", self.max_position)?;
        positive("risk.max_order_qty", self.max_order_qty)?;
        if self.max_order_qty > self.max_position {
            let msg = format!(
                "{} is more than risk.max_position ({})",
                self.max_order_qty, self.max_position
            );
            return Err(ValidationError::new("risk.max_order_qty", msg));
        }
        if !self.daily_loss_limit.is_negative() {
            let msg = format!("expected a negative amount, got {}", self.daily_loss_limit);
            return Err(ValidationError::new("risk.daily_loss_limit", msg));
        }
        Ok(())
    }
}
