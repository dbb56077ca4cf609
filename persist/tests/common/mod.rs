//! Helpers shared by the persist tests: synthetic logs in temp dirs, file surgery.
#![allow(dead_code)]

pub mod fixtures;

use std::fs::OpenOptions;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use seamless_core::domain::{EventRecord, State};
use seamless_persist::bench::Synthetic;
use seamless_persist::format::RECORD_BYTES;
use seamless_persist::{LogWriter, RestoreOptions, Restored, restore};

/// Bytes of a segment header with the synthetic stream's two instruments.
pub const HEADER_BYTES: u64 = 48 + 2 * 48 + 8;
/// Bytes of one record.
pub const REC: u64 = RECORD_BYTES as u64;

/// A synthetic run: the records in order and the fold after each.
pub struct Run {
    pub records: Vec<(u64, EventRecord)>,
    pub stream: Synthetic,
}

impl Run {
    pub fn new(events: u64) -> Run {
        let mut stream = Synthetic::new(7);
        let records = (0..events).map(|_| stream.next_event()).collect();
        Run { records, stream }
    }

    /// The fold of the first `n` records.
    pub fn fold(&self, n: usize) -> State {
        fold(&self.records[..n])
    }
}

/// The fold of `records` from the empty state.
pub fn fold(records: &[(u64, EventRecord)]) -> State {
    let mut state = State::new();
    for (seq, r) in records {
        let _ = state.apply(*seq, &r.decode().unwrap()).unwrap();
    }
    state
}

/// Writes `records` into a log in `dir` with segments of `segment_bytes`, synced.
pub fn write_log(dir: &Path, records: &[(u64, EventRecord)], segment_bytes: u64) {
    let (mut log, _) = LogWriter::open(dir, segment_bytes, Synthetic::meta()).unwrap();
    for (seq, r) in records {
        log.append(*seq, r).unwrap();
    }
    log.sync().unwrap();
}

/// The segment files, oldest first.
pub fn segments(dir: &Path) -> Vec<PathBuf> {
    files(dir, "events-")
}

/// The snapshot files, oldest first.
pub fn snapshots(dir: &Path) -> Vec<PathBuf> {
    files(dir, "snapshot-")
}

fn files(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_str().unwrap().starts_with(prefix))
        .collect();
    v.sort();
    v
}

/// XORs one byte of a file.
pub fn flip(path: &Path, offset: u64, mask: u8) {
    let f = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .unwrap();
    let mut b = [0u8];
    f.read_exact_at(&mut b, offset).unwrap();
    b[0] ^= mask;
    f.write_all_at(&b, offset).unwrap();
}

/// Truncates a file.
pub fn truncate(path: &Path, len: u64) {
    OpenOptions::new()
        .write(true)
        .open(path)
        .unwrap()
        .set_len(len)
        .unwrap();
}

pub fn len(path: &Path) -> u64 {
    std::fs::metadata(path).unwrap().len()
}

pub fn restore_ok(dir: &Path) -> Restored {
    restore(dir, RestoreOptions::default()).unwrap()
}

/// Copies every regular file of `from` into a new temp dir.
pub fn copy_dir(from: &Path) -> tempfile::TempDir {
    let to = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, to.path().join(p.file_name().unwrap())).unwrap();
        }
    }
    to
}

/// Asserts two states are equal bit for bit, printing only a summary when not (a
/// `State` is tens of kilobytes of Debug output).
#[track_caller]
pub fn assert_state(got: &State, want: &State, what: &str) {
    use zerocopy::IntoBytes;
    assert!(
        got.as_bytes() == want.as_bytes(),
        "{what}: state differs: got seq {} (cash {}), want seq {} (cash {})",
        got.last_seq(),
        got.account().cash,
        want.last_seq(),
        want.account().cash
    );
}
