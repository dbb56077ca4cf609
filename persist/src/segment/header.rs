//! The segment header: what a segment file starts with.
//!
//! Progress: plain functions; reading a header is one `pread` of at most
//! [`MAX_HEADER_BYTES`].
//!
//! # Implementation
//!
//! 1. Layout (little-endian), `n` = instrument count:
//!
//!    | bytes            | field          | type                              |
//!    |------------------|----------------|-----------------------------------|
//!    | 0..8             | magic          | `SEAMLOG\0`                       |
//!    | 8..12            | schema version | u32 ([`SCHEMA_VERSION`])          |
//!    | 12..16           | header length  | u32 = 56 + 48 n                   |
//!    | 16..24           | layout hash    | u64 ([`layout_hash`](crate::format::layout_hash)) |
//!    | 24..32           | first seq      | u64 (= the file name's)           |
//!    | 32..40           | created        | u64, Unix ns                      |
//!    | 40..44           | instruments    | u32 `n` (at most 64)              |
//!    | 44..48           | reserved       | zero                              |
//!    | 48..48+48n       | instrument rows| see the `meta` module             |
//!    | +0..+4           | reserved       | zero                              |
//!    | +4..+8           | header CRC32C  | u32 over every byte before it     |
//!
//! 2. Reading checks, in order: length, magic, schema (newer: refused, see
//!    `migrate`), header length, checksum, layout hash (the one of the file's schema,
//!    then migrated), rows. A defect says whether a
//!    torn creation explains it (the file holds no byte past where the header should
//!    end): only then may the last segment be treated as never written.
//!
//! It must never accept a header whose checksum fails.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

use seamless_core::domain::MAX_INSTRUMENTS;
use zerocopy::byteorder::little_endian::{U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::error::PersistError;
use crate::format::{LAYOUT_HASH, MAX_SEQ, SCHEMA_VERSION, SEGMENT_MAGIC};
use crate::meta::{LogMeta, ROW_BYTES, decode_rows, encode_rows};
use crate::migrate::{RawSegmentHeader, check_version, segment_to_current};

/// The fixed part of a segment header.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned)]
#[repr(C)]
struct HeadLe {
    magic: [u8; 8],
    schema: U32,
    header_len: U32,
    layout_hash: U64,
    first_seq: U64,
    created_ns: U64,
    instruments: U32,
    reserved: U32,
}

const HEAD_BYTES: usize = size_of::<HeadLe>();
const TRAILER_BYTES: usize = 8;
const _: () = assert!(HEAD_BYTES == 48);

/// The largest header there is (64 instruments).
pub(crate) const MAX_HEADER_BYTES: usize = header_len(MAX_INSTRUMENTS);

/// Header length for `instruments` rows.
pub(crate) const fn header_len(instruments: usize) -> usize {
    HEAD_BYTES + instruments * ROW_BYTES + TRAILER_BYTES
}

/// A validated segment header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SegmentHeader {
    /// Schema version (after migration: [`SCHEMA_VERSION`]).
    pub schema: u32,
    /// The schema version the file was written with (older ones were migrated on
    /// reading; the writer never appends to them).
    pub file_schema: u32,
    /// First sequence number in the segment.
    pub first_seq: u64,
    /// When the segment was created (Unix ns).
    pub created_ns: u64,
    /// The instrument table of the records in it.
    pub meta: LogMeta,
    /// Header length in bytes: the first record starts here.
    pub len: u64,
}

/// Why a header could not be read.
#[derive(Debug)]
pub(crate) struct HeaderDefect {
    /// The error (naming file and offset).
    pub error: PersistError,
    /// `true` if a crash while the file was being created explains it (the file ends
    /// before or where the header does). Only meaningful for the last segment.
    pub torn: bool,
}

