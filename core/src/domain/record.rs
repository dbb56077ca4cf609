//! [`EventRecord`]: the fixed 56-byte wire form of an [`Event`], used in the broadcast
//! event ring (a 64-byte slot whose first word is the ring's sequence stamp) and in the
//! event log.
//!
//! Progress: wait-free; encoding and decoding are a handful of moves and one `match`,
//! with no allocation.
//!
//! # Example
//!
//! ```
//! use seamless_core::domain::{Event, EventBody, EventRecord, Reason};
//! use zerocopy::{FromBytes, IntoBytes};
//! let ev = Event::new(5, EventBody::RunnerStarted { reason: Reason::Start });
//! let bytes = ev.to_record().as_bytes().to_vec();
//! assert_eq!(bytes.len(), EventRecord::SIZE);
//! let back = EventRecord::read_from_bytes(&bytes).unwrap();
//! assert_eq!(back.decode(), Ok(ev));
//! ```
//!
//! # Implementation
//!
//! 1. Layout (native endian, `#[repr(C)]`, no implicit padding, 7 words):
//!
//!    | bytes  | field        | meaning                                          |
//!    |--------|--------------|--------------------------------------------------|
//!    | 0..8   | `ts_ns`      | event time, ns since the Unix epoch              |
//!    | 8..10  | `kind`       | [`EventKind`] code                               |
//!    | 10     | `side`       | [`Side`] code, 0 when the kind has no side       |
//!    | 11     | `code`       | kind-specific small code (reason, trigger, flags)|
//!    | 12..16 | `instrument` | [`InstrumentId`], 0 when the kind has none       |
//!    | 16..56 | `f[0..5]`    | five kind-specific 8-byte fields                 |
//!
//! 2. Field use per kind (raw fixed-point `i64`s; ids as `u64` bits):
//!
//!    | kind                    | side | code        | f0          | f1      | f2        | f3        | f4  |
//!    |-------------------------|------|-------------|-------------|---------|-----------|-----------|-----|
//!    | signal_detected         | yes  |             | strategy[0..8] | strategy[8..16] | price | qty | |
//!    | order_submitted         | yes  |             | order_id    | qty     | price     |           |     |
//!    | order_rejected          | yes  | RejectReason| order_id    | qty     | price     |           |     |
//!    | trade_executed          | yes  |             | order_id    | qty     | price     | fee       |     |
//!    | trade_exit_updated      | yes  |             | order_id    | qty     | price     | realized  |     |
//!    | position_updated        |      |             | qty         | avg     | realized  | unrealized|     |
//!    | position_closed         |      |             | price       | realized|           |           |     |
//!    | monitor_armed           |      | bit0 stop, bit1 target | stop | target |     |           |     |
//!    | monitor_triggered       |      | Trigger     | level       | price   |           |           |     |
//!    | daily_loss_breached     |      |             | daily_pnl   | limit   | equity    |           |     |
//!    | runner_started/stopped  |      | Reason      |             |         |           |           |     |
//!    | reconciliation_mismatch |      |             | ours        | broker  | ours avg  | broker avg|     |
//!    | position_synced         |      |             | qty         | avg     | realized  |           |     |
//!    | broker_snapshot         |      |             | qty         | avg     |           |           |     |
//!    | state_changed           |      | Reason      | ChangeKind  | value / events held | |     |     |
//!    | market_update           |      |             | bid         | ask     | last      |           |     |
//!
//! 3. Encoding writes zeros into unused bytes. Decoding checks the kind code, the side,
//!    the codes and names a kind uses, and ignores unused bytes. Putting a spare field
//!    to use still bumps the log's schema version (and the region's layout version):
//!    an older binary would ignore the field and misread the event, so it must refuse
//!    the file instead (docs/versioning.md).
//!    `reconciliation_mismatch` f2/f3 and `position_synced` f2 were such spare fields
//!    (written as zero) until reconciliation compared average prices (issue 7,
//!    schema 3): a record written before reads them as 0, which is exactly their old
//!    meaning (no average recorded; no basis correction booked), so the v2 -> v3 step
//!    is the identity.
//!
//! Decoding must never panic or trust a code: records come from disk and from shared
//! memory written by another process.

use std::error::Error;
use std::fmt;

use zerocopy::{FromBytes, FromZeros, Immutable, IntoBytes, KnownLayout};

