//! Crash tails: a last segment cut at every byte offset of its last two records keeps
//! every complete record (open cuts the rest, restore ignores it, both report it), and
//! a flipped byte anywhere in the last record is caught by its checksum.

mod common;

use common::*;
use seamless_persist::bench::Synthetic;
use seamless_persist::tools::Severity;
use seamless_persist::tools::verify::verify;
use seamless_persist::{LogWriter, PersistError, RestoreOptions, restore};

const EVENTS: usize = 120;

fn base() -> (tempfile::TempDir, Run) {
    let dir = tempfile::tempdir().unwrap();
    let run = Run::new(EVENTS as u64);
    // Two segments: the second (last) holds records 101..=120.
    write_log(dir.path(), &run.records, HEADER_BYTES + 100 * REC);
    (dir, run)
}

#[test]
fn truncating_the_last_two_records_at_every_byte_keeps_every_complete_record() {
    let (dir, run) = base();
    let last = segments(dir.path()).pop().unwrap();
    let full = len(&last);
    for cut in full - 2 * REC..full {
        let d = copy_dir(dir.path());
        let seg = d.path().join(last.file_name().unwrap());
        truncate(&seg, cut);
        let whole = ((cut - HEADER_BYTES) / REC) as usize + 100;
        let partial = (cut - HEADER_BYTES) % REC;

        let restored = restore_ok(d.path());
        assert_state(&restored.state, &run.fold(whole), &format!("cut at {cut}"));
        let torn = restored.report.torn_tail.clone();
        assert_eq!(torn.is_some(), partial > 0, "cut at {cut}");
        if let Some(t) = &torn {
            assert_eq!(
                (t.offset, t.bytes, t.seq),
                (cut - partial, partial, whole as u64 + 1)
            );
            assert!(t.what.contains("incomplete record"), "{}", t.what);
            assert!(
                restored.report.to_string().contains("torn tail"),
                "{}",
                restored.report
            );
        }
        assert!(
            verify(d.path()).unwrap().ok(),
            "a torn tail is a warning, cut at {cut}"
        );

        let (mut log, report) =
            LogWriter::open(d.path(), HEADER_BYTES + 100 * REC, Synthetic::meta()).unwrap();
        assert_eq!(report.torn_tail, torn, "cut at {cut}");
        assert_eq!(len(&seg), cut - partial, "open cut the partial record");
        assert_eq!(log.next_seq(), Some(whole as u64 + 1));
        // The log continues where it was cut, with no gap.
        for (seq, r) in &run.records[whole..] {
            log.append(*seq, r).unwrap();
        }
        log.sync().unwrap();
        assert_state(&restore_ok(d.path()).state, &run.fold(EVENTS), "state");
        let v = verify(d.path()).unwrap();
        assert!(v.ok() && v.problems().count() == 0, "{v}");
    }
}

#[test]
fn a_flipped_byte_anywhere_in_the_last_record_is_caught() {
    let (dir, run) = base();
    let last = segments(dir.path()).pop().unwrap();
    let at = len(&last) - REC;
    for i in 0..REC {
        let d = copy_dir(dir.path());
        let seg = d.path().join(last.file_name().unwrap());
        flip(&seg, at + i, 0x01);
        let restored = restore_ok(d.path());
        assert_state(&restored.state, &run.fold(EVENTS - 1), &format!("byte {i}"));
        let t = restored.report.torn_tail.expect("reported");
        assert_eq!((t.offset, t.seq), (at, EVENTS as u64));
        let v = verify(d.path()).unwrap();
        let p: Vec<_> = v.problems().collect();
        assert_eq!(p.len(), 1, "byte {i}: {v}");
        assert_eq!((p[0].offset, p[0].seq), (Some(at), Some(EVENTS as u64)));
        assert!(
            p[0].what.contains("checksum") || p[0].what.contains("length"),
            "byte {i}: {}",
            p[0].what
        );
    }
}

#[test]
fn a_bad_record_before_the_last_one_is_corruption_not_a_torn_tail() {
    let (dir, _) = base();
    let last = segments(dir.path()).pop().unwrap();
    let at = len(&last) - 2 * REC;
    flip(&last, at + 30, 0x80);
    let e = restore(dir.path(), RestoreOptions::default()).unwrap_err();
    let PersistError::Corrupt {
        path, offset, seq, ..
    } = &e
    else {
        panic!("{e}")
    };
    assert_eq!((path, *offset, *seq), (&last, at, Some(EVENTS as u64 - 1)));
    let text = e.to_string();
    assert!(
        text.contains("events-00000000000000000101.log") && text.contains(&format!("offset {at}")),
        "{text}"
    );
    let e = LogWriter::open(dir.path(), 1 << 20, Synthetic::meta()).unwrap_err();
    assert!(matches!(e, PersistError::Corrupt { .. }), "{e}");
    assert_eq!(
        len(&last),
        HEADER_BYTES + 20 * REC,
        "open truncated nothing"
    );
    let v = verify(dir.path()).unwrap();
    assert!(!v.ok());
    assert!(
        v.problems()
            .any(|p| p.severity == Severity::Error && p.offset == Some(at))
    );
}

#[test]
fn a_segment_torn_at_creation_is_removed_by_open_and_ignored_by_restore() {
    let (dir, run) = base();
    // A crash right after creating the next segment: a partial header.
    let next = dir.path().join("events-00000000000000000121.log");
    std::fs::write(&next, b"SEAMLOG\0\x01\0").unwrap();
    let restored = restore_ok(dir.path());
    assert_state(&restored.state, &run.fold(EVENTS), "state");
    assert!(restored.report.torn_tail.is_some());
    let (log, report) = LogWriter::open(dir.path(), 1 << 20, Synthetic::meta()).unwrap();
    assert_eq!(report.removed.len(), 1, "{report}");
    assert!(!next.exists());
    assert_eq!(log.next_seq(), Some(EVENTS as u64 + 1));
}

#[test]
fn an_empty_last_segment_is_replaced_at_the_next_append() {
    let dir = tempfile::tempdir().unwrap();
    let run = Run::new(20);
    write_log(dir.path(), &run.records[..10], 1 << 20);
    let seg = segments(dir.path()).pop().unwrap();
    truncate(&seg, HEADER_BYTES + 10 * REC); // unchanged
    // Cut all records: the segment has only its header.
    truncate(&seg, HEADER_BYTES);
    let (mut log, report) = LogWriter::open(dir.path(), 1 << 20, Synthetic::meta()).unwrap();
    assert_eq!(report.next_seq, Some(1), "{report}");
    for (seq, r) in &run.records {
        log.append(*seq, r).unwrap();
    }
    log.sync().unwrap();
    assert_state(&restore_ok(dir.path()).state, &run.fold(20), "state");
}
