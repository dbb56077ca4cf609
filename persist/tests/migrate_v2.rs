//! Schema 2 -> 3 against files the schema-2 code really wrote
//! (persist/tests/fixtures/v2, made by `make_v2.sh` at commit a2fb7918e7db, the last
//! before reconciliation gave spare record fields a meaning): their
//! `reconciliation_mismatch` and `position_synced` records carry zeros where schema 3
//! keeps average prices and a booked realized P&L, and they fold into exactly the
//! values the v2 core had (old zeros mean what they meant); they pass `verify`, mix
//! with schema-3 files after a restart, the v1 fixture still restores through both
//! steps, and a file claiming schema 4 is refused.

mod common;

use std::ops::ControlFlow;

use common::fixtures::{
    assert_fixture_files, assert_stats_schema, assert_verifies, copy_fixture, craft_schema, dec,
    expected, file_schema, fixture,
};
use common::{assert_state, restore_ok, segments, snapshots};
use seamless_core::domain::{EventBody, InstrumentId, Money, Price, Qty};
use seamless_persist::format::{LAYOUT_HASHES, SCHEMA_VERSION};
use seamless_persist::tools::dump::for_each_event;
use seamless_persist::tools::verify::verify;
use seamless_persist::{LogWriter, PersistError, RestoreOptions, load_snapshot, restore};
use zerocopy::IntoBytes;

#[test]
fn the_v2_files_are_schema_2_with_the_v2_layout() {
    assert_fixture_files("v2", 2, LAYOUT_HASHES[1], (2, 2));
    assert_eq!(expected("v2")["schema"], 2);
}

/// The point of the fixture: schema-2 syncs and mismatches, with zero in the fields
/// schema 3 uses, as many as the v2 build counted.
#[test]
fn the_v2_log_holds_syncs_and_mismatches_with_the_new_fields_zero() {
    let want = expected("v2");
    let (mut syncs, mut mismatches) = (0u64, 0u64);
    let problems = for_each_event(&fixture("v2").join("data"), 1, |_, _, record| {
        // f2 and f3: bytes 32..48 of the record, zero in every schema-2 record of
        // these kinds.
        let spare = &record.as_bytes()[32..48];
        match record.decode().unwrap().body {
            EventBody::PositionSynced { realized_pnl, .. } => {
                syncs += 1;
                assert!(realized_pnl.is_zero());
                assert_eq!(spare, [0; 16]);
            }
            EventBody::ReconciliationMismatch {
                ours_avg_price,
                broker_avg_price,
                ..
            } => {
                mismatches += 1;
                assert!(ours_avg_price.is_zero() && broker_avg_price.is_zero());
                assert_eq!(spare, [0; 16]);
            }
            _ => {}
        }
        ControlFlow::Continue(())
    })
    .unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let by_kind = &want["by_kind"];
    assert_eq!(syncs, by_kind["position_synced"].as_u64().unwrap());
    assert_eq!(
        mismatches,
        by_kind["reconciliation_mismatch"].as_u64().unwrap()
    );
    assert!(syncs > 0 && mismatches > 0);
}

/// Checks a restored state against a fixture's expected.json (the old core's view).
fn assert_expected(
    v: &str,
    state: &seamless_core::domain::State,
    meta: &seamless_persist::LogMeta,
) {
    let want = expected(v);
    assert_eq!(state.last_seq(), want["last_seq"].as_u64().unwrap());
    let a = state.account();
    let acc = &want["account"];
    assert_eq!(a.cash, dec::<Money>(&acc["cash"]), "{v} cash");
    assert_eq!(a.realized_pnl, dec::<Money>(&acc["realized_pnl"]), "{v}");
    assert_eq!(
        a.unrealized_pnl,
        dec::<Money>(&acc["unrealized_pnl"]),
        "{v}"
    );
    assert_eq!(a.equity, dec::<Money>(&acc["equity"]), "{v}");
    assert_eq!(a.fees, dec::<Money>(&acc["fees"]), "{v}");
    assert_eq!(a.market_value, dec::<Money>(&acc["market_value"]), "{v}");
    let positions = want["positions"].as_array().unwrap();
    assert_eq!(positions.len(), 2);
    for (ix, w) in positions.iter().enumerate() {
        let symbol = &meta.instruments[ix].symbol;
        let symbol = std::str::from_utf8(symbol).unwrap().trim_end_matches('\0');
        let sym = w["instrument"].as_str().unwrap();
        assert_eq!(symbol, sym);
        let p = state.position(InstrumentId(ix as u32)).unwrap();
        assert_eq!(p.qty, dec::<Qty>(&w["qty"]), "{v} {sym}");
        assert_eq!(p.avg_price, dec::<Price>(&w["avg_price"]), "{v} {sym}");
        assert_eq!(
            p.realized_pnl,
            dec::<Money>(&w["realized_pnl"]),
            "{v} {sym}"
        );
        assert_eq!(
            p.unrealized_pnl,
            dec::<Money>(&w["unrealized_pnl"]),
            "{v} {sym}"
        );
        assert_eq!(
            p.market_value,
            dec::<Money>(&w["market_value"]),
            "{v} {sym}"
        );
        assert_eq!(p.fills, w["fills"].as_u64().unwrap(), "{v} {sym}");
        assert_eq!(p.updated_ns, w["updated_ns"].as_u64().unwrap(), "{v} {sym}");
        assert_eq!(p.mark, dec::<Price>(&w["mark"]), "{v} {sym}");
        assert!(!p.qty.is_zero() && !p.realized_pnl.is_zero(), "{v} {sym}");
    }
}

