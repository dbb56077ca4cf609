//! `/metrics` against a running core parses with a real Prometheus text parser (the
//! `prometheus-parse` crate, and the Python `prometheus_client` parser when present,
//! required with `SEAMLESS_REQUIRE_BROWSER=1` as in CI) and carries the figures the
//! issue names; `/healthz` and `/api/state` follow the core's life.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::*;
use prometheus_parse::{Scrape, Value};

/// Parses `text` with Python's prometheus_client; `None` when it is not installed.
fn python_families(text: &str) -> Option<Vec<String>> {
    const SCRIPT: &str = "import sys\n\
        from prometheus_client.parser import text_string_to_metric_families\n\
        for f in text_string_to_metric_families(sys.stdin.read()):\n    print(f.name, f.type, len(f.samples))\n";
    let probe = Command::new("python3")
        .args(["-c", "import prometheus_client"])
        .stderr(Stdio::null())
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        let required = std::env::var_os("SEAMLESS_REQUIRE_BROWSER").is_some_and(|v| v == "1");
        assert!(
            !required,
            "python3 with prometheus_client is required (SEAMLESS_REQUIRE_BROWSER=1)"
        );
        eprintln!("skipped: python3 prometheus_client not installed");
        return None;
    }
    let mut child = Command::new("python3")
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "prometheus_client refused /metrics: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_owned)
            .collect(),
    )
}

#[tokio::test]
async fn metrics_parse_and_carry_the_core_and_bridge_figures() {
    let _serial = serial().await;
    let dir = tempfile::tempdir().unwrap();
    let name = "metrics";
    let bridge = bridge(dir.path(), name, |_| {});
    let addr = bridge.local_addr();
    let mut cfg = core_config(name, 0, 2_000);
    cfg.feed.exit_after_feed = false;
    let core = Core::start(dir.path(), cfg);
    attached(&bridge).await;
    let mut ws = ws(addr, "", &[]).await.unwrap();
    let mut fills = 0.0;
    let mut text = String::new();
    let start = std::time::Instant::now();
    while fills < 1.0 {
        assert!(start.elapsed() < DEADLINE, "no fills within the deadline");
        let _ = next_json(&mut ws).await;
        let (status, body) = http(addr, "GET", "/metrics", None, &[]).await;
        assert_eq!(status, 200);
        let scrape = Scrape::parse(body.lines().map(|l| Ok(l.to_owned()))).expect("parses");
        fills = value(&scrape, "seamless_fills_total", None).unwrap_or(0.0);
        text = body;
    }
    let scrape = Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).unwrap();
    for name in [
        "seamless_core_up",
        "seamless_events_published_total",
        "seamless_ticks_total",
        "seamless_orders_total",
        "seamless_ring_fill",
        "seamless_ring_capacity",
        "seamless_durable_lag",
        "seamless_last_seq",
        "seamless_bridge_events_read_total",
        "seamless_bridge_messages_sent_total",
    ] {
        assert!(value(&scrape, name, None).is_some(), "{name} in /metrics");
    }
    assert_eq!(value(&scrape, "seamless_core_up", None), Some(1.0));
    assert_eq!(
        value(
            &scrape,
            "seamless_bridge_clients",
            Some(("transport", "ws"))
        ),
        Some(1.0)
    );
    assert!(
        value(
            &scrape,
            "seamless_tick_to_publish_seconds",
            Some(("quantile", "0.99"))
        )
        .is_some()
    );
    let bridge_role = format!("bridge-{}", std::process::id());
    assert!(
        value(&scrape, "seamless_reader_lag", Some(("role", &bridge_role))).is_some(),
        "the bridge's own reader slot is listed"
    );
    for doc in &scrape.docs {
        assert!(!doc.1.is_empty(), "{} has help", doc.0);
    }
    if let Some(families) = python_families(&text) {
        assert!(
            families
                .iter()
                .any(|f| f.starts_with("seamless_events_published counter")),
            "{families:?}"
        );
        assert!(
            families
                .iter()
                .any(|f| f.starts_with("seamless_reader_lag gauge")),
            "{families:?}"
        );
    }

    let (status, body) = http(addr, "GET", "/healthz", None, &[]).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = http(addr, "GET", "/api/state", None, &[]).await;
    assert_eq!(status, 200);
    let state: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(state["stale"], false);
    assert!(state["as_of"].as_u64().is_some() && state["age_ms"].as_u64().is_some());

    core.stop.request(seamless_core::domain::Reason::Operator);
    core.join();
    // On a loaded machine the bridge may first see the stopping core's heartbeat go
    // stale (also a 503); wait until it says the core stopped.
    let start = std::time::Instant::now();
    loop {
        let (status, body) = http(addr, "GET", "/healthz", None, &[]).await;
        if status == 503 && (body.contains("not running") || body.contains("stopped")) {
            break;
        }
        assert!(
            status == 200 || (status == 503 && body.contains("is stale")),
            "healthz {status}: {body}"
        );
        assert!(start.elapsed() < DEADLINE, "healthz still {status}: {body}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    drop(ws);
    bridge.stop().unwrap();
}

/// The value of sample `name` (with `label` = value when given).
fn value(scrape: &Scrape, name: &str, label: Option<(&str, &str)>) -> Option<f64> {
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == name)
        .find(|s| label.is_none_or(|(k, v)| s.labels.get(k) == Some(v)))
        .map(|s| match s.value {
            Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => v,
            _ => f64::NAN,
        })
}
