//! Reconciliation in real runs ([`runtime::run`] in-process, the paper broker's book in
//! a file): each broker fault injected while the strategy trades; the mismatch is found
//! by the next round, synced (`adopt_broker`) or halted on (`halt`), and afterwards our
//! state equals the broker's book, quantity and average price; a broker that stalls
//! is found at the next interval; every run's events replay offline to the same
//! mismatches and syncs.
//!
//! Every wait polls a condition against a generous deadline and then fails saying
//! what it last saw; a failing test stops the run it started (a panic inside the
//! scope would otherwise wait forever for an endless run). Nothing asserts a
//! duration (detection times are printed, `--nocapture` shows them).

use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use seamless_config::{BrokerFaults, Config, ReconcilePolicy};
use seamless_core::broker::{BOOK_FILE_NAME, read_book};
use seamless_core::domain::{Change, Event, EventBody, EventKind, Reason, State};
use seamless_core::reconcile::replay;
use seamless_core::runtime::{self, RunOptions, RunSummary, StopFlag};
use seamless_core::shared::{SharedAttachError, SharedReader};
use seamless_ipc::broadcast::Start;
use seamless_ipc::reader_slot::ReaderSlot;

const DEADLINE: Duration = Duration::from_secs(120);
const TICKS: u64 = 4_000;

/// One run at a time: the machine may have two cores.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Polls `cond` until it holds (`Ok`); past [`DEADLINE`], fails with what it last
/// said (`Err`).
fn wait_for(what: &str, mut cond: impl FnMut() -> Result<(), String>) {
    let start = Instant::now();
    while let Err(last) = cond() {
        assert!(
            start.elapsed() < DEADLINE,
            "timed out after {DEADLINE:?} waiting for {what}; last seen: {last}"
        );
        thread::sleep(Duration::from_millis(2));
    }
}

/// `Ok` when `holds`, else `Err(why)`.
fn check(holds: bool, why: impl FnOnce() -> String) -> Result<(), String> {
    if holds { Ok(()) } else { Err(why()) }
}

/// Requests a stop when dropped: a panic in the test's scope then ends the run it
/// started (the scope joins its threads before the panic goes on).
struct StopOnDrop<'a>(&'a StopFlag);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.request(Reason::Error);
    }
}

fn config(name: &str, dir: &Path, faults: &str, policy: ReconcilePolicy) -> Config {
    let mut cfg = Config::default();
    cfg.core.name = name.to_owned();
    cfg.core.data_dir = dir.join("data");
    cfg.broker.persist_book = true;
    cfg.broker.faults = BrokerFaults::from_cli_spec(faults).unwrap();
    cfg.feed.synthetic.ticks = TICKS;
    cfg.feed.synthetic.rate_per_sec = 1_000;
    cfg.feed.exit_after_feed = false; // keep reconciling after the feed's end
    cfg.strategy.fast = 5;
    cfg.strategy.slow = 20;
    cfg.reconcile.interval_ms = 100;
    cfg.reconcile.timeout_ms = 200;
    cfg.reconcile.policy = policy;
    cfg
}

fn book_path(cfg: &Config) -> PathBuf {
    cfg.core.data_dir.join(BOOK_FILE_NAME)
}

fn attach(dir: &Path, name: &str) -> SharedReader {
    let mut reader = None;
    wait_for("the region", || {
        match SharedReader::attach(Some(dir), name) {
            Ok(r) => {
                reader = Some(r);
                Ok(())
            }
            Err(e @ (SharedAttachError::Starting | SharedAttachError::Region(_))) => {
                Err(e.to_string())
            }
            Err(e) => panic!("{e}"),
        }
    });
    reader.unwrap()
}

