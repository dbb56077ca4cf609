//! Snapshots: the whole [`State`] at a sequence number, in one checksummed file
//! `snapshot-<last seq>.snap`, written atomically.
//!
//! Progress: blocking file I/O (a snapshot is one write of the state's bytes plus two
//! `fsync`s and a rename).
//!
//! # Example
//!
//! ```
//! use seamless_core::domain::State;
//! use seamless_persist::{LogMeta, list_snapshots, load_snapshot, write_snapshot};
//! let dir = tempfile::tempdir().unwrap();
//! let path = write_snapshot(dir.path(), &State::new(), &LogMeta::default()).unwrap();
//! assert_eq!(list_snapshots(dir.path()).unwrap()[0].path, path);
//! let (state, meta) = load_snapshot(&path).unwrap();
//! assert_eq!((state, meta), (State::new(), LogMeta::default()));
//! ```
//!
//! # Implementation
//!
//! 1. Layout (little-endian), `n` = instrument count, `S` = state bytes:
//!
//!    | bytes           | field          | type                                |
//!    |-----------------|----------------|-------------------------------------|
//!    | 0..8            | magic          | `SEAMSNP\0`                         |
//!    | 8..12           | schema version | u32 ([`SCHEMA_VERSION`])            |
//!    | 12..16          | header length  | u32 = 48 + 48 n (the state's offset)|
//!    | 16..24          | layout hash    | u64                                 |
//!    | 24..32          | last seq       | u64 (= the state's and the name's)  |
//!    | 32..40          | created        | u64, Unix ns                        |
//!    | 40..44          | instruments    | u32 `n`                             |
//!    | 44..48          | state length   | u32 `S` (= `size_of::<State>()`)    |
//!    | 48..48+48n      | instrument rows| see the `meta` module               |
//!    | +0..+S          | state          | the [`State`] bytes                 |
//!    | +S..+S+4        | reserved       | zero                                |
//!    | +S+4..+S+8      | CRC32C         | u32 over every byte before it       |
//!
//! 2. Writing: create `<name>.tmp`, write, `fsync`, rename over `<name>`, `fsync` the
//!    directory (the POSIX atomic-replace idiom; see "Files are hard", Dan Luu 2019, and
//!    Pillai et al., "All File Systems Are Not Created Equal", OSDI 2014).
//! 3. Loading checks the size, magic, schema (refusing newer), checksum, the layout
//!    hash of the file's schema, migrates an older schema's state bytes to this
//!    build's (`migrate`), and checks that the state's own `last_seq` matches the
//!    header.
//!
//! It must never replace a good snapshot with a partial one.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use seamless_core::domain::{MAX_INSTRUMENTS, State};
use zerocopy::byteorder::little_endian::{U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::dir::{inventory, now_ns, sync_dir};
use crate::error::PersistError;
use crate::format::{
    LAYOUT_HASH, MAX_SEQ, SCHEMA_VERSION, SNAPSHOT_MAGIC, TEMP_SUFFIX, snapshot_name,
};
use crate::meta::{LogMeta, ROW_BYTES, decode_rows, encode_rows};
use crate::migrate::{RawSnapshot, check_version, snapshot_to_current};

/// A snapshot file found in a data directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotFile {
    /// Its path.
    pub path: PathBuf,
    /// The last sequence number folded into it, from its name.
    pub last_seq: u64,
    /// Its size in bytes when listed.
    pub len: u64,
}

#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned)]
#[repr(C)]
struct HeadLe {
    magic: [u8; 8],
    schema: U32,
    header_len: U32,
    layout_hash: U64,
    last_seq: U64,
    created_ns: U64,
    instruments: U32,
    state_len: U32,
}

const HEAD_BYTES: usize = size_of::<HeadLe>();
const TRAILER_BYTES: usize = 8;
/// No snapshot of any schema is larger than this; a bigger file is not read.
const MAX_SNAPSHOT_BYTES: u64 = 256 << 20;

