//! `RingRaw`: one half's view of a ring block, and the slot operations both halves use.
//!
//! This is the only code that touches slots. It knows nothing about who owns the
//! memory (see [`Backing`]); the halves in [`producer`](super::producer) and
//! [`consumer`](super::consumer) keep their private positions and call in here.

use std::alloc::Layout;
use std::ptr::NonNull;

use super::layout::{Cell, Header, group_bytes, groups_for, items_offset, per_group};
use crate::sync::AtomicU64;
use crate::sync::Ordering;

/// Who owns a ring's memory, and so what the last half to drop must free.
pub(crate) enum Backing {
    /// A heap block made by [`channel`](super::channel) with this layout: the last half
    /// to drop drops the unread values and frees the block.
    Heap(Layout),
    /// Memory mapped by the caller ([`shm`](super::shm)); the box keeps whatever the
    /// caller handed in (the mapping, an `Arc` of it, or `()`) alive until the handle
    /// drops. Values are plain data, so nothing is freed here.
    #[cfg(not(loom))]
    Mapped {
        /// Held, never used: dropping it (after the handle's own `drop`) unmaps.
        _owner: Box<dyn Send>,
    },
}

impl Backing {
    /// Frees what this backing owns. Called by the last half to drop.
    ///
    /// # Safety
    ///
    /// `ring` is the view of this backing's block and both halves are gone: their
    /// accesses happen-before this call (SYNC POINT gone) and neither touches the block
    /// again.
    pub(crate) unsafe fn release<T>(&self, ring: &RingRaw<T>) {
        match self {
            // SAFETY: forwarded contract; the block was allocated with `layout`.
            Backing::Heap(layout) => unsafe { super::channel::free_block(ring, *layout) },
            #[cfg(not(loom))]
            Backing::Mapped { .. } => {}
        }
    }
}

/// A view of an initialised ring block. Each half holds its own.
pub(crate) struct RingRaw<T> {
    /// Start of the block. Invariant: points at an initialised [`Header`] that outlives
    /// this view (the [`Backing`] of the half holding it guarantees that).
    header: NonNull<Header>,
    /// Group 0. Invariant: `group_mask + 1` initialised groups of
    /// [`group_bytes`]`::<T>()` bytes follow (see [`layout`](super::layout)).
    groups: NonNull<u8>,
    /// Groups - 1; the group count is a power of two.
    group_mask: u64,
    /// Values the ring holds at most; a power of two, at most groups x [`per_group`].
    capacity: u64,
    _values: std::marker::PhantomData<T>,
}

impl<T> RingRaw<T> {
    /// Values per group, a constant for each `T`: `pos / K` and `pos % K` compile to a
    /// multiply and shifts.
    const K: u64 = per_group::<T>() as u64;

    /// A view of the block at `base`.
    ///
    /// # Safety
    ///
    /// `base` points at a block initialised by [`init`](super::layout::init) for `T`
    /// with `capacity` (a power of two) values and groups at `slots_offset`, and the
    /// block stays valid for as long as the view lives.
    pub(crate) unsafe fn new(base: NonNull<u8>, capacity: usize, slots_offset: usize) -> Self {
        debug_assert!(capacity.is_power_of_two());
        let groups = groups_for::<T>(capacity).expect("the block was laid out for it");
        RingRaw {
            header: base.cast(),
            // SAFETY: group 0 is `slots_offset` bytes into the block (contract).
            groups: unsafe { base.add(slots_offset) },
            group_mask: groups as u64 - 1,
            capacity: capacity as u64,
            _values: std::marker::PhantomData,
        }
    }

    /// The shared header.
    #[inline]
    pub(crate) fn header(&self) -> &Header {
        // SAFETY: the header is initialised and outlives `self` (field invariant).
        unsafe { self.header.as_ref() }
    }

    /// Start of the block (for freeing it).
    pub(crate) fn base(&self) -> NonNull<u8> {
        self.header.cast()
    }

    /// Number of values the ring holds at most.
    #[inline]
    pub(crate) fn capacity(&self) -> u64 {
        self.capacity
    }

    /// Start of group `g` (`g <= group_mask`).
    #[inline]
    fn group(&self, g: u64) -> NonNull<u8> {
        debug_assert!(g <= self.group_mask);
        // SAFETY: `g <= group_mask`, so the group lies inside the initialised groups
        // (field invariant).
        unsafe { self.groups.add(g as usize * group_bytes::<T>()) }
    }

    /// The stamp of the group holding position `pos`, and the value cell of `pos`.
    #[inline]
    fn slot(&self, pos: u64) -> (&AtomicU64, &Cell<T>) {
        let group = self.group((pos / Self::K) & self.group_mask);
        let index = (pos % Self::K) as usize;
        // SAFETY: the group is initialised (see `group`): its stamp at offset 0 and its
        // `K` cells from `items_offset`, every one alive as long as `self`; `index < K`.
        unsafe {
            let cell = group.add(items_offset::<T>() + index * size_of::<Cell<T>>());
            (
                group.cast::<AtomicU64>().as_ref(),
                cell.cast::<Cell<T>>().as_ref(),
            )
        }
    }

