//! The ring's memory block: a header of cache-padded atomics, then groups of slots.
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
//! offset 512  group 0, group 1, ... group G-1            each { stamp: u64, value: T x K }
//! ```
//!
//! A group is one 64-byte cache line holding a stamp and as many values as fit after it
//! (`K` = [`per_group`]: 7 `u64`s, 14 `u32`s; 1 for values over 28 bytes, whose group
//! is then a stamp and one value, as long as it takes). Position `pos` lives in group
//! `(pos / K) % G`, value `pos % K`; `G` is a power of two with `G * K >= capacity`, so
//! a group may hold positions the ring's capacity never reaches at once. One stamp per
//! line rather than per value keeps the one-line hand-off (value and stamp share the
//! line) and nearly doubles the values per line for small types: 9.1 bytes per `u64`
//! instead of 16 (docs/decisions/0010-ring-slot-stamps.md has the measurements).
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
/// 2: one stamp per group of values (1 had one per value).
pub(crate) const VERSION: u64 = 2;

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
    /// Number of values the ring holds at most; a power of two.
    pub(crate) capacity: AtomicU64,
    /// [`group_bytes`]`::<T>()`.
    pub(crate) slot_bytes: AtomicU64,
    /// `size_of::<T>()`.
    pub(crate) value_bytes: AtomicU64,
    /// Byte offset of group 0 from the start of the block.
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

/// A value cell of a group: initialised exactly when it holds an unread value.
pub(crate) type Cell<T> = UnsafeCell<MaybeUninit<T>>;

/// Bytes in a cache line: a group with more than one value fills exactly one.
pub(crate) const LINE: usize = 64;

const fn round_up(n: usize, to: usize) -> usize {
    n.div_ceil(to) * to
}

const fn max(a: usize, b: usize) -> usize {
    if a > b { a } else { b }
}

/// Values per group: as many `T` as fit in a line after an 8-byte stamp, at least 1.
/// Computed from `T` alone (not from the cell types, which are larger under loom), so
/// the models exercise the same grouping as the real build.
pub(crate) const fn per_group<T>() -> usize {
    let size = size_of::<T>();
    let offset = round_up(8, align_of::<T>());
    if size == 0 || offset >= LINE {
        return 1;
    }
    max(1, (LINE - offset) / size)
}

/// Byte offset of a group's first value cell (the stamp is at 0).
pub(crate) const fn items_offset<T>() -> usize {
    round_up(size_of::<AtomicU64>(), align_of::<Cell<T>>())
}

/// Alignment of a group: a line when it holds several values, so none straddles two.
pub(crate) const fn group_align<T>() -> usize {
    let natural = max(align_of::<AtomicU64>(), align_of::<Cell<T>>());
    if per_group::<T>() > 1 {
        max(natural, LINE)
    } else {
        natural
    }
}

/// Bytes of one group (stamp, [`per_group`] cells, padding to [`group_align`]).
pub(crate) const fn group_bytes<T>() -> usize {
    round_up(
        items_offset::<T>() + per_group::<T>() * size_of::<Cell<T>>(),
        group_align::<T>(),
    )
}

/// Groups for a ring of `capacity` values: a power of two holding at least `capacity`
/// values, or `None` on overflow.
pub(crate) const fn groups_for<T>(capacity: usize) -> Option<usize> {
    capacity
        .div_ceil(per_group::<T>())
        .checked_next_power_of_two()
}

/// Layout of a block for `capacity` values and the byte offset of group 0, or `None`
/// if it would exceed `isize::MAX` bytes.
pub(crate) fn block_layout<T>(capacity: usize) -> Option<(Layout, usize)> {
    let bytes = groups_for::<T>(capacity)?.checked_mul(group_bytes::<T>())?;
    let groups = Layout::from_size_align(bytes, group_align::<T>()).ok()?;
    let (block, slots_offset) = Layout::new::<Header>().extend(groups).ok()?;
    Some((block, slots_offset))
}

/// Writes a fresh header (magic last) and empty groups (stamp 0) at `base`.
///
/// Invariant of a group (SYNC POINT slot-full): its stamp is `pos + 1` for the highest
/// position `pos` written into it, or 0; since positions are written in order, every
/// position of the group below the stamp has been written. A fresh block holds none.
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
        slot_bytes: AtomicU64::new(group_bytes::<T>() as u64),
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
    let groups = groups_for::<T>(capacity).expect("block_layout succeeded for it");
    for g in 0..groups {
        // SAFETY: group `g < groups` lies inside the block, at a multiple of
        // `group_bytes` past `slots_offset`, aligned for its stamp and cells
        // (`block_layout` placed it so); nobody else accesses it yet.
        unsafe {
            let group = base.add(slots_offset + g * group_bytes::<T>());
            group.cast::<AtomicU64>().write(AtomicU64::new(0));
            for i in 0..per_group::<T>() {
                let cell = group.add(items_offset::<T>() + i * size_of::<Cell<T>>());
                cell.cast::<Cell<T>>()
                    .write(UnsafeCell::new(MaybeUninit::uninit()));
            }
        }
    }
    // SAFETY: the header was fully written above.
    let header = unsafe { header.as_ref() };
    // SYNC POINT init (Release): everything written above happens-before the Acquire
    // load of `magic` that lets `shm::attach` trust the meta fields and groups.
    header.meta.magic.store(MAGIC, Ordering::Release);
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn header_lines_are_separate_and_groups_follow_it() {
        assert_eq!(size_of::<Header>() % 128, 0);
        assert_eq!(std::mem::offset_of!(Header, head), 128);
        assert_eq!(std::mem::offset_of!(Header, tail), 256);
        assert_eq!(std::mem::offset_of!(Header, state), 384);
        // 4 u64s fit one group of 7.
        let (layout, offset) = block_layout::<u64>(4).unwrap();
        assert_eq!(offset, size_of::<Header>());
        assert_eq!(layout.size(), offset + 64);
        assert_eq!(layout.align(), 128);
        // 1024 u64s: 147 groups needed, 256 allocated.
        let (layout, _) = block_layout::<u64>(1024).unwrap();
        assert_eq!(layout.size(), size_of::<Header>() + 256 * 64);
    }

    #[test]
    fn groups_fill_a_line_or_hold_one_large_value() {
        assert_eq!((per_group::<u64>(), group_bytes::<u64>()), (7, 64));
        assert_eq!((per_group::<u32>(), group_bytes::<u32>()), (14, 64));
        assert_eq!(
            (per_group::<[u64; 3]>(), group_bytes::<[u64; 3]>()),
            (2, 64)
        );
        assert_eq!(
            (per_group::<[u64; 7]>(), group_bytes::<[u64; 7]>()),
            (1, 64)
        );
        assert_eq!(
            (per_group::<[u64; 15]>(), group_bytes::<[u64; 15]>()),
            (1, 128)
        );
        assert_eq!((per_group::<u128>(), items_offset::<u128>()), (3, 16));
        assert_eq!((per_group::<()>(), group_bytes::<()>()), (1, 8));
        assert_eq!(group_align::<u64>(), 64);
        assert_eq!(group_align::<[u64; 7]>(), 8);
    }

    #[test]
    fn absurd_capacity_has_no_layout() {
        assert!(block_layout::<u64>(usize::MAX / 2).is_none());
    }
}
