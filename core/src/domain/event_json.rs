//! Events as JSON lines: `{"seq":u64,"ts_ns":u64,"kind":"<event name>",...fields}`, the
//! contract shared by `log dump --json`, `monitor --tail --json` and the bridge.
//!
//! Instruments are written as their symbols, sides as `"buy"`/`"sell"`, reasons and
//! other codes by name, prices, money and quantities as exact decimal numbers. Field
//! names are the [`EventBody`] field names; an `Option` level that is not set is `null`,
//! and `state_changed` has `value` only for changes that carry one.
//!
//! Progress: wait-free; no allocation when writing into a [`JsonBuf`].
//!
//! # Example
//!
//! ```
//! use seamless_core::domain::*;
//! let mut instruments = Instruments::new();
//! let id = instruments.add("AAPL", Price::from_raw(1_000_000), Qty::ONE).unwrap();
//! let ev = Event::new(42, EventBody::PositionClosed {
//!     instrument: id, price: "187.5".parse().unwrap(), realized_pnl: "-12.5".parse().unwrap(),
//! });
//! let mut buf = JsonBuf::new();
//! write_event_json(&instruments, 7, &ev.to_record(), &mut buf).unwrap();
//! assert_eq!(
//!     buf.as_str(),
//!     r#"{"seq":7,"ts_ns":42,"kind":"position_closed","instrument":"AAPL","price":187.5,"realized_pnl":-12.5}"#
//! );
//! ```
//!
//! # Implementation
//!
//! 1. Decode the record (unknown kinds and bad codes are errors) and resolve the symbol
//!    *before* writing anything, so a failed event leaves a `String` untouched.
//! 2. Write the common head, then the kind's fields through [`JsonObject`].
//!
//! It must never write an instrument id where the contract promises a symbol, nor a
//! float.

use std::error::Error;
use std::fmt;

use super::event::{Change, Event, EventBody};
use super::instrument::{InstrumentId, Instruments};
use super::json::JsonObject;
use super::record::{DecodeError, EventRecord};

/// Why an event could not be written as JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonError {
    /// The record is not a valid event.
    Decode(DecodeError),
    /// The event's instrument is not in the table.
    UnknownInstrument(InstrumentId),
    /// The output refused the text (a full [`JsonBuf`](super::JsonBuf)).
    Write,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonError::Decode(e) => write!(f, "cannot decode event: {e}"),
            JsonError::UnknownInstrument(id) => {
                write!(
                    f,
                    "event names instrument {id}, which is not in the instrument table"
                )
            }
            JsonError::Write => f.write_str("json output full or failed"),
        }
    }
}

impl Error for JsonError {}

impl From<fmt::Error> for JsonError {
    fn from(_: fmt::Error) -> Self {
        JsonError::Write
    }
}

/// Writes the event in `record` with sequence number `seq` as one JSON object (no
/// trailing newline).
///
/// # Errors
///
/// [`JsonError::Decode`] for an invalid record, [`JsonError::UnknownInstrument`] for an
/// id not in `instruments` (nothing written in both cases), [`JsonError::Write`] if
/// `out` fails.
pub fn write_event_json<W: fmt::Write + ?Sized>(
    instruments: &Instruments,
    seq: u64,
    record: &EventRecord,
    out: &mut W,
) -> Result<(), JsonError> {
    let ev = record.decode().map_err(JsonError::Decode)?;
    write_typed_event_json(instruments, seq, &ev, out)
}

/// Like [`write_event_json`] for an already decoded event.
///
/// # Errors
///
/// [`JsonError::UnknownInstrument`] (nothing written) or [`JsonError::Write`].
pub fn write_typed_event_json<W: fmt::Write + ?Sized>(
    instruments: &Instruments,
    seq: u64,
    ev: &Event,
    out: &mut W,
) -> Result<(), JsonError> {
    let symbol = match ev.instrument() {
        Some(id) => Some(
            instruments
                .symbol(id)
                .ok_or(JsonError::UnknownInstrument(id))?,
        ),
        None => None,
    };
    let mut o = JsonObject::begin(out)?;
    o.field("seq", seq)?;
    o.field("ts_ns", ev.ts_ns)?;
    o.field("kind", ev.kind().name())?;
    if let Some(symbol) = symbol {
        o.field("instrument", symbol)?;
    }
    write_body(&mut o, &ev.body)?;
    o.end()?;
    Ok(())
}

