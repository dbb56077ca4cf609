//! Loom models of the broadcast ring: a producer publishes 3 events into a capacity-2
//! ring while a reader reads. A free reader gets events in order or `Lagged` with the
//! exact missed count, never a torn or mislabelled event; a gating reader is never
//! lapped (the producer gets `Full` and retries instead).
//!
//! Run: `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p seamless-ipc
//! --profile loom --test loom_broadcast`.
#![cfg(loom)]

use std::sync::Arc;

use loom::sync::atomic::AtomicU64;
use seamless_ipc::broadcast::{Gate, Lagged, Producer, Reader, Start, advance_gate, ring_words};

type Ev = [u64; 2];
const CAPACITY: u64 = 2;
const EVENTS: u64 = 3;

/// Every word derived from the sequence.
fn ev(seq: u64) -> Ev {
    [seq, seq * 100 + 7]
}

/// A fresh, initialised ring (initialised here, before any thread starts).
fn ring() -> Arc<Vec<AtomicU64>> {
    let words: Arc<Vec<AtomicU64>> = Arc::new(
        (0..ring_words::<Ev>(CAPACITY as usize).unwrap())
            .map(|_| AtomicU64::new(0))
            .collect(),
    );
    // SAFETY: no other producer; this one is dropped before the producer thread attaches.
    unsafe { Producer::<Ev>::create(&words, CAPACITY, 1, 1) }.unwrap();
    words
}

#[test]
fn free_reader_sees_order_or_exact_lag() {
    loom::model(|| {
        let words = ring();
        let w = words.clone();
        let producer = loom::thread::spawn(move || {
            // SAFETY: the only producer of the ring.
            let mut p = unsafe { Producer::<Ev>::attach(&w, 0) }.unwrap();
            for seq in 1..=EVENTS {
                assert_eq!(p.publish(&ev(seq)), seq);
            }
        });
        let mut r = Reader::<Ev>::attach(&words, Start::Seq(1)).unwrap();
        let (mut delivered, mut missed) = (0, 0);
        let mut expected = 1;
        while expected <= EVENTS {
            match r.try_next() {
                Ok(Some((seq, e))) => {
                    assert_eq!(seq, expected, "out of order");
                    assert_eq!(e, ev(seq), "torn or mislabelled event");
                    expected += 1;
                    delivered += 1;
                }
                Ok(None) => loom::thread::yield_now(),
                Err(Lagged { missed: m }) => {
                    assert!(m >= 1);
                    expected += m;
                    missed += m;
                    assert_eq!(r.next_seq(), expected);
                }
            }
        }
        assert_eq!(delivered + missed, EVENTS);
        producer.join().unwrap();
    });
}

#[test]
fn gating_reader_is_never_lapped() {
    loom::model(|| {
        let words = ring();
        let cursor = Arc::new(AtomicU64::new(1));
        let w = words.clone();
        let c = cursor.clone();
        let producer = loom::thread::spawn(move || {
            // SAFETY: the only producer of the ring.
            let mut p = unsafe { Producer::<Ev>::attach(&w, 1) }.unwrap();
            p.add_gate(Gate::new(c)).unwrap();
            for seq in 1..=EVENTS {
                while p.try_publish(&ev(seq)).is_err() {
                    loom::thread::yield_now();
                }
            }
        });
        let mut r = Reader::<Ev>::attach(&words, Start::Seq(1)).unwrap();
        let mut expected = 1;
        while expected <= EVENTS {
            match r.try_next() {
                Ok(Some((seq, e))) => {
                    assert_eq!((seq, e), (expected, ev(expected)));
                    expected += 1;
                    advance_gate(&cursor, expected);
                }
                Ok(None) => loom::thread::yield_now(),
                Err(lag) => panic!("gating reader lapped: {lag}"),
            }
        }
        producer.join().unwrap();
    });
}
