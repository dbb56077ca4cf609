//! The broadcast ring's per-operation errors.

use std::fmt;

use super::gate::Gate;

/// [`try_publish`](super::Producer::try_publish) refused: publishing would overwrite an
/// event a gating reader still needs. Nothing was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Full {
    /// The sequence that would have been published.
    pub seq: u64,
    /// The oldest sequence a gating reader still needs (the smallest gate cursor).
    pub needed: u64,
}

impl fmt::Display for Full {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "event ring full: publishing {} would overwrite {}, which a gating reader still needs",
            self.seq, self.needed
        )
    }
}

impl std::error::Error for Full {}

/// The reader fell behind by more than the ring's capacity: `missed` events were
/// overwritten before it read them. The reader has already moved to the oldest event
/// still available; the next [`try_next`](super::Reader::try_next) continues there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lagged {
    /// Events lost, exactly: the reader's cursor moved forward by this much.
    pub missed: u64,
}

impl fmt::Display for Lagged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "reader lagged: {} events overwritten before read",
            self.missed
        )
    }
}

impl std::error::Error for Lagged {}

/// Why a ring could not be initialised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitError {
    /// Capacity is zero, not a power of two, or too large to address.
    BadCapacity {
        /// The capacity asked for.
        capacity: u64,
    },
    /// The memory is smaller than [`ring_bytes`](super::ring_bytes).
    TooSmall {
        /// Bytes needed.
        needed_bytes: usize,
        /// Bytes given.
        got_bytes: usize,
    },
    /// The first sequence is 0 or not below [`MAX_SEQ`](super::MAX_SEQ).
    BadFirstSeq {
        /// The first sequence asked for.
        first_seq: u64,
    },
    /// The pointer is null or not 8-byte aligned.
    Misaligned {
        /// The address given.
        addr: usize,
    },
}

impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InitError::BadCapacity { capacity } => {
                write!(f, "ring capacity {capacity} is not a usable power of two")
            }
            InitError::TooSmall {
                needed_bytes,
                got_bytes,
            } => write!(
                f,
                "ring memory too small: need {needed_bytes} bytes, got {got_bytes}"
            ),
            InitError::BadFirstSeq { first_seq } => {
                write!(f, "ring first sequence {first_seq} out of range")
            }
            InitError::Misaligned { addr } => {
                write!(f, "ring address {addr:#x} is null or not 8-byte aligned")
            }
        }
    }
}

impl std::error::Error for InitError {}

/// Why a view of an existing ring could not be made. Every header field is checked
/// before it is trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachError {
    /// The magic is still 0: the producer has not finished initialising the ring.
    NotInitialized,
    /// The magic is wrong: this memory is not a ring (or the offset is wrong).
    BadMagic {
        /// The word found where the magic belongs.
        found: u64,
    },
    /// The ring carries records of another size than the reader's type.
    RecordMismatch {
        /// Record words recorded in the ring header.
        ring_words: u64,
        /// `T::WORDS` of the reader's type.
        reader_words: u64,
    },
    /// The header's capacity is not a power of two or does not fit in the memory.
    BadCapacity {
        /// The header's capacity.
        capacity: u64,
    },
    /// The memory is smaller than the header says the ring is.
    TooSmall {
        /// Bytes needed.
        needed_bytes: usize,
        /// Bytes given.
        got_bytes: usize,
    },
    /// The header's first sequence is out of range.
    BadFirstSeq {
        /// The header's first sequence.
        first_seq: u64,
    },
    /// The pointer is null or not 8-byte aligned.
    Misaligned {
        /// The address given.
        addr: usize,
    },
}

impl fmt::Display for AttachError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttachError::NotInitialized => f.write_str("event ring not initialised yet"),
            AttachError::BadMagic { found } => {
                write!(f, "not an event ring: magic {found:#018x}")
            }
            AttachError::RecordMismatch {
                ring_words,
                reader_words,
            } => write!(
                f,
                "event ring carries {ring_words}-word records, this reader expects {reader_words}"
            ),
            AttachError::BadCapacity { capacity } => {
                write!(f, "event ring header capacity {capacity} is invalid")
            }
            AttachError::TooSmall {
                needed_bytes,
                got_bytes,
            } => write!(
                f,
                "event ring memory too small: need {needed_bytes} bytes, got {got_bytes}"
            ),
            AttachError::BadFirstSeq { first_seq } => {
                write!(f, "event ring header first sequence {first_seq} is invalid")
            }
            AttachError::Misaligned { addr } => {
                write!(f, "ring address {addr:#x} is null or not 8-byte aligned")
            }
        }
    }
}

impl std::error::Error for AttachError {}

impl From<InitError> for AttachError {
    fn from(e: InitError) -> Self {
        match e {
            InitError::BadCapacity { capacity } => AttachError::BadCapacity { capacity },
            InitError::TooSmall {
                needed_bytes,
                got_bytes,
            } => AttachError::TooSmall {
                needed_bytes,
                got_bytes,
            },
            InitError::BadFirstSeq { first_seq } => AttachError::BadFirstSeq { first_seq },
            InitError::Misaligned { addr } => AttachError::Misaligned { addr },
        }
    }
}

/// [`add_gate`](super::Producer::add_gate) refused; the gate is handed back.
#[derive(Debug)]
pub enum AddGateError {
    /// Every entry of the producer's fixed-size gate table is in use.
    TableFull(Gate),
    /// The gate's cursor asks for an event the ring no longer holds: register again with
    /// a cursor at or after `oldest`.
    Behind {
        /// The gate, handed back.
        gate: Gate,
        /// The oldest sequence still in the ring.
        oldest: u64,
    },
}

impl fmt::Display for AddGateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AddGateError::TableFull(_) => f.write_str("gate table full"),
            AddGateError::Behind { gate, oldest } => write!(
                f,
                "gate cursor {} is behind the oldest event still in the ring ({oldest})",
                gate.cursor()
            ),
        }
    }
}

impl std::error::Error for AddGateError {}
