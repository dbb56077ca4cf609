//! The ring's memory block: a header of cache-padded atomics, then `capacity` slots.
//!
//! Both front-ends (the heap block of [`channel`](super::channel) and a caller's shared
//! memory in [`shm`](super::shm)) use this one layout and this one `init`, so the ring
//! algorithm in [`ring`](super::ring) never knows who owns the memory.
//!
//! ```text
//! offset 0    Meta   (magic, version, capacity, sizes)   written once by init
//! offset 128  head   (next position to read)             written by the consumer
//! offset 256  tail   (next position to write)            written by the producer
//! offset 384  state  (attached / gone bits)              written on attach and drop
//! offset 512  slot 0, slot 1, ... slot capacity-1        each { stamp: u64, value: T }
//! ```
//!
//! Each hot index has its own 128-byte line pair (`CachePadded`: x86-64 prefetches lines
//! in adjacent pairs, see crossbeam-utils `cache_padded.rs`), so the consumer's head
//! stores never invalidate the producer's tail line and vice versa.
//!
//! Every field is an atomic (or a `MaybeUninit` value cell) for which any bit pattern is
//! valid, so a reference to a header read from another process's memory is never UB;
//! [`shm`](super::shm) validates the meta fields before trusting them.

use std::alloc::Layout;
use std::mem::MaybeUninit;
use std::ptr::NonNull;

use crossbeam_utils::CachePadded;

use crate::sync::{AtomicU32, AtomicU64, Ordering, UnsafeCell};

/// `Meta::magic` of an initialised block: "seamSPSC" in big-endian bytes.
pub(crate) const MAGIC: u64 = u64::from_be_bytes(*b"seamSPSC");
/// Layout version stored in `Meta::version`; bump on any change to this file's layout.
pub(crate) const VERSION: u64 = 1;

/// `Header::state` bit: a producer handle exists or existed.
pub(crate) const PRODUCER_ATTACHED: u32 = 1;
/// `Header::state` bit: a consumer handle exists or existed.
pub(crate) const CONSUMER_ATTACHED: u32 = 1 << 1;
/// `Header::state` bit: the producer handle was dropped.
pub(crate) const PRODUCER_GONE: u32 = 1 << 2;
/// `Header::state` bit: the consumer handle was dropped.
pub(crate) const CONSUMER_GONE: u32 = 1 << 3;

/// Facts about the block, written once by [`init`] and only read afterwards.
#[repr(C)]
pub(crate) struct Meta {
    /// [`MAGIC`] once the block is initialised; stored last (SYNC POINT init).
    pub(crate) magic: AtomicU64,
    /// [`VERSION`].
    pub(crate) version: AtomicU64,
    /// Number of slots; a power of two.
    pub(crate) capacity: AtomicU64,
    /// `size_of::<Slot<T>>()`.
    pub(crate) slot_bytes: AtomicU64,
    /// `size_of::<T>()`.
    pub(crate) value_bytes: AtomicU64,
    /// Byte offset of slot 0 from the start of the block.
    pub(crate) slots_offset: AtomicU64,
}

/// The block's header. Each field sits on its own cache-line pair.
#[repr(C)]
pub(crate) struct Header {
    /// Written once by [`init`].
    pub(crate) meta: CachePadded<Meta>,
    /// Next position the consumer reads; written only by the consumer.
    /// Invariant: `head <= tail`.
    pub(crate) head: CachePadded<AtomicU64>,
    /// Next position the producer writes; written only by the producer.
    /// Invariant: `tail <= head + capacity`.
    pub(crate) tail: CachePadded<AtomicU64>,
    /// `*_ATTACHED` and `*_GONE` bits; never written on the hot path, so polling it
    /// while waiting costs a cache hit.
    pub(crate) state: CachePadded<AtomicU32>,
}

