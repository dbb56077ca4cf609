//! Behaviour of the SPSC ring (`seamless_ipc::spsc`): full/empty, wrap-around, batch
//! edges, drops of unread values, abandonment, a two-thread stress run, and the
//! shared-memory form (validation, two threads, and two processes).

#![cfg(not(loom))]

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use seamless_ipc::spsc::{self, Abandoned, Full};
use seamless_ipc::wait::{WaitStrategy, Waiter};

/// A value that counts its drops in a shared table, one counter per id.
struct Counted {
    id: usize,
    drops: Arc<Vec<AtomicUsize>>,
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.drops[self.id].fetch_add(1, Ordering::Relaxed);
    }
}

fn drop_table(n: usize) -> Arc<Vec<AtomicUsize>> {
    Arc::new((0..n).map(|_| AtomicUsize::new(0)).collect())
}

fn counted(id: usize, drops: &Arc<Vec<AtomicUsize>>) -> Counted {
    Counted {
        id,
        drops: drops.clone(),
    }
}

fn assert_each_dropped_once(drops: &[AtomicUsize]) {
    for (id, d) in drops.iter().enumerate() {
        assert_eq!(
            d.load(Ordering::Relaxed),
            1,
            "value {id} dropped the wrong number of times"
        );
    }
}

#[test]
fn capacity_rounds_up_to_a_power_of_two() {
    for (asked, got) in [
        (0, 1),
        (1, 1),
        (2, 2),
        (3, 4),
        (5, 8),
        (1024, 1024),
        (1025, 2048),
    ] {
        let (tx, rx) = spsc::channel::<u8>(asked);
        assert_eq!((tx.capacity(), rx.capacity()), (got, got), "asked {asked}");
    }
    let err = spsc::try_channel::<u64>(usize::MAX).unwrap_err();
    assert_eq!(err.requested, usize::MAX);
    assert!(err.to_string().contains("too large"), "{err}");
    assert!(spsc::try_channel::<u64>(usize::MAX / 8).is_err());
}

#[test]
fn a_full_ring_hands_the_value_back_and_an_empty_one_pops_nothing() {
    let (mut tx, mut rx) = spsc::channel::<String>(4);
    assert!(rx.is_empty() && tx.is_empty());
    assert_eq!(rx.try_pop(), None);
    for i in 0..4 {
        tx.try_push(i.to_string()).unwrap();
    }
    assert_eq!((tx.len(), tx.free(), rx.len()), (4, 0, 4));
    let Full(back) = tx.try_push("4".into()).unwrap_err();
    assert_eq!(back, "4");
    assert_eq!(Full(()).to_string(), "the ring is full");
    for i in 0..4 {
        assert_eq!(rx.try_pop(), Some(i.to_string()));
    }
    assert_eq!(rx.try_pop(), None);
    assert!(rx.is_empty() && tx.is_empty());
    assert_eq!((tx.free(), rx.len()), (4, 0));
}

#[test]
fn values_come_out_in_order_across_many_wrap_arounds() {
    for capacity in [1, 2, 4] {
        let (mut tx, mut rx) = spsc::channel::<u64>(capacity);
        let (mut next_in, mut next_out) = (0u64, 0u64);
        for round in 0..1000 {
            let k = round % capacity + 1;
            for _ in 0..k {
                tx.try_push(next_in).unwrap();
                next_in += 1;
            }
            for _ in 0..k {
                assert_eq!(rx.try_pop(), Some(next_out));
                next_out += 1;
            }
            assert_eq!(rx.try_pop(), None);
        }
    }
}

