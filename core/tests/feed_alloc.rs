//! After start-up, producing ticks allocates nothing: counted by a global allocator
//! that tallies the allocations of the calling thread only (tests run in parallel).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::Write as _;

use seamless_config::{BadRows, CsvSpec, Instrument, SyntheticConfig};
use seamless_core::domain::{Instruments, Price, Qty};
use seamless_core::feed::{CsvFeed, CsvOptions, Feed, SyntheticFeed};

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

struct Counting;

// SAFETY: every call is forwarded unchanged to `System`, which upholds the
// `GlobalAlloc` contract; the thread-local counter is const-initialised, so touching
// it never allocates or re-enters the allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: the caller's contract for `alloc` is passed on unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this `layout` (see `alloc`).
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: the caller's contract for `realloc` is passed on unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocs() -> u64 {
    ALLOCS.with(Cell::get)
}

fn table(list: &[Instrument]) -> Instruments {
    let mut t = Instruments::new();
    for i in list {
        let (tick, lot) = (Price::from_raw(i.tick_size.0), Qty::from_raw(i.lot_size.0));
        t.add(&i.symbol, tick, lot).unwrap();
    }
    t
}

/// Pulls `n` ticks and returns how many allocations that took.
fn allocations_for(feed: &mut dyn Feed, n: usize) -> u64 {
    let before = allocs();
    for _ in 0..n {
        assert!(feed.next_tick().unwrap().is_some());
    }
    allocs() - before
}

#[test]
fn synthetic_ticks_do_not_allocate() {
    let list = Instrument::default_list();
    let cfg = SyntheticConfig {
        ticks: 0,
        ..SyntheticConfig::default()
    };
    let mut feed = SyntheticFeed::new(&cfg, &list, &table(&list), 0).unwrap();
    assert_eq!(allocations_for(&mut feed, 100_000), 0);
}

#[test]
fn csv_rows_do_not_allocate() {
    let dir = tempfile::tempdir().unwrap();
    let (btc, eth) = (dir.path().join("btc.csv"), dir.path().join("eth.csv"));
    let mut out = std::io::BufWriter::new(std::fs::File::create(&btc).unwrap());
    writeln!(out, "timestamp,symbol,bid,ask,last,size").unwrap();
    for i in 0..20_000u64 {
        let (ts, px) = (1_704_153_600_000 + i, 40_000 + i % 100);
        writeln!(out, "{ts}, BTCUSD ,{px}.00,{px}.50,,0.001").unwrap();
    }
    drop(out);
    let mut out = std::io::BufWriter::new(std::fs::File::create(&eth).unwrap());
    writeln!(out, ",Open,High,Low,Close,Volume").unwrap();
    for i in 0..20_000u64 {
        let (h, m, s) = (i / 3600, i / 60 % 60, i % 60);
        writeln!(out, "2024-01-02 {h:02}:{m:02}:{s:02}.5+00:00,1,2,1,1.5,10").unwrap();
    }
    drop(out);
    let list = Instrument::default_list();
    let specs = [
        CsvSpec {
            symbol: "BTCUSD".into(),
            path: btc,
        },
        CsvSpec {
            symbol: "ETHUSD".into(),
            path: eth,
        },
    ];
    let options = CsvOptions {
        bad_rows: BadRows::Fail,
        bar_spread: Price::ZERO,
    };
    let mut feed = CsvFeed::open(&specs, &table(&list), options).unwrap();
    // The first pull reads each file's first row (buffers reach their working size).
    assert!(feed.next_tick().unwrap().is_some());
    assert_eq!(allocations_for(&mut feed, 30_000), 0);
}
