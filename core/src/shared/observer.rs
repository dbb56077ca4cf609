//! What every non-gating reader process (the monitor, the bridge) needs around a
//! [`SharedReader`]: one attach attempt that tells "still starting" from a real error,
//! a snapshot read that retries while a row is being rewritten, and its own
//! non-gating reader slot ([`ObserverSlot`]) so the core and the dashboards list it
//! with its cursor and lag.
//!
//! Progress: blocking (system calls, short sleeps); never on anyone's hot path.
//!
//! # Example
//!
//! ```no_run
//! use std::time::Duration;
//! use seamless_core::shared::observer::{self, ObserverSlot, MONITOR_KIND};
//! let reader = observer::try_attach(None, "default")?.expect("the core is still starting");
//! let mut slot = ObserverSlot::create(None, "default", "monitor", MONITOR_KIND, reader.instance_id())?;
//! let snap = observer::snapshot_retrying(&reader, Duration::from_secs(1))?;
//! slot.update(snap.last_seq + 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! It must never register a gating slot: a monitor or a bridge never slows the core.

use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use seamless_ipc::reader_slot::{ReaderSlot, SlotCreateError};
use seamless_ipc::region::AttachError;

use super::reader::{SharedAttachError, SharedReader};
use super::snapshot::Snapshot;
use super::table::RowError;

/// Reader kind of the persister (the gating reader).
pub const PERSIST_KIND: u32 = 1;
/// Reader kind of the monitor.
pub const MONITOR_KIND: u32 = 2;
/// Reader kind of the bridge.
pub const BRIDGE_KIND: u32 = 3;

/// How often a slot's heartbeat is refreshed.
const BEAT_EVERY: Duration = Duration::from_millis(100);
/// Attempts at a snapshot whose rows keep failing.
const SNAPSHOT_TRIES: u32 = 20;
/// Pause between those attempts.
const SNAPSHOT_RETRY: Duration = Duration::from_millis(5);

/// One attach attempt: `Ok(None)` while the core is still starting.
///
/// # Errors
///
/// [`SharedAttachError`]: no such instance, another layout, a permission problem...
pub fn try_attach(
    dir: Option<&Path>,
    name: &str,
) -> Result<Option<SharedReader>, SharedAttachError> {
    match SharedReader::attach(dir, name) {
        Ok(reader) => Ok(Some(reader)),
        Err(SharedAttachError::Starting)
        | Err(SharedAttachError::Region(AttachError::StillInitialising { .. })) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Reads a [`Snapshot`], retrying a few times while a row is being rewritten
/// (contended) or its writer is descheduled mid-write.
///
/// # Errors
///
/// The row's [`RowError`] when it stays unreadable (a core that died in the middle of
/// writing it).
pub fn snapshot_retrying(reader: &SharedReader, stale: Duration) -> Result<Snapshot, RowError> {
    let mut tries = 0;
    loop {
        match reader.snapshot(stale) {
            Ok(snap) => return Ok(snap),
            Err(e) if tries >= SNAPSHOT_TRIES => return Err(e),
            Err(_) => {
                tries += 1;
                thread::sleep(SNAPSHOT_RETRY);
            }
        }
    }
}

/// A non-gating reader's own slot, `seamless-NAME.reader-<prefix>-<pid>` (or none,
/// when it could not be created: the reader then runs unlisted). Removed on drop.
#[derive(Debug)]
pub struct ObserverSlot {
    slot: Option<ReaderSlot>,
    next_beat: Instant,
}

impl ObserverSlot {
    /// Creates slot `<prefix>-<pid>` of `kind` for instance `name`, following
    /// `instance_id`, not gating.
    ///
    /// # Errors
    ///
    /// [`SlotCreateError`]; the caller says so and goes on with [`ObserverSlot::none`].
    pub fn create(
        dir: Option<&Path>,
        name: &str,
        prefix: &str,
        kind: u32,
        instance_id: u64,
    ) -> Result<Self, Box<SlotCreateError>> {
        let role = format!("{prefix}-{}", std::process::id());
        let slot = ReaderSlot::create_fresh(dir, name, &role, kind).map_err(Box::new)?;
        slot.set_gating(false);
        slot.set_following(instance_id);
        slot.heartbeat();
        Ok(ObserverSlot {
            slot: Some(slot),
            next_beat: Instant::now() + BEAT_EVERY,
        })
    }

    /// A handle without a slot.
    pub fn none() -> Self {
        ObserverSlot {
            slot: None,
            next_beat: Instant::now(),
        }
    }

    /// Publishes the next sequence the reader will read, and beats when due.
    pub fn update(&mut self, next_seq: u64) {
        if let Some(slot) = &self.slot
            && slot.cursor() != next_seq
        {
            slot.set_cursor(next_seq);
        }
        self.beat();
    }

    /// Refreshes the heartbeat when due (a reader that sleeps between reads calls
    /// this while it waits, so it is never taken for hung).
    pub fn beat(&mut self) {
        let Some(slot) = &self.slot else { return };
        let now = Instant::now();
        if now >= self.next_beat {
            slot.heartbeat();
            self.next_beat = now + BEAT_EVERY;
        }
    }

    /// Points the slot at a new run (after a core restart).
    pub fn follow(&mut self, instance_id: u64, next_seq: u64) {
        if let Some(slot) = &self.slot {
            slot.set_cursor(next_seq);
            slot.set_following(instance_id);
        }
    }
}

impl Drop for ObserverSlot {
    fn drop(&mut self) {
        if let Some(slot) = self.slot.take() {
            // Best effort: a slot left behind is recognised as dead (its lock is free)
            // and reclaimed by the core or `seamless clean`.
            let _ = slot.remove();
        }
    }
}
