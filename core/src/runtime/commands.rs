//! What the housekeeping thread asks of the engine thread, and what comes back, over a
//! pair of SPSC rings.
//!
//! Everything that allocates or frees stays on the housekeeping side: gates are built
//! there and come back there to be dropped, and histograms travel as `Box`es both
//! ways, so the engine only moves pointers.

use hdrhistogram::Histogram;
use seamless_ipc::broadcast::{AddGateError, Gate};

/// Slots in each of the two rings (far more than the gate table and one histogram
/// can ever have in flight).
pub(crate) const RING_SLOTS: usize = 64;

/// Gates the event ring's table holds: the persister, plus a few gating tools.
pub const MAX_GATES: usize = 8;

/// A latency histogram that moves between threads.
pub(crate) type BoxedHistogram = Box<Histogram<u64>>;

/// Housekeeping -> engine.
pub(crate) enum Command {
    /// Register a gating reader's cursor; `token` (< [`MAX_GATES`]) names it in replies.
    AddGate { token: usize, gate: Gate },
    /// Unregister the gate of `token`.
    RemoveGate { token: usize },
    /// Swap: record into this empty histogram from now on, send the current one back.
    Histogram(BoxedHistogram),
    /// The ring crossed `gating.nearly_full_pct` (up: `nearly_full`) or drained below
    /// half of it, holding `held` events the gating readers still need. No reply.
    RingPressure { nearly_full: bool, held: u64 },
}

/// Engine -> housekeeping.
pub(crate) enum Reply {
    /// The gate of `token` is registered.
    GateAdded { token: usize },
    /// The gate of `token` was refused; the gate comes back inside the error.
    GateRefused { token: usize, error: AddGateError },
    /// The gate of `token` is unregistered (`None` if it was not registered).
    GateRemoved { token: usize, gate: Option<Gate> },
    /// The interval histogram that was being recorded into.
    Histogram(BoxedHistogram),
}
