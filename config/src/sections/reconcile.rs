//! `[reconcile]`: comparing our positions with the broker's.

use serde::{Deserialize, Serialize};

use crate::check::within;
use crate::error::ValidationError;
use crate::named::named_enum;

named_enum! {
    what "reconcile policy", expected "adopt_broker or halt";
    /// What the engine does on a `reconciliation_mismatch` (`reconcile.policy`).
    pub enum ReconcilePolicy {
        /// Take the broker's position as the truth (`position_synced`) and go on.
        AdoptBroker => "adopt_broker",
        /// Halt trading until an operator looks.
        Halt => "halt",
    }
}

/// `[reconcile]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReconcileConfig {
    /// Period of reconciliation, in ms (0 = only once, at start; else 100 to 3600000).
    pub interval_ms: u64,
    /// What to do on a mismatch.
    pub policy: ReconcilePolicy,
    /// How long to wait for the broker's positions before counting it unresponsive, in
    /// ms (1 to 600000).
    pub timeout_ms: u64,
}

impl Default for ReconcileConfig {
    fn default() -> Self {
        ReconcileConfig {
            interval_ms: 5000,
            policy: ReconcilePolicy::AdoptBroker,
            timeout_ms: 1000,
        }
    }
}

impl ReconcileConfig {
    /// Checks every `reconcile.*` key.
    ///
    /// # Errors
    ///
    /// The first key that breaks its rule.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.interval_ms != 0 {
            within("reconcile.interval_ms", self.interval_ms, 100, 3_600_000)?;
        }
        within("reconcile.timeout_ms", self.timeout_ms, 1, 600_000)
    }
}
