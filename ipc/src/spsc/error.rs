//! The ring's error types, one per failing operation.

use std::fmt;

/// [`Producer::try_push`](super::Producer::try_push) found every slot taken; the value
/// is handed back.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Full<T>(pub T);

impl<T> fmt::Debug for Full<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Full(..)")
    }
}

impl<T> fmt::Display for Full<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the ring is full")
    }
}

impl<T> std::error::Error for Full<T> {}

/// A blocking operation would wait forever: the other half of the ring was dropped.
/// [`Producer::push_wait`](super::Producer::push_wait) hands its value back in it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Abandoned<T = ()>(pub T);

impl<T> fmt::Debug for Abandoned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Abandoned(..)")
    }
}

impl<T> fmt::Display for Abandoned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the other half of the ring is gone")
    }
}

impl<T> std::error::Error for Abandoned<T> {}

/// [`try_channel`](super::try_channel) was asked for more slots than fit in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CapacityError {
    /// The capacity asked for.
    pub requested: usize,
}

impl fmt::Display for CapacityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ring capacity {} is too large for the address space",
            self.requested
        )
    }
}

impl std::error::Error for CapacityError {}
