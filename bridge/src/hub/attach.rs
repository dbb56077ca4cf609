//! Attaching to the core's region, and the bridge's own non-gating reader slot
//! (`seamless-NAME.reader-bridge-PID`, kind [`BRIDGE_KIND`]), so the core and the
//! dashboards list the bridge among the readers with its cursor and lag: the bridge's
//! wording over [`seamless_core::shared::observer`], which the monitor shares.
//!
//! Progress: blocking (system calls); called from the reader thread only.

use std::path::Path;
use std::time::Duration;

use seamless_core::shared::observer::{self, ObserverSlot};
use seamless_core::shared::{SharedAttachError, SharedReader, Snapshot};
use seamless_ipc::region::AttachError;

pub use seamless_core::shared::observer::BRIDGE_KIND;

/// The bridge's reader slot.
pub(super) type Slot = ObserverSlot;

/// One attach attempt: `Ok(None)` while the core is still starting, `Err(reason)`
/// (one line) when there is no usable region.
pub(super) fn try_attach(dir: Option<&Path>, name: &str) -> Result<Option<SharedReader>, String> {
    observer::try_attach(dir, name).map_err(|e| match e {
        SharedAttachError::Region(AttachError::NotFound { .. }) => {
            format!("no running instance {name}; start one with `seamless core --name {name}`")
        }
        e => e.to_string(),
    })
}

/// Reads a snapshot, retrying briefly while a row is being rewritten; `None` when a
/// row stays unreadable (a core that died mid-write).
pub(super) fn snapshot(reader: &SharedReader, stale: Duration) -> Option<Snapshot> {
    observer::snapshot_retrying(reader, stale).ok()
}

/// Creates slot `bridge-<pid>` for instance `name`, following `instance_id`; without
/// one (logged once) the bridge runs unlisted.
pub(super) fn slot(dir: Option<&Path>, name: &str, instance_id: u64) -> Slot {
    Slot::create(dir, name, "bridge", BRIDGE_KIND, instance_id).unwrap_or_else(|e| {
        tracing::warn!("seamless bridge: running without a reader slot: {e}");
        Slot::none()
    })
}
