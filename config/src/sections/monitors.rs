//! `[monitors]`: the stop-loss and take-profit monitors armed on every open position.

use serde::{Deserialize, Serialize};

use crate::check::within;
use crate::error::ValidationError;

/// `[monitors]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MonitorsConfig {
    /// Close a position once it has lost this many basis points of its average price
    /// (0 = off, at most 10000).
    pub stop_loss_bps: u32,
    /// Close a position once it has gained this many basis points of its average price
    /// (0 = off, at most 1000000).
    pub take_profit_bps: u32,
}

impl Default for MonitorsConfig {
    fn default() -> Self {
        MonitorsConfig {
            stop_loss_bps: 200,
            take_profit_bps: 400,
        }
    }
}

impl MonitorsConfig {
    /// Checks every `monitors.*` key.
    ///
    /// # Errors
    ///
    /// The first key that breaks its rule.
    pub fn validate(&self) -> Result<(), ValidationError> {
        within("monitors.stop_loss_bps", self.stop_loss_bps, 0, 10_000)?;
        within(
            "monitors.take_profit_bps",
            self.take_profit_bps,
            0,
            1_000_000,
        )
    }
}
