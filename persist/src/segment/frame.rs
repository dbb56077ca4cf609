//! The record frame: one event in a segment, 80 bytes.
//!
//! Progress: wait-free; encoding appends 80 bytes, checking is two hardware CRC32C
//! calls and a few compares, no allocation.
//!
//! # Implementation
//!
//! 1. Layout (little-endian):
//!
//!    | bytes  | field   | type                                              |
//!    |--------|---------|---------------------------------------------------|
//!    | 0..4   | length  | u32, payload bytes (56 in schema 1)               |
//!    | 4..8   | CRC32C  | u32 over bytes 0..4 and 8..80                     |
//!    | 8..16  | seq     | u64 sequence number                               |
//!    | 16..24 | ts_ns   | u64 event time (= the payload's)                  |
//!    | 24..80 | payload | the [`EventRecord`] bytes                         |
//!
//! 2. The checksum covers length, sequence, time and payload, so a flipped bit
//!    anywhere but in the checksum itself fails it, and a flipped checksum bit fails
//!    the comparison. CRC32C detects every burst error up to 32 bits
//!    (Castagnoli, Bräuer, Herrmann, "Optimization of cyclic redundancy-check codes
//!    with 24 and 32 parity bits", IEEE Trans. Commun. 41(6), 1993).
//!
//! It must never hand out a record whose checksum, length or time field is wrong.

use seamless_core::domain::EventRecord;
use zerocopy::byteorder::little_endian::{U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::format::{PAYLOAD_BYTES, RECORD_BYTES};

/// One stored record.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned)]
#[repr(C)]
pub(crate) struct FrameLe {
    len: U32,
    crc: U32,
    seq: U64,
    ts_ns: U64,
    payload: [u8; EventRecord::SIZE],
}

const _: () = assert!(size_of::<FrameLe>() == RECORD_BYTES);

/// What is wrong with a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FrameDefect {
    /// The length field is not the payload size.
    Length(u32),
    /// The checksum does not match.
    Checksum {
        /// Stored.
        stored: u32,
        /// Computed.
        computed: u32,
    },
    /// The time field disagrees with the payload's.
    Time,
}

impl std::fmt::Display for FrameDefect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameDefect::Length(n) => write!(f, "record length {n}, expected {PAYLOAD_BYTES}"),
            FrameDefect::Checksum { stored, computed } => write!(
                f,
                "checksum mismatch (stored {stored:#010x}, computed {computed:#010x})"
            ),
            FrameDefect::Time => f.write_str("time field disagrees with the payload"),
        }
    }
}

fn checksum(bytes: &[u8]) -> u32 {
    crc32c::crc32c_append(crc32c::crc32c(&bytes[0..4]), &bytes[8..RECORD_BYTES])
}

/// Appends the frame of `(seq, record)` to `out`.
pub(crate) fn encode(seq: u64, record: &EventRecord, out: &mut Vec<u8>) {
    let mut frame = FrameLe {
        len: U32::new(PAYLOAD_BYTES),
        crc: U32::ZERO,
        seq: U64::new(seq),
        ts_ns: U64::new(record.ts_ns()),
        payload: [0; EventRecord::SIZE],
    };
    frame.payload.copy_from_slice(record.as_bytes());
    frame.crc = U32::new(checksum(frame.as_bytes()));
    out.extend_from_slice(frame.as_bytes());
}

/// Checks one frame (`bytes` is exactly [`RECORD_BYTES`] long) and returns its
/// sequence number and record.
#[inline]
pub(crate) fn check(bytes: &[u8]) -> Result<(u64, EventRecord), FrameDefect> {
    let Ok(frame) = FrameLe::ref_from_bytes(bytes) else {
        return Err(FrameDefect::Length(bytes.len() as u32));
    };
    if frame.len.get() != PAYLOAD_BYTES {
        return Err(FrameDefect::Length(frame.len.get()));
    }
    let computed = checksum(bytes);
    if computed != frame.crc.get() {
        return Err(FrameDefect::Checksum {
            stored: frame.crc.get(),
            computed,
        });
    }
    let record = EventRecord::read_from_bytes(&frame.payload).map_err(|_| FrameDefect::Time)?;
    if record.ts_ns() != frame.ts_ns.get() {
        return Err(FrameDefect::Time);
    }
    Ok((frame.seq.get(), record))
}

#[cfg(test)]
mod tests {
    use seamless_core::domain::{Event, EventBody, Reason};

    use super::*;

    #[test]
    fn every_flipped_bit_is_caught() {
        let record = Event::new(
            5,
            EventBody::RunnerStarted {
                reason: Reason::Start,
            },
        )
        .to_record();
        let mut bytes = Vec::new();
        encode(9, &record, &mut bytes);
        assert_eq!(check(&bytes), Ok((9, record)));
        for bit in 0..RECORD_BYTES * 8 {
            let mut bad = bytes.clone();
            bad[bit / 8] ^= 1 << (bit % 8);
            assert!(check(&bad).is_err(), "bit {bit}");
        }
    }
}
