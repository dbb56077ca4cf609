//! Reconciliation with real processes: `seamless core --broker-faults ...` injects the
//! faults named on the command line and reconciles them away; and the core killed with
//! SIGKILL between an `order_submitted` and its fill, then restarted over its data
//! directory (persister running, the paper broker's book in a file), never executes an
//! order twice and ends with the broker's positions, in both cases of the kill: the
//! order still held by the broker (it dies with the core), and the order booked by the
//! broker with its report lost (the restart's start-up round adopts it).
//!
//! Every wait polls against a generous deadline; nothing asserts a duration.

mod common;

use std::collections::HashSet;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use common::{Proc, ShmDir, attach, wait_for};
use seamless_core::broker::{BOOK_FILE_NAME, StoredBook, read_book};
use seamless_core::domain::{Event, EventBody, EventKind, Reason};
use seamless_core::shared::SharedReader;
use seamless_ipc::broadcast::Start;
use seamless_ipc::reader_slot::ReaderSlotView;
use seamless_persist::tools::dump::for_each_event;

/// One instance: shared-memory dir, data dir, logs, and config files by name.
struct Setup {
    shm: ShmDir,
    root: tempfile::TempDir,
    name: String,
}

const BASE: &str = "\
[feed.synthetic]
rate_per_sec = 2000
[strategy]
fast = 3
slow = 8
[broker]
persist_book = true
[persist]
snapshot_every_events = 100000000
snapshot_every_secs = 0
";

impl Setup {
    fn new(test: &str) -> Setup {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("logs")).unwrap();
        Setup {
            shm: ShmDir::new(test),
            root,
            name: test.to_owned(),
        }
    }

    /// Writes config `label` = [`BASE`] with `broker`'s keys and `reconcile`'s section.
    fn config(&self, label: &str, broker: &str, reconcile: &str) -> PathBuf {
        let text = BASE.replace(
            "persist_book = true",
            &format!("persist_book = true\n{broker}"),
        );
        let path = self.root.path().join(format!("{label}.toml"));
        std::fs::write(&path, format!("{text}[reconcile]\n{reconcile}\n")).unwrap();
        path
    }

    fn data(&self) -> PathBuf {
        self.root.path().join("data")
    }

    fn book(&self) -> StoredBook {
        read_book(&self.data().join(BOOK_FILE_NAME)).unwrap()
    }

    /// What a failed wait for agreement last saw (never panics).
    fn describe_difference(&self, reader: &SharedReader) -> String {
        match read_book(&self.data().join(BOOK_FILE_NAME)) {
            Ok(book) => book_difference(reader, &book).unwrap_or_else(|| "agrees".into()),
            Err(e) => format!("book: {e}"),
        }
    }

    fn start(&self, label: &str, cmd: &str, config: &Path, extra: &[&str]) -> Proc {
        let data = self.data();
        let mut args = vec![
            cmd,
            "--config",
            config.to_str().unwrap(),
            "--name",
            &self.name,
            "--data-dir",
            data.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        Proc::start(
            self.shm.path(),
            &self.root.path().join("logs"),
            label,
            &args,
        )
    }

    fn core(&self, config: &Path, extra: &[&str]) -> Proc {
        let mut args = vec!["--feed", "synthetic"];
        args.extend_from_slice(extra);
        self.start("core", "core", config, &args)
    }

    fn persister(&self, config: &Path) -> Proc {
        self.start("persist", "persist", config, &["--wait"])
    }

    /// The persister's durable cursor (0 without a slot).
    fn durable(&self) -> u64 {
        ReaderSlotView::open(Some(self.shm.path()), &self.name, "persist")
            .map(|v| v.durable_cursor())
            .unwrap_or(0)
    }

    /// Every logged event, in order.
    fn logged(&self) -> Vec<(u64, Event)> {
        let mut out = Vec::new();
        let problems = for_each_event(&self.data(), 1, |_, seq, record| {
            out.push((seq, record.decode().unwrap()));
            ControlFlow::Continue(())
        })
        .unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        out
    }
}

/// Where our positions (the live region's rows) differ from the broker's book in
/// quantity or average price, or a mismatch is open: `None` when they agree.
/// (Reconciliation adopts both; positions here stay within one unit, for which a
/// sync reproduces the broker's cost basis exactly, so equality is exact.)
fn book_difference(reader: &SharedReader, book: &StoredBook) -> Option<String> {
    let ours = match reader.positions() {
        Ok(ours) => ours,
        Err(e) => return Some(format!("positions: {e}")),
    };
    book.rows
        .iter()
        .zip(&ours)
        .enumerate()
        .find(|(_, ((_, b), o))| (o.qty, o.avg_price, o.mismatch_open) != (b.qty, b.avg_price, 0))
        .map(|(i, ((_, b), o))| {
            format!(
                "instrument {i}: ours {} @ {} (mismatch open: {}), the broker's {} @ {}",
                o.qty, o.avg_price, o.mismatch_open, b.qty, b.avg_price
            )
        })
}

