//! Named shared-memory files: exclusive create, read-only attach, liveness by `flock`.
//!
//! A segment is a plain file in a directory (default `/dev/shm`, a tmpfs; overridable
//! per call and by the `SEAMLESS_SHM_DIR` environment variable so tests and side-by-side
//! instances never collide) mapped with memmap2. Exactly one process, the *owner*,
//! creates a segment, maps it read-write and holds `flock(LOCK_EX)` on it for its whole
//! life; everyone else opens it `O_RDONLY` and maps it `PROT_READ`, so they can corrupt
//! neither the owner's data nor each other's. See decision record 0001
//! (`docs/decisions/0001-region-files-memmap2-flock.md`) for why files + memmap2 +
//! `flock` rather than the `shared_memory` crate.
//!
//! Progress: everything here is blocking (system calls) and belongs off the hot path:
//! start-up, attach, discovery and clean-up. The mapped memory itself is then used
//! lock-free by the modules above this one.
//!
//! # Example
//!
//! ```
//! use seamless_ipc::shm::{CreateOptions, OwnedSegment, ReadOnlySegment};
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("seamless-doc");
//! // SAFETY: nobody else truncates this private file while it is mapped.
//! let (owner, _) = unsafe { OwnedSegment::create(&path, 4096, CreateOptions::default()) }.unwrap();
//! owner.words()[1].store(7, std::sync::atomic::Ordering::Release);
//! // SAFETY: as above.
//! let reader = unsafe { ReadOnlySegment::open(&path, 4096) }.unwrap();
//! assert_eq!(reader.words().load(1), Some(7));
//! assert!(reader.is_owner_alive());
//! drop(owner);
//! assert!(!reader.is_owner_alive());
//! ```
//!
//! # Implementation
//!
//! Creating (`OwnedSegment::create`), in a loop of at most a few rounds:
//!
//! 1. `open(O_RDWR|O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC, 0600)`. `O_CLOEXEC` matters: a
//!    child that inherited the descriptor would keep the lock, and so the owner "alive",
//!    after the owner died.
//! 2. On success take `flock(LOCK_EX|LOCK_NB)`, retrying for a few milliseconds (a
//!    reader's liveness probe holds `LOCK_SH` for microseconds). Then check that the
//!    path still names the inode we created (`fstat` vs `lstat`); if not, another
//!    starter took our unlocked file for a stale one and removed it: start over.
//! 3. `fchmod(0600)` (the umask only ever removes bits; set the mode explicitly anyway),
//!    reserve every page with `fallocate` (a sparse file on a full tmpfs means SIGBUS on
//!    first touch; `ENOSPC` becomes [`CreateError::NoSpace`]) and map it read-write.
//! 4. On `EEXIST`: open the existing file (`O_NOFOLLOW`: a symlink is refused, never
//!    followed), refuse anything but a regular file of ours, and try `LOCK_EX|LOCK_NB`
//!    with the same short retry. Still locked: the owner is alive, report
//!    [`CreateError::Locked`] with the pid read from the file (if the caller said where
//!    it lives). Locked by us: the owner is dead (the kernel drops a `flock` on any exit,
//!    SIGKILL included; pids get reused, locks do not). Verify that the path still names
//!    the inode we locked (else start over), then, *still holding the lock*, either
//!    unlink it and go back to step 1, or (take-over) keep it and map it.
//!
//! Why two starting owners cannot both win: a file is unlinked only by a process that
//! holds `LOCK_EX` on it *and* has checked, after locking, that the path still names it;
//! an owner holds `LOCK_EX` from step 2 until it exits. So (a) a live owner's file is
//! never unlinked: its lock cannot be taken; (b) a file created but not yet locked may
//! be unlinked by a starter that judged it stale, but then its creator's post-lock check
//! fails and it starts over; (c) two starters replacing the same stale file are
//! serialised by the lock, and the second one's post-lock check fails because the first
//! already unlinked it; (d) `O_EXCL` lets exactly one of them create the new file, and
//! the other finds it locked. Clean-up ([`remove_if_dead`]) follows the same rule.
//! This is the classic lock-then-verify pattern for lock files (see flock(2) and the
//! "lock file" discussion in the Linux `open(2)` notes on `O_EXCL`).
//!
//! Attaching (`ReadOnlySegment::open`): `open(O_RDONLY|O_NOFOLLOW|O_CLOEXEC|O_NONBLOCK)`
//! (a FIFO planted at the name must not block us), `fstat`: a regular file, owned by our
//! effective uid, no group/other permission bits, at least the caller's minimum size;
//! only then `mmap(PROT_READ)` of exactly the size `fstat` reported. Liveness probe:
//! `flock(LOCK_SH|LOCK_NB)` and release at once; acquiring it means nobody holds
//! `LOCK_EX`, so the owner is gone.
//!
//! This module must never follow a symlink, unlink a file whose lock it does not hold,
//! map more than `fstat` reported, or probe liveness on the owner's own descriptor (a
//! `LOCK_SH` on the owner's open file description would *convert* its lock).

mod clock;
mod error;
mod lock;
mod names;
mod owned;
mod read_only;
mod ro_words;

pub(crate) use clock::{age, unique_id};
pub use clock::{monotonic_ns, unix_time_ns};
pub use error::{CreateError, OpenError, RemoveError};
pub use lock::{Removal, remove_if_dead};
pub use names::{
    DEFAULT_DIR, DIR_ENV, FILE_PREFIX, InvalidName, MAX_NAME_LEN, NameKind, READER_INFIX,
    reader_slot_path, region_path, shm_dir, validate_name,
};
pub use owned::{CreateOptions, Origin, OwnedSegment};
pub use read_only::ReadOnlySegment;
pub use ro_words::{RoWord, RoWords};
