//! The core runtime in-process: finite and endless runs, stop requests, gating readers
//! (slow, dead, stuck), the `halt_trading` policy and ring-pressure events, the
//! end-of-run wait for durability, a second core for one instance, feed errors.
//!
//! Every wait polls a condition against a generous deadline (the machine may be loaded);
//! nothing asserts a duration. Runs are serialised ([`serial`]) so the allocation count
//! per hot thread (a counting global allocator, by thread name) belongs to one run.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use seamless_config::{Config, FeedSource, GatingPolicy};
use seamless_core::domain::{Change, Event, EventBody, EventKind, InstrumentId, Reason, State};
use seamless_core::runtime::{self, RunError, RunOptions, RunSummary, StopFlag};
use seamless_core::shared::{SharedAttachError, SharedReader};
use seamless_ipc::broadcast::Start;
use seamless_ipc::reader_slot::ReaderSlot;
use seamless_ipc::region::Status;

const DEADLINE: Duration = Duration::from_secs(120);

/// Counts allocations made on the runtime's named threads.
mod counting {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// Allocations on `seamless-feed`, `seamless-engine`, `seamless-broker`.
    pub static COUNTS: [AtomicU64; 3] = [const { AtomicU64::new(0) }; 3];

    thread_local! {
        /// 0: not classified yet; 1 + index; 4: not a hot thread.
        static KIND: Cell<u8> = const { Cell::new(0) };
        static BUSY: Cell<bool> = const { Cell::new(false) };
    }

    fn kind() -> u8 {
        match KIND.with(Cell::get) {
            0 if !BUSY.with(Cell::get) => {
                BUSY.with(|b| b.set(true));
                let k = match std::thread::current().name() {
                    Some("seamless-feed") => 1,
                    Some("seamless-engine") => 2,
                    Some("seamless-broker") => 3,
                    _ => 4,
                };
                BUSY.with(|b| b.set(false));
                KIND.with(|c| c.set(k));
                k
            }
            k => k,
        }
    }

    fn count() {
        if let k @ 1..=3 = kind() {
            // Relaxed: a tally read after the threads were joined.
            COUNTS[usize::from(k - 1)].fetch_add(1, Ordering::Relaxed);
        }
    }

    pub struct Counting;

    // SAFETY: forwards every call to `System` unchanged; counting touches no memory
    // the allocator hands out.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            count();
            // SAFETY: the caller's contract, forwarded.
            unsafe { System.alloc(layout) }
        }
        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            count();
            // SAFETY: the caller's contract, forwarded.
            unsafe { System.alloc_zeroed(layout) }
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new: usize) -> *mut u8 {
            count();
            // SAFETY: the caller's contract, forwarded.
            unsafe { System.realloc(ptr, layout, new) }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: the caller's contract, forwarded.
            unsafe { System.dealloc(ptr, layout) }
        }
    }
}

#[global_allocator]
static ALLOC: counting::Counting = counting::Counting;

/// One run at a time in this binary (see the module docs).
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Polls `cond` until it holds; panics with `what` after [`DEADLINE`].
fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        thread::sleep(Duration::from_millis(1));
    }
}

fn config(name: &str, ticks: u64) -> Config {
    let mut cfg = Config::default();
    cfg.core.name = name.to_owned();
    cfg.core.event_ring_capacity = 64; // tiny: gating readers fill it quickly
    cfg.feed.synthetic.ticks = ticks;
    cfg.feed.synthetic.rate_per_sec = 0;
    cfg.feed.exit_after_feed = ticks > 0;
    cfg.strategy.fast = 3;
    cfg.strategy.slow = 8;
    cfg.broker.latency_us = 0;
    cfg
}

fn options(dir: &Path, stop: &StopFlag) -> RunOptions {
    RunOptions {
        shm_dir: Some(dir.to_owned()),
        stop: stop.clone(),
        ..RunOptions::default()
    }
}

fn attach(dir: &Path, name: &str) -> SharedReader {
    let mut reader = None;
    wait_for("the region", || {
        match SharedReader::attach(Some(dir), name) {
            Ok(r) => {
                reader = Some(r);
                true
            }
            Err(SharedAttachError::Starting | SharedAttachError::Region(_)) => false,
            Err(e) => panic!("{e}"),
        }
    });
    reader.unwrap()
}

/// Follows the ring as a gating reader from seq 1 to `runner_stopped`, folding every
/// event; fails on any lost event.
fn follow(dir: &Path, name: &str, slot: &ReaderSlot) -> (State, Vec<(u64, Event)>) {
    follow_with(dir, name, slot, |_| {})
}