/// Fills the ring to exactly its capacity, then drains part of it, for many laps: the
/// ring is full at `capacity` values (never earlier, never later) and values come out in
/// order. `make` turns a number into a value of `T` that carries it.
fn full_and_in_order_across_laps<T: PartialEq + std::fmt::Debug + Send>(make: fn(u64) -> T) {
    for capacity in [1usize, 2, 4, 8, 16, 64] {
        let (mut tx, mut rx) = spsc::channel::<T>(capacity);
        let (mut next_in, mut next_out) = (0u64, 0u64);
        for round in 0..300 {
            while tx.try_push(make(next_in)).is_ok() {
                next_in += 1;
            }
            assert_eq!(next_in - next_out, capacity as u64, "full at {capacity}");
            assert_eq!((tx.free(), rx.len()), (0, capacity));
            let drain = round % capacity + 1;
            for _ in 0..drain {
                assert_eq!(rx.try_pop(), Some(make(next_out)));
                next_out += 1;
            }
        }
        while let Some(v) = rx.try_pop() {
            assert_eq!(v, make(next_out));
            next_out += 1;
        }
        assert_eq!(next_out, next_in);
    }
}

/// Values share a 64-byte group with their neighbours (56 `u8`s, 7 `u64`s, 3 `u128`s,
/// 2 `[u64; 3]`s) or have one to themselves (`[u64; 7]`, `[u64; 9]`); the ring's
/// capacity is a power of two whatever the group size.
#[test]
fn every_group_size_is_full_at_capacity_and_in_order() {
    full_and_in_order_across_laps(|v| v as u8);
    full_and_in_order_across_laps(|v| v);
    full_and_in_order_across_laps(|v| u128::from(v) << 64 | u128::from(v));
    full_and_in_order_across_laps(|v| [v, !v, v ^ 5]);
    full_and_in_order_across_laps(|v| [v; 7]);
    full_and_in_order_across_laps(|v| [v; 9]);
    full_and_in_order_across_laps(|v| v.to_string());
}

#[test]
fn zero_sized_values_are_counted_like_any_other() {
    let (mut tx, mut rx) = spsc::channel::<()>(2);
    assert_eq!(tx.push_slice(&[(), (), ()]), 2);
    assert!(tx.try_push(()).is_err());
    assert_eq!(rx.len(), 2);
    assert_eq!(rx.pop_batch(5, drop), 2);
    assert_eq!(rx.try_pop(), None);
}

#[test]
fn push_slice_takes_what_fits_and_nothing_more() {
    let (mut tx, mut rx) = spsc::channel::<u32>(8);
    assert_eq!(tx.push_slice(&[]), 0, "empty batch");
    assert!(rx.is_empty());
    assert_eq!(tx.push_slice(&[0, 1, 2, 3, 4, 5, 6, 7]), 8, "exactly full");
    assert_eq!(tx.push_slice(&[8]), 0, "no room");
    let mut got = Vec::new();
    assert_eq!(rx.pop_batch(3, |v| got.push(v)), 3);
    // Larger than the free space, and wrapping past the end of the slots.
    let batch = [8, 9, 10, 11, 12];
    let n = tx.push_slice(&batch);
    assert_eq!(n, 3);
    assert_eq!(tx.push_slice(&batch[n..]), 0);
    rx.pop_batch(usize::MAX, |v| got.push(v));
    assert_eq!(tx.push_slice(&batch[n..]), 2);
    rx.pop_batch(usize::MAX, |v| got.push(v));
    assert_eq!(got, (0..13).collect::<Vec<_>>());
}

#[test]
fn push_iter_leaves_what_does_not_fit_in_the_iterator() {
    let (mut tx, mut rx) = spsc::channel::<String>(4);
    let mut empty = std::iter::empty();
    assert_eq!(tx.push_iter(&mut empty), 0);
    let mut words = (0..6).map(|i| i.to_string());
    assert_eq!(tx.push_iter(&mut words), 4);
    assert_eq!(tx.push_iter(&mut words), 0);
    assert_eq!(rx.try_pop().as_deref(), Some("0"));
    // An iterator with no size hint still fills the free slot.
    let mut unhinted = words.by_ref().filter(|_| true);
    assert_eq!(tx.push_iter(&mut unhinted), 1);
    assert_eq!(words.next().as_deref(), Some("5"));
    let mut got = Vec::new();
    rx.pop_batch(10, |v| got.push(v));
    assert_eq!(got, ["1", "2", "3", "4"]);
}

