//! Schema 1 -> current (1 -> 2 -> 3) against files the schema-1 code really wrote
//! (persist/tests/fixtures/v1, made by `make_v1.sh` at commit 44dd3efba6d5): they
//! restore into the values the v1 core had, pass `verify`, mix with files of this
//! build's schema after a restart, and files of a schema newer than this build are
//! refused.

mod common;

use common::fixtures::{
    assert_fixture_files, assert_stats_schema, assert_verifies, copy_fixture, craft_schema, dec,
    expected, file_schema,
};
use common::{assert_state, copy_dir, restore_ok, segments, snapshots};
use seamless_core::domain::{Event, EventBody, InstrumentId, Money, Price, Qty, Side, State};
use seamless_persist::format::{LAYOUT_HASHES, SCHEMA_VERSION};
use seamless_persist::tools::verify::verify;
use seamless_persist::{LogMeta, LogWriter, PersistError, RestoreOptions, load_snapshot, restore};

#[test]
fn the_v1_files_are_schema_1_with_the_v1_layout() {
    assert_fixture_files("v1", 1, LAYOUT_HASHES[0], (3, 2));
}

#[test]
fn the_v1_fixture_restores_into_the_values_the_v1_core_had() {
    let want = expected("v1");
    let dir = copy_fixture("v1");
    let restored = restore_ok(dir.path());
    let state = &restored.state;
    let report = &restored.report;
    assert_eq!(state.last_seq(), want["last_seq"].as_u64().unwrap());
    let newest = snapshots(dir.path()).pop().unwrap();
    assert_eq!(report.snapshot.as_ref().map(|s| &s.path), Some(&newest));
    assert_eq!(report.events_replayed, 668 - 509, "{report}");
    assert_eq!(report.migrated_from, Some(1));
    assert!(
        report
            .to_string()
            .contains("snapshot-00000000000000000509.snap (schema 1, migrated) + 159 events"),
        "{report}"
    );
    assert!(report.skipped_snapshots.is_empty(), "{report}");

    let a = state.account();
    let acc = &want["account"];
    assert_eq!(a.cash, dec::<Money>(&acc["cash"]));
    assert_eq!(a.realized_pnl, dec::<Money>(&acc["realized_pnl"]));
    assert_eq!(a.unrealized_pnl, dec::<Money>(&acc["unrealized_pnl"]));
    assert_eq!(a.equity, dec::<Money>(&acc["equity"]));
    assert_eq!(a.fees, dec::<Money>(&acc["fees"]));
    assert_eq!(a.market_value, dec::<Money>(&acc["market_value"]));

    let meta = restored.meta.as_ref().unwrap();
    let positions = want["positions"].as_array().unwrap();
    assert_eq!(positions.len(), 2);
    for (ix, w) in positions.iter().enumerate() {
        let id = InstrumentId(ix as u32);
        let symbol = &meta.instruments[ix].symbol;
        let symbol = std::str::from_utf8(symbol).unwrap().trim_end_matches('\0');
        assert_eq!(symbol, w["instrument"].as_str().unwrap());
        let p = state.position(id).unwrap();
        let sym = w["instrument"].as_str().unwrap();
        assert_eq!(p.qty, dec::<Qty>(&w["qty"]), "{sym}");
        assert_eq!(p.avg_price, dec::<Price>(&w["avg_price"]), "{sym}");
        assert_eq!(p.realized_pnl, dec::<Money>(&w["realized_pnl"]), "{sym}");
        assert_eq!(
            p.unrealized_pnl,
            dec::<Money>(&w["unrealized_pnl"]),
            "{sym}"
        );
        assert_eq!(p.market_value, dec::<Money>(&w["market_value"]), "{sym}");
        assert_eq!(p.fills, w["fills"].as_u64().unwrap(), "{sym}");
        assert_eq!(p.updated_ns, w["updated_ns"].as_u64().unwrap(), "{sym}");
        assert!(!p.qty.is_zero() && !p.realized_pnl.is_zero(), "{sym}");
        // Schema 2's field, folded from the v1 events: the mark the v1 core valued the
        // position at (its market row's mark), and when that market_update happened.
        assert_eq!(p.marked, 1, "{sym}");
        assert_eq!(p.mark, dec::<Price>(&w["mark"]), "{sym}");
        let market = state.market(id).unwrap();
        assert_eq!(p.mark_ns, market.updated_ns, "{sym}");
        assert!(p.mark_ns > 0 && p.mark_ns <= state.last_ts_ns(), "{sym}");
        assert_eq!(p.market_value, p.mark.notional_saturating(p.qty), "{sym}");
    }
    for ix in 2..64 {
        let p = state.position(InstrumentId(ix)).unwrap();
        assert_eq!((p.marked, p.mark_ns), (0, 0), "instrument {ix}");
    }
}

