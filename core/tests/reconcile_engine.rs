//! Reconciliation in the engine without threads: the engine's requests go to a paper
//! broker with faults, the answers come back; each fault is found by the next round,
//! synced (`adopt_broker`) or halted on (`halt`); no answer halts and a late one
//! resumes; order ids stay above the broker's; `order_submitted` precedes the order;
//! and every decision replays from the events alone.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use seamless_config::{BrokerFaults, ReconcilePolicy};
use seamless_core::broker::{BrokerReply, BrokerRequest, FillModel, Order, PaperBroker};
use seamless_core::domain::*;
use seamless_core::engine::{
    Engine, EngineSettings, EventSink, OrderSink, ReconcileSettings, RequestLog, SubmitError,
};
use seamless_core::reconcile::{Due, replay};
use seamless_core::strategy::{Intent, Strategy};

const T0: u64 = 1_700_000_000_000_000_000;
const MS: u64 = 1_000_000;
const A: InstrumentId = InstrumentId(0);
const B: InstrumentId = InstrumentId(1);

fn p(s: &str) -> Price {
    s.parse().unwrap()
}
fn q(s: &str) -> Qty {
    s.parse().unwrap()
}

fn table() -> Instruments {
    let mut t = Instruments::new();
    t.add("AAA", p("0.01"), q("1")).unwrap();
    t.add("BBB", p("0.01"), q("1")).unwrap();
    t
}

/// A strategy the test steers: the intent last put in its slot, once.
#[derive(Clone, Default)]
struct Script(Arc<Mutex<Option<Intent>>>);

impl Script {
    fn next(&self, side: Side, target: &str) {
        *self.0.lock().unwrap() = Some(Intent::new(side, q(target)));
    }
}

impl Strategy for Script {
    fn name(&self) -> &str {
        "script"
    }
    fn on_price(&mut self, _: InstrumentId, _: u64, _: Price, _: Qty) -> Option<Intent> {
        self.0.lock().unwrap().take()
    }
}

/// The engine wired to a paper broker through request logs; replies are immediate.
struct Rig {
    engine: Engine,
    broker: PaperBroker,
    script: Script,
    events: Vec<(u64, EventRecord)>,
    ts: u64,
    /// Monotonic time for the schedule.
    now: u64,
}

const INTERVAL: u64 = 100 * MS;
const TIMEOUT: u64 = 20 * MS;

impl Rig {
    fn new(policy: ReconcilePolicy, faults: BrokerFaults) -> Rig {
        let t = table();
        let script = Script::default();
        let mut engine = Engine::new(
            t.clone(),
            State::new(),
            Some(Box::new(script.clone())),
            EngineSettings {
                mark_interval_ns: 0,
                ..EngineSettings::default()
            },
        )
        .unwrap();
        engine.set_reconcile(ReconcileSettings {
            policy,
            interval_ns: INTERVAL,
            timeout_ns: TIMEOUT,
        });
        let mut broker = PaperBroker::new(&t, FillModel::default());
        broker.set_faults(faults);
        let mut rig = Rig {
            engine,
            broker,
            script,
            events: Vec::new(),
            ts: T0,
            now: 0,
        };
        rig.reconcile(); // the start-up round: both flat
        rig.engine.start(T0, Reason::Start, &mut rig.events);
        rig
    }

    /// Hands every request to the broker and every reply back, until quiet.
    fn route(&mut self, mut out: RequestLog) {
        while !out.0.is_empty() {
            let mut next = RequestLog::default();
            for request in std::mem::take(&mut out.0) {
                let mut replies = Vec::new();
                match request {
                    BrokerRequest::Order(order) => replies.extend(self.broker.execute(&order)),
                    BrokerRequest::Positions { ts_ns } => {
                        replies.extend(self.broker.positions(ts_ns));
                        replies.push(self.broker.positions_end(ts_ns));
                    }
                }
                for reply in replies {
                    self.engine
                        .on_broker_reply(&reply, &mut self.events, &mut next);
                }
            }
            out = next;
        }
    }

    fn tick(&mut self, id: InstrumentId, px: &str) {
        self.ts += MS;
        let quote = seamless_core::engine::Quote {
            bid: p(px),
            ask: p(px),
            last: p(px),
        };
        let mut out = RequestLog::default();
        self.engine
            .on_tick(id, self.ts, quote, &mut self.events, &mut out);
        self.route(out);
    }

