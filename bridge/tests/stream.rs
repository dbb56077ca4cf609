//! The push streams against a real core run: snapshot first, then every critical
//! event in order with no gap (WebSocket and SSE), resuming with `?from=` and
//! `Last-Event-ID`, and a `resync` when the ring no longer holds what was asked.

mod common;

use common::*;
use serde_json::Value;

/// Reads until a snapshot arrives (skipping `waiting` and the attach `resync`).
async fn until_snapshot_ws(ws: &mut Ws, t: &mut Transcript) -> Value {
    loop {
        let msg = next_json(ws).await.expect("stream open");
        if msg["type"] == "snapshot" {
            t.take(&msg);
            return msg;
        }
    }
}

#[tokio::test]
async fn ws_and_sse_get_a_snapshot_then_every_critical_event_in_order() {
    let _serial = serial().await;
    let dir = tempfile::tempdir().unwrap();
    let name = "stream-all";
    let bridge = bridge(dir.path(), name, |_| {});
    let addr = bridge.local_addr();
    let core = Core::start(dir.path(), core_config(name, 8_000, 2_000));

    let ws_side = async {
        let mut ws = ws(addr, "", &[]).await.expect("ws connects");
        let mut t = Transcript::default();
        let snap = until_snapshot_ws(&mut ws, &mut t).await;
        for key in [
            "instance",
            "account",
            "positions",
            "market",
            "readers",
            "as_of",
            "age_ms",
        ] {
            assert!(snap.get(key).is_some(), "snapshot has {key}");
        }
        while let Some(msg) = next_json(&mut ws).await {
            if t.take(&msg) {
                break;
            }
        }
        t
    };
    let sse_side = async {
        let (status, sse) = Sse::connect(addr, "/events", &[]).await;
        assert_eq!(status, 200);
        let mut sse = sse.unwrap();
        let mut t = Transcript::default();
        loop {
            let (id, msg) = sse.next().await.expect("sse open");
            if msg["type"] == "snapshot" {
                assert_eq!(
                    id,
                    msg["last_seq"].as_u64(),
                    "a snapshot's id is its last_seq"
                );
                t.take(&msg);
                break;
            }
        }
        while let Some((id, msg)) = sse.next().await {
            if let Some(seq) = msg["seq"].as_u64() {
                assert_eq!(id, Some(seq), "an event's id is its seq");
            }
            if t.take(&msg) {
                break;
            }
        }
        t
    };
    let (ws_t, sse_t) = tokio::join!(ws_side, sse_side);
    let summary = core.join();
    let run = ring_events(dir.path(), name);
    assert_eq!(run.last().unwrap().0, summary.last_seq);
    for t in [&ws_t, &sse_t] {
        check_stream(t, &run);
        assert_eq!(
            t.last_seq(),
            summary.last_seq,
            "the stream reached runner_stopped"
        );
        let critical = t.events.iter().filter(|e| e.1 == "trade_executed").count();
        assert!(critical > 0, "the run traded: {} events", t.events.len());
    }
    bridge.stop().unwrap();
}

#[tokio::test]
async fn reconnecting_with_from_or_last_event_id_resumes_without_loss() {
    let _serial = serial().await;
    let dir = tempfile::tempdir().unwrap();
    let name = "stream-resume";
    let bridge = bridge(dir.path(), name, |_| {});
    let addr = bridge.local_addr();
    let core = Core::start(dir.path(), core_config(name, 20_000, 2_000));
    let published = |at_least: u64| {
        let dir = dir.path().to_owned();
        move || {
            let r = seamless_core::shared::SharedReader::attach(Some(&dir), name).ok()?;
            let ring = r.events(seamless_ipc::broadcast::Start::Oldest).ok()?;
            (ring.published() >= at_least).then_some(())
        }
    };

    // WebSocket: a first connection, then a second one from where it stopped.
    let mut first = Transcript::default();
    let mut ws1 = ws(addr, "", &[]).await.unwrap();
    let snap = until_snapshot_ws(&mut ws1, &mut first).await;
    let instance = snap["instance_id"].as_u64().unwrap();
    while first.events.len() < 20 {
        first.take(&next_json(&mut ws1).await.unwrap());
    }
    drop(ws1);
    let stopped_at = first.last_seq();
    until("more events", published(stopped_at + 300)).await;
    let query = format!("from={}&instance={instance}", stopped_at + 1);
    let mut ws2 = ws(addr, &query, &[]).await.unwrap();
    let mut second = Transcript {
        after: stopped_at,
        ..Transcript::default()
    };
    let resumed = next_json(&mut ws2).await.unwrap();
    assert_eq!(
        resumed["seq"].as_u64(),
        Some(stopped_at + 1),
        "replay starts at from: {resumed}"
    );
    second.take(&resumed);

    // SSE: the same through Last-Event-ID.
    let (_, sse1) = Sse::connect(addr, "/events", &[]).await;
    let mut sse1 = sse1.unwrap();
    let mut last_id = 0;
    let mut got = 0;
    while got < 20 {
        let (id, msg) = sse1.next().await.unwrap();
        if msg.get("seq").is_some() {
            got += 1;
        }
        last_id = id.unwrap_or(last_id);
    }
    drop(sse1);
    until("more events", published(last_id + 300)).await;
    let header = last_id.to_string();
    let (status, sse2) = Sse::connect(addr, "/events", &[("Last-Event-ID", &header)]).await;
    assert_eq!(status, 200);
    let mut sse2 = sse2.unwrap();
    let mut third = Transcript {
        after: last_id,
        ..Transcript::default()
    };
    let (id, resumed) = sse2.next().await.unwrap();
    assert_eq!(
        resumed["seq"].as_u64(),
        Some(last_id + 1),
        "resumes after Last-Event-ID"
    );
    assert_eq!(id, Some(last_id + 1));
    third.take(&resumed);

    let ws_rest = async {
        while let Some(msg) = next_json(&mut ws2).await {
            if second.take(&msg) {
                break;
            }
        }
    };
    let sse_rest = async {
        while let Some((_, msg)) = sse2.next().await {
            if third.take(&msg) {
                break;
            }
        }
    };
    tokio::join!(ws_rest, sse_rest);
    core.join();
    let run = ring_events(dir.path(), name);
    for t in [&second, &third] {
        assert!(t.controls.is_empty(), "no resync: {:?}", t.controls);
        check_stream(t, &run);
    }
    bridge.stop().unwrap();
}

