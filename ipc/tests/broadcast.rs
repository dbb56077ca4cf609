//! Behaviour of `seamless_ipc::broadcast`: order, wrap-around, exact lapping counts,
//! start positions, gates (never lapped, add/remove, headroom), a threaded stress with
//! one gating and two free readers, and the same across processes over /dev/shm with
//! the readers on `PROT_READ` mappings.
#![cfg(not(loom))]

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use seamless_ipc::broadcast::{
    AddGateError, AttachError, Full, Gate, Lagged, Producer, Reader, Start, advance_gate,
    ring_words,
};

/// A 56-byte event (64-byte slot), every word derived from its sequence.
type Ev = [u64; 7];

fn ev(seq: u64) -> Ev {
    std::array::from_fn(|i| seq.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ i as u64)
}

fn ring(capacity: usize) -> Vec<AtomicU64> {
    (0..ring_words::<Ev>(capacity).unwrap())
        .map(|_| AtomicU64::new(0))
        .collect()
}

fn producer(words: &[AtomicU64], capacity: u64, first_seq: u64) -> Producer<'_, Ev> {
    // SAFETY: each test creates one producer per ring.
    unsafe { Producer::create(words, capacity, first_seq, 4) }.unwrap()
}

/// Drains a reader: every result until `Ok(None)`.
fn drain(r: &mut Reader<'_, Ev>) -> Vec<Result<u64, Lagged>> {
    let mut out = Vec::new();
    loop {
        match r.try_next() {
            Ok(Some((seq, e))) => {
                assert_eq!(e, ev(seq), "mislabelled event {seq}");
                out.push(Ok(seq));
            }
            Ok(None) => return out,
            Err(lag) => out.push(Err(lag)),
        }
    }
}

#[test]
fn events_arrive_in_order_then_none() {
    let w = ring(4);
    let mut p = producer(&w, 4, 1);
    let mut r = Reader::<Ev>::attach(&w, Start::Seq(1)).unwrap();
    assert_eq!(r.try_next(), Ok(None));
    for s in 1..=3 {
        assert_eq!(p.publish(&ev(s)), s);
    }
    assert_eq!(drain(&mut r), vec![Ok(1), Ok(2), Ok(3)]);
    assert_eq!((r.next_seq(), r.published(), r.lag()), (4, 3, 0));
}

#[test]
fn wrap_around_many_times_without_loss() {
    let w = ring(4);
    let mut p = producer(&w, 4, 1);
    let mut r = p.reader(Start::Seq(1));
    for s in 1..=100 {
        p.publish(&ev(s));
        if s % 3 == 0 {
            let got = drain(&mut r);
            assert!(got.iter().all(Result::is_ok), "{got:?}");
        }
    }
    drain(&mut r);
    assert_eq!(r.next_seq(), 101);
}

#[test]
fn lapped_reader_gets_exact_missed_count_and_resumes_at_oldest() {
    let w = ring(4);
    let mut p = producer(&w, 4, 1);
    let mut r = p.reader(Start::Seq(1));
    for s in 1..=10 {
        p.publish(&ev(s));
    }
    // Seqs 7..=10 are in the ring; 1..=6 are gone.
    assert_eq!(r.lag(), 10);
    assert_eq!(r.try_next(), Err(Lagged { missed: 6 }));
    assert_eq!(drain(&mut r), vec![Ok(7), Ok(8), Ok(9), Ok(10)]);
    assert!(Lagged { missed: 6 }.to_string().contains("6 events"));
}

#[test]
fn lapped_twice_accounts_for_every_sequence() {
    let w = ring(2);
    let mut p = producer(&w, 2, 1);
    let mut r = p.reader(Start::Seq(1));
    let mut seen = 0;
    let mut missed = 0;
    for s in 1..=50 {
        p.publish(&ev(s));
        if s % 7 == 0 {
            for x in drain(&mut r) {
                match x {
                    Ok(_) => seen += 1,
                    Err(l) => missed += l.missed,
                }
            }
        }
    }
    for x in drain(&mut r) {
        match x {
            Ok(_) => seen += 1,
            Err(l) => missed += l.missed,
        }
    }
    assert_eq!(seen + missed, 50);
    assert_eq!(r.next_seq(), 51);
}

