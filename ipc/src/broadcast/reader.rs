//! A reader of the ring: its own cursor, loads only (works on a read-only mapping).

use std::fmt;
use std::marker::PhantomData;

use crate::sync::{AtomicU64, Ordering, fence};
use crate::words::{self, Record};

use super::error::{AttachError, Lagged};
use super::layout::{self, Ring};

/// Where a new reader starts (also used by [`Reader::seek`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// At this sequence (0 counts as 1). If it is already overwritten, or older than
    /// the ring's first sequence, the first read reports [`Lagged`] with the exact gap.
    Seq(u64),
    /// At the oldest event still in the ring.
    Oldest,
    /// At the newest published event (or the first one, if none is published yet).
    Newest,
    /// After the newest published event: only events published from now on.
    Tail,
}

/// One reader of a broadcast ring, with its own cursor. Uses only relaxed loads of at
/// most 8 bytes and fences, so it works on a `PROT_READ` mapping. Clone it to fork the
/// cursor.
pub struct Reader<'a, T: Record> {
    ring: Ring<'a>,
    /// The next sequence to read. Invariant: `1 <= next < MAX_SEQ`.
    next: u64,
    _record: PhantomData<fn() -> T>,
}

impl<T: Record> Clone for Reader<'_, T> {
    fn clone(&self) -> Self {
        Reader {
            ring: self.ring,
            next: self.next,
            _record: PhantomData,
        }
    }
}

impl<'a, T: Record> Reader<'a, T> {
    /// A reader of the initialised ring in `words`, starting at `start`.
    ///
    /// # Errors
    ///
    /// [`AttachError`] if the header is missing (not initialised yet), corrupt, or for
    /// records of another size than `T`.
    pub fn attach(words: &'a [AtomicU64], start: Start) -> Result<Self, AttachError> {
        let ring = layout::attach::<T>(words)?;
        Ok(Self::with_ring(ring, start))
    }

    /// [`attach`](Self::attach) over raw memory, typically a `PROT_READ` mapping.
    ///
    /// # Errors
    ///
    /// As [`attach`](Self::attach), plus [`AttachError::Misaligned`].
    ///
    /// # Safety
    ///
    /// The contract of [`atomic_words`](crate::seqlock::atomic_words).
    #[cfg(not(loom))]
    pub unsafe fn from_raw(
        ptr: *const u8,
        len_bytes: usize,
        start: Start,
    ) -> Result<Self, AttachError> {
        // SAFETY: forwarded to our caller.
        let words = unsafe { crate::seqlock::atomic_words(ptr, len_bytes) }
            .map_err(|_| AttachError::Misaligned { addr: ptr as usize })?;
        Self::attach(words, start)
    }

    pub(super) fn with_ring(ring: Ring<'a>, start: Start) -> Self {
        let mut reader = Reader {
            ring,
            next: ring.first_seq,
            _record: PhantomData,
        };
        reader.seek(start);
        reader
    }

    /// Moves the cursor (e.g. to resynchronise after [`Lagged`]).
    pub fn seek(&mut self, start: Start) {
        let published = self.published();
        let first = self.ring.first_seq;
        self.next = match start {
            Start::Seq(seq) => seq.clamp(1, layout::MAX_SEQ - 1),
            Start::Oldest => (published + 1)
                .saturating_sub(self.ring.capacity)
                .max(first),
            Start::Newest => published.max(first),
            Start::Tail => published + 1,
        };
    }

    /// The next event, if it is published yet.
    ///
    /// Fast path: one relaxed load of the next slot's stamp (and, when it is there, the
    /// payload on the same cache line for records up to 56 bytes).
    ///
    /// # Errors
    ///
    /// [`Lagged`] when the next event was overwritten before we read it (also when the
    /// producer overwrote it during our copy). The cursor has then moved to the oldest
    /// event still available and `missed` counts exactly the sequences skipped.
    #[inline]
    pub fn try_next(&mut self) -> Result<Option<(u64, T)>, Lagged> {
        let seq = self.next;
        let (stamp, payload) = self.ring.slot(seq);
        // Relaxed + fence: SYNC POINT slot-end (the producer's Release store of the
        // even stamp): the payload stores of the event we saw are visible below.
        let before = stamp.load(Ordering::Relaxed);
        fence(Ordering::Acquire);
        if before != 2 * seq {
            return self.not_ready(seq, before);
        }
        let value = words::load::<T>(payload);
        // SYNC POINT slot-begin: if any payload load saw an overwrite, the producer's
        // Release fence after its odd stamp makes that stamp visible to the load below.
        fence(Ordering::Acquire);
        let after = stamp.load(Ordering::Relaxed);
        if after != before {
            return Err(self.lapped(seq, after));
        }
        self.next = seq + 1;
        Ok(Some((seq, value)))
    }

    /// The slot does not hold `seq` complete: not yet published, being written, or
    /// already overwritten.
    #[inline]
    fn not_ready(&mut self, seq: u64, stamp: u64) -> Result<Option<(u64, T)>, Lagged> {
        if stamp > 2 * seq + 1 {
            return Err(self.lapped(seq, stamp));
        }
        if seq < self.ring.first_seq {
            // Never in this ring (it starts later): report the gap, resume at the start.
            let missed = self.ring.first_seq - seq;
            self.next = self.ring.first_seq;
            return Err(Lagged { missed });
        }
        Ok(None)
    }

    /// The slot of `seq` holds a later event (`stamp / 2`): move to the oldest event
    /// still available and report the gap.
    #[cold]
    fn lapped(&mut self, seq: u64, stamp: u64) -> Lagged {
        // Relaxed: only a hint of how far ahead the producer is; whatever we resume at
        // is validated by its stamp like any other read.
        let published = self.ring.published.load(Ordering::Relaxed);
        let head = (stamp >> 1).max(published);
        let resume = (head + 1)
            .saturating_sub(self.ring.capacity)
            .max(seq + 1)
            .max(self.ring.first_seq);
        self.next = resume;
        Lagged {
            missed: resume - seq,
        }
    }

    /// The next sequence this reader will read: everything before it is consumed or
    /// reported missed. A gating reader passes this (once done with the events) to
    /// [`advance_gate`](super::advance_gate).
    pub fn next_seq(&self) -> u64 {
        self.next
    }

    /// The last published sequence (from the ring's published cursor).
    pub fn published(&self) -> u64 {
        let p = self.ring.published.load(Ordering::Relaxed);
        // SYNC POINT ring-published (the producer's Release store): slot `p` is
        // complete for any read that follows.
        fence(Ordering::Acquire);
        p
    }

    /// Events published but not yet read by this reader (may exceed the capacity: then
    /// the next read reports [`Lagged`]).
    pub fn lag(&self) -> u64 {
        (self.published() + 1).saturating_sub(self.next)
    }

    /// Slots in the ring.
    pub fn capacity(&self) -> u64 {
        self.ring.capacity
    }

    /// The first sequence this ring carries.
    pub fn first_seq(&self) -> u64 {
        self.ring.first_seq
    }
}

impl<T: Record> fmt::Debug for Reader<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reader")
            .field("capacity", &self.ring.capacity)
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}
