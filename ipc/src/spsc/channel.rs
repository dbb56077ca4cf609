//! The in-process front-end: a ring in a heap block owned by its two halves.

use std::alloc::{self, Layout};
use std::ptr::NonNull;

use super::error::CapacityError;
use super::layout::{self, CONSUMER_ATTACHED, PRODUCER_ATTACHED};
use super::ring::{Backing, RingRaw};
use super::{Consumer, Producer};
use crate::sync::Ordering;

/// Makes an in-process ring with room for at least `capacity` values: `capacity` is
/// rounded up to a power of two (and 0 to 1), so indices wrap with a mask. See
/// [`Producer::capacity`] for the result.
///
/// The ring's block is freed, and values never popped are dropped, when both halves
/// have been dropped.
///
/// # Panics
///
/// If the ring would not fit in the address space (as `Vec::with_capacity` does); use
/// [`try_channel`] to get an error instead.
///
/// # Examples
///
/// ```
/// let (mut tx, mut rx) = seamless_ipc::spsc::channel::<String>(3);
/// assert_eq!(tx.capacity(), 4);
/// tx.try_push("tick".to_owned()).unwrap();
/// assert_eq!(rx.try_pop().as_deref(), Some("tick"));
/// ```
pub fn channel<T: Send>(capacity: usize) -> (Producer<T>, Consumer<T>) {
    match try_channel(capacity) {
        Ok(halves) => halves,
        Err(e) => panic!("{e}"),
    }
}

/// Like [`channel`], but reports a capacity too large for memory as an error.
///
/// # Errors
///
/// [`CapacityError`] if the rounded-up capacity overflows or the block would exceed
/// `isize::MAX` bytes.
///
/// # Examples
///
/// ```
/// assert!(seamless_ipc::spsc::try_channel::<u64>(usize::MAX).is_err());
/// ```
pub fn try_channel<T: Send>(capacity: usize) -> Result<(Producer<T>, Consumer<T>), CapacityError> {
    let error = CapacityError {
        requested: capacity,
    };
    let capacity = capacity.max(1).checked_next_power_of_two().ok_or(error)?;
    let (layout, slots_offset) = layout::block_layout::<T>(capacity).ok_or(error)?;
    // SAFETY: `layout` has a non-zero size (the header alone is 512 bytes).
    let base = unsafe { alloc::alloc(layout) };
    let Some(base) = NonNull::new(base) else {
        alloc::handle_alloc_error(layout)
    };
    // SAFETY: `base` is a fresh allocation of `layout` = `block_layout(capacity)`, which
    // nobody else can see yet.
    unsafe {
        layout::init::<T>(
            base,
            capacity,
            slots_offset,
            PRODUCER_ATTACHED | CONSUMER_ATTACHED,
        );
    }
    // SAFETY: the block was just initialised for `capacity` slots of `T`, and it lives
    // until both halves are gone (the last one frees it, see `free_block`).
    let producer_view = unsafe { RingRaw::new(base, capacity, slots_offset) };
    // SAFETY: as for the producer's view.
    let consumer_view = unsafe { RingRaw::new(base, capacity, slots_offset) };
    Ok((
        Producer::new(producer_view, Backing::Heap(layout)),
        Consumer::new(consumer_view, Backing::Heap(layout)),
    ))
}

/// Drops the values never popped and frees a block made by [`try_channel`].
///
/// # Safety
///
/// `ring` views a block allocated by `try_channel` with `layout`, both halves are gone
/// (their accesses happen-before this call) and nothing touches the block afterwards.
pub(crate) unsafe fn free_block<T>(ring: &RingRaw<T>, layout: Layout) {
    let header = ring.header();
    // Relaxed: both halves published their index before their AcqRel `close`, and the
    // caller's `close` synchronised with the other's (SYNC POINT gone).
    let head = header.head.load(Ordering::Relaxed);
    let tail = header.tail.load(Ordering::Relaxed);
    debug_assert!(tail.wrapping_sub(head) <= ring.capacity());
    let mut pos = head;
    while pos != tail {
        // SAFETY: `head <= pos < tail` is unread, and both halves are gone (contract).
        unsafe { ring.drop_unread(pos) };
        pos = pos.wrapping_add(1);
    }
    // SAFETY: both halves are gone and the block is freed next (contract).
    unsafe { ring.drop_block_in_place() };
    // SAFETY: allocated by `try_channel` with this `layout` (contract), freed once: only
    // the last half out gets here.
    unsafe { alloc::dealloc(ring.base().as_ptr(), layout) };
}
