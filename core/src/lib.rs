//! seamless-core: the trading domain, the engine's decision logic, feeds, strategies,
//! risk and the paper broker.
//!
//! - [`domain`]: fixed-point values, instruments, events and their wire/JSON forms, and
//!   the state fold ([`State::apply`]). Pure and allocation-free on the hot path; the
//!   persister and restore reuse it to rebuild state exactly.
//! - [`feed`]: market data: the synthetic random walk and CSV replay (ticks or bars),
//!   paced; normalised to fixed-point [`feed::Tick`]s.
//! - [`strategy`]: the [`strategy::Strategy`] trait users implement, and the built-in
//!   SMA cross.
//! - [`risk`]: order limits, the daily loss limit, stop-loss/take-profit levels.
//! - [`broker`]: the paper broker and the order/reply records that cross the rings.
//! - [`engine`]: the single writer of state: every input becomes events through one
//!   `emit` path (apply to the fold, publish, mark dirty rows).
//! - [`shared`]: the shared-memory region's layout, the core's writers (state rows,
//!   `state_version`, the event ring) and the readers' typed view and JSON snapshot.
//! - [`runtime`]: the core process: pinned feed, engine and broker threads over SPSC
//!   rings, housekeeping (heartbeat, reader discovery, metrics), clean stop.
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
pub mod reconcile;
pub mod risk;
pub mod runtime;
pub mod shared;
pub mod strategy;

pub use domain::{
    Event, EventBody, EventKind, EventRecord, InstrumentId, Instruments, Money, Price, Qty, Side,
    State,
};
