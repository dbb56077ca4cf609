//! The engine's single-threaded decision logic: ticks and broker replies in; events,
//! orders and dirty rows out. The one writer of trading state.
//!
//! [`Engine`] owns the [`State`] (the fold), the [`Instruments`], the live quote of
//! every instrument, the strategy, risk and monitor settings, and the orders in flight.
//! Its inputs are [`on_tick`](Engine::on_tick), [`on_broker_reply`](Engine::on_broker_reply),
//! [`start`](Engine::start), [`stop`](Engine::stop), [`set_halted`](Engine::set_halted)
//! and [`poll_reconcile`](Engine::poll_reconcile) (reconciliation with the broker:
//! [`crate::reconcile`]);
//! its outputs go to an [`EventSink`] (the broadcast ring) and an [`OrderSink`] (the
//! broker ring), and [`take_dirty`](Engine::take_dirty) says which state rows to
//! republish. Threads, rings and shared memory are the runtime's: this module is pure
//! and testable without them.
//!
//! Progress: wait-free. After construction, `on_tick` and `on_broker_reply` never
//! allocate, lock, log or make a syscall; their work is bounded (a pending-order scan
//! of at most [`MAX_PENDING`], and a loop over instruments only when the daily loss
//! limit is breached with `flatten_on_breach`).
//!
//! # Example
//!
//! ```
//! use seamless_core::broker::{FillModel, Order, PaperBroker};
//! use seamless_core::domain::*;
//! use seamless_core::engine::{Engine, EngineSettings, Quote};
//! use seamless_core::strategy::SmaCross;
//!
//! let mut table = Instruments::new();
//! let id = table.add("ABC", "0.01".parse().unwrap(), Qty::ONE).unwrap();
//! let strategy = SmaCross::new(2, 3, Qty::ONE, false, table.len()).unwrap();
//! let mut engine = Engine::new(table.clone(), State::new(), Some(Box::new(strategy)),
//!                              EngineSettings::default()).unwrap();
//! let mut broker = PaperBroker::new(&table, FillModel::default());
//! let (mut events, mut orders) = (Vec::new(), Vec::<Order>::new());
//!
//! engine.start(1, Reason::Start, &mut events);
//! for (t, px) in [10, 9, 8, 9, 12, 13].into_iter().enumerate() {
//!     let p = Price::from_units(px).unwrap();
//!     let quote = Quote { bid: p, ask: p, last: p };
//!     engine.on_tick(id, 2 + t as u64, quote, &mut events, &mut orders);
//!     for order in orders.drain(..) {
//!         let reply = broker.on_order(&order);
//!         engine.on_broker_reply(&reply, &mut events, &mut Vec::new());
//!     }
//! }
//! assert_eq!(engine.state().position(id).unwrap().qty, Qty::ONE); // bought the cross
//! let kinds: Vec<_> = events.iter().map(|(_, r)| r.kind().unwrap().name()).collect();
//! assert!(kinds.contains(&"signal_detected") && kinds.contains(&"trade_executed"));
//! ```
//!
//! # Implementation
//!
//! 1. Every state change goes through one function, `emit`: it assigns the next
//!    sequence number, applies the event to the state, notes the dirty rows, hands
//!    `(seq, record)` to the event sink, and for a fill immediately does the same for
//!    the fill's consequences ([`FillOutcome::consequences`](crate::domain::FillOutcome::consequences)).
//!    Nothing else mutates the state, so the published events fold into exactly it.
//! 2. Events are stamped with the time of the input that caused them (tick or fill
//!    time), never a clock, so replaying the same inputs reproduces the same events.
//! 3. A tick: update the live quote; check the instrument's monitor (mark,
//!    `monitor_triggered`, exit order); emit the conflated mark when due and check the
//!    daily loss limit; run the strategy (`signal_detected`, then risk, then
//!    `order_submitted` or `order_rejected`).
//! 4. A fill: mark, `trade_executed` and its consequences, (re)arm the monitor, check
//!    the daily loss limit. A broker rejection: `order_rejected`, re-arm.
//! 5. Orders are sized `target - position - pending` and checked by risk against the
//!    position plus the orders in flight, so nothing is double-submitted. An order
//!    carries the client id `State::next_order_id` (kept above the highest id the
//!    broker reported seeing), and its `order_submitted` is published before the order
//!    is handed to the broker: a restart continues the ids, never reusing one.
//! 6. Reconciliation: positions requests on a schedule, each answer a
//!    `broker_snapshot` and the pure decision's events ([`crate::reconcile`]).
//!    (The LMAX "business logic processor": single-threaded, in-memory, event-sourced;
//!    M. Fowler, "The LMAX Architecture", 2011.)
//!
//! The engine must never read a clock, allocate or block on the hot path, or change
//! state other than through `emit`.

mod dirty;
mod emit;
mod lifecycle;
mod orders;
mod place;
mod protect;
mod quote;
mod reconcile;
mod reply;
mod setup;
mod sink;
mod tick;

use crate::domain::{InstrumentId, Instruments, MAX_INSTRUMENTS, State, StrategyName};
use crate::risk::Exposure;
use crate::strategy::Strategy;