/// Follows the ring as a gating reader from seq 1 to `runner_stopped`.
fn follow(dir: &Path, name: &str, slot: &ReaderSlot) -> Vec<(u64, Event)> {
    let reader = attach(dir, name);
    let mut ring = reader.events(Start::Seq(1)).unwrap();
    let mut seen = Vec::new();
    let start = Instant::now();
    loop {
        match ring.try_next() {
            Ok(Some((seq, record))) => {
                let event = record.decode().unwrap();
                slot.set_cursor(seq + 1);
                slot.heartbeat(); // a silent gating reader is released as hung
                seen.push((seq, event));
                if event.kind() == EventKind::RunnerStopped {
                    return seen;
                }
            }
            Ok(None) => {
                // Twice the test's own deadline: a test that gives up stops the run
                // first, and its message is the one that says why.
                assert!(
                    start.elapsed() < 2 * DEADLINE,
                    "no runner_stopped within {:?}",
                    2 * DEADLINE
                );
                thread::sleep(Duration::from_micros(200));
            }
            Err(lagged) => panic!("a gating reader was lapped: {lagged}"),
        }
    }
}

/// Runs `cfg` with a gating follower; `until` is polled against the live region and
/// the book file, then the run is stopped. Returns the summary and every event.
fn run(
    dir: &Path,
    cfg: &Config,
    until: impl Fn(&SharedReader) -> Result<(), String> + Sync,
) -> (RunSummary, Vec<(u64, Event)>) {
    let name = cfg.core.name.as_str();
    let slot = ReaderSlot::create_fresh(Some(dir), name, "test", 99).unwrap();
    slot.set_cursor(1);
    slot.set_gating(true);
    let stop = StopFlag::new();
    let opts = RunOptions {
        shm_dir: Some(dir.to_owned()),
        stop: stop.clone(),
        ..RunOptions::default()
    };
    thread::scope(|s| {
        let _stop_on_panic = StopOnDrop(&stop);
        let follower = s.spawn(|| follow(dir, name, &slot));
        let core = s.spawn(|| runtime::run(cfg, opts));
        let reader = attach(dir, name);
        wait_for("the condition", || until(&reader));
        stop.request(Reason::Sigterm);
        let summary = core.join().unwrap().unwrap();
        (summary, follower.join().unwrap())
    })
}

fn feed_done(reader: &SharedReader) -> Result<(), String> {
    let ticks = reader.metrics().map(|(m, _)| m.ticks).unwrap_or(0);
    check(ticks >= TICKS, || format!("{ticks} of {TICKS} ticks fed"))
}

fn halted_for_reconciliation(reader: &SharedReader) -> Result<(), String> {
    let reason = reader.account().map(|(a, _)| a.halt_reason());
    check(matches!(reason, Ok(Some(Reason::Reconciliation))), || {
        format!("halt reason {reason:?}")
    })
}

/// Our positions (the region's rows) equal the broker's book, quantity and average
/// price, nothing open; else the first row that differs. (Reconciliation adopts both;
/// for positions of at most one unit, as `risk.max_position = 1` keeps these, a sync
/// reproduces the broker's cost basis exactly, so equality is exact: see
/// `reconcile::basis_agrees`.)
fn agrees_with_book(reader: &SharedReader, book: &Path) -> Result<(), String> {
    let ours = reader.positions().map_err(|e| format!("positions: {e}"))?;
    let theirs = read_book(book).map_err(|e| format!("book: {e}"))?;
    for (i, ((_, b), o)) in theirs.rows.iter().zip(&ours).enumerate() {
        check(
            (o.qty, o.avg_price, o.mismatch_open) == (b.qty, b.avg_price, 0),
            || {
                format!(
                    "instrument {i}: ours {} @ {} (mismatch open: {}), the broker's {} @ {}",
                    o.qty, o.avg_price, o.mismatch_open, b.qty, b.avg_price
                )
            },
        )?;
    }
    Ok(())
}

fn bodies(events: &[(u64, Event)]) -> impl Iterator<Item = &EventBody> {
    events.iter().map(|(_, e)| &e.body)
}

fn count(events: &[(u64, Event)], kind: EventKind) -> usize {
    bodies(events).filter(|b| b.kind() == kind).count()
}

fn fold(events: &[(u64, Event)]) -> State {
    let mut state = State::new();
    for (seq, e) in events {
        let _ = state.apply(*seq, e).unwrap();
    }
    state
}

