//! The engine's side of reconciliation (protocol: [`crate::reconcile`]): asking the
//! broker for its positions on a [`Schedule`], turning each answer into
//! `broker_snapshot` and [`decide`]'s events, halting when no answer comes and
//! resuming when one does.

use seamless_config::{ReconcileConfig, ReconcilePolicy};

use super::Engine;
use super::sink::{EventSink, OrderSink};
use crate::domain::{EventBody, InstrumentId, Price, Qty, Reason};
use crate::reconcile::{Due, Schedule, decide};

/// How the engine reconciles (from `[reconcile]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReconcileSettings {
    /// What a mismatch leads to.
    pub policy: ReconcilePolicy,
    /// Time between rounds, in ns (0: only the first, at start).
    pub interval_ns: u64,
    /// How long an answer may take, in ns.
    pub timeout_ns: u64,
}

impl ReconcileSettings {
    /// From `[reconcile]`.
    pub fn from_config(config: &ReconcileConfig) -> Self {
        ReconcileSettings {
            policy: config.policy,
            interval_ns: config.interval_ms.saturating_mul(1_000_000),
            timeout_ns: config.timeout_ms.saturating_mul(1_000_000),
        }
    }
}

impl Default for ReconcileSettings {
    /// The defaults of `[reconcile]`.
    fn default() -> Self {
        ReconcileSettings::from_config(&ReconcileConfig::default())
    }
}

/// Reconciliation's state inside the engine (not trading state: nothing here is
/// folded; what matters is published as events).
#[derive(Clone, Copy, Debug)]
pub(super) struct Reconciler {
    settings: ReconcileSettings,
    schedule: Schedule,
    /// The stamp of the last request (stamps are made strictly increasing: they name
    /// the requests).
    last_request_ts: u64,
    /// Trading was halted by us for want of an answer.
    halted_unanswered: bool,
    /// No answer has completed yet (the start-up round).
    first_answer: bool,
    /// The answer being read raised a `halt`-policy mismatch.
    mismatch_halt: bool,
    /// The next order id must be at least this (above the broker's last seen id).
    pub(super) order_id_floor: u64,
}

impl Reconciler {
    pub(super) fn new(settings: ReconcileSettings) -> Self {
        Reconciler {
            settings,
            schedule: Schedule::new(settings.interval_ns, settings.timeout_ns),
            last_request_ts: 0,
            halted_unanswered: false,
            first_answer: true,
            mismatch_halt: false,
            order_id_floor: 0,
        }
    }
}

impl Engine {
    /// Replaces the reconciliation settings (and restarts the schedule: the first
    /// round is due at once). [`Engine::new`] uses [`ReconcileSettings::default`],
    /// [`Engine::from_config`] the config's.
    pub fn set_reconcile(&mut self, settings: ReconcileSettings) {
        let floor = self.reconcile.order_id_floor;
        self.reconcile = Reconciler::new(settings);
        self.reconcile.order_id_floor = floor;
    }

    /// The reconciliation settings.
    #[inline]
    pub fn reconcile_settings(&self) -> &ReconcileSettings {
        &self.reconcile.settings
    }

    /// The reconciliation timetable (rounds sent, waiting, overdue).
    #[inline]
    pub fn reconcile_schedule(&self) -> &Schedule {
        &self.reconcile.schedule
    }

    /// The monotonic time at which [`poll_reconcile`](Self::poll_reconcile) next has
    /// something to do (a comparison per loop is all the runtime spends before it).
    #[inline]
    pub fn reconcile_due_ns(&self) -> u64 {
        self.reconcile.schedule.next_poll_ns()
    }

    /// Drives reconciliation at monotonic `now_ns`: sends a positions request through
    /// `orders` when a round is due (stamped `ts_ns`, wall time, made unique), or, when
    /// the outstanding one is overdue, halts trading (`state_changed` halted,
    /// `reconciliation`; nothing if already halted). Returns what was due, so the
    /// runtime can say why. Never blocks: a full ring is retried at the next poll.
    pub fn poll_reconcile<E: EventSink, O: OrderSink>(
        &mut self,
        now_ns: u64,
        ts_ns: u64,
        events: &mut E,
        orders: &mut O,
    ) -> Due {
        let due = self.reconcile.schedule.poll(now_ns);
        match due {
            Due::Send => {
                let ts = ts_ns.max(self.reconcile.last_request_ts.saturating_add(1));
                if orders.request_positions(ts).is_ok() {
                    self.reconcile.last_request_ts = ts;
                    self.reconcile.schedule.sent(ts, now_ns);
                }
            }
            Due::Overdue => {
                self.stats.reconcile_timeouts += 1;
                if !self.state.account().is_halted() {
                    self.set_halted(true, ts_ns, Reason::Reconciliation, events);
                    self.reconcile.halted_unanswered = true;
                }
            }
            Due::Nothing => {}
        }
        due
    }

    /// One `Snapshot` of an answer: `broker_snapshot` (unless both sides are flat),
    /// then [`decide`]'s events; after an adopted position (a fill, or a sync of the
    /// average price alone, which moves the monitor's levels), the monitor is re-armed
    /// and the daily loss limit checked, as after any fill.
    pub(super) fn on_snapshot<E: EventSink, O: OrderSink>(
        &mut self,
        instrument: InstrumentId,
        qty: Qty,
        avg_price: Price,
        ts_ns: u64,
        events: &mut E,
        orders: &mut O,
    ) {
        if !self.known(instrument) {
            self.stats.ignored_replies += 1;
            return;
        }
        if qty.is_zero() && self.position_qty(instrument).is_zero() {
            return;
        }
        let body = EventBody::BrokerSnapshot {
            instrument,
            qty,
            avg_price,
        };
        self.emit(ts_ns, body, events);
        let policy = self.reconcile.settings.policy;
        let decision = decide(&self.state, instrument, qty, avg_price, policy);
        if decision.agrees() {
            return;
        }
        self.stats.reconcile_mismatches += 1;
        for body in decision.events() {
            self.emit(ts_ns, body, events);
        }
        if policy == ReconcilePolicy::Halt {
            self.reconcile.mismatch_halt = true;
        }
        if decision.sync.is_some() {
            self.protect(instrument, ts_ns, events);
            self.check_loss(ts_ns, events, orders);
        }
    }

    /// The `PositionsEnd` of an answer (step 3 of the protocol).
    pub(super) fn on_positions_end<E: EventSink>(
        &mut self,
        last_order_id: u64,
        ts_ns: u64,
        events: &mut E,
    ) {
        let r = &mut self.reconcile;
        r.schedule.answered(ts_ns);
        r.order_id_floor = r.order_id_floor.max(last_order_id.saturating_add(1));
        let ours = self.state.account().halt_reason() == Some(Reason::Reconciliation)
            && (r.halted_unanswered || r.first_answer);
        let resume = ours && !r.mismatch_halt;
        (r.halted_unanswered, r.first_answer, r.mismatch_halt) = (false, false, false);
        self.stats.lost_orders += self.orders.forget_up_to(last_order_id) as u64;
        if resume {
            self.set_halted(false, ts_ns, Reason::Reconciliation, events);
        }
    }

    /// `true` until the first answer completed (the start-up round) and while its
    /// request is neither answered nor overdue: the runtime waits for this to turn
    /// false before `runner_started`.
    #[inline]
    pub fn reconcile_starting(&self) -> bool {
        self.reconcile.first_answer
            && (self.reconcile.schedule.rounds() == 0 || self.reconcile.schedule.is_waiting())
    }
}
