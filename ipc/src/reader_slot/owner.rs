//! The reader's own, writable slot.

use std::path::Path;

use super::error::SlotCreateError;
use super::layout::{
    PID_OFFSET, SLOT_MAGIC, SLOT_SIZE, SLOT_VERSION, SlotWords, load_role, slot_words, store_role,
};
use crate::shm::{self, CreateOptions, Origin, OwnedSegment, RemoveError};
use crate::sync::{AtomicU64, Ordering};

/// What a new [`ReaderSlot`] found at its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Previous {
    /// Nothing: a new slot.
    Nothing,
    /// A dead reader's slot, replaced by a new zeroed one.
    Replaced,
    /// A dead reader's slot, taken over in place with its cursors, gating flag and
    /// followed instance ([`ReaderSlot::open_or_take_over`]). Whoever mapped it (the
    /// core's gate) keeps seeing the same memory, now beating again.
    TakenOver {
        /// The dead reader's pid.
        pid: u32,
        /// Its cursor, kept.
        cursor: u64,
        /// Its durable cursor, kept.
        durable_cursor: u64,
        /// The region instance those cursors refer to.
        following: u64,
    },
    /// A dead reader's slot, taken over in place but reset because its contents were
    /// not a usable slot of this role and kind.
    Reset {
        /// Why the contents were not kept.
        reason: String,
    },
}

/// A reader's own segment `seamless-NAME.reader-ROLE`: created, locked and written only
/// by this reader; the core and other readers map it read-only
/// ([`ReaderSlotView`](super::ReaderSlotView)). Dropping it releases the lock and keeps
/// the file (the core's gate keeps the last cursor); [`remove`](Self::remove) deletes it.
#[derive(Debug)]
pub struct ReaderSlot {
    seg: OwnedSegment,
    name: String,
    role: String,
    kind: u32,
    previous: Previous,
}

impl ReaderSlot {
    /// Creates the slot for `role` of instance `name`, zeroed (cursor 0, not gating). A
    /// dead reader's slot of the same role is replaced; a live one's is refused.
    ///
    /// # Errors
    ///
    /// [`SlotCreateError::Taken`] (naming the live reader's pid),
    /// [`SlotCreateError::InvalidName`], [`SlotCreateError::Segment`].
    pub fn create_fresh(
        dir: Option<&Path>,
        name: &str,
        role: &str,
        kind: u32,
    ) -> Result<Self, SlotCreateError> {
        Self::create(dir, name, role, kind, false)
    }

    /// Like [`create_fresh`](Self::create_fresh), but a dead reader's slot of the same
    /// role and kind is taken over in place, keeping its cursor, durable cursor, gating
    /// flag and followed instance (see [`previous`](Self::previous)): a restarted
    /// persister carries on where it stopped, and the core's gate on the old mapping
    /// stays valid.
    ///
    /// # Errors
    ///
    /// As [`create_fresh`](Self::create_fresh).
    ///
    /// # Examples
    ///
    /// ```
    /// use seamless_ipc::reader_slot::{Previous, ReaderSlot};
    /// let dir = tempfile::tempdir().unwrap();
    /// let slot = ReaderSlot::open_or_take_over(Some(dir.path()), "demo", "persist", 1).unwrap();
    /// assert_eq!(slot.previous(), &Previous::Nothing);
    /// slot.set_cursor(42);
    /// drop(slot); // as if the persister died
    /// let again = ReaderSlot::open_or_take_over(Some(dir.path()), "demo", "persist", 1).unwrap();
    /// assert!(matches!(again.previous(), Previous::TakenOver { cursor: 42, .. }));
    /// assert_eq!(again.cursor(), 42);
    /// ```
    pub fn open_or_take_over(
        dir: Option<&Path>,
        name: &str,
        role: &str,
        kind: u32,
    ) -> Result<Self, SlotCreateError> {
        Self::create(dir, name, role, kind, true)
    }

