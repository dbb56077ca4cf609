//! Cross-process seqlock stress: one writer process updates a self-verifying 64-byte
//! record as fast as it can while reader processes read it through a `PROT_READ`
//! mapping of the same /dev/shm file. At least 10^7 successful reads in total, and not
//! one torn record may be accepted.
//!
//! The children are this test binary re-executed (`--exact <test> --nocapture`) with
//! [`ROLE`] selecting what they do. Readers stop after their quota of successful reads;
//! the parent then raises the stop word and the writer exits. Progress is counted, never
//! timed: the deadlines below only turn a hang into a failure.
#![cfg(not(loom))]

use std::fs::{self, File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use memmap2::{MmapOptions, MmapRaw};
use seamless_ipc::seqlock::{self, ReadStats, SeqlockReader, SeqlockWriter};

const TEST_NAME: &str = "writer_and_reader_processes_never_see_a_torn_record";
const ROLE: &str = "SEAMLESS_TEST_XPROC_SEQLOCK_ROLE";
const PATH: &str = "SEAMLESS_TEST_XPROC_SEQLOCK_PATH";
const READERS: usize = 2;
/// Successful reads each reader makes: 10^7 in total.
const READS_PER_READER: u64 = 10_000_000 / READERS as u64;
/// A hang becomes a failure after this long; a healthy run takes seconds.
const DEADLINE: Duration = Duration::from_secs(600);

/// Control page at offset 0 (word 0: stop flag, set by the parent); the seqlock cell at
/// offset 4096 (its own page).
const CELL_AT: usize = 4096;
const FILE_LEN: usize = 8192;

type Rec = [u64; 8];

/// Every word derived from `v`: a mix of two writes cannot pass [`is_record`].
#[inline]
fn record(v: u64) -> Rec {
    let mut r = [0u64; 8];
    let mut i = 0;
    while i < 8 {
        r[i] = v.wrapping_add((i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        i += 1;
    }
    r
}

#[inline]
fn is_record(r: &Rec, v: u64) -> bool {
    let mut i = 0;
    while i < 8 {
        if r[i] != v.wrapping_add((i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)) {
            return false;
        }
        i += 1;
    }
    true
}

#[test]
#[cfg_attr(miri, ignore = "spawns processes and maps files")]
fn writer_and_reader_processes_never_see_a_torn_record() {
    assert!(CELL_AT + seqlock::cell_bytes::<Rec>() <= FILE_LEN);
    match std::env::var(ROLE).as_deref() {
        Ok("writer") => writer(&path_from_env()),
        Ok("reader") => reader(&path_from_env()),
        _ => parent(),
    }
}

fn path_from_env() -> PathBuf {
    PathBuf::from(std::env::var_os(PATH).expect("child started without a path"))
}

/// Kills the children still running when the parent stops (e.g. a failed assertion),
/// so no orphan spins on after the test.
struct Reap(Vec<Child>);

impl Drop for Reap {
    fn drop(&mut self) {
        for child in &mut self.0 {
            if let Ok(None) = child.try_wait() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

/// Removes the shared file however the test ends.
struct Remove(PathBuf);

impl Drop for Remove {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
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
    let path = dir.join(format!(
        "seamless-test-seqlock-{}-{nanos}",
        std::process::id()
    ));
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .unwrap();
    let _remove = Remove(path.clone());
    file.set_len(FILE_LEN as u64).unwrap();
    let control = MmapOptions::new().len(FILE_LEN).map_raw(&file).unwrap();
    // SAFETY: the mapping lives until the end of this function and is only accessed
    // atomically (by us and the children).
    let stop = &unsafe { seqlock::atomic_words(control.as_ptr(), 8) }.unwrap()[0];

    let started = Instant::now();
    // Index 0: the writer; then the readers.
    let mut children = Reap(vec![spawn("writer", &path)]);
    children
        .0
        .extend((0..READERS).map(|_| spawn("reader", &path)));

    let mut total_reads = 0;
    let mut total_torn = 0;
    let mut total_retries = 0;
    let mut total_versions = 0;
    for r in &mut children.0[1..] {
        let out = finish(r, started);
        total_reads += field(&out, "reads");
        total_torn += field(&out, "torn");
        total_retries += field(&out, "retries");
        total_versions += field(&out, "versions");
        assert!(
            field(&out, "versions") > 100,
            "reader raced too few writes: {out}"
        );
    }
    // Relaxed: a plain flag; the writer needs nothing else from us.
    stop.store(1, Ordering::Relaxed);
    let out = finish(&mut children.0[0], started);
    let writes = field(&out, "writes");
    println!(
        "xproc seqlock: {total_reads} reads ({total_versions} distinct versions), \
         {total_retries} retries, {writes} writes, {total_torn} torn, {:?}",
        started.elapsed()
    );
    assert_eq!(total_torn, 0, "torn records were accepted");
    assert!(total_reads >= 10_000_000, "only {total_reads} reads");
}

fn spawn(role: &str, path: &Path) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", TEST_NAME, "--nocapture", "--test-threads=1"])
        .env(ROLE, role)
        .env(PATH, path)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for a child (killing it at the deadline), asserts success, returns its stdout.
fn finish(child: &mut Child, started: Instant) -> String {
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        // The `Reap` guard kills it (and the others) as this panic unwinds.
        assert!(
            started.elapsed() < DEADLINE,
            "child still running after {DEADLINE:?}"
        );
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
    out
}

/// Reads `name=<u64>` from the child's `RESULT` line.
fn field(out: &str, name: &str) -> u64 {
    // The harness may print "test <name> ... " before our line, without a newline.
    let line = out
        .lines()
        .find_map(|l| l.split_once("RESULT ").map(|(_, rest)| rest))
        .unwrap_or_else(|| panic!("no RESULT line in:\n{out}"));
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {line}"))
}

fn map(path: &Path, writable: bool) -> MmapRaw {
    let file = File::options()
        .read(true)
        .write(writable)
        .open(path)
        .unwrap();
    let mut opts = MmapOptions::new();
    opts.len(FILE_LEN);
    if writable {
        opts.map_raw(&file).unwrap()
    } else {
        opts.map_raw_read_only(&file).unwrap()
    }
}

fn writer(path: &Path) {
    let map = map(path, true);
    // SAFETY: the mapping outlives the views; the file is only accessed atomically;
    // this process is the cell's only writer.
    let (stop, mut w) = unsafe {
        (
            &seqlock::atomic_words(map.as_ptr(), 8).unwrap()[0],
            SeqlockWriter::<Rec>::from_raw(map.as_mut_ptr().add(CELL_AT), FILE_LEN - CELL_AT)
                .unwrap(),
        )
    };
    let mut v = 0u64;
    loop {
        v += 1;
        let version = w.write(&record(v));
        debug_assert_eq!(version, v);
        // Relaxed: a plain flag, polled every 1024 writes to keep the loop tight. The
        // yield costs nothing when a core is idle; on a loaded 2-core box it lets the
        // readers in. A seqlock writer that never pauses starves its readers (inherent
        // to seqlocks), and in debug builds a reader's 8-word copy takes longer than the
        // writer's gap between writes, so without it reads succeed only when the
        // scheduler happens to preempt the writer.
        if v.is_multiple_of(1024) {
            if stop.load(Ordering::Relaxed) != 0 {
                break;
            }
            std::thread::yield_now();
        }
    }
    println!("RESULT writes={v}");
}

fn reader(path: &Path) {
    let map = map(path, false);
    // SAFETY: a PROT_READ mapping that outlives the view; the reader only loads.
    let r = unsafe { SeqlockReader::<Rec>::from_raw(map.as_ptr().add(CELL_AT), 128) }.unwrap();
    let started = Instant::now();
    while r.version() == 0 {
        assert!(started.elapsed() < DEADLINE, "writer never started");
        std::thread::yield_now();
    }
    let mut stats = ReadStats::default();
    let (mut torn, mut versions, mut last) = (0u64, 0u64, 0u64);
    while stats.reads < READS_PER_READER {
        match r.try_read_counted(&mut stats) {
            Ok((rec, version)) => {
                if !is_record(&rec, version) {
                    torn += 1;
                }
                if version != last {
                    versions += 1;
                    last = version;
                }
            }
            // Writer descheduled mid-write (or writing flat out): let it run.
            Err(_) => std::thread::yield_now(),
        }
    }
    println!(
        "RESULT reads={} torn={torn} versions={versions} retries={} failures={}",
        stats.reads, stats.retries, stats.failures
    );
    assert_eq!(torn, 0);
}
