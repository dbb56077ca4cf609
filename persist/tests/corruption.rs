//! Damage in the middle of the log is refused with a named error (or quarantined with
//! repair); a corrupt newest snapshot falls back to an older one; files from a newer
//! schema or another layout are refused, never misread.

mod common;

use common::*;
use seamless_persist::bench::Synthetic;
use seamless_persist::format::SCHEMA_VERSION;
use seamless_persist::tools::verify::verify;
use seamless_persist::{
    LogWriter, PersistError, RestoreOptions, load_snapshot, restore, write_snapshot,
};

const SEG_RECORDS: u64 = 50;

/// 500 events in 10 segments of 50.
fn base() -> (tempfile::TempDir, Run) {
    let dir = tempfile::tempdir().unwrap();
    let run = Run::new(500);
    write_log(dir.path(), &run.records, HEADER_BYTES + SEG_RECORDS * REC);
    assert_eq!(segments(dir.path()).len(), 10);
    (dir, run)
}

#[test]
fn a_corrupt_record_mid_log_is_refused_naming_file_offset_and_seq() {
    let (dir, _) = base();
    let seg = &segments(dir.path())[3]; // seqs 151..=200
    let at = HEADER_BYTES + 7 * REC; // seq 158
    flip(seg, at + 40, 0x10);
    let e = restore(dir.path(), RestoreOptions::default()).unwrap_err();
    match &e {
        PersistError::Corrupt {
            path,
            offset,
            seq,
            what,
        } => {
            assert_eq!((path, *offset, *seq), (seg, at, Some(158)));
            assert!(what.contains("checksum"), "{what}");
        }
        other => panic!("{other}"),
    }
    let text = e.to_string();
    assert!(
        text.contains("events-00000000000000000151.log")
            && text.contains(&format!("offset {at}"))
            && text.contains("seq 158"),
        "{text}"
    );
    let v = verify(dir.path()).unwrap();
    assert!(!v.ok());
    let lines: Vec<String> = v.problems().map(|p| p.to_string()).collect();
    assert!(
        lines.iter().any(|l| l.contains(&format!(
            "events-00000000000000000151.log: offset {at}, seq 158"
        ))),
        "{lines:?}"
    );
}

#[test]
fn repair_quarantines_the_corrupt_segment_and_everything_after() {
    let (dir, run) = base();
    let segs = segments(dir.path());
    flip(&segs[3], HEADER_BYTES + 7 * REC + 40, 0x10);
    // A snapshot inside the damaged segment (but before the damage, so restore reads
    // it) must go too; one before the segment stays.
    write_snapshot(dir.path(), &run.fold(120), &Synthetic::meta()).unwrap();
    write_snapshot(dir.path(), &run.fold(155), &Synthetic::meta()).unwrap();
    let restored = restore(dir.path(), RestoreOptions { repair: true }).unwrap();
    assert_state(&restored.state, &run.fold(150), "state");
    assert_eq!(restored.report.last_seq, 150);
    assert_eq!(restored.report.quarantined.len(), 7 + 1);
    let text = restored.report.to_string();
    assert!(
        text.contains("REPAIRED") && text.contains("quarantine"),
        "{text}"
    );
    assert_eq!(segments(dir.path()), segs[..3].to_vec());
    assert_eq!(snapshots(dir.path()).len(), 1);
    assert_eq!(segments(&dir.path().join("quarantine")).len(), 7);
    // Consistent afterwards: plain restore, verify, and the writer continues at 151.
    assert_state(&restore_ok(dir.path()).state, &run.fold(150), "state");
    assert!(verify(dir.path()).unwrap().ok());
    let (mut log, _) = LogWriter::open(dir.path(), 1 << 20, Synthetic::meta()).unwrap();
    assert_eq!(log.next_seq(), Some(151));
    for (seq, r) in &run.records[150..] {
        log.append(*seq, r).unwrap();
    }
    log.sync().unwrap();
    assert_state(&restore_ok(dir.path()).state, &run.fold(500), "state");
}

#[test]
fn a_gap_between_segments_is_refused() {
    let (dir, _) = base();
    let segs = segments(dir.path());
    std::fs::remove_file(&segs[5]).unwrap(); // seqs 251..=300
    let e = restore(dir.path(), RestoreOptions::default()).unwrap_err();
    match &e {
        PersistError::Gap {
            path,
            expected,
            found,
        } => {
            assert_eq!((path, *expected, *found), (&segs[6], 251, 301));
        }
        other => panic!("{other}"),
    }
    assert!(e.to_string().contains("expected seq 251, found 301"), "{e}");
    let v = verify(dir.path()).unwrap();
    assert!(
        v.problems()
            .any(|p| p.path == segs[6] && p.seq == Some(251)),
        "{v}"
    );
}

