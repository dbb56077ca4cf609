//! A read-only view of someone else's slot (the core's, or a monitor's).

use std::path::Path;
use std::time::Duration;

use super::error::SlotOpenError;
use super::layout::{SLOT_MAGIC, SLOT_SIZE, SLOT_VERSION, SlotWords, load_role, slot_words};
use crate::shm::{self, OpenError, ReadOnlySegment, RoWord};
use crate::sync::{Ordering, fence};

/// A reader slot mapped read-only (`O_RDONLY` + `PROT_READ`): whoever holds it can read
/// the slot's reader's cursor and state but can corrupt nothing. `Send + Sync`, so it
/// can sit in an `Arc` beside a raw gate pointer from [`cursor_word`](Self::cursor_word).
#[derive(Debug)]
pub struct ReaderSlotView {
    seg: ReadOnlySegment,
    role: String,
}

/// A snapshot of one slot, for listings and monitors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderSlotInfo {
    /// The role.
    pub role: String,
    /// The reader's kind.
    pub kind: u32,
    /// The reader's pid (meaningful while `alive`).
    pub pid: u32,
    /// Whether the reader holds its lock.
    pub alive: bool,
    /// Its start time, Unix nanoseconds.
    pub start_time_unix_ns: u64,
    /// Its last heartbeat, [`monotonic_ns`](crate::shm::monotonic_ns).
    pub heartbeat_ns: u64,
    /// Time since that heartbeat (`None`: never).
    pub heartbeat_age: Option<Duration>,
    /// Next sequence it still needs.
    pub cursor: u64,
    /// Next sequence not yet durable.
    pub durable_cursor: u64,
    /// Whether it gates the producer.
    pub gating: bool,
    /// The region instance its cursors refer to.
    pub following: u64,
}

impl ReaderSlotView {
    /// Opens reader slot `role` of instance `name` in `dir`, read-only, after the file
    /// checks of [`ReadOnlySegment::open`] and checks of magic, version, size and role.
    ///
    /// # Errors
    ///
    /// A typed [`SlotOpenError`] naming the file and what is wrong.
    pub fn open(dir: Option<&Path>, name: &str, role: &str) -> Result<Self, SlotOpenError> {
        let path = shm::reader_slot_path(dir, name, role).map_err(SlotOpenError::InvalidName)?;
        Self::open_path(&path, role)
    }

    pub(crate) fn open_path(path: &Path, role: &str) -> Result<Self, SlotOpenError> {
        // SAFETY: only relaxed loads (SlotWords on PROT_READ, RoWord) touch the mapping;
        // the slot's reader never truncates it, only a process of our own user could.
        let seg = match unsafe { ReadOnlySegment::open(path, SLOT_SIZE) } {
            Ok(seg) => seg,
            Err(OpenError::NotFound { path }) => return Err(SlotOpenError::NotFound { path }),
            Err(OpenError::TooSmall {
                path,
                owner_alive: true,
                ..
            }) => return Err(SlotOpenError::StillInitialising { path }),
            Err(e) => return Err(SlotOpenError::Open(e)),
        };
        if seg.len() != SLOT_SIZE {
            return Err(SlotOpenError::WrongSize {
                path: path.to_path_buf(),
                size: seg.len() as u64,
                expected: SLOT_SIZE as u64,
            });
        }
        let view = ReaderSlotView {
            seg,
            role: role.to_owned(),
        };
        let w = view.words();
        // Relaxed: the only load allowed on PROT_READ memory; the fence below orders it.
        match w.magic.load(Ordering::Relaxed) {
            SLOT_MAGIC => {}
            0 if view.seg.is_owner_alive() => {
                return Err(SlotOpenError::StillInitialising {
                    path: path.to_path_buf(),
                });
            }
            0 => {
                return Err(SlotOpenError::Abandoned {
                    path: path.to_path_buf(),
                });
            }
            found => {
                return Err(SlotOpenError::WrongMagic {
                    path: path.to_path_buf(),
                    found,
                });
            }
        }
        // SYNC POINT slot-init: stands in for an Acquire load of the magic; pairs with
        // ReaderSlot::init's Release store, so version and role read next are complete.
        fence(Ordering::Acquire);
        let version = w.version.load(Ordering::Relaxed);
        if version != u64::from(SLOT_VERSION) {
            return Err(SlotOpenError::UnsupportedVersion {
                path: path.to_path_buf(),
                found: version,
                expected: SLOT_VERSION,
            });
        }
        let found = load_role(&w.role);
        if found != role {
            return Err(SlotOpenError::RoleMismatch {
                path: path.to_path_buf(),
                found,
                expected: role.to_owned(),
            });
        }
        Ok(view)
    }

    fn words(&self) -> &SlotWords {
        // SAFETY: `open_path` checked the mapping is exactly SLOT_SIZE; it is
        // page-aligned and lives as long as `self`; only relaxed loads are used on it.
        unsafe { slot_words(self.seg.as_ptr(), self.seg.len()) }
    }

    /// The role.
    pub fn role(&self) -> &str {
        &self.role
    }

    /// The slot file.
    pub fn path(&self) -> &Path {
        self.seg.path()
    }

    /// The reader's kind.
    pub fn kind(&self) -> u32 {
        // Relaxed: written before the magic (fenced at open); the `as` keeps the low
        // 32 bits the reader stored.
        self.words().kind.load(Ordering::Relaxed) as u32
    }

