//! [`State`]: all trading state, and [`State::apply`], the pure fold of events into it.
//!
//! The engine applies every event it publishes; the persister folds the same events into
//! its own copy for snapshots; restore folds the log after the newest snapshot. Because
//! the fold is deterministic (no clock, no floats, no hash-map order, no allocation),
//! all three reach the same state bit for bit. `State` is a `#[repr(C)]` zerocopy record
//! with no pointers, so a snapshot is its bytes ([`IntoBytes::as_bytes`]) and loading
//! one is [`FromBytes::read_from_bytes`] (behind the snapshot's checksum and
//! [`STATE_LAYOUT_VERSION`]).
//!
//! Progress: wait-free; `apply` is O(1) (it touches one instrument's rows and the
//! account) and never allocates, locks, logs or makes a syscall.
//!
//! # Example
//!
//! ```
//! use seamless_core::domain::{Event, EventBody, InstrumentId, Side, State};
//! let mut state = State::new();
//! let id = InstrumentId(0);
//! let px = |s: &str| s.parse().unwrap();
//! let events = [
//!     EventBody::TradeExecuted { order_id: 1, instrument: id, side: Side::Buy,
//!         qty: "10".parse().unwrap(), price: px("100"), fee: "1".parse().unwrap() },
//!     EventBody::MarketUpdate { instrument: id, bid: px("104.9"), ask: px("105.1"), last: px("105") },
//! ];
//! for (seq, body) in (1..).zip(events) {
//!     state.apply(seq, &Event::new(seq * 1_000, body)).unwrap();
//! }
//! let account = state.account();
//! assert_eq!(account.unrealized_pnl.to_string(), "50");
//! assert_eq!(account.realized_pnl.to_string(), "-1"); // the fee
//! assert_eq!(account.equity.to_string(), "49");
//! ```
//!
//! # Which events mutate what
//!
//! - `trade_executed`: the position (qty, cost basis, average price, realized P&L),
//!   cash, fees, account realized/unrealized P&L and market value; disarms the
//!   instrument's monitor if the position went flat or flipped; fill count, last order
//!   id. The only event that books trades.
//! - `market_update`: the market row (bid/ask/last/updated_ns) and so the mark:
//!   the position's `mark`/`mark_ns`/`marked`, position and account unrealized P&L,
//!   market value, equity, daily P&L.
//! - `position_synced`: the position's quantity and cost basis (`notional(avg_price,
//!   qty)`), the position's and the account's realized P&L (by the event's
//!   `realized_pnl`); closes the open mismatch. Cash never moves: the broker reports a
//!   quantity and an average price, not the cash of trades we never saw, so the sync
//!   invents no cash flow. The basis change is booked as realized P&L (the event's
//!   `realized_pnl` must be exactly [`Position::sync_correction`], else
//!   [`ApplyError::Inconsistent`]): at an unchanged quantity equity (`cash +
//!   market value`) does not move and what leaves unrealized P&L enters realized, so
//!   `equity - net_deposits = realized + unrealized` holds across it. A `realized_pnl`
//!   of 0 books nothing (how syncs were logged before corrections were booked: they
//!   fold exactly as they did, the basis change then showing in unrealized P&L only).
//! - `broker_snapshot`: the position's broker quantity, average price and time.
//! - `reconciliation_mismatch`: the position's broker quantity and open-mismatch flag.
//! - `monitor_armed`, `monitor_triggered`: the monitor row.
//! - `daily_loss_breached`: halted, with reason `daily_loss`.
//! - `state_changed`: halted/resumed, the daily loss limit, cash deposits/withdrawals.
//! - `runner_started`, `runner_stopped`: the runner row.
//! - `signal_detected`: the instrument's signal ring.
//! - `order_submitted`, `order_rejected`: counters and the last order id.
//! - `trade_exit_updated`, `position_updated`, `position_closed`: **nothing**. They are
//!   consequences of the preceding `trade_executed`, computed by the fold itself
//!   ([`FillOutcome::consequences`]); applying them again would double count.
//!   `position_updated` is verified against the state instead (a mismatch means the
//!   log and the fold diverged: [`ApplyError::Inconsistent`]).
//!
//! Every event also sets `last_seq`/`last_ts_ns`, counts in `counters.events`, and may
//! start a new trading day (UTC day of `ts_ns`; see [`Account`]). Halts are only lifted
//! by an explicit `state_changed` `resumed` (the engine may emit one with reason
//! `new_day`).
//!
//! # Market data and marks
//!
//! Ticks are not events: a million ticks per second must not pass through the event
//! ring or the log. Instead:
//!
//! 1. The engine publishes live market data (every tick) straight into the region's
//!    state section (a seqlock row per instrument). That is display data, outside the
//!    fold.
//! 2. Unrealized P&L, equity and daily P&L in the fold are valued at the **mark**, which
//!    only a `market_update` event sets (`mark = last`). The engine emits one per
//!    instrument (a) at most every N ms while the price moves (conflation) and (b)
//!    immediately before any event whose meaning depends on the price: a fill, a
//!    `monitor_triggered`, a `daily_loss_breached`. The engine's risk decisions read the
//!    folded state after (b), so what the engine decided on is exactly what restore
//!    rebuilds, and restore needs nothing but the log.
//! 3. Before an instrument's first mark its positions are valued at cost (unrealized 0).
//!
//! Alternatives rejected: putting every tick in the log (volume), carrying unrealized
//! P&L inside `position_updated` (it goes stale between fills, and the account total
//! could not be rebuilt without every instrument's price), and marking at fill prices
//! (a fill at the ask would show a spread-sized unrealized loss that is really slippage).
//!
//! # Implementation
//!
//! 1. [`apply`](State::apply) first validates (sequence after `last_seq`, instrument
//!    index below [`MAX_INSTRUMENTS`], fill quantity > 0, `position_updated` matching,
//!    a `position_synced` correction that is the basis change or 0);
//!    on an error nothing has changed.
//! 2. It rolls the trading day if the event's UTC day is later, then mutates the rows of
//!    the table above, then refreshes `equity = cash + market_value` and `daily_pnl`.
//! 3. Account totals (`market_value`, `unrealized_pnl`) move by the delta of the one
//!    position that changed, so no step loops over instruments.
//!
//! It must never read a clock, use a float, allocate, or depend on anything but the
//! state and the event.

