//! Loom models of the SPSC ring: every interleaving (up to the preemption bound) of a
//! producer and a consumer thread over a capacity-2 ring, across wrap-around, with
//! values sharing a group's stamp (`u32`: 14 to a group; `[u32; 6]`: 2, so cells are
//! reused).
//!
//! Run with:
//! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p seamless-ipc --profile loom --test loom_spsc`

#![cfg(loom)]

use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;
use seamless_ipc::spsc::{self, Abandoned};
use seamless_ipc::wait::{WaitStrategy, Waiter};

/// Single pushes and pops: three values through two slots arrive in order, then the
/// producer's drop ends the consumer's wait.
#[test]
fn single_values_cross_wrap_around_in_order() {
    loom::model(|| {
        let (mut tx, mut rx) = spsc::channel::<u32>(2);
        let producer = thread::spawn(move || {
            let mut waiter = Waiter::new(WaitStrategy::Spin);
            for v in 0..3 {
                tx.push_wait(v, &mut waiter).unwrap();
            }
        });
        let mut waiter = Waiter::new(WaitStrategy::Spin);
        for want in 0..3 {
            assert_eq!(rx.pop_wait(&mut waiter), Ok(want));
        }
        assert_eq!(rx.pop_wait(&mut waiter), Err(Abandoned(())));
        producer.join().unwrap();
    });
}

/// Values two to a group (24 bytes each; the group of a capacity-2 ring is its only
/// line): the third value reuses the first one's cell while the consumer may still be
/// reading the second one's, under the stamp the two share.
#[test]
fn values_sharing_a_group_reuse_its_cells_in_order() {
    loom::model(|| {
        let (mut tx, mut rx) = spsc::channel::<[u32; 6]>(2);
        let producer = thread::spawn(move || {
            let mut waiter = Waiter::new(WaitStrategy::Spin);
            for v in 0..3 {
                tx.push_wait([v; 6], &mut waiter).unwrap();
            }
        });
        let mut waiter = Waiter::new(WaitStrategy::Spin);
        for want in 0..3 {
            assert_eq!(rx.pop_wait(&mut waiter), Ok([want; 6]));
        }
        producer.join().unwrap();
    });
}

/// Batch calls: four values pushed with `push_slice` and popped with `pop_batch` (each
/// publishing its index once) arrive exactly once and in order.
#[test]
fn batches_cross_wrap_around_in_order() {
    loom::model(|| {
        let (mut tx, mut rx) = spsc::channel::<u32>(2);
        let producer = thread::spawn(move || {
            let values = [0, 1, 2, 3];
            let mut rest = &values[..];
            while !rest.is_empty() {
                let n = tx.push_slice(rest);
                rest = &rest[n..];
                if n == 0 {
                    thread::yield_now();
                }
            }
        });
        let mut got = Vec::new();
        while got.len() < 4 {
            if rx.pop_batch(4, |v| got.push(v)) == 0 {
                thread::yield_now();
            }
        }
        assert_eq!(got, [0, 1, 2, 3]);
        producer.join().unwrap();
    });
}

/// A value that counts its drops.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// Both halves dropped on different threads, with values still unread: the last one
/// out drops each unread value once (and loom checks the slot accesses for races).
#[test]
fn halves_dropped_concurrently_drop_unread_values_once() {
    loom::model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (mut tx, mut rx) = spsc::channel::<Counted>(2);
        let d = drops.clone();
        let producer = thread::spawn(move || {
            for _ in 0..2 {
                let _ = tx.try_push(Counted(d.clone()));
            }
        });
        let consumer = thread::spawn(move || {
            drop(rx.try_pop());
        });
        producer.join().unwrap();
        consumer.join().unwrap();
        assert_eq!(drops.load(Ordering::Relaxed), 2);
    });
}