/// Writes `state` (with `meta`) as `snapshot-<state.last_seq()>.snap` in `dir`
/// (created if missing), atomically, and returns its path.
///
/// The state must be the fold of events that are already durable in the log (call
/// [`LogWriter::sync`](crate::LogWriter::sync) first, or use
/// [`LogWriter::write_snapshot`](crate::LogWriter::write_snapshot)), or a restore could
/// start past the log's end.
///
/// # Errors
///
/// [`PersistError::Io`] naming the file; the previous snapshots are untouched.
pub fn write_snapshot(dir: &Path, state: &State, meta: &LogMeta) -> Result<PathBuf, PersistError> {
    std::fs::create_dir_all(dir).map_err(|e| PersistError::io("create directory", dir, e))?;
    let bytes = encode(state, meta, now_ns())?;
    let path = dir.join(snapshot_name(state.last_seq()));
    let temp = dir.join(format!("{}{TEMP_SUFFIX}", snapshot_name(state.last_seq())));
    let written = write_synced(&temp, &bytes);
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(e);
    }
    std::fs::rename(&temp, &path).map_err(|e| PersistError::io("rename", &temp, e))?;
    sync_dir(dir)?;
    Ok(path)
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), PersistError> {
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
        .map_err(|e| PersistError::io("create", path, e))?;
    file.write_all(bytes)
        .map_err(|e| PersistError::io("write", path, e))?;
    file.sync_all()
        .map_err(|e| PersistError::io("fsync", path, e))
}