use std::error::Error;
use std::fmt;
use std::mem::offset_of;

use zerocopy::{FromBytes, FromZeros, Immutable, IntoBytes, KnownLayout};

use super::account::{Account, NS_PER_DAY};
use super::codes::{EventKind, Reason, RunnerStatus, Side};
use super::event::{Change, Event, EventBody};
use super::fill::{FillOutcome, PositionSummary};
use super::fixed::{Money, Price, Qty};
use super::instrument::{InstrumentId, MAX_INSTRUMENTS};
use super::market::Market;
use super::monitor::Monitor;
use super::position::Position;
use super::runner::{Counters, Runner};
use super::signal::{SignalEntry, SignalLog};

/// Version of [`State`]'s byte layout *and* of the fold's semantics. Bump it on any
/// change to either: snapshots written under another version must be migrated or
/// rebuilt from the log, never loaded as they are (docs/versioning.md).
///
/// History: 1, the first; 2, [`Position`] gained `mark`, `mark_ns` and `marked` (16 to
/// 18 words), set whenever the fold revalues the position.
pub const STATE_LAYOUT_VERSION: u32 = 2;

/// [`State`]'s own fields as `(name, byte offset, size)`, in declaration order, for the
/// layout hashes (`shared::layout::STATE_RECORDS`): a field moved, resized or renamed
/// changes the hash even when the total size does not.
pub const STATE_FIELDS: [(&str, usize, usize); 9] = [
    ("last_seq", offset_of!(State, last_seq), size_of::<u64>()),
    (
        "last_ts_ns",
        offset_of!(State, last_ts_ns),
        size_of::<u64>(),
    ),
    ("account", offset_of!(State, account), size_of::<Account>()),
    ("runner", offset_of!(State, runner), size_of::<Runner>()),
    (
        "counters",
        offset_of!(State, counters),
        size_of::<Counters>(),
    ),
    (
        "positions",
        offset_of!(State, positions),
        size_of::<[Position; MAX_INSTRUMENTS]>(),
    ),
    (
        "market",
        offset_of!(State, market),
        size_of::<[Market; MAX_INSTRUMENTS]>(),
    ),
    (
        "monitors",
        offset_of!(State, monitors),
        size_of::<[Monitor; MAX_INSTRUMENTS]>(),
    ),
    (
        "signals",
        offset_of!(State, signals),
        size_of::<[SignalLog; MAX_INSTRUMENTS]>(),
    ),
];