    fn trade(&mut self, id: InstrumentId, side: Side, target: &str, px: &str) {
        self.script.next(side, target);
        self.tick(id, px);
    }

    /// Polls the schedule at the current `now`; routes a request if one went out.
    fn reconcile(&mut self) -> Due {
        let mut out = RequestLog::default();
        let due = self
            .engine
            .poll_reconcile(self.now, self.ts, &mut self.events, &mut out);
        self.route(out);
        due
    }

    /// Moves the schedule's clock to the next round and runs it.
    fn next_round(&mut self) -> Due {
        self.now = self.engine.reconcile_due_ns();
        self.ts += MS;
        self.reconcile()
    }

    fn bodies(&self) -> Vec<EventBody> {
        self.events
            .iter()
            .map(|(_, r)| r.decode().unwrap().body)
            .collect()
    }

    fn count(&self, kind: EventKind) -> usize {
        self.bodies().iter().filter(|b| b.kind() == kind).count()
    }

    fn log(&self) -> Vec<(u64, Event)> {
        self.events
            .iter()
            .map(|(seq, r)| (*seq, r.decode().unwrap()))
            .collect()
    }

    fn assert_matches_broker(&self) {
        for id in [A, B] {
            let ours = self.engine.state().position(id).unwrap();
            let theirs = self.broker.position(id).unwrap();
            assert_eq!(
                (ours.qty, ours.avg_price, ours.mismatch_open),
                (theirs.qty, theirs.avg_price, 0),
                "{id}"
            );
        }
    }
}

fn faults(spec: &str) -> BrokerFaults {
    BrokerFaults::from_cli_spec(spec).unwrap()
}

#[test]
fn an_out_of_band_fill_is_found_by_the_next_round_and_adopted() {
    let mut rig = Rig::new(ReconcilePolicy::AdoptBroker, faults("oob_fill_every=2"));
    rig.tick(A, "100");
    rig.trade(A, Side::Buy, "3", "100"); // fill 1
    rig.trade(B, Side::Buy, "2", "50"); // fill 2: someone sells 2 B on the broker's site
    assert_eq!(rig.broker.totals().oob_fills, 1);
    assert_eq!(rig.engine.state().position(B).unwrap().qty, q("2"));
    rig.tick(B, "51");
    assert_eq!(rig.next_round(), Due::Send);
    let bodies = rig.bodies();
    let at = bodies
        .iter()
        .position(|b| matches!(b, EventBody::ReconciliationMismatch { .. }))
        .expect("a mismatch");
    assert_eq!(
        bodies[at - 1],
        EventBody::BrokerSnapshot {
            instrument: B,
            qty: Qty::ZERO,
            avg_price: Price::ZERO
        }
    );
    assert_eq!(
        bodies[at],
        EventBody::ReconciliationMismatch {
            instrument: B,
            ours: q("2"),
            broker: Qty::ZERO,
            ours_avg_price: p("50"),
            broker_avg_price: Price::ZERO,
        }
    );
    // The difference is booked as a sale at the mark (51): +2 realized, cash back.
    assert!(matches!(
        bodies[at + 1],
        EventBody::TradeExecuted { order_id: 0, instrument: B, side: Side::Sell, qty, price, .. }
            if qty == q("2") && price == p("51")
    ));
    assert!(bodies.contains(&EventBody::PositionSynced {
        instrument: B,
        qty: Qty::ZERO,
        avg_price: Price::ZERO,
        realized_pnl: Money::ZERO,
    }));
    rig.assert_matches_broker();
    let pos_b = rig.engine.state().position(B).unwrap();
    assert_eq!(pos_b.realized_pnl.to_string(), "2");
    // A's snapshot agreed: no mismatch for it.
    assert_eq!(rig.count(EventKind::ReconciliationMismatch), 1);
    let found = replay(State::new(), rig.log(), ReconcilePolicy::AdoptBroker).unwrap();
    assert_eq!((found.mismatches.len(), found.syncs.len()), (1, 1));
    assert_eq!(found.state, *rig.engine.state());
}

