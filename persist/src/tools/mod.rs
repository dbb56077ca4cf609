//! The `seamless log` tools: [`verify`](verify::verify), [`dump`](dump::for_each_event)
//! and [`stats`](stats::stats). They only read, and need no running process.
//!
//! Progress: blocking file I/O.
//!
//! It must never write to the data directory.

pub mod dump;
pub mod stats;
pub mod verify;
mod walk;

pub use walk::{Ctx, Problem, SegmentInfo, Severity, Walked};
