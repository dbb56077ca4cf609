//! The region layout: record tables cover every byte, the hash moves with any change,
//! sizes are as documented, and the writer/reader pair round-trips state and events.

use seamless_config::Config;
use seamless_core::domain::{Reason, STATE_FIELDS, STATE_LAYOUT_VERSION, State};
use seamless_core::engine::Engine;
use seamless_core::shared::layout::{
    CAPACITIES, FieldLayout, RECORDS, RecordLayout, STATE_LAYOUT_HASH, STATE_RECORDS, layout_hash,
    sections,
};
use seamless_core::shared::{
    InstrumentRow, LAYOUT_HASH, LAYOUT_VERSION, LatencyRow, MarketRow, MetaRow, MetricsRow,
    RegionError, RunnerRow, SharedAttachError, SharedReader, SharedRegion, WriterSetup, snapshot,
};
use seamless_core::{EventRecord, InstrumentId};
use seamless_ipc::broadcast::Start;
use seamless_ipc::region::{AttachError, RegionOwner, RegionSpec, SectionSpec};

#[test]
fn every_record_is_described_field_by_field_without_gaps() {
    for rec in RECORDS.iter().chain(STATE_RECORDS) {
        assert!(rec.size.is_multiple_of(8), "{} size {}", rec.name, rec.size);
        assert!(rec.align <= 8, "{} align {}", rec.name, rec.align);
        if rec.name == "EventRecord" {
            assert!(rec.fields.is_empty());
            continue;
        }
        let mut end = 0;
        for f in rec.fields {
            assert_eq!(
                f.offset, end,
                "{}.{} leaves a gap or overlaps",
                rec.name, f.name
            );
            end = f.offset + f.size;
        }
        assert_eq!(
            end, rec.size,
            "{}: fields cover {end} of {} bytes",
            rec.name, rec.size
        );
    }
}

#[test]
fn rows_have_their_documented_sizes() {
    let words = |name: &str| RECORDS.iter().find(|r| r.name == name).unwrap().size / 8;
    assert_eq!(size_of::<MetaRow>() / 8, 8);
    assert_eq!(size_of::<InstrumentRow>() / 8, 6);
    assert_eq!(size_of::<MarketRow>() / 8, 9);
    assert_eq!(size_of::<RunnerRow>() / 8, 16);
    assert_eq!(size_of::<MetricsRow>() / 8, 24);
    assert_eq!(size_of::<LatencyRow>() / 8, 12);
    assert_eq!(words("EventRecord"), 7);
    assert_eq!(words("Position"), 18);
    assert_eq!(words("Account"), 16);
}

fn with_field_change(rec: usize, field: usize, f: impl Fn(&mut FieldLayout)) -> u64 {
    let mut records: Vec<RecordLayout> = RECORDS.to_vec();
    let mut fields = records[rec].fields.to_vec();
    f(&mut fields[field]);
    records[rec].fields = Box::leak(fields.into_boxed_slice());
    layout_hash(&records, CAPACITIES)
}

#[test]
fn the_hash_changes_when_any_record_changes() {
    assert_eq!(LAYOUT_HASH, layout_hash(RECORDS, CAPACITIES));
    let market = RECORDS.iter().position(|r| r.name == "MarketRow").unwrap();
    let changed = [
        with_field_change(market, 1, |f| f.offset += 8),
        with_field_change(market, 1, |f| f.size = 4),
        with_field_change(market, 1, |f| f.name = "bid2"),
    ];
    for h in changed {
        assert_ne!(h, LAYOUT_HASH);
    }
    let mut grown: Vec<RecordLayout> = RECORDS.to_vec();
    grown[market].size += 8;
    assert_ne!(layout_hash(&grown, CAPACITIES), LAYOUT_HASH);
    let mut fewer: Vec<RecordLayout> = RECORDS.to_vec();
    fewer[market].fields = &RECORDS[market].fields[..3];
    assert_ne!(layout_hash(&fewer, CAPACITIES), LAYOUT_HASH);
    let mut dropped: Vec<RecordLayout> = RECORDS.to_vec();
    dropped.remove(market);
    assert_ne!(layout_hash(&dropped, CAPACITIES), LAYOUT_HASH);
    let caps = [("max_instruments", 65), CAPACITIES[1], CAPACITIES[2]];
    assert_ne!(layout_hash(RECORDS, &caps), LAYOUT_HASH);
}