/// All trading state. Mutated only by [`apply`](Self::apply); all-zero bytes are the
/// empty state ([`State::new`]).
#[derive(Clone, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct State {
    last_seq: u64,
    last_ts_ns: u64,
    account: Account,
    runner: Runner,
    counters: Counters,
    positions: [Position; MAX_INSTRUMENTS],
    market: [Market; MAX_INSTRUMENTS],
    monitors: [Monitor; MAX_INSTRUMENTS],
    signals: [SignalLog; MAX_INSTRUMENTS],
}

/// What [`State::apply`] did beyond updating state.
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// The event was applied; nothing further to publish.
    Done,
    /// A fill was applied; the engine publishes its
    /// [`consequences`](FillOutcome::consequences).
    Fill(FillOutcome),
}

/// Why an event was not applied (state is unchanged).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApplyError {
    /// The sequence number is not after the last applied one (a replayed duplicate).
    Stale {
        /// The event's sequence number.
        seq: u64,
        /// The state's last sequence number.
        last_seq: u64,
    },
    /// The instrument index is not below [`MAX_INSTRUMENTS`].
    UnknownInstrument(InstrumentId),
    /// A fill's quantity is not > 0.
    InvalidQty {
        /// The quantity.
        qty: Qty,
    },
    /// A `position_updated` disagrees with the folded position, or a `position_synced`
    /// books a correction that is not the basis change: the log and the fold have
    /// diverged.
    Inconsistent {
        /// The event kind.
        kind: EventKind,
        /// The instrument.
        instrument: InstrumentId,
    },
}

impl fmt::Display for ApplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApplyError::Stale { seq, last_seq } => {
                write!(
                    f,
                    "event seq {seq} is not after the last applied seq {last_seq}"
                )
            }
            ApplyError::UnknownInstrument(id) => {
                write!(
                    f,
                    "instrument {id} is beyond the {MAX_INSTRUMENTS}-instrument tables"
                )
            }
            ApplyError::InvalidQty { qty } => write!(f, "fill quantity {qty} is not > 0"),
            ApplyError::Inconsistent { kind, instrument } => write!(
                f,
                "{kind} for instrument {instrument} disagrees with the folded position"
            ),
        }
    }
}

impl Error for ApplyError {}

impl Default for State {
    fn default() -> Self {
        State::new()
    }
}

impl State {
    /// The empty state (all zeros): no events applied.
    pub fn new() -> Self {
        State::new_zeroed()
    }

    /// Sequence number of the last applied event (0 before the first).
    #[inline]
    pub const fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// Time of the last applied event.
    #[inline]
    pub const fn last_ts_ns(&self) -> u64 {
        self.last_ts_ns
    }

    /// The account.
    #[inline]
    pub const fn account(&self) -> &Account {
        &self.account
    }

    /// The runner.
    #[inline]
    pub const fn runner(&self) -> &Runner {
        &self.runner
    }

    /// Event counters.
    #[inline]
    pub const fn counters(&self) -> &Counters {
        &self.counters
    }

    /// The id the engine should give its next order (ids continue across restarts).
    #[inline]
    pub const fn next_order_id(&self) -> u64 {
        self.counters.last_order_id.saturating_add(1)
    }

    /// One instrument's position.
    #[inline]
    pub fn position(&self, id: InstrumentId) -> Option<&Position> {
        self.positions.get(id.index())
    }

    /// One instrument's folded market data and mark.
    #[inline]
    pub fn market(&self, id: InstrumentId) -> Option<&Market> {
        self.market.get(id.index())
    }

    /// One instrument's monitor.
    #[inline]
    pub fn monitor(&self, id: InstrumentId) -> Option<&Monitor> {
        self.monitors.get(id.index())
    }

    /// One instrument's recent signals.
    #[inline]
    pub fn signals(&self, id: InstrumentId) -> Option<&SignalLog> {
        self.signals.get(id.index())
    }

    /// All position rows, indexed by instrument id.
    #[inline]
    pub const fn positions(&self) -> &[Position; MAX_INSTRUMENTS] {
        &self.positions
    }

    /// All market rows, indexed by instrument id.
    #[inline]
    pub const fn markets(&self) -> &[Market; MAX_INSTRUMENTS] {
        &self.market
    }

