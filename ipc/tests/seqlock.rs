//! Behaviour of `seamless_ipc::seqlock`: round trips, versions, stalled writers,
//! layout validation, and a threaded no-torn-reads stress.
#![cfg(not(loom))]

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use seamless_ipc::seqlock::{
    self, LayoutError, ReadError, ReadStats, SeqlockReader, SeqlockWriter, cell_words,
};
use zerocopy::{FromBytes, FromZeros, Immutable, IntoBytes, KnownLayout};

#[derive(Clone, Copy, Debug, PartialEq, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
struct Position {
    instrument: u32,
    _pad: u32,
    qty: i64,
    avg_price: i64,
}

fn cell<T: seamless_ipc::words::Record>() -> Vec<AtomicU64> {
    (0..cell_words::<T>()).map(|_| AtomicU64::new(0)).collect()
}

/// A record whose every word is derived from `v`, so a mix of two writes is detectable.
fn derived(v: u64) -> [u64; 8] {
    std::array::from_fn(|i| v.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(i as u32) ^ i as u64)
}

/// `derived(v)` with `v` in the clear in word 7.
fn record(v: u64) -> [u64; 8] {
    let mut r = derived(v);
    r[7] = v;
    r
}

#[test]
fn fresh_cell_reads_zeroed_record_at_version_zero() {
    let c = cell::<Position>();
    let reader = SeqlockReader::<Position>::new(&c).unwrap();
    let (p, version) = reader.try_read().unwrap();
    assert_eq!(version, 0);
    assert_eq!(p, Position::new_zeroed());
}

#[test]
fn write_then_read_round_trips_and_counts_versions() {
    let c = cell::<Position>();
    // SAFETY: the only writer of `c`.
    let mut w = unsafe { SeqlockWriter::<Position>::new(&c) }.unwrap();
    let r = w.reader();
    for i in 1..=5i64 {
        let p = Position {
            instrument: 7,
            _pad: 0,
            qty: i,
            avg_price: 100 * i,
        };
        assert_eq!(w.write(&p), i as u64);
        assert_eq!(r.try_read(), Ok((p, i as u64)));
        assert_eq!(r.version(), i as u64);
    }
    assert_eq!(w.version(), 5);
}

#[test]
fn version_lets_readers_skip_unchanged_records() {
    let c = cell::<[u64; 8]>();
    // SAFETY: the only writer of `c`.
    let mut w = unsafe { SeqlockWriter::<[u64; 8]>::new(&c) }.unwrap();
    let r = SeqlockReader::<[u64; 8]>::new(&c).unwrap();
    w.write(&record(1));
    let (_, seen) = r.try_read().unwrap();
    assert_eq!(r.version(), seen, "unchanged: skip");
    w.write(&record(2));
    assert_ne!(r.version(), seen, "changed: read again");
}

#[test]
fn writer_dead_mid_write_gives_writer_stalled_not_a_hang() {
    let c = cell::<[u64; 8]>();
    {
        // SAFETY: the only writer of `c` (until the end of this block).
        let mut w = unsafe { SeqlockWriter::<[u64; 8]>::new(&c) }.unwrap();
        w.write(&record(1));
        w.write(&record(2));
    }
    // Simulate a writer that died between step 1 and step 3: the sequence stays odd.
    c[0].store(5, Ordering::Relaxed);
    let r = SeqlockReader::<[u64; 8]>::new(&c).unwrap();
    let mut stats = ReadStats::default();
    assert_eq!(
        r.try_read_counted(&mut stats),
        Err(ReadError::WriterStalled { version: 2 })
    );
    assert_eq!(stats.failures, 1);
    assert_eq!(stats.retries, u64::from(seqlock::DEFAULT_MAX_RETRIES));
    assert_eq!(r.version(), 2, "a write in progress does not count");

    // A new writer takes over and moves the sequence forward past the dead write.
    // SAFETY: the previous writer is gone; this is the only writer now.
    let mut w2 = unsafe { SeqlockWriter::<[u64; 8]>::new(&c) }.unwrap();
    assert_eq!(w2.write(&record(9)), 4);
    assert_eq!(r.try_read(), Ok((record(9), 4)));
}

