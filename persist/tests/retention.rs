//! Retention keeps the newest K snapshots and deletes exactly the segments wholly
//! covered by the oldest valid kept one; restore still works afterwards.

mod common;

use common::*;
use seamless_persist::bench::Synthetic;
use seamless_persist::{retain, write_snapshot};

/// 500 events in 10 segments of 50 (first seqs 1, 51, ..., 451).
fn base() -> (tempfile::TempDir, Run) {
    let dir = tempfile::tempdir().unwrap();
    let run = Run::new(500);
    write_log(dir.path(), &run.records, HEADER_BYTES + 50 * REC);
    (dir, run)
}

fn first_seqs(dir: &std::path::Path) -> Vec<u64> {
    segments(dir)
        .iter()
        .map(|p| {
            p.file_name().unwrap().to_str().unwrap()[7..27]
                .parse()
                .unwrap()
        })
        .collect()
}

#[test]
fn deletes_exactly_the_covered_segments() {
    let (dir, run) = base();
    for seq in [100, 149, 150, 230, 420] {
        write_snapshot(dir.path(), &run.fold(seq), &Synthetic::meta()).unwrap();
    }
    // Keep 230 and 420: segments ending at or before 230 go (1..=50 ... 151..=200);
    // 201..=250 holds 231.. and stays.
    let report = retain(dir.path(), 2).unwrap();
    assert_eq!(report.covered_to, Some(230));
    assert_eq!(report.deleted_snapshots.len(), 3);
    assert_eq!(report.deleted_segments.len(), 4);
    assert_eq!(first_seqs(dir.path()), [201, 251, 301, 351, 401, 451]);
    assert_eq!(snapshots(dir.path()).len(), 2);
    let restored = restore_ok(dir.path());
    assert_state(&restored.state, &run.fold(500), "after retention");
    // A snapshot exactly at a segment's end covers it.
    write_snapshot(dir.path(), &run.fold(250), &Synthetic::meta()).unwrap();
    let report = retain(dir.path(), 2).unwrap();
    assert_eq!(report.covered_to, Some(250));
    assert_eq!(first_seqs(dir.path()), [251, 301, 351, 401, 451]);
}

#[test]
fn the_last_segment_and_uncovered_logs_are_never_deleted() {
    let (dir, run) = base();
    write_snapshot(dir.path(), &run.fold(500), &Synthetic::meta()).unwrap();
    let report = retain(dir.path(), 1).unwrap();
    assert_eq!(first_seqs(dir.path()), [451], "the writer's segment stays");
    assert_eq!(report.deleted_segments.len(), 9);
    assert_state(
        &restore_ok(dir.path()).state,
        &run.fold(500),
        "from the snapshot",
    );

    let (dir, _) = base();
    assert_eq!(retain(dir.path(), 3).unwrap().covered_to, None);
    assert_eq!(
        segments(dir.path()).len(),
        10,
        "no snapshot, nothing covered"
    );
}

#[test]
fn a_corrupt_kept_snapshot_covers_nothing() {
    let (dir, run) = base();
    let old = write_snapshot(dir.path(), &run.fold(120), &Synthetic::meta()).unwrap();
    write_snapshot(dir.path(), &run.fold(320), &Synthetic::meta()).unwrap();
    flip(&old, 60, 0xff);
    let report = retain(dir.path(), 2).unwrap();
    assert_eq!(report.covered_to, Some(320));
    assert_eq!(first_seqs(dir.path())[0], 301);
    // Leftover temporary files of unfinished snapshot writes are removed.
    let tmp = dir.path().join("snapshot-00000000000000000400.snap.tmp");
    std::fs::write(&tmp, b"partial").unwrap();
    let report = retain(dir.path(), 2).unwrap();
    assert!(report.deleted_snapshots.contains(&tmp));
    assert!(!tmp.exists());
    assert_state(
        &restore_ok(dir.path()).state,
        &run.fold(500),
        "after retention",
    );
}
