//! The broadcast event ring: one producer, any number of readers, each with its own
//! cursor; readers that fall a full ring behind are told exactly how much they missed,
//! and *gating* readers are never lapped.
//!
//! The ring lives in a run of `AtomicU64` words (a section of the core's shared-memory
//! region, or any in-process buffer): a header ([`layout`](self) below) and a
//! power-of-two number of fixed-size slots, each `[stamp, payload words...]` padded to a
//! multiple of 64 bytes ([`slot_words`]). Sequence numbers start at the ring's first
//! sequence (1 for a new history) and never repeat; event `seq` lives in slot
//! `seq % capacity` and its stamp is `2 * seq + 1` while being written, `2 * seq` once
//! complete. The header also carries the *published cursor* (the last published
//! sequence) so monitors compute lag without scanning.
//!
//! Readers ([`Reader`]) only use relaxed loads of at most 8 bytes and fences, so they
//! work on a `PROT_READ` mapping. A gating reader's cursor ([`Gate`]) lives in memory
//! the reader owns; the producer only loads it.
//!
//! Progress: publishing is wait-free ([`Producer::publish`], or
//! [`Producer::try_publish`], which returns [`Full`] instead of waiting); reading is
//! wait-free ([`Reader::try_next`] returns `Ok(None)` when nothing is new: a reader
//! never waits for, or slows down, the producer). Waiting is the caller's choice, via
//! [`crate::wait`].
//!
//! # Example
//!
//! ```
//! use std::sync::{Arc, atomic::AtomicU64};
//! use seamless_ipc::broadcast::{advance_gate, ring_words, Gate, Lagged, Producer, Reader, Start};
//!
//! let words: Vec<AtomicU64> =
//!     (0..ring_words::<[u64; 7]>(4).unwrap()).map(|_| AtomicU64::new(0)).collect();
//! // SAFETY: the only producer of `words`.
//! let mut producer =
//!     unsafe { Producer::<[u64; 7]>::create(&words, 4, 1, 2) }.unwrap();
//! let mut monitor = Reader::<[u64; 7]>::attach(&words, Start::Oldest).unwrap();
//!
//! // A gating reader (the persister) registers its cursor: "I still need seq 1".
//! let durable = Arc::new(AtomicU64::new(1));
//! producer.add_gate(Gate::new(durable.clone())).unwrap();
//! for i in 1..=4 {
//!     assert_eq!(producer.try_publish(&[i; 7]), Ok(i));
//! }
//! assert!(producer.try_publish(&[5; 7]).is_err()); // would overwrite seq 1
//! advance_gate(&durable, 3); // seqs 1 and 2 are durable
//! assert_eq!(producer.try_publish(&[5; 7]), Ok(5));
//!
//! // The monitor is not gating: it lost seq 1 and is told so, exactly.
//! assert_eq!(monitor.try_next(), Err(Lagged { missed: 1 }));
//! assert_eq!(monitor.try_next(), Ok(Some((2, [2; 7]))));
//! ```
//!
//! # Implementation
//!
//! The slot protocol is a seqlock per slot (see [`crate::seqlock`] and Boehm, "Can
//! seqlocks get along with programming language memory models?", MSPC 2012), with the
//! sequence number folded into the stamp so one load tells "not yet", "ready" and
//! "overwritten" apart; the sequence-per-slot, cursor-per-reader and gating design is
//! the LMAX Disruptor's (Thompson et al., "Disruptor: High performance alternative to
//! bounded queues", 2011), as in disruptor-rs.
//!
//! 1. Producer, publishing `seq`: stamp `2 * seq + 1` (relaxed), `Release` fence,
//!    payload words (relaxed, [`crate::words::store`]), stamp `2 * seq` (`Release`),
//!    published cursor `seq` (`Release`).
//! 2. Reader at `seq`: stamp (relaxed) + `Acquire` fence. `2 * seq`: copy the payload
//!    (relaxed loads), `Acquire` fence, stamp again; unchanged means the copy is the
//!    event, changed means it was overwritten during the copy (lapped). Below
//!    `2 * seq + 2`: not published yet, `Ok(None)`. Above: lapped.
//! 3. Lapped: resume at `max(stamp / 2, published) - capacity + 1` (the oldest event
//!    possibly still there) and report the skipped count as [`Lagged`]; a resume point
//!    that is itself overwritten by then is caught by its own stamp the same way, so
//!    every sequence is either delivered or counted missed, exactly once.
//! 4. Gates: a gating reader stores "next sequence I need" with `Release` after
//!    reading; the producer keeps `limit = min(gates) + capacity - 1` cached and only
//!    re-reads gates (relaxed + `Acquire` fence) when the next sequence exceeds it,
//!    returning [`Full`] if it still does.
//!
//! This module must never let a reader store to ring memory, use read-modify-write or
//! wider-than-8-byte loads, read payload non-atomically, or let [`Producer::try_publish`]
//! overwrite a sequence at or after a registered gate's cursor; it must never allocate,
//! lock or make a syscall on the publish or read paths.

mod error;
mod gate;
mod layout;
mod producer;
mod reader;

pub use error::{AddGateError, AttachError, Full, InitError, Lagged};
pub use gate::{Gate, GateId, advance_gate};
pub use layout::{HEADER_WORDS, MAGIC, MAX_SEQ, ring_bytes, ring_words, slot_words};
pub use producer::Producer;
pub use reader::{Reader, Start};
