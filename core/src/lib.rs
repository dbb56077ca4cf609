//! seamless-core: the trading domain, and (to come) the pinned engine, feeds,
//! strategies, risk and the paper broker.
//!
//! - [`domain`]: fixed-point values, instruments, events and their wire/JSON forms, and
//!   the state fold ([`State::apply`]). Pure and allocation-free on the hot path; the
//!   persister and restore reuse it to rebuild state exactly.
//!
//! The crate never depends on tokio, axum or a TUI library: the hot path's dependency
//! tree stays small.

#![deny(unsafe_op_in_unsafe_fn)]
#![deny(missing_docs)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod broker;
pub mod domain;
pub mod engine;
pub mod feed;
pub mod risk;
pub mod strategy;

pub use domain::{
    Event, EventBody, EventKind, EventRecord, InstrumentId, Instruments, Money, Price, Qty, Side,
    State,
};
