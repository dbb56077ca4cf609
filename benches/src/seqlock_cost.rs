//! What a seqlock costs: a reader's read of a 56-byte record (one 64-byte cell) while
//! the writer keeps changing it, and the writer's cost per write with 0 and with 3
//! readers polling the same cell.
//!
//! Implementation:
//! 1. Read cost: the writer (core 1) rewrites the cell every ~200 ns; the reader
//!    (core 0) times each `try_read` with the TSC. Almost every read misses the cache
//!    line (the writer owns it), so this is the realistic cost for a monitor or bridge.
//! 2. Writer cost: the writer times batches of [`BATCH`] writes and records each
//!    batch's time (a single write is shorter than the clock's resolution, and the
//!    mean per write of an uncontended batch is one or two ns, too coarse to compare);
//!    readers, when present, poll the cell from the other core as fast as they can
//!    (the worst case: every poll pulls the line back into the shared state, so the
//!    writer's next store waits for an invalidation), or once per µs (a fast
//!    follower; the monitor polls at 30 fps).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;

use seamless_ipc::seqlock::{SeqlockReader, SeqlockWriter, cell_words};

use crate::clock::Clock;
use crate::hist::Hist;
use crate::pin::Cores;

/// Writes per timed batch in the writer-cost measurement.
pub const BATCH: u64 = 64;

/// The measured record: 56 bytes, as an event or a table row.
pub type Row = [u64; 7];

/// One seqlock cell on its own cache line, as the region lays cells out (a `Vec` of
/// words is only 8-aligned and would straddle two lines, doubling the lines the writer
/// and the readers fight over).
#[repr(C, align(64))]
struct Cell([AtomicU64; cell_words::<Row>()]);

fn new_cell() -> Arc<Cell> {
    Arc::new(Cell(std::array::from_fn(|_| AtomicU64::new(0))))
}

fn row(v: u64) -> Row {
    [v, v ^ 1, v ^ 2, v ^ 3, v ^ 4, v ^ 5, v ^ 6]
}

/// Per-read latency (ns) of a cell rewritten continuously by a writer on another core.
///
/// # Panics
///
/// If a read returns a torn row (the correctness check before figures are trusted).
pub fn read_cost(samples: u64, cores: &Cores, clock: &Clock) -> Hist {
    let cell = new_cell();
    let stop = Arc::new(AtomicBool::new(false));
    let (wc, ws, wcores, wclock) = (cell.clone(), stop.clone(), cores.clone(), *clock);
    let writer = thread::spawn(move || {
        wcores.pin(1);
        // SAFETY: this thread is the only writer of the cell.
        let mut w = unsafe { SeqlockWriter::<Row>::new(&wc.0) }.expect("cell sized for Row");
        let mut v = 0u64;
        // Relaxed: a stop flag; nothing is published through it.
        while !ws.load(Ordering::Relaxed) {
            v += 1;
            w.write(&row(v));
            let until = wclock.now() + (200.0 * wclock.ticks_per_ns()) as u64;
            while wclock.now() < until {
                std::hint::spin_loop();
            }
        }
    });
    cores.pin(0);
    let reader = SeqlockReader::<Row>::new(&cell.0).expect("cell sized for Row");
    let mut hist = Hist::new();
    for _ in 0..samples {
        let t0 = clock.now();
        let got = reader.try_read();
        let t1 = clock.now();
        // Version 0 is the zeroed cell before the first write: not a row.
        if let Ok((r, version)) = got
            && version != 0
        {
            assert_eq!(r, row(r[0]), "torn seqlock read accepted");
        }
        hist.record(clock.to_ns(t1.wrapping_sub(t0)));
    }
    stop.store(true, Ordering::Relaxed);
    writer.join().expect("writer panicked");
    hist
}

/// ns per batch of [`BATCH`] writes, with `readers` threads polling the cell
/// from the other core, back to back (`poll_gap_ns` 0) or with a spin of
/// `poll_gap_ns` between polls.
pub fn write_cost(
    batches: u64,
    readers: usize,
    poll_gap_ns: u64,
    cores: &Cores,
    clock: &Clock,
) -> Hist {
    let cell = new_cell();
    let stop = Arc::new(AtomicBool::new(false));
    let polls = Arc::new(AtomicU64::new(0));
    let handles: Vec<_> = (0..readers)
        .map(|_| {
            let (c, s, p, rc) = (cell.clone(), stop.clone(), polls.clone(), cores.clone());
            let (rclock, gap) = (*clock, (poll_gap_ns as f64 * clock.ticks_per_ns()) as u64);
            thread::spawn(move || {
                rc.pin(1);
                let reader = SeqlockReader::<Row>::new(&c.0).expect("cell sized for Row");
                let mut n = 0u64;
                // Relaxed: a stop flag; nothing is published through it.
                while !s.load(Ordering::Relaxed) {
                    // Version 0 is the zeroed cell before the first write: not a row.
                    if let Ok((r, version)) = reader.try_read()
                        && version != 0
                    {
                        assert_eq!(r, row(r[0]), "torn seqlock read accepted");
                    }
                    n += 1;
                    if gap > 0 {
                        let until = rclock.now() + gap;
                        while rclock.now() < until {
                            std::hint::spin_loop();
                        }
                    }
                }
                p.fetch_add(n, Ordering::Relaxed); // Relaxed: a total read after join.
            })
        })
        .collect();
    cores.pin(0);
    // SAFETY: this thread is the only writer of the cell.
    let mut w = unsafe { SeqlockWriter::<Row>::new(&cell.0) }.expect("cell sized for Row");
    let mut hist = Hist::new();
    let mut v = 0u64;
    for _ in 0..batches {
        let t0 = clock.now();
        for _ in 0..BATCH {
            v += 1;
            w.write(&row(v));
        }
        let t1 = clock.now();
        hist.record(clock.to_ns(t1.wrapping_sub(t0)));
    }
    stop.store(true, Ordering::Relaxed);
    for h in handles {
        h.join().expect("reader panicked");
    }
    hist
}
