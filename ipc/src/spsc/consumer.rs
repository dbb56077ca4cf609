//! The reading half of a ring.

use std::fmt;

use super::error::Abandoned;
use super::layout::{CONSUMER_GONE, PRODUCER_GONE};
use super::ring::{Backing, RingRaw};
use crate::sync::Ordering;
use crate::wait::Waiter;

/// The reading half of an SPSC ring: made by [`channel`](super::channel) or
/// [`shm::consumer`](super::shm::consumer).
///
/// `Send` (move it to the consuming thread) but not `Sync`: there is exactly one
/// consumer, and every method that reads values takes `&mut self`.
///
/// ```compile_fail
/// fn sync<S: Sync>() {}
/// sync::<seamless_ipc::spsc::Consumer<u64>>();
/// ```
pub struct Consumer<T> {
    ring: RingRaw<T>,
    /// Next position to read. Only this half changes it; published to `Header::head`
    /// after each pop and batch. Invariant: `head <= tail`.
    head: u64,
    backing: Backing,
}

// SAFETY: a `Consumer` is the only handle allowed to read slots and write the head;
// moving it to another thread moves that right with it. Values of `T` arrive from the
// producer's thread, hence `T: Send`. The `Backing` is `Send`.
unsafe impl<T: Send> Send for Consumer<T> {}

impl<T> Consumer<T> {
    /// The consumer half over `ring`, starting from the head in its header.
    pub(crate) fn new(ring: RingRaw<T>, backing: Backing) -> Self {
        // Relaxed: the caller made the header visible to this thread (the heap block is
        // ours; `shm::attach` loaded the magic with Acquire, SYNC POINT init).
        let head = ring.header().head.load(Ordering::Relaxed);
        Consumer {
            ring,
            head,
            backing,
        }
    }

    /// Number of slots.
    pub fn capacity(&self) -> usize {
        self.ring.capacity() as usize
    }

    /// Pops the oldest value, or `None` if the ring is empty. Wait-free.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = seamless_ipc::spsc::channel::<u32>(2);
    /// assert_eq!(rx.try_pop(), None);
    /// tx.try_push(7).unwrap();
    /// assert_eq!(rx.try_pop(), Some(7));
    /// ```
    #[inline]
    pub fn try_pop(&mut self) -> Option<T> {
        // SAFETY: we are the consumer and `head` is our next position.
        let value = unsafe { self.ring.read(self.head) }?;
        self.head = self.head.wrapping_add(1);
        self.publish_head();
        Some(value)
    }

    /// Pops up to `max` values, handing each to `f` in order, and returns how many.
    /// Publishes the head once, after the batch: the producer sees the freed slots
    /// together. Wait-free if `f` is.
    ///
    /// If `f` panics, the values already handed over count as popped and the rest stay
    /// in the ring.
    ///
    /// # Examples
    ///
    /// ```
    /// let (mut tx, mut rx) = seamless_ipc::spsc::channel::<u32>(8);
    /// tx.push_slice(&[1, 2, 3, 4, 5]);
    /// let mut got = Vec::new();
    /// assert_eq!(rx.pop_batch(3, |v| got.push(v)), 3);
    /// assert_eq!(rx.pop_batch(usize::MAX, |v| got.push(v)), 2);
    /// assert_eq!(got, [1, 2, 3, 4, 5]);
    /// ```
    pub fn pop_batch(&mut self, max: usize, mut f: impl FnMut(T)) -> usize {
        let mut n = 0;
        while n < max {
            // SAFETY: we are the consumer and `head` is our next position.
            let Some(value) = (unsafe { self.ring.read(self.head) }) else {
                break;
            };
            // Advanced before `f`, which may panic: the value is ours now, and `Drop`
            // publishes the head so the last one out does not drop it again.
            self.head = self.head.wrapping_add(1);
            n += 1;
            f(value);
        }
        if n > 0 {
            self.publish_head();
        }
        n
    }

    /// Pops the oldest value, waiting with `waiter` while the ring is empty.
    ///
    /// # Errors
    ///
    /// [`Abandoned`] if the ring is empty and the producer is gone: nothing more will
    /// come. Values pushed before the producer was dropped are all popped first.
    ///
    /// # Examples
    ///
    /// ```
    /// use seamless_ipc::{spsc, wait::{WaitStrategy, Waiter}};
    /// let (mut tx, mut rx) = spsc::channel::<u32>(4);
    /// tx.try_push(1).unwrap();
    /// drop(tx);
    /// let mut waiter = Waiter::new(WaitStrategy::Spin);
    /// assert_eq!(rx.pop_wait(&mut waiter), Ok(1));
    /// assert!(rx.pop_wait(&mut waiter).is_err());
    /// ```
    pub fn pop_wait(&mut self, waiter: &mut Waiter) -> Result<T, Abandoned> {
        loop {
            if let Some(value) = self.try_pop() {
                waiter.reset();
                return Ok(value);
            }
            if self.is_abandoned() {
                // The Acquire in `is_abandoned` (SYNC POINT gone) made every push before
                // the producer's drop visible: look once more, then give up.
                return self.try_pop().ok_or(Abandoned(()));
            }
            waiter.wait();
        }
    }

    /// Number of values ready to pop (a lower bound: the producer may push more). Every
    /// one of them will be returned by the pops that follow.
    pub fn len(&self) -> usize {
        // SYNC POINT tail (Acquire): pairs with the producer's Release store of tail, so
        // the stamps of the counted values are visible to our next pops.
        let tail = self.ring.header().tail.load(Ordering::Acquire);
        // `min`: a corrupt shared tail (another process) cannot make us report more
        // than the ring holds.
        tail.wrapping_sub(self.head).min(self.ring.capacity()) as usize
    }

    /// True if [`try_pop`](Self::try_pop) would find nothing right now.
    pub fn is_empty(&self) -> bool {
        !self.ring.is_published(self.head)
    }

    /// True once the producer half has been dropped (values it pushed may remain).
    pub fn is_abandoned(&self) -> bool {
        self.ring.is_gone(PRODUCER_GONE)
    }

    /// Publishes `head`, releasing the slots below it to the producer.
    #[inline]
    fn publish_head(&self) {
        // SYNC POINT slot-free (Release): our reads of the slots below head happen-before
        // the producer's Acquire load of head and so before it overwrites them.
        self.ring.header().head.store(self.head, Ordering::Release);
    }
}

impl<T> Drop for Consumer<T> {
    fn drop(&mut self) {
        // After a panic inside `pop_batch`'s callback the head is not yet published;
        // publish it so the last one out does not drop the values handed over.
        self.publish_head();
        if self.ring.close(CONSUMER_GONE, PRODUCER_GONE) {
            // SAFETY: the producer is gone (SYNC POINT gone, Acquire side in `close`)
            // and we do not touch the ring after this.
            unsafe { self.backing.release(&self.ring) };
        }
    }
}

impl<T> fmt::Debug for Consumer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Consumer")
            .field("capacity", &self.capacity())
            .field("head", &self.head)
            .finish_non_exhaustive()
    }
}
