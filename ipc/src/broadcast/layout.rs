//! Where things live in a ring's memory, and the checks that make a view of it safe to
//! use: the header written by [`init`] and validated by [`attach`].
//!
//! Layout, in 8-byte words (offsets from the start of the ring section):
//!
//! | words        | content                                                      |
//! |--------------|--------------------------------------------------------------|
//! | 0            | magic ([`MAGIC`]); 0 until initialised (written last)        |
//! | 1            | capacity (slots, a power of two)                             |
//! | 2            | slot stride in words (a multiple of 8)                       |
//! | 3            | record words (`T::WORDS`)                                    |
//! | 4            | first sequence number this ring carries                      |
//! | 5..16        | reserved (zero)                                              |
//! | 16           | published cursor: last published sequence                    |
//! | 17..32       | reserved: keeps the cursor alone in its 128-byte block       |
//! | 32..         | `capacity` slots of `stride` words: `[stamp, payload.., pad]`|
//!
//! The published cursor gets a 128-byte block of its own (the x86 adjacent-line
//! prefetcher pairs 64-byte lines; crossbeam's `CachePadded` uses 128 for the same
//! reason), so a monitor polling it never slows the slots down.

use crate::sync::{AtomicU64, Ordering, fence};
use crate::words::Record;

use super::error::{AttachError, InitError};

/// The magic of an initialised ring: "SMLSBRD1" in little-endian bytes.
pub const MAGIC: u64 = u64::from_le_bytes(*b"SMLSBRD1");
const MAGIC_AT: usize = 0;
const CAPACITY_AT: usize = 1;
const STRIDE_AT: usize = 2;
const RECORD_WORDS_AT: usize = 3;
const FIRST_SEQ_AT: usize = 4;
const PUBLISHED_AT: usize = 16;
/// Words before the first slot (256 bytes).
pub const HEADER_WORDS: usize = 32;
/// Sequence numbers stay below this (2^62) so a stamp (`2 * seq + 1`) never overflows:
/// at 10^9 events a second that is 146 years.
pub const MAX_SEQ: u64 = 1 << 62;

/// Words per slot for `T`: one stamp word plus the payload, rounded up to a multiple of
/// 8 words (64 bytes). A 56-byte record gets a 64-byte slot: one cache line per event.
pub const fn slot_words<T: Record>() -> usize {
    (1 + T::WORDS).div_ceil(8) * 8
}

/// Words needed for a ring of `capacity` slots of `T` (header included), or `None` on
/// overflow.
pub const fn ring_words<T: Record>(capacity: usize) -> Option<usize> {
    match capacity.checked_mul(slot_words::<T>()) {
        Some(slots) => slots.checked_add(HEADER_WORDS),
        None => None,
    }
}

/// Bytes needed for a ring of `capacity` slots of `T`, or `None` on overflow. The
/// section should be 128-byte aligned (a page-aligned mapping is) so every slot starts a
/// cache line.
pub const fn ring_bytes<T: Record>(capacity: usize) -> Option<usize> {
    match ring_words::<T>(capacity) {
        Some(words) => words.checked_mul(8),
        None => None,
    }
}

/// A validated view of a ring's memory. `Copy`: producer and readers each hold one.
#[derive(Clone, Copy)]
pub(super) struct Ring<'a> {
    /// Last published sequence. Written by the producer only.
    pub(super) published: &'a AtomicU64,
    /// All slots. Invariant: `slots.len() >= capacity * stride`.
    slots: &'a [AtomicU64],
    /// `capacity - 1`; capacity is a power of two.
    mask: u64,
    /// Words per slot. Invariant: `stride >= span`, a multiple of 8.
    stride: usize,
    /// Words used in a slot: stamp + payload.
    span: usize,
    /// Slots.
    pub(super) capacity: u64,
    /// The first sequence this ring carries; earlier ones were never in it.
    pub(super) first_seq: u64,
}

