//! `flock` helpers, inode identity, and removal of a dead owner's file.
//!
//! `flock` locks belong to the *open file description*: two `open`s of one file, even in
//! one process, conflict; a `fork`ed child shares its parent's. The kernel drops the lock
//! when the last descriptor of that description closes, which happens on any exit,
//! SIGKILL included. That is the only liveness signal this crate trusts: pids get reused.

use std::fs::File;
use std::io;
use std::path::Path;
use std::time::{Duration, Instant};

use rustix::fs::{FileType, FlockOperation, Stat, flock, fstat, lstat};
use rustix::io::Errno;

use super::error::RemoveError;

/// How long a starter keeps retrying a lock that a liveness probe may be holding.
/// A probe holds `LOCK_SH` for two system calls; a live owner holds `LOCK_EX` forever.
const LOCK_RETRY_FOR: Duration = Duration::from_millis(200);

/// Which file an open descriptor or a path refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Identity {
    dev: u64,
    ino: u64,
}

impl Identity {
    pub(crate) fn of_stat(st: &Stat) -> Self {
        Identity {
            dev: st.st_dev,
            ino: st.st_ino,
        }
    }

    /// The file `path` names right now, without following a symlink; `None` if none.
    pub(crate) fn of_path(path: &Path) -> io::Result<Option<Self>> {
        match lstat(path) {
            Ok(st) => Ok(Some(Identity::of_stat(&st))),
            Err(Errno::NOENT) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

/// True if `st` describes a regular file.
pub(crate) fn is_regular(st: &Stat) -> bool {
    FileType::from_raw_mode(st.st_mode) == FileType::RegularFile
}

/// Tries `LOCK_EX|LOCK_NB`, retrying with short growing pauses for [`LOCK_RETRY_FOR`]
/// (a reader's liveness probe may hold `LOCK_SH` for a moment). `Ok(false)`: someone
/// still holds a lock.
pub(crate) fn lock_exclusive(file: &File) -> io::Result<bool> {
    let deadline = Instant::now() + LOCK_RETRY_FOR;
    let mut pause = Duration::from_micros(50);
    loop {
        match flock(file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => return Ok(true),
            Err(Errno::WOULDBLOCK) if Instant::now() < deadline => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(5));
            }
            Err(Errno::WOULDBLOCK) => return Ok(false),
            Err(Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
}

/// True while some process holds `LOCK_EX` on the file behind `file`.
///
/// Takes `LOCK_SH|LOCK_NB` and releases it at once: acquiring it means no exclusive lock
/// exists, so the owner is gone. Any unexpected error answers "alive": a live owner is
/// never declared dead. Must never be called on the owner's own descriptor (it would
/// convert the owner's lock to a shared one and then drop it).
pub(crate) fn probe_alive(file: &File) -> bool {
    match flock(file, FlockOperation::NonBlockingLockShared) {
        Ok(()) => {
            // Release at once: a starting owner's LOCK_EX|LOCK_NB retries across this
            // window (see `lock_exclusive`). Failing to unlock is harmless: closing the
            // file releases it.
            let _ = flock(file, FlockOperation::Unlock);
            false
        }
        Err(_) => true,
    }
}

/// What [`remove_if_dead`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    /// The owner was dead; the file is gone.
    Removed,
    /// A live process holds the lock; the file was left alone.
    Live,
    /// The file disappeared (or was replaced) while we looked; nothing was removed.
    Vanished,
    /// Not a regular file of ours (a symlink, directory, another user's file): left
    /// alone, never removed automatically.
    Skipped {
        /// Why it was skipped.
        reason: &'static str,
    },
}

/// Removes the segment at `path` if, and only if, its owner is dead.
///
/// Opens it `O_NOFOLLOW`, takes `LOCK_EX|LOCK_NB` (with the short retry a liveness
/// probe calls for), checks that `path` still names the inode it locked, and unlinks it
/// while holding the lock: the same rule [`OwnedSegment::create`](super::OwnedSegment::create)
/// follows, so a live owner's file, or one being created, is never removed.
///
/// # Errors
///
/// [`RemoveError`] if a system call fails unexpectedly.
pub fn remove_if_dead(path: &Path) -> Result<Removal, RemoveError> {
    use rustix::fs::{Mode, OFlags, open};
    let err = |op: &'static str| {
        move |source: io::Error| RemoveError {
            path: path.to_path_buf(),
            op,
            source,
        }
    };
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK;
    let file = match open(path, flags, Mode::empty()) {
        Ok(fd) => File::from(fd),
        Err(Errno::NOENT) => return Ok(Removal::Vanished),
        Err(Errno::LOOP) => {
            return Ok(Removal::Skipped {
                reason: "a symbolic link",
            });
        }
        Err(e) => return Err(err("open")(e.into())),
    };
    let st = fstat(&file).map_err(|e| err("stat")(e.into()))?;
    if !is_regular(&st) {
        return Ok(Removal::Skipped {
            reason: "not a regular file",
        });
    }
    if st.st_uid != rustix::process::geteuid().as_raw() {
        return Ok(Removal::Skipped {
            reason: "owned by another user",
        });
    }
    if !lock_exclusive(&file).map_err(err("lock"))? {
        return Ok(Removal::Live);
    }
    if Identity::of_path(path).map_err(err("stat"))? != Some(Identity::of_stat(&st)) {
        return Ok(Removal::Vanished);
    }
    match rustix::fs::unlink(path) {
        Ok(()) => Ok(Removal::Removed),
        Err(Errno::NOENT) => Ok(Removal::Vanished),
        Err(e) => Err(err("remove")(e.into())),
    }
}