    /// All monitor rows, indexed by instrument id.
    #[inline]
    pub const fn monitors(&self) -> &[Monitor; MAX_INSTRUMENTS] {
        &self.monitors
    }

    /// Applies one event (see the module docs for what each kind mutates).
    ///
    /// # Errors
    ///
    /// [`ApplyError`] for a stale sequence number, an instrument beyond the tables, a
    /// fill quantity that is not positive, or a `position_updated` (or a
    /// `position_synced` correction) that disagrees with the state. The state is
    /// unchanged on error.
    pub fn apply(&mut self, seq: u64, ev: &Event) -> Result<Applied, ApplyError> {
        let ix = self.check(seq, ev)?;
        let first = self.counters.events == 0;
        self.account.roll_day(ev.ts_ns / NS_PER_DAY, first);
        let applied = self.mutate(seq, ev, ix);
        self.last_seq = seq;
        self.last_ts_ns = ev.ts_ns;
        self.counters.events += 1;
        self.account.refresh();
        Ok(applied)
    }

    /// Validates `ev` against the state; returns its instrument index (0 if none).
    fn check(&self, seq: u64, ev: &Event) -> Result<usize, ApplyError> {
        if self.counters.events > 0 && seq <= self.last_seq {
            return Err(ApplyError::Stale {
                seq,
                last_seq: self.last_seq,
            });
        }
        let ix = match ev.instrument() {
            Some(id) if id.index() < MAX_INSTRUMENTS => id.index(),
            Some(id) => return Err(ApplyError::UnknownInstrument(id)),
            None => 0,
        };
        match ev.body {
            EventBody::TradeExecuted { qty, .. } if !qty.is_positive() => {
                Err(ApplyError::InvalidQty { qty })
            }
            EventBody::PositionUpdated {
                instrument,
                qty,
                avg_price,
                realized_pnl,
                unrealized_pnl,
            } => {
                let p = &self.positions[ix];
                let same = (p.qty, p.avg_price, p.realized_pnl, p.unrealized_pnl)
                    == (qty, avg_price, realized_pnl, unrealized_pnl);
                if same {
                    Ok(ix)
                } else {
                    Err(ApplyError::Inconsistent {
                        kind: EventKind::PositionUpdated,
                        instrument,
                    })
                }
            }
            // The booked correction is the exact basis change, or none (a sync logged
            // before corrections were booked): anything else would unbalance the books.
            EventBody::PositionSynced {
                instrument,
                qty,
                avg_price,
                realized_pnl,
            } if !realized_pnl.is_zero()
                && realized_pnl != self.positions[ix].sync_correction(qty, avg_price) =>
            {
                Err(ApplyError::Inconsistent {
                    kind: EventKind::PositionSynced,
                    instrument,
                })
            }
            _ => Ok(ix),
        }
    }

    fn mutate(&mut self, seq: u64, ev: &Event, ix: usize) -> Applied {
        use EventBody as B;
        let ts = ev.ts_ns;
        match ev.body {
            B::TradeExecuted {
                order_id,
                instrument,
                side,
                qty,
                price,
                fee,
            } => {
                let fill = self.fill(ix, order_id, instrument, side, qty, price, fee, ts);
                return Applied::Fill(fill);
            }
            B::MarketUpdate { bid, ask, last, .. } => {
                self.market[ix].update(bid, ask, last, ts);
                self.revalue(ix);
            }
            B::PositionSynced {
                qty,
                avg_price,
                realized_pnl,
                ..
            } => {
                let was = self.positions[ix].qty;
                self.positions[ix].sync(qty, avg_price, realized_pnl, ts);
                let a = &mut self.account;
                a.realized_pnl = a.realized_pnl.saturating_add(realized_pnl);
                self.revalue(ix);
                self.disarm_if_direction_changed(ix, was);
                self.counters.syncs += 1;
            }
            B::BrokerSnapshot { qty, avg_price, .. } => {
                self.positions[ix].broker_report(qty, Some(avg_price), ts)
            }
            B::ReconciliationMismatch { broker, .. } => {
                self.positions[ix].broker_report(broker, None, ts);
                self.positions[ix].mismatch_open = 1;
                self.positions[ix].mismatches += 1;
            }
            B::MonitorArmed { stop, target, .. } => self.monitors[ix].arm(stop, target, ts),
            B::MonitorTriggered { trigger, price, .. } => {
                self.monitors[ix].fired(trigger, price, ts);
                self.counters.monitor_triggers += 1;
            }
            B::DailyLossBreached { .. } => {
                self.account.breached_ns = ts;
                self.set_halted(true, Reason::DailyLoss, ts);
            }
            B::StateChanged { change, reason } => self.change(change, reason, ts),
            B::RunnerStarted { reason } => self.runner.set(RunnerStatus::Running, reason, ts),
            B::RunnerStopped { reason } => self.runner.set(RunnerStatus::Stopped, reason, ts),
            B::SignalDetected {
                side,
                strategy,
                price,
                qty,
                ..
            } => {
                self.signals[ix].push(SignalEntry::new(seq, ts, side, strategy, price, qty));
                self.counters.signals += 1;
            }
            B::OrderSubmitted { order_id, .. } => {
                self.counters.orders += 1;
                self.note_order(order_id);
            }
            B::OrderRejected { order_id, .. } => {
                self.counters.rejections += 1;
                self.note_order(order_id);
            }
            // Consequences of the preceding fill: already applied (see module docs).
            B::TradeExitUpdated { .. } | B::PositionUpdated { .. } | B::PositionClosed { .. } => {}
        }
        Applied::Done
    }

