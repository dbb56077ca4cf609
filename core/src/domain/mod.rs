//! The trading domain: fixed-point values, instruments, events, and the state fold.
//!
//! Everything the engine, the persister, the monitor and the bridge agree on lives here,
//! with no I/O, no clock and no floats:
//!
//! - [`Price`], [`Qty`], [`Money`] (`fixed`, `decimal`): 8-decimal `i64` fixed point
//!   with exact decimal text.
//! - [`Symbol`], [`StrategyName`] (`name`), [`Instruments`] and [`InstrumentId`]
//!   (`instrument`): the run's instrument table.
//! - [`EventKind`], [`Side`], [`Reason`] and the other stable codes (`codes`).
//! - [`Event`]/[`EventBody`] (`event`), the typed events, and [`EventRecord`]
//!   (`record`), their 56-byte wire form for the event ring and the log.
//! - [`write_event_json`] (`event_json`, over the small writer in `json`): the JSON
//!   lines contract.
//! - [`State`] (`state`) with its rows [`Account`], [`Position`], [`Market`],
//!   [`Monitor`], [`SignalLog`], [`Runner`], [`Counters`], and [`FillOutcome`] (`fill`),
//!   the consequences of a fill.
//!
//! Progress: every operation here is wait-free; nothing on the engine's path
//! ([`State::apply`], [`EventRecord::encode`]/[`decode`](EventRecord::decode), writing
//! JSON into a [`JsonBuf`]) allocates.
//!
//! # Example
//!
//! ```
//! use seamless_core::domain::*;
//! let mut instruments = Instruments::new();
//! let btc = instruments.add("BTC-USD", "0.01".parse().unwrap(), "0.0001".parse().unwrap()).unwrap();
//! let mut state = State::new();
//! let fill = Event::new(1_000, EventBody::TradeExecuted {
//!     order_id: 1, instrument: btc, side: Side::Buy,
//!     qty: "0.5".parse().unwrap(), price: "64000".parse().unwrap(), fee: "3.2".parse().unwrap(),
//! });
//! let record = fill.to_record(); // what goes into the ring and the log
//! state.apply(1, &record.decode().unwrap()).unwrap();
//! assert_eq!(state.account().cash.to_string(), "-32003.2");
//! let mut line = JsonBuf::new();
//! write_event_json(&instruments, 1, &record, &mut line).unwrap();
//! assert!(line.as_str().starts_with(r#"{"seq":1,"ts_ns":1000,"kind":"trade_executed","instrument":"BTC-USD""#));
//! ```
//!
//! # Implementation
//!
//! 1. Values are integers scaled by 10^8, rounded half away from zero once per product.
//! 2. Events are plain `Copy` enums, encoded to fixed `#[repr(C)]` zerocopy records and
//!    decoded with validation (records come from disk and shared memory).
//! 3. State is one `#[repr(C)]` zerocopy struct of fixed-size tables indexed by
//!    instrument id, mutated only by the fold; see the `state` module for which events
//!    mutate what, and for how market data reaches the fold (conflated `market_update`
//!    marks, not ticks).
//!    (Event sourcing with a pure fold: M. Fowler, "Event Sourcing", 2005; the LMAX
//!    architecture's single-writer business logic processor.)
//!
//! It must never contain `unsafe`, read a clock, or use floating point.
#![forbid(unsafe_code)]

mod account;
mod codes;
mod decimal;
mod event;
mod event_json;
mod fill;
mod fixed;
mod instrument;
mod json;
mod market;
mod monitor;
mod name;
mod position;
mod record;
mod runner;
mod signal;
mod state;

pub use account::{Account, NS_PER_DAY};
pub use codes::{ChangeKind, EventKind, Reason, RejectReason, RunnerStatus, Side, Trigger};
pub use decimal::ParseFixedError;
pub use event::{Change, Event, EventBody};
pub use event_json::{JsonError, write_event_json, write_typed_event_json};
pub use fill::{Consequences, FillOutcome, PositionSummary};
pub use fixed::{DECIMALS, Money, Price, Qty, SCALE};
pub use instrument::{Instrument, InstrumentError, InstrumentId, Instruments, MAX_INSTRUMENTS};
pub use json::{JSON_BUF_CAPACITY, JsonBuf, JsonObject, JsonValue, write_string};
pub use market::Market;
pub use monitor::Monitor;
pub use name::{NameError, StrategyName, Symbol};
pub use position::{FillEffect, Position};
pub use record::{DecodeError, EventRecord};
pub use runner::{Counters, Runner};
pub use signal::{SIGNALS_PER_INSTRUMENT, SignalEntry, SignalLog};
pub use state::{Applied, ApplyError, STATE_FIELDS, STATE_LAYOUT_VERSION, State};