    fn create(
        dir: Option<&Path>,
        name: &str,
        role: &str,
        kind: u32,
        take_over: bool,
    ) -> Result<Self, SlotCreateError> {
        let path = shm::reader_slot_path(dir, name, role).map_err(SlotCreateError::InvalidName)?;
        let opts = CreateOptions {
            pid_offset: Some(PID_OFFSET as u64),
            take_over,
        };
        // SAFETY: the file is ours (0600, locked); this crate never truncates it, and
        // all access goes through the atomics of `SlotWords`.
        let (seg, origin) =
            unsafe { OwnedSegment::create(&path, SLOT_SIZE, opts) }.map_err(|e| match e {
                shm::CreateError::Locked { path, pid } => SlotCreateError::Taken {
                    name: name.to_owned(),
                    role: role.to_owned(),
                    pid,
                    path,
                },
                e => SlotCreateError::Segment(e),
            })?;
        let mut slot = ReaderSlot {
            seg,
            name: name.to_owned(),
            role: role.to_owned(),
            kind,
            previous: Previous::Nothing,
        };
        slot.previous = match origin {
            Origin::Fresh => {
                slot.init();
                Previous::Nothing
            }
            Origin::ReplacedStale => {
                slot.init();
                Previous::Replaced
            }
            Origin::TakenOver => slot.take_over(),
        };
        Ok(slot)
    }

    fn words(&self) -> &SlotWords {
        // SAFETY: the mapping is page-aligned, SLOT_SIZE long, read-write, lives as
        // long as `self`, and is only accessed through atomics.
        unsafe { slot_words(self.seg.as_mut_ptr(), self.seg.len()) }
    }

    /// Writes a whole new slot (two-phase: magic last).
    fn init(&self) {
        let w = self.words();
        // Relaxed: a reader ignores the slot until it sees the magic (SYNC POINT
        // slot-init below); on a reset, clear it first so nothing half-written is read
        // as valid.
        w.magic.store(0, Ordering::Relaxed);
        w.version.store(u64::from(SLOT_VERSION), Ordering::Relaxed);
        w.kind.store(u64::from(self.kind), Ordering::Relaxed);
        w.gating.store(0, Ordering::Relaxed);
        w.following.store(0, Ordering::Relaxed);
        w.cursor.store(0, Ordering::Relaxed);
        w.durable_cursor.store(0, Ordering::Relaxed);
        for s in &w.spare {
            s.store(0, Ordering::Relaxed);
        }
        store_role(&w.role, &self.role);
        self.stamp();
        // SYNC POINT slot-init: everything above happens-before a viewer's Acquire fence
        // after it loads SLOT_MAGIC (ReaderSlotView::open).
        w.magic.store(SLOT_MAGIC, Ordering::Release);
    }

    /// Writes pid, start time and heartbeat for this process.
    fn stamp(&self) {
        let w = self.words();
        // Relaxed: informational words, each read on its own; a viewer briefly seeing
        // the previous reader's pid next to our start time is harmless.
        w.pid
            .store(u64::from(std::process::id()), Ordering::Relaxed);
        w.start_time_unix_ns
            .store(shm::unix_time_ns(), Ordering::Relaxed);
        w.heartbeat_ns.store(shm::monotonic_ns(), Ordering::Relaxed);
    }

    /// Keeps a dead reader's contents if they are a valid slot of our role and kind;
    /// otherwise resets them. We hold the lock; the previous writer is dead, so relaxed
    /// loads of our own mapping see its last stores.
    fn take_over(&self) -> Previous {
        let w = self.words();
        let magic = w.magic.load(Ordering::Relaxed);
        let version = w.version.load(Ordering::Relaxed);
        let kind = w.kind.load(Ordering::Relaxed);
        let role = load_role(&w.role);
        let reason = if magic != SLOT_MAGIC {
            Some(format!("magic {magic:#018x}"))
        } else if version != u64::from(SLOT_VERSION) {
            Some(format!("format v{version}"))
        } else if role != self.role {
            Some(format!("role {role:?}"))
        } else if kind != u64::from(self.kind) {
            Some(format!("kind {kind}, not {}", self.kind))
        } else {
            None
        };
        if let Some(reason) = reason {
            self.init();
            return Previous::Reset { reason };
        }
        let previous = Previous::TakenOver {
            pid: w.pid.load(Ordering::Relaxed) as u32,
            cursor: w.cursor.load(Ordering::Relaxed),
            durable_cursor: w.durable_cursor.load(Ordering::Relaxed),
            following: w.following.load(Ordering::Relaxed),
        };
        self.stamp();
        previous
    }

