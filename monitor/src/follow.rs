//! [`Follower`]: an attachment to an instance's region that survives a core restart.
//!
//! A restarted core replaces the region file (a new file under the same name, a new
//! instance id); the old mapping stays readable but frozen. The follower notices the
//! replacement (one `stat` a few times a second, [`RegionReader::is_current`]) and
//! attaches to the new region, so every mode of the monitor keeps following.
//!
//! Progress: blocking (system calls); never called on anyone's hot path.
//!
//! [`RegionReader::is_current`]: seamless_ipc::region::RegionReader::is_current

use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use seamless_core::domain::Instruments;
use seamless_core::shared::observer::{self, try_attach};
use seamless_core::shared::{SharedReader, Snapshot};

use crate::error::MonitorError;
use crate::options::Stop;

/// How long a core may stay "starting" before attaching gives up.
const START_WAIT: Duration = Duration::from_secs(10);
/// Pause between attach attempts while the core starts.
const START_RETRY: Duration = Duration::from_millis(20);
/// How often [`Follower::poll_restart`] looks for a replaced region.
const CHECK_EVERY: Duration = Duration::from_millis(200);

/// A core restart the follower has followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Restart {
    /// The old run's instance id.
    pub old_id: u64,
    /// The new run's instance id.
    pub new_id: u64,
    /// The new core's pid.
    pub pid: u32,
    /// The first event sequence of the new run.
    pub first_seq: u64,
}

/// A reader of one instance that reattaches when its core is replaced.
#[derive(Debug)]
pub struct Follower {
    dir: Option<PathBuf>,
    reader: SharedReader,
    next_check: Instant,
}

impl Follower {
    /// Attaches to instance `name`, waiting (up to 10 s, or until `stop`) while its
    /// core is still starting.
    ///
    /// # Errors
    ///
    /// [`MonitorError::NoInstance`], [`MonitorError::StillStarting`], or
    /// [`MonitorError::Attach`] naming the problem (layout versions, permissions...).
    pub fn attach(dir: Option<&Path>, name: &str, stop: &Stop) -> Result<Self, MonitorError> {
        let began = Instant::now();
        loop {
            match try_attach(dir, name) {
                Ok(Some(reader)) => {
                    return Ok(Follower {
                        dir: dir.map(Path::to_path_buf),
                        reader,
                        next_check: Instant::now() + CHECK_EVERY,
                    });
                }
                Ok(None) if began.elapsed() < START_WAIT && !stop.is_set() => {
                    thread::sleep(START_RETRY);
                }
                Ok(None) => {
                    return Err(MonitorError::StillStarting {
                        name: name.to_owned(),
                        waited: began.elapsed(),
                    });
                }
                Err(e) => return Err(MonitorError::from_attach(name, e)),
            }
        }
    }

    /// The current region.
    pub fn reader(&self) -> &SharedReader {
        &self.reader
    }

    /// The region's instruments (for the event JSON writer).
    pub fn instruments(&self) -> &Instruments {
        self.reader.instrument_table()
    }

    /// Reads a [`Snapshot`], retrying a few times when a row is being rewritten
    /// (contended) or its writer is descheduled mid-write.
    ///
    /// # Errors
    ///
    /// [`MonitorError::Read`] when a row stays unreadable (a core that died in the
    /// middle of writing it).
    pub fn snapshot(&self, stale: Duration) -> Result<Snapshot, MonitorError> {
        observer::snapshot_retrying(&self.reader, stale).map_err(MonitorError::Read)
    }

    /// If the region was replaced by a new core since the last check (checked at most
    /// every 200 ms), attaches to the new one and says so. A region that is gone, or
    /// whose new core is still starting, keeps the old one (still readable) until
    /// the next check.
    pub fn poll_restart(&mut self) -> Option<Restart> {
        let now = Instant::now();
        if now < self.next_check {
            return None;
        }
        self.next_check = now + CHECK_EVERY;
        if self.reader.region().is_current() {
            return None;
        }
        let reader = try_attach(self.dir.as_deref(), self.reader.name()).ok()??;
        if reader.instance_id() == self.reader.instance_id() {
            return None;
        }
        let restart = Restart {
            old_id: self.reader.instance_id(),
            new_id: reader.instance_id(),
            pid: reader.pid(),
            first_seq: reader.meta().first_seq.max(1),
        };
        self.reader = reader;
        Some(restart)
    }
}
