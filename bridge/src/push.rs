//! The push policy: which events go to clients at once and which are conflated.
//!
//! - **Immediate**: the critical events of DESIGN.md (`trade_executed`,
//!   `position_closed`, `daily_loss_breached`, `reconciliation_mismatch`,
//!   `runner_stopped`) and the rare lifecycle events a screen must not miss
//!   (`runner_started`, `monitor_triggered`, `state_changed`): forwarded as soon as the
//!   bridge reads them.
//! - **Conflated**: everything else (`market_update` first of all, signals, orders,
//!   position updates): per key (event kind and instrument) only the newest is kept,
//!   and the kept ones are sent at most `throttle_hz` times a second. A burst of a
//!   million ticks thus costs a client a handful of messages. A conflated event carries
//!   `"conflated": n`, the number of older events of its key it replaces, so a client
//!   can account for every sequence number: received + sum of `conflated` = span.
//!
//! Order is kept: before an immediate event goes out, the pending conflated events
//! (all older) are flushed, so a client always sees strictly increasing sequences.
//! That adds at most one message per key per immediate event.
//!
//! Progress: wait-free bookkeeping on a small vector (at most one entry per key);
//! allocation only for the JSON text.
//!
//! # Example
//!
//! ```
//! use seamless_bridge::push::{Conflator, Key};
//! let mut c = Conflator::default();
//! let key = Key { kind: 17, instrument: 0 };
//! c.offer(key, 5, r#"{"seq":5}"#.to_owned());
//! c.offer(key, 9, r#"{"seq":9}"#.to_owned());
//! let mut out = Vec::new();
//! c.drain(|seq, json| out.push((seq, json)));
//! assert_eq!(out, vec![(9, r#"{"seq":9,"conflated":1}"#.to_owned())]);
//! ```
//!
//! # Implementation
//!
//! 1. [`classify`] maps the event kind to [`Urgency`].
//! 2. [`Conflator::offer`] replaces the pending entry of the same key (counting the
//!    replaced one) or appends a new entry.
//! 3. [`Conflator::drain`] sorts the pending entries by sequence and hands them out.
//!    (Per-key conflation as in market-data "conflated feeds", e.g. Aeron's and
//!    Refinitiv's conflated subscriptions: latest value per key at a bounded rate.)
//!
//! It must never reorder events or drop an immediate one.

use std::fmt::Write as _;

use seamless_core::domain::{Event, EventKind};

/// What the bridge does with an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    /// Sent at once.
    Immediate,
    /// Kept per key, the newest sent at the throttle rate.
    Conflated(Key),
}

/// The conflation key: event kind and instrument.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    /// The event kind's code.
    pub kind: u16,
    /// The instrument's id, `u32::MAX` for events without one.
    pub instrument: u32,
}

/// The critical events of DESIGN.md "Bridge and dashboard" and the issue: always
/// pushed at once.
pub const CRITICAL: [EventKind; 5] = [
    EventKind::TradeExecuted,
    EventKind::PositionClosed,
    EventKind::DailyLossBreached,
    EventKind::ReconciliationMismatch,
    EventKind::RunnerStopped,
];

/// Whether `kind` is one of [`CRITICAL`].
pub fn is_critical(kind: EventKind) -> bool {
    CRITICAL.contains(&kind)
}

/// The push class of `ev`.
pub fn classify(ev: &Event) -> Urgency {
    let kind = ev.kind();
    let rare = matches!(
        kind,
        EventKind::RunnerStarted | EventKind::MonitorTriggered | EventKind::StateChanged
    );
    if is_critical(kind) || rare {
        return Urgency::Immediate;
    }
    Urgency::Conflated(Key {
        kind: kind as u16,
        instrument: ev.instrument().map_or(u32::MAX, |id| id.0),
    })
}

/// One pending conflated event.
#[derive(Debug)]
struct Pending {
    key: Key,
    seq: u64,
    json: String,
    /// Older events of this key it replaced since the last drain.
    replaced: u64,
}

/// The pending conflated events, at most one per key.
#[derive(Debug, Default)]
pub struct Conflator {
    pending: Vec<Pending>,
    /// Events replaced since creation (for metrics).
    replaced_total: u64,
}

impl Conflator {
    /// Keeps `json` (event `seq`) as the newest of `key`; true when it replaced an
    /// older pending one.
    pub fn offer(&mut self, key: Key, seq: u64, json: String) -> bool {
        match self.pending.iter_mut().find(|p| p.key == key) {
            Some(p) => {
                debug_assert!(seq > p.seq, "events arrive in order");
                p.seq = seq;
                p.json = json;
                p.replaced += 1;
                self.replaced_total += 1;
                true
            }
            None => {
                self.pending.push(Pending {
                    key,
                    seq,
                    json,
                    replaced: 0,
                });
                false
            }
        }
    }

    /// True when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// Events replaced (never sent) so far.
    pub fn replaced_total(&self) -> u64 {
        self.replaced_total
    }

    /// Hands out every pending event in sequence order, each annotated with
    /// `"conflated": n` when it replaced `n > 0` older ones, and empties the set.
    pub fn drain(&mut self, mut send: impl FnMut(u64, String)) {
        self.pending.sort_unstable_by_key(|p| p.seq);
        for p in self.pending.drain(..) {
            send(p.seq, annotate(p.json, p.replaced));
        }
    }

    /// Drops every pending event (a resynchronisation replaces them with a snapshot).
    pub fn clear(&mut self) {
        self.pending.clear();
    }
}

/// `json` (an object) with `"conflated":n` added when `n > 0`.
fn annotate(mut json: String, replaced: u64) -> String {
    if replaced > 0 && json.ends_with('}') {
        json.pop();
        let _ = write!(json, ",\"conflated\":{replaced}}}");
    }
    json
}

#[cfg(test)]
mod tests {
    use super::*;
    use seamless_core::domain::{EventBody, InstrumentId, Price, Reason};

    fn key(kind: u16, instrument: u32) -> Key {
        Key { kind, instrument }
    }

    #[test]
    fn critical_events_are_immediate_and_market_data_is_conflated() {
        let stop = Event::new(
            1,
            EventBody::RunnerStopped {
                reason: Reason::Sigterm,
            },
        );
        assert_eq!(classify(&stop), Urgency::Immediate);
        let p = Price::from_raw(100);
        let tick = Event::new(
            1,
            EventBody::MarketUpdate {
                instrument: InstrumentId(3),
                bid: p,
                ask: p,
                last: p,
            },
        );
        assert_eq!(
            classify(&tick),
            Urgency::Conflated(key(EventKind::MarketUpdate as u16, 3))
        );
    }

    #[test]
    fn drain_keeps_the_newest_per_key_in_sequence_order() {
        let mut c = Conflator::default();
        c.offer(key(1, 0), 10, "{\"seq\":10}".into());
        c.offer(key(1, 1), 11, "{\"seq\":11}".into());
        c.offer(key(1, 0), 12, "{\"seq\":12}".into());
        c.offer(key(1, 0), 13, "{\"seq\":13}".into());
        let mut out = Vec::new();
        c.drain(|s, j| out.push((s, j)));
        assert_eq!(
            out,
            vec![
                (11, "{\"seq\":11}".to_owned()),
                (13, "{\"seq\":13,\"conflated\":2}".to_owned())
            ]
        );
        assert!(c.is_empty());
        assert_eq!(c.replaced_total(), 2);
    }
}