#[tokio::test]
async fn a_sequence_the_ring_no_longer_holds_gets_a_resync_and_a_snapshot() {
    let _serial = serial().await;
    let dir = tempfile::tempdir().unwrap();
    let name = "stream-gone";
    let bridge = bridge(dir.path(), name, |_| {});
    let addr = bridge.local_addr();
    let mut cfg = core_config(name, 0, 2_000);
    cfg.feed.exit_after_feed = false;
    cfg.core.event_ring_capacity = 64;
    let core = Core::start(dir.path(), cfg);
    until("the ring to wrap", || {
        let r = seamless_core::shared::SharedReader::attach(Some(dir.path()), name).ok()?;
        let ring = r.events(seamless_ipc::broadcast::Start::Oldest).ok()?;
        (ring.next_seq() > 10).then_some(())
    })
    .await;
    attached(&bridge).await;
    let mut ws = ws(addr, "from=2", &[]).await.unwrap();
    let first = next_json(&mut ws).await.unwrap();
    assert_eq!(first["type"], "resync", "{first}");
    assert_eq!(first["reason"], "unavailable");
    let snap = next_json(&mut ws).await.unwrap();
    assert_eq!(snap["type"], "snapshot");
    let after = snap["last_seq"].as_u64().unwrap();
    let mut next = next_json(&mut ws).await.unwrap();
    while next.get("seq").is_none() {
        next = next_json(&mut ws).await.unwrap();
    }
    assert!(next["seq"].as_u64().unwrap() > after);
    drop(core);
    bridge.stop().unwrap();
}

#[tokio::test]
async fn a_restarted_core_resets_every_client_to_the_new_run() {
    let _serial = serial().await;
    let dir = tempfile::tempdir().unwrap();
    let name = "stream-restart";
    let bridge = bridge(dir.path(), name, |_| {});
    let addr = bridge.local_addr();
    let mut cfg = core_config(name, 0, 2_000);
    cfg.feed.exit_after_feed = false;
    let first = Core::start(dir.path(), cfg.clone());
    attached(&bridge).await;
    let mut ws = ws(addr, "", &[]).await.unwrap();
    let mut t = Transcript::default();
    let snap = until_snapshot_ws(&mut ws, &mut t).await;
    let old_id = snap["instance_id"].as_u64().unwrap();
    first.stop.request(seamless_core::domain::Reason::Operator);
    first.join();
    let second = Core::start(dir.path(), cfg);
    // The old run's runner_stopped, then a resync (restart) and the new run's snapshot.
    let mut saw_stop = false;
    let new_snap = loop {
        let msg = next_json(&mut ws).await.expect("stream stays open");
        if msg["kind"] == "runner_stopped" {
            saw_stop = true;
        }
        if msg["type"] == "resync" {
            assert_eq!(msg["reason"], "restart", "{msg}");
            let snap = next_json(&mut ws).await.unwrap();
            assert_eq!(snap["type"], "snapshot");
            break snap;
        }
    };
    assert!(saw_stop, "the old run's runner_stopped came first");
    assert_ne!(new_snap["instance_id"].as_u64().unwrap(), old_id);
    let after = new_snap["last_seq"].as_u64().unwrap();
    loop {
        let msg = next_json(&mut ws).await.unwrap();
        if let Some(seq) = msg["seq"].as_u64() {
            assert!(seq > after, "the new run's events follow its snapshot");
            break;
        }
    }
    drop(second);
    bridge.stop().unwrap();
}