#[test]
fn start_positions() {
    let w = ring(8);
    let mut p = producer(&w, 8, 1);
    for s in 1..=10 {
        p.publish(&ev(s));
    }
    let first = |start| drain(&mut Reader::<Ev>::attach(&w, start).unwrap())[0];
    assert_eq!(first(Start::Seq(5)), Ok(5));
    assert_eq!(first(Start::Oldest), Ok(3));
    assert_eq!(first(Start::Newest), Ok(10));
    assert_eq!(first(Start::Seq(1)), Err(Lagged { missed: 2 }));
    assert_eq!(
        first(Start::Seq(0)),
        Err(Lagged { missed: 2 }),
        "0 counts as 1"
    );
    let mut tail = Reader::<Ev>::attach(&w, Start::Tail).unwrap();
    assert_eq!(tail.try_next(), Ok(None));
    p.publish(&ev(11));
    assert_eq!(drain(&mut tail), vec![Ok(11)]);
    // A reader ahead of the producer waits.
    let mut ahead = Reader::<Ev>::attach(&w, Start::Seq(13)).unwrap();
    p.publish(&ev(12));
    assert_eq!(ahead.try_next(), Ok(None));
    p.publish(&ev(13));
    assert_eq!(drain(&mut ahead), vec![Ok(13)]);
}

#[test]
fn ring_continuing_a_restored_history_starts_at_its_first_seq() {
    let w = ring(4);
    let mut p = producer(&w, 4, 100);
    assert_eq!(p.published(), 99);
    let mut before = p.reader(Start::Seq(40));
    let mut newest = p.reader(Start::Newest);
    assert_eq!(p.publish(&ev(100)), 100);
    assert_eq!(before.try_next(), Err(Lagged { missed: 60 }));
    assert_eq!(drain(&mut before), vec![Ok(100)]);
    assert_eq!(drain(&mut newest), vec![Ok(100)]);
}

#[test]
fn producer_attach_continues_after_the_published_cursor() {
    let w = ring(4);
    let mut p = producer(&w, 4, 1);
    p.publish(&ev(1));
    p.publish(&ev(2));
    // SAFETY: the first producer is not used again.
    let mut p2 = unsafe { Producer::<Ev>::attach(&w, 1) }.unwrap();
    assert_eq!(p2.publish(&ev(3)), 3);
    let mut r = p2.reader(Start::Seq(1));
    assert_eq!(drain(&mut r), vec![Ok(1), Ok(2), Ok(3)]);
}

#[test]
fn attach_rejects_uninitialised_and_mismatched_rings() {
    let w = ring(4);
    assert_eq!(
        Reader::<Ev>::attach(&w, Start::Tail).err(),
        Some(AttachError::NotInitialized)
    );
    producer(&w, 4, 1);
    assert!(matches!(
        Reader::<[u64; 8]>::attach(&w, Start::Tail),
        Err(AttachError::RecordMismatch {
            ring_words: 7,
            reader_words: 8
        })
    ));
    let e = Reader::<Ev>::attach(&w[..10], Start::Tail).unwrap_err();
    assert!(e.to_string().contains("too small"), "{e}");
}

