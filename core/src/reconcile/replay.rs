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
