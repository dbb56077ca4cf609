//! Loom model of the seqlock: a writer makes two writes of self-verifying records while
//! a reader reads; the reader must never accept a torn record, and versions must match
//! the record they came with.
//!
//! Run: `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p seamless-ipc
//! --profile loom --test loom_seqlock`.
#![cfg(loom)]

use std::sync::Arc;

use loom::sync::atomic::AtomicU64;
use seamless_ipc::seqlock::{SeqlockReader, SeqlockWriter};

type Rec = [u64; 2];

/// Every word derived from `v`; version `v` carries `rec(v)`, version 0 the zeroed cell.
fn rec(v: u64) -> Rec {
    if v == 0 { [0, 0] } else { [v, v * 100 + 1] }
}

fn cell() -> Arc<Vec<AtomicU64>> {
    Arc::new((0..3).map(|_| AtomicU64::new(0)).collect())
}

#[test]
fn reader_never_accepts_a_torn_record() {
    loom::model(|| {
        let cell = cell();
        let c = cell.clone();
        let writer = loom::thread::spawn(move || {
            // SAFETY: the only writer of the cell.
            let mut w = unsafe { SeqlockWriter::<Rec>::new(&c) }.unwrap();
            assert_eq!(w.write(&rec(1)), 1);
            assert_eq!(w.write(&rec(2)), 2);
        });
        let r = SeqlockReader::<Rec>::new(&cell)
            .unwrap()
            .with_max_retries(1);
        let mut last = 0;
        for _ in 0..2 {
            if let Ok((value, version)) = r.try_read() {
                assert_eq!(value, rec(version), "torn or mislabelled read");
                assert!(version >= last, "version went backwards");
                last = version;
            }
        }
        writer.join().unwrap();
        assert_eq!(r.try_read(), Ok((rec(2), 2)));
    });
}

#[test]
fn version_never_runs_ahead_of_readable_data() {
    loom::model(|| {
        let cell = cell();
        let c = cell.clone();
        let writer = loom::thread::spawn(move || {
            // SAFETY: the only writer of the cell.
            let mut w = unsafe { SeqlockWriter::<Rec>::new(&c) }.unwrap();
            w.write(&rec(1));
        });
        let r = SeqlockReader::<Rec>::new(&cell)
            .unwrap()
            .with_max_retries(1);
        let seen = r.version();
        if let Ok((value, version)) = r.try_read() {
            assert_eq!(value, rec(version));
            // Coherence: a later read never reports an older version than `version()`.
            assert!(version >= seen);
        }
        writer.join().unwrap();
    });
}