#[test]
fn gating_reader_is_never_lapped_producer_gets_full() {
    let w = ring(4);
    let mut p = producer(&w, 4, 1);
    let cursor = Arc::new(AtomicU64::new(1));
    p.add_gate(Gate::new(cursor.clone())).unwrap();
    let mut r = p.reader(Start::Seq(1));
    for s in 1..=4 {
        assert_eq!(p.try_publish(&ev(s)), Ok(s));
    }
    assert_eq!(p.try_publish(&ev(5)), Err(Full { seq: 5, needed: 1 }));
    assert_eq!((p.headroom(), p.fill()), (0, 4));
    assert_eq!(drain(&mut r)[..2], [Ok(1), Ok(2)]);
    // Read is not consumed until the reader says so.
    assert!(p.try_publish(&ev(5)).is_err());
    advance_gate(&cursor, 3);
    assert_eq!(p.headroom(), 2);
    assert_eq!(p.try_publish(&ev(5)), Ok(5));
    assert_eq!(p.try_publish(&ev(6)), Ok(6));
    assert_eq!(p.try_publish(&ev(7)), Err(Full { seq: 7, needed: 3 }));
    advance_gate(&cursor, r.next_seq());
    assert_eq!(drain(&mut r), vec![Ok(5), Ok(6)]);
    assert_eq!(p.min_gate(), Some(5));
}

#[test]
fn gates_add_and_remove() {
    let w = ring(4);
    // SAFETY: the only producer of `w`.
    let mut p = unsafe { Producer::<Ev>::create(&w, 4, 1, 2) }.unwrap();
    assert_eq!((p.headroom(), p.fill(), p.min_gate()), (4, 0, None));
    for s in 1..=6 {
        p.publish(&ev(s));
    }
    // Seqs 3..=6 are in the ring: a gate asking for 2 is too late.
    match p.add_gate(Gate::new(Arc::new(AtomicU64::new(2)))) {
        Err(AddGateError::Behind { oldest, gate }) => {
            assert_eq!((oldest, gate.cursor()), (3, 2));
        }
        other => panic!("expected Behind, got {other:?}"),
    }
    let slow = Arc::new(AtomicU64::new(3));
    let fast = Arc::new(AtomicU64::new(7));
    let slow_id = p.add_gate(Gate::new(slow.clone())).unwrap();
    let fast_id = p.add_gate(Gate::new(fast.clone())).unwrap();
    assert!(matches!(
        p.add_gate(Gate::new(Arc::new(AtomicU64::new(7)))),
        Err(AddGateError::TableFull(_))
    ));
    assert_eq!(p.gate_count(), 2);
    assert_eq!(p.try_publish(&ev(7)), Err(Full { seq: 7, needed: 3 }));
    // Removing the slow gate unblocks; its id then goes stale.
    let gate = p.remove_gate(slow_id).unwrap();
    assert_eq!(gate.cursor(), 3);
    assert!(p.remove_gate(slow_id).is_none(), "stale id");
    assert_eq!(p.try_publish(&ev(7)), Ok(7));
    // A new gate may reuse the entry; the old id still misses it.
    let again = p.add_gate(Gate::new(slow.clone())).unwrap_err();
    assert!(matches!(again, AddGateError::Behind { oldest: 4, .. }));
    advance_gate(&slow, 5);
    let new_id = p.add_gate(Gate::new(slow.clone())).unwrap();
    assert_ne!(new_id, slow_id);
    assert!(p.remove_gate(slow_id).is_none());
    assert_eq!(p.min_gate(), Some(5));
    assert!(p.remove_gate(fast_id).is_some());
    assert!(p.remove_gate(new_id).is_some());
    assert_eq!((p.gate_count(), p.min_gate()), (0, None));
}

#[test]
fn forced_publish_overrides_gates_and_the_gating_reader_sees_lagged() {
    let w = ring(2);
    let mut p = producer(&w, 2, 1);
    let cursor = Arc::new(AtomicU64::new(1));
    p.add_gate(Gate::new(cursor)).unwrap();
    let mut r = p.reader(Start::Seq(1));
    for s in 1..=3 {
        p.publish(&ev(s));
    }
    assert_eq!(r.try_next(), Err(Lagged { missed: 1 }));
    assert_eq!(drain(&mut r), vec![Ok(2), Ok(3)]);
}

