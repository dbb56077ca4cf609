//! [`OwnSlot`]: the monitor's own reader slot, `seamless-NAME.reader-monitor-PID`, so
//! the core and other readers see it (kind, pid, heartbeat, cursor). Non-gating: the
//! core never waits for a monitor. Removed again when the monitor exits.
//!
//! A slot that cannot be created (a read-only directory, say) costs only visibility:
//! the monitor runs without one and says why once.
//!
//! Progress: creating is blocking; heartbeat and cursor updates are single stores.

use std::path::Path;
use std::time::{Duration, Instant};

use seamless_ipc::reader_slot::{ReaderSlot, SlotCreateError};

/// The reader kind code the monitor writes into its slot.
pub const MONITOR_KIND: u32 = 2;

/// How often the slot's heartbeat is refreshed.
const BEAT_EVERY: Duration = Duration::from_millis(100);

/// The monitor's reader slot (or none, if it could not be created).
#[derive(Debug)]
pub struct OwnSlot {
    slot: Option<ReaderSlot>,
    next_beat: Instant,
}

impl OwnSlot {
    /// Creates slot `monitor-<pid>` for instance `name`, following `instance_id`.
    ///
    /// # Errors
    ///
    /// [`SlotCreateError`]; the caller shows it and goes on with [`OwnSlot::none`].
    pub fn create(
        dir: Option<&Path>,
        name: &str,
        instance_id: u64,
    ) -> Result<Self, Box<SlotCreateError>> {
        let role = format!("monitor-{}", std::process::id());
        match ReaderSlot::create_fresh(dir, name, &role, MONITOR_KIND) {
            Ok(slot) => {
                slot.set_gating(false);
                slot.set_following(instance_id);
                slot.heartbeat();
                Ok(OwnSlot {
                    slot: Some(slot),
                    next_beat: Instant::now() + BEAT_EVERY,
                })
            }
            Err(e) => Err(Box::new(e)),
        }
    }

    /// A handle without a slot.
    pub fn none() -> Self {
        OwnSlot {
            slot: None,
            next_beat: Instant::now(),
        }
    }

    /// Publishes the next sequence the monitor will read, and beats when due.
    pub fn update(&mut self, next_seq: u64) {
        let Some(slot) = &self.slot else { return };
        if slot.cursor() != next_seq {
            slot.set_cursor(next_seq);
        }
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

impl Drop for OwnSlot {
    fn drop(&mut self) {
        if let Some(slot) = self.slot.take() {
            // Best effort: a slot left behind is recognised as dead (its lock is free)
            // and replaced or cleaned up by the next user.
            let _ = slot.remove();
        }
    }
}