/// [`follow`], calling `on_event` with every event as it is read.
fn follow_with(
    dir: &Path,
    name: &str,
    slot: &ReaderSlot,
    mut on_event: impl FnMut(&Event),
) -> (State, Vec<(u64, Event)>) {
    let reader = attach(dir, name);
    let mut ring = reader.events(Start::Seq(1)).unwrap();
    let (mut state, mut seen) = (State::new(), Vec::new());
    let start = Instant::now();
    loop {
        match ring.try_next() {
            Ok(Some((seq, record))) => {
                let event = record.decode().unwrap();
                let _ = state.apply(seq, &event).unwrap();
                on_event(&event);
                slot.set_cursor(seq + 1);
                slot.heartbeat(); // a silent gating reader is released as hung
                slot.set_durable_cursor(seq + 1);
                seen.push((seq, event));
                if event.kind() == EventKind::RunnerStopped {
                    return (state, seen);
                }
            }
            Ok(None) => {
                slot.heartbeat();
                assert!(start.elapsed() < DEADLINE, "no runner_stopped");
                thread::yield_now();
            }
            Err(lagged) => panic!("a gating reader was lapped: {lagged}"),
        }
    }
}

fn gating_slot(dir: &Path, name: &str, role: &str) -> ReaderSlot {
    let slot = ReaderSlot::create_fresh(Some(dir), name, role, 99).unwrap();
    slot.set_cursor(1);
    slot.set_gating(true);
    slot
}

fn stop_reason(events: &[(u64, Event)]) -> Option<Reason> {
    match events.last()?.1.body {
        EventBody::RunnerStopped { reason } => Some(reason),
        _ => None,
    }
}

#[test]
fn a_finite_feed_ends_with_feed_end_and_the_rows_match_the_fold() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let name = "finite";
    let slot = gating_slot(dir.path(), name, "test");
    let stop = StopFlag::new();
    let cfg = config(name, 30_000);
    let (summary, (state, events)) = thread::scope(|s| {
        let follower = s.spawn(|| follow(dir.path(), name, &slot));
        let summary = runtime::run(&cfg, options(dir.path(), &stop)).unwrap();
        (summary, follower.join().unwrap())
    });
    assert_eq!(summary.reason, Reason::FeedEnd);
    assert_eq!((summary.ticks, summary.ticks_fed), (30_000, 30_000));
    let seqs: Vec<u64> = events.iter().map(|(s, _)| *s).collect();
    assert_eq!(seqs, (1..=summary.last_seq).collect::<Vec<_>>());
    assert_eq!(events[0].1.kind(), EventKind::RunnerStarted);
    assert_eq!(stop_reason(&events), Some(Reason::FeedEnd));
    assert!(summary.fills > 0, "the strategy never traded: {summary}");

    let reader = attach(dir.path(), name);
    assert_eq!(reader.status(), Status::Stopped);
    assert!(!reader.is_owner_alive());
    assert_eq!(reader.positions().unwrap()[..2], state.positions()[..2]);
    assert_eq!(reader.account().unwrap().0, *state.account());
    let (runner, _) = reader.runner().unwrap();
    assert_eq!(
        (runner.last_seq, runner.counters),
        (summary.last_seq, *state.counters())
    );
    let (metrics, _) = reader.metrics().unwrap();
    assert_eq!(metrics.last_seq, summary.last_seq);
    assert_eq!(metrics.ticks, 30_000);
    let (latency, _) = reader.latency().unwrap();
    assert_eq!(latency.total_count, 30_000);
    assert_eq!(summary.latency_total.0.len(), 30_000);
    for id in [InstrumentId(0), InstrumentId(1)] {
        // Every market row carries its latest tick's feed stamp, from this run's past.
        let (market, _) = reader.market(id).unwrap();
        assert!(market.ticks > 0, "{market:?}");
        assert!(
            market.stamp > 0 && market.stamp <= runtime::stamp_ns(),
            "{market:?}"
        );
    }
}

/// Requests a stop when dropped: a test that panics inside a `thread::scope` must end
/// the endless run it started, or the scope would wait for it forever.
struct StopOnDrop<'a>(&'a StopFlag);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.request(Reason::Error);
    }
}

fn spawn_endless<'s>(
    s: &'s thread::Scope<'s, '_>,
    cfg: &'s Config,
    dir: &'s Path,
    stop: &'s StopFlag,
) -> thread::ScopedJoinHandle<'s, Result<RunSummary, RunError>> {
    s.spawn(move || runtime::run(cfg, options(dir, stop)))
}

