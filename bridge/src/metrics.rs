//! The bridge's own counters and `GET /metrics`: the core's figures from the latest
//! snapshot plus the bridge's, in the Prometheus text exposition format (version
//! 0.0.4).
//!
//! Metric names start with `seamless_`; every metric has `# HELP` and `# TYPE` lines.
//! Latency percentiles are gauges with a `quantile` label (the core publishes interval
//! percentiles, not a summary's running sum).
//!
//! Progress: counters are single relaxed atomic operations (lock-free); rendering
//! allocates.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use crate::status::Status;

/// The bridge's counters, shared by the reader thread and the sessions.
///
/// Every access is `Relaxed`: these are statistics, read only for `/metrics`; no other
/// memory is published through them.
#[derive(Debug, Default)]
pub struct Counters {
    /// WebSocket clients connected now.
    pub ws_clients: AtomicU64,
    /// SSE clients connected now.
    pub sse_clients: AtomicU64,
    /// Messages handed to client connections.
    pub messages_sent: AtomicU64,
    /// Clients resynchronised because they fell behind.
    pub client_resyncs: AtomicU64,
    /// Resets sent to every client (core restart, bridge lapped, first attach).
    pub resets: AtomicU64,
    /// Events the bridge read from the ring.
    pub events_read: AtomicU64,
    /// Events forwarded (immediate plus conflated survivors).
    pub events_forwarded: AtomicU64,
    /// Events dropped by conflation (a newer one of their key replaced them).
    pub events_conflated: AtomicU64,
    /// Events overwritten by the core before the bridge read them.
    pub events_missed: AtomicU64,
    /// Requests refused with 403 (Host or Origin).
    pub forbidden: AtomicU64,
    /// Requests refused with 401 (token).
    pub unauthorized: AtomicU64,
}

impl Counters {
    /// Adds `n` to `counter`.
    pub fn add(counter: &AtomicU64, n: u64) {
        // Relaxed: a statistic (see the type's docs).
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// Subtracts one from a gauge.
    pub fn dec(counter: &AtomicU64) {
        // Relaxed: a statistic (see the type's docs).
        counter.fetch_sub(1, Ordering::Relaxed);
    }

    fn get(counter: &AtomicU64) -> u64 {
        // Relaxed: a statistic (see the type's docs).
        counter.load(Ordering::Relaxed)
    }
}

/// A `# HELP`/`# TYPE` header and samples.
struct Writer {
    out: String,
}

impl Writer {
    fn metric(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.out, "# HELP {name} {help}");
        let _ = writeln!(self.out, "# TYPE {name} {kind}");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.out.push_str(name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                let _ = write!(self.out, "{k}=\"{}\"", escape(v));
            }
            self.out.push('}');
        }
        let _ = writeln!(self.out, " {value}");
    }

    fn one(&mut self, name: &str, kind: &str, help: &str, value: f64) {
        self.metric(name, kind, help);
        self.sample(name, &[], value);
    }
}

/// A label value with `\`, `"` and newlines escaped.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The `/metrics` text for `status` and `counters` at `now`.
pub fn render(status: &Status, counters: &Counters, now: Instant) -> String {
    let mut w = Writer {
        out: String::with_capacity(4096),
    };
    core_metrics(&mut w, status, now);
    bridge_metrics(&mut w, counters);
    w.out
}

