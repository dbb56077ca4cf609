//! Streaming throughput: one pinned producer pushes `1..=n` as fast as it can, one
//! pinned consumer pops and checks the order; the figure is items per second.
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

/// The sending half of a transport under test.
pub trait Sink: Send + 'static {
    /// Tries to push `v`; false when full.
    fn try_push(&mut self, v: u64) -> bool;
}

/// The receiving half of a transport under test.
pub trait Source: Send + 'static {
    /// Tries to pop a value.
    fn try_pop(&mut self) -> Option<u64>;
}

/// Streams `n` items from `tx` to `rx`; returns items per second.
///
/// # Panics
///
/// If an item arrives out of order or twice (a transport bug).
pub fn run<T: Sink, R: Source>(mut tx: T, mut rx: R, n: u64, cores: &Cores) -> f64 {
    let barrier = Arc::new(Barrier::new(2));
    let (pc, pb) = (cores.clone(), barrier.clone());
    let producer = thread::spawn(move || {
        pc.pin(0);
        pb.wait();
        for v in 1..=n {
            while !tx.try_push(v) {
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
                assert_eq!(v, expect, "stream out of order");
                expect += 1;
            }
            None => std::hint::spin_loop(),
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    producer.join().expect("producer panicked");
    n as f64 / secs.max(1e-9)
}

impl Sink for rtrb::Producer<u64> {
    #[inline]
    fn try_push(&mut self, v: u64) -> bool {
        self.push(v).is_ok()
    }
}

impl Source for rtrb::Consumer<u64> {
    #[inline]
    fn try_pop(&mut self) -> Option<u64> {
        self.pop().ok()
    }
}

/// Both halves of a crossbeam `ArrayQueue` (it is MPMC, so one shared queue).
#[derive(Debug, Clone)]
pub struct SharedArrayQueue(pub Arc<crossbeam_queue::ArrayQueue<u64>>);

impl Sink for SharedArrayQueue {
    #[inline]
    fn try_push(&mut self, v: u64) -> bool {
        self.0.push(v).is_ok()
    }
}

impl Source for SharedArrayQueue {
    #[inline]
    fn try_pop(&mut self) -> Option<u64> {
        self.0.pop()
    }
}
