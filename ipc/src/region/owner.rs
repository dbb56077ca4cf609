//! The owner's handle: creates the region, writes the header (two-phase), hands out
//! sections, beats the heart, sets the status.

use std::path::Path;

use super::error::{CreateError, SectionError};
use super::header::{
    HEADER_FORMAT, HEADER_SIZE, HeaderFixed, HeaderWords, MAGIC, PID_OFFSET, Status, header_words,
};
use super::spec::{RegionSpec, SectionInfo, plan};
use crate::shm::{self, CreateOptions, Origin, OwnedSegment, RemoveError};
use crate::sync::{AtomicU64, Ordering};
use crate::words;

/// The core's handle on its region: the only writer of the header. `Send + Sync`; keep
/// it (e.g. in an `Arc`) for as long as anything uses its sections.
///
/// Dropping it marks the region [`Status::Stopped`] and releases the lock, leaving the
/// file for readers to inspect; [`remove`](Self::remove) deletes it.
#[derive(Debug)]
pub struct RegionOwner {
    seg: OwnedSegment,
    name: String,
    fixed: HeaderFixed,
    sections: Vec<SectionInfo>,
    origin: Origin,
}

/// A section of the owner's read-write mapping, for the owner to place its tables and
/// rings in. Zero-filled at creation.
#[derive(Debug, Clone, Copy)]
pub struct SectionMut<'a> {
    info: &'a SectionInfo,
    /// Start of the section; valid for `info.len` bytes while `'a` lasts.
    ptr: *mut u8,
}

impl RegionOwner {
    /// Creates the region of instance `name` in `dir` (default: see
    /// [`shm_dir`](crate::shm::shm_dir)) as `seamless-NAME`, laid out from `spec`, with
    /// status [`Status::Starting`]. A region left by a dead owner is replaced; a live one
    /// is refused. Set [`Status::Running`] once the sections are set up.
    ///
    /// # Errors
    ///
    /// [`CreateError::InvalidName`], [`CreateError::Spec`],
    /// [`CreateError::AlreadyRunning`] (naming the running owner's pid), or
    /// [`CreateError::Segment`] for no space, a foreign file at the name, or I/O.
    ///
    /// # Examples
    ///
    /// ```
    /// use seamless_ipc::region::{RegionOwner, RegionReader, RegionSpec, SectionSpec, Status};
    /// let dir = tempfile::tempdir().unwrap();
    /// let spec = RegionSpec {
    ///     layout_version: 1,
    ///     layout_hash: 42,
    ///     sections: &[SectionSpec { id: 7, name: "counters", len: 64, align: 8 }],
    /// };
    /// let owner = RegionOwner::create(Some(dir.path()), "doc", &spec).unwrap();
    /// owner.section(7).unwrap().words()[0].store(5, std::sync::atomic::Ordering::Release);
    /// owner.set_status(Status::Running);
    ///
    /// let reader = RegionReader::attach(Some(dir.path()), "doc", 1, 42).unwrap();
    /// assert_eq!(reader.section(7).unwrap().load(0), Some(5));
    /// assert_eq!(reader.status(), Status::Running);
    /// assert!(RegionOwner::create(Some(dir.path()), "doc", &spec).is_err()); // live owner
    /// ```
    pub fn create(
        dir: Option<&Path>,
        name: &str,
        spec: &RegionSpec<'_>,
    ) -> Result<Self, CreateError> {
        let path = shm::region_path(dir, name).map_err(CreateError::InvalidName)?;
        let plan = plan(spec).map_err(CreateError::Spec)?;
        let opts = CreateOptions {
            pid_offset: Some(PID_OFFSET as u64),
            take_over: false,
        };
        // SAFETY: the file is ours (0600, locked); this crate never truncates it, and
        // all access goes through atomics: the header through `HeaderWords`, sections
        // through `SectionMut`, whose raw pointer users take on the same contract.
        let (seg, origin) =
            unsafe { OwnedSegment::create(&path, plan.total_size, opts) }.map_err(|e| match e {
                shm::CreateError::Locked { path, pid } => CreateError::AlreadyRunning {
                    name: name.to_owned(),
                    pid,
                    path,
                },
                e => CreateError::Segment(e),
            })?;
        let fixed = HeaderFixed {
            format: HEADER_FORMAT,
            layout_version: spec.layout_version,
            layout_hash: spec.layout_hash,
            total_size: plan.total_size as u64,
            header_size: HEADER_SIZE as u64,
            section_count: plan.count as u32,
            creator_pid: std::process::id(),
            start_time_unix_ns: shm::unix_time_ns(),
            instance_id: shm::unique_id(),
            sections: plan.entries,
        };
        let sections = spec
            .sections
            .iter()
            .zip(&plan.entries)
            .map(|(s, e)| SectionInfo {
                id: s.id,
                name: s.name.to_owned(),
                offset: e.offset as usize,
                len: s.len,
                align: s.align,
            })
            .collect();
        let owner = RegionOwner {
            seg,
            name: name.to_owned(),
            fixed,
            sections,
            origin,
        };
        let h = owner.header();
        // Relaxed: published by the Release store of `magic` below.
        h.status
            .store(Status::Starting.to_word(), Ordering::Relaxed);
        h.heartbeat_ns.store(shm::monotonic_ns(), Ordering::Relaxed);
        words::store(&h.fixed, &fixed);
        // SYNC POINT region-init: everything above happens-before a reader's Acquire
        // fence after it loads MAGIC (RegionReader::open).
        h.magic.store(MAGIC, Ordering::Release);
        Ok(owner)
    }