impl<'a> Ring<'a> {
    /// The slot for `seq`: `[stamp, payload words...]`.
    #[inline]
    pub(super) fn slot(&self, seq: u64) -> (&'a AtomicU64, &'a [AtomicU64]) {
        // The cast cannot truncate: the index is below `capacity`, which fits in usize.
        let start = (seq & self.mask) as usize * self.stride;
        // In bounds by the invariants on `slots`, `stride` and `span` (`span >= 1`).
        let slot = &self.slots[start..start + self.span];
        (&slot[0], &slot[1..])
    }
}

/// Checks that `capacity` is a power of two and `words` can hold such a ring of `T`.
fn check_size<T: Record>(words: &[AtomicU64], capacity: u64) -> Result<(), InitError> {
    if capacity == 0 || !capacity.is_power_of_two() {
        return Err(InitError::BadCapacity { capacity });
    }
    let needed = usize::try_from(capacity)
        .ok()
        .and_then(ring_words::<T>)
        .ok_or(InitError::BadCapacity { capacity })?;
    if words.len() < needed {
        return Err(InitError::TooSmall {
            needed_bytes: needed.saturating_mul(8),
            got_bytes: words.len().saturating_mul(8),
        });
    }
    Ok(())
}

/// Writes a fresh header and clears every stamp; the magic goes last.
///
/// Relaxed stores throughout except the magic: nothing reads the header before it has
/// seen the magic through the Release store below (SYNC POINT ring-init).
pub(super) fn init<T: Record>(
    words: &[AtomicU64],
    capacity: u64,
    first_seq: u64,
) -> Result<Ring<'_>, InitError> {
    check_size::<T>(words, capacity)?;
    if first_seq == 0 || first_seq >= MAX_SEQ {
        return Err(InitError::BadFirstSeq { first_seq });
    }
    words[MAGIC_AT].store(0, Ordering::Relaxed);
    for w in &words[1..HEADER_WORDS] {
        w.store(0, Ordering::Relaxed);
    }
    let stride = slot_words::<T>();
    for stamp in words[HEADER_WORDS..]
        .chunks_exact(stride)
        .take(capacity as usize)
    {
        stamp[0].store(0, Ordering::Relaxed);
    }
    words[CAPACITY_AT].store(capacity, Ordering::Relaxed);
    words[STRIDE_AT].store(stride as u64, Ordering::Relaxed);
    words[RECORD_WORDS_AT].store(T::WORDS as u64, Ordering::Relaxed);
    words[FIRST_SEQ_AT].store(first_seq, Ordering::Relaxed);
    words[PUBLISHED_AT].store(first_seq - 1, Ordering::Relaxed);
    // SYNC POINT ring-init: publishes the header and cleared stamps; pairs with the
    // relaxed magic load + Acquire fence in `attach`.
    words[MAGIC_AT].store(MAGIC, Ordering::Release);
    Ok(view::<T>(words, capacity, first_seq))
}

/// Validates the header of an initialised ring for records of type `T`. Loads only.
pub(super) fn attach<T: Record>(words: &[AtomicU64]) -> Result<Ring<'_>, AttachError> {
    if words.len() < HEADER_WORDS {
        return Err(AttachError::TooSmall {
            needed_bytes: HEADER_WORDS * 8,
            got_bytes: words.len() * 8,
        });
    }
    // Relaxed + fence: SYNC POINT ring-init (the Release store of the magic in `init`);
    // the header fields below were written before it.
    let magic = words[MAGIC_AT].load(Ordering::Relaxed);
    fence(Ordering::Acquire);
    match magic {
        MAGIC => {}
        0 => return Err(AttachError::NotInitialized),
        found => return Err(AttachError::BadMagic { found }),
    }
    // Relaxed: ordered by the fence above; immutable after init.
    let capacity = words[CAPACITY_AT].load(Ordering::Relaxed);
    let stride = words[STRIDE_AT].load(Ordering::Relaxed);
    let record_words = words[RECORD_WORDS_AT].load(Ordering::Relaxed);
    let first_seq = words[FIRST_SEQ_AT].load(Ordering::Relaxed);
    if record_words != T::WORDS as u64 || stride != slot_words::<T>() as u64 {
        return Err(AttachError::RecordMismatch {
            ring_words: record_words,
            reader_words: T::WORDS as u64,
        });
    }
    check_size::<T>(words, capacity).map_err(AttachError::from)?;
    if first_seq == 0 || first_seq >= MAX_SEQ {
        return Err(AttachError::BadFirstSeq { first_seq });
    }
    Ok(view::<T>(words, capacity, first_seq))
}