/// The replay finds exactly the logged mismatches and syncs and the same state.
fn replays(events: &[(u64, Event)], policy: ReconcilePolicy) {
    let found = replay(State::new(), events.to_vec(), policy).unwrap();
    assert_eq!(
        found.mismatches.len(),
        count(events, EventKind::ReconciliationMismatch)
    );
    assert_eq!(found.syncs.len(), count(events, EventKind::PositionSynced));
    assert_eq!(found.state, fold(events));
}

/// For each out-of-band fault (after every `every`th reported fill), the first round
/// that reports its instrument after it must find the mismatch. Returns per fault
/// `Some(bound)`, the time from the last round before the fault to the round that found
/// it (both wall-clock request stamps: an upper bound of the detection time), or
/// `None` (not checked) when another fault on the instrument came between, or the
/// previous one had not been reconciled yet (two faults may cancel out).
fn oob_detections(events: &[(u64, Event)], every: usize) -> Vec<Option<u64>> {
    let fills: Vec<(usize, &Event)> = events
        .iter()
        .enumerate()
        .filter(|(_, (_, e))| {
            matches!(e.body, EventBody::TradeExecuted { order_id, .. } if order_id != 0)
        })
        .map(|(i, (_, e))| (i, e))
        .collect();
    let faults: Vec<(usize, &Event)> = fills
        .iter()
        .skip(every - 1)
        .step_by(every)
        .copied()
        .collect();
    let mut out = Vec::new();
    let snapshot_of = |e: &Event, id| matches!(e.body, EventBody::BrokerSnapshot { instrument, .. } if Some(instrument) == id);
    for (k, &(at, fill)) in faults.iter().enumerate() {
        let id = fill.body.instrument();
        let prev = faults[..k]
            .iter()
            .rev()
            .find(|(_, f)| f.body.instrument() == id);
        if let Some(&(prev, _)) = prev
            && !events[prev..at].iter().any(|(_, e)| snapshot_of(e, id))
        {
            out.push(None);
            continue;
        }
        let next_fault_on_id = faults[k + 1..]
            .iter()
            .find(|(_, f)| f.body.instrument() == id)
            .map_or(usize::MAX, |(i, _)| *i);
        let round = events[at..].iter().position(|(_, e)| snapshot_of(e, id));
        let Some(round) = round.map(|r| at + r) else {
            out.push(None);
            continue;
        };
        if round > next_fault_on_id {
            out.push(None);
            continue;
        }
        let found = matches!(
            events.get(round + 1).map(|(_, e)| e.body),
            Some(EventBody::ReconciliationMismatch { instrument, .. }) if Some(instrument) == id
        );
        assert!(
            found,
            "the round after the fault at seq {} missed it",
            events[at].0
        );
        let before = events[..at]
            .iter()
            .rev()
            .find(|(_, e)| e.kind() == EventKind::BrokerSnapshot)
            .map_or(0, |(_, e)| e.ts_ns);
        if before > 0 {
            out.push(Some(events[round].1.ts_ns.saturating_sub(before)));
        }
    }
    out
}

/// An `adopt_broker` run with `faults` that goes on until the feed is done and the
/// published positions agree with the paper broker's book; its config, book file,
/// summary and events.
fn adopt_run(
    name: &str,
    dir: &Path,
    faults: &str,
) -> (Config, PathBuf, RunSummary, Vec<(u64, Event)>) {
    let cfg = config(name, dir, faults, ReconcilePolicy::AdoptBroker);
    let book = book_path(&cfg);
    let (summary, events) = run(dir, &cfg, |r| {
        feed_done(r)?;
        agrees_with_book(r, &book)
    });
    (cfg, book, summary, events)
}

/// Folds `events` and asserts the state holds the broker's book (quantity and
/// average price of every instrument); returns the state.
fn assert_fold_matches_book(events: &[(u64, Event)], book: &Path) -> State {
    let state = fold(events);
    for (i, (_, b)) in read_book(book).unwrap().rows.iter().enumerate() {
        let o = state.positions()[i];
        assert_eq!((o.qty, o.avg_price), (b.qty, b.avg_price), "instrument {i}");
    }
    state
}

