//! Start, stop, and operator halts.

use super::Engine;
use super::sink::EventSink;
use crate::domain::{Change, EventBody, Reason};

impl Engine {
    /// Publishes `runner_started` with `reason` (`start`, or `restore` after a
    /// restore), then `state_changed` `daily_loss_limit` if the configured limit
    /// differs from the folded one (the fold's limit is what the breach check reads,
    /// so it must come from an event).
    pub fn start<E: EventSink>(&mut self, ts_ns: u64, reason: Reason, events: &mut E) {
        self.emit(ts_ns, EventBody::RunnerStarted { reason }, events);
        let limit = self.settings.risk.daily_loss_limit();
        if self.state.account().daily_loss_limit != limit {
            let change = Change::DailyLossLimit(limit);
            let reason = Reason::Config;
            self.emit(ts_ns, EventBody::StateChanged { change, reason }, events);
        }
    }

    /// Publishes `runner_stopped` with `reason`. The runtime drains the rings (and
    /// feeds the last replies to [`on_broker_reply`](Self::on_broker_reply)) first.
    pub fn stop<E: EventSink>(&mut self, ts_ns: u64, reason: Reason, events: &mut E) {
        self.emit(ts_ns, EventBody::RunnerStopped { reason }, events);
    }

    /// Halts trading (new opening orders are rejected; exits still go) or resumes it,
    /// with `reason` (e.g. `operator`, `persistence_lag`, `new_day`): a `state_changed`
    /// event, unless it is already in that state.
    pub fn set_halted<E: EventSink>(
        &mut self,
        halted: bool,
        ts_ns: u64,
        reason: Reason,
        events: &mut E,
    ) {
        if self.state.account().is_halted() == halted {
            return;
        }
        let change = if halted {
            Change::Halted
        } else {
            Change::Resumed
        };
        self.emit(ts_ns, EventBody::StateChanged { change, reason }, events);
    }
}

impl Engine {
    /// Reports the event ring's pressure from the gating persister: `state_changed`
    /// `ring_nearly_full` or `ring_drained` with the events it holds (reason
    /// `persistence_lag`). Once drained, trading resumes if it was halted for
    /// persistence lag (the `halt_trading` gating policy); a halt for any other reason
    /// stays.
    pub fn note_ring_pressure<E: EventSink>(
        &mut self,
        nearly_full: bool,
        held: u64,
        ts_ns: u64,
        events: &mut E,
    ) {
        let change = if nearly_full {
            Change::RingNearlyFull(held)
        } else {
            Change::RingDrained(held)
        };
        let reason = Reason::PersistenceLag;
        self.emit(ts_ns, EventBody::StateChanged { change, reason }, events);
        let account = self.state.account();
        if !nearly_full && account.is_halted() && account.halt_reason() == Some(reason) {
            self.set_halted(false, ts_ns, reason, events);
        }
    }
}
