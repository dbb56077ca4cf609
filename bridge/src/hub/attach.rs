//! Attaching to the core's region, and the bridge's own non-gating reader slot
//! (`seamless-NAME.reader-bridge-PID`, kind [`BRIDGE_KIND`]), so the core and the
//! dashboards list the bridge among the readers with its cursor and lag.
//!
//! Progress: blocking (system calls); called from the reader thread only.

use std::path::Path;
use std::time::{Duration, Instant};

use seamless_core::shared::{SharedAttachError, SharedReader, Snapshot};
use seamless_ipc::reader_slot::ReaderSlot;
use seamless_ipc::region::AttachError;

/// The reader kind code the bridge writes into its slot (persister 1, monitor 2).
pub const BRIDGE_KIND: u32 = 3;

/// How often the slot's heartbeat is refreshed.
const BEAT_EVERY: Duration = Duration::from_millis(100);

/// Attempts at a snapshot whose rows are being rewritten.
const SNAPSHOT_TRIES: u32 = 20;

/// One attach attempt: `Ok(None)` while the core is still starting, `Err(reason)`
/// (one line) when there is no usable region.
pub(super) fn try_attach(dir: Option<&Path>, name: &str) -> Result<Option<SharedReader>, String> {
    match SharedReader::attach(dir, name) {
        Ok(reader) => Ok(Some(reader)),
        Err(SharedAttachError::Starting)
        | Err(SharedAttachError::Region(AttachError::StillInitialising { .. })) => Ok(None),
        Err(SharedAttachError::Region(AttachError::NotFound { .. })) => Err(format!(
            "no running instance {name}; start one with `seamless core --name {name}`"
        )),
        Err(e) => Err(e.to_string()),
    }
}

/// Reads a snapshot, retrying briefly while a row is being rewritten; `None` when a
/// row stays unreadable (a core that died mid-write).
pub(super) fn snapshot(reader: &SharedReader, stale: Duration) -> Option<Snapshot> {
    for _ in 0..SNAPSHOT_TRIES {
        if let Ok(snap) = reader.snapshot(stale) {
            return Some(snap);
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    None
}

/// The bridge's reader slot, or none when it could not be created (the bridge then
/// runs unlisted; the reason is logged once).
#[derive(Debug)]
pub(super) struct Slot {
    slot: Option<ReaderSlot>,
    next_beat: Instant,
}

impl Slot {
    /// Creates slot `bridge-<pid>` for instance `name`, following `instance_id`.
    pub(super) fn create(dir: Option<&Path>, name: &str, instance_id: u64) -> Self {
        let role = format!("bridge-{}", std::process::id());
        let slot = match ReaderSlot::create_fresh(dir, name, &role, BRIDGE_KIND) {
            Ok(slot) => {
                slot.set_gating(false);
                slot.set_following(instance_id);
                slot.heartbeat();
                Some(slot)
            }
            Err(e) => {
                tracing::warn!("seamless bridge: running without a reader slot: {e}");
                None
            }
        };
        Slot {
            slot,
            next_beat: Instant::now() + BEAT_EVERY,
        }
    }

    /// Publishes the next sequence the bridge reads, and beats when due.
    pub(super) fn update(&mut self, next_seq: u64, now: Instant) {
        let Some(slot) = &self.slot else { return };
        if slot.cursor() != next_seq {
            slot.set_cursor(next_seq);
        }
        if now >= self.next_beat {
            slot.heartbeat();
            self.next_beat = now + BEAT_EVERY;
        }
    }

    /// Points the slot at a new core run.
    pub(super) fn follow(&mut self, instance_id: u64, next_seq: u64) {
        if let Some(slot) = &self.slot {
            slot.set_cursor(next_seq);
            slot.set_following(instance_id);
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(slot) = self.slot.take() {
            // Best effort: a slot left behind is recognised as dead (its lock is free).
            let _ = slot.remove();
        }
    }
}
