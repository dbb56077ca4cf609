//! The single-producer single-consumer ring: the hand-off between pinned threads (and,
//! through [`shm`], between processes).
//!
//! A bounded FIFO of `T` with exactly one [`Producer`] and one [`Consumer`]. The hot
//! calls never allocate, lock, log or make a system call.
//!
//! Progress: [`Producer::try_push`] and [`Consumer::try_pop`] are **wait-free** (a fixed
//! number of steps, whatever the other thread does); the batch calls are wait-free for
//! a bounded batch ([`Producer::push_iter`] and [`Consumer::pop_batch`] as long as the
//! caller's iterator or closure is). [`Producer::push_wait`] and [`Consumer::pop_wait`]
//! **block** through a [`Waiter`](crate::wait::Waiter) and return
//! [`Abandoned`] instead of waiting forever once the other half is dropped.
//!
//! # Example
//!
//! ```
//! use seamless_ipc::spsc;
//! use seamless_ipc::wait::{WaitStrategy, Waiter};
//!
//! let (mut tx, mut rx) = spsc::channel::<u64>(1024);
//! let consumer = std::thread::spawn(move || {
//!     let mut waiter = Waiter::new(WaitStrategy::Backoff);
//!     let mut sum = 0;
//!     // Ends when the producer is dropped and the ring is drained.
//!     while let Ok(v) = rx.pop_wait(&mut waiter) {
//!         sum += v;
//!     }
//!     sum
//! });
//! for chunk in (0..1000u64).collect::<Vec<_>>().chunks(100) {
//!     let mut rest = chunk;
//!     let mut waiter = Waiter::new(WaitStrategy::Backoff);
//!     while !rest.is_empty() {
//!         let n = tx.push_slice(rest); // publishes the tail once per batch
//!         rest = &rest[n..];
//!         if n == 0 {
//!             waiter.wait();
//!         }
//!     }
//! }
//! drop(tx);
//! assert_eq!(consumer.join().unwrap(), 499_500);
//! ```
//!
//! # Implementation
//!
//! A hybrid of Lamport's ring with cached indices and FastForward's per-slot
//! full/empty flags:
//!
//! 1. The block is a header and a power-of-two number of slots (`layout.rs`):
//!    `head` (written only by the consumer), `tail` (written only by the producer) and a
//!    `state` word (attach/gone bits) each on its own `CachePadded` line pair. Positions
//!    are `u64` counters that never wrap in practice; a position's slot is
//!    `pos & (capacity - 1)`. One algorithm (`ring.rs`) serves both front-ends:
//!    [`channel`] puts the block on the heap, [`shm`] in a caller's mapping.
//! 2. Each slot carries a **stamp**: the producer writes the value, then stores
//!    `stamp = pos + 1` with Release (SYNC POINT slot-full). The consumer polls the
//!    stamp of *its next slot* with Acquire and takes the value when it reads `pos + 1`.
//!    So the consumer never reads the producer's `tail` to pop: a hand-off moves one
//!    cache line (the slot) instead of two (tail, then slot) — the point of
//!    FastForward (Giacomoni, Moseley, Vachharajani, PPoPP 2008) and of the Disruptor's
//!    sequence-stamped entries (Thompson et al., 2011; Vyukov's bounded queue stamps
//!    cells the same way).
//! 3. The consumer never writes a slot (no "clear the flag" as in FastForward, which
//!    would pull the line back). It publishes its position to `head` with Release
//!    (SYNC POINT slot-free); the producer keeps a **cached head** and re-loads `head`
//!    with Acquire only when the cache says the ring is full — Lamport's queue
//!    (Lamport, "Specifying concurrent program modules", TOPLAS 1983) with the
//!    cached-index refinement of rtrb (`Producer::cached_head`) and Rigtorp's
//!    SPSCQueue. With room to spare, the producer never touches the consumer's line.
//! 4. The producer also publishes `tail` (Release, SYNC POINT tail) after each push or
//!    batch, on its own line: only `Consumer::len` and the last half out read it.
//! 5. Batches write their slots (each stamped as it is written) and publish `tail` once;
//!    `pop_batch` reads a run of stamped slots and publishes `head` once, so the
//!    producer sees the freed slots together.
//! 6. Dropping a half publishes its index, then sets its `*_GONE` bit with an AcqRel
//!    `fetch_or` (SYNC POINT gone). The half that finds the other's bit already set is
//!    the last one out: for a heap ring it drops the values in `head..tail` and frees
//!    the block. The blocking calls check the other's bit only when they would wait.
//!
//! Why a hybrid: a scratch ping-pong (two pinned threads, two rings of `u64`, 3·10^5
//! round trips timed with `rdtsc`, release build) on the development box, a 2-vCPU AMD
//! EPYC (Zen 3) KVM guest shared with other builds, 2026-11-23. Round trip p50 /
//! p99.9, ns: floor (two padded atomics) 100–110 / 310–370; this ring 80–90 / 210–400;
//! rtrb 80–120 / 270–600; crossbeam `ArrayQueue` 210–250 / 520–600. The same ring with
//! an rtrb-style consumer (poll a cached `tail`, then read the slot) was 10–25% slower
//! than polling the stamp, more so when the host's transfers are slow (the floor jumps
//! to ~400 ns at times). Timing groups of ten back-to-back round trips instead, rtrb's
//! p50 was sometimes lower (83–88 vs 100–104 ns, also under the floor's). Streaming
//! `u64` through 4096 slots: 100–135 M/s here against rtrb's 94–106 M/s in the same
//! runs. The lead's bench harness (`benches/`) holds the real numbers.
//!
//! Small slots share cache lines, so under streaming the producer writing slot `i + 1`
//! can invalidate the line the consumer is reading slot `i` from (false sharing between
//! adjacent slots). It costs at most the line transfer rtrb pays on its `tail`
//! per pop when the ring runs near empty; with a backlog the consumer reads lines the
//! producer has finished with. Batches amortise it further.
//!
//! This module must never: hand out a second producer or consumer for a ring; read a
//! slot whose stamp is not the expected one; overwrite a slot the consumer has not
//! released; block, allocate or make a system call in `try_*` or the batch calls.

mod channel;
mod consumer;
mod error;
mod layout;
mod producer;
mod ring;

#[cfg(not(loom))]
pub mod shm;

pub use channel::{channel, try_channel};
pub use consumer::Consumer;
pub use error::{Abandoned, CapacityError, Full};
pub use producer::Producer;
