//! The readers' side of a segment: checked open, `PROT_READ` mapping, liveness probe.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use memmap2::{MmapOptions, MmapRaw};
use rustix::fs::{Mode, OFlags, fstat, open};
use rustix::io::Errno;

use super::error::OpenError;
use super::lock::{Identity, is_regular, probe_alive};
use super::ro_words::RoWords;
use crate::sync::AtomicU64;

/// A segment mapped read-only (`O_RDONLY` + `PROT_READ`): this process cannot write it,
/// whatever bug it has.
#[derive(Debug)]
pub struct ReadOnlySegment {
    /// The mapping: exactly the file size `fstat` reported at open.
    map: MmapRaw,
    /// Kept open for the liveness probe (`flock(LOCK_SH|LOCK_NB)`).
    file: File,
    path: PathBuf,
    identity: Identity,
}

impl ReadOnlySegment {
    /// Opens and maps the segment at `path` read-only, after checking that it is a
    /// regular file (a symlink is refused, not followed), owned by our effective uid,
    /// with no group/other permission bits, and at least `min_len` bytes long.
    ///
    /// # Errors
    ///
    /// One [`OpenError`] variant per refused check; [`OpenError::TooSmall`] says whether
    /// an owner still holds the lock (a file may be 0 bytes for a moment after its
    /// creation). [`OpenError::Io`] for any other failing system call.
    ///
    /// # Safety
    ///
    /// Another process (the owner) writes this memory at any time, so the caller reads
    /// it only with atomic loads of at most 8 bytes (`Relaxed`: the std docs' "Atomic
    /// accesses to read-only memory" allow nothing else on a `PROT_READ` mapping) and
    /// never makes plain `&` references to it. No process may shrink the file while it
    /// is mapped: reading a page past the end of a file raises SIGBUS and kills this
    /// process (as for any mmap; see ripgrep's `searcher/mmap.rs`). The owner never
    /// truncates; only a process of the same user (or root) could.
    pub unsafe fn open(path: &Path, min_len: usize) -> Result<Self, OpenError> {
        let io_err = |op: &'static str| {
            move |source: io::Error| OpenError::Io {
                path: path.to_path_buf(),
                op,
                source,
            }
        };
        // O_NONBLOCK: a FIFO planted at the name must not block the open.
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK;
        let file = match open(path, flags, Mode::empty()) {
            Ok(fd) => File::from(fd),
            Err(Errno::NOENT) => {
                return Err(OpenError::NotFound {
                    path: path.to_path_buf(),
                });
            }
            Err(Errno::LOOP) => {
                return Err(OpenError::Symlink {
                    path: path.to_path_buf(),
                });
            }
            Err(e) => return Err(io_err("open")(e.into())),
        };
        let st = fstat(&file).map_err(|e| io_err("stat")(e.into()))?;
        if !is_regular(&st) {
            return Err(OpenError::NotRegularFile {
                path: path.to_path_buf(),
            });
        }
        let euid = rustix::process::geteuid().as_raw();
        if st.st_uid != euid {
            return Err(OpenError::WrongOwner {
                path: path.to_path_buf(),
                uid: st.st_uid,
                expected: euid,
            });
        }
        let mode = st.st_mode & 0o7777;
        if mode & 0o077 != 0 {
            return Err(OpenError::WrongPermissions {
                path: path.to_path_buf(),
                mode,
            });
        }
        let size = u64::try_from(st.st_size).unwrap_or(0);
        let len = usize::try_from(size)
            .ok()
            .filter(|&l| l >= min_len && l > 0);
        let Some(len) = len else {
            return Err(OpenError::TooSmall {
                path: path.to_path_buf(),
                size,
                min: min_len as u64,
                owner_alive: probe_alive(&file),
            });
        };
        let map = MmapOptions::new()
            .len(len)
            .map_raw_read_only(&file)
            .map_err(io_err("map"))?;
        Ok(ReadOnlySegment {
            map,
            file,
            path: path.to_path_buf(),
            identity: Identity::of_stat(&st),
        })
    }

    /// The segment's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes mapped (the file size at open).
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True for an empty mapping (never: `open` refuses empty files).
    pub fn is_empty(&self) -> bool {
        self.map.len() == 0
    }

    /// Start of the read-only mapping (page-aligned).
    pub fn as_ptr(&self) -> *const u8 {
        self.map.as_ptr()
    }

    /// The whole mapping as read-only words (`len / 8` of them).
    pub fn words(&self) -> RoWords<'_> {
        let ptr = self.map.as_ptr().cast::<AtomicU64>();
        debug_assert!(ptr.is_aligned());
        // SAFETY: the mapping is page-aligned and readable for `len` bytes while
        // `self.map` lives, which the borrow guarantees; `RoWords` only does relaxed
        // loads of 8 bytes, which is what `open`'s contract (and PROT_READ) allows.
        unsafe { RoWords::from_raw(ptr, self.map.len() / 8) }
    }

    /// True while the owner holds its lock; false once it has exited in any way.
    /// Costs two system calls; call it off the hot path.
    pub fn is_owner_alive(&self) -> bool {
        probe_alive(&self.file)
    }

    /// True while the path still names the file we mapped (false once the owner
    /// removed it or a new owner replaced it: re-attach to follow the new one).
    pub fn is_current(&self) -> bool {
        matches!(Identity::of_path(&self.path), Ok(Some(id)) if id == self.identity)
    }
}