#[test]
fn a_stop_request_ends_an_endless_run_with_its_reason() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config("endless", 0);
    cfg.feed.synthetic.rate_per_sec = 5_000;
    let stop = StopFlag::new();
    let summary = thread::scope(|s| {
        let _stop_on_panic = StopOnDrop(&stop);
        let run = spawn_endless(s, &cfg, dir.path(), &stop);
        let reader = attach(dir.path(), "endless");
        wait_for("ticks", || reader.metrics().is_ok_and(|m| m.0.ticks > 10));
        stop.request(Reason::Sigint);
        run.join().unwrap().unwrap()
    });
    assert_eq!(summary.reason, Reason::Sigint);
    let reader = attach(dir.path(), "endless");
    assert_eq!(reader.status(), Status::Stopped);
    let (runner, _) = reader.runner().unwrap();
    assert_eq!(runner.runner.reason(), Some(Reason::Sigint));
    let mut ring = reader.events(Start::Newest).unwrap();
    let (seq, last) = ring.try_next().unwrap().unwrap();
    assert_eq!(seq, summary.last_seq);
    let last = last.decode().unwrap();
    assert_eq!(
        last.body,
        EventBody::RunnerStopped {
            reason: Reason::Sigint
        }
    );
}

#[test]
fn a_second_core_for_the_same_instance_is_refused_with_the_pid() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config("twice", 0);
    cfg.feed.synthetic.rate_per_sec = 1_000;
    let stop = StopFlag::new();
    thread::scope(|s| {
        let _stop_on_panic = StopOnDrop(&stop);
        let first = spawn_endless(s, &cfg, dir.path(), &stop);
        let reader = attach(dir.path(), "twice");
        wait_for("running", || reader.status() == Status::Running);
        let err = runtime::run(&cfg, options(dir.path(), &StopFlag::new())).unwrap_err();
        let want = format!("already running, pid {}", std::process::id());
        assert!(err.to_string().contains(&want), "{err}");
        assert!(!err.is_usage());
        stop.request(Reason::Sigterm);
        assert_eq!(first.join().unwrap().unwrap().reason, Reason::Sigterm);
    });
}

fn csv_config(name: &str, path: &Path) -> Config {
    let mut cfg = config(name, 0);
    cfg.feed.source = FeedSource::Csv(vec![format!("BTCUSD={}", path.display()).parse().unwrap()]);
    cfg.feed.exit_after_feed = true;
    cfg
}

#[test]
fn a_bad_csv_row_stops_the_run_with_reason_error() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("btc.csv");
    let text = "timestamp,last\n2024-01-02T00:00:01Z,100\n2024-01-02T00:00:02Z,abc\n";
    std::fs::write(&path, text).unwrap();
    let cfg = csv_config("badrow", &path);
    let err = runtime::run(&cfg, options(dir.path(), &StopFlag::new())).unwrap_err();
    let RunError::Feed { error, summary } = &err else {
        panic!("{err}")
    };
    assert!(
        error
            .to_string()
            .starts_with(&format!("{}:3:", path.display())),
        "{error}"
    );
    assert_eq!((summary.reason, summary.ticks), (Reason::Error, 1));
    assert!(!err.is_usage());
    let reader = attach(dir.path(), "badrow");
    assert_eq!(
        reader.runner().unwrap().0.runner.reason(),
        Some(Reason::Error)
    );
}

#[test]
fn a_missing_csv_file_is_a_usage_error_before_anything_runs() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let cfg = csv_config("nofile", &dir.path().join("missing.csv"));
    let err = runtime::run(&cfg, options(dir.path(), &StopFlag::new())).unwrap_err();
    assert!(matches!(err, RunError::FeedOpen(_)), "{err}");
    assert!(err.is_usage());
    assert!(err.to_string().contains("missing.csv"), "{err}");
    assert!(SharedReader::attach(Some(dir.path()), "nofile").is_err());
}

#[test]
fn a_dead_gating_reader_is_released() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let name = "deadgate";
    let slot = gating_slot(dir.path(), name, "tool");
    let cfg = config(name, 20_000);
    let stop = StopFlag::new();
    let summary = thread::scope(|s| {
        let run = s.spawn(|| runtime::run(&cfg, options(dir.path(), &stop)));
        let reader = attach(dir.path(), name);
        wait_for("a stall", || {
            reader.metrics().is_ok_and(|m| m.0.gating_stalls > 0)
        });
        drop(slot); // the reader dies without ever reading
        run.join().unwrap().unwrap()
    });
    assert_eq!((summary.reason, summary.ticks), (Reason::FeedEnd, 20_000));
    assert!(summary.gating_stalls > 0);
    assert_eq!(summary.forced_overwrites, 0);
}