fn agrees_with_book(reader: &SharedReader, book: &StoredBook) -> bool {
    book_difference(reader, book).is_none()
}

fn stop(proc: &mut Proc) {
    proc.signal("-TERM");
    let status = proc.wait();
    assert!(status.success(), "{status}: {}", proc.logs());
}

/// No client order id was submitted or executed twice.
fn no_duplicates(events: &[(u64, Event)]) {
    let mut submitted = HashSet::new();
    let mut filled = HashSet::new();
    for (seq, e) in events {
        match e.body {
            EventBody::OrderSubmitted { order_id, .. } => {
                assert!(
                    submitted.insert(order_id),
                    "seq {seq}: order id {order_id} reused"
                );
            }
            EventBody::TradeExecuted { order_id, .. } if order_id != 0 => {
                assert!(
                    filled.insert(order_id),
                    "seq {seq}: order {order_id} filled twice"
                );
            }
            _ => {}
        }
    }
}

#[test]
fn faults_named_on_the_command_line_are_injected_and_reconciled() {
    let setup = Setup::new("rcp-flags");
    let cfg = setup.config("cfg", "", "interval_ms = 100");
    let ticks = "4000";
    let mut core = setup.core(
        &cfg,
        &[
            "--ticks",
            ticks,
            "--broker-faults",
            "oob_fill_every=3,drop_fill_every=5",
        ],
    );
    let reader = attach(setup.shm.path(), &setup.name, &mut core);
    wait_for(
        "the feed's end and positions equal to the broker's",
        || format!("{}; {}", setup.describe_difference(&reader), core.logs()),
        || {
            reader.metrics().is_ok_and(|(m, _)| m.ticks >= 4_000)
                && agrees_with_book(&reader, &setup.book())
        },
    );
    stop(&mut core);
    let book = setup.book();
    assert!(
        book.totals.oob_fills > 0 && book.totals.dropped > 0,
        "{book:?}"
    );
    let err = core.stderr();
    assert!(
        err.contains("paper broker faults (oob_fill_every=3,drop_fill_every=5,stall_after=0)"),
        "{err}"
    );
    // The region's event ring still holds the run's reconciliation events.
    let reader = SharedReader::attach(Some(setup.shm.path()), &setup.name).unwrap();
    let mut ring = reader.events(Start::Oldest).unwrap();
    let mut syncs = 0;
    while let Ok(Some((_, record))) = ring.try_next() {
        syncs += usize::from(record.decode().unwrap().kind() == EventKind::PositionSynced);
    }
    assert!(syncs > 0);
}

