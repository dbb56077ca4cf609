//! [`EventTail`]: the TUI's bounded list of recent events, newest last in memory and
//! shown newest first, with the count of events skipped to keep up.
//!
//! Entries are plain data ([`TailEntry`]) so rendering tests build them directly.
//!
//! Progress: plain data; pushing is O(1).

use std::collections::VecDeque;

use seamless_core::EventRecord;
use seamless_core::domain::{EventKind, Instruments, write_typed_event_json};

use crate::text;

/// Events kept for display.
pub const TAIL_CAPACITY: usize = 500;

/// One event as the tail shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TailEntry {
    /// Its sequence number.
    pub seq: u64,
    /// Event time, Unix ns.
    pub ts_ns: u64,
    /// Its kind.
    pub kind: EventKind,
    /// Its instrument's symbol, if it has one.
    pub instrument: Option<String>,
    /// The other fields as `key=value` words.
    pub fields: String,
}

impl TailEntry {
    /// The entry for event `seq` in `record`; `None` if it cannot be decoded (a record
    /// of a newer core, say).
    pub fn from_record(instruments: &Instruments, seq: u64, record: &EventRecord) -> Option<Self> {
        let ev = record.decode().ok()?;
        let mut json = String::with_capacity(160);
        write_typed_event_json(instruments, seq, &ev, &mut json).ok()?;
        Some(TailEntry {
            seq,
            ts_ns: ev.ts_ns,
            kind: ev.kind(),
            instrument: ev
                .instrument()
                .and_then(|id| instruments.symbol(id))
                .map(str::to_owned),
            fields: text::event_fields(&json),
        })
    }

    /// Whether the kind is one an operator must not miss (highlighted).
    pub fn is_critical(&self) -> bool {
        is_critical(self.kind)
    }

    /// Whether the entry matches a filter: an empty filter matches all; otherwise the
    /// filter (case-insensitive) must occur in the kind's name or the instrument.
    pub fn matches(&self, filter: &str) -> bool {
        if filter.is_empty() {
            return true;
        }
        let f = filter.to_ascii_lowercase();
        self.kind.name().contains(&f)
            || self
                .instrument
                .as_deref()
                .is_some_and(|s| s.to_ascii_lowercase().contains(&f))
    }
}

/// The kinds highlighted in the tail: fills, closes, halts, monitor triggers,
/// reconciliation problems, rejects and stops.
pub fn is_critical(kind: EventKind) -> bool {
    matches!(
        kind,
        EventKind::TradeExecuted
            | EventKind::PositionClosed
            | EventKind::DailyLossBreached
            | EventKind::MonitorTriggered
            | EventKind::ReconciliationMismatch
            | EventKind::OrderRejected
            | EventKind::RunnerStopped
    )
}

/// The recent events and what was skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventTail {
    /// Oldest first; at most [`TAIL_CAPACITY`].
    entries: VecDeque<TailEntry>,
    /// Events skipped (coalesced in a burst, or overwritten before they were read).
    pub skipped: u64,
    /// Events read.
    pub read: u64,
}

impl EventTail {
    /// Appends an event (dropping the oldest beyond capacity).
    pub fn push(&mut self, entry: TailEntry) {
        if self.entries.len() == TAIL_CAPACITY {
            self.entries.pop_front();
        }
        self.entries.push_back(entry);
        self.read += 1;
    }

    /// Counts `n` skipped events.
    pub fn skip(&mut self, n: u64) {
        self.skipped += n;
    }

    /// The entries matching `filter`, newest first.
    pub fn newest_first<'a>(&'a self, filter: &'a str) -> impl Iterator<Item = &'a TailEntry> {
        self.entries.iter().rev().filter(move |e| e.matches(filter))
    }

    /// Number of entries held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// No entries held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Forgets everything (a new run).
    pub fn clear(&mut self) {
        *self = EventTail::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: u64, kind: EventKind, instrument: Option<&str>) -> TailEntry {
        TailEntry {
            seq,
            ts_ns: 0,
            kind,
            instrument: instrument.map(str::to_owned),
            fields: String::new(),
        }
    }

    #[test]
    fn filter_matches_kind_or_instrument() {
        let e = entry(1, EventKind::TradeExecuted, Some("BTCUSD"));
        assert!(e.matches(""));
        assert!(e.matches("trade"));
        assert!(e.matches("btc"));
        assert!(!e.matches("eth"));
        assert!(!entry(2, EventKind::RunnerStarted, None).matches("btc"));
    }

    #[test]
    fn tail_is_bounded_and_newest_first() {
        let mut t = EventTail::default();
        for seq in 1..=(TAIL_CAPACITY as u64 + 5) {
            t.push(entry(seq, EventKind::MarketUpdate, Some("X")));
        }
        assert_eq!(t.len(), TAIL_CAPACITY);
        let seqs: Vec<u64> = t.newest_first("").take(2).map(|e| e.seq).collect();
        assert_eq!(
            seqs,
            vec![TAIL_CAPACITY as u64 + 5, TAIL_CAPACITY as u64 + 4]
        );
        assert_eq!(t.read, TAIL_CAPACITY as u64 + 5);
    }
}
