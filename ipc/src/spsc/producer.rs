//! The writing half of a ring.

use std::fmt;

use super::error::{Abandoned, Full};
use super::layout::{CONSUMER_GONE, PRODUCER_GONE};
use super::ring::{Backing, RingRaw};
use crate::sync::Ordering;
use crate::wait::Waiter;

/// The writing half of an SPSC ring: made by [`channel`](super::channel) or
/// [`shm::producer`](super::shm::producer).
///
/// `Send` (move it to the producing thread) but not `Sync`: there is exactly one
/// producer, and every method that writes takes `&mut self`.
///
/// ```compile_fail
/// fn sync<S: Sync>() {}
/// sync::<seamless_ipc::spsc::Producer<u64>>();
/// ```
pub struct Producer<T> {
    ring: RingRaw<T>,
    /// Next position to write. Only this half changes it; published to `Header::tail`
    /// after each push and batch. Invariant: `head <= tail <= head + capacity`.
    tail: u64,
    /// A head loaded earlier, so `cached_head <= head` and `capacity - (tail -
    /// cached_head)` is a lower bound of the free slots. Re-loaded only when that bound
    /// is too small: the consumer's head line stays in the consumer's cache meanwhile
    /// (the `cached_head` of rtrb, after Rigtorp's SPSCQueue).
    cached_head: u64,
    backing: Backing,
}

// SAFETY: a `Producer` is the only handle allowed to write slots and the tail; moving it
// to another thread moves that right with it. Values of `T` cross to the consumer's
// thread, hence `T: Send`. The `Backing` is `Send` (a `Layout` or a `Box<dyn Send>`).
unsafe impl<T: Send> Send for Producer<T> {}

impl<T> Producer<T> {
    /// The producer half over `ring`, starting from the indices in its header.
    pub(crate) fn new(ring: RingRaw<T>, backing: Backing) -> Self {
        let header = ring.header();
        // Relaxed: the caller made the header visible to this thread (the heap block is
        // ours; `shm::attach` loaded the magic with Acquire, SYNC POINT init).
        let tail = header.tail.load(Ordering::Relaxed);
        let cached_head = header.head.load(Ordering::Relaxed);
        Producer {
            ring,
            tail,
            cached_head,
            backing,
        }
    }

    /// Number of slots.
    pub fn capacity(&self) -> usize {
        self.ring.capacity() as usize
    }

    /// Pushes `value` if a slot is free. Wait-free.
    ///
    /// # Errors
    ///
    /// [`Full`] with the value handed back when every slot holds an unread value.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, _rx) = seamless_ipc::spsc::channel::<u32>(1);
    /// tx.try_push(1).unwrap();
    /// assert_eq!(tx.try_push(2).unwrap_err().0, 2);
    /// ```
    #[inline]
    pub fn try_push(&mut self, value: T) -> Result<(), Full<T>> {
        if self.free_at_least(1) == 0 {
            return Err(Full(value));
        }
        // SAFETY: we are the producer and `tail` is our next position; `free_at_least`
        // saw `tail < head + capacity` with head loaded by Acquire (SYNC POINT
        // slot-free), so the consumer is done with this slot.
        unsafe { self.ring.write(self.tail, value) };
        self.tail = self.tail.wrapping_add(1);
        self.publish_tail();
        Ok(())
    }

    /// Pushes the longest prefix of `items` that fits and returns its length; the rest
    /// is not pushed (push it later from `&items[n..]`). Publishes the tail once.
    /// Wait-free.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, _rx) = seamless_ipc::spsc::channel::<u32>(4);
    /// assert_eq!(tx.push_slice(&[1, 2, 3]), 3);
    /// assert_eq!(tx.push_slice(&[4, 5, 6]), 1); // only one slot was left
    /// ```
    pub fn push_slice(&mut self, items: &[T]) -> usize
    where
        T: Copy,
    {
        let n = self.free_at_least(items.len()).min(items.len());
        for item in &items[..n] {
            // SAFETY: as in `try_push`: each of these `n` positions is free.
            unsafe { self.ring.write(self.tail, *item) };
            self.tail = self.tail.wrapping_add(1);
        }
        if n > 0 {
            self.publish_tail();
        }
        n
    }

    /// Pushes items taken from `items` while slots are free, and returns how many. The
    /// iterator is advanced only for items that are pushed, so none is lost: what does
    /// not fit stays in the iterator. Publishes the tail once. Wait-free if the
    /// iterator is.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, _rx) = seamless_ipc::spsc::channel::<String>(2);
    /// let mut words = ["a", "b", "c"].map(String::from).into_iter();
    /// assert_eq!(tx.push_iter(&mut words), 2);
    /// assert_eq!(words.next().as_deref(), Some("c"));
    /// ```
    pub fn push_iter<I: Iterator<Item = T>>(&mut self, items: &mut I) -> usize {
        let free = self.free_at_least(items.size_hint().0.max(1));
        let mut n = 0;
        while n < free {
            let Some(item) = items.next() else { break };
            // SAFETY: as in `try_push`: each of these `free` positions is free.
            unsafe { self.ring.write(self.tail, item) };
            // Advanced before the next `next()`, which may panic: `Drop` then publishes
            // the items already written.
            self.tail = self.tail.wrapping_add(1);
            n += 1;
        }
        if n > 0 {
            self.publish_tail();
        }
        n
    }

