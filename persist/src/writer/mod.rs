//! [`LogWriter`]: the one writer of a data directory's segments. It buffers appended
//! records, writes them with `pwrite`, makes them durable with `fdatasync`, and rolls to
//! a new segment at a size limit or when the instrument table changes.
//!
//! Progress: [`append`](LogWriter::append) is wait-free apart from growing its buffer
//! (no syscall); [`write`](LogWriter::write) and [`sync`](LogWriter::sync) block on the
//! file system.
//!
//! # Example
//!
//! ```
//! use seamless_core::domain::{Event, EventBody, Reason};
//! use seamless_persist::{LogMeta, LogWriter, RestoreOptions, restore};
//! let dir = tempfile::tempdir().unwrap();
//! let (mut log, report) = LogWriter::open(dir.path(), 1 << 20, LogMeta::default()).unwrap();
//! assert_eq!(log.next_seq(), None); // empty: the first append fixes the start
//! let ev = Event::new(1_000, EventBody::RunnerStarted { reason: Reason::Start });
//! log.append(1, &ev.to_record()).unwrap();
//! assert_eq!(log.sync().unwrap(), 2); // seq 1 is durable
//! let restored = restore(dir.path(), RestoreOptions::default()).unwrap();
//! assert_eq!(restored.state.last_seq(), 1);
//! ```
//!
//! # Implementation
//!
//! 1. `buf` holds the frames of every record that is not yet durable, oldest first:
//!    its first `written` bytes are in the OS (page cache), the rest only here. Every
//!    record in `buf` belongs to the current segment or to segments not yet created:
//!    a roll `fdatasync`s the old segment before creating the new one, so records
//!    never become durable out of order and a segment that is not the last is always
//!    complete (under `fsync = never` only as far as the OS wrote it back: see
//!    [`forget_written`](LogWriter::forget_written)).
//! 2. `append` checks the sequence number, decides whether the record starts a new
//!    segment (none yet, the table changed, or the segment would exceed
//!    `segment_bytes`; a roll point is queued), and encodes the frame into `buf`.
//! 3. `write` `pwrite`s the pending frames up to the next roll point at the segment's
//!    committed length, performs the roll (sync old, create new with `O_EXCL`, write
//!    and sync its header, sync the directory), and continues.
//! 4. On a write error (`ENOSPC`, `EFBIG`, `EIO`) the whole records that reached the
//!    file count as written, a partial frame is cut off again (`ftruncate`), the rest
//!    stays buffered, and the error is returned; the next `write`/`sync` retries at the
//!    same offset, so nothing is lost or duplicated.
//! 5. `open` takes an exclusive `flock` on `writer.lock` in the directory (released
//!    when the writer is dropped or the process dies): a second writer is refused.
//! 6. `sync` is `write` + `fdatasync`. If `fdatasync` fails, the kernel may already
//!    have dropped the dirty pages (the 2018 "fsyncgate": Linux reports a writeback
//!    error once and marks the pages clean; see the PostgreSQL wiki, "Fsync Errors"),
//!    so every not-yet-durable frame is written again from `buf` before the next
//!    `fdatasync`. This is why `buf` keeps written frames until they are durable; at
//!    most [`UNSYNCED_LIMIT`] bytes are kept, `write` syncs when it would exceed that
//!    (four times that while a background sync is in flight).
//! 7. `sync_in_background` hands the `fdatasync` of what is written to a worker thread
//!    (`background.rs`) and returns at once; `poll_background` applies the result as
//!    `sync` would (on success the covered frames leave `buf`; on failure the segment
//!    is cut back to its durable length and rewritten). At most one is in flight, and
//!    `sync` and every roll wait for it first, so records still become durable in
//!    order and a segment is closed only with nothing outstanding.
//!
//! It must never write a record twice into the log, skip one, or report one durable
//! before `fdatasync` returned.

mod background;
mod open;

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::ErrorKind;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use seamless_core::domain::{EventRecord, State};

pub use open::OpenReport;