#[test]
fn pop_batch_respects_max_and_an_empty_ring() {
    let (mut tx, mut rx) = spsc::channel::<u8>(4);
    assert_eq!(rx.pop_batch(10, |_| panic!("empty ring")), 0);
    tx.push_slice(&[1, 2, 3]);
    assert_eq!(rx.pop_batch(0, |_| panic!("max is 0")), 0);
    assert_eq!(rx.len(), 3);
    let mut got = Vec::new();
    assert_eq!(rx.pop_batch(2, |v| got.push(v)), 2);
    assert_eq!(tx.free(), 3, "the batch published its head");
    assert_eq!(rx.pop_batch(10, |v| got.push(v)), 1);
    assert_eq!(got, [1, 2, 3]);
}

#[test]
fn unread_values_are_dropped_exactly_once_whichever_half_goes_last() {
    for producer_first in [true, false] {
        let drops = drop_table(12);
        let (mut tx, mut rx) = spsc::channel::<Counted>(8);
        // Move the indices along so the unread values straddle the end of the slots.
        for id in 0..6 {
            assert!(tx.try_push(counted(id, &drops)).is_ok());
        }
        for _ in 0..6 {
            drop(rx.try_pop().unwrap());
        }
        for id in 6..12 {
            assert!(tx.try_push(counted(id, &drops)).is_ok());
        }
        drop(rx.try_pop().unwrap()); // value 6 popped; 7..12 unread
        if producer_first {
            drop(tx);
            drop(rx);
        } else {
            drop(rx);
            drop(tx);
        }
        assert_each_dropped_once(&drops);
    }
}

#[test]
fn a_panicking_pop_batch_callback_drops_each_value_once() {
    let drops = drop_table(5);
    let (mut tx, mut rx) = spsc::channel::<Counted>(8);
    let mut items = (0..5).map(|id| counted(id, &drops));
    assert_eq!(tx.push_iter(&mut items), 5);
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        rx.pop_batch(10, |v| {
            if v.id == 2 {
                panic!("callback fails on value 2");
            }
        })
    }));
    assert!(result.is_err());
    // Values 0..=2 were handed over (and dropped by the callback's unwinding); 3 and
    // 4 are still in the ring.
    assert_eq!(rx.len(), 2);
    assert_eq!(rx.try_pop().map(|v| v.id), Some(3));
    drop(tx);
    drop(rx);
    assert_each_dropped_once(&drops);
}

#[test]
fn a_panicking_push_iter_iterator_keeps_the_values_already_pushed() {
    let (mut tx, mut rx) = spsc::channel::<u32>(8);
    let mut failing = (0..5).map(|i| if i == 3 { panic!("iterator fails") } else { i });
    let result = panic::catch_unwind(AssertUnwindSafe(|| tx.push_iter(&mut failing)));
    assert!(result.is_err());
    drop(tx); // publishes what the interrupted batch wrote
    let mut got = Vec::new();
    rx.pop_batch(10, |v| got.push(v));
    assert_eq!(got, [0, 1, 2]);
}

#[test]
fn push_wait_reports_a_gone_consumer_instead_of_hanging() {
    let (mut tx, rx) = spsc::channel::<String>(2);
    assert!(!tx.is_abandoned());
    drop(rx);
    assert!(tx.is_abandoned());
    let mut waiter = Waiter::new(WaitStrategy::Spin);
    // With room, pushes still succeed (the values are dropped with the ring).
    tx.push_wait("a".into(), &mut waiter).unwrap();
    tx.push_wait("b".into(), &mut waiter).unwrap();
    let err = tx.push_wait("c".into(), &mut waiter).unwrap_err();
    assert_eq!(err.0, "c");
    assert_eq!(err.to_string(), "the other half of the ring is gone");
}