    /// Pushes `value`, waiting with `waiter` while the ring is full.
    ///
    /// # Errors
    ///
    /// [`Abandoned`] with the value handed back if the ring is full and the consumer is
    /// gone: nobody will ever make room. (A push into a ring with room succeeds even
    /// after the consumer is gone; the value is dropped with the ring.)
    ///
    /// # Examples
    ///
    /// ```
    /// use seamless_ipc::{spsc, wait::{WaitStrategy, Waiter}};
    /// let (mut tx, mut rx) = spsc::channel::<u64>(2);
    /// let reader = std::thread::spawn(move || {
    ///     let mut waiter = Waiter::new(WaitStrategy::Backoff);
    ///     (0..10).map(|_| rx.pop_wait(&mut waiter).unwrap()).sum::<u64>()
    /// });
    /// let mut waiter = Waiter::new(WaitStrategy::Backoff);
    /// for i in 0..10 {
    ///     tx.push_wait(i, &mut waiter).unwrap();
    /// }
    /// assert_eq!(reader.join().unwrap(), 45);
    /// ```
    pub fn push_wait(&mut self, value: T, waiter: &mut Waiter) -> Result<(), Abandoned<T>> {
        let mut value = value;
        loop {
            match self.try_push(value) {
                Ok(()) => {
                    waiter.reset();
                    return Ok(());
                }
                Err(Full(back)) if self.is_abandoned() => return Err(Abandoned(back)),
                Err(Full(back)) => value = back,
            }
            waiter.wait();
        }
    }

    /// Number of slots free right now (a lower bound: the consumer may free more).
    pub fn free(&self) -> usize {
        self.ring.capacity() as usize - self.len()
    }

    /// Number of pushed values the consumer has not popped yet (an upper bound: the
    /// consumer may pop meanwhile).
    pub fn len(&self) -> usize {
        // Relaxed: a count only; no slot is reused on its strength (`free_at_least`
        // re-loads head with Acquire before writing).
        let head = self.ring.header().head.load(Ordering::Relaxed);
        self.used(head) as usize
    }

    /// True if the consumer has popped every pushed value.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True once the consumer half has been dropped.
    pub fn is_abandoned(&self) -> bool {
        self.ring.is_gone(CONSUMER_GONE)
    }

    /// Slots in use given a head; saturates at `capacity` if a corrupt shared head
    /// (from another process) is ahead of our tail, so we then see a full ring rather
    /// than overwrite.
    #[inline]
    fn used(&self, head: u64) -> u64 {
        self.tail.wrapping_sub(head).min(self.ring.capacity())
    }

    /// Free slots, re-loading the consumer's head only if the cached one shows fewer
    /// than `wanted`.
    #[inline]
    fn free_at_least(&mut self, wanted: usize) -> usize {
        let cap = self.ring.capacity();
        let free = cap - self.used(self.cached_head);
        if free >= wanted as u64 {
            return free as usize;
        }
        // SYNC POINT slot-free (Acquire): pairs with the consumer's Release store of
        // head; its reads of the slots below head happen-before we overwrite them.
        self.cached_head = self.ring.header().head.load(Ordering::Acquire);
        (cap - self.used(self.cached_head)) as usize
    }

    /// Publishes `tail` for `len` on the consumer side and for the last one out.
    #[inline]
    fn publish_tail(&self) {
        // SYNC POINT tail (Release): pairs with the Acquire load in `Consumer::len`, so
        // a consumer that counts n values will find their stamps (the slot-full Release
        // stores came first in program order).
        self.ring.header().tail.store(self.tail, Ordering::Release);
    }
}

impl<T> Drop for Producer<T> {
    fn drop(&mut self) {
        // After a panic inside `push_iter`'s iterator the last writes are not yet
        // published; publish them so the last one out drops exactly those values.
        self.publish_tail();
        if self.ring.close(PRODUCER_GONE, CONSUMER_GONE) {
            // SAFETY: the consumer is gone (SYNC POINT gone, Acquire side in `close`)
            // and we do not touch the ring after this.
            unsafe { self.backing.release(&self.ring) };
        }
    }
}

impl<T> fmt::Debug for Producer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Producer")
            .field("capacity", &self.capacity())
            .field("tail", &self.tail)
            .finish_non_exhaustive()
    }
}
