//! A client that stops reading: the bridge keeps serving the others, its memory stays
//! flat however much traffic passes the stalled client, and when the client reads
//! again it gets a `resync` (lagged) and a fresh snapshot, then events in order.

mod common;

use std::sync::atomic::Ordering;

use common::*;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// Resident set size of this process (core, bridge and test), bytes.
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS");
    kb * 1024
}

#[tokio::test]
async fn a_client_that_stops_reading_is_resynced_and_memory_stays_bounded() {
    let _serial = serial().await;
    let dir = tempfile::tempdir().unwrap();
    let name = "slow-client";
    let bridge = bridge(dir.path(), name, |o| o.client_queue = 64);
    let addr = bridge.local_addr();
    // Endless, as fast as the engine goes: far more traffic than any buffer holds.
    let mut cfg = core_config(name, 0, 0);
    cfg.feed.exit_after_feed = false;
    let core = Core::start(dir.path(), cfg);
    attached(&bridge).await;

    // The stalled client: a small receive buffer, the handshake, then no reads.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stream = socket.connect(addr).await.unwrap();
    let req = format!("ws://{addr}/ws").into_client_request().unwrap();
    let (mut stalled, _) = tokio_tungstenite::client_async(req, stream).await.unwrap();
    let mut reader = ws(addr, "", &[]).await.unwrap();

    let counters = std::sync::Arc::clone(bridge.hub().counters());
    // Messages into the fan-out channel so far.
    let pushed = || {
        counters.events_forwarded.load(Ordering::Relaxed) + counters.resets.load(Ordering::Relaxed)
    };
    let base = pushed();
    // The other client keeps reading throughout; memory is sampled after 100k and
    // after 500k messages went past the stalled client.
    let mut read_by_other = 0u64;
    let mut samples = Vec::new();
    for target in [100_000, 500_000] {
        while pushed() < base + target {
            let msg = next_json(&mut reader).await;
            assert!(msg.is_some(), "the reading client is served");
            read_by_other += 1;
        }
        samples.push(rss());
    }
    let growth = samples[1].saturating_sub(samples[0]);
    eprintln!(
        "rss after 100k messages {} MiB, after 500k {} MiB; the other client read {read_by_other}",
        samples[0] >> 20,
        samples[1] >> 20
    );
    assert!(
        growth < 32 << 20,
        "memory grew {} MiB while 400000 messages passed a stalled client",
        growth >> 20
    );
    assert!(read_by_other > 0);

    // Reading again: a resync (lagged), then a snapshot, then events in order.
    let mut seen = Vec::new();
    let snapshot_after = loop {
        let msg = next_json(&mut stalled)
            .await
            .expect("the stalled client is still served");
        if msg["type"] == "resync" && msg["reason"] == "lagged" {
            let snap = next_json(&mut stalled).await.unwrap();
            assert_eq!(snap["type"], "snapshot", "a snapshot follows the resync");
            break snap["last_seq"].as_u64().unwrap();
        }
        seen.push(msg);
        assert!(seen.len() < 200_000, "no resync after the stall");
    };
    let mut last = snapshot_after;
    let mut events = 0;
    while events < 50 {
        let msg = next_json(&mut stalled).await.unwrap();
        match (msg["type"].as_str(), msg["seq"].as_u64()) {
            (None, Some(seq)) => {
                assert!(seq > last, "in order after the resync: {seq} after {last}");
                last = seq;
                events += 1;
            }
            (Some("snapshot"), _) => last = msg["last_seq"].as_u64().unwrap(),
            _ => {}
        }
    }
    let resyncs = bridge
        .hub()
        .counters()
        .client_resyncs
        .load(Ordering::Relaxed);
    assert!(resyncs >= 1);
    drop((stalled, reader, core));
    bridge.stop().unwrap();
}
