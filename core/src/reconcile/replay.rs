//! [`replay`]: re-derives every reconciliation decision of a run from its logged events
//! alone and checks that the log holds exactly those.

use std::error::Error;
use std::fmt;

use seamless_config::ReconcilePolicy;

use super::decide::decide;
use crate::domain::{ApplyError, Event, EventBody, EventKind, State};

/// What a replay found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replayed {
    /// `broker_snapshot` events seen.
    pub snapshots: u64,
    /// Every `reconciliation_mismatch`, with its sequence number.
    pub mismatches: Vec<(u64, EventBody)>,
    /// Every `position_synced`, with its sequence number.
    pub syncs: Vec<(u64, EventBody)>,
    /// The state after the last event.
    pub state: State,
}

/// Why a replay failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplayError {
    /// The fold refused an event.
    Apply {
        /// The event's sequence number.
        seq: u64,
        /// Why.
        error: ApplyError,
    },
    /// The log does not hold what the decision derived from it says.
    Diverged {
        /// The sequence number of the first event that differs (or of the last event,
        /// when the log ends before the decision's events).
        seq: u64,
        /// The event the decision calls for (`None`: no reconciliation event was due).
        expected: Option<EventBody>,
        /// The event in the log (`None`: the log ended).
        found: Option<EventBody>,
    },
}

impl fmt::Display for ReplayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplayError::Apply { seq, error } => write!(f, "event seq {seq}: {error}"),
            ReplayError::Diverged {
                seq,
                expected,
                found,
            } => write!(
                f,
                "event seq {seq}: reconciliation replay expected {expected:?}, the log has \
                 {found:?}"
            ),
        }
    }
}

impl Error for ReplayError {}

/// Folds `events` (in sequence order, from the first event of a state: the log from
/// sequence 1, or the events after a snapshot with `from` that snapshot's state) and,
/// at every `broker_snapshot`, recomputes [`decide`] on the folded state under
/// `policy`; the log must then hold exactly the decision's events next (a fill's
/// consequences aside), and no reconciliation event anywhere else.
///
/// Events are compared whole, so a mismatch must carry the very averages and a sync
/// the very correction the decision derives. A log written before reconciliation
/// compared average prices (its mismatches record none, its syncs book no correction,
/// and an equal quantity at another average went unreported) does not replay under
/// these rules; it still folds as it did.
///
/// # Errors
///
/// [`ReplayError`] at the first event the fold refuses or that differs.
///
/// # Examples
///
/// ```
/// use seamless_config::ReconcilePolicy;
/// use seamless_core::domain::{Event, EventBody, InstrumentId, Qty, State};
/// use seamless_core::reconcile::replay;
/// let id = InstrumentId(0);
/// let snap = EventBody::BrokerSnapshot { instrument: id, qty: Qty::ZERO,
///                                        avg_price: "1".parse().unwrap() };
/// let log = vec![(1, Event::new(5, snap))]; // flat on both sides: nothing follows
/// let found = replay(State::new(), log, ReconcilePolicy::AdoptBroker).unwrap();
/// assert_eq!((found.snapshots, found.mismatches.len()), (1, 0));
/// ```
pub fn replay(
    from: State,
    events: impl IntoIterator<Item = (u64, Event)>,
    policy: ReconcilePolicy,
) -> Result<Replayed, ReplayError> {
    let mut out = Replayed {
        snapshots: 0,
        mismatches: Vec::new(),
        syncs: Vec::new(),
        state: from,
    };
    let mut expected: Vec<EventBody> = Vec::new(); // reversed: the next one is last
    let mut last_seq = out.state.last_seq();
    for (seq, event) in events {
        last_seq = seq;
        let kind = event.kind();
        let consequence = matches!(
            kind,
            EventKind::TradeExitUpdated | EventKind::PositionUpdated | EventKind::PositionClosed
        );
        if !consequence || expected.is_empty() {
            check(seq, &event.body, &mut expected)?;
        }
        // A fill's consequences follow in the log; the fold recomputes them itself.
        let _ = out
            .state
            .apply(seq, &event)
            .map_err(|error| ReplayError::Apply { seq, error })?;
        match event.body {
            EventBody::BrokerSnapshot {
                instrument,
                qty,
                avg_price,
            } => {
                out.snapshots += 1;
                let d = decide(&out.state, instrument, qty, avg_price, policy);
                expected = d.events().collect();
                expected.reverse();
            }
            EventBody::ReconciliationMismatch { .. } => out.mismatches.push((seq, event.body)),
            EventBody::PositionSynced { .. } => out.syncs.push((seq, event.body)),
            _ => {}
        }
    }
    match expected.pop() {
        None => Ok(out),
        Some(want) => Err(ReplayError::Diverged {
            seq: last_seq,
            expected: Some(want),
            found: None,
        }),
    }
}