/// Builds the view; callers have validated sizes.
fn view<T: Record>(words: &[AtomicU64], capacity: u64, first_seq: u64) -> Ring<'_> {
    let stride = slot_words::<T>();
    Ring {
        published: &words[PUBLISHED_AT],
        slots: &words[HEADER_WORDS..HEADER_WORDS + capacity as usize * stride],
        mask: capacity - 1,
        stride,
        span: 1 + T::WORDS,
        capacity,
        first_seq,
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn words(n: usize) -> Vec<AtomicU64> {
        (0..n).map(|_| AtomicU64::new(0)).collect()
    }

    #[test]
    fn sizes() {
        assert_eq!(slot_words::<[u64; 7]>(), 8);
        assert_eq!(slot_words::<[u64; 8]>(), 16);
        assert_eq!(ring_words::<[u64; 7]>(4), Some(32 + 32));
        assert_eq!(ring_bytes::<[u64; 7]>(4), Some(512));
        assert_eq!(ring_words::<[u64; 7]>(usize::MAX), None);
    }

    #[test]
    fn slots_are_disjoint_and_in_order() {
        let w = words(ring_words::<[u64; 2]>(4).unwrap());
        let ring = init::<[u64; 2]>(&w, 4, 1).unwrap();
        let base = w.as_ptr() as usize;
        for seq in 0..8u64 {
            let (stamp, payload) = ring.slot(seq);
            let at = (stamp as *const AtomicU64 as usize - base) / 8;
            assert_eq!(at, HEADER_WORDS + (seq as usize % 4) * 8);
            assert_eq!(payload.len(), 2);
        }
    }

    #[test]
    fn attach_checks_every_field() {
        let w = words(ring_words::<[u64; 2]>(4).unwrap());
        assert_eq!(
            attach::<[u64; 2]>(&w).err(),
            Some(AttachError::NotInitialized)
        );
        init::<[u64; 2]>(&w, 4, 10).unwrap();
        assert!(attach::<[u64; 2]>(&w).is_ok());
        assert!(matches!(
            attach::<[u64; 3]>(&w),
            Err(AttachError::RecordMismatch { .. })
        ));
        assert!(matches!(
            attach::<[u64; 2]>(&w[..40]),
            Err(AttachError::TooSmall { .. })
        ));
        w[CAPACITY_AT].store(3, Ordering::Relaxed);
        assert_eq!(
            attach::<[u64; 2]>(&w).err(),
            Some(AttachError::BadCapacity { capacity: 3 })
        );
        w[MAGIC_AT].store(7, Ordering::Relaxed);
        assert_eq!(
            attach::<[u64; 2]>(&w).err(),
            Some(AttachError::BadMagic { found: 7 })
        );
    }

    #[test]
    fn init_rejects_bad_parameters() {
        let w = words(ring_words::<[u64; 2]>(4).unwrap());
        assert!(matches!(
            init::<[u64; 2]>(&w, 6, 1),
            Err(InitError::BadCapacity { .. })
        ));
        assert!(matches!(
            init::<[u64; 2]>(&w, 8, 1),
            Err(InitError::TooSmall { .. })
        ));
        assert!(matches!(
            init::<[u64; 2]>(&w, 4, 0),
            Err(InitError::BadFirstSeq { .. })
        ));
    }
}