fn core_metrics(w: &mut Writer, status: &Status, now: Instant) {
    let read = match status {
        Status::Attached(read) => read,
        Status::Waiting(_) => {
            w.one(
                "seamless_core_up",
                "gauge",
                "1 when the bridge is attached to a live, fresh core.",
                0.0,
            );
            return;
        }
    };
    let s = &read.snap;
    let up = read.health(now).is_ok();
    w.one(
        "seamless_core_up",
        "gauge",
        "1 when the bridge is attached to a live, fresh core.",
        f64::from(u8::from(up)),
    );
    w.one(
        "seamless_core_stale",
        "gauge",
        "1 when the core's heartbeat is older than the stale threshold or it is dead.",
        f64::from(u8::from(read.is_stale(now))),
    );
    if let Some(age) = read.age_ms(now) {
        w.one(
            "seamless_core_heartbeat_age_seconds",
            "gauge",
            "Age of the core's last heartbeat.",
            age as f64 / 1e3,
        );
    }
    let m = &s.metrics;
    let counters: [(&str, &str, u64); 7] = [
        (
            "seamless_events_published_total",
            "Events the core published this run.",
            m.events_published,
        ),
        (
            "seamless_ticks_total",
            "Ticks the engine processed this run.",
            m.ticks,
        ),
        (
            "seamless_orders_total",
            "Orders submitted this run.",
            m.orders,
        ),
        ("seamless_fills_total", "Fills booked this run.", m.fills),
        (
            "seamless_rejects_total",
            "Orders rejected this run.",
            m.rejects,
        ),
        (
            "seamless_gating_stalls_total",
            "Times the engine waited for a gating reader.",
            m.gating_stalls,
        ),
        (
            "seamless_ticks_fed_total",
            "Ticks the feed handed to the engine this run.",
            m.ticks_fed,
        ),
    ];
    for (name, help, v) in counters {
        w.one(name, "counter", help, v as f64);
    }
    let gauges: [(&str, &str, u64); 5] = [
        (
            "seamless_last_seq",
            "Sequence of the last event folded and published.",
            s.last_seq,
        ),
        (
            "seamless_ring_capacity",
            "Slots in the event ring.",
            m.ring_capacity,
        ),
        (
            "seamless_ring_fill",
            "Events gating readers still hold in the ring.",
            m.ring_fill,
        ),
        (
            "seamless_durable_lag",
            "Events published but not yet durable (persistence lag).",
            m.persistence_lag,
        ),
        (
            "seamless_durable_seq",
            "Last sequence the persister made durable (0: none).",
            s.durable_seq.unwrap_or(0),
        ),
    ];
    for (name, help, v) in gauges {
        w.one(name, "gauge", help, v as f64);
    }
    w.metric(
        "seamless_reader_lag",
        "gauge",
        "Events published that a reader has not consumed yet.",
    );
    for r in &s.readers {
        w.sample(
            "seamless_reader_lag",
            &[("role", &r.role), ("kind", &r.kind)],
            r.lag as f64,
        );
    }
    w.metric(
        "seamless_reader_alive",
        "gauge",
        "1 while the reader holds its slot's lock.",
    );
    for r in &s.readers {
        let alive = f64::from(u8::from(r.alive));
        w.sample(
            "seamless_reader_alive",
            &[("role", &r.role), ("kind", &r.kind)],
            alive,
        );
    }
    let l = &s.latency;
    w.metric(
        "seamless_tick_to_publish_seconds",
        "gauge",
        "Tick-to-publish latency percentiles of the core's last interval.",
    );
    for (q, v) in [
        ("0.5", l.p50),
        ("0.9", l.p90),
        ("0.99", l.p99),
        ("0.999", l.p999),
        ("1", l.max),
    ] {
        w.sample(
            "seamless_tick_to_publish_seconds",
            &[("quantile", q)],
            v as f64 / 1e9,
        );
    }
}

fn bridge_metrics(w: &mut Writer, c: &Counters) {
    w.metric(
        "seamless_bridge_clients",
        "gauge",
        "Clients connected to the bridge, by transport.",
    );
    w.sample(
        "seamless_bridge_clients",
        &[("transport", "ws")],
        Counters::get(&c.ws_clients) as f64,
    );
    w.sample(
        "seamless_bridge_clients",
        &[("transport", "sse")],
        Counters::get(&c.sse_clients) as f64,
    );
    let counters: [(&str, &str, &AtomicU64); 9] = [
        (
            "seamless_bridge_messages_sent_total",
            "Messages handed to client connections.",
            &c.messages_sent,
        ),
        (
            "seamless_bridge_client_resyncs_total",
            "Clients resynchronised from a snapshot after falling behind.",
            &c.client_resyncs,
        ),
        (
            "seamless_bridge_resets_total",
            "Resets sent to every client (first attach, core restart, bridge lapped).",
            &c.resets,
        ),
        (
            "seamless_bridge_events_read_total",
            "Events the bridge read from the core's ring.",
            &c.events_read,
        ),
        (
            "seamless_bridge_events_forwarded_total",
            "Events forwarded to clients.",
            &c.events_forwarded,
        ),
        (
            "seamless_bridge_events_conflated_total",
            "Routine events replaced by a newer one of the same key before sending.",
            &c.events_conflated,
        ),
        (
            "seamless_bridge_events_missed_total",
            "Events the core overwrote before the bridge read them.",
            &c.events_missed,
        ),
        (
            "seamless_bridge_forbidden_total",
            "Requests refused with 403 (Host or Origin not allowed).",
            &c.forbidden,
        ),
        (
            "seamless_bridge_unauthorized_total",
            "Requests refused with 401 (missing or wrong token).",
            &c.unauthorized,
        ),
    ];
    for (name, help, v) in counters {
        w.one(name, "counter", help, Counters::get(v) as f64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiting_renders_a_down_gauge_and_the_bridge_counters() {
        let c = Counters::default();
        Counters::add(&c.messages_sent, 3);
        let text = render(&Status::Waiting("none".into()), &c, Instant::now());
        assert!(text.contains("seamless_core_up 0\n"));
        assert!(text.contains("seamless_bridge_messages_sent_total 3\n"));
        assert!(text.contains("seamless_bridge_clients{transport=\"ws\"} 0\n"));
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
