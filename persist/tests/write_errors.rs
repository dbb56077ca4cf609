//! The write-error path, for real: a child process with a file-size limit
//! (`RLIMIT_FSIZE`, the `prlimit --fsize` mechanism; SIGXFSZ ignored so the kernel
//! returns `EFBIG`) appends past the limit. Nothing is lost or duplicated: whole
//! records that fit stay written, a partial record is cut, the rest stays buffered,
//! and once the limit is lifted a retry completes the log.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use rustix::process::{Resource, Rlimit, setrlimit};
use seamless_persist::bench::Synthetic;
use seamless_persist::tools::verify::verify;
use seamless_persist::{LogWriter, UNSYNCED_LIMIT};

const CHILD_ENV: &str = "SEAMLESS_PERSIST_FSIZE_CHILD_DIR";
const EFBIG: i32 = 27;

fn limit_file_size(bytes: Option<u64>) {
    setrlimit(
        Resource::Fsize,
        Rlimit {
            current: bytes,
            maximum: None,
        },
    )
    .unwrap();
}

/// Runs `child` (a test of this file) in a child process with SIGXFSZ ignored.
fn run_child(child: &str, dir: &Path) {
    let exe = std::env::current_exe().unwrap();
    let out = Command::new("sh")
        // `trap '' XFSZ` sets SIG_IGN, which survives exec (POSIX), so the limit
        // turns into EFBIG instead of killing the child.
        .args(["-c", "trap '' XFSZ; exec \"$0\" \"$@\""])
        .arg(exe)
        .args(["--exact", child, "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("CHILD OK"),
        "child {child} failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
}

#[test]
fn efbig_mid_record_keeps_whole_records_cuts_the_partial_one_and_retries() {
    let dir = tempfile::tempdir().unwrap();
    run_child("child_append_past_the_file_size_limit", dir.path());
    let run = Run::new(20);
    assert_state(
        &restore_ok(dir.path()).state,
        &run.fold(20),
        "after the retry",
    );
    assert!(verify(dir.path()).unwrap().ok());
}

#[test]
fn child_append_past_the_file_size_limit() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return; // only meaningful in the child
    };
    let dir = Path::new(&dir);
    let run = Run::new(20);
    let (mut log, _) = LogWriter::open(dir, 1 << 20, Synthetic::meta()).unwrap();
    for (seq, r) in &run.records[..10] {
        log.append(*seq, r).unwrap();
    }
    assert_eq!(log.sync().unwrap(), 11);
    let seg = segments(dir).pop().unwrap();
    let full = HEADER_BYTES + 10 * REC;
    assert_eq!(len(&seg), full);

    // Room for 5.5 more records.
    limit_file_size(Some(full + 5 * REC + REC / 2));
    for (seq, r) in &run.records[10..] {
        log.append(*seq, r).unwrap();
    }
    for attempt in 0..3 {
        let e = log.sync().unwrap_err();
        assert_eq!(
            e.io_error().and_then(|e| e.raw_os_error()),
            Some(EFBIG),
            "{e}"
        );
        assert!(
            e.to_string().contains("events-00000000000000000001.log"),
            "{e}"
        );
        assert_eq!(
            len(&seg),
            full + 5 * REC,
            "attempt {attempt}: partial record cut"
        );
        assert_eq!(log.written_next(), 16);
        assert_eq!(log.durable_next(), 11, "nothing new reported durable");
        assert_eq!(log.buffered(), 5);
        assert_eq!(log.next_seq(), Some(21));
    }
    // Space returns.
    limit_file_size(None);
    assert_eq!(log.sync().unwrap(), 21);
    assert_eq!(len(&seg), HEADER_BYTES + 20 * REC);
    println!("CHILD OK");
}

#[test]
fn efbig_while_creating_a_segment_retries_the_roll() {
    let dir = tempfile::tempdir().unwrap();
    run_child("child_create_past_the_file_size_limit", dir.path());
    let run = Run::new(15);
    assert_state(
        &restore_ok(dir.path()).state,
        &run.fold(15),
        "after the retry",
    );
    assert_eq!(segments(dir.path()).len(), 2);
    assert!(verify(dir.path()).unwrap().ok());
}

#[test]
fn child_create_past_the_file_size_limit() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let dir = Path::new(&dir);
    let run = Run::new(15);
    let (mut log, _) = LogWriter::open(dir, HEADER_BYTES + 10 * REC, Synthetic::meta()).unwrap();
    for (seq, r) in &run.records {
        log.append(*seq, r).unwrap();
    }
    // Not even a header fits: the first segment cannot be created.
    limit_file_size(Some(HEADER_BYTES / 2));
    for _ in 0..2 {
        let e = log.write().unwrap_err();
        assert_eq!(
            e.io_error().and_then(|e| e.raw_os_error()),
            Some(EFBIG),
            "{e}"
        );
        assert!(
            e.to_string().contains("events-00000000000000000001.log"),
            "{e}"
        );
        assert_eq!(segments(dir).len(), 0, "the partial segment is removed");
        assert_eq!((log.written_next(), log.buffered()), (1, 15));
    }
    limit_file_size(None);
    assert_eq!(log.sync().unwrap(), 16);
    println!("CHILD OK");
}

#[test]
fn a_failed_roll_keeps_the_records_and_is_retried() {
    let dir = tempfile::tempdir().unwrap();
    let run = Run::new(25);
    let (mut log, _) =
        LogWriter::open(dir.path(), HEADER_BYTES + 10 * REC, Synthetic::meta()).unwrap();
    // Something in the way of segment 11 (a directory of its name): creating it fails.
    let blocker = dir.path().join("events-00000000000000000011.log");
    std::fs::create_dir(&blocker).unwrap();
    for (seq, r) in &run.records {
        log.append(*seq, r).unwrap();
    }
    let e = log.sync().unwrap_err();
    assert!(
        e.to_string().contains("events-00000000000000000011.log"),
        "{e}"
    );
    assert_eq!(
        log.durable_next(),
        11,
        "segment 1 was made durable before the roll"
    );
    assert_eq!(log.buffered(), 15);
    assert_state(
        &restore_ok(dir.path()).state,
        &run.fold(10),
        "segment 1 only",
    );
    std::fs::remove_dir(&blocker).unwrap();
    assert_eq!(log.sync().unwrap(), 26);
    assert_eq!(segments(dir.path()).len(), 3);
    assert_state(
        &restore_ok(dir.path()).state,
        &run.fold(25),
        "after the retry",
    );
}

#[test]
fn the_unsynced_window_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let (mut log, _) = LogWriter::open(dir.path(), 1 << 30, Synthetic::meta()).unwrap();
    let mut stream = Synthetic::new(3);
    let n = UNSYNCED_LIMIT / REC as usize + 10;
    for _ in 0..n {
        let (seq, r) = stream.next_event();
        log.append(seq, &r).unwrap();
    }
    log.write().unwrap();
    assert_eq!(
        log.durable_next(),
        n as u64 + 1,
        "write synced past the limit"
    );
}
