//! [`Monitor`]: the stop-loss/take-profit levels armed for one instrument's position.
//!
//! The engine checks armed monitors against live prices; the fold only records arming,
//! triggering, and the implicit disarm when a fill leaves the position flat or flips it
//! (the levels were for the old direction).
//!
//! Progress: wait-free; plain data.
//!
//! # Example
//!
//! ```
//! use seamless_core::domain::Monitor;
//! let m = Monitor::default();
//! assert!(!m.is_armed() && m.stop().is_none() && m.target().is_none());
//! ```
//!
//! It must never be mutated except through the fold.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use super::codes::Trigger;
use super::fixed::Price;

/// One instrument's monitor (a plain shared-memory record, 7 words).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct Monitor {
    /// Stop-loss level (valid when `has_stop`).
    pub stop_price: Price,
    /// Take-profit level (valid when `has_target`).
    pub target_price: Price,
    /// When it was last armed.
    pub armed_ns: u64,
    /// When it last fired (0: never).
    pub triggered_ns: u64,
    /// The market price that last fired it.
    pub trigger_price: Price,
    /// Times it has fired.
    pub triggers: u64,
    /// 1 while armed.
    pub armed: u8,
    /// 1 if a stop-loss is set.
    pub has_stop: u8,
    /// 1 if a take-profit is set.
    pub has_target: u8,
    /// [`Trigger`] code of the last firing (0: never).
    pub last_trigger: u8,
    /// Explicit padding (zero).
    pub _pad: [u8; 4],
}

impl Monitor {
    /// `true` while armed.
    #[inline]
    pub const fn is_armed(&self) -> bool {
        self.armed != 0
    }

    /// The stop-loss level, when armed with one.
    #[inline]
    pub const fn stop(&self) -> Option<Price> {
        if self.armed != 0 && self.has_stop != 0 {
            Some(self.stop_price)
        } else {
            None
        }
    }

    /// The take-profit level, when armed with one.
    #[inline]
    pub const fn target(&self) -> Option<Price> {
        if self.armed != 0 && self.has_target != 0 {
            Some(self.target_price)
        } else {
            None
        }
    }

    /// Which level last fired.
    #[inline]
    pub const fn last_trigger(&self) -> Option<Trigger> {
        Trigger::from_code(self.last_trigger)
    }

    /// Arms with these levels.
    pub(crate) fn arm(&mut self, stop: Option<Price>, target: Option<Price>, ts_ns: u64) {
        self.armed = 1;
        self.has_stop = u8::from(stop.is_some());
        self.has_target = u8::from(target.is_some());
        self.stop_price = stop.unwrap_or(Price::ZERO);
        self.target_price = target.unwrap_or(Price::ZERO);
        self.armed_ns = ts_ns;
    }

    /// Records a firing, which disarms it.
    pub(crate) fn fired(&mut self, trigger: Trigger, price: Price, ts_ns: u64) {
        self.disarm();
        (self.triggered_ns, self.trigger_price) = (ts_ns, price);
        self.last_trigger = trigger.code();
        self.triggers += 1;
    }

    /// Disarms (levels are kept for display).
    #[inline]
    pub(crate) fn disarm(&mut self) {
        self.armed = 0;
    }
}