use super::codes::{ChangeKind, EventKind, Reason, RejectReason, Side, Trigger};
use super::event::{Change, Event, EventBody};
use super::fixed::{Money, Price, Qty};
use super::instrument::InstrumentId;
use super::name::{NameError, StrategyName};

/// The 56-byte wire form of an [`Event`]. Any bytes are a valid `EventRecord`; only
/// [`decode`](Self::decode) decides whether they are a valid event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct EventRecord {
    ts_ns: u64,
    kind: u16,
    side: u8,
    code: u8,
    instrument: u32,
    f: [i64; 5],
}

const _: () = assert!(size_of::<EventRecord>() == EventRecord::SIZE);
const _: () = assert!(<EventRecord as seamless_ipc::words::Record>::WORDS == 7);

/// Why a record is not a valid event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// The kind code is not an [`EventKind`].
    UnknownKind(u16),
    /// The side byte is not a [`Side`] for a kind that has one.
    BadSide {
        /// The event kind.
        kind: EventKind,
        /// The byte found.
        side: u8,
    },
    /// The code byte (reason, trigger, flags) or the change kind is not valid.
    BadCode {
        /// The event kind.
        kind: EventKind,
        /// The value found.
        code: i64,
    },
    /// The strategy name bytes are not a valid name.
    BadName(NameError),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::UnknownKind(k) => write!(f, "unknown event kind code {k}"),
            DecodeError::BadSide { kind, side } => write!(f, "{kind}: invalid side code {side}"),
            DecodeError::BadCode { kind, code } => write!(f, "{kind}: invalid code {code}"),
            DecodeError::BadName(e) => write!(f, "signal_detected: bad strategy name: {e}"),
        }
    }
}

impl Error for DecodeError {}

const MONITOR_STOP: u8 = 1;
const MONITOR_TARGET: u8 = 2;

impl EventRecord {
    /// Size in bytes (56: a 64-byte ring slot minus its sequence word).
    pub const SIZE: usize = 56;

    /// Event time (no validation needed).
    #[inline]
    pub const fn ts_ns(&self) -> u64 {
        self.ts_ns
    }

    /// The raw kind code.
    #[inline]
    pub const fn kind_code(&self) -> u16 {
        self.kind
    }

    /// The kind.
    ///
    /// # Errors
    ///
    /// [`DecodeError::UnknownKind`] for an unknown code.
    #[inline]
    pub const fn kind(&self) -> Result<EventKind, DecodeError> {
        match EventKind::from_code(self.kind) {
            Some(k) => Ok(k),
            None => Err(DecodeError::UnknownKind(self.kind)),
        }
    }

