//! `seamless log` tools at the library level: dump hands out every record in order
//! with its segment's table, stats counts them, verify passes a whole directory.

mod common;

use std::ops::ControlFlow;

use common::*;
use seamless_core::domain::{EventKind, JsonBuf, write_event_json};
use seamless_persist::bench::Synthetic;
use seamless_persist::tools::{dump, stats, verify};
use seamless_persist::write_snapshot;

#[test]
fn dump_gives_every_record_in_order_from_any_seq_as_event_json() {
    let dir = tempfile::tempdir().unwrap();
    let run = Run::new(300);
    write_log(dir.path(), &run.records, HEADER_BYTES + 64 * REC);
    for from in [0, 1, 64, 65, 200, 300, 301] {
        let mut got = Vec::new();
        let problems = dump::for_each_event(dir.path(), from, |ctx, seq, r| {
            assert_eq!(ctx.instruments.len(), 2);
            got.push((seq, *r));
            ControlFlow::Continue(())
        })
        .unwrap();
        assert!(problems.is_empty());
        let want: Vec<_> = run
            .records
            .iter()
            .filter(|(s, _)| *s >= from)
            .cloned()
            .collect();
        assert!(
            got == want,
            "from {from}: {} records, want {}",
            got.len(),
            want.len()
        );
    }
    // The JSON contract, with symbols from the segment's table.
    let mut lines = Vec::new();
    dump::for_each_event(dir.path(), 0, |ctx, seq, r| {
        let mut buf = JsonBuf::new();
        write_event_json(ctx.instruments, seq, r, &mut buf).unwrap();
        lines.push(buf.as_str().to_string());
        ControlFlow::Continue(())
    })
    .unwrap();
    assert!(lines[0].starts_with(r#"{"seq":1,"ts_ns":"#), "{}", lines[0]);
    assert!(lines.iter().any(
        |l| l.contains(r#""kind":"trade_executed","instrument":"BTCUSD""#)
            || l.contains(r#""kind":"trade_executed","instrument":"ETHUSD""#)
    ));
    // Stopping early stops.
    let mut n = 0;
    dump::for_each_event(dir.path(), 0, |_, _, _| {
        n += 1;
        if n == 70 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .unwrap();
    assert_eq!(n, 70);
}

#[test]
fn stats_counts_events_by_kind_segments_and_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let run = Run::new(1_000);
    write_log(dir.path(), &run.records, HEADER_BYTES + 300 * REC);
    write_snapshot(dir.path(), &run.fold(500), &Synthetic::meta()).unwrap();
    let s = stats::stats(dir.path()).unwrap();
    assert_eq!(s.records, 1_000);
    assert_eq!(s.seq_range, Some((1, 1_000)));
    assert_eq!(s.segments.len(), 4);
    assert_eq!(s.snapshots.len(), 1);
    assert_eq!(s.segment_bytes(), 4 * HEADER_BYTES + 1_000 * REC);
    let total: u64 = s.by_kind.iter().map(|(_, n)| n).sum();
    assert_eq!(total, 1_000);
    let fills = s
        .by_kind
        .iter()
        .find(|(k, _)| *k == EventKind::TradeExecuted)
        .map(|(_, n)| *n);
    assert_eq!(fills, Some(run.fold(1_000).counters().fills));
    let first = run.records[0].1.ts_ns();
    let last = run.records[999].1.ts_ns();
    assert_eq!(s.ts_range, Some((first, last)));
    let json = s.to_json();
    assert_eq!(json["records"], 1_000);
    assert_eq!(json["segments"]["count"], 4);
    assert_eq!(json["snapshots"]["files"][0]["valid"], true);
    assert!(json["by_kind"]["market_update"].as_u64().unwrap() > 0);
    let text = s.to_string();
    assert!(text.contains("events      1000 (seq 1..=1000)"), "{text}");
}

#[test]
fn verify_passes_a_whole_directory_and_compares_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let run = Run::new(600);
    write_log(dir.path(), &run.records, HEADER_BYTES + 100 * REC);
    for seq in [100, 333, 600] {
        write_snapshot(dir.path(), &run.fold(seq), &Synthetic::meta()).unwrap();
    }
    let v = verify::verify(dir.path()).unwrap();
    assert!(v.ok(), "{v}");
    assert_eq!(v.problems().count(), 0);
    assert_eq!(v.snapshots_compared, 3);
    assert_eq!(v.folded_to, Some(600));
    assert_eq!(v.walked.records, 600);
    assert_eq!(v.to_json(dir.path())["ok"], true);
    assert!(
        v.to_string()
            .ends_with("3/3 snapshot(s) valid, 3 compared with the fold: ok"),
        "{v}"
    );
}
