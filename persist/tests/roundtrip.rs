//! Round trips: what is appended and synced is what restore folds, bit for bit, across
//! segment rolls, reopenings, snapshots and instrument-table changes.

mod common;

use common::*;
use seamless_core::domain::{Instruments, Price, Qty};
use seamless_persist::bench::Synthetic;
use seamless_persist::{
    LogMeta, LogWriter, PersistError, list_snapshots, load_snapshot, write_snapshot,
};

#[test]
fn restore_is_the_fold_of_the_log_across_segments() {
    let dir = tempfile::tempdir().unwrap();
    let run = Run::new(5_000);
    write_log(dir.path(), &run.records, 16 * 1024);
    assert!(segments(dir.path()).len() > 10, "rolled into many segments");
    let restored = restore_ok(dir.path());
    assert_state(&restored.state, run.stream.state(), "state");
    assert_state(&restored.state, &run.fold(5_000), "state");
    assert_eq!(restored.report.events_replayed, 5_000);
    assert_eq!(restored.report.last_seq, 5_000);
    assert_eq!(restored.report.torn_tail, None);
    assert_eq!(restored.meta, Some(Synthetic::meta()));
}

#[test]
fn every_segment_stays_within_its_size_and_names_its_first_seq() {
    let dir = tempfile::tempdir().unwrap();
    let run = Run::new(1_000);
    let limit = HEADER_BYTES + 10 * REC;
    write_log(dir.path(), &run.records, limit);
    let segs = segments(dir.path());
    assert_eq!(segs.len(), 100);
    for (i, s) in segs.iter().enumerate() {
        assert_eq!(len(s), limit);
        let name = s.file_name().unwrap().to_str().unwrap();
        assert_eq!(name, format!("events-{:020}.log", 1 + i * 10));
    }
}

#[test]
fn reopening_continues_the_sequence_with_no_gap_or_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let run = Run::new(3_000);
    for chunk in run.records.chunks(700) {
        let (mut log, report) = LogWriter::open(dir.path(), 64 * 1024, Synthetic::meta()).unwrap();
        assert_eq!(log.next_seq(), report.next_seq);
        if let Some(next) = log.next_seq() {
            assert_eq!(next, chunk[0].0);
            let dup = log.append(next - 1, &chunk[0].1).unwrap_err();
            assert!(matches!(dup, PersistError::Sequence { .. }), "{dup}");
            assert!(dup.to_string().contains("duplicate"), "{dup}");
            let gap = log.append(next + 1, &chunk[0].1).unwrap_err();
            assert!(gap.to_string().contains("gap"), "{gap}");
        }
        for (seq, r) in chunk {
            log.append(*seq, r).unwrap();
        }
        assert_eq!(log.sync().unwrap(), chunk.last().unwrap().0 + 1);
    }
    assert_state(&restore_ok(dir.path()).state, &run.fold(3_000), "state");
}

#[test]
fn forgetting_written_frames_keeps_the_log_whole_and_continues() {
    let dir = tempfile::tempdir().unwrap();
    let run = Run::new(3_000);
    let (mut log, _) = LogWriter::open(dir.path(), 64 << 10, Synthetic::meta()).unwrap();
    for chunk in run.records.chunks(700) {
        for (seq, r) in chunk {
            log.append(*seq, r).unwrap();
        }
        let next = chunk.last().unwrap().0 + 1;
        assert_eq!(log.write().unwrap(), next);
        log.forget_written();
        assert_eq!((log.buffered(), log.durable_next()), (0, next));
    }
    assert_eq!(log.sync().unwrap(), 3_001);
    drop(log);
    // 240 KB of records in 64 KiB segments: the rolls after forgetting (which skip the
    // old segment's fdatasync) are covered.
    let n = segments(dir.path()).len();
    assert!(n >= 3, "{n} segments");
    assert_state(&restore_ok(dir.path()).state, &run.fold(3_000), "state");
    let (log, _) = LogWriter::open(dir.path(), 64 << 10, Synthetic::meta()).unwrap();
    assert_eq!(log.next_seq(), Some(3_001));
}