/// One slot: the value and the stamp that says whether it holds an unread value.
///
/// Invariant: `stamp == pos + 1` exactly when the slot holds the unread value written at
/// position `pos` (positions count from 0 and never wrap in practice: 2^64 items).
/// A fresh slot has stamp 0, which no position's `pos + 1` equals before wrap-around.
#[repr(C)]
pub(crate) struct Slot<T> {
    /// `pos + 1` of the last value written here (SYNC POINT slot-full).
    pub(crate) stamp: AtomicU64,
    /// The value; initialised exactly when the stamp is that of an unread position.
    pub(crate) value: UnsafeCell<MaybeUninit<T>>,
}

/// Layout of a block of `capacity` slots and the byte offset of slot 0, or `None` if
/// it would exceed `isize::MAX` bytes.
pub(crate) fn block_layout<T>(capacity: usize) -> Option<(Layout, usize)> {
    let slots = Layout::array::<Slot<T>>(capacity).ok()?;
    let (block, slots_offset) = Layout::new::<Header>().extend(slots).ok()?;
    Some((block, slots_offset))
}

/// Writes a fresh header (magic last) and `capacity` empty slots at `base`.
///
/// # Safety
///
/// - `base` is valid for writes of `block_layout::<T>(capacity)` bytes and aligned to
///   that layout's alignment;
/// - `capacity` is a power of two and `slots_offset` is the offset `block_layout`
///   returned for it;
/// - nobody else reads or writes the block until `init` returns (for shared memory:
///   no other process attaches during init).
pub(crate) unsafe fn init<T>(base: NonNull<u8>, capacity: usize, slots_offset: usize, state: u32) {
    debug_assert!(capacity.is_power_of_two());
    debug_assert_eq!(block_layout::<T>(capacity).map(|l| l.1), Some(slots_offset));
    let header = base.cast::<Header>();
    let meta = Meta {
        magic: AtomicU64::new(0),
        version: AtomicU64::new(VERSION),
        capacity: AtomicU64::new(capacity as u64),
        slot_bytes: AtomicU64::new(size_of::<Slot<T>>() as u64),
        value_bytes: AtomicU64::new(size_of::<T>() as u64),
        slots_offset: AtomicU64::new(slots_offset as u64),
    };
    // SAFETY: `base` is valid and aligned for a `Header` (contract) and nobody else
    // accesses it yet; `write` does not read or drop the old bytes.
    unsafe {
        header.write(Header {
            meta: CachePadded::new(meta),
            head: CachePadded::new(AtomicU64::new(0)),
            tail: CachePadded::new(AtomicU64::new(0)),
            state: CachePadded::new(AtomicU32::new(state)),
        });
    }
    // SAFETY: slot 0 starts `slots_offset` bytes in, inside the block (contract).
    let slots = unsafe { base.add(slots_offset) }.cast::<Slot<T>>();
    for i in 0..capacity {
        // SAFETY: slot `i < capacity` lies inside the block and is aligned for
        // `Slot<T>` (`block_layout` placed it so); nobody else accesses it yet.
        unsafe {
            slots.add(i).write(Slot {
                stamp: AtomicU64::new(0),
                value: UnsafeCell::new(MaybeUninit::uninit()),
            });
        }
    }
    // SAFETY: the header was fully written above.
    let header = unsafe { header.as_ref() };
    // SYNC POINT init (Release): everything written above happens-before the Acquire
    // load of `magic` that lets `shm::attach` trust the meta fields and slots.
    header.meta.magic.store(MAGIC, Ordering::Release);
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn header_lines_are_separate_and_slots_follow_it() {
        assert_eq!(size_of::<Header>() % 128, 0);
        assert_eq!(std::mem::offset_of!(Header, head), 128);
        assert_eq!(std::mem::offset_of!(Header, tail), 256);
        assert_eq!(std::mem::offset_of!(Header, state), 384);
        let (layout, offset) = block_layout::<u64>(4).unwrap();
        assert_eq!(offset, size_of::<Header>());
        assert_eq!(size_of::<Slot<u64>>(), 16);
        assert_eq!(layout.size(), offset + 4 * 16);
        assert_eq!(layout.align(), 128);
    }

    #[test]
    fn absurd_capacity_has_no_layout() {
        assert!(block_layout::<u64>(usize::MAX / 2).is_none());
    }
}