#[test]
fn the_v2_fixture_restores_into_the_values_the_v2_core_had() {
    let dir = copy_fixture("v2");
    let restored = restore_ok(dir.path());
    let report = &restored.report;
    let newest = snapshots(dir.path()).pop().unwrap();
    assert_eq!(report.snapshot.as_ref().map(|s| &s.path), Some(&newest));
    assert_eq!(report.migrated_from, Some(2), "{report}");
    assert_eq!(report.events_replayed, 570 - 500, "{report}");
    assert!(
        report
            .to_string()
            .contains("snapshot-00000000000000000500.snap (schema 2, migrated) + 70 events"),
        "{report}"
    );
    assert!(report.skipped_snapshots.is_empty(), "{report}");
    assert_expected("v2", &restored.state, restored.meta.as_ref().unwrap());
    // The v2 core synced positions (without booking a correction): the fold counted
    // every sync, and the positions' books still add up as they did.
    let syncs = expected("v2")["by_kind"]["position_synced"]
        .as_u64()
        .unwrap();
    assert_eq!(restored.state.counters().syncs, syncs);
}

/// Old zeros fold as before: every schema-2 record, from seq 1, folded by this build
/// (no snapshot) reaches the v2 core's values, syncs and mismatches included.
#[test]
fn the_v2_log_alone_folds_into_the_values_the_v2_core_had() {
    let dir = copy_fixture("v2");
    for s in snapshots(dir.path()) {
        std::fs::remove_file(s).unwrap();
    }
    let via_log = restore_ok(dir.path());
    assert_eq!(via_log.report.events_replayed, 570);
    assert_expected("v2", &via_log.state, via_log.meta.as_ref().unwrap());
    let via_snapshot = restore_ok(copy_fixture("v2").path()).state;
    assert_state(&via_log.state, &via_snapshot, "v2 log alone vs v2 snapshot");
}

#[test]
fn the_v2_fixture_passes_verify_and_its_snapshots_equal_the_v3_fold_of_its_log() {
    let dir = copy_fixture("v2");
    assert_verifies(dir.path(), "v2");
    for snap in snapshots(dir.path()) {
        let (_, meta) = load_snapshot(&snap).unwrap();
        assert_eq!(meta.instruments.len(), 2);
    }
    assert_stats_schema(dir.path(), 2);
}

#[test]
fn the_v1_fixture_still_restores_through_both_steps() {
    let dir = copy_fixture("v1");
    let restored = restore_ok(dir.path());
    assert_eq!(
        restored.report.migrated_from,
        Some(1),
        "{}",
        restored.report
    );
    assert_expected("v1", &restored.state, restored.meta.as_ref().unwrap());
    assert!(verify(dir.path()).unwrap().ok());
}

#[test]
fn a_directory_of_v2_and_v3_files_restores_across_restarts() {
    let dir = copy_fixture("v2");
    let first = restore_ok(dir.path());
    let meta = first.meta.clone().unwrap();
    let v2_segments = segments(dir.path());
    let (mut log, report) = LogWriter::open(dir.path(), 24 * 1024, meta.clone()).unwrap();
    assert_eq!(report.next_seq, Some(571), "{report}");
    // A schema-3 snapshot of the same state, then a restart through it.
    log.write_snapshot(&first.state).unwrap();
    drop(log);
    assert_eq!(
        segments(dir.path()),
        v2_segments,
        "no record, no new segment"
    );
    let newest = snapshots(dir.path()).pop().unwrap();
    assert_eq!(file_schema(&newest), SCHEMA_VERSION);
    let second = restore_ok(dir.path());
    assert_eq!(second.report.migrated_from, None, "{}", second.report);
    assert_state(&second.state, &first.state, "v3 snapshot vs migrated v2");
    let v = verify(dir.path()).unwrap();
    assert!(v.ok(), "{v}");
    assert_eq!(v.snapshots_compared, 3, "{v}");
}

#[test]
fn files_claiming_schema_4_are_refused_as_newer_than_this_binary() {
    assert_eq!(SCHEMA_VERSION, 3);
    let dir = copy_fixture("v2");
    let snap = snapshots(dir.path()).pop().unwrap();
    craft_schema(&snap, 4);
    let e = load_snapshot(&snap).unwrap_err();
    assert!(
        matches!(
            e,
            PersistError::NewerSchema {
                found: 4,
                supported: 3,
                ..
            }
        ),
        "{e}"
    );
    let text = e.to_string();
    assert!(
        text.contains("schema version 4, newer than this binary's 3 (it reads 1 to 3)"),
        "{text}"
    );
    assert!(text.contains(&snap.display().to_string()), "{text}");
    let e = restore(dir.path(), RestoreOptions::default()).unwrap_err();
    assert!(matches!(e, PersistError::NewerSchema { .. }), "{e}");

    std::fs::remove_file(&snap).unwrap();
    let last = segments(dir.path()).pop().unwrap();
    craft_schema(&last, 4);
    for e in [
        restore(dir.path(), RestoreOptions { repair: true }).unwrap_err(),
        LogWriter::open(dir.path(), 1 << 20, seamless_persist::LogMeta::default()).unwrap_err(),
    ] {
        assert!(
            matches!(
                e,
                PersistError::NewerSchema {
                    found: 4,
                    supported: 3,
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("newer than this binary's 3"), "{e}");
    }
    let v = verify(dir.path()).unwrap();
    assert!(!v.ok());
    assert!(
        v.problems().any(|p| p.what.contains("schema version 4")),
        "{v}"
    );
}