#[test]
fn background_syncs_make_records_durable_in_order_across_rolls() {
    let dir = tempfile::tempdir().unwrap();
    let run = Run::new(3_000);
    let (mut log, _) = LogWriter::open(dir.path(), 64 << 10, Synthetic::meta()).unwrap();
    for chunk in run.records.chunks(150) {
        for (seq, r) in chunk {
            log.append(*seq, r).unwrap();
        }
        let next = chunk.last().unwrap().0 + 1;
        assert_eq!(log.write().unwrap(), next);
        let before = log.durable_next();
        assert!(before < next, "written, not yet durable");
        assert!(
            log.sync_in_background().unwrap(),
            "nothing in flight: started"
        );
        assert!(
            !log.sync_in_background().unwrap(),
            "one at a time: refused while the first is in flight (nothing polled yet)"
        );
        assert_eq!(
            log.durable_next(),
            before,
            "not durable before it is applied"
        );
        // Wait (bounded) for it to finish and be applied.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while log.durable_next() < next && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(1));
            log.poll_background().unwrap();
        }
        assert_eq!(
            log.durable_next(),
            next,
            "durable after the background sync"
        );
        assert_eq!(log.buffered(), 0);
    }
    assert!(segments(dir.path()).len() >= 3, "the run rolled segments");
    // Appended and written but not synced: a roll or `sync` waits for a sync in
    // flight first, and then syncs the rest.
    let more = Run::new(3_200);
    for (seq, r) in &more.records[3_000..3_100] {
        log.append(*seq, r).unwrap();
    }
    log.write().unwrap();
    assert!(log.sync_in_background().unwrap());
    for (seq, r) in &more.records[3_100..] {
        log.append(*seq, r).unwrap();
    }
    assert_eq!(log.sync().unwrap(), 3_201);
    drop(log);
    assert_state(&restore_ok(dir.path()).state, &more.fold(3_200), "state");
    let (log, report) = LogWriter::open(dir.path(), 64 << 10, Synthetic::meta()).unwrap();
    assert_eq!(log.next_seq(), Some(3_201));
    assert_eq!(report.torn_tail, None);
}

#[test]
fn write_without_sync_is_visible_to_restore_and_counts_written() {
    let dir = tempfile::tempdir().unwrap();
    let run = Run::new(100);
    let (mut log, _) = LogWriter::open(dir.path(), 1 << 20, Synthetic::meta()).unwrap();
    for (seq, r) in &run.records[..60] {
        log.append(*seq, r).unwrap();
    }
    assert_eq!(log.buffered(), 60);
    assert_eq!(log.durable_next(), 1);
    assert_eq!(log.write().unwrap(), 61);
    assert_eq!(log.buffered(), 0);
    assert_eq!(log.durable_next(), 1);
    assert_state(&restore_ok(dir.path()).state, &run.fold(60), "state");
    assert_eq!(log.sync().unwrap(), 61);
    assert_eq!(log.durable_next(), 61);
}

#[test]
fn a_log_may_start_anywhere_when_a_snapshot_covers_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let run = Run::new(400);
    write_snapshot(dir.path(), &run.fold(199), &Synthetic::meta()).unwrap();
    write_log(dir.path(), &run.records[199..], 1 << 20);
    let restored = restore_ok(dir.path());
    assert_state(&restored.state, &run.fold(400), "state");
    assert_eq!(restored.report.events_replayed, 201);
}

#[test]
fn snapshot_round_trip_and_restore_replays_only_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let run = Run::new(2_000);
    write_log(dir.path(), &run.records, 32 * 1024);
    let state = run.fold(1_234);
    let path = write_snapshot(dir.path(), &state, &Synthetic::meta()).unwrap();
    assert_eq!(
        path.file_name().unwrap(),
        "snapshot-00000000000000001234.snap"
    );
    let (loaded, meta) = load_snapshot(&path).unwrap();
    assert_state(&loaded, &state, "loaded snapshot");
    assert_eq!(meta, Synthetic::meta());
    assert_eq!(list_snapshots(dir.path()).unwrap()[0].last_seq, 1_234);
    let restored = restore_ok(dir.path());
    assert_eq!(restored.report.snapshot.as_ref().unwrap().last_seq, 1_234);
    assert_eq!(restored.report.events_replayed, 766);
    assert_state(&restored.state, &run.fold(2_000), "state");
    let text = restored.report.to_string();
    assert!(
        text.contains("snapshot-00000000000000001234.snap + 766 events"),
        "{text}"
    );
}

#[test]
fn writer_snapshot_syncs_first() {
    let dir = tempfile::tempdir().unwrap();
    let run = Run::new(50);
    let (mut log, _) = LogWriter::open(dir.path(), 1 << 20, Synthetic::meta()).unwrap();
    for (seq, r) in &run.records {
        log.append(*seq, r).unwrap();
    }
    log.write_snapshot(&run.fold(50)).unwrap();
    assert_eq!(log.durable_next(), 51);
}

#[test]
fn a_new_instrument_table_starts_a_new_segment_carrying_it() {
    let dir = tempfile::tempdir().unwrap();
    let run = Run::new(30);
    let (mut log, _) = LogWriter::open(dir.path(), 1 << 20, Synthetic::meta()).unwrap();
    for (seq, r) in &run.records[..10] {
        log.append(*seq, r).unwrap();
    }
    log.set_meta(Synthetic::meta()); // unchanged: no roll
    for (seq, r) in &run.records[10..20] {
        log.append(*seq, r).unwrap();
    }
    let mut table = Synthetic::instruments();
    table
        .add("SOLUSD", Price::from_raw(1_000_000), Qty::ONE)
        .unwrap();
    let wider = LogMeta::from_table(&table);
    log.set_meta(wider.clone());
    for (seq, r) in &run.records[20..] {
        log.append(*seq, r).unwrap();
    }
    log.sync().unwrap();
    drop(log);
    assert_eq!(segments(dir.path()).len(), 2);
    let restored = restore_ok(dir.path());
    assert_eq!(restored.meta, Some(wider.clone()));
    assert_state(&restored.state, &run.fold(30), "state");
    // Reopening with the old table rolls again; with the same one it does not.
    let (_, report) = LogWriter::open(dir.path(), 1 << 20, wider).unwrap();
    assert!(!report.meta_changed);
    let (_, report) = LogWriter::open(dir.path(), 1 << 20, Synthetic::meta()).unwrap();
    assert!(report.meta_changed);
    assert_eq!(report.next_seq, Some(31));
}

