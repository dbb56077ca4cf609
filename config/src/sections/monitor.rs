//! `[monitor]`: the terminal monitor's refresh rate and staleness threshold.

use serde::{Deserialize, Serialize};

use crate::check::within;
use crate::error::ValidationError;

/// `[monitor]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MonitorConfig {
    /// Screen refreshes per second (1 to 240).
    pub fps: u32,
    /// Heartbeat age after which the core is shown as stale, in ms (more than
    /// `core.heartbeat_ms`, at most 600000).
    pub stale_ms: u64,
}

impl Default for MonitorConfig {
    fn default() -> Self {
        MonitorConfig {
            fps: 30,
            stale_ms: 1000,
        }
    }
}

impl MonitorConfig {
    /// Checks every `monitor.*` key on its own.
    ///
    /// # Errors
    ///
    /// The first key that breaks its rule.
    pub fn validate(&self) -> Result<(), ValidationError> {
        within("monitor.fps", self.fps, 1, 240)?;
        within("monitor.stale_ms", self.stale_ms, 1, 600_000)
    }
}