/// The next event must be the next expected one; with none expected, it must not be a
/// reconciliation event.
fn check(seq: u64, body: &EventBody, expected: &mut Vec<EventBody>) -> Result<(), ReplayError> {
    match expected.pop() {
        Some(want) if want == *body => Ok(()),
        Some(want) => Err(ReplayError::Diverged {
            seq,
            expected: Some(want),
            found: Some(*body),
        }),
        None if matches!(
            body,
            EventBody::ReconciliationMismatch { .. } | EventBody::PositionSynced { .. }
        ) =>
        {
            Err(ReplayError::Diverged {
                seq,
                expected: None,
                found: Some(*body),
            })
        }
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{InstrumentId, Money, Price, Qty, Side};

    fn px(s: &str) -> Price {
        s.parse().unwrap()
    }

    fn u(n: i64) -> Qty {
        Qty::from_units(n).unwrap()
    }

    const ID: InstrumentId = InstrumentId(0);

    /// 2 bought @ 100, marked at 104, then the broker reports 2 @ 103; the
    /// reconciliation events `decide` makes under `policy` follow, as the engine
    /// publishes them.
    fn price_only_log(policy: ReconcilePolicy) -> Vec<(u64, Event)> {
        let mut state = State::new();
        let mut log = Vec::new();
        let mut publish = |state: &mut State, body| {
            let seq = state.last_seq() + 1;
            let ev = Event::new(seq * 10, body);
            let _ = state.apply(seq, &ev).unwrap();
            log.push((seq, ev));
        };
        let mark = px("104");
        publish(
            &mut state,
            EventBody::MarketUpdate {
                instrument: ID,
                bid: mark,
                ask: mark,
                last: mark,
            },
        );
        publish(
            &mut state,
            EventBody::TradeExecuted {
                order_id: 1,
                instrument: ID,
                side: Side::Buy,
                qty: u(2),
                price: px("100"),
                fee: Money::ZERO,
            },
        );
        publish(
            &mut state,
            EventBody::BrokerSnapshot {
                instrument: ID,
                qty: u(2),
                avg_price: px("103"),
            },
        );
        for body in decide(&state, ID, u(2), px("103"), policy).events() {
            publish(&mut state, body);
        }
        log
    }

    #[test]
    fn a_price_only_mismatch_and_its_sync_replay_exactly() {
        let log = price_only_log(ReconcilePolicy::AdoptBroker);
        let found = replay(State::new(), log, ReconcilePolicy::AdoptBroker).unwrap();
        assert_eq!(found.snapshots, 1);
        assert_eq!(
            found.mismatches,
            vec![(
                4,
                EventBody::ReconciliationMismatch {
                    instrument: ID,
                    ours: u(2),
                    broker: u(2),
                    ours_avg_price: px("100"),
                    broker_avg_price: px("103"),
                }
            )]
        );
        assert_eq!(
            found.syncs,
            vec![(
                5,
                EventBody::PositionSynced {
                    instrument: ID,
                    qty: u(2),
                    avg_price: px("103"),
                    realized_pnl: "6".parse().unwrap(),
                }
            )]
        );
        let pos = found.state.position(ID).unwrap();
        assert_eq!((pos.avg_price, pos.mismatch_open), (px("103"), 0));
        let halted = price_only_log(ReconcilePolicy::Halt);
        let found = replay(State::new(), halted, ReconcilePolicy::Halt).unwrap();
        assert_eq!((found.mismatches.len(), found.syncs.len()), (1, 0));
        assert!(found.state.account().is_halted());
    }

    #[test]
    fn a_log_that_hides_a_price_only_mismatch_or_alters_it_diverges() {
        let log = price_only_log(ReconcilePolicy::AdoptBroker);
        // The finding left out (as quantity-only reconciliation logged it).
        let silent: Vec<(u64, Event)> = log[..3].to_vec();
        let err = replay(State::new(), silent, ReconcilePolicy::AdoptBroker).unwrap_err();
        assert!(
            matches!(
                err,
                ReplayError::Diverged {
                    seq: 3,
                    found: None,
                    ..
                }
            ),
            "{err}"
        );
        // The averages left out (as a log written before they were recorded).
        let mut bare = log.clone();
        if let EventBody::ReconciliationMismatch {
            ours_avg_price,
            broker_avg_price,
            ..
        } = &mut bare[3].1.body
        {
            (*ours_avg_price, *broker_avg_price) = (Price::ZERO, Price::ZERO);
        }
        let err = replay(State::new(), bare, ReconcilePolicy::AdoptBroker).unwrap_err();
        assert!(matches!(err, ReplayError::Diverged { seq: 4, .. }), "{err}");
        // The sync without its correction: it folds (as an old log would), but it is
        // not what the decision books.
        let mut unbooked = log;
        if let EventBody::PositionSynced { realized_pnl, .. } = &mut unbooked[4].1.body {
            *realized_pnl = Money::ZERO;
        }
        let err = replay(State::new(), unbooked, ReconcilePolicy::AdoptBroker).unwrap_err();
        assert!(matches!(err, ReplayError::Diverged { seq: 5, .. }), "{err}");
    }
}
