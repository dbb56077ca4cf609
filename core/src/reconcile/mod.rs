//! Reconciliation with the broker: the pure decision ([`decide()`]), its timetable
//! ([`Schedule`]) and the offline check that a log reproduces it ([`replay()`]). The
//! engine drives them (`Engine::poll_reconcile` and the broker's replies); the runtime
//! only reads the clock.
//!
//! Progress: `decide` and `Schedule` are wait-free, allocation-free and clock-free;
//! `replay` allocates (a tool, not the hot path).
//!
//! # Example
//!
//! ```
//! use seamless_config::ReconcilePolicy;
//! use seamless_core::domain::*;
//! use seamless_core::reconcile::{decide, replay};
//! let (id, px): (InstrumentId, Price) = (InstrumentId(0), "100".parse().unwrap());
//! let (mut state, mut log) = (State::new(), Vec::new());
//! let mut publish = |state: &mut State, body| {
//!     let (seq, ev) = (state.last_seq() + 1, Event::new(1, body));
//!     let _ = state.apply(seq, &ev).unwrap(); // (a fill's consequences omitted here)
//!     log.push((seq, ev));
//! };
//! // We bought 1; the broker reports 0 (someone sold it on the broker's site).
//! publish(&mut state, EventBody::MarketUpdate { instrument: id, bid: px, ask: px, last: px });
//! publish(&mut state, EventBody::TradeExecuted { order_id: 1, instrument: id,
//!     side: Side::Buy, qty: Qty::ONE, price: px, fee: Money::ZERO });
//! publish(&mut state, EventBody::BrokerSnapshot { instrument: id, qty: Qty::ZERO,
//!     avg_price: Price::ZERO });
//! let decision = decide(&state, id, Qty::ZERO, Price::ZERO, ReconcilePolicy::AdoptBroker);
//! for body in decision.events() {
//!     publish(&mut state, body);
//! }
//! assert!(state.position(id).unwrap().is_flat());
//! assert_eq!(state.account().cash.to_string(), "0"); // sold back at the mark: no loss
//! let found = replay(State::new(), log, ReconcilePolicy::AdoptBroker).unwrap();
//! assert_eq!((found.mismatches.len(), found.syncs.len()), (1, 1));
//! assert_eq!(found.state, state);
//! ```
//!
//! # The protocol
//!
//! 1. At start (after restore, before `runner_started`) and then every
//!    `reconcile.interval_ms`, the engine sends `Positions { ts_ns }` down the order
//!    ring and goes on processing ticks. The broker answers one `Snapshot` per
//!    instrument and a `PositionsEnd { last_order_id, ts_ns }`, on the reply ring
//!    behind every fill it had booked before: so each snapshot is exactly consistent
//!    with the fills the engine has processed when it reads it. Orders still held by
//!    the broker are in neither book.
//! 2. Each snapshot in which either side holds a position becomes a `broker_snapshot`
//!    event (flat on both sides: nothing to learn, nothing logged). Right after it
//!    the engine publishes [`decide()`]'s events: nothing when the positions agree —
//!    equal quantities and, when not flat, equal cost bases (the broker's average
//!    price times the quantity against ours, within the rounding of a reported
//!    average: [`basis_agrees`]) — else `reconciliation_mismatch` {instrument, ours,
//!    broker, ours_avg_price, broker_avg_price} and, per `reconcile.policy`:
//!    - `adopt_broker`: when the quantities differ, a `trade_executed` with order id
//!      0 and no fee for the difference (at the price [`adopt_price`] names), which
//!      books the P&L effect through the ordinary fill accounting: cash moves by the
//!      notional, the closing part realizes P&L (with its `trade_exit_updated`,
//!      `position_updated`, `position_closed` consequences); then, always,
//!      `position_synced` {broker qty, broker avg, realized_pnl}, which sets the cost
//!      basis to the broker's and closes the mismatch. Its `realized_pnl` is the basis
//!      change the fill left over (none for an unreported opening fill, whose price
//!      gives the broker's basis; all of it when only the average price differs, as
//!      after an out-of-band fill whose counterpart's report was lost), booked as
//!      realized P&L with no cash: the broker reports no cash, so none is invented;
//!      equity is unchanged at an equal quantity, and `equity - net_deposits =
//!      realized + unrealized` still holds (the fold checks the amount: see
//!      [`State`](crate::domain::State)'s docs). Then, as after any fill, the monitor
//!      is re-armed (its levels follow the average price) and the daily loss limit
//!      checked.
//!    - `halt`: `state_changed` {halted, reconciliation}; positions are left alone.
//! 3. `PositionsEnd` completes the round: orders in flight with an id at or below
//!    `last_order_id` were processed by the broker but never answered (a lost report:
//!    the position sync above already booked them) and are forgotten; the engine's
//!    next order id is kept above `last_order_id` (the broker ignores ids it has
//!    seen); trading halted for want of an answer resumes, and so does a halt for
//!    reconciliation found in the state at start-up (a restart is the operator's act)
//!    when this answer raised no new halt.
//! 4. No answer within `reconcile.timeout_ms`: `state_changed` {halted,
//!    reconciliation} (the runtime also logs why). At start-up, `runner_started`
//!    follows, so the strategy runs but cannot open positions until an answer comes.
//!    A fresh request goes out every interval meanwhile.
//!
//! Everything the decision reads is in the log (the folded state after the
//! `broker_snapshot`, including the mark), so [`replay()`] re-derives every mismatch and
//! sync offline; the timeouts depend on the clock and are logged as the events above.
//!
//! (Reconciliation as a fold over recorded inputs: event sourcing, M. Fowler, 2005;
//! the broker is the system of record for positions, as in FIX position reports,
//! `RequestForPositions`/`PositionReport`.)
//!
//! It must never read a clock, allocate on the engine's path, or change state except
//! through events the engine emits.

mod decide;
mod replay;
mod schedule;

pub use decide::{Decision, adopt_price, basis_agrees, basis_tolerance, decide};
pub use replay::{ReplayError, Replayed, replay};
pub use schedule::{Answer, Due, Schedule};
