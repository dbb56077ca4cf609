//! Gates: the cursors of gating readers, as the producer sees them.
//!
//! A gating reader owns one `AtomicU64` (in-process: an `Arc<AtomicU64>`; across
//! processes: a word in the reader's own segment, which the producer maps read-only).
//! It holds "the next sequence I still need": every smaller sequence is consumed (or
//! durable), so the producer may overwrite it. The reader moves it forward with
//! [`advance_gate`] (a `Release` store, after it has finished reading); the producer
//! reads it with a relaxed load and an `Acquire` fence. The producer never writes it.

use std::fmt;
use std::ptr::NonNull;
use std::sync::Arc;

use crate::sync::{AtomicU64, Ordering, fence};

/// Publishes a gating reader's cursor: everything before `next_needed` may be
/// overwritten. Call it only after the reads (or the durable writes) it covers are done.
#[inline]
pub fn advance_gate(cursor: &AtomicU64, next_needed: u64) {
    // SYNC POINT gate-cursor: our reads of the slots below `next_needed` happen before
    // this store; pairs with the producer's relaxed gate load + Acquire fence, which
    // orders its overwrite of those slots after our reads.
    cursor.store(next_needed, Ordering::Release);
}

/// The producer's read-only handle on one gating reader's cursor. Keeps the cursor's
/// memory alive (through an owner it holds) for as long as it exists.
pub struct Gate {
    /// Valid for loads while `_owner` lives (the constructors' contract).
    cursor: NonNull<AtomicU64>,
    /// Keeps the memory behind `cursor` alive (an `Arc`, a mapping).
    _owner: Box<dyn Send + Sync>,
}

// SAFETY: `cursor` is only used for atomic loads, which are thread-safe, and it stays
// valid while `_owner` lives; `_owner` is itself `Send + Sync`.
unsafe impl Send for Gate {}
// SAFETY: as above: shared use only performs atomic loads.
unsafe impl Sync for Gate {}

impl Gate {
    /// A gate on an in-process cursor.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::{Arc, atomic::AtomicU64};
    /// use seamless_ipc::broadcast::{advance_gate, Gate};
    /// let cursor = Arc::new(AtomicU64::new(1));
    /// let gate = Gate::new(cursor.clone());
    /// advance_gate(&cursor, 5);
    /// assert_eq!(gate.cursor(), 5);
    /// ```
    pub fn new(cursor: Arc<AtomicU64>) -> Gate {
        let ptr = NonNull::from(&*cursor);
        Gate {
            cursor: ptr,
            _owner: Box::new(cursor),
        }
    }

    /// A gate on a cursor in memory the reader owns, typically a word of the reader's
    /// segment mapped read-only by the producer; `owner` (e.g. the mapping) keeps it
    /// alive.
    ///
    /// # Errors
    ///
    /// [`crate::seqlock::LayoutError::Misaligned`] for a null or misaligned pointer.
    ///
    /// # Safety
    ///
    /// - `cursor` points to 8 readable bytes that stay mapped while `owner` lives
    ///   (dropping `owner` must be what unmaps it, if anything does).
    /// - Those bytes are only ever accessed as one `AtomicU64` (never non-atomically or
    ///   with atomics of another size) while the gate exists.
    #[cfg(not(loom))]
    pub unsafe fn from_raw(
        cursor: *const u8,
        owner: Box<dyn Send + Sync>,
    ) -> Result<Gate, crate::seqlock::LayoutError> {
        // SAFETY: forwarded to our caller: 8 readable bytes, atomic-only access.
        let words = unsafe { crate::seqlock::atomic_words(cursor, 8) }?;
        let ptr = NonNull::from(&words[0]);
        Ok(Gate {
            cursor: ptr,
            _owner: owner,
        })
    }

    /// The gate's cursor (the next sequence its reader needs), for reports. Relaxed load
    /// + `Acquire` fence, like the producer's own check.
    pub fn cursor(&self) -> u64 {
        let v = self.load_relaxed();
        // SYNC POINT gate-cursor (see `advance_gate`).
        fence(Ordering::Acquire);
        v
    }

    /// The cursor with a relaxed load; the caller puts the `Acquire` fence after it.
    #[inline]
    pub(super) fn load_relaxed(&self) -> u64 {
        // SAFETY: `cursor` is valid while `_owner` lives (constructor contracts), and
        // `_owner` lives as long as `self`.
        let cursor = unsafe { self.cursor.as_ref() };
        // Relaxed: the caller's Acquire fence completes SYNC POINT gate-cursor.
        cursor.load(Ordering::Relaxed)
    }
}

impl fmt::Debug for Gate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gate")
            .field("cursor", &self.load_relaxed())
            .finish_non_exhaustive()
    }
}

/// Names a gate in a producer's table; stale ids (of removed gates) are recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GateId {
    pub(super) index: u32,
    pub(super) generation: u32,
}

/// One entry of the producer's fixed-size gate table.
#[derive(Debug, Default)]
pub(super) struct GateEntry {
    pub(super) gate: Option<Gate>,
    /// Bumped on removal so stale [`GateId`]s miss.
    pub(super) generation: u32,
}
