//! seamless-bridge: pushes a core's live state and events to browsers, serves the
//! dashboard, Prometheus metrics and a health check, without ever slowing the core.
//!
//! A [`Bridge`] is one blocking reader thread ([`hub`]) that attaches **read-only** to
//! an instance's region as a **non-gating** reader, and an axum server on tokio
//! ([`routes`], [`stream`]) that hands every client a snapshot and then the events, in
//! order, over WebSocket (`/ws`) or Server-Sent Events (`/events`). Critical events go
//! out at once; routine ones are conflated per key at `throttle_hz` ([`push`]). A slow
//! client is resynchronised from a snapshot instead of growing a queue ([`session`]).
//! [`access`] guards every request (Host allowlist, Origin, bearer token).
//!
//! Progress: the reader thread never waits for the core and never blocks on a
//! client; everything else is async on the bridge's own runtime.
//!
//! # Example
//!
//! ```no_run
//! use seamless_bridge::{Bridge, Options};
//! let bridge = Bridge::start(Options::new("default"))?; // 127.0.0.1:8787
//! println!("http://{}/", bridge.local_addr());
//! bridge.join()?; // until its stop flag is set
//! # Ok::<(), seamless_bridge::BridgeError>(())
//! ```
//!
//! # Implementation
//!
//! 1. [`hub::feeder`]: attach, snapshot, follow the ring (spin, yield, then a 0.1 ms poll),
//!    event JSON once per event, push policy, one bounded broadcast channel.
//! 2. [`session`]: per client, the subscription's first messages then the channel,
//!    filtered to the client's next sequence; lag means resync.
//! 3. [`stream`]: the session over a WebSocket or as SSE; [`routes`]: the rest.
//!    (The split of one reader feeding many connections follows Aeron's and
//!    Disruptor's single-writer principle; see docs/decisions/0008-bridge-axum.md.)
//!
//! It must never write to the core's region, gate the core, or offer an endpoint
//! that changes trading state.

#![deny(unsafe_op_in_unsafe_fn)]
#![deny(missing_docs)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod access;
pub mod bench;
pub mod dashboard;
mod error;
pub mod hub;
pub mod message;
pub mod metrics;
mod options;
pub mod push;
pub mod query;
pub mod routes;
mod server;
pub mod session;
pub mod status;
pub mod stream;

pub use error::BridgeError;
pub use options::Options;
pub use server::Bridge;
