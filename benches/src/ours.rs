//! Our transports as [`Endpoint`]s / stream halves: the SPSC ring in-process, and the
//! broadcast ring and the floor across two processes.
//!
//! Cross-process layout: one scratch file holds two rings (or two padded words), one per
//! direction. The parent produces into ring A and reads ring B through a `PROT_READ`
//! mapping; the child (see [`crate::child`]) reads A through its own `PROT_READ`
//! mapping and produces into B: exactly the core/reader arrangement of the product.

use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use memmap2::MmapRaw;
use seamless_ipc::broadcast::{self, Start};
use seamless_ipc::spsc;

use crate::pingpong::Endpoint;
use crate::shmfile::{map_ro, map_rw};
use crate::stream::{Item, Sink, Source};

/// The event-sized payload the broadcast scenarios carry (56 bytes: one 64-byte slot).
pub type Payload = [u64; 7];

/// Slots per broadcast ring in the ping-pong scenario.
pub const BCAST_CAPACITY: u64 = 1024;

/// One end of a pair of our in-process SPSC rings.
#[derive(Debug)]
pub struct SpscEnd {
    tx: spsc::Producer<u64>,
    rx: spsc::Consumer<u64>,
}

/// A connected (ping, echo) pair over our SPSC ring.
pub fn spsc_pair(capacity: usize) -> (SpscEnd, SpscEnd) {
    let (tx1, rx1) = spsc::channel(capacity);
    let (tx2, rx2) = spsc::channel(capacity);
    (SpscEnd { tx: tx1, rx: rx2 }, SpscEnd { tx: tx2, rx: rx1 })
}

impl Endpoint for SpscEnd {
    #[inline]
    fn send(&mut self, mut v: u64) {
        while let Err(spsc::Full(back)) = self.tx.try_push(v) {
            v = back;
            std::hint::spin_loop();
        }
    }

    #[inline]
    fn recv(&mut self) -> u64 {
        loop {
            if let Some(v) = self.rx.try_pop() {
                return v;
            }
            std::hint::spin_loop();
        }
    }
}

impl<I: Item> Sink<I> for spsc::Producer<I> {
    #[inline]
    fn try_push(&mut self, v: I) -> bool {
        spsc::Producer::try_push(self, v).is_ok()
    }
}

impl<I: Item> Source<I> for spsc::Consumer<I> {
    #[inline]
    fn try_pop(&mut self) -> Option<I> {
        spsc::Consumer::try_pop(self)
    }
}

/// Bytes of one broadcast ring of [`BCAST_CAPACITY`] slots, rounded to a page.
pub fn bcast_ring_bytes() -> usize {
    let bytes =
        broadcast::ring_bytes::<Payload>(BCAST_CAPACITY as usize).expect("static capacity fits");
    bytes.next_multiple_of(4096)
}

/// One end of a pair of broadcast rings in a shared file: produces into one, reads the
/// other through a read-only mapping.
pub struct BcastEnd {
    // Field order is drop order: the views go before the mappings they point into.
    tx: broadcast::Producer<'static, Payload>,
    rx: broadcast::Reader<'static, Payload>,
    _rw: MmapRaw,
    _ro: MmapRaw,
}

impl std::fmt::Debug for BcastEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BcastEnd")
    }
}

/// Which ring of the file an end produces into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The parent: produces into ring 0, reads ring 1.
    Parent,
    /// The child: produces into ring 1, reads ring 0.
    Child,
}

impl BcastEnd {
    /// Initialises both rings of a file of `2 * bcast_ring_bytes()` (the parent does this
    /// once, before the child starts).
    ///
    /// # Errors
    ///
    /// I/O errors mapping the file; ring initialisation errors as `InvalidData`.
    pub fn init_file(path: &Path) -> io::Result<()> {
        let rw = map_rw(path)?;
        let ring = bcast_ring_bytes();
        for i in 0..2 {
            // SAFETY: the file is ours, mapped read-write for this scope, `ring` bytes at
            // a page-aligned offset; no one else touches it until the child is spawned.
            unsafe {
                broadcast::Producer::<Payload>::create_raw(
                    rw.as_mut_ptr().add(i * ring),
                    ring,
                    BCAST_CAPACITY,
                    1,
                    0,
                )
            }
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
        }
        Ok(())
    }