pub use dirty::{Dirty, InstrumentSet};
pub use orders::{MAX_PENDING, Origin, PendingOrder, PendingOrders};
pub use quote::{LiveQuote, Quote};
pub use reconcile::ReconcileSettings;
pub use setup::{DEFAULT_MARK_INTERVAL_NS, EngineSettings, SetupError, instruments_from_config};
pub use sink::{EventSink, OrderSink, RequestLog, SubmitError};

/// Inputs the engine ignored or could not process; not part of the fold (they are not
/// state changes), published by the runtime as metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EngineStats {
    /// Ticks processed.
    pub ticks: u64,
    /// Ticks for an instrument not in the table (ignored).
    pub ignored_ticks: u64,
    /// Broker replies ignored: unknown instrument, fill quantity not > 0, or a
    /// rejection of an order not in flight.
    pub ignored_replies: u64,
    /// Fills booked that matched no order in flight (out-of-band fills).
    pub unmatched_fills: u64,
    /// Events the fold refused (an engine bug; the event was not published).
    pub apply_errors: u64,
    /// Reconciliation mismatches found.
    pub reconcile_mismatches: u64,
    /// Positions requests that went unanswered past `reconcile.timeout_ms`.
    pub reconcile_timeouts: u64,
    /// Orders in flight forgotten because the broker had processed them without a
    /// reply reaching us (a lost report).
    pub lost_orders: u64,
}

/// The configured strategy and its validated name.
struct Running {
    strategy: Box<dyn Strategy>,
    name: StrategyName,
}

/// The engine: see the module docs.
pub struct Engine {
    state: Box<State>,
    instruments: Instruments,
    /// Live quote per instrument id `0..instruments.len()`.
    quotes: Box<[LiveQuote]>,
    strategy: Option<Running>,
    settings: EngineSettings,
    orders: PendingOrders,
    dirty: Dirty,
    stats: EngineStats,
    reconcile: reconcile::Reconciler,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("instruments", &self.instruments.len())
            .field("last_seq", &self.state.last_seq())
            .field("strategy", &self.strategy_name())
            .field("pending", &self.orders.iter().count())
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// An engine over `instruments`, continuing from `state` (`State::new()` for a
    /// fresh run, or the restored state), with an optional strategy. Allocates.
    /// Everything starts dirty so the runtime publishes every row once.
    ///
    /// # Errors
    ///
    /// [`SetupError::StrategyName`] if the strategy's name is not a valid
    /// [`StrategyName`]; [`SetupError::TooManyInstruments`] beyond [`MAX_INSTRUMENTS`].
    pub fn new(
        instruments: Instruments,
        state: State,
        strategy: Option<Box<dyn Strategy>>,
        settings: EngineSettings,
    ) -> Result<Engine, SetupError> {
        let n = instruments.len();
        if n > MAX_INSTRUMENTS {
            return Err(SetupError::TooManyInstruments(n));
        }
        let strategy = match strategy {
            Some(s) => {
                let name = StrategyName::new(s.name()).map_err(SetupError::StrategyName)?;
                Some(Running { strategy: s, name })
            }
            None => None,
        };
        Ok(Engine {
            state: Box::new(state),
            quotes: vec![LiveQuote::default(); n].into_boxed_slice(),
            instruments,
            strategy,
            settings,
            orders: PendingOrders::default(),
            dirty: Dirty::all(n),
            stats: EngineStats::default(),
            reconcile: reconcile::Reconciler::new(ReconcileSettings::default()),
        })
    }

    /// The folded state.
    #[inline]
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The instrument table.
    #[inline]
    pub fn instruments(&self) -> &Instruments {
        &self.instruments
    }

    /// The settings.
    #[inline]
    pub fn settings(&self) -> &EngineSettings {
        &self.settings
    }

    /// `id`'s latest tick (every tick, not only marks); `None` before its first tick or
    /// for an unknown id.
    #[inline]
    pub fn quote(&self, id: InstrumentId) -> Option<&LiveQuote> {
        self.quotes.get(id.index()).filter(|q| q.ticks > 0)
    }

    /// The orders in flight.
    #[inline]
    pub fn pending(&self) -> &PendingOrders {
        &self.orders
    }

    /// `id`'s position and pending quantities.
    #[inline]
    pub fn exposure(&self, id: InstrumentId) -> Exposure {
        let position = self
            .state
            .position(id)
            .map_or(Default::default(), |p| p.qty);
        self.orders.exposure(id, position)
    }

    /// The strategy's name, if one runs.
    #[inline]
    pub fn strategy_name(&self) -> Option<&str> {
        self.strategy.as_ref().map(|s| s.name.as_str())
    }

    /// Counts of ignored inputs (metrics; not state).
    #[inline]
    pub fn stats(&self) -> &EngineStats {
        &self.stats
    }

    /// The rows changed since the last call, and clears them. The runtime calls it
    /// after each input (or batch) and republishes those rows.
    #[inline]
    pub fn take_dirty(&mut self) -> Dirty {
        std::mem::take(&mut self.dirty)
    }

    /// `true` if `id` is in the instrument table.
    #[inline]
    fn known(&self, id: InstrumentId) -> bool {
        id.index() < self.quotes.len()
    }
}
