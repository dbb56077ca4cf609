//! seamless-ipc: the shared-memory layer of seamless, and nothing about trading.
//!
//! Building blocks, from the bottom up:
//!
//! - [`sync`](crate) (private): the atomics shim that swaps in loom under `--cfg loom`.
//! - [`wait`]: wait strategies (`spin`, `spin_yield`, `backoff`).
//! - [`words`]: word-wise atomic copies of zerocopy records, shared by the seqlock and
//!   the broadcast ring.
//! - [`spsc`]: the single-producer single-consumer ring, in-process and over shared
//!   memory.
//! - [`seqlock`]: a one-writer many-reader cell whose readers only load.
//! - [`broadcast`]: the one-producer many-reader event ring with lapping detection and
//!   gating readers.
//! - [`shm`]: named files under /dev/shm: exclusive create, read-only attach, liveness
//!   by `flock`.
//! - [`region`]: the core's region: header, validation, sections.
//! - [`reader_slot`]: the small segment each reader owns (pid, kind, heartbeat, cursor).
//!
//! Every `unsafe` block names its invariant in a `// SAFETY:` comment; every ordering
//! weaker than `SeqCst` says why it suffices.

#![deny(unsafe_op_in_unsafe_fn)]
#![deny(missing_docs)]
#![warn(clippy::undocumented_unsafe_blocks)]

mod sync;

pub mod broadcast;
pub mod seqlock;
pub mod spsc;
pub mod wait;
pub mod words;

#[cfg(not(loom))]
pub mod reader_slot;
#[cfg(not(loom))]
pub mod region;
#[cfg(not(loom))]
pub mod shm;