#[test]
fn the_v1_fixture_passes_verify_and_its_snapshots_equal_the_v2_fold_of_its_log() {
    let dir = copy_fixture("v1");
    assert_verifies(dir.path(), "v1");
    // The same through the log alone: no snapshot, every v1 record folded by this
    // build, equals the restore through the newest migrated snapshot.
    let via_snapshot = restore_ok(dir.path()).state;
    let log_only = copy_dir(dir.path());
    for s in snapshots(log_only.path()) {
        std::fs::remove_file(s).unwrap();
    }
    let via_log = restore_ok(log_only.path());
    assert_eq!(via_log.report.events_replayed, 668);
    assert_state(
        &via_log.state,
        &via_snapshot,
        "log alone vs migrated snapshot",
    );
    for snap in snapshots(dir.path()) {
        let (state, meta) = load_snapshot(&snap).unwrap();
        assert_eq!(meta.instruments.len(), 2);
        assert!(state.positions()[..2].iter().all(|p| p.marked == 1));
    }
    assert_stats_schema(dir.path(), 1);
}

/// Appends `n` events after `state` (marks and fills on both instruments), folding
/// them into it, then syncs.
fn append_run(log: &mut LogWriter, state: &mut State, n: u64) {
    for k in 0..n {
        let seq = state.last_seq() + 1;
        let ts = state.last_ts_ns() + 1_000_000;
        let id = InstrumentId((k % 2) as u32);
        let last = state.market(id).unwrap().mark().unwrap();
        let tick = Price::from_raw(1_000_000 * (k as i64 % 5 - 2));
        let last = Price::from_raw(last.raw() + tick.raw());
        let body = if k % 3 == 2 {
            EventBody::TradeExecuted {
                order_id: state.next_order_id(),
                instrument: id,
                side: if k % 2 == 0 { Side::Buy } else { Side::Sell },
                qty: "0.01".parse().unwrap(),
                price: last,
                fee: Money::from_raw(1_000),
            }
        } else {
            EventBody::MarketUpdate {
                instrument: id,
                bid: last,
                ask: last,
                last,
            }
        };
        let ev = Event::new(ts, body);
        let _ = state.apply(seq, &ev).unwrap();
        log.append(seq, &ev.to_record()).unwrap();
    }
    log.sync().unwrap();
}

