//! [`restore`]: the state of a data directory — the newest valid snapshot plus the
//! fold of every record after it.
//!
//! Progress: blocking file I/O; per replayed record one checksum, one decode and one
//! [`State::apply`], no allocation and no syscall (reads are 1.3 MB chunks).
//!
//! # Example
//!
//! ```
//! use seamless_persist::{RestoreOptions, restore};
//! let dir = tempfile::tempdir().unwrap();
//! let empty = restore(&dir.path().join("missing"), RestoreOptions::default()).unwrap();
//! assert_eq!(empty.state.last_seq(), 0);
//! assert!(empty.meta.is_none());
//! ```
//!
//! # Implementation
//!
//! 1. List snapshots, newest first; load them in turn until one is valid (an older
//!    schema is migrated, and the report says so). A corrupt one is skipped and
//!    reported (the older one means more replay); one with a newer schema or another
//!    layout stops the restore (the binary is too old for the data).
//! 2. Replay the segments from the snapshot's sequence + 1 (or from 1 with no
//!    snapshot): skip segments wholly before it, seek within the first one, then
//!    check every record (checksum, sequence), decode it and `State::apply` it.
//! 3. Segments must continue each other's sequence numbers; a gap, a bad record with
//!    valid ones after it, or a bad record in a segment that is not the last is
//!    corruption: an error naming file, offset and sequence. A bad record at the very
//!    end of the last segment is a torn tail: replay stops before it and says so
//!    (the persister cuts it when it next opens the log).
//! 4. With `repair`, corruption in segment `k` moves segments `k..` and every
//!    snapshot past segment `k`'s start to `quarantine/`, and the restore runs again:
//!    the state then ends just before segment `k`, consistent with the remaining log.
//!
//! It must never write to the data directory, except to quarantine with `repair`.

use std::fmt;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use seamless_core::domain::State;

use crate::dir::{inventory, sync_dir};
use crate::error::PersistError;
use crate::format::{QUARANTINE_DIR, SCHEMA_VERSION};
use crate::meta::LogMeta;
use crate::segment::scan::scan;
use crate::segment::{SegmentFile, TornTail, header, open_read};
use crate::snapshot::{SnapshotFile, load};

/// How [`restore`] treats corruption.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RestoreOptions {
    /// Quarantine the corrupt segment and everything after it instead of failing.
    pub repair: bool,
}

/// A snapshot that was not used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedSnapshot {
    /// The file.
    pub path: PathBuf,
    /// Its sequence number (from the name).
    pub last_seq: u64,
    /// Why it was skipped.
    pub reason: String,
}

/// What [`restore`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RestoreReport {
    /// The data directory.
    pub dir: PathBuf,
    /// The snapshot restored from, if any.
    pub snapshot: Option<SnapshotFile>,
    /// The schema that snapshot was written with, when older than this build's (it
    /// was migrated on loading: see docs/versioning.md).
    pub migrated_from: Option<u32>,
    /// Newer snapshots that were corrupt, newest first.
    pub skipped_snapshots: Vec<SkippedSnapshot>,
    /// Records folded after the snapshot.
    pub events_replayed: u64,
    /// Segments read.
    pub segments_read: usize,
    /// A torn last record that was ignored (the persister cuts it).
    pub torn_tail: Option<TornTail>,
    /// Files moved to `quarantine/` by a repair, and why.
    pub quarantined: Vec<PathBuf>,
    /// Why a repair quarantined them.
    pub repaired: Option<String>,
    /// The sequence number of the restored state (0: empty).
    pub last_seq: u64,
    /// The last sequence number in the log (`None`: no records). Below `last_seq`
    /// only when the snapshot is ahead of the log (written before the log was
    /// durable); the persister's log then cannot continue the core's sequence.
    pub log_end: Option<u64>,
    /// Wall time of the restore.
    pub elapsed: Duration,
}

impl RestoreReport {
    /// The sequence number the core continues with.
    pub fn next_seq(&self) -> u64 {
        self.last_seq + 1
    }

    /// Replayed events per second (0 when nothing was replayed).
    pub fn rate(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if self.events_replayed == 0 || secs == 0.0 {
            0.0
        } else {
            self.events_replayed as f64 / secs
        }
    }
}