/// The region's layout version and hash, pinned. When this fails you changed a record
/// in the region or in `State`: bump `LAYOUT_VERSION` (and, for `State`,
/// `STATE_LAYOUT_VERSION` and the persist schema with a migration step), then update
/// the pins (docs/versioning.md).
#[test]
fn layout_versions_and_hashes_are_pinned() {
    assert_eq!(
        (LAYOUT_VERSION, format!("{LAYOUT_HASH:#018x}")),
        // 3 has 2's hash: only the meaning of spare `EventRecord` fields changed.
        (3, "0xbe256088a73c429a".to_string())
    );
    assert_eq!(
        (STATE_LAYOUT_VERSION, format!("{STATE_LAYOUT_HASH:#018x}")),
        (2, "0x292141e5a9484473".to_string())
    );
    assert_eq!(size_of::<State>(), STATE_FIELDS[8].1 + STATE_FIELDS[8].2);
}

#[test]
fn sections_are_unique_and_sized() {
    let s = sections(1024).unwrap();
    for (i, a) in s.iter().enumerate() {
        assert!(a.len > 0 && a.len.is_multiple_of(8), "{}", a.name);
        assert!(s[..i].iter().all(|b| b.id != a.id && b.name != a.name));
    }
    assert!(sections(usize::MAX).is_err());
}

fn dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn a_reader_of_another_layout_is_refused() {
    let d = dir();
    let spec = RegionSpec {
        layout_version: LAYOUT_VERSION,
        layout_hash: LAYOUT_HASH ^ 1,
        sections: &[SectionSpec {
            id: 1,
            name: "meta",
            len: 4096,
            align: 128,
        }],
    };
    let _owner = RegionOwner::create(Some(d.path()), "other", &spec).unwrap();
    let err = SharedReader::attach(Some(d.path()), "other").unwrap_err();
    assert!(
        matches!(
            err,
            SharedAttachError::Region(AttachError::LayoutHash { .. })
        ),
        "{err}"
    );
}

#[test]
fn a_region_of_another_layout_version_is_refused_saying_what_to_do() {
    let d = dir();
    for (name, version, hint) in [
        (
            "newer",
            LAYOUT_VERSION + 1,
            "the core runs a newer seamless than this reader; run this reader from the core's build",
        ),
        (
            "older",
            LAYOUT_VERSION - 1,
            "the core runs an older seamless than this reader; run this reader from the core's build, or restart the core with this one",
        ),
    ] {
        let spec = RegionSpec {
            layout_version: version,
            layout_hash: LAYOUT_HASH,
            sections: &[SectionSpec {
                id: 1,
                name: "meta",
                len: 4096,
                align: 128,
            }],
        };
        let _owner = RegionOwner::create(Some(d.path()), name, &spec).unwrap();
        let err = SharedReader::attach(Some(d.path()), name).unwrap_err();
        let text = err.to_string();
        let both = format!("region layout v{version}, this reader understands v{LAYOUT_VERSION}");
        assert!(text.contains(&both), "{text}");
        assert!(text.contains(hint), "{text}");
    }
}