pub(crate) fn encode(
    state: &State,
    meta: &LogMeta,
    created_ns: u64,
) -> Result<Vec<u8>, PersistError> {
    let n = meta.instruments.len();
    if n > MAX_INSTRUMENTS {
        return Err(PersistError::Meta(format!(
            "{n} instruments, at most {MAX_INSTRUMENTS}"
        )));
    }
    let state_bytes = state.as_bytes();
    let header_len = HEAD_BYTES + n * ROW_BYTES;
    let head = HeadLe {
        magic: SNAPSHOT_MAGIC,
        schema: U32::new(SCHEMA_VERSION),
        header_len: U32::new(header_len as u32),
        layout_hash: U64::new(LAYOUT_HASH),
        last_seq: U64::new(state.last_seq()),
        created_ns: U64::new(created_ns),
        instruments: U32::new(n as u32),
        state_len: U32::new(state_bytes.len() as u32),
    };
    let mut out = Vec::with_capacity(header_len + state_bytes.len() + TRAILER_BYTES);
    out.extend_from_slice(head.as_bytes());
    encode_rows(&meta.instruments, &mut out);
    out.extend_from_slice(state_bytes);
    out.extend_from_slice(&0u32.to_le_bytes());
    let crc = crc32c::crc32c(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    Ok(out)
}

/// The snapshots in `dir`, newest (highest sequence number) first; a missing
/// directory has none. Temporary files of unfinished writes are not listed.
///
/// # Errors
///
/// [`PersistError::Io`] if the directory cannot be read.
pub fn list_snapshots(dir: &Path) -> Result<Vec<SnapshotFile>, PersistError> {
    Ok(inventory(dir)?.snapshots)
}

/// Loads and validates a snapshot.
///
/// # Errors
///
/// [`PersistError::NewerSchema`] (written by a newer binary), [`PersistError::Layout`]
/// (same schema, other record layouts), [`PersistError::Corrupt`] naming the offset
/// (size, magic, checksum, or a state that disagrees with its header),
/// [`PersistError::Io`].
pub fn load_snapshot(path: &Path) -> Result<(State, LogMeta), PersistError> {
    let loaded = load(path)?;
    Ok((loaded.state, loaded.meta))
}

/// [`load_snapshot`] with the creation time.
pub(crate) fn load(path: &Path) -> Result<Loaded, PersistError> {
    let mut file = File::open(path).map_err(|e| PersistError::io("open", path, e))?;
    let len = file
        .metadata()
        .map_err(|e| PersistError::io("stat", path, e))?
        .len();
    if len > MAX_SNAPSHOT_BYTES {
        let what = format!("{len} bytes, larger than any snapshot");
        return Err(PersistError::corrupt(path, 0, None, what));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    std::io::Read::read_to_end(&mut file, &mut bytes)
        .map_err(|e| PersistError::io("read", path, e))?;
    decode(path, &bytes)
}

/// A loaded snapshot.
#[derive(Debug)]
pub(crate) struct Loaded {
    pub state: State,
    pub meta: LogMeta,
    pub created_ns: u64,
    /// The schema the file was written with (older ones were migrated).
    pub file_schema: u32,
}

/// Validates snapshot bytes (the whole file).
pub(crate) fn decode(path: &Path, bytes: &[u8]) -> Result<Loaded, PersistError> {
    let corrupt =
        |offset: usize, what: String| PersistError::corrupt(path, offset as u64, None, what);
    let Ok((head, _)) = HeadLe::read_from_prefix(bytes) else {
        return Err(corrupt(
            0,
            format!("{} bytes, shorter than a snapshot header", bytes.len()),
        ));
    };
    if head.magic != SNAPSHOT_MAGIC {
        return Err(corrupt(0, "bad magic: not a seamless snapshot".into()));
    }
    check_version(path, 8, head.schema.get())?;
    let n = head.instruments.get() as usize;
    let header_len = head.header_len.get() as usize;
    if n > MAX_INSTRUMENTS || header_len != HEAD_BYTES + n * ROW_BYTES {
        return Err(corrupt(
            12,
            format!("header length {header_len} does not fit {n} instruments"),
        ));
    }
    let state_len = head.state_len.get() as usize;
    let total = header_len + state_len + TRAILER_BYTES;
    if bytes.len() != total {
        let what = format!("{} bytes, the header says {total}", bytes.len());
        return Err(corrupt(bytes.len().min(total), what));
    }
    let stored = u32::from_le_bytes(bytes[total - 4..].try_into().unwrap_or([0; 4]));
    if crc32c::crc32c(&bytes[..total - 4]) != stored {
        return Err(corrupt(total - 4, "checksum mismatch".into()));
    }
    let rows = decode_rows(&bytes[HEAD_BYTES..], n)
        .ok_or_else(|| corrupt(HEAD_BYTES, "instrument rows cut short".into()))?;
    let file_schema = head.schema.get();
    let raw = RawSnapshot {
        schema: file_schema,
        layout_hash: head.layout_hash.get(),
        last_seq: head.last_seq.get(),
        created_ns: head.created_ns.get(),
        meta: LogMeta { instruments: rows },
        state: bytes[header_len..header_len + state_len].to_vec(),
    };
    let raw = snapshot_to_current(path, raw)?;
    if raw.layout_hash != LAYOUT_HASH {
        return Err(PersistError::Layout {
            path: path.to_path_buf(),
            schema: raw.schema,
            found: raw.layout_hash,
            expected: LAYOUT_HASH,
        });
    }
    let state = State::read_from_bytes(&raw.state).map_err(|_| {
        let what = format!(
            "state is {} bytes, this build's is {}",
            raw.state.len(),
            size_of::<State>()
        );
        corrupt(header_len, what)
    })?;
    if raw.last_seq > MAX_SEQ {
        return Err(corrupt(
            24,
            format!("last seq {} out of range", raw.last_seq),
        ));
    }
    if state.last_seq() != raw.last_seq {
        let what = format!(
            "state is at seq {}, the header says {}",
            state.last_seq(),
            raw.last_seq
        );
        return Err(corrupt(header_len, what));
    }
    Ok(Loaded {
        state,
        meta: raw.meta,
        created_ns: raw.created_ns,
        file_schema,
    })
}
