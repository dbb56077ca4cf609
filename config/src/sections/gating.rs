//! `[gating]`: what the core does when the gating reader (the persister) falls behind.

use serde::{Deserialize, Serialize};

use crate::check::within;
use crate::error::ValidationError;
use crate::named::named_enum;

named_enum! {
    what "gating policy", expected "block or halt_trading";
    /// What the core does when the event ring is full of events the gating reader has
    /// not yet consumed (`gating.policy`).
    pub enum GatingPolicy {
        /// Wait for the reader, however long (no event is ever lost).
        Block => "block",
        /// Wait up to `block_timeout_ms`, then halt trading until the reader catches up.
        HaltTrading => "halt_trading",
    }
}

/// `[gating]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GatingConfig {
    /// What to do when the gating reader holds the ring full.
    pub policy: GatingPolicy,
    /// Ring fill, in percent, at which persistence lag is reported as a warning (1 to 99).
    pub nearly_full_pct: u8,
    /// How long the core waits on a full ring before acting on `policy`, in ms
    /// (1 to 600000); with `block` it then reports the stall and keeps waiting.
    pub block_timeout_ms: u64,
    /// On shutdown, how long the core waits for the gating reader to drain the ring, in
    /// ms (0 to 600000).
    pub shutdown_timeout_ms: u64,
    /// Heartbeat age after which a reader is considered hung, in ms (100 to 600000).
    pub reader_timeout_ms: u64,
}

impl Default for GatingConfig {
    fn default() -> Self {
        GatingConfig {
            policy: GatingPolicy::Block,
            nearly_full_pct: 75,
            block_timeout_ms: 1000,
            shutdown_timeout_ms: 5000,
            reader_timeout_ms: 2000,
        }
    }
}

impl GatingConfig {
    /// Checks every `gating.*` key.
    ///
    /// # Errors
    ///
    /// The first key that breaks its rule.
    pub fn validate(&self) -> Result<(), ValidationError> {
        within("gating.nearly_full_pct", self.nearly_full_pct, 1, 99)?;
        within("gating.block_timeout_ms", self.block_timeout_ms, 1, 600_000)?;
        within(
            "gating.shutdown_timeout_ms",
            self.shutdown_timeout_ms,
            0,
            600_000,
        )?;
        within(
            "gating.reader_timeout_ms",
            self.reader_timeout_ms,
            100,
            600_000,
        )
    }
}
