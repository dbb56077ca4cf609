//! The ring's one producer: writes slots, publishes the cursor, honours gates.

use std::fmt;
use std::marker::PhantomData;

use crate::sync::{AtomicU64, Ordering, fence};
use crate::words::{self, Record};

use super::error::{AddGateError, AttachError, Full, InitError};
use super::gate::{Gate, GateEntry, GateId};
use super::layout::{self, MAX_SEQ, Ring};
use super::reader::{Reader, Start};

/// The one producer of a broadcast ring.
///
/// Exclusivity comes from its `unsafe` constructors (one producer per ring) and
/// `&mut self` on every operation. Gates are added and removed on the producer's own
/// thread; the gate table has a fixed size chosen at construction, so publishing never
/// allocates.
pub struct Producer<'a, T: Record> {
    ring: Ring<'a>,
    /// The sequence the next publish gets. Invariant: `first_seq <= next < MAX_SEQ`.
    next: u64,
    /// The largest sequence publishable without re-reading the gates: the smallest gate
    /// cursor seen at the last refresh, plus `capacity - 1`. `u64::MAX` with no gates.
    /// Gate cursors only grow, so a stale value is conservative.
    limit: u64,
    /// The smallest gate cursor seen at the last refresh; `u64::MAX` with no gates.
    min_gate: u64,
    gates: Box<[GateEntry]>,
    live_gates: usize,
    _record: PhantomData<fn(T) -> T>,
}

impl<'a, T: Record> Producer<'a, T> {
    /// Initialises a ring of `capacity` slots (a power of two) in `words` and returns its
    /// producer. The first event published gets `first_seq` (1 for a new history; the
    /// restored last sequence + 1 after a restart). `max_gates` sizes the gate table.
    ///
    /// # Errors
    ///
    /// [`InitError`] for a bad capacity or first sequence, or too little memory
    /// ([`ring_bytes`](super::ring_bytes)).
    ///
    /// # Safety
    ///
    /// No other producer uses `words` while this one exists, and no one else
    /// initialises it. (Breaking this cannot cause undefined behaviour, but readers
    /// could accept events mixed from two producers.)
    pub unsafe fn create(
        words: &'a [AtomicU64],
        capacity: u64,
        first_seq: u64,
        max_gates: usize,
    ) -> Result<Self, InitError> {
        let ring = layout::init::<T>(words, capacity, first_seq)?;
        Ok(Self::with_ring(ring, first_seq, max_gates))
    }

    /// Takes over an initialised ring as its producer, continuing after its published
    /// cursor (an event left half-written by a dead producer is rewritten, with the same
    /// sequence, which no reader has accepted).
    ///
    /// # Errors
    ///
    /// [`AttachError`] if the ring's header is missing, corrupt or for another type.
    ///
    /// # Safety
    ///
    /// As for [`create`](Self::create): the only producer.
    pub unsafe fn attach(words: &'a [AtomicU64], max_gates: usize) -> Result<Self, AttachError> {
        let ring = layout::attach::<T>(words)?;
        // Relaxed: the header's Acquire fence in `attach` ordered the init; any later
        // value was stored by a previous producer of ours, which our caller ensures is
        // gone (and whose stores reached us through whatever handed the ring over).
        let published = ring.published.load(Ordering::Relaxed);
        let next = published.saturating_add(1).max(ring.first_seq);
        if next >= MAX_SEQ {
            return Err(AttachError::BadFirstSeq { first_seq: next });
        }
        Ok(Self::with_ring(ring, next, max_gates))
    }

    /// [`create`](Self::create) over raw read-write memory (a section of the core's
    /// region).
    ///
    /// # Errors
    ///
    /// As [`create`](Self::create), plus [`InitError::Misaligned`].
    ///
    /// # Safety
    ///
    /// The contract of [`atomic_words`](crate::seqlock::atomic_words) with write access,
    /// and that of [`create`](Self::create).
    #[cfg(not(loom))]
    pub unsafe fn create_raw(
        ptr: *mut u8,
        len_bytes: usize,
        capacity: u64,
        first_seq: u64,
        max_gates: usize,
    ) -> Result<Self, InitError> {
        // SAFETY: forwarded to our caller.
        let words = unsafe { crate::seqlock::atomic_words(ptr, len_bytes) }
            .map_err(|_| InitError::Misaligned { addr: ptr as usize })?;
        // SAFETY: forwarded to our caller (the only producer).
        unsafe { Self::create(words, capacity, first_seq, max_gates) }
    }

    fn with_ring(ring: Ring<'a>, next: u64, max_gates: usize) -> Self {
        Producer {
            ring,
            next,
            limit: u64::MAX,
            min_gate: u64::MAX,
            gates: (0..max_gates).map(|_| GateEntry::default()).collect(),
            live_gates: 0,
            _record: PhantomData,
        }
    }

    /// Publishes `value` without consulting gates and returns its sequence. Use it on a
    /// ring with no gating readers; with gates it is the forced overwrite (a gating
    /// reader that falls a full ring behind then sees [`Lagged`](super::Lagged)).
    #[inline]
    pub fn publish(&mut self, value: &T) -> u64 {
        let seq = self.next;
        debug_assert!(seq < MAX_SEQ, "sequence space exhausted");
        let (stamp, payload) = self.ring.slot(seq);
        // Relaxed: ordered before the payload stores by the fence below.
        stamp.store(2 * seq + 1, Ordering::Relaxed);
        // SYNC POINT slot-begin: stands in for "the odd stamp is visible before any
        // payload word"; pairs with the reader's second Acquire fence, so a reader whose
        // copy saw any of our payload stores re-reads a changed stamp and discards it.
        fence(Ordering::Release);
        words::store(payload, value);
        // SYNC POINT slot-end: publishes the payload; pairs with the reader's relaxed
        // stamp load + Acquire fence.
        stamp.store(2 * seq, Ordering::Release);
        // SYNC POINT ring-published: pairs with `Reader::published` (relaxed load +
        // Acquire fence): seeing `seq` there means slot `seq` is complete.
        self.ring.published.store(seq, Ordering::Release);
        self.next = seq + 1;
        seq
    }

