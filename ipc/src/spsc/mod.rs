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
//! A hybrid of Lamport's ring with cached indices and FastForward's full/empty flags,
//! with one flag per cache line:
//!
//! 1. The block is a header and a power-of-two number of **groups** (`layout.rs`):
//!    `head` (written only by the consumer), `tail` (written only by the producer) and a
//!    `state` word (attach/gone bits) each on its own `CachePadded` line pair. A group
//!    is one 64-byte line: a stamp and `K` value cells (`K` = 7 for `u64`, 14 for
//!    `u32`, 1 for values over 28 bytes, whose group is then as long as it takes).
//!    Positions are `u64` counters that never wrap in practice; position `pos` lives
//!    in group `(pos / K) % groups`, cell `pos % K` (`K` is a constant per `T`, so
//!    that is a multiply and shifts). The capacity stays the power of two asked for;
//!    the groups hold at least that many cells. One algorithm (`ring.rs`) serves both
//!    front-ends: [`channel`] puts the block on the heap, [`shm`] in a caller's mapping.
//! 2. Each group carries a **stamp**: the producer writes the value, then stores
//!    `stamp = pos + 1` with Release (SYNC POINT slot-full). Positions are written in
//!    order, so a stamp above `pos` says `pos`'s cell is written; stamps of earlier
//!    laps are lower. The consumer polls the stamp of *its next position's group* with
//!    Acquire. So it never reads the producer's `tail` to pop: a hand-off moves one
//!    cache line (value and stamp share it) instead of two (tail, then slot) — the
//!    point of FastForward (Giacomoni, Moseley, Vachharajani, PPoPP 2008) and of the
//!    Disruptor's sequence-stamped entries (Thompson et al., 2011; Vyukov's bounded
//!    queue stamps cells the same way). One stamp per line instead of per value keeps
//!    small values dense: 9.1 bytes per `u64` instead of 16, so streaming moves half
//!    the lines it did with a stamp per value.
//! 3. The consumer never writes a group (no "clear the flag" as in FastForward, which
//!    would pull the line back). It publishes its position to `head` with Release
//!    (SYNC POINT slot-free); the producer keeps a **cached head** and re-loads `head`
//!    with Acquire only when the cache says the ring is full — Lamport's queue
//!    (Lamport, "Specifying concurrent program modules", TOPLAS 1983) with the
//!    cached-index refinement of rtrb (`Producer::cached_head`) and Rigtorp's
//!    SPSCQueue. With room to spare, the producer never touches the consumer's line. A
//!    cell is rewritten only once its previous position is below `head`.
//! 4. The producer also publishes `tail` (Release, SYNC POINT tail) after each push or
//!    batch, on its own line: only `Consumer::len` and the last half out read it.
//! 5. Batches write their cells (each stamped as it is written) and publish `tail` once;
//!    `pop_batch` reads a run of published positions and publishes `head` once, so the
//!    producer sees the freed cells together.
//! 6. Dropping a half publishes its index, then sets its `*_GONE` bit with an AcqRel
//!    `fetch_or` (SYNC POINT gone). The half that finds the other's bit already set is
//!    the last one out: for a heap ring it drops the values in `head..tail` and frees
//!    the block. The blocking calls check the other's bit only when they would wait.
//!
//! Why this layout: docs/decisions/0010-ring-slot-stamps.md has the measurements (a
//! stamp per value: `u64` streaming 0.70-0.77x rtrb; a stamp per line: 1.01-1.26x, and
//! a lower ping-pong round trip; an rtrb-style consumer polling `tail`: a second line
//! per hand-off). `benches/examples/ring_layouts.rs` reruns the comparison.
//!
//! Values sharing a line means the producer writing position `i + 1` can invalidate
//! the line the consumer is reading position `i` from. Under streaming that costs at
//! most the line transfer rtrb pays on its `tail` per pop when the ring runs near
//! empty; with a backlog the consumer reads lines the producer has finished with.
//! Batches amortise it further.
//!
//! This module must never: hand out a second producer or consumer for a ring; read a
//! cell whose stamp does not cover its position; overwrite a cell the consumer has not
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