    /// The reader's pid (meaningful while [`is_owner_alive`](Self::is_owner_alive)).
    pub fn pid(&self) -> u32 {
        // Relaxed: informational; a take-over rewrites it on its own.
        self.words().pid.load(Ordering::Relaxed) as u32
    }

    /// The reader's start time, Unix nanoseconds.
    pub fn start_time_unix_ns(&self) -> u64 {
        // Relaxed: informational.
        self.words().start_time_unix_ns.load(Ordering::Relaxed)
    }

    /// The reader's last heartbeat, [`monotonic_ns`](crate::shm::monotonic_ns).
    pub fn heartbeat_ns(&self) -> u64 {
        // Relaxed: the heartbeat orders nothing.
        self.words().heartbeat_ns.load(Ordering::Relaxed)
    }

    /// Time since the reader's last heartbeat (`None`: never).
    pub fn heartbeat_age(&self) -> Option<Duration> {
        shm::age(self.heartbeat_ns())
    }

    /// The next sequence the reader still needs.
    pub fn cursor(&self) -> u64 {
        // Relaxed: the only load allowed on PROT_READ memory.
        let v = self.words().cursor.load(Ordering::Relaxed);
        // SYNC POINT slot-cursor: stands in for an Acquire load; pairs with
        // ReaderSlot::set_cursor's Release store.
        fence(Ordering::Acquire);
        v
    }

    /// The next sequence not yet durable.
    pub fn durable_cursor(&self) -> u64 {
        // Relaxed: the only load allowed on PROT_READ memory.
        let v = self.words().durable_cursor.load(Ordering::Relaxed);
        // SYNC POINT slot-durable: stands in for an Acquire load; pairs with
        // ReaderSlot::set_durable_cursor's Release store.
        fence(Ordering::Acquire);
        v
    }

    /// Whether the reader gates the producer.
    pub fn gating(&self) -> bool {
        // Relaxed: the only load allowed on PROT_READ memory.
        let v = self.words().gating.load(Ordering::Relaxed);
        // SYNC POINT slot-gating: pairs with ReaderSlot::set_gating's Release store.
        fence(Ordering::Acquire);
        v != 0
    }

    /// The region instance the reader's cursors refer to (0: none yet).
    pub fn following(&self) -> u64 {
        // Relaxed: the only load allowed on PROT_READ memory.
        let v = self.words().following.load(Ordering::Relaxed);
        // SYNC POINT slot-following: pairs with ReaderSlot::set_following's Release.
        fence(Ordering::Acquire);
        v
    }

    /// Spare counter `i`, relaxed; `None` if out of range.
    pub fn spare(&self, i: usize) -> Option<u64> {
        // Relaxed: the counters are the reader's own business; nothing is ordered.
        self.words().spare.get(i).map(|w| w.load(Ordering::Relaxed))
    }

    /// The cursor word itself, read-only, for a gate that polls it. A gate keeping a raw
    /// pointer ([`RoWord::as_ptr`]) must also keep this view alive, load only with
    /// `Relaxed`, and fence `Acquire` after the load (SYNC POINT slot-cursor). With the
    /// broadcast ring that is:
    /// `let view = Arc::new(view);`
    /// `Gate::from_raw(view.cursor_word().as_ptr().cast(), Box::new(view.clone()))`
    /// (the `Arc` is the keep-alive owner; the word is only ever accessed as one
    /// `AtomicU64`).
    pub fn cursor_word(&self) -> RoWord<'_> {
        self.word(std::mem::offset_of!(SlotWords, cursor))
    }

    /// The durable-cursor word, read-only (same rules as [`cursor_word`](Self::cursor_word)).
    pub fn durable_cursor_word(&self) -> RoWord<'_> {
        self.word(std::mem::offset_of!(SlotWords, durable_cursor))
    }

    fn word(&self, byte_offset: usize) -> RoWord<'_> {
        let words = self.seg.words();
        // The offsets are compile-time constants inside SLOT_SIZE (asserted in layout.rs),
        // and `open_path` checked the mapping is SLOT_SIZE long.
        match words.get(byte_offset / 8) {
            Some(w) => w,
            None => unreachable!("slot word {byte_offset} outside a checked SLOT_SIZE mapping"),
        }
    }

    /// True while the slot's reader holds its lock; false once it exited in any way.
    /// Two system calls: off the hot path.
    pub fn is_owner_alive(&self) -> bool {
        self.seg.is_owner_alive()
    }

    /// True while the slot's path still names the file this view mapped.
    pub fn is_current(&self) -> bool {
        self.seg.is_current()
    }

    /// A snapshot of everything, with a liveness probe.
    pub fn info(&self) -> ReaderSlotInfo {
        ReaderSlotInfo {
            role: self.role.clone(),
            kind: self.kind(),
            pid: self.pid(),
            alive: self.is_owner_alive(),
            start_time_unix_ns: self.start_time_unix_ns(),
            heartbeat_ns: self.heartbeat_ns(),
            heartbeat_age: self.heartbeat_age(),
            cursor: self.cursor(),
            durable_cursor: self.durable_cursor(),
            gating: self.gating(),
            following: self.following(),
        }
    }
}