#[test]
fn fills_undone_out_of_band_are_synced_back_each_round() {
    let mut rig = Rig::new(ReconcilePolicy::AdoptBroker, faults("oob_fill_every=1"));
    rig.tick(A, "100");
    // We buy 1; the broker also books a sale of 1 (the opposite trade): it holds 0.
    // Then we sell to flat: the broker sells 1 and buys it back: -1 at 100.
    rig.trade(A, Side::Buy, "1", "100");
    rig.next_round();
    rig.assert_matches_broker();
    assert!(rig.engine.state().position(A).unwrap().is_flat());
    rig.trade(A, Side::Sell, "-2", "101");
    assert_eq!(rig.broker.position(A).unwrap().qty, Qty::ZERO);
    rig.next_round();
    rig.assert_matches_broker();
    let found = replay(State::new(), rig.log(), ReconcilePolicy::AdoptBroker).unwrap();
    assert_eq!(found.state, *rig.engine.state());
}

#[test]
fn a_dropped_fill_report_is_adopted_and_its_order_forgotten() {
    let mut rig = Rig::new(ReconcilePolicy::AdoptBroker, faults("drop_fill_every=1"));
    rig.tick(A, "100");
    rig.trade(A, Side::Buy, "4", "100");
    assert_eq!(
        rig.engine.pending().iter().count(),
        1,
        "the report never came"
    );
    assert!(rig.engine.state().position(A).unwrap().is_flat());
    rig.next_round();
    rig.assert_matches_broker();
    assert_eq!(rig.engine.pending().iter().count(), 0);
    assert_eq!(rig.engine.stats().lost_orders, 1);
    // The adopted fill opened at the broker's average: nothing realized, cash spent.
    let a = rig.engine.state().account();
    assert_eq!(
        (a.cash.to_string(), a.realized_pnl.to_string()),
        ("-400".into(), "0".into())
    );
    // The strategy sizes against the adopted position: target 4 is reached.
    rig.trade(A, Side::Buy, "4", "100");
    assert_eq!(rig.engine.pending().iter().count(), 0);
    assert_eq!(rig.broker.totals().orders, 1);
    replay(State::new(), rig.log(), ReconcilePolicy::AdoptBroker).unwrap();
}

/// A rig holding 3 A @ 100 on both sides, then an order whose fill the broker books
/// and whose report it loses, while someone trades the same quantity the other way on
/// the broker's site: the quantities still agree, the average prices do not (3 @ 100
/// here, 3 @ 102.5 there: bought 1 @ 110, sold 1 @ 110 at the average cost).
fn equal_quantities_apart_in_price(policy: ReconcilePolicy) -> Rig {
    let mut rig = Rig::new(policy, BrokerFaults::default());
    rig.tick(A, "100");
    rig.trade(A, Side::Buy, "3", "100");
    rig.next_round();
    assert_eq!(rig.count(EventKind::ReconciliationMismatch), 0);
    rig.broker
        .set_faults(faults("oob_fill_every=1,drop_fill_every=1"));
    rig.trade(A, Side::Buy, "4", "110");
    let (ours, theirs) = (
        *rig.engine.state().position(A).unwrap(),
        *rig.broker.position(A).unwrap(),
    );
    assert_eq!((ours.qty, ours.avg_price), (q("3"), p("100")));
    assert_eq!((theirs.qty, theirs.avg_price), (q("3"), p("102.5")));
    rig
}