    /// Encodes an event (never fails; unused bytes are zero).
    pub fn encode(ev: &Event) -> EventRecord {
        use EventBody as B;
        let mut r = EventRecord::new_zeroed();
        r.ts_ns = ev.ts_ns;
        r.kind = ev.kind().code();
        if let Some(id) = ev.instrument() {
            r.instrument = id.0;
        }
        match ev.body {
            B::SignalDetected {
                side,
                strategy,
                price,
                qty,
                ..
            } => {
                let name = strategy.to_bytes();
                r.side = side.code();
                r.f = [
                    word(&name[..8]),
                    word(&name[8..]),
                    price.raw(),
                    qty.raw(),
                    0,
                ];
            }
            B::OrderSubmitted {
                order_id,
                side,
                qty,
                price,
                ..
            } => {
                r.side = side.code();
                r.f = [order_id as i64, qty.raw(), price.raw(), 0, 0];
            }
            B::OrderRejected {
                order_id,
                side,
                qty,
                price,
                reason,
                ..
            } => {
                r.side = side.code();
                r.code = reason.code();
                r.f = [order_id as i64, qty.raw(), price.raw(), 0, 0];
            }
            B::TradeExecuted {
                order_id,
                side,
                qty,
                price,
                fee,
                ..
            } => {
                r.side = side.code();
                r.f = [order_id as i64, qty.raw(), price.raw(), fee.raw(), 0];
            }
            B::TradeExitUpdated {
                order_id,
                side,
                qty,
                price,
                realized_pnl,
                ..
            } => {
                r.side = side.code();
                r.f = [
                    order_id as i64,
                    qty.raw(),
                    price.raw(),
                    realized_pnl.raw(),
                    0,
                ];
            }
            B::PositionUpdated {
                qty,
                avg_price,
                realized_pnl,
                unrealized_pnl,
                ..
            } => {
                r.f = [
                    qty.raw(),
                    avg_price.raw(),
                    realized_pnl.raw(),
                    unrealized_pnl.raw(),
                    0,
                ];
            }
            B::PositionClosed {
                price,
                realized_pnl,
                ..
            } => {
                r.f = [price.raw(), realized_pnl.raw(), 0, 0, 0];
            }
            B::MonitorArmed { stop, target, .. } => {
                r.code = if stop.is_some() { MONITOR_STOP } else { 0 }
                    | if target.is_some() { MONITOR_TARGET } else { 0 };
                r.f = [raw_or_zero(stop), raw_or_zero(target), 0, 0, 0];
            }
            B::MonitorTriggered {
                trigger,
                level,
                price,
                ..
            } => {
                r.code = trigger.code();
                r.f = [level.raw(), price.raw(), 0, 0, 0];
            }
            B::DailyLossBreached {
                daily_pnl,
                limit,
                equity,
            } => {
                r.f = [daily_pnl.raw(), limit.raw(), equity.raw(), 0, 0];
            }
            B::RunnerStarted { reason } | B::RunnerStopped { reason } => r.code = reason.code(),
            B::ReconciliationMismatch {
                ours,
                broker,
                ours_avg_price,
                broker_avg_price,
                ..
            } => {
                r.f = [
                    ours.raw(),
                    broker.raw(),
                    ours_avg_price.raw(),
                    broker_avg_price.raw(),
                    0,
                ];
            }
            B::PositionSynced {
                qty,
                avg_price,
                realized_pnl,
                ..
            } => {
                r.f = [qty.raw(), avg_price.raw(), realized_pnl.raw(), 0, 0];
            }
            B::BrokerSnapshot { qty, avg_price, .. } => {
                r.f = [qty.raw(), avg_price.raw(), 0, 0, 0];
            }
            B::StateChanged { change, reason } => {
                r.code = reason.code();
                let value = match change.events_held() {
                    // Event counts are far below i64::MAX; the bits round-trip.
                    Some(n) => n as i64,
                    None => change.value().map_or(0, Money::raw),
                };
                r.f = [i64::from(change.kind().code()), value, 0, 0, 0];
            }
            B::MarketUpdate { bid, ask, last, .. } => {
                r.f = [bid.raw(), ask.raw(), last.raw(), 0, 0];
            }
        }
        r
    }

