//! [`Runner`] (started/stopped, why, when) and [`Counters`] (how many of what the fold
//! has seen, and the highest order id so ids continue after a restore).
//!
//! Progress: wait-free; plain data.
//!
//! # Example
//!
//! ```
//! use seamless_core::domain::Runner;
//! assert_eq!(Runner::default().status(), None); // never started
//! ```
//!
//! It must never be mutated except through the fold.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use super::codes::{Reason, RunnerStatus};

/// The runner's status (a plain shared-memory record, 4 words).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct Runner {
    /// When it last started (0: never).
    pub started_ns: u64,
    /// When it last stopped (0: never).
    pub stopped_ns: u64,
    /// Number of starts (restarts after restore included).
    pub starts: u64,
    /// [`RunnerStatus`] code (0: never started).
    pub status_code: u8,
    /// [`Reason`] code of the last start or stop.
    pub reason_code: u8,
    /// Explicit padding (zero).
    pub _pad: [u8; 6],
}

impl Runner {
    /// Running or stopped; `None` before the first start.
    #[inline]
    pub const fn status(&self) -> Option<RunnerStatus> {
        RunnerStatus::from_code(self.status_code)
    }

    /// Why it last started or stopped.
    #[inline]
    pub const fn reason(&self) -> Option<Reason> {
        Reason::from_code(self.reason_code)
    }

    /// Records a start or a stop.
    pub(crate) fn set(&mut self, status: RunnerStatus, reason: Reason, ts_ns: u64) {
        (self.status_code, self.reason_code) = (status.code(), reason.code());
        match status {
            RunnerStatus::Running => {
                self.started_ns = ts_ns;
                self.starts += 1;
            }
            RunnerStatus::Stopped => self.stopped_ns = ts_ns,
        }
    }
}

/// Event counts and the highest order id (a plain shared-memory record, 8 words).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct Counters {
    /// Events applied.
    pub events: u64,
    /// `signal_detected` events.
    pub signals: u64,
    /// `order_submitted` events.
    pub orders: u64,
    /// `order_rejected` events.
    pub rejections: u64,
    /// `trade_executed` events.
    pub fills: u64,
    /// `monitor_triggered` events.
    pub monitor_triggers: u64,
    /// `position_synced` events.
    pub syncs: u64,
    /// Highest order id seen in `order_submitted`, `order_rejected` or `trade_executed`.
    pub last_order_id: u64,
}