    #[allow(clippy::too_many_arguments)] // the fill's own fields, unpacked once
    fn fill(
        &mut self,
        ix: usize,
        order_id: u64,
        instrument: InstrumentId,
        side: Side,
        qty: Qty,
        price: Price,
        fee: Money,
        ts: u64,
    ) -> FillOutcome {
        let was = self.positions[ix].qty;
        let effect = self.positions[ix].apply_fill(side, qty, price, ts);
        self.revalue(ix);
        let a = &mut self.account;
        a.cash = a.cash.saturating_add(effect.cash_delta).saturating_sub(fee);
        a.fees = a.fees.saturating_add(fee);
        a.realized_pnl = a
            .realized_pnl
            .saturating_add(effect.realized_pnl)
            .saturating_sub(fee);
        self.disarm_if_direction_changed(ix, was);
        self.counters.fills += 1;
        self.note_order(order_id);
        FillOutcome {
            order_id,
            instrument,
            side,
            price,
            fee,
            effect,
            position: PositionSummary::from(&self.positions[ix]),
        }
    }

    fn change(&mut self, change: Change, reason: Reason, ts: u64) {
        match change {
            Change::Halted => self.set_halted(true, reason, ts),
            Change::Resumed => self.set_halted(false, reason, ts),
            Change::DailyLossLimit(limit) => self.account.daily_loss_limit = limit,
            Change::RingNearlyFull(_) | Change::RingDrained(_) => {}
            Change::CashAdjusted(amount) => {
                let a = &mut self.account;
                a.cash = a.cash.saturating_add(amount);
                a.net_deposits = a.net_deposits.saturating_add(amount);
                a.day_start_equity = a.day_start_equity.saturating_add(amount);
            }
        }
    }

    fn set_halted(&mut self, halted: bool, reason: Reason, ts: u64) {
        let a = &mut self.account;
        a.halted = u8::from(halted);
        a.halt_reason = if halted { reason.code() } else { 0 };
        a.halt_changed_ns = ts;
    }

    /// Revalues position `ix` at its mark (recording the mark in the position) and
    /// moves the account totals by the deltas.
    fn revalue(&mut self, ix: usize) {
        let market = &self.market[ix];
        let mark = market.mark();
        if let Some(price) = mark {
            self.positions[ix].set_mark(price, market.updated_ns);
        }
        let (value, unrealized) = self.positions[ix].revalue(mark);
        let a = &mut self.account;
        a.market_value = a.market_value.saturating_add(value);
        a.unrealized_pnl = a.unrealized_pnl.saturating_add(unrealized);
    }

    /// A monitor's levels belong to one direction: going flat or flipping disarms it
    /// (opening from flat does not, so a monitor may be armed before its entry fills).
    fn disarm_if_direction_changed(&mut self, ix: usize, was: Qty) {
        if !was.is_zero() && self.positions[ix].qty.signum() != was.signum() {
            self.monitors[ix].disarm();
        }
    }

    fn note_order(&mut self, order_id: u64) {
        self.counters.last_order_id = self.counters.last_order_id.max(order_id);
    }
}