#[test]
fn out_of_band_fills_are_found_by_the_next_round_and_adopted() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let (cfg, book, summary, events) = adopt_run("rc-oob", dir.path(), "oob_fill_every=4");
    let totals = read_book(&book).unwrap().totals;
    assert!(totals.oob_fills > 0, "no fault was injected: {summary}");
    assert!(count(&events, EventKind::ReconciliationMismatch) > 0);
    assert!(count(&events, EventKind::PositionSynced) > 0);
    replays(&events, ReconcilePolicy::AdoptBroker);
    // Afterwards (the run over) the folded state equals the broker's book.
    assert_fold_matches_book(&events, &book);
    let detections: Vec<u64> = oob_detections(&events, 4).into_iter().flatten().collect();
    assert!(!detections.is_empty(), "no fault could be checked");
    let max = detections.iter().max().unwrap();
    let mean = detections.iter().sum::<u64>() / detections.len() as u64;
    eprintln!(
        "oob faults: {} injected, {} checked, each found by the next round; detection \
         bound (round before the fault -> round that found it): mean {} ms, max {} ms, \
         interval {} ms",
        totals.oob_fills,
        detections.len(),
        mean / 1_000_000,
        max / 1_000_000,
        cfg.reconcile.interval_ms
    );
}

#[test]
fn dropped_fill_reports_are_adopted_and_the_orders_forgotten() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let (_, book, summary, events) = adopt_run("rc-drop", dir.path(), "drop_fill_every=3");
    let totals = read_book(&book).unwrap().totals;
    assert!(totals.dropped > 0, "no fault was injected: {summary}");
    // Every order the broker took was answered, or its report dropped and adopted.
    let submitted = count(&events, EventKind::OrderSubmitted) as u64;
    assert_eq!(submitted, totals.orders, "the broker took every order once");
    let reported = bodies(&events)
        .filter(|b| matches!(b, EventBody::TradeExecuted { order_id, .. } if *order_id != 0))
        .count() as u64;
    assert_eq!(reported + totals.dropped, totals.fills);
    assert!(count(&events, EventKind::PositionSynced) > 0);
    assert_eq!(summary.pending_at_stop, 0, "dropped orders were forgotten");
    replays(&events, ReconcilePolicy::AdoptBroker);
}

#[test]
fn an_out_of_band_fill_with_a_lost_report_is_adopted_down_to_the_average_price() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    // The same fill has both faults: the broker books our order (its report lost) and
    // someone trades the same quantity back at the other side of the quote. The
    // quantities then agree (neither side moved, as far as the broker's net goes) but,
    // when a position was open, the broker's average price moved by the spread.
    let (_, book, summary, events) = adopt_run(
        "rc-oobdrop",
        dir.path(),
        "oob_fill_every=2,drop_fill_every=2",
    );
    let totals = read_book(&book).unwrap().totals;
    assert!(
        totals.oob_fills > 0 && totals.dropped > 0,
        "no fault was injected: {summary}"
    );
    let price_only: Vec<&EventBody> = bodies(&events)
        .filter(|b| {
            matches!(b, EventBody::ReconciliationMismatch {
                ours, broker, ours_avg_price, broker_avg_price, ..
            } if ours == broker && ours_avg_price != broker_avg_price)
        })
        .collect();
    assert!(
        !price_only.is_empty(),
        "no equal-quantity mismatch in {} mismatches ({} faults): {summary}",
        count(&events, EventKind::ReconciliationMismatch),
        totals.dropped
    );
    // Each was synced to the broker's average with its correction booked.
    for (i, (seq, e)) in events.iter().enumerate() {
        if let EventBody::ReconciliationMismatch {
            instrument,
            ours,
            broker,
            broker_avg_price,
            ..
        } = e.body
            && ours == broker
        {
            assert!(
                matches!(events[i + 1].1.body, EventBody::PositionSynced { instrument: id,
                    qty, avg_price, .. } if id == instrument && qty == broker
                    && avg_price == broker_avg_price),
                "seq {seq}: {:?} is not followed by its sync",
                e.body
            );
        }
    }
    replays(&events, ReconcilePolicy::AdoptBroker);
    // Afterwards the folded state equals the broker's book, average prices included,
    // and the books balance: equity - deposits = realized + unrealized.
    let state = assert_fold_matches_book(&events, &book);
    let a = state.account();
    assert_eq!(
        a.equity.checked_sub(a.net_deposits),
        a.realized_pnl.checked_add(a.unrealized_pnl)
    );
    eprintln!(
        "oob+drop: {} faults, {} mismatches, {} at equal quantities",
        totals.dropped,
        count(&events, EventKind::ReconciliationMismatch),
        price_only.len()
    );
}