    /// Producer side: moves `value` into the cell of position `pos`, then publishes it.
    ///
    /// # Safety
    ///
    /// Called only by the one producer, with `pos` its next position, and only when the
    /// consumer has released position `pos - capacity` (`pos < head + capacity` for a
    /// head loaded with Acquire, SYNC POINT slot-free), so no one reads this cell now:
    /// the position it held before, `pos - groups * K <= pos - capacity`, is consumed.
    #[inline]
    pub(crate) unsafe fn write(&self, pos: u64, value: T) {
        let (stamp, cell) = self.slot(pos);
        // SAFETY: the consumer is done with this cell (contract) and only this producer
        // writes cells, so the write races with nothing (the consumer may be reading
        // another cell of the line: distinct bytes). An old value there was moved out by
        // the consumer, so overwriting leaks nothing.
        cell.with_mut(|cell| unsafe { cell.cast::<T>().write(value) });
        // SYNC POINT slot-full (Release): the value written above happens-before the
        // consumer's Acquire load of this stamp in `read`, and so do all earlier values
        // of this group (written before, in program order).
        stamp.store(pos.wrapping_add(1), Ordering::Release);
    }

    /// Consumer side: takes the value at position `pos` if it has been published.
    ///
    /// # Safety
    ///
    /// Called only by the one consumer, with `pos` its next position (every earlier
    /// position already read).
    #[inline]
    pub(crate) unsafe fn read(&self, pos: u64) -> Option<T> {
        let (stamp, cell) = self.slot(pos);
        // SYNC POINT slot-full (Acquire): pairs with the Release store in `write`. A
        // stamp above `pos` was stored after the write of some position >= `pos` of this
        // group, and positions are written in order, so `pos`'s value is visible. Stamps
        // of earlier laps are of lower positions, so they never pass this test.
        if stamp.load(Ordering::Acquire) <= pos {
            return None;
        }
        // SAFETY: the stamp says the cell holds the initialised, unread value of `pos`
        // (group invariant, `layout::init`), and the producer will not touch it again
        // until this consumer publishes a head past `pos` (SYNC POINT slot-free).
        Some(cell.with(|cell| unsafe { cell.cast::<T>().read() }))
    }

    /// True if the value at `pos` has been published (the consumer's emptiness test).
    #[inline]
    pub(crate) fn is_published(&self, pos: u64) -> bool {
        // Relaxed: only answers a question; a pop that follows re-loads with Acquire.
        self.slot(pos).0.load(Ordering::Relaxed) > pos
    }

    /// Drops the unread value at `pos` in place.
    ///
    /// # Safety
    ///
    /// Both halves are gone (their accesses happen-before this call) and `pos` is an
    /// unread position (`head <= pos < tail`).
    pub(crate) unsafe fn drop_unread(&self, pos: u64) {
        let (stamp, cell) = self.slot(pos);
        debug_assert!(
            stamp.load(Ordering::Relaxed) > pos,
            "unread position without its stamp"
        );
        // SAFETY: an unread position's value is initialised (group invariant) and nobody
        // else can access it any more (contract); it is dropped once because the block
        // is freed right after.
        cell.with_mut(|cell| unsafe { cell.cast::<T>().drop_in_place() });
    }

    /// Runs the destructors of the header and of every stamp and cell (not of the
    /// values inside: see [`drop_unread`](Self::drop_unread)). A no-op for std atomics;
    /// under loom it retires the model's tracked objects.
    ///
    /// # Safety
    ///
    /// Both halves are gone and the block is freed right after, without further access.
    pub(crate) unsafe fn drop_block_in_place(&self) {
        for g in 0..=self.group_mask {
            let group = self.group(g);
            // SAFETY: the group's stamp and `K` cells are initialised (field invariant);
            // each is dropped once, as the block is freed next (contract).
            unsafe {
                group.cast::<AtomicU64>().drop_in_place();
                for i in 0..Self::K as usize {
                    let cell = group.add(items_offset::<T>() + i * size_of::<Cell<T>>());
                    cell.cast::<Cell<T>>().drop_in_place();
                }
            }
        }
        // SAFETY: the header is initialised (field invariant); dropped once (contract).
        unsafe { self.header.drop_in_place() };
    }

    /// Marks this half gone with `my_bit` and reports whether the other half (`other`)
    /// was already gone, making the caller the last one out.
    pub(crate) fn close(&self, my_bit: u32, other: u32) -> bool {
        // SYNC POINT gone (AcqRel): Release so this half's slot and index accesses
        // happen-before the other half's `is_abandoned` Acquire load or its own close;
        // Acquire so that, if the other half closed first, its accesses happen-before
        // the caller freeing the block.
        let before = self.header().state.fetch_or(my_bit, Ordering::AcqRel);
        before & other != 0
    }

    /// True once the other half has set `other` (it was dropped).
    #[inline]
    pub(crate) fn is_gone(&self, other: u32) -> bool {
        // SYNC POINT gone (Acquire): pairs with the AcqRel `fetch_or` in `close`, so
        // every value the other half published before dropping is visible after this.
        self.header().state.load(Ordering::Acquire) & other != 0
    }
}