#[test]
fn pop_wait_drains_a_gone_producer_then_reports_it() {
    let (mut tx, mut rx) = spsc::channel::<u64>(4);
    tx.push_slice(&[1, 2, 3]);
    assert!(!rx.is_abandoned());
    drop(tx);
    assert!(rx.is_abandoned());
    let mut waiter = Waiter::new(WaitStrategy::Backoff);
    for want in 1..=3 {
        assert_eq!(rx.pop_wait(&mut waiter), Ok(want));
    }
    assert_eq!(rx.pop_wait(&mut waiter), Err(Abandoned(())));
}

#[test]
fn blocking_calls_wait_for_the_other_thread() {
    let (mut tx, mut rx) = spsc::channel::<u64>(1);
    let consumer = std::thread::spawn(move || {
        let mut waiter = Waiter::new(WaitStrategy::Backoff);
        let mut got = Vec::new();
        while let Ok(v) = rx.pop_wait(&mut waiter) {
            got.push(v);
        }
        got
    });
    let mut waiter = Waiter::new(WaitStrategy::Backoff);
    for i in 0..100 {
        tx.push_wait(i, &mut waiter).unwrap(); // capacity 1: waits for each pop
    }
    drop(tx);
    assert_eq!(consumer.join().unwrap(), (0..100).collect::<Vec<_>>());
}

/// 10^6 values through a small ring between two threads, mixing single and batch
/// calls on both sides; every value arrives once and in order.
#[test]
fn two_threads_pass_a_million_values_in_order() {
    const N: u64 = if cfg!(miri) { 2_000 } else { 1_000_000 };
    let (mut tx, mut rx) = spsc::channel::<u64>(64);
    let consumer = std::thread::spawn(move || {
        let mut waiter = Waiter::new(WaitStrategy::SpinYield);
        let mut next = 0u64;
        while next < N {
            if next.is_multiple_of(3) {
                let v = rx.pop_wait(&mut waiter).expect("producer outlives the run");
                assert_eq!(v, next);
                next += 1;
            } else {
                let n = rx.pop_batch(17, |v| {
                    assert_eq!(v, next);
                    next += 1;
                });
                if n == 0 {
                    waiter.wait();
                } else {
                    waiter.reset();
                }
            }
        }
        assert_eq!(rx.try_pop(), None);
        next
    });
    let mut waiter = Waiter::new(WaitStrategy::SpinYield);
    let mut batch = [0u64; 23];
    let mut next = 0u64;
    while next < N {
        if next.is_multiple_of(2) {
            tx.push_wait(next, &mut waiter).unwrap();
            next += 1;
        } else {
            let len = batch.len().min((N - next) as usize);
            for (i, slot) in batch[..len].iter_mut().enumerate() {
                *slot = next + i as u64;
            }
            let n = tx.push_slice(&batch[..len]);
            next += n as u64;
            if n == 0 {
                waiter.wait();
            } else {
                waiter.reset();
            }
        }
    }
    assert_eq!(consumer.join().unwrap(), N);
}

/// Values still in flight when the consumer stops early are dropped by the ring, once.
#[test]
fn two_threads_then_an_early_stop_drop_every_value_once() {
    const N: usize = if cfg!(miri) { 200 } else { 10_000 };
    let drops = drop_table(N);
    let (mut tx, mut rx) = spsc::channel::<Counted>(32);
    let consumer = std::thread::spawn(move || {
        let mut waiter = Waiter::new(WaitStrategy::SpinYield);
        for want in 0..N / 2 {
            assert_eq!(rx.pop_wait(&mut waiter).unwrap().id, want);
        }
        // Dropping `rx` here leaves the rest to the producer side.
    });
    let mut waiter = Waiter::new(WaitStrategy::SpinYield);
    for id in 0..N {
        if let Err(Abandoned(v)) = tx.push_wait(counted(id, &drops), &mut waiter) {
            drop(v);
        }
    }
    consumer.join().unwrap();
    drop(tx);
    assert_each_dropped_once(&drops);
}