#[test]
fn equal_quantities_at_different_average_prices_are_found_and_adopted() {
    let mut rig = equal_quantities_apart_in_price(ReconcilePolicy::AdoptBroker);
    let before = *rig.engine.state().account();
    let from = rig.events.len();
    rig.next_round();
    let bodies: Vec<EventBody> = rig.bodies().split_off(from);
    let at = bodies
        .iter()
        .position(|b| b.kind() == EventKind::ReconciliationMismatch)
        .expect("a mismatch");
    assert_eq!(
        bodies[at],
        EventBody::ReconciliationMismatch {
            instrument: A,
            ours: q("3"),
            broker: q("3"),
            ours_avg_price: p("100"),
            broker_avg_price: p("102.5"),
        }
    );
    // No quantity to book: the sync alone moves the basis 300 -> 307.5, realized.
    assert_eq!(
        bodies[at + 1],
        EventBody::PositionSynced {
            instrument: A,
            qty: q("3"),
            avg_price: p("102.5"),
            realized_pnl: "7.5".parse().unwrap(),
        }
    );
    assert!(
        !bodies
            .iter()
            .any(|b| matches!(b, EventBody::TradeExecuted { order_id: 0, .. }))
    );
    rig.assert_matches_broker();
    let a = rig.engine.state().account();
    assert_eq!((a.cash, a.equity), (before.cash, before.equity), "no cash");
    assert_eq!(
        a.realized_pnl,
        before
            .realized_pnl
            .checked_add("7.5".parse().unwrap())
            .unwrap()
    );
    assert_eq!(
        a.equity.checked_sub(a.net_deposits),
        a.realized_pnl.checked_add(a.unrealized_pnl),
        "the books balance"
    );
    assert_eq!(
        rig.engine.pending().iter().count(),
        0,
        "the order is forgotten"
    );
    // The next round agrees; the log replays to the same findings and state.
    rig.next_round();
    assert_eq!(rig.count(EventKind::ReconciliationMismatch), 1);
    let found = replay(State::new(), rig.log(), ReconcilePolicy::AdoptBroker).unwrap();
    assert_eq!((found.mismatches.len(), found.syncs.len()), (1, 1));
    assert_eq!(found.mismatches[0].1, bodies[at]);
    assert_eq!(found.state, *rig.engine.state());
}

#[test]
fn equal_quantities_at_different_average_prices_halt_under_halt() {
    let mut rig = equal_quantities_apart_in_price(ReconcilePolicy::Halt);
    rig.next_round();
    assert_eq!(
        rig.engine.state().account().halt_reason(),
        Some(Reason::Reconciliation)
    );
    let pos = rig.engine.state().position(A).unwrap();
    assert_eq!(
        (
            pos.qty,
            pos.avg_price,
            pos.broker_avg_price,
            pos.mismatch_open
        ),
        (q("3"), p("100"), p("102.5"), 1),
        "the position is left alone, the finding open"
    );
    assert_eq!(rig.count(EventKind::PositionSynced), 0);
    let found = replay(State::new(), rig.log(), ReconcilePolicy::Halt).unwrap();
    assert_eq!((found.mismatches.len(), found.syncs.len()), (1, 0));
    assert!(replay(State::new(), rig.log(), ReconcilePolicy::AdoptBroker).is_err());
}

#[test]
fn under_halt_a_mismatch_halts_trading_and_leaves_positions_alone() {
    let mut rig = Rig::new(ReconcilePolicy::Halt, faults("oob_fill_every=1"));
    rig.tick(A, "100");
    rig.trade(A, Side::Buy, "1", "100");
    rig.next_round();
    let a = rig.engine.state().account();
    assert_eq!(a.halt_reason(), Some(Reason::Reconciliation));
    let pos = rig.engine.state().position(A).unwrap();
    assert_eq!(
        (pos.qty, pos.broker_qty, pos.mismatch_open),
        (q("1"), Qty::ZERO, 1)
    );
    assert_eq!(rig.count(EventKind::PositionSynced), 0);
    // New opening orders are refused while halted; the next round repeats the finding
    // but does not resume.
    rig.trade(B, Side::Buy, "1", "10");
    assert!(rig.bodies().iter().any(|b| matches!(
        b,
        EventBody::OrderRejected {
            reason: RejectReason::Halted,
            ..
        }
    )));
    rig.next_round();
    assert_eq!(rig.count(EventKind::ReconciliationMismatch), 2);
    assert!(rig.engine.state().account().is_halted());
    let found = replay(State::new(), rig.log(), ReconcilePolicy::Halt).unwrap();
    assert_eq!((found.mismatches.len(), found.syncs.len()), (2, 0));
    // The same log does not replay under the other policy.
    assert!(replay(State::new(), rig.log(), ReconcilePolicy::AdoptBroker).is_err());
}

