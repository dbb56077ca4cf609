//! The owner's side of a segment: exclusive, race-free creation (module docs, steps
//! 1-4), a read-write mapping, and the lock held until the owner goes away.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use memmap2::{MmapOptions, MmapRaw};
use rustix::fs::{FallocateFlags, Mode, OFlags, fallocate, fchmod, fstat, open};
use rustix::io::Errno;

use super::error::{CreateError, RemoveError};
use super::lock::{Identity, is_regular, lock_exclusive};
use crate::sync::AtomicU64;

/// Rounds of "create, or deal with what is there" before giving up: each lost round
/// means another process created or removed the file in between, so a handful is
/// plenty unless something is badly wrong.
const MAX_ROUNDS: usize = 16;

/// Segment permission bits: owner read/write, nothing for group and others.
const MODE: u32 = 0o600;

/// How [`OwnedSegment::create`] treats a file a dead owner left behind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CreateOptions {
    /// Byte offset in the file of the owner's pid (a native-endian `u32`), used to name
    /// the live owner in [`CreateError::Locked`]. `None`: the pid is not reported.
    pub pid_offset: Option<u64>,
    /// Keep a dead owner's file of exactly the requested size, with its contents, and
    /// map it (a restarted reader keeping its cursor), instead of replacing it.
    pub take_over: bool,
}

/// What [`OwnedSegment::create`] found at the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Nothing: the segment is new and zero-filled.
    Fresh,
    /// A dead owner's file, now removed; the segment is new and zero-filled.
    ReplacedStale,
    /// A dead owner's file, kept with its contents (only with `take_over`).
    TakenOver,
}

/// A segment this process created and owns: mapped read-write, `flock(LOCK_EX)` held
/// until it is dropped (or the process dies, however it dies).
///
/// Dropping it unmaps and closes the file, which releases the lock; the file stays, so
/// readers can still inspect it. [`unlink`](Self::unlink) removes the name.
#[derive(Debug)]
pub struct OwnedSegment {
    /// The mapping; declared before `file` so it is unmapped before the lock goes.
    map: MmapRaw,
    /// The locked file. Invariant: we hold `LOCK_EX` on it for as long as it is open.
    file: File,
    path: PathBuf,
    identity: Identity,
}

enum Step {
    Done(OwnedSegment),
    Exists,
    Retry,
}

enum Existing {
    TakenOver(OwnedSegment),
    Removed,
    Changed,
}

fn io_err<'a>(path: &'a Path, op: &'static str) -> impl FnOnce(io::Error) -> CreateError + 'a {
    move |source| CreateError::Io {
        path: path.to_path_buf(),
        op,
        source,
    }
}

fn errno<'a>(path: &'a Path, op: &'static str) -> impl FnOnce(Errno) -> CreateError + 'a {
    move |e| io_err(path, op)(e.into())
}

impl OwnedSegment {
    /// Creates the segment at `path`, `len` bytes, zero-filled, mode 0600, every page
    /// reserved, locked and mapped read-write; replaces (or with `take_over`, keeps) a
    /// file whose owner is dead. Race-free against other starters and cleaners: see the
    /// module docs.
    ///
    /// # Errors
    ///
    /// [`CreateError::Locked`] if a live owner holds it; [`CreateError::NoSpace`] if the
    /// pages cannot be reserved; [`CreateError::Symlink`], [`CreateError::NotRegularFile`],
    /// [`CreateError::WrongOwner`] for something at the name we must not replace;
    /// [`CreateError::Io`] for any other failing system call. On error nothing we
    /// created is left behind.
    ///
    /// # Safety
    ///
    /// The mapping is memory shared with other processes:
    /// - No process may shrink the file while it is mapped: touching a page past the end
    ///   of a file raises SIGBUS and kills the process (as for any mmap; see ripgrep's
    ///   `searcher/mmap.rs`). This crate never truncates a segment; only a process of the
    ///   same user (or root) could.
    /// - Any process of the same user can open the file read-write and change it at any
    ///   time. The caller accesses the memory through atomics (or with its own unsafe
    ///   code that tolerates other writers) and never creates `&`/`&mut` references to
    ///   plain data in it that another process might write. With `take_over`, the memory
    ///   starts out holding whatever the previous owner wrote.
    pub unsafe fn create(
        path: &Path,
        len: usize,
        opts: CreateOptions,
    ) -> Result<(Self, Origin), CreateError> {
        let mut replaced = false;
        for _ in 0..MAX_ROUNDS {
            match Self::try_create_new(path, len)? {
                Step::Done(seg) => {
                    let origin = if replaced {
                        Origin::ReplacedStale
                    } else {
                        Origin::Fresh
                    };
                    return Ok((seg, origin));
                }
                Step::Retry => continue,
                Step::Exists => {}
            }
            match Self::deal_with_existing(path, len, opts)? {
                Existing::TakenOver(seg) => return Ok((seg, Origin::TakenOver)),
                Existing::Removed => replaced = true,
                Existing::Changed => {}
            }
        }
        Err(CreateError::Contended {
            path: path.to_path_buf(),
        })
    }