    /// Publishes `value` unless that would overwrite an event a gating reader still
    /// needs. In steady state this reads only the producer's cached limit; it re-reads
    /// the gates (in readers' memory) only when the cache says the ring is full.
    ///
    /// # Errors
    ///
    /// [`Full`] when a gating reader still needs the slot; nothing is written. The
    /// caller picks the policy: retry with a bounded wait, or degrade and report.
    #[inline]
    pub fn try_publish(&mut self, value: &T) -> Result<u64, Full> {
        if self.next > self.limit {
            self.refresh_gates();
            if self.next > self.limit {
                return Err(Full {
                    seq: self.next,
                    needed: self.min_gate,
                });
            }
        }
        Ok(self.publish(value))
    }

    /// Re-reads every gate cursor and recomputes the cached limit.
    #[cold]
    fn refresh_gates(&mut self) {
        let mut min = u64::MAX;
        for gate in self.gates.iter().filter_map(|e| e.gate.as_ref()) {
            min = min.min(gate.load_relaxed());
        }
        // SYNC POINT gate-cursor: stands in for Acquire loads of the cursors (we map
        // reader memory read-only and keep to relaxed loads); pairs with the Release
        // store in `advance_gate`, so the readers' slot reads happen before our
        // overwrites of those slots.
        fence(Ordering::Acquire);
        self.min_gate = min;
        self.limit = if min == u64::MAX {
            u64::MAX
        } else {
            min.saturating_add(self.ring.capacity - 1)
        };
    }

    /// Events that can be published now before [`try_publish`](Self::try_publish)
    /// returns [`Full`]: `capacity` with no gates. Re-reads the gates.
    pub fn headroom(&mut self) -> u64 {
        self.refresh_gates();
        (self.limit.saturating_add(1))
            .saturating_sub(self.next)
            .min(self.ring.capacity)
    }

    /// Events gating readers still hold in the ring (`capacity - headroom`): compare
    /// with [`capacity`](Self::capacity) to report "nearly full". Re-reads the gates.
    pub fn fill(&mut self) -> u64 {
        self.ring.capacity - self.headroom()
    }

    /// Registers a gating reader: from now on [`try_publish`](Self::try_publish) never
    /// overwrites a sequence at or after its cursor. Call it on the producer's thread.
    ///
    /// # Errors
    ///
    /// [`AddGateError::TableFull`] when all `max_gates` entries are in use;
    /// [`AddGateError::Behind`] when the cursor asks for an event already overwritten
    /// (the reader must resynchronise and register again). The gate is handed back.
    pub fn add_gate(&mut self, gate: Gate) -> Result<GateId, AddGateError> {
        let Some(index) = self.gates.iter().position(|e| e.gate.is_none()) else {
            return Err(AddGateError::TableFull(gate));
        };
        let cursor = gate.cursor();
        let oldest = self.oldest();
        if cursor < oldest {
            return Err(AddGateError::Behind { gate, oldest });
        }
        let entry = &mut self.gates[index];
        entry.gate = Some(gate);
        self.live_gates += 1;
        self.min_gate = self.min_gate.min(cursor);
        self.limit = self
            .limit
            .min(cursor.saturating_add(self.ring.capacity - 1));
        Ok(GateId {
            index: index as u32,
            generation: entry.generation,
        })
    }

    /// Unregisters a gate and hands it back; `None` for an unknown or stale id.
    pub fn remove_gate(&mut self, id: GateId) -> Option<Gate> {
        let entry = self.gates.get_mut(id.index as usize)?;
        if entry.generation != id.generation {
            return None;
        }
        let gate = entry.gate.take()?;
        entry.generation = entry.generation.wrapping_add(1);
        self.live_gates -= 1;
        self.refresh_gates();
        Some(gate)
    }

    /// Gates registered.
    pub fn gate_count(&self) -> usize {
        self.live_gates
    }

    /// The smallest gate cursor (re-read now), or `None` without gates: the oldest event
    /// a gating reader still needs. `min_gate - 1` is the durable/consumed watermark.
    pub fn min_gate(&mut self) -> Option<u64> {
        self.refresh_gates();
        (self.min_gate != u64::MAX).then_some(self.min_gate)
    }

    /// The oldest sequence still in the ring (not yet overwritten).
    pub fn oldest(&self) -> u64 {
        self.next
            .saturating_sub(self.ring.capacity)
            .max(self.ring.first_seq)
    }

    /// The last published sequence (`first_seq - 1` before the first publish).
    pub fn published(&self) -> u64 {
        self.next - 1
    }

    /// The sequence the next publish gets.
    pub fn next_seq(&self) -> u64 {
        self.next
    }

    /// Slots in the ring.
    pub fn capacity(&self) -> u64 {
        self.ring.capacity
    }

    /// An in-process reader of this ring starting at `start`.
    pub fn reader(&self, start: Start) -> Reader<'a, T> {
        Reader::with_ring(self.ring, start)
    }
}

impl<T: Record> fmt::Debug for Producer<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Producer")
            .field("capacity", &self.ring.capacity)
            .field("next", &self.next)
            .field("limit", &self.limit)
            .field("gates", &self.live_gates)
            .finish_non_exhaustive()
    }
}
