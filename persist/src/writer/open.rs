//! [`LogWriter::open`]: find the end of the log and make it clean before appending.
//!
//! Progress: blocking file I/O; reads the whole last segment once.
//!
//! # Implementation
//!
//! 1. Take the writer lock (`flock` on `writer.lock`); list the segments; the last one
//!    is where appending continues.
//! 2. A last segment whose header is missing or torn (a crash while it was being
//!    created, before any record) is removed, and the one before becomes the last.
//! 3. Read every record of the last segment, checking checksums and sequence numbers.
//!    A bad or partial record with nothing valid after it is a torn tail: `ftruncate`
//!    it away, `fdatasync`, and report it. A bad record followed by valid ones is
//!    corruption in the middle of the log: refuse, naming file, offset and sequence.
//! 4. A last segment with no records is removed (the next append recreates it with
//!    the current table); `next_seq` is its first sequence number.
//! 5. A last segment of an older schema (read through the `migrate` chain) is never
//!    appended to: the next append starts a new segment, so every byte of a file is
//!    in the schema its header names.
//!
//! It must never truncate anything but a torn tail.

use std::fmt;
use std::fs::OpenOptions;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use rustix::fs::{FlockOperation, flock};

use super::{Current, LogWriter, Tail};
use crate::dir::{inventory, sync_dir};
use crate::error::PersistError;
use crate::format::{LOCK_FILE, RECORD_BYTES, SCHEMA_VERSION};
use crate::meta::LogMeta;
use crate::segment::header;
use crate::segment::scan::scan;
use crate::segment::{SegmentFile, TornTail};

/// What [`LogWriter::open`] found and repaired.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpenReport {
    /// The data directory.
    pub dir: PathBuf,
    /// Segments in the log after opening.
    pub segments: usize,
    /// The next sequence number to append (`None`: empty log).
    pub next_seq: Option<u64>,
    /// A torn last record that was cut.
    pub torn_tail: Option<TornTail>,
    /// Segment files removed: torn at creation or empty (path, why).
    pub removed: Vec<(PathBuf, String)>,
    /// The table given differs from the last segment's: the next append starts a new
    /// segment.
    pub meta_changed: bool,
}

impl fmt::Display for OpenReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "log {}: {} segment(s), ",
            self.dir.display(),
            self.segments
        )?;
        match self.next_seq {
            Some(seq) => write!(f, "next seq {seq}")?,
            None => f.write_str("empty")?,
        }
        if let Some(t) = &self.torn_tail {
            write!(f, "; cut {t}")?;
        }
        for (path, why) in &self.removed {
            write!(f, "; removed {} ({why})", path.display())?;
        }
        Ok(())
    }
}

impl LogWriter {
    /// Opens the log in `dir` (creating the directory if missing) and recovers its end
    /// (see the module docs of `writer::open`). New segments are rolled at
    /// `segment_bytes` and carry `meta`.
    ///
    /// # Errors
    ///
    /// [`PersistError::Corrupt`] for damage that is not a torn tail (file, offset,
    /// sequence); [`PersistError::NewerSchema`]/[`PersistError::Layout`] for a last
    /// segment this binary must not append to; [`PersistError::Io`].
    pub fn open(
        dir: &Path,
        segment_bytes: u64,
        meta: LogMeta,
    ) -> Result<(LogWriter, OpenReport), PersistError> {
        std::fs::create_dir_all(dir).map_err(|e| PersistError::io("create directory", dir, e))?;
        let lock = lock_dir(dir)?;
        let mut segments = inventory(dir)?.segments;
        let mut report = OpenReport {
            dir: dir.to_path_buf(),
            ..OpenReport::default()
        };
        let mut writer = LogWriter {
            dir: dir.to_path_buf(),
            _lock: lock,
            segment_bytes,
            meta,
            meta_pending: false,
            current: None,
            buf: Vec::new(),
            buf_first: 0,
            written: 0,
            rolls: Default::default(),
            tail: None,
            next_seq: None,
            roll_sync: true,
            syncer: None,
        };
        while let Some(last) = segments.last() {
            match recover_last(last, &mut report)? {
                Recovered::Removed { next_seq } => {
                    writer.next_seq = next_seq;
                    segments.pop();
                    sync_dir(dir)?;
                    if next_seq.is_some() {
                        break;
                    }
                }
                Recovered::Current(cur, meta, file_schema) => {
                    report.meta_changed = meta != writer.meta;
                    writer.meta_pending = report.meta_changed || file_schema < SCHEMA_VERSION;
                    let records = (cur.len - cur.header_len) / RECORD_BYTES as u64;
                    writer.next_seq = Some(cur.first_seq + records);
                    writer.tail = Some(Tail {
                        records,
                        len: cur.len,
                    });
                    writer.current = Some(cur);
                    break;
                }
            }
        }
        writer.buf_first = writer.next_seq.unwrap_or(0);
        report.segments = segments.len();
        report.next_seq = writer.next_seq;
        Ok((writer, report))
    }
}