impl fmt::Display for RestoreReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "restored seq {} from ", self.last_seq)?;
        match &self.snapshot {
            Some(s) => write!(f, "{}", file_name(&s.path))?,
            None => f.write_str("no snapshot")?,
        }
        if let Some(schema) = self.migrated_from {
            write!(f, " (schema {schema}, migrated)")?;
        }
        write!(
            f,
            " + {} events replayed from {} segment(s) in {:.1} ms",
            self.events_replayed,
            self.segments_read,
            self.elapsed.as_secs_f64() * 1e3
        )?;
        if self.events_replayed > 0 {
            write!(f, " ({:.2}M events/s)", self.rate() / 1e6)?;
        }
        for s in &self.skipped_snapshots {
            write!(f, "; skipped {} ({})", file_name(&s.path), s.reason)?;
        }
        if let Some(t) = &self.torn_tail {
            write!(f, "; ignored {t}")?;
        }
        if let Some(end) = self.log_end.filter(|&e| e < self.last_seq) {
            write!(f, "; the log ends at seq {end}, before the snapshot")?;
        }
        if let Some(why) = &self.repaired {
            write!(
                f,
                "; REPAIRED: moved {} file(s) to {QUARANTINE_DIR}/ ({why})",
                self.quarantined.len()
            )?;
        }
        Ok(())
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// The result of [`restore`].
#[derive(Debug)]
pub struct Restored {
    /// The restored state (`State::new()` for an empty or missing directory).
    pub state: State,
    /// The instrument table of the snapshot or of the last segment read (`None` when
    /// there was neither).
    pub meta: Option<LogMeta>,
    /// What was done.
    pub report: RestoreReport,
}

/// Restores the state of the data directory `dir` (see the module docs). Read-only
/// unless `opts.repair` quarantines corrupt files.
///
/// # Errors
///
/// [`PersistError::Corrupt`], [`PersistError::Gap`] or [`PersistError::Replay`] naming
/// file, offset and sequence (without `repair`); [`PersistError::NewerSchema`],
/// [`PersistError::Layout`]; [`PersistError::Io`].
pub fn restore(dir: &Path, opts: RestoreOptions) -> Result<Restored, PersistError> {
    let start = Instant::now();
    let mut quarantined = Vec::new();
    let mut repaired = None;
    loop {
        match restore_once(dir) {
            Ok(mut restored) => {
                restored.report.quarantined = quarantined;
                restored.report.repaired = repaired;
                restored.report.elapsed = start.elapsed();
                return Ok(restored);
            }
            Err(Failure {
                error,
                segment: Some(first_seq),
            }) if opts.repair => {
                let moved = quarantine(dir, first_seq)?;
                if moved.is_empty() {
                    return Err(error);
                }
                quarantined.extend(moved);
                repaired = Some(error.to_string());
            }
            Err(f) => return Err(f.error),
        }
    }
}

/// A failed restore, and the segment (by first seq) a repair would start at.
struct Failure {
    error: PersistError,
    segment: Option<u64>,
}

impl From<PersistError> for Failure {
    fn from(error: PersistError) -> Self {
        Failure {
            error,
            segment: None,
        }
    }
}

