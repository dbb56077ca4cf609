//! Reading a segment's records in order: large `pread`s, a checksum per record, and a
//! verdict on where and why reading stopped.
//!
//! Progress: blocking file I/O; per record no allocation and no syscall (one `pread` per
//! [`CHUNK_RECORDS`] records).
//!
//! # Implementation
//!
//! 1. Records have a fixed size, so the record with sequence `s` starts at
//!    `header length + (s - first seq) * 80`: starting after a snapshot is one seek.
//! 2. Read [`CHUNK_RECORDS`] whole records at a time into a reused buffer; check each
//!    frame (length, CRC32C, time) and that its sequence number is the next one; hand
//!    it to the visitor.
//! 3. Stop at the first bad frame or at a partial frame at the end of the file and
//!    describe it as a [`Defect`]. `valid_after` says whether any well-formed frame
//!    follows it: a bad record at the very end of the last segment with nothing valid
//!    after it is a torn write (a crash mid-append); anything else is corruption.
//!    (The same rule as RocksDB's `kTolerateCorruptedTailRecords` WAL recovery mode.)
//!
//! It must never skip a bad record and go on reading.

use std::fs::File;
use std::ops::ControlFlow;
use std::path::Path;

use seamless_core::domain::EventRecord;

use super::frame::check;
use super::header::{SegmentHeader, read_full_at};
use crate::error::PersistError;
use crate::format::RECORD_BYTES;

/// Records per read: about 1.3 MB, large enough that syscalls do not matter.
pub(crate) const CHUNK_RECORDS: usize = 16 * 1024;

/// Where and why reading a segment stopped early.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Defect {
    /// Byte offset of the bad or partial record.
    pub offset: u64,
    /// The sequence number expected there.
    pub seq: u64,
    /// What is wrong.
    pub what: String,
    /// Bytes from `offset` to the end of the file.
    pub bytes: u64,
    /// A well-formed record follows (so this is not a torn tail).
    pub valid_after: bool,
}

/// The result of reading a segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Scanned {
    /// The sequence number after the last good record (or where the segment ends
    /// when it ends before the requested start).
    pub next_seq: u64,
    /// Byte offset just after the last good record.
    pub end: u64,
    /// Records checked and visited.
    pub records: u64,
    /// Why reading stopped before the end of the file, if it did.
    pub defect: Option<Defect>,
    /// The visitor asked to stop (after the record it had just been given).
    pub stopped: bool,
}

/// Reads the records of one segment from sequence `from` on (records before it are
/// skipped unread), calling `visit(seq, offset, record)` for each good one until it
/// returns [`ControlFlow::Break`].
///
/// # Errors
///
/// A read error, or the visitor's error (reading stops there).
pub(crate) fn scan(
    file: &File,
    path: &Path,
    header: &SegmentHeader,
    file_len: u64,
    from: u64,
    buf: &mut Vec<u8>,
    mut visit: impl FnMut(u64, u64, &EventRecord) -> Result<ControlFlow<()>, PersistError>,
) -> Result<Scanned, PersistError> {
    let rec = RECORD_BYTES as u64;
    let available = file_len.saturating_sub(header.len) / rec;
    let skip = from.saturating_sub(header.first_seq);
    let mut seq = header.first_seq + skip.min(available);
    let mut offset = header.len + skip.min(available) * rec;
    let mut out = Scanned {
        next_seq: seq,
        end: offset,
        records: 0,
        defect: None,
        stopped: false,
    };
    if skip > available {
        return Ok(out);
    }
    buf.resize(CHUNK_RECORDS * RECORD_BYTES, 0);
    while offset < file_len {
        let want = (file_len - offset).min(buf.len() as u64) as usize;
        let got = read_full_at(file, &mut buf[..want], offset)
            .map_err(|e| PersistError::io("read", path, e))?;
        let whole = got - got % RECORD_BYTES;
        for (i, bytes) in buf[..whole].chunks_exact(RECORD_BYTES).enumerate() {
            let at = offset + (i * RECORD_BYTES) as u64;
            let (what, well_formed) = match check(bytes) {
                Ok((s, record)) if s == seq => {
                    let flow = visit(seq, at, &record)?;
                    seq += 1;
                    out.records += 1;
                    if flow.is_break() {
                        out.next_seq = seq;
                        out.end = at + rec;
                        out.stopped = true;
                        return Ok(out);
                    }
                    continue;
                }
                Ok((s, _)) => (
                    format!("sequence number {s} where {seq} was expected"),
                    true,
                ),
                Err(d) => (d.to_string(), false),
            };
            let valid_after = well_formed || valid_after(file, at + rec, file_len)?;
            out.next_seq = seq;
            out.end = at;
            out.defect = Some(Defect {
                offset: at,
                seq,
                what,
                bytes: file_len - at,
                valid_after,
            });
            return Ok(out);
        }
        offset += whole as u64;
        if whole < want {
            // A partial frame can only be the file's last bytes (reads are whole
            // records otherwise); a file that shrank while being read ends here too.
            if got > whole {
                out.defect = Some(Defect {
                    offset,
                    seq,
                    what: format!("incomplete record: {} of {RECORD_BYTES} bytes", got - whole),
                    bytes: file_len - offset,
                    valid_after: false,
                });
            }
            break;
        }
    }
    out.next_seq = seq;
    out.end = offset;
    Ok(out)
}

/// Whether any well-formed frame starts at `from + k * 80` before `file_len`.
fn valid_after(file: &File, mut from: u64, file_len: u64) -> Result<bool, PersistError> {
    let mut buf = vec![0u8; 256 * RECORD_BYTES];
    while from + RECORD_BYTES as u64 <= file_len {
        let want = (file_len - from).min(buf.len() as u64) as usize;
        let got = read_full_at(file, &mut buf[..want], from).unwrap_or(0);
        let whole = got - got % RECORD_BYTES;
        if whole == 0 {
            break;
        }
        if buf[..whole]
            .chunks_exact(RECORD_BYTES)
            .any(|b| check(b).is_ok())
        {
            return Ok(true);
        }
        from += whole as u64;
    }
    Ok(false)
}
