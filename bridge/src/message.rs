//! What travels from the reader thread to the client sessions, and the control
//! messages of the wire protocol.
//!
//! The wire protocol (WebSocket text messages; SSE `data:` lines carry the same JSON):
//!
//! - `{"type":"snapshot", "as_of":..., "age_ms":..., ...}`: the full state, the
//!   `monitor --once --json` object plus `as_of`/`age_ms` ([`crate::status`]). Its
//!   `last_seq` says where the event stream continues: the next event is
//!   `last_seq + 1`. Sent on connect and after every `resync`. On SSE its `id` is
//!   `last_seq`.
//! - events: the event JSON of DESIGN.md (`{"seq":..,"ts_ns":..,"kind":..,...}`), in
//!   strictly increasing `seq`; conflated ones carry `"conflated": n`
//!   ([`crate::push`]). On SSE their `id` is `seq` (so `Last-Event-ID` resumes).
//! - `{"type":"state", ...}`: the same object as a snapshot, pushed at most
//!   `throttle_hz` times a second while state changes and at least once a second (so
//!   `age_ms` and `stale` stay current); it does not move the event stream.
//! - `{"type":"resync","reason":"...","missed":n}`: the events from here on do not
//!   follow the previous ones; a `snapshot` comes next. Reasons: `lagged` (this
//!   client fell more than `client_queue` messages behind), `bridge_lagged` (the core
//!   lapped the bridge itself), `restart` (a new core run), `attached` (the first
//!   core seen), `unavailable` (the sequence asked for is no longer in the ring).
//! - `{"type":"waiting","reason":"..."}`: no core to show yet.
//!
//! Progress: plain data.

use std::fmt::Write as _;

pub use axum::extract::ws::Utf8Bytes as Text;
use seamless_core::domain::write_string;

/// One item of the fan-out channel (cheap to clone: the texts are shared).
#[derive(Debug, Clone)]
pub enum Push {
    /// An event; `json` is its wire text.
    Event {
        /// Its sequence number.
        seq: u64,
        /// Its JSON.
        json: Text,
    },
    /// A periodic `state` message.
    State(Text),
    /// Every client restarts its stream: `resync` text, then `snapshot` (whose events
    /// continue at `last_seq + 1`).
    Reset {
        /// The `resync` message.
        resync: Text,
        /// The `snapshot` message.
        snapshot: Text,
        /// The snapshot's `last_seq`.
        last_seq: u64,
    },
    /// No core to show (`waiting` message).
    Waiting(Text),
}

/// One message for one client.
#[derive(Debug, Clone, PartialEq)]
pub struct Out {
    /// The JSON text.
    pub text: Text,
    /// The SSE `id` (events: `seq`; snapshots: `last_seq`).
    pub id: Option<u64>,
}

/// `{"type":"resync","reason":R}` with `"missed":n` when known.
pub fn resync(reason: &str, missed: Option<u64>) -> Text {
    let mut s = String::from("{\"type\":\"resync\",\"reason\":");
    let _ = write_string(reason, &mut s);
    if let Some(n) = missed {
        let _ = write!(s, ",\"missed\":{n}");
    }
    s.push('}');
    Text::from(s)
}

/// `{"type":"waiting","reason":R}`.
pub fn waiting(reason: &str) -> Text {
    let mut s = String::from("{\"type\":\"waiting\",\"reason\":");
    let _ = write_string(reason, &mut s);
    s.push('}');
    Text::from(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_messages_are_json() {
        let r = resync("lagged", Some(3));
        let v: serde_json::Value = serde_json::from_str(&r).unwrap();
        assert_eq!(v["type"], "resync");
        assert_eq!(v["missed"], 3);
        let w = waiting("no \"core\"");
        let v: serde_json::Value = serde_json::from_str(&w).unwrap();
        assert_eq!(v["reason"], "no \"core\"");
    }
}
