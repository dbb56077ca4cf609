//! `RingRaw`: one half's view of a ring block, and the slot operations both halves use.
//!
//! This is the only code that touches slots. It knows nothing about who owns the
//! memory (see [`Backing`]); the halves in [`producer`](super::producer) and
//! [`consumer`](super::consumer) keep their private positions and call in here.

use std::alloc::Layout;
use std::ptr::NonNull;

use super::layout::{Header, Slot};
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
    /// Slot 0. Invariant: `mask + 1` initialised slots follow.
    slots: NonNull<Slot<T>>,
    /// `capacity - 1`; capacity is a power of two.
    mask: u64,
}

impl<T> RingRaw<T> {
    /// A view of the block at `base`.
    ///
    /// # Safety
    ///
    /// `base` points at a block initialised by [`init`](super::layout::init) for `T`
    /// with `capacity` (a power of two) slots at `slots_offset`, and the block stays
    /// valid for as long as the view lives.
    pub(crate) unsafe fn new(base: NonNull<u8>, capacity: usize, slots_offset: usize) -> Self {
        debug_assert!(capacity.is_power_of_two());
        RingRaw {
            header: base.cast(),
            // SAFETY: slot 0 is `slots_offset` bytes into the block (contract).
            slots: unsafe { base.add(slots_offset) }.cast(),
            mask: capacity as u64 - 1,
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

    /// Number of slots.
    #[inline]
    pub(crate) fn capacity(&self) -> u64 {
        self.mask + 1
    }

    /// The slot that position `pos` maps to.
    #[inline]
    fn slot(&self, pos: u64) -> &Slot<T> {
        // SAFETY: `pos & mask < capacity` and `capacity` initialised slots follow
        // `slots`, alive as long as `self` (field invariants).
        unsafe { self.slots.add((pos & self.mask) as usize).as_ref() }
    }

    /// Producer side: moves `value` into the slot of position `pos`, then publishes it.
    ///
    /// # Safety
    ///
    /// Called only by the one producer, with `pos` its next position, and only when the
    /// consumer has released position `pos - capacity` (`pos < head + capacity` for a
    /// head loaded with Acquire, SYNC POINT slot-free), so no one reads this slot now.
    #[inline]
    pub(crate) unsafe fn write(&self, pos: u64, value: T) {
        let slot = self.slot(pos);
        // SAFETY: the consumer is done with this slot (contract) and only this producer
        // writes slots, so the write races with nothing. An old value there was moved
        // out by the consumer, so overwriting leaks nothing.
        slot.value
            .with_mut(|cell| unsafe { cell.cast::<T>().write(value) });
        // SYNC POINT slot-full (Release): the value written above happens-before the
        // consumer's Acquire load of this stamp in `read`.
        slot.stamp.store(pos.wrapping_add(1), Ordering::Release);
    }

    /// Consumer side: takes the value at position `pos` if it has been published.
    ///
    /// # Safety
    ///
    /// Called only by the one consumer, with `pos` its next position (every earlier
    /// position already read).
    #[inline]
    pub(crate) unsafe fn read(&self, pos: u64) -> Option<T> {
        let slot = self.slot(pos);
        // SYNC POINT slot-full (Acquire): pairs with the Release store in `write`; seeing
        // `pos + 1` makes the producer's write of the value visible.
        if slot.stamp.load(Ordering::Acquire) != pos.wrapping_add(1) {
            return None;
        }
        // SAFETY: the stamp says the slot holds the initialised, unread value of `pos`
        // (slot invariant), and the producer will not touch it again until this
        // consumer publishes a head past `pos` (SYNC POINT slot-free).
        Some(slot.value.with(|cell| unsafe { cell.cast::<T>().read() }))
    }

    /// True if the value at `pos` has been published (the consumer's emptiness test).
    #[inline]
    pub(crate) fn is_published(&self, pos: u64) -> bool {
        // Relaxed: only answers a question; a pop that follows re-loads with Acquire.
        self.slot(pos).stamp.load(Ordering::Relaxed) == pos.wrapping_add(1)
    }

    /// Drops the unread value at `pos` in place.
    ///
    /// # Safety
    ///
    /// Both halves are gone (their accesses happen-before this call) and `pos` is an
    /// unread position (`head <= pos < tail`).
    pub(crate) unsafe fn drop_unread(&self, pos: u64) {
        let slot = self.slot(pos);
        debug_assert_eq!(
            slot.stamp.load(Ordering::Relaxed),
            pos.wrapping_add(1),
            "unread position without its stamp"
        );
        // SAFETY: an unread position's value is initialised (slot invariant) and nobody
        // else can access it any more (contract); it is dropped once because the block
        // is freed right after.
        slot.value
            .with_mut(|cell| unsafe { cell.cast::<T>().drop_in_place() });
    }

    /// Runs the destructors of the header and of every slot cell (not of the values
    /// inside: see [`drop_unread`](Self::drop_unread)). A no-op for std atomics; under
    /// loom it retires the model's tracked objects.
    ///
    /// # Safety
    ///
    /// Both halves are gone and the block is freed right after, without further access.
    pub(crate) unsafe fn drop_block_in_place(&self) {
        for i in 0..self.capacity() as usize {
            // SAFETY: slot `i < capacity` is initialised (field invariant); dropped once,
            // as the block is freed next (contract).
            unsafe { self.slots.add(i).drop_in_place() };
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