/// The header bytes for a new segment.
pub(crate) fn encode(first_seq: u64, created_ns: u64, meta: &LogMeta) -> Vec<u8> {
    let n = meta.instruments.len();
    let len = header_len(n);
    let head = HeadLe {
        magic: SEGMENT_MAGIC,
        schema: U32::new(SCHEMA_VERSION),
        header_len: U32::new(len as u32),
        layout_hash: U64::new(LAYOUT_HASH),
        first_seq: U64::new(first_seq),
        created_ns: U64::new(created_ns),
        instruments: U32::new(n as u32),
        reserved: U32::ZERO,
    };
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(head.as_bytes());
    encode_rows(&meta.instruments, &mut out);
    out.extend_from_slice(&0u32.to_le_bytes());
    let crc = crc32c::crc32c(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    debug_assert_eq!(out.len(), len);
    out
}

/// Reads and validates the header of the segment at `path` (open as `file`, `file_len`
/// bytes long).
///
/// # Errors
///
/// [`HeaderDefect`] naming what is wrong.
pub(crate) fn read(file: &File, path: &Path, file_len: u64) -> Result<SegmentHeader, HeaderDefect> {
    let mut bytes = vec![0u8; MAX_HEADER_BYTES.min(file_len as usize)];
    let got = read_full_at(file, &mut bytes, 0).map_err(|e| HeaderDefect {
        error: PersistError::io("read", path, e),
        torn: false,
    })?;
    bytes.truncate(got);
    decode(path, &bytes, file_len)
}

/// Validates header bytes (the first `min(file_len, MAX_HEADER_BYTES)` of the file).
pub(crate) fn decode(
    path: &Path,
    bytes: &[u8],
    file_len: u64,
) -> Result<SegmentHeader, HeaderDefect> {
    let defect = |offset: u64, what: String, torn: bool| HeaderDefect {
        error: PersistError::corrupt(path, offset, None, what),
        torn,
    };
    let Some((head, _)) = HeadLe::read_from_prefix(bytes).ok() else {
        let what = format!("file is {file_len} bytes, shorter than a segment header");
        return Err(defect(0, what, true));
    };
    // Where the header would end if its length field were right; a file that ends
    // there or earlier holds no record, so a torn creation explains any defect.
    let claimed = head.header_len.get() as usize;
    let ends = if (HEAD_BYTES..=MAX_HEADER_BYTES).contains(&claimed) {
        claimed
    } else {
        MAX_HEADER_BYTES
    };
    let torn = file_len <= ends as u64;
    if head.magic != SEGMENT_MAGIC {
        return Err(defect(
            0,
            "bad magic: not a seamless log segment".into(),
            torn,
        ));
    }
    if let Err(error) = check_version(path, 8, head.schema.get()) {
        let torn = torn && !matches!(error, PersistError::NewerSchema { .. });
        return Err(HeaderDefect { error, torn });
    }
    let n = head.instruments.get() as usize;
    if n > MAX_INSTRUMENTS || claimed != header_len(n) {
        let what = format!("header length {claimed} does not fit {n} instruments");
        return Err(defect(12, what, torn));
    }
    let Some(whole) = bytes.get(..claimed) else {
        let what = format!("file is {file_len} bytes, its header needs {claimed}");
        return Err(defect(0, what, true));
    };
    let (body, crc) = whole.split_at(claimed - 4);
    let stored = u32::from_le_bytes(crc.try_into().unwrap_or([0; 4]));
    if crc32c::crc32c(body) != stored {
        let what = "header checksum mismatch".to_string();
        return Err(defect((claimed - 4) as u64, what, torn));
    }
    let raw = RawSegmentHeader {
        schema: head.schema.get(),
        layout_hash: head.layout_hash.get(),
    };
    let raw = segment_to_current(path, raw).map_err(|error| HeaderDefect { error, torn: false })?;
    if raw.layout_hash != LAYOUT_HASH {
        let error = PersistError::Layout {
            path: path.to_path_buf(),
            schema: raw.schema,
            found: raw.layout_hash,
            expected: LAYOUT_HASH,
        };
        return Err(HeaderDefect { error, torn: false });
    }
    let first_seq = head.first_seq.get();
    if first_seq == 0 || first_seq > MAX_SEQ {
        return Err(defect(
            24,
            format!("first seq {first_seq} out of range"),
            false,
        ));
    }
    let Some(rows) = decode_rows(&bytes[HEAD_BYTES..], n) else {
        return Err(defect(
            HEAD_BYTES as u64,
            "instrument rows cut short".into(),
            torn,
        ));
    };
    Ok(SegmentHeader {
        schema: raw.schema,
        file_schema: head.schema.get(),
        first_seq,
        created_ns: head.created_ns.get(),
        meta: LogMeta { instruments: rows },
        len: claimed as u64,
    })
}

/// `pread` until `buf` is full or the file ends; returns the bytes read.
pub(crate) fn read_full_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match file.read_at(&mut buf[got..], offset + got as u64) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_decode_round_trip_and_every_byte_is_checked() {
        let meta = LogMeta::default();
        let bytes = encode(7, 99, &meta);
        assert_eq!(bytes.len(), header_len(0));
        let h = decode(Path::new("s"), &bytes, bytes.len() as u64).unwrap();
        assert_eq!((h.first_seq, h.created_ns, h.len), (7, 99, 56));
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x40;
            assert!(decode(Path::new("s"), &bad, 1000).is_err(), "byte {i}");
        }
        for cut in 0..bytes.len() {
            let e = decode(Path::new("s"), &bytes[..cut], cut as u64).unwrap_err();
            assert!(e.torn, "cut {cut}: {}", e.error);
        }
    }
}