#[test]
fn a_region_without_its_tables_reads_as_starting_and_writers_are_taken_once() {
    let d = dir();
    let region = SharedRegion::create(Some(d.path()), "early", 64).unwrap();
    let err = SharedReader::attach(Some(d.path()), "early").unwrap_err();
    assert!(matches!(err, SharedAttachError::Starting), "{err}");
    let engine = Engine::from_config(&Config::default(), State::new()).unwrap();
    let setup = WriterSetup {
        instruments: engine.instruments(),
        first_seq: 1,
        max_gates: 1,
        heartbeat_ms: 5,
    };
    let _writers = region.writers(&setup).unwrap();
    assert!(matches!(
        region.writers(&setup),
        Err(RegionError::WritersTaken)
    ));
    let reader = SharedReader::attach(Some(d.path()), "early").unwrap();
    assert_eq!(reader.meta().instruments, 2);
    assert_eq!(reader.id_of("ETHUSD"), Some(InstrumentId(1)));
    let table = reader.instrument_table();
    assert_eq!(table.id_of("ETHUSD"), Some(InstrumentId(1)));
    assert_eq!(
        table.get(InstrumentId(0)),
        engine.instruments().get(InstrumentId(0))
    );
}

#[test]
fn rows_and_events_round_trip_into_an_exact_json_snapshot() {
    let d = dir();
    let mut engine = Engine::from_config(&Config::default(), State::new()).unwrap();
    let region = SharedRegion::create(Some(d.path()), "trip", 64).unwrap();
    let setup = WriterSetup {
        instruments: engine.instruments(),
        first_seq: 1,
        max_gates: 1,
        heartbeat_ms: 5,
    };
    let (mut writer, mut stats) = region.writers(&setup).unwrap();
    let mut events: Vec<(u64, EventRecord)> = Vec::new();
    engine.start(1_700_000_000_000_000_000, Reason::Start, &mut events);
    let btc = InstrumentId(0);
    let px = |s: &str| s.parse().unwrap();
    let quote = seamless_core::engine::Quote {
        bid: px("50000.01"),
        ask: px("50000.11"),
        last: px("50000.06"),
    };
    engine.on_tick(
        btc,
        1_700_000_000_000_000_001,
        quote,
        &mut events,
        &mut Vec::new(),
    );
    for (seq, record) in &events {
        writer.try_publish_event(*seq, record).unwrap();
    }
    let dirty = engine.take_dirty();
    writer.publish_dirty(&engine, dirty);
    stats.write_latency(&LatencyRow {
        count: 3,
        p50: 700,
        ..LatencyRow::default()
    });

    let reader = SharedReader::attach(Some(d.path()), "trip").unwrap();
    assert_eq!(reader.state_version(), 1);
    assert_eq!(reader.account().unwrap().0, *engine.state().account());
    assert_eq!(
        reader.positions().unwrap()[0],
        engine.state().positions()[0]
    );
    let (market, _) = reader.market(btc).unwrap();
    assert_eq!((market.bid, market.ticks), (quote.bid, 1));
    assert!(reader.market(InstrumentId(2)).is_err());
    let mut ring = reader.events(Start::Oldest).unwrap();
    let mut seqs = Vec::new();
    while let Some((seq, rec)) = ring.try_next().unwrap() {
        assert_eq!(rec, events[seqs.len()].1);
        seqs.push(seq);
    }
    assert_eq!(seqs, (1..=events.len() as u64).collect::<Vec<_>>());

    let snap = reader.snapshot(std::time::Duration::from_secs(60)).unwrap();
    let json = snapshot::to_json(&snap);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["instance"], "trip");
    assert_eq!(v["runner"]["status"], "running");
    assert_eq!(v["market"][0]["instrument"], "BTCUSD");
    // Exact decimals: the text holds the literal, not a float's rounding.
    assert!(json.contains(r#""bid":50000.01,"#), "{json}");
    assert_eq!(v["metrics"]["latency_ns"]["p50"], 700);
    assert_eq!(v["last_seq"], events.len() as u64);
    assert!(v["durable_seq"].is_null());
    for key in [
        "pid",
        "heartbeat_age_ms",
        "stale",
        "account",
        "positions",
        "signals",
        "monitors",
        "readers",
    ] {
        assert!(v.get(key).is_some(), "missing {key} in {json}");
    }
}