    /// Decodes and validates the record.
    ///
    /// # Errors
    ///
    /// [`DecodeError`] for an unknown kind, an invalid side, code or strategy name.
    pub fn decode(&self) -> Result<Event, DecodeError> {
        use EventBody as B;
        let kind = self.kind()?;
        let instrument = InstrumentId(self.instrument);
        let f = self.f;
        let side = || {
            Side::from_code(self.side).ok_or(DecodeError::BadSide {
                kind,
                side: self.side,
            })
        };
        let bad_code = |code: i64| DecodeError::BadCode { kind, code };
        let reason = || Reason::from_code(self.code).ok_or(bad_code(i64::from(self.code)));
        let (p, q, m) = (Price::from_raw, Qty::from_raw, Money::from_raw);
        let body = match kind {
            EventKind::SignalDetected => {
                let mut name = [0u8; 16];
                name[..8].copy_from_slice(&f[0].to_le_bytes());
                name[8..].copy_from_slice(&f[1].to_le_bytes());
                let strategy = StrategyName::from_bytes(&name).map_err(DecodeError::BadName)?;
                B::SignalDetected {
                    instrument,
                    side: side()?,
                    strategy,
                    price: p(f[2]),
                    qty: q(f[3]),
                }
            }
            EventKind::OrderSubmitted => B::OrderSubmitted {
                order_id: f[0] as u64,
                instrument,
                side: side()?,
                qty: q(f[1]),
                price: p(f[2]),
            },
            EventKind::OrderRejected => B::OrderRejected {
                order_id: f[0] as u64,
                instrument,
                side: side()?,
                qty: q(f[1]),
                price: p(f[2]),
                reason: RejectReason::from_code(self.code).ok_or(bad_code(i64::from(self.code)))?,
            },
            EventKind::TradeExecuted => B::TradeExecuted {
                order_id: f[0] as u64,
                instrument,
                side: side()?,
                qty: q(f[1]),
                price: p(f[2]),
                fee: m(f[3]),
            },
            EventKind::TradeExitUpdated => B::TradeExitUpdated {
                order_id: f[0] as u64,
                instrument,
                side: side()?,
                qty: q(f[1]),
                price: p(f[2]),
                realized_pnl: m(f[3]),
            },
            EventKind::PositionUpdated => B::PositionUpdated {
                instrument,
                qty: q(f[0]),
                avg_price: p(f[1]),
                realized_pnl: m(f[2]),
                unrealized_pnl: m(f[3]),
            },
            EventKind::PositionClosed => B::PositionClosed {
                instrument,
                price: p(f[0]),
                realized_pnl: m(f[1]),
            },
            EventKind::MonitorArmed => {
                if self.code & !(MONITOR_STOP | MONITOR_TARGET) != 0 {
                    return Err(bad_code(i64::from(self.code)));
                }
                B::MonitorArmed {
                    instrument,
                    stop: (self.code & MONITOR_STOP != 0).then_some(p(f[0])),
                    target: (self.code & MONITOR_TARGET != 0).then_some(p(f[1])),
                }
            }
            EventKind::MonitorTriggered => B::MonitorTriggered {
                instrument,
                trigger: Trigger::from_code(self.code).ok_or(bad_code(i64::from(self.code)))?,
                level: p(f[0]),
                price: p(f[1]),
            },
            EventKind::DailyLossBreached => B::DailyLossBreached {
                daily_pnl: m(f[0]),
                limit: m(f[1]),
                equity: m(f[2]),
            },
            EventKind::RunnerStarted => B::RunnerStarted { reason: reason()? },
            EventKind::RunnerStopped => B::RunnerStopped { reason: reason()? },
            EventKind::ReconciliationMismatch => B::ReconciliationMismatch {
                instrument,
                ours: q(f[0]),
                broker: q(f[1]),
                ours_avg_price: p(f[2]),
                broker_avg_price: p(f[3]),
            },
            EventKind::PositionSynced => B::PositionSynced {
                instrument,
                qty: q(f[0]),
                avg_price: p(f[1]),
                realized_pnl: m(f[2]),
            },
            EventKind::BrokerSnapshot => B::BrokerSnapshot {
                instrument,
                qty: q(f[0]),
                avg_price: p(f[1]),
            },
            EventKind::StateChanged => {
                let change = u8::try_from(f[0])
                    .ok()
                    .and_then(ChangeKind::from_code)
                    .ok_or(bad_code(f[0]))?;
                let change = match change {
                    ChangeKind::Halted => Change::Halted,
                    ChangeKind::Resumed => Change::Resumed,
                    ChangeKind::DailyLossLimit => Change::DailyLossLimit(m(f[1])),
                    ChangeKind::CashAdjusted => Change::CashAdjusted(m(f[1])),
                    ChangeKind::RingNearlyFull => Change::RingNearlyFull(f[1] as u64),
                    ChangeKind::RingDrained => Change::RingDrained(f[1] as u64),
                };
                B::StateChanged {
                    change,
                    reason: reason()?,
                }
            }
            EventKind::MarketUpdate => B::MarketUpdate {
                instrument,
                bid: p(f[0]),
                ask: p(f[1]),
                last: p(f[2]),
            },
        };
        Ok(Event {
            ts_ns: self.ts_ns,
            body,
        })
    }
}

impl Event {
    /// The wire form (see [`EventRecord::encode`]).
    #[inline]
    pub fn to_record(&self) -> EventRecord {
        EventRecord::encode(self)
    }
}

impl From<&Event> for EventRecord {
    fn from(ev: &Event) -> Self {
        EventRecord::encode(ev)
    }
}

impl TryFrom<&EventRecord> for Event {
    type Error = DecodeError;

    fn try_from(r: &EventRecord) -> Result<Self, DecodeError> {
        r.decode()
    }
}

fn word(bytes: &[u8]) -> i64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(bytes);
    i64::from_le_bytes(w)
}

fn raw_or_zero(p: Option<Price>) -> i64 {
    p.map_or(0, Price::raw)
}