/// 1 producer, 3 reader threads; reader 0 gates. The gating reader sees every sequence
/// exactly once in order; the others see strictly increasing sequences and account for
/// every gap through `Lagged`.
#[test]
fn threaded_one_gating_and_two_free_readers() {
    const N: u64 = if cfg!(miri) { 300 } else { 200_000 };
    const CAPACITY: u64 = if cfg!(miri) { 4 } else { 64 };
    let deadline = Instant::now() + Duration::from_secs(600);
    let w = ring(CAPACITY as usize);
    let mut p = producer(&w, CAPACITY, 1);
    let cursor = Arc::new(AtomicU64::new(1));
    p.add_gate(Gate::new(cursor.clone())).unwrap();
    let readers: Vec<Reader<'_, Ev>> = (0..3).map(|_| p.reader(Start::Seq(1))).collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = readers
            .into_iter()
            .enumerate()
            .map(|(i, mut r)| {
                let gate = (i == 0).then(|| cursor.clone());
                s.spawn(move || {
                    let (mut delivered, mut missed) = (0u64, 0u64);
                    let mut expected = 1;
                    while expected <= N {
                        assert!(Instant::now() < deadline, "reader {i} stuck at {expected}");
                        match r.try_next() {
                            Ok(Some((seq, e))) => {
                                assert_eq!(seq, expected, "reader {i} out of order");
                                assert_eq!(e, ev(seq), "reader {i}: torn event {seq}");
                                expected += 1;
                                delivered += 1;
                                if let Some(g) = &gate {
                                    advance_gate(g, expected);
                                }
                            }
                            Ok(None) => std::thread::yield_now(),
                            Err(Lagged { missed: m }) => {
                                assert!(gate.is_none(), "gating reader lapped");
                                assert!(m > 0);
                                expected += m;
                                missed += m;
                                assert_eq!(r.next_seq(), expected);
                            }
                        }
                    }
                    assert_eq!(delivered + missed, N);
                    (delivered, missed)
                })
            })
            .collect();
        let mut fulls = 0u64;
        for seq in 1..=N {
            loop {
                match p.try_publish(&ev(seq)) {
                    Ok(s) => {
                        assert_eq!(s, seq);
                        break;
                    }
                    Err(Full { .. }) => {
                        fulls += 1;
                        assert!(Instant::now() < deadline, "producer stuck at {seq}");
                        std::thread::yield_now();
                    }
                }
            }
        }
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(results[0], (N, 0), "gating reader saw everything");
        println!("threaded broadcast: {fulls} fulls, readers {results:?}");
    });
}

/// Cross-process: see `xproc` below.
#[test]
#[cfg_attr(miri, ignore = "spawns processes and maps files")]
fn xproc_producer_gating_and_free_reader_processes() {
    xproc::run();
}

mod xproc {
    //! The ring in a /dev/shm file: a producer process (read-write mapping), a gating
    //! reader process and a free reader process (both on `PROT_READ` mappings of the
    //! ring). The gating reader's cursor lives in a second file that it maps read-write
    //! and the producer maps read-only, as reader segments will. Children are this test
    //! binary re-executed with [`ROLE`] set.

    use std::fs::{self, File, OpenOptions};
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    use std::path::{Path, PathBuf};
    use std::process::{Child, Command, Stdio};
    use std::sync::atomic::Ordering;
    use std::time::{Duration, Instant};

    use memmap2::{MmapOptions, MmapRaw};
    use seamless_ipc::broadcast::{
        Full, Gate, Lagged, Producer, Reader, Start, advance_gate, ring_bytes,
    };
    use seamless_ipc::seqlock::atomic_words;

    use super::{Ev, ev};