#[test]
fn a_gating_reader_that_never_reads_cannot_block_shutdown() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let name = "stuckgate";
    let slot = gating_slot(dir.path(), name, "stuck");
    let mut cfg = config(name, 0);
    cfg.gating.shutdown_timeout_ms = 50;
    let stop = StopFlag::new();
    let summary = thread::scope(|s| {
        let _stop_on_panic = StopOnDrop(&stop);
        let run = spawn_endless(s, &cfg, dir.path(), &stop);
        let reader = attach(dir.path(), name);
        wait_for("a stall", || {
            reader.metrics().is_ok_and(|m| m.0.gating_stalls > 0)
        });
        stop.request(Reason::Sigterm);
        run.join().unwrap().unwrap()
    });
    assert_eq!(summary.reason, Reason::Sigterm);
    assert!(summary.forced_overwrites > 0, "{summary}");
    drop(slot);
}

#[test]
fn the_hot_threads_do_not_allocate_while_running() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let name = "alloc";
    let slot = gating_slot(dir.path(), name, "test");
    let mut cfg = config(name, 50_000);
    cfg.broker.latency_us = 20; // orders are held, so the hold queue is used
    let stop = StopFlag::new();
    let load = || {
        counting::COUNTS
            .each_ref()
            .map(|c| c.load(std::sync::atomic::Ordering::Relaxed))
    };
    // What std itself allocates to start a named thread (its stack-overflow handler
    // keeps the name), measured with an empty thread of the engine's name.
    let before = load()[1];
    thread::Builder::new()
        .name("seamless-engine".into())
        .spawn(|| {})
        .unwrap()
        .join()
        .unwrap();
    let start_cost = load()[1] - before;
    let before = load();
    let summary = thread::scope(|s| {
        let follower = s.spawn(|| follow(dir.path(), name, &slot));
        let summary = runtime::run(&cfg, options(dir.path(), &stop)).unwrap();
        follower.join().unwrap();
        summary
    });
    assert!(summary.fills > 0 && summary.ticks == 50_000, "{summary}");
    let after = load();
    let [feed, engine, broker] = [0, 1, 2].map(|i| after[i] - before[i] - start_cost);
    // The engine: nothing at all. The broker: its hold queue, once, at start. The
    // feed: its report at the end (the description string).
    assert_eq!(engine, 0, "engine thread allocations");
    assert!(broker <= 1, "broker thread allocations: {broker}");
    assert!(feed <= 2, "feed thread allocations: {feed}");
}

/// The `state_changed` events of a run, as `(change, reason)`.
fn changes(events: &[(u64, Event)]) -> Vec<(Change, Reason)> {
    events
        .iter()
        .filter_map(|(_, e)| match e.body {
            EventBody::StateChanged { change, reason } => Some((change, reason)),
            _ => None,
        })
        .collect()
}