#[test]
fn an_empty_or_missing_dir_restores_to_the_empty_state() {
    let dir = tempfile::tempdir().unwrap();
    for d in [dir.path().to_path_buf(), dir.path().join("missing")] {
        let restored = restore_ok(&d);
        assert_state(
            &restored.state,
            &seamless_core::domain::State::new(),
            "state",
        );
        assert_eq!(restored.meta, None);
        assert_eq!(restored.report.last_seq, 0);
    }
    let (log, report) = LogWriter::open(&dir.path().join("new"), 4096, LogMeta::default()).unwrap();
    assert_eq!(
        (log.next_seq(), report.next_seq, report.segments),
        (None, None, 0)
    );
    assert!(dir.path().join("new").is_dir());
}

#[test]
fn meta_validation_names_the_row() {
    let mut table = Instruments::new();
    table.add("A", Price::from_raw(1), Qty::ONE).unwrap();
    let mut meta = LogMeta::from_table(&table);
    meta.instruments[0].symbol = [0xff; 16];
    let e = meta.instruments_table().unwrap_err().to_string();
    assert!(e.contains("instruments[0]"), "{e}");
}

#[test]
fn a_snapshot_ahead_of_the_log_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let run = Run::new(100);
    write_log(dir.path(), &run.records[..60], 1 << 20);
    write_snapshot(dir.path(), &run.fold(100), &Synthetic::meta()).unwrap();
    let restored = restore_ok(dir.path());
    assert_eq!(restored.report.last_seq, 100);
    assert_eq!(restored.report.log_end, Some(60));
    let text = restored.report.to_string();
    assert!(
        text.contains("the log ends at seq 60, before the snapshot"),
        "{text}"
    );
    write_log(dir.path(), &run.records[60..], 1 << 20);
    assert_eq!(restore_ok(dir.path()).report.log_end, Some(100));
}

mod prop {
    use proptest::prelude::*;

    use super::common::*;
    use seamless_persist::bench::Synthetic;
    use seamless_persist::tools::verify::verify;
    use seamless_persist::{LogWriter, retain};

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        /// Whatever the segment size, reopen points, sync points, snapshots and
        /// retention: restore is the fold of the log, bit for bit.
        #[test]
        fn restore_equals_the_fold_of_the_log(
            events in 1usize..1_500,
            seg_records in 1u64..200,
            reopens in proptest::collection::vec(any::<prop::sample::Index>(), 0..4),
            snaps in proptest::collection::vec(any::<prop::sample::Index>(), 0..4),
            keep in 1usize..4,
        ) {
            let dir = tempfile::tempdir().unwrap();
            let run = Run::new(events as u64);
            let seg = HEADER_BYTES + seg_records * REC;
            let mut cuts: Vec<usize> = reopens.iter().map(|i| i.index(events)).collect();
            let mut snap_at: Vec<usize> = snaps.iter().map(|i| i.index(events) + 1).collect();
            cuts.push(events);
            cuts.sort_unstable();
            snap_at.sort_unstable();
            let mut done = 0;
            for cut in cuts {
                let (mut log, _) = LogWriter::open(dir.path(), seg, Synthetic::meta()).unwrap();
                for (i, (seq, r)) in run.records.iter().enumerate().take(cut).skip(done) {
                    log.append(*seq, r).unwrap();
                    if snap_at.contains(&(i + 1)) {
                        log.write_snapshot(&run.fold(i + 1)).unwrap();
                        retain(dir.path(), keep).unwrap();
                    } else if i % 97 == 0 {
                        log.write().unwrap();
                    }
                }
                log.sync().unwrap();
                done = done.max(cut);
            }
            let restored = restore_ok(dir.path());
            assert_state(&restored.state, &run.fold(events), "restore");
            let v = verify(dir.path()).unwrap();
            prop_assert!(v.ok(), "{}", v);
        }
    }
}

#[test]
fn a_second_writer_is_refused_until_the_first_closes() {
    let dir = tempfile::tempdir().unwrap();
    let (first, _) = LogWriter::open(dir.path(), 1 << 20, Synthetic::meta()).unwrap();
    let e = LogWriter::open(dir.path(), 1 << 20, Synthetic::meta()).unwrap_err();
    assert!(matches!(e, PersistError::Locked { .. }), "{e}");
    assert!(e.to_string().contains("writer.lock"), "{e}");
    // Readers are not affected.
    restore_ok(dir.path());
    drop(first);
    LogWriter::open(dir.path(), 1 << 20, Synthetic::meta()).unwrap();
}
