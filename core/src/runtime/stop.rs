//! [`StopFlag`]: how anyone (a signal handler, a failing thread, a test) asks the core
//! to stop, and with what reason.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::domain::Reason;

/// A shared stop request carrying its [`Reason`]: 0 while running, then the reason's
/// code. Cloning shares the flag.
///
/// It is a plain word so that a signal handler can set it (async-signal-safe: one
/// atomic store), e.g. with `signal_hook::flag::register_usize(SIGTERM,
/// flag.as_arc(), StopFlag::code(Reason::Sigterm))`.
///
/// # Examples
///
/// ```
/// use seamless_core::domain::Reason;
/// use seamless_core::runtime::StopFlag;
/// let flag = StopFlag::new();
/// assert_eq!(flag.reason(), None);
/// flag.clone().request(Reason::Sigint);
/// flag.request(Reason::Sigterm); // the first request wins
/// assert_eq!(flag.reason(), Some(Reason::Sigint));
/// ```
#[derive(Clone, Debug, Default)]
pub struct StopFlag(Arc<AtomicUsize>);

impl StopFlag {
    /// A flag that is not set.
    pub fn new() -> Self {
        StopFlag::default()
    }

    /// The word a signal handler stores to request a stop with `reason`.
    pub fn code(reason: Reason) -> usize {
        usize::from(reason.code())
    }

    /// The shared word itself, for signal-handler registration.
    pub fn as_arc(&self) -> Arc<AtomicUsize> {
        Arc::clone(&self.0)
    }

    /// Requests a stop with `reason`, unless one was already requested.
    pub fn request(&self, reason: Reason) {
        // Relaxed: the flag carries only itself (no data is published with it); the
        // CAS keeps the first reason. Pollers see it within a few loop iterations.
        let _ =
            self.0
                .compare_exchange(0, Self::code(reason), Ordering::Relaxed, Ordering::Relaxed);
    }

    /// The reason requested, if any (an unknown code reads as [`Reason::Signal`]).
    #[inline]
    pub fn reason(&self) -> Option<Reason> {
        // Relaxed: see `request`.
        match self.0.load(Ordering::Relaxed) {
            0 => None,
            code => Some(
                u8::try_from(code)
                    .ok()
                    .and_then(Reason::from_code)
                    .unwrap_or(Reason::Signal),
            ),
        }
    }

    /// True once a stop was requested.
    #[inline]
    pub fn is_set(&self) -> bool {
        // Relaxed: see `request`.
        self.0.load(Ordering::Relaxed) != 0
    }
}