mod shm {
    //! The shared-memory form: validation, two threads over one block, two processes.

    use std::alloc::{self, Layout};
    use std::fs::{File, OpenOptions};
    use std::path::PathBuf;
    use std::process::{Child, Command};
    use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

    use memmap2::MmapRaw;
    use seamless_ipc::spsc::shm::{self, AttachError, InitError};
    use seamless_ipc::wait::{WaitStrategy, Waiter};
    use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

    /// A record as a cross-process test sends it: a sequence number and a check word.
    #[derive(Clone, Copy, Debug, PartialEq, FromBytes, IntoBytes, Immutable, KnownLayout)]
    #[repr(C)]
    struct Rec {
        seq: u64,
        check: u64,
    }

    impl Rec {
        fn new(seq: u64) -> Rec {
            Rec {
                seq,
                check: seq.wrapping_mul(0x9E37_79B9_7F4A_7C15),
            }
        }
    }

    /// An owned, `shm::ALIGN`-aligned, zeroed heap block standing in for a mapping.
    struct Block {
        ptr: *mut u8,
        layout: Layout,
    }

    // SAFETY: the block is plain memory owned by this value; the test hands its pointer
    // to ring handles that follow the ring's own protocol.
    unsafe impl Send for Block {}
    // SAFETY: as above; `Block` itself has no interior state.
    unsafe impl Sync for Block {}

    impl Block {
        fn new(len: usize) -> Block {
            let layout = Layout::from_size_align(len, shm::ALIGN).unwrap();
            // SAFETY: `len` is non-zero in every test.
            let ptr = unsafe { alloc::alloc_zeroed(layout) };
            assert!(!ptr.is_null());
            Block { ptr, layout }
        }

        fn word(&self, index: usize) -> *mut u64 {
            self.ptr.cast::<u64>().wrapping_add(index)
        }
    }

    impl Drop for Block {
        fn drop(&mut self) {
            // SAFETY: allocated in `new` with `layout`.
            unsafe { alloc::dealloc(self.ptr, self.layout) };
        }
    }

    #[test]
    fn init_checks_pointer_capacity_and_length() {
        let len = shm::bytes_for::<Rec>(8).unwrap();
        let block = Block::new(len + shm::ALIGN);
        // SAFETY: for every call below, `block` is ours, mapped and unshared.
        unsafe {
            assert_eq!(
                shm::init::<Rec>(std::ptr::null_mut(), len, 8),
                Err(InitError::Null)
            );
            let odd = block.ptr.wrapping_add(8);
            assert_eq!(
                shm::init::<Rec>(odd, len, 8),
                Err(InitError::Misaligned { addr: odd.addr() })
            );
            assert_eq!(
                shm::init::<Rec>(block.ptr, len, 6),
                Err(InitError::Capacity(6))
            );
            assert_eq!(
                shm::init::<Rec>(block.ptr, len, 0),
                Err(InitError::Capacity(0))
            );
            let err = shm::init::<Rec>(block.ptr, len - 1, 8).unwrap_err();
            assert_eq!(
                err,
                InitError::TooSmall {
                    len: len - 1,
                    needed: len
                }
            );
            assert_eq!(
                err.to_string(),
                format!("ring needs {len} bytes but the memory has {}", len - 1)
            );
            shm::init::<Rec>(block.ptr, len, 8).unwrap();
        }
    }