fn restore_once(dir: &Path) -> Result<Restored, Failure> {
    let inv = inventory(dir)?;
    let mut report = RestoreReport {
        dir: dir.to_path_buf(),
        ..RestoreReport::default()
    };
    let mut state = State::new();
    let mut meta = None;
    for snap in &inv.snapshots {
        match load(&snap.path) {
            Ok(loaded) => {
                state = loaded.state;
                meta = Some(loaded.meta);
                report.snapshot = Some(snap.clone());
                report.migrated_from =
                    (loaded.file_schema < SCHEMA_VERSION).then_some(loaded.file_schema);
                break;
            }
            Err(e @ (PersistError::NewerSchema { .. } | PersistError::Layout { .. })) => {
                return Err(e.into());
            }
            Err(e) => report.skipped_snapshots.push(SkippedSnapshot {
                path: snap.path.clone(),
                last_seq: snap.last_seq,
                reason: e.to_string(),
            }),
        }
    }
    let mut expected = state.last_seq() + 1;
    let mut buf = Vec::new();
    let segs = &inv.segments;
    for (i, seg) in segs.iter().enumerate() {
        if segs
            .get(i + 1)
            .is_some_and(|next| next.first_seq <= expected)
        {
            continue; // wholly before the snapshot
        }
        let last = i + 1 == segs.len();
        let fail = |error: PersistError| Failure {
            error,
            segment: Some(seg.first_seq),
        };
        let (file, len) = open_read(&seg.path)?;
        let head = match header::read(&file, &seg.path, len) {
            Ok(h) => h,
            Err(d) if d.torn && last => {
                report.torn_tail = Some(torn_creation(seg, len, expected, &d.error));
                break;
            }
            Err(d @ header::HeaderDefect { .. }) => {
                return Err(match d.error {
                    e @ (PersistError::NewerSchema { .. } | PersistError::Layout { .. }) => {
                        e.into()
                    }
                    e => fail(e),
                });
            }
        };
        if head.first_seq != seg.first_seq {
            let what = format!(
                "header says first seq {}, the name {}",
                head.first_seq, seg.first_seq
            );
            return Err(fail(PersistError::corrupt(
                &seg.path,
                24,
                Some(seg.first_seq),
                what,
            )));
        }
        if head.first_seq > expected {
            return Err(fail(PersistError::Gap {
                path: seg.path.clone(),
                expected,
                found: head.first_seq,
            }));
        }
        let path = &seg.path;
        let scanned = scan(
            &file,
            path,
            &head,
            len,
            expected,
            &mut buf,
            |seq, offset, record| {
                let replay = |what: String| PersistError::Replay {
                    path: path.clone(),
                    offset,
                    seq,
                    what,
                };
                let ev = record.decode().map_err(|e| replay(e.to_string()))?;
                // A fill's consequences are in the log as their own records: nothing to
                // publish from `Applied`.
                let _applied = state.apply(seq, &ev).map_err(|e| replay(e.to_string()))?;
                Ok(ControlFlow::Continue(()))
            },
        )
        .map_err(|e| match e {
            e @ PersistError::Replay { .. } => fail(e),
            e => e.into(),
        })?;
        report.segments_read += 1;
        report.events_replayed += scanned.records;
        if scanned.next_seq > head.first_seq {
            report.log_end = Some(scanned.next_seq - 1);
        }
        meta = Some(head.meta);
        expected = expected.max(scanned.next_seq);
        if let Some(d) = scanned.defect {
            if last && !d.valid_after {
                report.torn_tail = Some(TornTail {
                    path: path.clone(),
                    offset: d.offset,
                    bytes: d.bytes,
                    seq: d.seq,
                    what: d.what,
                });
                break;
            }
            let what = if last {
                d.what
            } else {
                format!("{} (in a segment that is not the last)", d.what)
            };
            return Err(fail(PersistError::corrupt(
                path,
                d.offset,
                Some(d.seq),
                what,
            )));
        }
    }
    report.last_seq = state.last_seq();
    Ok(Restored {
        state,
        meta,
        report,
    })
}

fn torn_creation(seg: &SegmentFile, len: u64, seq: u64, e: &PersistError) -> TornTail {
    TornTail {
        path: seg.path.clone(),
        offset: 0,
        bytes: len,
        seq,
        what: format!("segment header torn at creation: {e}"),
    }
}

/// Moves the segments from the one starting at `first_seq` on, and the snapshots past
/// its start, to `dir/quarantine/`. Returns the new paths.
fn quarantine(dir: &Path, first_seq: u64) -> Result<Vec<PathBuf>, PersistError> {
    let inv = inventory(dir)?;
    let target = dir.join(QUARANTINE_DIR);
    std::fs::create_dir_all(&target)
        .map_err(|e| PersistError::io("create directory", &target, e))?;
    let segments = inv
        .segments
        .iter()
        .filter(|s| s.first_seq >= first_seq)
        .map(|s| &s.path);
    let snapshots = inv
        .snapshots
        .iter()
        .filter(|s| s.last_seq >= first_seq)
        .map(|s| &s.path);
    let mut moved = Vec::new();
    for path in segments.chain(snapshots) {
        let name = file_name(path);
        let mut to = target.join(&name);
        let mut n = 1;
        while to.exists() {
            to = target.join(format!("{name}.{n}"));
            n += 1;
        }
        std::fs::rename(path, &to).map_err(|e| PersistError::io("move to quarantine", path, e))?;
        moved.push(to);
    }
    sync_dir(&target)?;
    sync_dir(dir)?;
    Ok(moved)
}