/// Takes the directory's writer lock.
fn lock_dir(dir: &Path) -> Result<std::fs::File, PersistError> {
    let path = dir.join(LOCK_FILE);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| PersistError::io("open", &path, e))?;
    match flock(&file, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(file),
        Err(e) if e == rustix::io::Errno::WOULDBLOCK => Err(PersistError::Locked { path }),
        Err(e) => Err(PersistError::io("lock", &path, e.into())),
    }
}

enum Recovered {
    /// The file was removed; `next_seq` is known if it had a valid header.
    Removed { next_seq: Option<u64> },
    /// The segment to continue, its table and the schema it was written with.
    Current(Current, LogMeta, u32),
}

fn recover_last(seg: &SegmentFile, report: &mut OpenReport) -> Result<Recovered, PersistError> {
    let path = &seg.path;
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| PersistError::io("open", path, e))?;
    let len = file
        .metadata()
        .map_err(|e| PersistError::io("stat", path, e))?
        .len();
    let remove = |report: &mut OpenReport, why: String, next_seq| {
        std::fs::remove_file(path).map_err(|e| PersistError::io("remove", path, e))?;
        report.removed.push((path.clone(), why));
        Ok(Recovered::Removed { next_seq })
    };
    let head = match header::read(&file, path, len) {
        Ok(h) => h,
        Err(d) if d.torn => return remove(report, format!("torn at creation: {}", d.error), None),
        Err(d) => return Err(d.error),
    };
    if head.first_seq != seg.first_seq {
        let what = format!(
            "header says first seq {}, the name {}",
            head.first_seq, seg.first_seq
        );
        return Err(PersistError::corrupt(path, 24, Some(seg.first_seq), what));
    }
    let mut buf = Vec::new();
    let scanned = scan(
        &file,
        path,
        &head,
        len,
        head.first_seq,
        &mut buf,
        |_, _, _| Ok(ControlFlow::Continue(())),
    )?;
    if let Some(d) = scanned.defect {
        if d.valid_after {
            return Err(PersistError::corrupt(path, d.offset, Some(d.seq), d.what));
        }
        file.set_len(d.offset)
            .map_err(|e| PersistError::io("truncate", path, e))?;
        report.torn_tail = Some(TornTail {
            path: path.clone(),
            offset: d.offset,
            bytes: d.bytes,
            seq: d.seq,
            what: d.what,
        });
    }
    if scanned.records == 0 {
        return remove(report, "no records".into(), Some(head.first_seq));
    }
    // What a crashed writer left in the page cache becomes durable before anything is
    // appended after it.
    file.sync_data()
        .map_err(|e| PersistError::io("fdatasync", path, e))?;
    let cur = Current {
        file,
        path: path.clone(),
        first_seq: head.first_seq,
        header_len: head.len,
        len: scanned.end,
        synced: scanned.end,
    };
    Ok(Recovered::Current(cur, head.meta, head.file_schema))
}