#[test]
fn under_halt_a_mismatch_halts_trading_and_no_position_is_touched() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        "rc-halt",
        dir.path(),
        "oob_fill_every=2",
        ReconcilePolicy::Halt,
    );
    let (_, events) = run(dir.path(), &cfg, |r| {
        halted_for_reconciliation(r)?;
        feed_done(r)
    });
    assert!(count(&events, EventKind::ReconciliationMismatch) > 0);
    assert_eq!(count(&events, EventKind::PositionSynced), 0);
    let halt = EventBody::StateChanged {
        change: Change::Halted,
        reason: Reason::Reconciliation,
    };
    let at = events.iter().position(|(_, e)| e.body == halt).unwrap();
    assert_eq!(
        events[at - 1].1.kind(),
        EventKind::ReconciliationMismatch,
        "the halt follows the finding"
    );
    // After the halt only exits are sent: nothing the fold sees opens a position.
    let mut state = fold(&events[..=at]);
    for (seq, e) in &events[at + 1..] {
        if let EventBody::OrderSubmitted {
            instrument,
            side,
            qty,
            ..
        } = e.body
        {
            let held = state.position(instrument).unwrap().qty;
            let exit = held.signum() == -side.sign() && qty <= held.saturating_abs();
            assert!(exit, "seq {seq}: {:?} opens while halted", e.body);
        }
        let _ = state.apply(*seq, e).unwrap();
    }
    assert!(state.account().is_halted());
    replays(&events, ReconcilePolicy::Halt);
}

#[test]
fn a_broker_that_stalls_is_found_at_the_next_interval_and_trading_halts() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        "rc-stall",
        dir.path(),
        "stall_after=5",
        ReconcilePolicy::AdoptBroker,
    );
    let (summary, events) = run(dir.path(), &cfg, halted_for_reconciliation);
    let halt = EventBody::StateChanged {
        change: Change::Halted,
        reason: Reason::Reconciliation,
    };
    let at = events.iter().position(|(_, e)| e.body == halt).unwrap();
    let fills: Vec<&Event> = bodies(&events)
        .zip(&events)
        .filter(|(b, _)| b.kind() == EventKind::TradeExecuted)
        .map(|(_, (_, e))| e)
        .collect();
    assert_eq!(fills.len(), 5, "the broker answered exactly 5 orders");
    assert_eq!(read_book(&book_path(&cfg)).unwrap().totals.orders, 5);
    assert!(summary.orders >= 5, "{summary}");
    // No round was answered after the stall; the first unanswered one halted.
    let last_fill = events
        .iter()
        .rposition(|(_, e)| e.kind() == EventKind::TradeExecuted)
        .unwrap();
    assert!(at > last_fill);
    assert!(
        !events[last_fill..at]
            .iter()
            .any(|(_, e)| e.kind() == EventKind::BrokerSnapshot)
    );
    let detection = events[at].1.ts_ns.saturating_sub(fills[4].ts_ns);
    eprintln!(
        "stall: halted {} ms after the last answered fill (interval {} ms + timeout {} ms)",
        detection / 1_000_000,
        cfg.reconcile.interval_ms,
        cfg.reconcile.timeout_ms
    );
    replays(&events, ReconcilePolicy::AdoptBroker);
}