    const TEST_NAME: &str = "xproc_producer_gating_and_free_reader_processes";
    const ROLE: &str = "SEAMLESS_TEST_XPROC_BROADCAST_ROLE";
    const RING: &str = "SEAMLESS_TEST_XPROC_BROADCAST_RING";
    const CURSOR: &str = "SEAMLESS_TEST_XPROC_BROADCAST_CURSOR";
    const N: u64 = 200_000;
    const CAPACITY: u64 = 256;
    const DEADLINE: Duration = Duration::from_secs(600);

    fn ring_len() -> usize {
        ring_bytes::<Ev>(CAPACITY as usize).unwrap()
    }

    pub(super) fn run() {
        let var = |k| PathBuf::from(std::env::var_os(k).expect("child without paths"));
        match std::env::var(ROLE).as_deref() {
            Ok("producer") => producer(&var(RING), &var(CURSOR)),
            Ok("gating") => gating(&var(RING), &var(CURSOR)),
            Ok("free") => free(&var(RING)),
            _ => parent(),
        }
    }

    /// Kills children still running if the parent fails, and removes the files.
    struct Cleanup(Vec<Child>, Vec<PathBuf>);

    impl Drop for Cleanup {
        fn drop(&mut self) {
            for child in &mut self.0 {
                if let Ok(None) = child.try_wait() {
                    let _ = child.kill();
                    let _ = child.wait();
                }
            }
            for path in &self.1 {
                let _ = fs::remove_file(path);
            }
        }
    }

    fn create(path: &Path, len: usize) -> File {
        let f = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .unwrap();
        f.set_len(len as u64).unwrap();
        f
    }

    fn map(path: &Path, len: usize, writable: bool) -> MmapRaw {
        let file = File::options()
            .read(true)
            .write(writable)
            .open(path)
            .unwrap();
        let mut opts = MmapOptions::new();
        opts.len(len);
        if writable {
            opts.map_raw(&file).unwrap()
        } else {
            opts.map_raw_read_only(&file).unwrap()
        }
    }

    fn parent() {
        let dir = if Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let base = format!("seamless-test-bcast-{}-{nanos}", std::process::id());
        let ring_path = dir.join(format!("{base}-ring"));
        let cursor_path = dir.join(format!("{base}-cursor"));
        let mut cleanup = Cleanup(Vec::new(), vec![ring_path.clone(), cursor_path.clone()]);
        let _ring_file = create(&ring_path, ring_len());
        let _cursor_file = create(&cursor_path, 4096);
        {
            // Initialise the ring here so every child can attach at once; the cursor
            // file starts at "needs seq 1".
            let ring = map(&ring_path, ring_len(), true);
            // SAFETY: a fresh mapping, unused by anyone else yet; only atomic access.
            unsafe { Producer::<Ev>::create_raw(ring.as_mut_ptr(), ring_len(), CAPACITY, 1, 1) }
                .unwrap();
            let cursor = map(&cursor_path, 4096, true);
            // SAFETY: a fresh mapping; only atomic access.
            let words = unsafe { atomic_words(cursor.as_ptr(), 8) }.unwrap();
            words[0].store(1, Ordering::Relaxed);
            cursor.flush().unwrap();
        }
        let started = Instant::now();
        for role in ["gating", "free", "producer"] {
            cleanup.0.push(
                Command::new(std::env::current_exe().unwrap())
                    .args(["--exact", TEST_NAME, "--nocapture", "--test-threads=1"])
                    .env(ROLE, role)
                    .env(RING, &ring_path)
                    .env(CURSOR, &cursor_path)
                    .stdout(Stdio::piped())
                    .spawn()
                    .unwrap(),
            );
        }
        let mut outs = Vec::new();
        for child in &mut cleanup.0 {
            let status = loop {
                if let Some(status) = child.try_wait().unwrap() {
                    break status;
                }
                // On failure `Cleanup` kills the rest as the panic unwinds.
                assert!(started.elapsed() < DEADLINE, "child still running");
                std::thread::sleep(Duration::from_millis(20));
            };
            let mut out = String::new();
            child
                .stdout
                .take()
                .unwrap()
                .read_to_string(&mut out)
                .unwrap();
            assert!(status.success(), "child failed ({status}):\n{out}");
            outs.push(out);
        }
        println!(
            "xproc broadcast in {:?}: {}",
            started.elapsed(),
            outs.iter()
                .filter_map(|o| o.split_once("RESULT ").map(|(_, r)| r.lines().next()))
                .flatten()
                .collect::<Vec<_>>()
                .join("; ")
        );
    }