    /// Steps 1-3: `O_EXCL` create, lock, verify, set up.
    fn try_create_new(path: &Path, len: usize) -> Result<Step, CreateError> {
        let flags =
            OFlags::RDWR | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let file = match open(path, flags, Mode::from_raw_mode(MODE)) {
            Ok(fd) => File::from(fd),
            Err(Errno::EXIST) => return Ok(Step::Exists),
            Err(e) => return Err(errno(path, "create")(e)),
        };
        let identity = Identity::of_stat(&fstat(&file).map_err(errno(path, "stat"))?);
        // Lock before anything else. Failing that, or finding the name no longer ours,
        // means a starter took our still-unlocked file for a stale one: start over.
        if !lock_exclusive(&file).map_err(io_err(path, "lock"))? {
            return Ok(Step::Retry);
        }
        if Identity::of_path(path).map_err(io_err(path, "stat"))? != Some(identity) {
            return Ok(Step::Retry);
        }
        // The file is ours now; on any failure below remove it again while still locked.
        let guard = Unlinker {
            path,
            identity,
            armed: true,
        };
        fchmod(&file, Mode::from_raw_mode(MODE)).map_err(errno(path, "set mode 0600 on"))?;
        reserve(&file, path, len, true)?;
        let map = map_rw(&file, path, len)?;
        guard.disarm();
        Ok(Step::Done(OwnedSegment {
            map,
            file,
            path: path.to_path_buf(),
            identity,
        }))
    }

    /// Step 4: the name exists. Report a live owner, or (holding the dead owner's lock)
    /// remove or take over its file.
    fn deal_with_existing(
        path: &Path,
        len: usize,
        opts: CreateOptions,
    ) -> Result<Existing, CreateError> {
        let flags = OFlags::RDWR | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK;
        let file = match open(path, flags, Mode::empty()) {
            Ok(fd) => File::from(fd),
            Err(Errno::NOENT) => return Ok(Existing::Changed),
            Err(Errno::LOOP) => {
                return Err(CreateError::Symlink {
                    path: path.to_path_buf(),
                });
            }
            Err(Errno::ISDIR) => {
                return Err(CreateError::NotRegularFile {
                    path: path.to_path_buf(),
                });
            }
            Err(e) => return Err(errno(path, "open existing")(e)),
        };
        let st = fstat(&file).map_err(errno(path, "stat"))?;
        if !is_regular(&st) {
            return Err(CreateError::NotRegularFile {
                path: path.to_path_buf(),
            });
        }
        let euid = rustix::process::geteuid().as_raw();
        if st.st_uid != euid {
            return Err(CreateError::WrongOwner {
                path: path.to_path_buf(),
                uid: st.st_uid,
                expected: euid,
            });
        }
        if !lock_exclusive(&file).map_err(io_err(path, "lock"))? {
            return Err(CreateError::Locked {
                path: path.to_path_buf(),
                pid: read_pid(&file, opts.pid_offset),
            });
        }
        // The owner is dead and we hold its lock. Make sure the name still means this
        // file (another starter may have replaced it before we got the lock).
        let identity = Identity::of_stat(&st);
        if Identity::of_path(path).map_err(io_err(path, "stat"))? != Some(identity) {
            return Ok(Existing::Changed);
        }
        if opts.take_over && u64::try_from(st.st_size).ok() == Some(len as u64) {
            fchmod(&file, Mode::from_raw_mode(MODE)).map_err(errno(path, "set mode 0600 on"))?;
            reserve(&file, path, len, false)?;
            let map = map_rw(&file, path, len)?;
            return Ok(Existing::TakenOver(OwnedSegment {
                map,
                file,
                path: path.to_path_buf(),
                identity,
            }));
        }
        match rustix::fs::unlink(path) {
            Ok(()) => Ok(Existing::Removed),
            Err(Errno::NOENT) => Ok(Existing::Changed),
            Err(e) => Err(errno(path, "remove stale")(e)),
        }
        // `file` closes here, releasing the dead owner's lock on the unlinked inode.
    }