use crate::dir::{now_ns, sync_dir};
use crate::error::PersistError;
use crate::format::{MAX_SEQ, RECORD_BYTES, segment_name};
use crate::meta::LogMeta;
use crate::segment::frame;
use crate::segment::header::{self, MAX_HEADER_BYTES};

/// Most bytes of written-but-not-durable frames kept in memory; [`LogWriter::write`]
/// syncs when more are pending (16 MiB, about 200,000 events).
pub const UNSYNCED_LIMIT: usize = 16 << 20;

/// The segment being written.
#[derive(Debug)]
struct Current {
    file: File,
    path: PathBuf,
    first_seq: u64,
    header_len: u64,
    /// Bytes in the file (header + whole records). Invariant: `header_len + k * 80`.
    len: u64,
    /// Bytes known durable. Invariant: `header_len <= synced <= len`.
    synced: u64,
}

/// Where a new segment starts.
#[derive(Debug)]
struct Roll {
    seq: u64,
    meta: LogMeta,
}

/// The segment the next append goes into, as it will be once everything is written.
#[derive(Clone, Copy, Debug)]
struct Tail {
    records: u64,
    len: u64,
}

/// Appends records to the log in a data directory (see the module docs).
#[derive(Debug)]
pub struct LogWriter {
    dir: PathBuf,
    /// Holds the directory's writer lock (an `flock`, released when it closes).
    _lock: File,
    segment_bytes: u64,
    /// The table new segments carry.
    meta: LogMeta,
    /// `set_meta` changed the table since the last roll was queued.
    meta_pending: bool,
    current: Option<Current>,
    /// Frames not yet durable, from `buf_first` on. Invariant: a multiple of 80 bytes.
    buf: Vec<u8>,
    /// Sequence number of the first frame in `buf`.
    buf_first: u64,
    /// Bytes of `buf` already written. Invariant: a multiple of 80, `<= buf.len()`.
    written: usize,
    /// Roll points not yet performed, ascending, all `>= buf_first + written / 80`.
    rolls: VecDeque<Roll>,
    tail: Option<Tail>,
    next_seq: Option<u64>,
    /// A roll `fdatasync`s the old segment first (off only under `fsync = never`).
    roll_sync: bool,
    /// The background `fdatasync` ([`sync_in_background`](LogWriter::sync_in_background)),
    /// started on first use.
    syncer: Option<background::Syncer>,
}

impl LogWriter {
    /// The next sequence number to append; `None` for an empty log (the first append
    /// fixes where it starts).
    pub fn next_seq(&self) -> Option<u64> {
        self.next_seq
    }

    /// The sequence number after the last record written to the OS (0 for an empty
    /// log).
    pub fn written_next(&self) -> u64 {
        self.next_seq
            .map_or(0, |_| self.buf_first + (self.written / RECORD_BYTES) as u64)
    }

    /// The sequence number after the last durable record (0 for an empty log).
    pub fn durable_next(&self) -> u64 {
        self.next_seq.map_or(0, |_| self.buf_first)
    }