    fn producer(ring_path: &Path, cursor_path: &Path) {
        let map = map(ring_path, ring_len(), true);
        // SAFETY: the mapping outlives the producer; only atomic access; this process
        // is the ring's only producer.
        let words = unsafe { atomic_words(map.as_ptr(), ring_len()) }.unwrap();
        // SAFETY: as above.
        let mut p = unsafe { Producer::<Ev>::attach(words, 1) }.unwrap();
        let cursor = self::map(cursor_path, 4096, false);
        let cursor_ptr = cursor.as_ptr();
        // SAFETY: the gate owns the read-only mapping that holds the cursor, which the
        // gating reader only accesses as one AtomicU64.
        let gate = unsafe { Gate::from_raw(cursor_ptr, Box::new(cursor)) }.unwrap();
        p.add_gate(gate).unwrap();
        let started = Instant::now();
        let mut fulls = 0u64;
        for seq in 1..=N {
            while let Err(Full { .. }) = p.try_publish(&ev(seq)) {
                fulls += 1;
                assert!(started.elapsed() < DEADLINE, "producer stuck at {seq}");
                std::thread::yield_now();
            }
        }
        println!(
            "\nRESULT producer published={} fulls={fulls}",
            p.published()
        );
    }

    fn gating(ring_path: &Path, cursor_path: &Path) {
        let ring = map(ring_path, ring_len(), false);
        let cursor_map = map(cursor_path, 4096, true);
        // SAFETY: both mappings outlive the views; only atomic access (loads on the
        // read-only ring).
        let (mut r, cursor) = unsafe {
            (
                Reader::<Ev>::from_raw(ring.as_ptr(), ring_len(), Start::Seq(1)).unwrap(),
                &atomic_words(cursor_map.as_ptr(), 8).unwrap()[0],
            )
        };
        let started = Instant::now();
        while r.next_seq() <= N {
            match r.try_next() {
                Ok(Some((seq, e))) => {
                    assert_eq!(e, ev(seq), "torn event {seq}");
                    advance_gate(cursor, seq + 1);
                }
                Ok(None) => {
                    assert!(started.elapsed() < DEADLINE, "gating reader stuck");
                    std::thread::yield_now();
                }
                Err(l) => panic!("gating reader lapped: {l}"),
            }
        }
        println!("\nRESULT gating read={N} lagged=0");
    }

    fn free(ring_path: &Path) {
        let ring = map(ring_path, ring_len(), false);
        // SAFETY: the mapping outlives the reader, which only loads.
        let mut r =
            unsafe { Reader::<Ev>::from_raw(ring.as_ptr(), ring_len(), Start::Seq(1)) }.unwrap();
        let started = Instant::now();
        let (mut delivered, mut missed, mut expected) = (0u64, 0u64, 1u64);
        while expected <= N {
            match r.try_next() {
                Ok(Some((seq, e))) => {
                    assert_eq!(seq, expected, "out of order");
                    assert_eq!(e, ev(seq), "torn event {seq}");
                    delivered += 1;
                    expected += 1;
                }
                Ok(None) => {
                    assert!(started.elapsed() < DEADLINE, "free reader stuck");
                    std::thread::yield_now();
                }
                Err(Lagged { missed: m }) => {
                    missed += m;
                    expected += m;
                }
            }
        }
        assert_eq!(delivered + missed, N);
        println!("\nRESULT free delivered={delivered} missed={missed}");
    }
}