    fn header(&self) -> &HeaderWords {
        // SAFETY: the mapping is page-aligned, at least HEADER_SIZE long (plan() puts
        // the first section after the header) and lives as long as `self`; the owner
        // maps it read-write and only uses atomics on it.
        unsafe { header_words(self.seg.as_mut_ptr(), self.seg.len()) }
    }

    /// The instance name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The region file.
    pub fn path(&self) -> &Path {
        self.seg.path()
    }

    /// Whether a dead owner's region was replaced to create this one.
    pub fn origin(&self) -> Origin {
        self.origin
    }

    /// This run's random instance id (tells restarts apart).
    pub fn instance_id(&self) -> u64 {
        self.fixed.instance_id
    }

    /// Start time, Unix nanoseconds.
    pub fn start_time_unix_ns(&self) -> u64 {
        self.fixed.start_time_unix_ns
    }

    /// Size of the region file in bytes.
    pub fn total_size(&self) -> usize {
        self.seg.len()
    }

    /// The sections, in spec order.
    pub fn sections(&self) -> &[SectionInfo] {
        &self.sections
    }

    /// The section with `id`.
    ///
    /// # Errors
    ///
    /// [`SectionError::NoSuchId`] if the spec had none.
    pub fn section(&self, id: u32) -> Result<SectionMut<'_>, SectionError> {
        let info = self
            .sections
            .iter()
            .find(|s| s.id == id)
            .ok_or(SectionError::NoSuchId { id })?;
        Ok(self.section_mut(info))
    }

    /// The section named `name`.
    ///
    /// # Errors
    ///
    /// [`SectionError::NoSuchName`] if the spec had none.
    pub fn section_by_name(&self, name: &str) -> Result<SectionMut<'_>, SectionError> {
        let info = self
            .sections
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| SectionError::NoSuchName {
                name: name.to_owned(),
            })?;
        Ok(self.section_mut(info))
    }

    fn section_mut<'a>(&'a self, info: &'a SectionInfo) -> SectionMut<'a> {
        debug_assert!(info.offset + info.len <= self.seg.len());
        // SAFETY: plan() put the section inside the mapping (offset + len <= total).
        let ptr = unsafe { self.seg.as_mut_ptr().add(info.offset) };
        SectionMut { info, ptr }
    }

    /// Refreshes the heartbeat (call every few milliseconds from a housekeeping thread).
    pub fn heartbeat(&self) {
        // Relaxed: the heartbeat publishes nothing but itself ("alive at t").
        self.header()
            .heartbeat_ns
            .store(shm::monotonic_ns(), Ordering::Relaxed);
    }

    /// Sets the status word.
    pub fn set_status(&self, status: Status) {
        // SYNC POINT region-status: what the owner wrote before (e.g. its tables before
        // `Running`) happens-before a reader's Acquire fence after loading the status
        // (RegionReader::status).
        self.header()
            .status
            .store(status.to_word(), Ordering::Release);
    }

    /// The status word as last set.
    pub fn status(&self) -> Status {
        // Relaxed: only this handle writes it.
        Status::from_word(self.header().status.load(Ordering::Relaxed))
    }

    /// Marks the region stopped and removes its file now (readers that mapped it keep
    /// their mapping and see `Stopped`).
    ///
    /// # Errors
    ///
    /// [`RemoveError`] if the unlink fails (the region is still marked stopped).
    pub fn remove(self) -> Result<(), RemoveError> {
        self.set_status(Status::Stopped);
        self.seg.unlink()
    }
}

impl Drop for RegionOwner {
    fn drop(&mut self) {
        self.set_status(Status::Stopped);
    }
}

impl<'a> SectionMut<'a> {
    /// Where the section lies.
    pub fn info(&self) -> &'a SectionInfo {
        self.info
    }

    /// Start of the section in the owner's read-write mapping, aligned as the spec
    /// asked (and to 128 bytes). Valid for [`len`](Self::len) bytes while the
    /// [`RegionOwner`] lives; readers in other processes may read it at any time.
    pub fn as_mut_ptr(&self) -> *mut u8 {
        self.ptr
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.info.len
    }

    /// True for an empty section (never: lengths are non-zero).
    pub fn is_empty(&self) -> bool {
        self.info.len == 0
    }

    /// The section as atomic words.
    pub fn words(&self) -> &'a [AtomicU64] {
        // SAFETY: the section is 128-aligned inside the page-aligned read-write mapping,
        // `len` is a multiple of 8, and the mapping outlives 'a (borrowed from the
        // owner). Atomic access is what `OwnedSegment::create`'s contract asks for.
        unsafe { std::slice::from_raw_parts(self.ptr.cast::<AtomicU64>(), self.info.len / 8) }
    }
}
