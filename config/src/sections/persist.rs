//! `[persist]`: the persister's fsync policy, log segments and snapshots.

use serde::{Deserialize, Serialize};

use crate::check::within;
use crate::error::ValidationError;
use crate::named::named_enum;

named_enum! {
    what "fsync policy", expected "always, interval or never";
    /// When the persister makes appended events durable (`persist.fsync`, `--fsync`).
    pub enum FsyncPolicy {
        /// fsync after every batch (group commit) before advancing the durable cursor.
        Always => "always",
        /// fsync every `fsync_interval_ms`.
        Interval => "interval",
        /// Never fsync; the OS writes back when it likes (a power loss loses events).
        Never => "never",
    }
}

/// `[persist]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PersistConfig {
    /// When to fsync.
    pub fsync: FsyncPolicy,
    /// Period of `fsync = "interval"`, in milliseconds (1 to 60000).
    pub fsync_interval_ms: u64,
    /// Size at which a log segment is closed and a new one started, in bytes
    /// (4096 to 2^40).
    pub segment_bytes: u64,
    /// Write a snapshot every this many events (0 = not by count).
    pub snapshot_every_events: u64,
    /// Write a snapshot every this many seconds (0 = not by time).
    pub snapshot_every_secs: u64,
    /// Snapshots kept; older ones, and segments they fully cover, are deleted (1 to 1000).
    pub keep_snapshots: u32,
}

impl Default for PersistConfig {
    fn default() -> Self {
        PersistConfig {
            fsync: FsyncPolicy::Interval,
            fsync_interval_ms: 10,
            segment_bytes: 64 << 20,
            snapshot_every_events: 100_000,
            snapshot_every_secs: 60,
            keep_snapshots: 3,
        }
    }
}

impl PersistConfig {
    /// Checks every `persist.*` key.
    ///
    /// # Errors
    ///
    /// The first key that breaks its rule.
    pub fn validate(&self) -> Result<(), ValidationError> {
        within(
            "persist.fsync_interval_ms",
            self.fsync_interval_ms,
            1,
            60_000,
        )?;
        within("persist.segment_bytes", self.segment_bytes, 4096, 1 << 40)?;
        within(
            "persist.snapshot_every_secs",
            self.snapshot_every_secs,
            0,
            86_400 * 7,
        )?;
        within("persist.keep_snapshots", self.keep_snapshots, 1, 1000)
    }
}
