//! Streaming throughput: one pinned producer pushes `1..=n` as fast as it can, one
//! pinned consumer pops and checks the order; the figure is items per second. Items
//! are `u64` (the classic queue benchmark) or [`Rec56`], a 56-byte record the size of
//! the core's event record (what its rings and the event ring carry).
//!
//! Implementation:
//! 1. Both threads start together on a barrier, producer on core 0, consumer on core 1.
//! 2. The clock runs on the consumer from the barrier to the last item received, so
//!    the figure includes the drain of whatever is still queued.
//! 3. Every item is checked (`== previous + 1`) before the figure is trusted.

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Instant;

use crate::pin::Cores;

/// An item streamed: made from its sequence number, which it gives back.
pub trait Item: Copy + Send + 'static {
    /// The item for sequence number `v`.
    fn make(v: u64) -> Self;
    /// Its sequence number.
    fn seq(&self) -> u64;
}

impl Item for u64 {
    #[inline]
    fn make(v: u64) -> Self {
        v
    }
    #[inline]
    fn seq(&self) -> u64 {
        *self
    }
}

/// A 56-byte record (seven words; the first is the sequence number).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rec56(pub [u64; 7]);

impl Item for Rec56 {
    #[inline]
    fn make(v: u64) -> Self {
        Rec56([v, v ^ 1, v ^ 2, v ^ 3, v ^ 4, v ^ 5, v ^ 6])
    }
    #[inline]
    fn seq(&self) -> u64 {
        self.0[0]
    }
}

/// The sending half of a transport under test.
pub trait Sink<I = u64>: Send + 'static {
    /// Tries to push `v`; false when full.
    fn try_push(&mut self, v: I) -> bool;
}

/// The receiving half of a transport under test.
pub trait Source<I = u64>: Send + 'static {
    /// Tries to pop a value.
    fn try_pop(&mut self) -> Option<I>;
}

/// Streams `n` items from `tx` to `rx`; returns items per second.
///
/// # Panics
///
/// If an item arrives out of order or twice (a transport bug).
pub fn run<I: Item, T: Sink<I>, R: Source<I>>(mut tx: T, mut rx: R, n: u64, cores: &Cores) -> f64 {
    let barrier = Arc::new(Barrier::new(2));
    let (pc, pb) = (cores.clone(), barrier.clone());
    let producer = thread::spawn(move || {
        pc.pin(0);
        pb.wait();
        for v in 1..=n {
            let item = I::make(v);
            while !tx.try_push(item) {
                std::hint::spin_loop();
            }
        }
    });
    cores.pin(1);
    barrier.wait();
    let t0 = Instant::now();
    let mut expect = 1;
    while expect <= n {
        match rx.try_pop() {
            Some(v) => {
                assert_eq!(v.seq(), expect, "stream out of order");
                expect += 1;
            }
            None => std::hint::spin_loop(),
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    producer.join().expect("producer panicked");
    n as f64 / secs.max(1e-9)
}

impl<I: Item> Sink<I> for rtrb::Producer<I> {
    #[inline]
    fn try_push(&mut self, v: I) -> bool {
        self.push(v).is_ok()
    }
}

impl<I: Item> Source<I> for rtrb::Consumer<I> {
    #[inline]
    fn try_pop(&mut self) -> Option<I> {
        self.pop().ok()
    }
}

/// Both halves of a crossbeam `ArrayQueue` (it is MPMC, so one shared queue).
#[derive(Debug)]
pub struct SharedArrayQueue<I = u64>(pub Arc<crossbeam_queue::ArrayQueue<I>>);

impl<I> Clone for SharedArrayQueue<I> {
    fn clone(&self) -> Self {
        SharedArrayQueue(Arc::clone(&self.0))
    }
}

impl<I: Item> Sink<I> for SharedArrayQueue<I> {
    #[inline]
    fn try_push(&mut self, v: I) -> bool {
        self.0.push(v).is_ok()
    }
}

impl<I: Item> Source<I> for SharedArrayQueue<I> {
    #[inline]
    fn try_pop(&mut self) -> Option<I> {
        self.0.pop()
    }
}
