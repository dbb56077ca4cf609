//! [`Durability`]: when appended events become written (to the OS) and durable (on the
//! disk), per `persist.fsync`.
//!
//! | policy | after each batch | when idle | durable cursor |
//! |---|---|---|---|
//! | `always` | write + one fdatasync (group commit) | nothing | = written |
//! | `interval` | write; start a background fdatasync when `fsync_interval_ms` passed | the same | after each fdatasync finished |
//! | `never` | write | nothing | = written (survives a process crash, not a power loss) |
//!
//! The gate cursor the core waits on is the *written* cursor: an event written to the
//! OS survives the persister's crash (the page cache belongs to the kernel), so the
//! core may overwrite it in the ring; what a power loss can take is what the durable
//! cursor has not passed, and readers show `logged` only behind the durable cursor.
//!
//! Under `interval` the fdatasync runs on the writer's background thread
//! ([`LogWriter::sync_in_background`]): a flush that takes 100 ms on a slow disk no
//! longer stops the persister from draining the core's ring meanwhile.
//!
//! Progress: blocking (write(2); fdatasync(2) inline under `always` and for
//! [`Durability::sync`]).

use std::time::{Duration, Instant};

use seamless_config::FsyncPolicy;

use crate::{LogWriter, PersistError};

/// Cursors after a durability step: next sequence not yet written, not yet durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursors {
    /// The next sequence not yet written to the OS.
    pub written: u64,
    /// The next sequence not yet durable.
    pub durable: u64,
}

/// The fsync policy's state.
#[derive(Debug)]
pub struct Durability {
    policy: FsyncPolicy,
    interval: Duration,
    next_sync: Instant,
    cursors: Cursors,
    /// fdatasync calls made.
    syncs: u64,
}

impl Durability {
    /// Starts with both cursors at `next` (everything before it is on disk).
    pub fn new(policy: FsyncPolicy, interval: Duration, next: u64) -> Self {
        Durability {
            policy,
            interval,
            next_sync: Instant::now() + interval,
            cursors: Cursors {
                written: next,
                durable: next,
            },
            syncs: 0,
        }
    }

    /// The cursors as of the last successful step.
    pub fn cursors(&self) -> Cursors {
        self.cursors
    }

    /// fdatasync calls so far.
    pub fn syncs(&self) -> u64 {
        self.syncs
    }

    /// After a batch was appended.
    ///
    /// # Errors
    ///
    /// The writer's I/O error; the cursors stay where they were (nothing is lost: the
    /// records stay buffered and the next step retries).
    pub fn after_batch(&mut self, log: &mut LogWriter) -> Result<Cursors, PersistError> {
        match self.policy {
            FsyncPolicy::Always => self.sync(log),
            FsyncPolicy::Interval => {
                self.cursors.written = log.write()?;
                self.idle(log)
            }
            FsyncPolicy::Never => {
                let written = log.write()?;
                // Nothing waits for durability: keep no frames for a rewrite.
                log.forget_written();
                self.cursors = Cursors {
                    written,
                    durable: written,
                };
                Ok(self.cursors)
            }
        }
    }

    /// While no events arrive (and after each batch under `interval`): applies a
    /// finished background sync, and starts one once due.
    ///
    /// # Errors
    ///
    /// As [`after_batch`](Self::after_batch).
    pub fn idle(&mut self, log: &mut LogWriter) -> Result<Cursors, PersistError> {
        if self.policy != FsyncPolicy::Interval {
            return Ok(self.cursors);
        }
        log.poll_background()?;
        self.cursors.durable = log.durable_next().max(self.cursors.durable);
        let now = Instant::now();
        if self.cursors.durable < self.cursors.written
            && now >= self.next_sync
            && log.sync_in_background()?
        {
            self.syncs += 1;
            self.next_sync = now + self.interval;
        }
        Ok(self.cursors)
    }

    /// Writes and fdatasyncs everything appended (before a snapshot, at the end).
    ///
    /// # Errors
    ///
    /// As [`after_batch`](Self::after_batch).
    pub fn sync(&mut self, log: &mut LogWriter) -> Result<Cursors, PersistError> {
        let durable = log.sync()?;
        self.syncs += 1;
        self.next_sync = Instant::now() + self.interval;
        self.cursors = Cursors {
            written: durable,
            durable,
        };
        Ok(self.cursors)
    }
}