#[test]
fn zero_retries_means_one_attempt() {
    let c = cell::<[u64; 2]>();
    c[0].store(1, Ordering::Relaxed);
    let r = SeqlockReader::<[u64; 2]>::new(&c)
        .unwrap()
        .with_max_retries(0);
    let mut stats = ReadStats::default();
    assert_eq!(
        r.try_read_counted(&mut stats),
        Err(ReadError::WriterStalled { version: 0 })
    );
    assert_eq!((stats.retries, stats.failures), (0, 1));
    assert!(
        ReadError::WriterStalled { version: 0 }
            .to_string()
            .contains("stalled")
    );
}

#[test]
fn too_small_cells_are_rejected() {
    let c: Vec<AtomicU64> = (0..3).map(|_| AtomicU64::new(0)).collect();
    assert_eq!(
        SeqlockReader::<Position>::new(&c).err(),
        Some(LayoutError::TooSmall { needed: 4, got: 3 })
    );
    // SAFETY: rejected before any use.
    assert!(unsafe { SeqlockWriter::<Position>::new(&c) }.is_err());
}

#[test]
fn raw_views_validate_alignment_and_size() {
    let backing: Vec<AtomicU64> = (0..16).map(|_| AtomicU64::new(0)).collect();
    let base = backing.as_ptr().cast::<u8>();
    // SAFETY: `backing` outlives the views and is only accessed atomically.
    unsafe {
        assert!(matches!(
            SeqlockReader::<Position>::from_raw(base.wrapping_add(4), 64),
            Err(LayoutError::Misaligned { .. })
        ));
        assert_eq!(
            SeqlockReader::<Position>::from_raw(base, 24).err(),
            Some(LayoutError::TooSmall {
                needed: 32,
                got: 24
            })
        );
        let mut w = SeqlockWriter::<Position>::from_raw(base.cast_mut(), 128).unwrap();
        let r = SeqlockReader::<Position>::from_raw(base, 128).unwrap();
        let p = Position {
            instrument: 1,
            _pad: 0,
            qty: -3,
            avg_price: 42,
        };
        w.write(&p);
        assert_eq!(r.try_read(), Ok((p, 1)));
    }
}

#[test]
fn table_cells_are_independent() {
    let n = 5;
    let bytes = seqlock::table_bytes::<Position>(n).unwrap();
    let table: Vec<AtomicU64> = (0..bytes / 8).map(|_| AtomicU64::new(0)).collect();
    let mut writers: Vec<_> = seqlock::cells::<Position>(&table)
        // SAFETY: one writer per cell, and nothing else writes `table`.
        .map(|c| unsafe { SeqlockWriter::<Position>::new(c) }.unwrap())
        .collect();
    assert_eq!(writers.len(), n);
    for (i, w) in writers.iter_mut().enumerate() {
        for _ in 0..=i {
            w.write(&Position {
                instrument: i as u32,
                _pad: 0,
                qty: i as i64,
                avg_price: 0,
            });
        }
    }
    for (i, c) in seqlock::cells::<Position>(&table).enumerate() {
        let (p, version) = SeqlockReader::<Position>::new(c)
            .unwrap()
            .try_read()
            .unwrap();
        assert_eq!((p.instrument as usize, version), (i, i as u64 + 1));
    }
}

#[test]
fn threaded_readers_never_accept_a_torn_record() {
    const WRITES: u64 = if cfg!(miri) { 300 } else { 200_000 };
    let c = cell::<[u64; 8]>();
    let done = AtomicBool::new(false);
    // SAFETY: the only writer of `c`.
    let mut w = unsafe { SeqlockWriter::<[u64; 8]>::new(&c) }.unwrap();
    std::thread::scope(|s| {
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let r = SeqlockReader::<[u64; 8]>::new(&c).unwrap();
                let done = &done;
                s.spawn(move || {
                    let mut stats = ReadStats::default();
                    let mut last = 0;
                    // At least one successful read, even if we start after the writer ends.
                    while !done.load(Ordering::Relaxed) || stats.reads == 0 {
                        if let Ok((rec, version)) = r.try_read_counted(&mut stats) {
                            // Version 0 is the zeroed cell, before the first write.
                            let expect = if version == 0 {
                                [0; 8]
                            } else {
                                record(version)
                            };
                            assert_eq!(rec, expect, "torn read at version {version}");
                            assert!(version >= last, "versions go backwards");
                            last = version;
                        } else {
                            std::thread::yield_now();
                        }
                    }
                    stats
                })
            })
            .collect();
        for v in 1..=WRITES {
            assert_eq!(w.write(&record(v)), v);
        }
        done.store(true, Ordering::Relaxed);
        for r in readers {
            let stats = r.join().unwrap();
            assert!(stats.reads > 0);
        }
    });
}