#[test]
fn no_answer_at_start_halts_and_a_late_answer_resumes() {
    let t = table();
    let mut engine =
        Engine::from_config(&seamless_config::Config::default(), State::new()).unwrap();
    engine.set_reconcile(ReconcileSettings {
        policy: ReconcilePolicy::AdoptBroker,
        interval_ns: INTERVAL,
        timeout_ns: TIMEOUT,
    });
    let mut events = Vec::new();
    let mut out = RequestLog::default();
    assert!(engine.reconcile_starting());
    assert_eq!(
        engine.poll_reconcile(0, T0, &mut events, &mut out),
        Due::Send
    );
    let BrokerRequest::Positions { ts_ns } = out.0[0] else {
        panic!("{out:?}")
    };
    assert!(engine.reconcile_starting());
    assert_eq!(engine.reconcile_due_ns(), TIMEOUT);
    assert_eq!(
        engine.poll_reconcile(TIMEOUT - 1, T0, &mut events, &mut out),
        Due::Nothing
    );
    assert_eq!(
        engine.poll_reconcile(TIMEOUT, T0 + 1, &mut events, &mut out),
        Due::Overdue
    );
    assert!(!engine.reconcile_starting(), "the runtime goes on, halted");
    let last = events.last().unwrap().1.decode().unwrap().body;
    assert_eq!(
        last,
        EventBody::StateChanged {
            change: Change::Halted,
            reason: Reason::Reconciliation
        }
    );
    engine.start(T0 + 2, Reason::Start, &mut events);
    // The broker answers late (flat): trading resumes.
    let broker = PaperBroker::new(&t, FillModel::default());
    let end = broker.positions_end(ts_ns);
    for reply in broker.positions(ts_ns).chain([end]) {
        engine.on_broker_reply(&reply, &mut events, &mut out);
    }
    assert!(!engine.state().account().is_halted());
    assert_eq!(engine.stats().reconcile_timeouts, 1);
}

#[test]
fn a_stalled_broker_is_found_at_the_next_interval() {
    let mut rig = Rig::new(ReconcilePolicy::AdoptBroker, faults("stall_after=1"));
    rig.tick(A, "100");
    rig.trade(A, Side::Buy, "1", "100");
    assert!(rig.broker.is_stalled());
    // A stalled broker: the request is sent but never answered.
    let mut out = RequestLog::default();
    rig.now = rig.engine.reconcile_due_ns();
    let due = rig
        .engine
        .poll_reconcile(rig.now, rig.ts, &mut rig.events, &mut out);
    assert_eq!((due, out.0.len()), (Due::Send, 1));
    rig.now = rig.engine.reconcile_due_ns();
    assert_eq!(
        rig.now,
        INTERVAL + TIMEOUT,
        "overdue one timeout after the round"
    );
    let due = rig
        .engine
        .poll_reconcile(rig.now, rig.ts, &mut rig.events, &mut out);
    assert_eq!(due, Due::Overdue);
    assert_eq!(
        rig.engine.state().account().halt_reason(),
        Some(Reason::Reconciliation)
    );
}

#[test]
fn order_ids_stay_above_the_brokers_and_order_submitted_comes_first() {
    let t = table();
    let script = Script::default();
    let mut engine = Engine::new(
        t.clone(),
        State::new(),
        Some(Box::new(script.clone())),
        EngineSettings::default(),
    )
    .unwrap();
    let mut events = Counted::default();
    // The broker has seen ids up to 41 (e.g. a book kept from an earlier run).
    let end = BrokerReply::PositionsEnd {
        last_order_id: 41,
        ts_ns: 1,
    };
    let mut sink = Checked {
        published: events.published.clone(),
        orders: Vec::new(),
    };
    engine.on_broker_reply(&end, &mut events, &mut sink);
    script.next(Side::Buy, "1");
    let quote = seamless_core::engine::Quote {
        bid: p("10"),
        ask: p("10"),
        last: p("10"),
    };
    engine.on_tick(A, T0, quote, &mut events, &mut sink);
    assert_eq!(sink.orders, [42]);
    assert_eq!(engine.state().counters().last_order_id, 42);
}

/// Counts published events and remembers `order_submitted` ids.
#[derive(Default)]
struct Counted {
    published: Rc<Cell<Option<u64>>>,
}

impl EventSink for Counted {
    fn publish(&mut self, _: u64, record: &EventRecord) {
        if let Ok(EventBody::OrderSubmitted { order_id, .. }) = record.decode().map(|e| e.body) {
            self.published.set(Some(order_id));
        }
    }
}

/// Takes orders only after their `order_submitted` was published.
struct Checked {
    published: Rc<Cell<Option<u64>>>,
    orders: Vec<u64>,
}

impl OrderSink for Checked {
    fn submit(&mut self, order: &Order) -> Result<(), SubmitError> {
        assert_eq!(self.published.get(), Some(order.order_id));
        self.orders.push(order.order_id);
        Ok(())
    }
}