    #[test]
    fn attach_refuses_what_init_did_not_make() {
        let len = shm::bytes_for::<Rec>(8).unwrap();
        let block = Block::new(len);
        // SAFETY: for every call below, `block` is ours, mapped and unshared; the header
        // words poked are plain memory while no handle is attached.
        unsafe {
            let err = shm::consumer::<Rec>(block.ptr, len, ()).unwrap_err();
            assert_eq!(err, AttachError::NotInitialised { magic: 0 });
            assert!(err.to_string().contains("no initialised ring"), "{err}");
            assert!(matches!(
                shm::consumer::<Rec>(block.ptr, 64, ()),
                Err(AttachError::TooSmall { len: 64, .. })
            ));

            shm::init::<Rec>(block.ptr, len, 8).unwrap();
            let wrong_type = shm::consumer::<[u64; 3]>(block.ptr, len, ()).unwrap_err();
            assert_eq!(
                wrong_type,
                AttachError::Layout {
                    what: "value size",
                    found: 16,
                    expected: 24
                }
            );
            // Meta words: magic, version, capacity, slot size, value size, offset.
            block.word(1).write(9);
            let err = shm::consumer::<Rec>(block.ptr, len, ()).unwrap_err();
            assert_eq!(
                err,
                AttachError::Version {
                    found: 9,
                    expected: 2
                }
            );
            assert_eq!(err.to_string(), "ring layout v9, this build understands v2");
            block.word(1).write(2);
            block.word(3).write(72);
            assert_eq!(
                shm::consumer::<Rec>(block.ptr, len, ()).unwrap_err(),
                AttachError::Layout {
                    what: "group size",
                    found: 72,
                    expected: 64
                }
            );
            block.word(3).write(64);
            block.word(2).write(6);
            assert_eq!(
                shm::consumer::<Rec>(block.ptr, len, ()).unwrap_err(),
                AttachError::Capacity(6)
            );
            block.word(2).write(1 << 20); // claims more slots than the block holds
            assert!(matches!(
                shm::consumer::<Rec>(block.ptr, len, ()),
                Err(AttachError::TooSmall { .. })
            ));
            block.word(2).write(8);
            let _rx = shm::consumer::<Rec>(block.ptr, len, ()).unwrap();
            let err = shm::consumer::<Rec>(block.ptr, len, ()).unwrap_err();
            assert_eq!(err, AttachError::Taken("consumer"));
            assert_eq!(err.to_string(), "the ring already has a consumer");
            let _tx = shm::producer::<Rec>(block.ptr, len, ()).unwrap();
            assert_eq!(
                shm::producer::<Rec>(block.ptr, len, ()).unwrap_err(),
                AttachError::Taken("producer")
            );
        }
    }

    #[test]
    fn two_threads_over_one_block() {
        const N: u64 = if cfg!(miri) { 500 } else { 100_000 };
        let len = shm::bytes_for::<Rec>(16).unwrap();
        let block = std::sync::Arc::new(Block::new(len));
        // SAFETY: the block is ours, lives as long as both handles (each keeps an
        // `Arc`), and gets one producer and one consumer.
        let (mut tx, mut rx) = unsafe {
            shm::init::<Rec>(block.ptr, len, 16).unwrap();
            (
                shm::producer::<Rec>(block.ptr, len, block.clone()).unwrap(),
                shm::consumer::<Rec>(block.ptr, len, block.clone()).unwrap(),
            )
        };
        drop(block);
        assert_eq!(tx.capacity(), 16);
        let consumer = std::thread::spawn(move || {
            let mut waiter = Waiter::new(WaitStrategy::SpinYield);
            let mut next = 0;
            while let Ok(rec) = rx.pop_wait(&mut waiter) {
                assert_eq!(rec, Rec::new(next));
                next += 1;
            }
            next
        });
        let mut waiter = Waiter::new(WaitStrategy::SpinYield);
        for seq in 0..N {
            tx.push_wait(Rec::new(seq), &mut waiter).unwrap();
        }
        drop(tx);
        assert_eq!(consumer.join().unwrap(), N);
    }

    /// The environment variable that turns `shm_child_producer` into the child's role.
    const CHILD_ENV: &str = "SEAMLESS_SPSC_SHM_CHILD";
    /// Records the child sends.
    const CROSS_N: u64 = 1_000_000;
    const CROSS_CAPACITY: usize = 1024;

    /// Removes the test's /dev/shm file however the test ends.
    struct RemoveOnDrop(PathBuf);