fn write_body<W: fmt::Write + ?Sized>(o: &mut JsonObject<'_, W>, body: &EventBody) -> fmt::Result {
    use EventBody as B;
    match *body {
        B::SignalDetected {
            side,
            strategy,
            price,
            qty,
            ..
        } => {
            o.field("strategy", strategy.as_str())?;
            o.field("side", side.name())?;
            o.field("price", price)?;
            o.field("qty", qty)
        }
        B::OrderSubmitted {
            order_id,
            side,
            qty,
            price,
            ..
        } => {
            o.field("order_id", order_id)?;
            o.field("side", side.name())?;
            o.field("qty", qty)?;
            o.field("price", price)
        }
        B::OrderRejected {
            order_id,
            side,
            qty,
            price,
            reason,
            ..
        } => {
            o.field("order_id", order_id)?;
            o.field("side", side.name())?;
            o.field("qty", qty)?;
            o.field("price", price)?;
            o.field("reason", reason.name())
        }
        B::TradeExecuted {
            order_id,
            side,
            qty,
            price,
            fee,
            ..
        } => {
            o.field("order_id", order_id)?;
            o.field("side", side.name())?;
            o.field("qty", qty)?;
            o.field("price", price)?;
            o.field("fee", fee)
        }
        B::TradeExitUpdated {
            order_id,
            side,
            qty,
            price,
            realized_pnl,
            ..
        } => {
            o.field("order_id", order_id)?;
            o.field("side", side.name())?;
            o.field("qty", qty)?;
            o.field("price", price)?;
            o.field("realized_pnl", realized_pnl)
        }
        B::PositionUpdated {
            qty,
            avg_price,
            realized_pnl,
            unrealized_pnl,
            ..
        } => {
            o.field("qty", qty)?;
            o.field("avg_price", avg_price)?;
            o.field("realized_pnl", realized_pnl)?;
            o.field("unrealized_pnl", unrealized_pnl)
        }
        B::PositionClosed {
            price,
            realized_pnl,
            ..
        } => {
            o.field("price", price)?;
            o.field("realized_pnl", realized_pnl)
        }
        B::MonitorArmed { stop, target, .. } => {
            o.field("stop", stop)?;
            o.field("target", target)
        }
        B::MonitorTriggered {
            trigger,
            level,
            price,
            ..
        } => {
            o.field("trigger", trigger.name())?;
            o.field("level", level)?;
            o.field("price", price)
        }
        B::DailyLossBreached {
            daily_pnl,
            limit,
            equity,
        } => {
            o.field("daily_pnl", daily_pnl)?;
            // The fold keeps the limit as a magnitude; JSON shows it with the sign the
            // config uses (`risk.daily_loss_limit = -5000`), comparable to daily_pnl.
            o.field("limit", limit.saturating_neg())?;
            o.field("equity", equity)
        }
        B::RunnerStarted { reason } | B::RunnerStopped { reason } => {
            o.field("reason", reason.name())
        }
        B::ReconciliationMismatch {
            ours,
            broker,
            ours_avg_price,
            broker_avg_price,
            ..
        } => {
            o.field("ours", ours)?;
            o.field("broker", broker)?;
            o.field("ours_avg_price", ours_avg_price)?;
            o.field("broker_avg_price", broker_avg_price)
        }
        B::PositionSynced {
            qty,
            avg_price,
            realized_pnl,
            ..
        } => {
            o.field("qty", qty)?;
            o.field("avg_price", avg_price)?;
            o.field("realized_pnl", realized_pnl)
        }
        B::BrokerSnapshot { qty, avg_price, .. } => {
            o.field("qty", qty)?;
            o.field("avg_price", avg_price)
        }
        B::StateChanged { change, reason } => {
            o.field("change", change.kind().name())?;
            match change {
                // Signed as in the config, like `daily_loss_breached.limit`.
                Change::DailyLossLimit(limit) => o.field("value", limit.saturating_neg())?,
                Change::RingNearlyFull(n) | Change::RingDrained(n) => o.field("events_held", n)?,
                _ => {
                    if let Some(value) = change.value() {
                        o.field("value", value)?;
                    }
                }
            }
            o.field("reason", reason.name())
        }
        B::MarketUpdate { bid, ask, last, .. } => {
            o.field("bid", bid)?;
            o.field("ask", ask)?;
            o.field("last", last)
        }
    }
}