#[test]
fn a_corrupt_newest_snapshot_falls_back_to_the_previous_one_and_replays_more() {
    let (dir, run) = base();
    let older = write_snapshot(dir.path(), &run.fold(200), &Synthetic::meta()).unwrap();
    let newer = write_snapshot(dir.path(), &run.fold(400), &Synthetic::meta()).unwrap();
    assert_eq!(restore_ok(dir.path()).report.events_replayed, 100);
    flip(&newer, len(&newer) / 2, 0x04);
    assert!(load_snapshot(&newer).is_err());
    let restored = restore_ok(dir.path());
    assert_state(&restored.state, &run.fold(500), "state");
    assert_eq!(restored.report.snapshot.as_ref().unwrap().path, older);
    assert_eq!(restored.report.events_replayed, 300);
    let skipped = &restored.report.skipped_snapshots;
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0].path, newer);
    assert!(
        skipped[0].reason.contains("checksum"),
        "{}",
        skipped[0].reason
    );
    assert!(
        restored
            .report
            .to_string()
            .contains("skipped snapshot-00000000000000000400.snap")
    );
    // Every snapshot corrupt: replay the whole log.
    flip(&older, 3, 0x01);
    let restored = restore_ok(dir.path());
    assert_eq!(restored.report.events_replayed, 500);
    assert_state(&restored.state, &run.fold(500), "state");
    assert!(!verify(dir.path()).unwrap().ok());
}

#[test]
fn a_truncated_snapshot_is_skipped() {
    let (dir, run) = base();
    let snap = write_snapshot(dir.path(), &run.fold(300), &Synthetic::meta()).unwrap();
    truncate(&snap, len(&snap) - 1);
    let restored = restore_ok(dir.path());
    assert_eq!(restored.report.events_replayed, 500);
    assert_state(&restored.state, &run.fold(500), "state");
}

#[test]
fn a_snapshot_that_disagrees_with_the_log_fails_verify() {
    let (dir, run) = base();
    // Valid file, wrong content: the fold of another stream at the same seq.
    let mut other = Synthetic::new(99);
    for _ in 0..300 {
        other.next_event();
    }
    write_snapshot(dir.path(), other.state(), &Synthetic::meta()).unwrap();
    write_snapshot(dir.path(), &run.fold(200), &Synthetic::meta()).unwrap();
    let v = verify(dir.path()).unwrap();
    assert_eq!(v.snapshots_compared, 2);
    let bad: Vec<_> = v.problems().collect();
    assert_eq!(bad.len(), 1, "{v}");
    assert!(bad[0].what.contains("differs from the fold"), "{}", bad[0]);
    assert_eq!(bad[0].seq, Some(300));
}

fn set_u32(path: &std::path::Path, offset: u64, value: u32) {
    use std::os::unix::fs::FileExt;
    let f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    f.write_all_at(&value.to_le_bytes(), offset).unwrap();
}

#[test]
fn files_from_a_newer_schema_are_refused_naming_both_versions() {
    let (dir, run) = base();
    let snap = write_snapshot(dir.path(), &run.fold(100), &Synthetic::meta()).unwrap();
    set_u32(&snap, 8, SCHEMA_VERSION + 1);
    let e = load_snapshot(&snap).unwrap_err();
    assert!(
        matches!(e, PersistError::NewerSchema { found, supported, .. } if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION),
        "{e}"
    );
    // Restore does not fall back past a newer snapshot: the binary is too old.
    let e = restore(dir.path(), RestoreOptions::default()).unwrap_err();
    assert!(
        e.to_string()
            .contains(&format!("schema version {}", SCHEMA_VERSION + 1)),
        "{e}"
    );
    std::fs::remove_file(&snap).unwrap();

    let last = segments(dir.path()).pop().unwrap();
    set_u32(&last, 8, SCHEMA_VERSION + 1);
    for e in [
        restore(dir.path(), RestoreOptions { repair: true }).unwrap_err(),
        LogWriter::open(dir.path(), 1 << 20, Synthetic::meta()).unwrap_err(),
    ] {
        let text = e.to_string();
        assert!(matches!(e, PersistError::NewerSchema { .. }), "{text}");
        assert!(
            text.contains(&format!("newer than this binary's {SCHEMA_VERSION}")),
            "{text}"
        );
    }
    assert!(last.exists(), "not quarantined, not removed");
}

#[test]
fn files_with_another_layout_are_refused() {
    let (dir, run) = base();
    let snap = write_snapshot(dir.path(), &run.fold(100), &Synthetic::meta()).unwrap();
    // Change the layout hash and fix the checksum: a well-formed file of another build.
    let mut bytes = std::fs::read(&snap).unwrap();
    bytes[16] ^= 1;
    let n = bytes.len();
    let crc = crc32c::crc32c(&bytes[..n - 4]);
    bytes[n - 4..].copy_from_slice(&crc.to_le_bytes());
    std::fs::write(&snap, &bytes).unwrap();
    let e = load_snapshot(&snap).unwrap_err();
    assert!(matches!(e, PersistError::Layout { .. }), "{e}");
    assert!(restore(dir.path(), RestoreOptions::default()).is_err());
}