    /// What was at the name before.
    pub fn previous(&self) -> &Previous {
        &self.previous
    }

    /// The instance name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The role.
    pub fn role(&self) -> &str {
        &self.role
    }

    /// The kind given at creation.
    pub fn kind(&self) -> u32 {
        self.kind
    }

    /// The slot file.
    pub fn path(&self) -> &Path {
        self.seg.path()
    }

    /// Refreshes the heartbeat (every few milliseconds, off the hot path).
    pub fn heartbeat(&self) {
        // Relaxed: the heartbeat publishes nothing but itself.
        self.words()
            .heartbeat_ns
            .store(shm::monotonic_ns(), Ordering::Relaxed);
    }

    /// Publishes the next sequence this reader still needs: everything before it has
    /// been read and may be overwritten by the producer.
    #[inline]
    pub fn set_cursor(&self, next: u64) {
        // SYNC POINT slot-cursor (the broadcast ring's "gate-cursor"): this reader's
        // reads of everything before `next` happen-before the producer's Acquire fence
        // after its relaxed load of the cursor (broadcast::Gate), so it never
        // overwrites a slot still being read.
        self.words().cursor.store(next, Ordering::Release);
    }

    /// The cursor as last published.
    pub fn cursor(&self) -> u64 {
        // Relaxed: only this handle writes it.
        self.words().cursor.load(Ordering::Relaxed)
    }

    /// Publishes the next sequence not yet durable (everything before it is on disk).
    #[inline]
    pub fn set_durable_cursor(&self, next: u64) {
        // SYNC POINT slot-durable: the fsync before this store happens-before a viewer's
        // Acquire fence after loading it (ReaderSlotView::durable_cursor).
        self.words().durable_cursor.store(next, Ordering::Release);
    }

    /// The durable cursor as last published.
    pub fn durable_cursor(&self) -> u64 {
        // Relaxed: only this handle writes it.
        self.words().durable_cursor.load(Ordering::Relaxed)
    }

    /// Says whether this reader gates the producer. Publish the cursor first.
    pub fn set_gating(&self, gating: bool) {
        // SYNC POINT slot-gating: the cursor stored before happens-before a viewer's
        // Acquire fence after it sees the flag (ReaderSlotView::gating).
        self.words()
            .gating
            .store(u64::from(gating), Ordering::Release);
    }

    /// Whether this reader gates the producer.
    pub fn gating(&self) -> bool {
        // Relaxed: only this handle writes it.
        self.words().gating.load(Ordering::Relaxed) != 0
    }

    /// Records which region instance (its instance id) the cursors refer to. Store the
    /// matching cursor first.
    pub fn set_following(&self, instance_id: u64) {
        // SYNC POINT slot-following: the cursor stored before happens-before a viewer's
        // Acquire fence after it loads the id (ReaderSlotView::following).
        self.words().following.store(instance_id, Ordering::Release);
    }

    /// The region instance the cursors refer to (0: none yet).
    pub fn following(&self) -> u64 {
        // Relaxed: only this handle writes it.
        self.words().following.load(Ordering::Relaxed)
    }

    /// Spare counter `i` (of [`SPARE_COUNTERS`](super::SPARE_COUNTERS)) for the reader's own use; viewers read
    /// it relaxed. `None` if out of range.
    pub fn spare(&self, i: usize) -> Option<&AtomicU64> {
        self.words().spare.get(i)
    }

    /// Removes the slot file now (a stopping monitor's clean exit). The core stops
    /// seeing it at its next scan.
    ///
    /// # Errors
    ///
    /// [`RemoveError`] if the unlink fails.
    pub fn remove(self) -> Result<(), RemoveError> {
        self.seg.unlink()
    }
}
