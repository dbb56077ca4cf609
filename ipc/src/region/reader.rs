//! The readers' handle: a `PROT_READ` mapping whose header was validated field by field.

use std::path::Path;
use std::time::Duration;

use super::error::{AttachError, SectionError};
use super::header::{HEADER_SIZE, HeaderFixed, HeaderWords, MAGIC, Status, header_words};
use super::spec::SectionInfo;
use super::validate::{Expect, validate};
use crate::shm::{self, OpenError, ReadOnlySegment, RoWords};
use crate::sync::{Ordering, fence};
use crate::words;

/// A reader's view of a region: read-only, validated, `Send + Sync`.
#[derive(Debug)]
pub struct RegionReader {
    seg: ReadOnlySegment,
    name: String,
    /// The header's fixed part as validated at attach (it never changes afterwards).
    fixed: HeaderFixed,
    /// Invariant: every section lies inside the mapping, 128-aligned, no overlaps.
    sections: Vec<SectionInfo>,
}

impl RegionReader {
    /// Attaches to instance `name`'s region in `dir` (default: see
    /// [`shm_dir`](crate::shm::shm_dir)), read-only, after checking the file (regular,
    /// ours, mode 0600, no symlink) and every header field against the file's real size,
    /// and that its layout is `layout_version` / `layout_hash`.
    ///
    /// # Errors
    ///
    /// A typed [`AttachError`] for each problem: not found (with how to start one),
    /// still initialising, wrong magic, layout version or hash mismatch (naming both),
    /// size mismatch, a corrupt field (named), or a file check failing.
    pub fn attach(
        dir: Option<&Path>,
        name: &str,
        layout_version: u32,
        layout_hash: u64,
    ) -> Result<Self, AttachError> {
        Self::open(dir, name, Some((layout_version, layout_hash)))
    }

    /// Like [`attach`](Self::attach) but accepts any layout version and hash (every other
    /// check still applies): for tools that only show the header or clean up.
    ///
    /// # Errors
    ///
    /// As [`attach`](Self::attach), minus the layout mismatches.
    pub fn inspect(dir: Option<&Path>, name: &str) -> Result<Self, AttachError> {
        Self::open(dir, name, None)
    }

    fn open(dir: Option<&Path>, name: &str, expect: Expect) -> Result<Self, AttachError> {
        let path = shm::region_path(dir, name).map_err(AttachError::InvalidName)?;
        // SAFETY: only relaxed loads (HeaderWords, RoWords) touch the mapping; the owner
        // never truncates the file, and only a process of our own user could.
        let seg = match unsafe { ReadOnlySegment::open(&path, HEADER_SIZE) } {
            Ok(seg) => seg,
            Err(OpenError::NotFound { path }) => {
                return Err(AttachError::NotFound {
                    name: name.to_owned(),
                    path,
                });
            }
            Err(OpenError::TooSmall {
                path,
                owner_alive: true,
                ..
            }) => return Err(AttachError::StillInitialising { path }),
            Err(e) => return Err(AttachError::Open(e)),
        };
        let h = header(&seg);
        // Relaxed: the only load allowed on PROT_READ memory; the fence below orders it.
        match h.magic.load(Ordering::Relaxed) {
            MAGIC => {}
            0 if seg.is_owner_alive() => return Err(AttachError::StillInitialising { path }),
            0 => return Err(AttachError::Abandoned { path }),
            found => return Err(AttachError::WrongMagic { path, found }),
        }
        // SYNC POINT region-init: stands in for an Acquire load of `magic` (not allowed
        // on a PROT_READ mapping); pairs with the owner's Release store of MAGIC, so the
        // fixed part read next is complete.
        fence(Ordering::Acquire);
        let fixed: HeaderFixed = words::load(&h.fixed);
        let sections = validate(&path, &fixed, seg.len() as u64, expect)?;
        Ok(RegionReader {
            seg,
            name: name.to_owned(),
            fixed,
            sections,
        })
    }

    fn header(&self) -> &HeaderWords {
        header(&self.seg)
    }

    /// The instance name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The region file.
    pub fn path(&self) -> &Path {
        self.seg.path()
    }

    /// The owner's layout version.
    pub fn layout_version(&self) -> u32 {
        self.fixed.layout_version
    }

    /// The owner's layout hash.
    pub fn layout_hash(&self) -> u64 {
        self.fixed.layout_hash
    }

    /// Size of the region in bytes.
    pub fn total_size(&self) -> usize {
        self.seg.len()
    }