#[test]
fn halt_trading_halts_a_long_stall_and_resumes_once_the_persister_catches_up() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let name = "halttrading";
    let slot = gating_slot(dir.path(), name, "persist");
    let mut cfg = config(name, 0);
    cfg.feed.synthetic.rate_per_sec = 5_000;
    cfg.gating.policy = GatingPolicy::HaltTrading;
    cfg.gating.block_timeout_ms = 20;
    cfg.gating.nearly_full_pct = 50;
    let stop = StopFlag::new();
    let resumed = AtomicBool::new(false);
    let (summary, events) = thread::scope(|s| {
        let _stop_on_panic = StopOnDrop(&stop);
        let run = spawn_endless(s, &cfg, dir.path(), &stop);
        let reader = attach(dir.path(), name);
        wait_for("a stall", || {
            reader.metrics().is_ok_and(|m| m.0.gating_stalls > 0)
        });
        // The persister stays away for longer than block_timeout_ms (a lower bound
        // on the stall, not a timing assertion), then catches up.
        thread::sleep(Duration::from_millis(200));
        let (resumed, path, slot) = (&resumed, dir.path(), &slot);
        let follower = s.spawn(move || {
            follow_with(path, name, slot, |e| {
                let resume = EventBody::StateChanged {
                    change: Change::Resumed,
                    reason: Reason::PersistenceLag,
                };
                if e.body == resume {
                    // Relaxed: a flag polled by the test thread; it orders nothing.
                    resumed.store(true, Ordering::Relaxed);
                }
            })
        });
        // The follower sees the resume in the event stream: polling the account row
        // could miss a halt that lasted less than a poll on a loaded machine.
        wait_for("a halt, then a resume", || resumed.load(Ordering::Relaxed));
        stop.request(Reason::Sigterm);
        let summary = run.join().unwrap().unwrap();
        (summary, follower.join().unwrap().1)
    });
    let lag = Reason::PersistenceLag;
    let seen = changes(&events);
    let at = |want: fn(&Change) -> bool| {
        seen.iter()
            .position(|(c, r)| want(c) && *r == lag)
            .unwrap_or_else(|| panic!("missing in {seen:?}"))
    };
    let full = at(|c| matches!(c, Change::RingNearlyFull(n) if *n >= 32));
    let halt = at(|c| *c == Change::Halted);
    let drained = at(|c| matches!(c, Change::RingDrained(n) if *n < 16));
    let resumed = at(|c| *c == Change::Resumed);
    // The halt and the nearly-full notice come in either order; both before the drain.
    assert!(
        full < drained && halt < drained && drained < resumed,
        "{seen:?}"
    );
    assert_eq!(summary.forced_overwrites, 0);
    let durable = summary.durable.expect("a persister gated the run");
    assert!(durable.complete, "{summary}");
    assert_eq!(durable.last_durable, summary.last_seq);
}

#[test]
fn block_waits_without_halting_and_a_persister_that_never_syncs_is_reported() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let name = "blocknosync";
    let slot = gating_slot(dir.path(), name, "persist");
    let mut cfg = config(name, 3_000);
    cfg.gating.block_timeout_ms = 1;
    cfg.gating.shutdown_timeout_ms = 100;
    let stop = StopFlag::new();
    let summary = thread::scope(|s| {
        let _stop_on_panic = StopOnDrop(&stop);
        let run = spawn_endless(s, &cfg, dir.path(), &stop);
        let reader = attach(dir.path(), name);
        wait_for("a stall", || {
            reader.metrics().is_ok_and(|m| m.0.gating_stalls > 0)
        });
        thread::sleep(Duration::from_millis(50)); // longer than block_timeout_ms
        // Consumes everything but never reports anything durable.
        let ring = reader.events(Start::Seq(1)).unwrap();
        let mut ring = ring;
        let mut stopped = false;
        wait_for("runner_stopped", || {
            while let Ok(Some((seq, record))) = ring.try_next() {
                slot.set_cursor(seq + 1);
                slot.heartbeat(); // a silent gating reader is released as hung
                stopped |= record.kind() == Ok(EventKind::RunnerStopped);
            }
            stopped
        });
        run.join().unwrap().unwrap()
    });
    assert_eq!(summary.reason, Reason::FeedEnd);
    assert!(summary.gating_stalls > 0);
    assert_eq!(summary.forced_overwrites, 0);
    let reader = SharedReader::attach(Some(dir.path()), name).unwrap();
    assert!(
        !reader.account().unwrap().0.is_halted(),
        "block never halts"
    );
    let durable = summary.durable.expect("a persister gated the run");
    assert!(!durable.complete);
    assert_eq!(durable.last_durable, 0);
    assert!(summary.to_string().contains("NOT DURABLE"), "{summary}");
}

#[test]
fn a_dead_readers_slot_is_reclaimed_but_the_persisters_is_kept() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let name = "reclaim";
    let tool = ReaderSlot::create_fresh(Some(dir.path()), name, "monitor-1", 2).unwrap();
    let tool_path = tool.path().to_owned();
    let persist = ReaderSlot::create_fresh(Some(dir.path()), name, "persist", 1).unwrap();
    let persist_path = persist.path().to_owned();
    drop((tool, persist)); // both owners gone: their locks are released
    let cfg = config(name, 0);
    let stop = StopFlag::new();
    thread::scope(|s| {
        let _stop_on_panic = StopOnDrop(&stop);
        let run = spawn_endless(s, &cfg, dir.path(), &stop);
        wait_for("the dead monitor's slot to be removed", || {
            !tool_path.exists()
        });
        stop.request(Reason::Sigterm);
        run.join().unwrap().unwrap();
    });
    assert!(
        persist_path.exists(),
        "the persister's slot must survive its death"
    );
}