    /// Opens the end `side` of an initialised file.
    ///
    /// # Errors
    ///
    /// I/O errors mapping the file; attach errors as `InvalidData`.
    pub fn open(path: &Path, side: Side) -> io::Result<BcastEnd> {
        let rw = map_rw(path)?;
        let ro = map_ro(path)?;
        let ring = bcast_ring_bytes();
        let (tx_off, rx_off) = match side {
            Side::Parent => (0, ring),
            Side::Child => (ring, 0),
        };
        let bad = |e: String| io::Error::new(io::ErrorKind::InvalidData, e);
        // SAFETY: `rw` is a live read-write mapping kept in the returned struct (dropped
        // after the producer); we are the only producer of this ring in this scenario.
        let words =
            unsafe { seamless_ipc::seqlock::atomic_words(rw.as_mut_ptr().add(tx_off), ring) }
                .map_err(|e| bad(e.to_string()))?;
        // SAFETY: as above: the only producer, and the ring was initialised.
        let tx =
            unsafe { broadcast::Producer::attach(words, 0) }.map_err(|e| bad(e.to_string()))?;
        // SAFETY: `ro` is a live read-only mapping kept in the returned struct; the reader
        // only loads.
        let rx =
            unsafe { broadcast::Reader::from_raw(ro.as_ptr().add(rx_off), ring, Start::Oldest) }
                .map_err(|e| bad(e.to_string()))?;
        Ok(BcastEnd {
            tx,
            rx,
            _rw: rw,
            _ro: ro,
        })
    }
}

impl Endpoint for BcastEnd {
    #[inline]
    fn send(&mut self, v: u64) {
        self.tx.publish(&[v, 0, 0, 0, 0, 0, 0]);
    }

    #[inline]
    fn recv(&mut self) -> u64 {
        loop {
            match self.rx.try_next() {
                Ok(Some((_, p))) => return p[0],
                Ok(None) => std::hint::spin_loop(),
                Err(lagged) => panic!("ping-pong reader lapped: {lagged}"),
            }
        }
    }
}

/// The floor across processes: the same store and poll as [`crate::floor`], one word
/// per direction in a shared file. With `lines > 1` each message goes to the next of
/// `lines` 64-byte lines (wrapping), as a ring of one-line slots must: the bare cost of
/// moving through memory, with no stamp, no payload and no index.
pub struct ShmFloorEnd {
    map: MmapRaw,
    /// Word index of line 0 of the direction this end writes / reads.
    out_base: usize,
    in_base: usize,
    /// `lines - 1` (`lines` is a power of two).
    mask: u64,
    sent: u64,
    received: u64,
    last: u64,
}

impl std::fmt::Debug for ShmFloorEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ShmFloorEnd")
    }
}

/// Bytes of one direction's lines: at least 128 (one direction per 128-byte pair, as
/// crossbeam's `CachePadded`), else `lines` 64-byte lines.
fn floor_half_bytes(lines: u64) -> u64 {
    (lines * 64).max(128)
}

/// Bytes of a cross-process floor file of `lines` lines per direction (a page at least).
pub fn shm_floor_bytes(lines: u64) -> u64 {
    (2 * floor_half_bytes(lines)).next_multiple_of(4096)
}

impl ShmFloorEnd {
    /// Opens the end `side` of a zeroed file of [`shm_floor_bytes`]`(lines)`.
    ///
    /// # Errors
    ///
    /// I/O errors mapping the file; `InvalidInput` if `lines` is not a power of two or
    /// the file is too short.
    pub fn open(path: &Path, side: Side, lines: u64) -> io::Result<ShmFloorEnd> {
        let map = map_rw(path)?;
        if !lines.is_power_of_two() || (map.len() as u64) < shm_floor_bytes(lines) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "floor file of {} bytes for {lines} lines (a power of two)",
                    map.len()
                ),
            ));
        }
        let half = (floor_half_bytes(lines) / 8) as usize;
        let (out_base, in_base) = match side {
            Side::Parent => (0, half),
            Side::Child => (half, 0),
        };
        Ok(ShmFloorEnd {
            map,
            out_base,
            in_base,
            mask: lines - 1,
            sent: 0,
            received: 0,
            last: 0,
        })
    }

    /// The word of line `k % lines` of the direction starting at word `base`.
    #[inline]
    fn word(&self, base: usize, k: u64) -> &AtomicU64 {
        let i = base + (k & self.mask) as usize * 8;
        // SAFETY: the mapping is page-aligned, at least `shm_floor_bytes(lines)` long
        // (checked in `open`) and lives as long as `self`; word `i` lies in it and these
        // words are only accessed atomically.
        unsafe { &*self.map.as_mut_ptr().add(i * 8).cast::<AtomicU64>() }
    }
}

impl Endpoint for ShmFloorEnd {
    #[inline]
    fn send(&mut self, v: u64) {
        // Release: SYNC POINT shm-floor, pairs with the Acquire load in `recv`.
        self.word(self.out_base, self.sent)
            .store(v, Ordering::Release);
        self.sent += 1;
    }

    #[inline]
    fn recv(&mut self) -> u64 {
        loop {
            // Acquire: SYNC POINT shm-floor (see `send`). Values only grow, so a line
            // still holding the message of a lap ago reads as "not yet".
            let v = self
                .word(self.in_base, self.received)
                .load(Ordering::Acquire);
            if v > self.last {
                self.last = v;
                self.received += 1;
                return v;
            }
            std::hint::spin_loop();
        }
    }
}