#[test]
fn a_directory_of_v1_and_current_files_restores_across_restarts() {
    let dir = copy_fixture("v1");
    let first = restore_ok(dir.path());
    let meta: LogMeta = first.meta.clone().unwrap();
    let mut state = first.state;
    let v1_segments = segments(dir.path());

    // A current persister opens the v1 log: it never appends to the v1 segment.
    let (mut log, report) = LogWriter::open(dir.path(), 24 * 1024, meta.clone()).unwrap();
    assert_eq!(report.next_seq, Some(669), "{report}");
    append_run(&mut log, &mut state, 120);
    log.write_snapshot(&state).unwrap();
    append_run(&mut log, &mut state, 40);
    drop(log);
    assert_eq!(segments(dir.path())[..3], v1_segments[..]);
    let new: Vec<_> = segments(dir.path()).split_off(3);
    assert!(!new.is_empty());
    assert!(
        new[0].ends_with("events-00000000000000000669.log"),
        "{new:?}"
    );
    assert!(new.iter().all(|s| file_schema(s) == SCHEMA_VERSION));
    assert_eq!(
        std::fs::metadata(&v1_segments[2]).unwrap().len(),
        4792,
        "the v1 segment is untouched"
    );

    // A restart: the newest snapshot is current, the log after it too.
    let second = restore_ok(dir.path());
    assert_state(&second.state, &state, "after the first restart");
    assert_eq!(second.report.migrated_from, None);
    let (mut log, _) = LogWriter::open(dir.path(), 24 * 1024, meta).unwrap();
    append_run(&mut log, &mut state, 30);
    drop(log);

    // Every route gives the same state: newest current snapshot, the migrated v1
    // snapshot across v1 and current segments, and the whole log from seq 1.
    assert_state(&restore_ok(dir.path()).state, &state, "current snapshot");
    let new_snapshots: Vec<_> = snapshots(dir.path())
        .into_iter()
        .filter(|s| file_schema(s) == SCHEMA_VERSION)
        .collect();
    assert_eq!(new_snapshots.len(), 1);
    let older = copy_dir(dir.path());
    std::fs::remove_file(older.path().join(new_snapshots[0].file_name().unwrap())).unwrap();
    let r = restore_ok(older.path());
    assert_eq!(r.report.snapshot.as_ref().map(|s| s.last_seq), Some(509));
    assert_state(
        &r.state,
        &state,
        "migrated v1 snapshot + v1 and current segments",
    );
    let v = verify(dir.path()).unwrap();
    assert!(v.ok(), "{v}");
    assert_eq!(v.snapshots_compared, 3);
}

#[test]
fn files_of_a_newer_schema_are_refused_never_misread() {
    let newer = SCHEMA_VERSION + 1;
    let dir = copy_fixture("v1");
    let snap = snapshots(dir.path()).pop().unwrap();
    craft_schema(&snap, newer);
    let e = load_snapshot(&snap).unwrap_err();
    assert!(
        matches!(
            e,
            PersistError::NewerSchema { found, supported, .. }
                if found == newer && supported == SCHEMA_VERSION
        ),
        "{e}"
    );
    let text = e.to_string();
    assert!(
        text.contains(&format!(
            "schema version {newer}, newer than this binary's {SCHEMA_VERSION}"
        )),
        "{text}"
    );
    assert!(text.contains(&snap.display().to_string()), "{text}");
    // Restore stops there (this binary is too old), it does not fall back to 251.
    let e = restore(dir.path(), RestoreOptions::default()).unwrap_err();
    assert!(matches!(e, PersistError::NewerSchema { .. }), "{e}");
    assert!(!verify(dir.path()).unwrap().ok());

    std::fs::remove_file(&snap).unwrap();
    let last = segments(dir.path()).pop().unwrap();
    let before = std::fs::read(&last).unwrap();
    craft_schema(&last, newer);
    for e in [
        restore(dir.path(), RestoreOptions { repair: true }).unwrap_err(),
        LogWriter::open(dir.path(), 1 << 20, LogMeta::default()).unwrap_err(),
    ] {
        assert!(
            matches!(
                e,
                PersistError::NewerSchema { found, supported, .. }
                    if found == newer && supported == SCHEMA_VERSION
            ),
            "{e}"
        );
    }
    let v = verify(dir.path()).unwrap();
    assert!(!v.ok());
    assert!(
        v.problems()
            .any(|p| p.what.contains(&format!("schema version {newer}"))),
        "{v}"
    );
    let after = std::fs::read(&last).unwrap();
    assert_eq!(after.len(), before.len(), "not cut, not quarantined");
}

#[test]
fn a_v1_file_from_another_build_is_refused_naming_its_schema() {
    let dir = copy_fixture("v1");
    let snap = snapshots(dir.path()).pop().unwrap();
    let mut bytes = std::fs::read(&snap).unwrap();
    bytes[16] ^= 1; // the layout hash: a schema-1 file of a build with other records
    let n = bytes.len();
    let crc = crc32c::crc32c(&bytes[..n - 4]);
    bytes[n - 4..].copy_from_slice(&crc.to_le_bytes());
    std::fs::write(&snap, &bytes).unwrap();
    let e = load_snapshot(&snap).unwrap_err();
    assert!(matches!(e, PersistError::Layout { schema: 1, .. }), "{e}");
    assert!(e.to_string().contains("(schema 1)"), "{e}");
}
