//! Reader slots: the small segment each reader owns, `seamless-NAME.reader-ROLE`.
//!
//! Reader-owned writable data (pid, kind, heartbeat, cursor, durable cursor, gating
//! flag, the region instance it follows) lives here, never in the core's region. The
//! reader creates and locks its slot exactly like the core creates its region
//! (`O_EXCL`, 0600, `fallocate`, `flock` held for life; a dead reader's slot replaced
//! race-free, see [`shm`](crate::shm)) and is its only writer. The core and other
//! readers map it read-only ([`ReaderSlotView`]): a reader can corrupt neither the
//! core's region nor another reader's slot. Roles are chosen by the caller: `persist`
//! for the one gating persister (stable, so a restarted persister takes over its slot
//! with [`ReaderSlot::open_or_take_over`] and keeps its cursor, and the core's mapping
//! of it stays valid), `monitor-<pid>` and the like for the others.
//!
//! Progress: creating, opening and listing are blocking (system calls, off the hot
//! path); cursor stores and loads afterwards are single wait-free atomic operations.
//!
//! # Example
//!
//! ```
//! use seamless_ipc::reader_slot::{ReaderSlot, ReaderSlotView};
//! let dir = tempfile::tempdir().unwrap();
//! let slot = ReaderSlot::create_fresh(Some(dir.path()), "demo", "persist", 1).unwrap();
//! slot.set_cursor(10);
//! slot.set_gating(true);
//!
//! // In the core: a read-only view, e.g. for the broadcast ring's gate.
//! let view = ReaderSlotView::open(Some(dir.path()), "demo", "persist").unwrap();
//! assert!(view.gating() && view.is_owner_alive());
//! assert_eq!(view.cursor(), 10);
//! let gate = view.cursor_word(); // a relaxed-load-only word; `as_ptr()` for a raw gate
//! slot.set_cursor(11);
//! assert_eq!(gate.load(), 11);
//! ```
//!
//! # File format (native byte order, one page; a format contract, see [`SLOT_VERSION`])
//!
//! | offset | size | field |
//! |---:|---:|---|
//! | 0 | 8 | magic `b"SEAMLSRD"` read as a little-endian u64; 0 until initialised |
//! | 8 | 8 | slot format version ([`SLOT_VERSION`]) |
//! | 16 | 8 | kind (u32 in a u64) |
//! | 24 | 8 | pid (u32 in a u64) |
//! | 32 | 8 | start time, Unix nanoseconds |
//! | 40 | 8 | heartbeat, `CLOCK_MONOTONIC` nanoseconds |
//! | 48 | 8 | gating flag (0/1) |
//! | 56 | 8 | instance id of the region followed |
//! | 64 | 64 | role, ASCII, NUL-padded |
//! | 128 | 8 | cursor: next sequence still needed |
//! | 136 | 8 | durable cursor: next sequence not yet durable |
//! | 144 | 8 x 8 | spare counters |
//! | 208 | .. 4096 | reserved, zero |
//!
//! # Implementation
//!
//! 1. Create through [`shm`](crate::shm) (`take_over` for
//!    [`ReaderSlot::open_or_take_over`]).
//! 2. New slot: write every field relaxed, then the magic with `Release` (SYNC POINT
//!    slot-init). Taken over: if magic, version, role and kind match, keep the cursors,
//!    gating flag and followed instance and only rewrite pid, start time and heartbeat;
//!    otherwise clear the magic and initialise as new.
//! 3. The owner publishes cursors with `Release` stores (SYNC POINT slot-cursor,
//!    slot-durable); viewers load relaxed (all a `PROT_READ` mapping allows, see the std
//!    docs' "Atomic accesses to read-only memory") and fence `Acquire`.
//! 4. Views check file, size, magic (0 with a live owner: still initialising), version,
//!    and that the role inside matches the file name; liveness is the `flock` probe.
//!
//! This module must never write a slot it does not own, hand out a writable reference
//! into a read-only mapping, or panic on a foreign file found while listing.

mod error;
mod layout;
mod list;
mod owner;
mod view;

pub use error::{ListError, SlotCreateError, SlotOpenError};
pub use layout::{SLOT_MAGIC, SLOT_SIZE, SLOT_VERSION, SPARE_COUNTERS};
pub use list::{SlotListing, list_reader_slots};
pub use owner::{Previous, ReaderSlot};
pub use view::{ReaderSlotInfo, ReaderSlotView};