    /// The pid that created the region (check [`is_owner_alive`](Self::is_owner_alive)
    /// before trusting that it still means that process).
    pub fn pid(&self) -> u32 {
        self.fixed.creator_pid
    }

    /// The owner's start time, Unix nanoseconds.
    pub fn start_time_unix_ns(&self) -> u64 {
        self.fixed.start_time_unix_ns
    }

    /// The owner run's random id (differs after every restart).
    pub fn instance_id(&self) -> u64 {
        self.fixed.instance_id
    }

    /// The owner's last heartbeat, [`monotonic_ns`](crate::shm::monotonic_ns).
    pub fn heartbeat_ns(&self) -> u64 {
        // Relaxed: the heartbeat orders nothing.
        self.header().heartbeat_ns.load(Ordering::Relaxed)
    }

    /// Time since the owner's last heartbeat (`None` if it never beat).
    pub fn heartbeat_age(&self) -> Option<Duration> {
        shm::age(self.heartbeat_ns())
    }

    /// The owner's status word. A dead owner leaves `Starting`/`Running` behind: ask
    /// [`is_owner_alive`](Self::is_owner_alive) too.
    pub fn status(&self) -> Status {
        // Relaxed: the only load allowed on PROT_READ memory.
        let word = self.header().status.load(Ordering::Relaxed);
        // SYNC POINT region-status: stands in for an Acquire load of the status; pairs
        // with RegionOwner::set_status's Release store.
        fence(Ordering::Acquire);
        Status::from_word(word)
    }

    /// True while the owner holds its lock; false once it exited in any way (SIGKILL
    /// included). A few system calls: call it off the hot path.
    ///
    /// The lock alone is not enough: a new owner replacing a dead one's region holds
    /// the *old* file's lock for the moment it takes to unlink it, so a probe in that
    /// window would call the dead owner alive. So the file must also still be the one
    /// the path names (a live owner's file is never replaced) and the creator's pid
    /// must exist (the replacing owner has another pid).
    pub fn is_owner_alive(&self) -> bool {
        self.seg.is_owner_alive() && self.seg.is_current() && pid_exists(self.pid())
    }

    /// True while the region's path still names the file this reader mapped; false once
    /// it was removed or replaced by a new owner (re-attach to follow the new one).
    pub fn is_current(&self) -> bool {
        self.seg.is_current()
    }

    /// The sections, in table order.
    pub fn sections(&self) -> &[SectionInfo] {
        &self.sections
    }

    /// The validated section with `id`, as read-only words.
    ///
    /// # Errors
    ///
    /// [`SectionError::NoSuchId`] if the region has none.
    pub fn section(&self, id: u32) -> Result<RoWords<'_>, SectionError> {
        let info = self
            .sections
            .iter()
            .find(|s| s.id == id)
            .ok_or(SectionError::NoSuchId { id })?;
        Ok(self.words_of(info))
    }

    /// The validated section named `name`, as read-only words.
    ///
    /// # Errors
    ///
    /// [`SectionError::NoSuchName`] if the region has none.
    pub fn section_by_name(&self, name: &str) -> Result<RoWords<'_>, SectionError> {
        let info = self
            .sections
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| SectionError::NoSuchName {
                name: name.to_owned(),
            })?;
        Ok(self.words_of(info))
    }

    fn words_of(&self, info: &SectionInfo) -> RoWords<'_> {
        debug_assert!(info.offset + info.len <= self.seg.len());
        // SAFETY: `validate` proved offset + len <= the file size, which is the mapping's
        // length; offsets are multiples of 128 in a page-aligned mapping and lengths
        // multiples of 8; the mapping lives as long as `self`, which the borrow holds.
        unsafe { RoWords::from_raw(self.seg.as_ptr().add(info.offset).cast(), info.len / 8) }
    }
}

fn header(seg: &ReadOnlySegment) -> &HeaderWords {
    // SAFETY: `ReadOnlySegment::open` checked len >= HEADER_SIZE; the mapping is
    // page-aligned and lives as long as `seg`; only relaxed loads are used on it.
    unsafe { header_words(seg.as_ptr(), seg.len()) }
}

/// `true` unless `kill(pid, 0)` says no such process (`ESRCH`); any other answer
/// (`EPERM`: another user's process) means it exists.
fn pid_exists(pid: u32) -> bool {
    let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    else {
        return false;
    };
    !matches!(
        rustix::process::test_kill_process(pid),
        Err(rustix::io::Errno::SRCH)
    )
}