#[test]
fn a_bad_broker_faults_flag_is_a_usage_error_naming_it() {
    let setup = Setup::new("rcp-badflag");
    let cfg = setup.config("cfg", "", "");
    let mut core = setup.core(&cfg, &["--broker-faults", "drop_every=2"]);
    let status = core.wait();
    assert_eq!(status.code(), Some(2), "{}", core.logs());
    let err = core.stderr();
    assert!(err.starts_with("error: --broker-faults: "), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// Runs a core under `first` until an order is submitted and not filled (and `ready`
/// holds), kills it with SIGKILL, waits for the persister to have logged everything
/// the core published, then restarts the core under `second` until it agrees with the
/// broker after a few more fills. Returns every logged event, the id of the order in
/// flight at the kill, the last seq the killed core published, and the seq of the
/// restart's `runner_started`.
fn kill_between_submit_and_fill(
    setup: &Setup,
    first: &Path,
    second: &Path,
    ready: impl Fn(&Setup) -> bool,
) -> (Vec<(u64, Event)>, u64, u64, u64) {
    let mut persister = setup.persister(first);
    let mut core = setup.core(first, &[]);
    let reader = attach(setup.shm.path(), &setup.name, &mut core);
    let mut ring = reader.events(Start::Seq(1)).unwrap();
    let mut in_flight: Option<(u64, u64)> = None; // (order id, seq)
    let mut last_seq = 0;
    wait_for(
        "an order in flight",
        || core.logs(),
        || {
            while let Ok(Some((seq, record))) = ring.try_next() {
                last_seq = seq;
                match record.decode().unwrap().body {
                    EventBody::OrderSubmitted { order_id, .. } => {
                        in_flight = Some((order_id, seq));
                    }
                    EventBody::TradeExecuted { order_id, .. }
                        if in_flight.is_some_and(|(id, _)| id == order_id) =>
                    {
                        in_flight = None;
                    }
                    _ => {}
                }
            }
            // The persister must be following this run before the kill (a core killed
            // before its persister attached leaves a run nobody logged).
            in_flight.is_some() && ready(setup) && setup.durable() > 1
        },
    );
    core.kill9();
    let (killed, _) = in_flight.unwrap();
    let published = reader.metrics().unwrap().0.last_seq.max(last_seq);
    wait_for(
        "the persister to log the dead core's events",
        || persister.logs(),
        || setup.durable() > published,
    );
    let mut core = setup.core(second, &[]);
    let reader = attach(setup.shm.path(), &setup.name, &mut core);
    let fills_at_start = setup.book().totals.fills;
    wait_for(
        "trading after the restart, then positions equal to the broker's",
        || format!("{}; {}", setup.describe_difference(&reader), core.logs()),
        || {
            let book = setup.book();
            book.totals.fills > fills_at_start + 3 && agrees_with_book(&reader, &book)
        },
    );
    assert!(core.stderr().contains("restored from"), "{}", core.logs());
    stop(&mut core);
    stop(&mut persister);
    let events = setup.logged();
    let restart = events
        .iter()
        .find(|(_, e)| {
            e.body
                == EventBody::RunnerStarted {
                    reason: Reason::Restore,
                }
        })
        .map(|(seq, _)| *seq)
        .expect("a restart");
    no_duplicates(&events);
    eprintln!(
        "{}: killed with order {killed} in flight at seq {published}; restarted at seq \
         {restart}; {} events logged; book {:?}",
        setup.name,
        events.len(),
        setup.book().totals
    );
    (events, killed, published, restart)
}

#[test]
fn a_kill_while_the_broker_holds_the_order_loses_it_and_never_sends_it_again() {
    let setup = Setup::new("rcp-held");
    // Orders are held 300 ms by the broker: the kill lands while it holds one, after a
    // few fills so that there are positions to reconcile at the restart.
    let cfg = setup.config("cfg", "latency_us = 300000", "interval_ms = 100");
    let filled =
        |s: &Setup| read_book(&s.data().join(BOOK_FILE_NAME)).is_ok_and(|b| b.totals.fills >= 3);
    let (events, killed, _, restart) = kill_between_submit_and_fill(&setup, &cfg, &cfg, filled);
    assert!(
        !events.iter().any(|(_, e)| matches!(
            e.body,
            EventBody::TradeExecuted { order_id, .. } if order_id == killed
        )),
        "order {killed} died with the broker thread that held it"
    );
    let after: Vec<u64> = events
        .iter()
        .filter(|(seq, _)| *seq > restart)
        .filter_map(|(_, e)| match e.body {
            EventBody::OrderSubmitted { order_id, .. } => Some(order_id),
            _ => None,
        })
        .collect();
    assert!(
        !after.is_empty() && after.iter().all(|&id| id > killed),
        "{after:?}"
    );
    let book = setup.book();
    assert_eq!(book.totals.duplicates, 0);
}

#[test]
fn a_kill_after_the_broker_booked_the_fill_is_adopted_at_the_restart() {
    let setup = Setup::new("rcp-booked");
    // Run 1: the broker books the first order, its report is lost (as if the core died
    // before reading it), and the broker answers nothing more (so its book stays
    // non-flat: later fills could net it out); no round runs in time to adopt it. Run 2:
    // no fault, and the start-up round finds it.
    let lossy = setup.config(
        "lossy",
        "[broker.faults]\ndrop_fill_every = 1\nstall_after = 1",
        "interval_ms = 3600000",
    );
    let clean = setup.config("clean", "", "interval_ms = 100");
    let booked =
        |s: &Setup| read_book(&s.data().join(BOOK_FILE_NAME)).is_ok_and(|b| b.totals.dropped == 1);
    let (events, _, published, restart) =
        kill_between_submit_and_fill(&setup, &lossy, &clean, booked);
    // The restart's start-up round (its events before its runner_started) adopted the
    // fills the broker booked while run 1 heard of none.
    let startup: Vec<EventKind> = events
        .iter()
        .filter(|(seq, _)| *seq > published && *seq < restart)
        .map(|(_, e)| e.kind())
        .collect();
    let around: Vec<(u64, &str)> = events
        .iter()
        .filter(|(seq, _)| *seq + 12 > published && *seq < restart + 4)
        .map(|(seq, e)| (*seq, e.kind().name()))
        .collect();
    assert!(
        startup.contains(&EventKind::ReconciliationMismatch)
            && startup.contains(&EventKind::PositionSynced),
        "start-up round: {startup:?}; killed at {published}, restart {restart}: {around:?}"
    );
    assert!(
        !events.iter().any(|(seq, e)| *seq <= published
            && matches!(e.body, EventBody::TradeExecuted { order_id, .. } if order_id != 0)),
        "run 1 never heard of a fill"
    );
}
