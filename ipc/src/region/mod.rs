//! The core's region: one file per instance, `seamless-NAME`, holding a header and the
//! caller's sections (state tables, event ring, histograms...).
//!
//! The owner (the core) describes what it needs in a [`RegionSpec`]: its layout version,
//! a hash of its record layouts ([`LayoutHasher`]) and a list of sections (id, name,
//! length, alignment). [`RegionOwner::create`] lays them out after a one-page header,
//! creates the file through [`shm`](crate::shm) (exclusive, 0600, pages reserved,
//! `flock` held for life, a dead owner's file replaced race-free), writes the header and
//! hands back raw section pointers and word views to place tables and rings in.
//! Readers call [`RegionReader::attach`], which maps the file read-only and validates
//! every header field against the real file size before trusting any offset; every
//! mismatch is a typed [`AttachError`] naming the file and the field.
//!
//! Progress: creating and attaching are blocking (system calls); the heartbeat, status
//! and section accesses afterwards are wait-free single atomic operations.
//!
//! # Example
//!
//! ```
//! use seamless_ipc::region::{AttachError, RegionOwner, RegionReader, RegionSpec, SectionSpec};
//! let dir = tempfile::tempdir().unwrap();
//! let spec = RegionSpec {
//!     layout_version: 3,
//!     layout_hash: 0x5eed,
//!     sections: &[SectionSpec { id: 1, name: "state", len: 4096, align: 64 }],
//! };
//! let owner = RegionOwner::create(Some(dir.path()), "demo", &spec).unwrap();
//! let err = RegionReader::attach(Some(dir.path()), "demo", 2, 0x5eed).unwrap_err();
//! assert!(matches!(err, AttachError::LayoutVersion { found: 3, expected: 2, .. }));
//! assert!(err.to_string().starts_with("region layout v3, this reader understands v2"));
//! # drop(owner);
//! ```
//!
//! # File format (native byte order; a format contract, see [`HEADER_FORMAT`])
//!
//! | offset | size | field |
//! |---:|---:|---|
//! | 0 | 8 | magic `b"SEAMLSRG"` read as a little-endian u64; 0 until the header is complete |
//! | 8 | 8 | status: 1 starting, 2 running, 3 stopped |
//! | 16 | 8 | heartbeat, `CLOCK_MONOTONIC` nanoseconds |
//! | 24 | 40 | reserved, zero |
//! | 64 | 4 | header format ([`HEADER_FORMAT`]) |
//! | 68 | 4 | layout version |
//! | 72 | 8 | layout hash |
//! | 80 | 8 | total size (= the file size) |
//! | 88 | 8 | header size ([`HEADER_SIZE`]) |
//! | 96 | 4 | section count (at most [`MAX_SECTIONS`]) |
//! | 100 | 4 | creator pid |
//! | 104 | 8 | start time, Unix nanoseconds |
//! | 112 | 8 | instance id (random per run) |
//! | 120 | 16 x 40 | section table: id u32, align u32, offset u64, len u64, name 16 bytes NUL-padded |
//! | 760 | .. 4096 | reserved, zero |
//! | 4096 | | sections, each at a multiple of 128 and of its alignment; the file is a whole number of pages |
//!
//! # Implementation
//!
//! 1. Plan: sections in spec order from offset 4096, each aligned up to
//!    `max(128, align)`, all with checked arithmetic; the total rounded up to a page.
//! 2. Create the segment ([`shm`](crate::shm) module docs, steps 1-4); it is
//!    zero-filled, so the magic reads 0.
//! 3. Two-phase init (as iceoryx2's shared-memory constructs): write status, heartbeat
//!    and the fixed part (relaxed word stores), then store the magic with `Release`
//!    (SYNC POINT region-init). A reader loads the magic relaxed (a `PROT_READ` mapping
//!    allows nothing stronger), then fences `Acquire`, then copies the fixed part word
//!    by word. Magic 0 with a live owner is "still initialising", with a dead one
//!    "abandoned".
//! 4. Validate, in order: format, layout version, layout hash, header size, total size
//!    against `fstat`, section count, then per section its name, alignment, offset
//!    (after the header, aligned), length (multiple of 8, `offset + len` without
//!    overflow and within the file), unique id, no overlap with earlier sections.
//! 5. Liveness is the owner's `flock`, probed with `LOCK_SH|LOCK_NB`; the status word is
//!    only what the owner last said (a crash leaves `Running`).
//!
//! This module must never trust a header field before step 4 has checked it, never
//! read the region other than with relaxed loads on the reader side, and never remove a
//! live owner's file.

mod clean;
mod error;
mod header;
mod layout_hash;
mod owner;
mod reader;
mod spec;
mod validate;

pub use clean::{CleanError, Cleaned, clean_stale};
pub use error::{AttachError, CreateError, SectionError};
pub use header::{
    HEADER_FORMAT, HEADER_SIZE, MAGIC, MAX_SECTION_ALIGN, MAX_SECTIONS, SECTION_ALIGN,
    SECTION_NAME_LEN, Status,
};
pub use layout_hash::LayoutHasher;
pub use owner::{RegionOwner, SectionMut};
pub use reader::RegionReader;
pub use spec::{RegionSpec, SectionInfo, SectionSpec, SpecError};