    /// Records appended but not yet written to the OS.
    pub fn buffered(&self) -> usize {
        (self.buf.len() - self.written) / RECORD_BYTES
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The instrument table new segments carry.
    pub fn meta(&self) -> &LogMeta {
        &self.meta
    }

    /// Appends one record to the in-memory buffer (no syscall). It reaches the OS at
    /// the next [`write`](Self::write) or [`sync`](Self::sync).
    ///
    /// # Errors
    ///
    /// [`PersistError::Sequence`] unless `seq` is [`next_seq`](Self::next_seq) (or,
    /// for an empty log, from 1 to [`MAX_SEQ`]); nothing is appended then.
    pub fn append(&mut self, seq: u64, record: &EventRecord) -> Result<(), PersistError> {
        let expected = self.next_seq.unwrap_or(seq.clamp(1, MAX_SEQ));
        if seq != expected {
            return Err(PersistError::Sequence { expected, got: seq });
        }
        let rec = RECORD_BYTES as u64;
        let roll = match self.tail {
            None => true,
            Some(t) => self.meta_pending || (t.records > 0 && t.len + rec > self.segment_bytes),
        };
        if roll {
            self.rolls.push_back(Roll {
                seq,
                meta: self.meta.clone(),
            });
            self.meta_pending = false;
            self.tail = Some(Tail {
                records: 0,
                len: header::header_len(self.meta.instruments.len()) as u64,
            });
        }
        if let Some(t) = self.tail.as_mut() {
            t.records += 1;
            t.len += rec;
        }
        if self.buf.is_empty() {
            self.buf_first = seq;
        }
        frame::encode(seq, record, &mut self.buf);
        self.next_seq = Some(seq + 1);
        Ok(())
    }

    /// Changes the instrument table: the next append starts a new segment carrying it.
    /// Setting the same table again changes nothing.
    pub fn set_meta(&mut self, meta: LogMeta) {
        if meta != self.meta {
            self.meta = meta;
            self.meta_pending = true;
        }
    }

    /// Writes every buffered record to the OS (`pwrite`), rolling segments on the way.
    /// Returns [`written_next`](Self::written_next).
    ///
    /// # Errors
    ///
    /// [`PersistError::Io`] (`ENOSPC`, `EFBIG`, `EIO`, ...): the records not written
    /// stay buffered, a partial record is cut from the file, and the next call retries.
    pub fn write(&mut self) -> Result<u64, PersistError> {
        while self.written < self.buf.len() {
            let at = self.buf_first + (self.written / RECORD_BYTES) as u64;
            if self.current.is_none() || self.rolls.front().is_some_and(|r| r.seq == at) {
                self.roll(at)?;
                continue;
            }
            let end = match self.rolls.front() {
                Some(r) => ((r.seq - self.buf_first) as usize) * RECORD_BYTES,
                None => self.buf.len(),
            };
            self.write_range(end)?;
        }
        // With a background sync in flight, give it room to finish before syncing
        // inline (it drains what it covers).
        let limit = if self
            .syncer
            .as_ref()
            .is_some_and(background::Syncer::in_flight)
        {
            4 * UNSYNCED_LIMIT
        } else {
            UNSYNCED_LIMIT
        };
        if self.written > limit {
            self.sync_current()?;
        }
        Ok(self.written_next())
    }

    /// Starts an `fdatasync` of everything written to the current segment on a
    /// background thread and returns `true`; `false` when nothing is written but not
    /// durable, or a background sync is already in flight. The records become durable
    /// ([`durable_next`](Self::durable_next) advances) at the
    /// [`poll_background`](Self::poll_background) after it finished. Every other sync
    /// and every roll waits for it first.
    ///
    /// # Errors
    ///
    /// The descriptor could not be duplicated or the thread not started
    /// ([`PersistError::Io`]); nothing changes then.
    pub fn sync_in_background(&mut self) -> Result<bool, PersistError> {
        if self
            .syncer
            .as_ref()
            .is_some_and(background::Syncer::in_flight)
        {
            return Ok(false);
        }
        let next = self.written_next();
        let Some(cur) = self.current.as_ref().filter(|c| c.synced < c.len) else {
            return Ok(false);
        };
        let file = cur
            .file
            .try_clone()
            .map_err(|e| PersistError::io("duplicate the descriptor of", &cur.path, e))?;
        let ticket = background::Ticket {
            segment: cur.first_seq,
            len: cur.len,
            next,
            path: cur.path.clone(),
        };
        let syncer = match &mut self.syncer {
            Some(s) => s,
            None => {
                let s = background::Syncer::spawn()
                    .map_err(|e| PersistError::io("start the fsync thread for", &cur.path, e))?;
                self.syncer.insert(s)
            }
        };
        Ok(syncer.start(file, ticket))
    }

    /// Applies a finished background sync, if there is one (never blocks).
    ///
    /// # Errors
    ///
    /// The background `fdatasync` failed: as for [`sync`](Self::sync), every record it
    /// covered is written again before the next sync.
    pub fn poll_background(&mut self) -> Result<(), PersistError> {
        match self.syncer.as_mut().and_then(background::Syncer::poll) {
            Some(done) => self.apply_background(done),
            None => Ok(()),
        }
    }

    /// Waits for the background sync in flight, if any, and applies it.
    fn wait_background(&mut self) -> Result<(), PersistError> {
        match self.syncer.as_mut().and_then(background::Syncer::wait) {
            Some(done) => self.apply_background(done),
            None => Ok(()),
        }
    }

    /// A finished background sync: on success the records it covered are durable; on
    /// failure the segment is cut back to its durable length and everything after is
    /// written again from `buf` (the pages may be lost yet marked clean).
    fn apply_background(&mut self, (ticket, result): background::Done) -> Result<(), PersistError> {
        // Rolls and inline syncs wait for the job, so it covers the current segment.
        let Some(cur) = self
            .current
            .as_mut()
            .filter(|c| c.first_seq == ticket.segment)
        else {
            return Ok(());
        };
        match result {
            Ok(()) => {
                cur.synced = cur.synced.max(ticket.len);
                // Frames below `ticket.next` were written (to this segment) when the
                // job started; none was drained since (nothing else synced).
                let frames = ticket.next.saturating_sub(self.buf_first) as usize;
                let bytes = (frames * RECORD_BYTES).min(self.written);
                self.buf.drain(..bytes);
                self.buf_first += (bytes / RECORD_BYTES) as u64;
                self.written -= bytes;
                Ok(())
            }
            Err(e) => {
                cur.len = cur.synced;
                self.written = 0;
                let _ = cur.file.set_len(cur.len);
                Err(PersistError::io("fdatasync", &ticket.path, e))
            }
        }
    }

    /// For `fsync = never`: drops the frames already written instead of keeping them
    /// for a rewrite after a failed `fdatasync` (none is promised), so
    /// [`durable_next`](Self::durable_next) becomes [`written_next`](Self::written_next)
    /// and [`write`](Self::write) never reaches [`UNSYNCED_LIMIT`] and syncs inline (a
    /// stall of tens of milliseconds at a full core's event rate). From then on a roll
    /// does not `fdatasync` the old segment either (a 64 MiB segment's writeback held
    /// the core at the gate once per roll): the new segment's header and the directory
    /// entry are still synced. What reached the OS survives the persister's crash; a
    /// power loss may take it, and may then tear a segment that is not the last, which
    /// restore refuses by name (`--repair` quarantines it).
    pub fn forget_written(&mut self) {
        self.roll_sync = false;
        let frames = self.written / RECORD_BYTES;
        self.buf.drain(..self.written);
        self.buf_first += frames as u64;
        self.written = 0;
    }

    /// [`write`](Self::write), then `fdatasync`: every appended record is durable.
    /// Returns [`durable_next`](Self::durable_next) (= [`next_seq`](Self::next_seq)
    /// on success, 0 for an empty log).
    ///
    /// # Errors
    ///
    /// As [`write`](Self::write); a failed `fdatasync` leaves the records buffered and
    /// they are written again before the next `fdatasync`.
    pub fn sync(&mut self) -> Result<u64, PersistError> {
        self.write()?;
        self.sync_current()?;
        Ok(self.durable_next())
    }

    /// [`sync`](Self::sync)s up to `state.last_seq()`, then
    /// [`write_snapshot`](crate::write_snapshot)s `state` with the current table, so a
    /// snapshot never gets ahead of the durable log.
    ///
    /// # Errors
    ///
    /// As [`sync`](Self::sync) and [`write_snapshot`](crate::write_snapshot).
    pub fn write_snapshot(&mut self, state: &State) -> Result<PathBuf, PersistError> {
        if self.durable_next() <= state.last_seq() {
            self.sync()?;
        }
        crate::snapshot::write_snapshot(&self.dir, state, &self.meta)
    }

    /// `pwrite`s `buf[written..end]` (all in the current segment) at its length.
    fn write_range(&mut self, end: usize) -> Result<(), PersistError> {
        let Some(cur) = self.current.as_mut() else {
            return Ok(());
        };
        let mut done = 0;
        let bytes = &self.buf[self.written..end];
        let result = loop {
            if done == bytes.len() {
                break Ok(());
            }
            match cur.file.write_at(&bytes[done..], cur.len + done as u64) {
                Ok(0) => break Err(std::io::Error::from(ErrorKind::WriteZero)),
                Ok(n) => done += n,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => break Err(e),
            }
        };
        let whole = done - done % RECORD_BYTES;
        self.written += whole;
        cur.len += whole as u64;
        match result {
            Ok(()) => Ok(()),
            Err(e) => {
                if whole < done {
                    // Cut the partial frame; if even that fails, the retry overwrites
                    // it at the same offset, and a crash leaves a torn tail that
                    // `open` cuts.
                    let _ = cur.file.set_len(cur.len);
                }
                Err(PersistError::io("write", &cur.path, e))
            }
        }
    }

    /// `fdatasync`s the current segment; on success every written frame is durable.
    fn sync_current(&mut self) -> Result<(), PersistError> {
        self.wait_background()?;
        if let Some(cur) = self.current.as_mut()
            && cur.synced < cur.len
        {
            if let Err(e) = cur.file.sync_data() {
                // The pages may be lost yet marked clean: write them all again.
                cur.len = cur.synced;
                self.written = 0;
                let _ = cur.file.set_len(cur.len);
                return Err(PersistError::io("fdatasync", &cur.path, e));
            }
            cur.synced = cur.len;
        }
        self.buf.drain(..self.written);
        self.buf_first += (self.written / RECORD_BYTES) as u64;
        self.written = 0;
        Ok(())
    }

    /// Closes the current segment (durably, unless `roll_sync` is off) and starts the one beginning at `seq`.
    fn roll(&mut self, seq: u64) -> Result<(), PersistError> {
        if self.roll_sync {
            self.sync_current()?;
        } else {
            self.forget_written();
        }
        let meta = match self.rolls.front() {
            Some(r) if r.seq == seq => r.meta.clone(),
            _ => self.meta.clone(),
        };
        if let Some(cur) = self.current.take()
            && cur.len == cur.header_len
            && cur.first_seq == seq
        {
            // A segment created by a roll whose records never made it (a write
            // error): replace it rather than collide with its name.
            drop(cur.file);
            std::fs::remove_file(&cur.path)
                .map_err(|e| PersistError::io("remove", &cur.path, e))?;
        }
        let path = self.dir.join(segment_name(seq));
        let file = create_segment(&path)?;
        let bytes = header::encode(seq, now_ns(), &meta);
        let written = file
            .write_all_at(&bytes, 0)
            .and_then(|()| file.sync_data())
            .map_err(|e| PersistError::io("write header of", &path, e));
        if let Err(e) = written {
            drop(file);
            let _ = std::fs::remove_file(&path);
            return Err(e);
        }
        sync_dir(&self.dir)?;
        let len = bytes.len() as u64;
        self.current = Some(Current {
            file,
            path,
            first_seq: seq,
            header_len: len,
            len,
            synced: len,
        });
        if self.rolls.front().is_some_and(|r| r.seq == seq) {
            self.rolls.pop_front();
        }
        Ok(())
    }
}

/// Creates a new segment file. A file of that name can only be left over from a
/// creation that failed before its header was complete: it is reused.
fn create_segment(path: &Path) -> Result<File, PersistError> {
    let open = |new: bool| {
        let mut o = OpenOptions::new();
        o.read(true).write(true);
        if new {
            o.create_new(true);
        }
        o.open(path)
    };
    match open(true) {
        Ok(f) => Ok(f),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            let f = open(false).map_err(|e| PersistError::io("open", path, e))?;
            let len = f
                .metadata()
                .map_err(|e| PersistError::io("stat", path, e))?
                .len();
            if len > MAX_HEADER_BYTES as u64 {
                let what = "a segment with records already has this name";
                return Err(PersistError::corrupt(path, 0, None, what));
            }
            f.set_len(0)
                .map_err(|e| PersistError::io("truncate", path, e))?;
            Ok(f)
        }
        Err(e) => Err(PersistError::io("create", path, e)),
    }
}