    impl Drop for RemoveOnDrop {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    /// Kills and reaps the child if the test fails before it exits.
    struct KillOnDrop(Child);

    impl Drop for KillOnDrop {
        fn drop(&mut self) {
            if let Ok(None) = self.0.try_wait() {
                let _ = self.0.kill();
                let _ = self.0.wait();
            }
        }
    }

    fn map(file: &File) -> MmapRaw {
        MmapRaw::map_raw(file).expect("map the ring file")
    }

    /// The child's role: attach the producer and send `CROSS_N` records. A no-op in an
    /// ordinary test run (the variable is unset).
    #[test]
    #[cfg_attr(miri, ignore = "needs mmap and a child process")]
    fn shm_child_producer() {
        let Some(path) = std::env::var_os(CHILD_ENV) else {
            return;
        };
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .unwrap();
        let map = map(&file);
        // SAFETY: the parent sized and formatted the file and never truncates it while
        // we run; the handle owns the mapping; we are the ring's only producer.
        let mut tx = unsafe { shm::producer::<Rec>(map.as_mut_ptr(), map.len(), map) }.unwrap();
        let mut waiter = Waiter::new(WaitStrategy::SpinYield);
        let mut batch = Vec::with_capacity(64);
        let mut seq = 0;
        while seq < CROSS_N {
            if seq.is_multiple_of(5) {
                tx.push_wait(Rec::new(seq), &mut waiter).unwrap();
                seq += 1;
                continue;
            }
            batch.clear();
            batch.extend((seq..CROSS_N.min(seq + 64)).map(Rec::new));
            let n = tx.push_slice(&batch);
            seq += n as u64;
            if n == 0 {
                waiter.wait();
            }
        }
        // Dropping `tx` marks the producer gone: the parent's signal that we are done.
    }

    #[test]
    #[cfg_attr(miri, ignore = "needs mmap and a child process")]
    fn two_processes_pass_a_million_records_in_order() {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let path = PathBuf::from(format!(
            "/dev/shm/seamless-spsc-test-{}-{nanos}",
            std::process::id()
        ));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .unwrap();
        let _remove = RemoveOnDrop(path.clone());
        let len = shm::bytes_for::<Rec>(CROSS_CAPACITY).unwrap();
        file.set_len(len as u64).unwrap();
        let map = map(&file);
        // SAFETY: the file is ours, sized above and never truncated while mapped; the
        // handle owns the mapping; the child attaches only after `init` returned.
        let mut rx = unsafe {
            shm::init::<Rec>(map.as_mut_ptr(), map.len(), CROSS_CAPACITY).unwrap();
            shm::consumer::<Rec>(map.as_mut_ptr(), map.len(), map).unwrap()
        };
        let child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "shm::shm_child_producer",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &path)
            .spawn()
            .unwrap();
        let mut child = KillOnDrop(child);

        // Generous: a loaded two-core machine, a debug build.
        let deadline = Instant::now() + Duration::from_secs(300);
        let mut waiter = Waiter::new(WaitStrategy::Backoff);
        let mut next = 0u64;
        let mut exited = None;
        loop {
            let n = rx.pop_batch(256, |rec| {
                assert_eq!(rec, Rec::new(next), "record out of order or torn");
                next += 1;
            });
            if n > 0 {
                waiter.reset();
                continue;
            }
            if rx.is_abandoned() && rx.is_empty() {
                break;
            }
            if exited.is_none() {
                exited = child.0.try_wait().unwrap();
            } else {
                // The child exited; everything it pushed is visible once its drop is.
                assert!(
                    rx.is_abandoned(),
                    "child exited ({exited:?}) without dropping its producer"
                );
            }
            assert!(Instant::now() < deadline, "child stalled at record {next}");
            waiter.wait();
        }
        assert_eq!(next, CROSS_N);
        assert_eq!(rx.len(), 0);
        let status = child.0.wait().unwrap();
        assert!(status.success(), "child failed: {status}");
    }
}