    /// The segment's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Its length in bytes.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True for a zero-length segment (never, for one made by [`create`](Self::create)).
    pub fn is_empty(&self) -> bool {
        self.map.len() == 0
    }

    /// Start of the read-write mapping (page-aligned).
    pub fn as_mut_ptr(&self) -> *mut u8 {
        self.map.as_mut_ptr()
    }

    /// The whole mapping as atomic words (`len / 8` of them).
    pub fn words(&self) -> &[AtomicU64] {
        let ptr = self.map.as_mut_ptr().cast::<AtomicU64>();
        debug_assert!(ptr.is_aligned());
        // SAFETY: the mapping is page-aligned (so 8-aligned), readable and writable for
        // `len` bytes while `self.map` lives, which the returned borrow guarantees. All
        // access through it is atomic; the `create` contract covers other processes.
        unsafe { std::slice::from_raw_parts(ptr, self.map.len() / 8) }
    }

    /// Removes the segment's name now (we still hold the lock, so nobody else can be
    /// creating or replacing it). Readers that mapped it keep their mapping. Leaves
    /// alone a different file that someone put at the name by hand.
    ///
    /// # Errors
    ///
    /// [`RemoveError`] if the unlink fails.
    pub fn unlink(&self) -> Result<(), RemoveError> {
        let err = |op| {
            move |source: io::Error| RemoveError {
                path: self.path.clone(),
                op,
                source,
            }
        };
        if Identity::of_path(&self.path).map_err(err("stat"))? != Some(self.identity) {
            return Ok(());
        }
        match rustix::fs::unlink(&self.path) {
            Ok(()) | Err(Errno::NOENT) => Ok(()),
            Err(e) => Err(err("remove")(e.into())),
        }
    }

    /// The locked file (for `pread`-style access off the mapping).
    pub fn file(&self) -> &File {
        &self.file
    }
}

/// Removes a half-created segment on an error path. Declared after the `File` it
/// protects, so it runs while the lock is still held.
struct Unlinker<'a> {
    path: &'a Path,
    identity: Identity,
    armed: bool,
}

impl Unlinker<'_> {
    fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for Unlinker<'_> {
    fn drop(&mut self) {
        if self.armed && matches!(Identity::of_path(self.path), Ok(Some(id)) if id == self.identity)
        {
            let _ = rustix::fs::unlink(self.path);
        }
    }
}

/// Reserves every page of the file's first `len` bytes (and sets its size). A sparse
/// tmpfs file can hit ENOSPC on first touch of a page, which arrives as SIGBUS; this
/// turns it into an error now. Filesystems without `fallocate` get zeros written instead
/// when `may_zero` (never on a take-over, which must keep the contents).
fn reserve(file: &File, path: &Path, len: usize, may_zero: bool) -> Result<(), CreateError> {
    let no_space = || CreateError::NoSpace {
        path: path.to_path_buf(),
        len: len as u64,
    };
    match fallocate(file, FallocateFlags::empty(), 0, len as u64) {
        Ok(()) => Ok(()),
        Err(Errno::NOSPC) => Err(no_space()),
        Err(Errno::OPNOTSUPP) if may_zero => {
            const CHUNK: usize = 64 * 1024;
            let zeros = vec![0u8; CHUNK.min(len)];
            let mut at = 0usize;
            while at < len {
                let n = CHUNK.min(len - at);
                file.write_all_at(&zeros[..n], at as u64).map_err(|e| {
                    if e.raw_os_error() == Some(Errno::NOSPC.raw_os_error()) {
                        no_space()
                    } else {
                        io_err(path, "zero-fill")(e)
                    }
                })?;
                at += n;
            }
            Ok(())
        }
        Err(Errno::OPNOTSUPP) => Ok(()),
        Err(e) => Err(errno(path, "reserve space for")(e)),
    }
}

fn map_rw(file: &File, path: &Path, len: usize) -> Result<MmapRaw, CreateError> {
    MmapOptions::new()
        .len(len)
        .map_raw(file)
        .map_err(io_err(path, "map"))
}

/// The pid stored at `offset` in the file, read with `pread` (no mapping, so no
/// SIGBUS on a short file); `None` if unknown, unreadable or zero.
fn read_pid(file: &File, offset: Option<u64>) -> Option<u32> {
    let mut buf = [0u8; 4];
    file.read_exact_at(&mut buf, offset?).ok()?;
    let pid = u32::from_ne_bytes(buf);
    (pid != 0).then_some(pid)
}
