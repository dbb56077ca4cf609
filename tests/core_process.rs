//! `seamless core` as a real process, checked from this (another) process through the
//! shared-memory region: a million ticks followed by a gating reader that folds every
//! event, SIGTERM, a second core for one instance, and command-line errors.
//!
//! Every test has its own `SEAMLESS_SHM_DIR` under /dev/shm and its own instance name.
//! Waits poll a condition against a generous deadline; nothing asserts a duration.

use std::collections::HashSet;
use std::process::{Command, Output};
use std::thread;
use std::time::Instant;

use seamless_core::domain::{EventBody, EventKind, Reason, State};
use seamless_core::shared::SharedReader;
use seamless_ipc::broadcast::Start;
use seamless_ipc::reader_slot::ReaderSlot;
use seamless_ipc::region::Status;

mod common;

use common::{BIN, DEADLINE, Proc, ShmDir};

/// Starts `seamless core <args>` for the test, with its output in the test's directory.
fn start_core(dir: &ShmDir, args: &[&str]) -> Proc {
    let mut full = vec!["core"];
    full.extend_from_slice(args);
    Proc::start(dir.path(), dir.path(), "core", &full)
}

fn attach(dir: &ShmDir, name: &str, core: &mut Proc) -> SharedReader {
    common::attach(dir.path(), name, core)
}

fn wait_for(what: &str, core: &Proc, cond: impl FnMut() -> bool) {
    common::wait_for(what, || core.logs(), cond);
}

#[test]
fn a_million_ticks_fold_into_exactly_the_published_state() {
    let dir = ShmDir::new("million");
    let name = "million";
    // The gating slot exists before the core starts, so not one event can be lapped.
    let slot = ReaderSlot::create_fresh(Some(dir.path()), name, "test", 7).unwrap();
    slot.set_cursor(1);
    slot.set_gating(true);
    let mut core = start_core(
        &dir,
        &[
            "--name",
            name,
            "--feed",
            "synthetic",
            "--ticks",
            "1000000",
            "--pace",
            "max",
            "--strategy",
            "sma_cross:fast=5,slow=20,qty=0.01",
            "--exit-after-feed",
        ],
    );
    let reader = attach(&dir, name, &mut core);
    let mut ring = reader.events(Start::Seq(1)).unwrap();
    let mut state = State::new();
    let (mut next, mut submitted, mut fills) = (1u64, HashSet::new(), 0u64);
    let mut kinds = Vec::new();
    let start = Instant::now();
    let mut polls = 0u64;
    let stopped = loop {
        match ring.try_next() {
            Ok(Some((seq, record))) => {
                assert_eq!(seq, next, "sequence gap");
                next += 1;
                let event = record.decode().unwrap();
                let _ = state.apply(seq, &event).unwrap();
                slot.set_cursor(seq + 1);
                slot.heartbeat(); // a silent gating reader is released as hung
                match event.body {
                    EventBody::OrderSubmitted { order_id, .. } => {
                        assert!(
                            submitted.insert(order_id),
                            "order {order_id} submitted twice"
                        );
                    }
                    EventBody::TradeExecuted { order_id, .. } => {
                        assert!(
                            submitted.contains(&order_id),
                            "fill of unknown order {order_id}"
                        );
                        fills += 1;
                    }
                    _ => {}
                }
                if kinds.len() < 2 {
                    kinds.push(event.kind());
                }
                if let EventBody::RunnerStopped { reason } = event.body {
                    break reason;
                }
            }
            Ok(None) => {
                slot.heartbeat();
                polls += 1;
                if polls.is_multiple_of(4096) {
                    assert!(
                        core.exited().is_none(),
                        "the core exited early: {}",
                        core.logs()
                    );
                    assert!(
                        start.elapsed() < DEADLINE,
                        "no runner_stopped: {}",
                        core.logs()
                    );
                }
                thread::yield_now();
            }
            Err(lagged) => panic!("the gating reader was lapped: {lagged}"),
        }
    };
    assert_eq!(stopped, Reason::FeedEnd);
    assert_eq!(kinds[0], EventKind::RunnerStarted);
    let status = core.wait();
    assert_eq!(status.code(), Some(0), "{}", core.logs());

    // The rows the core left behind are the fold of the events it published.
    assert_eq!(reader.status(), Status::Stopped);
    let last_seq = next - 1;
    let (runner, _) = reader.runner().unwrap();
    assert_eq!(runner.last_seq, last_seq);
    assert_eq!(runner.counters, *state.counters());
    assert_eq!(reader.account().unwrap().0, *state.account());
    let positions = reader.positions().unwrap();
    assert_eq!(positions.len(), reader.instruments().len());
    assert_eq!(positions[..], state.positions()[..positions.len()]);
    assert!(fills > 0, "the strategy never traded");
    assert_eq!(state.counters().fills, fills);
    let (metrics, _) = reader.metrics().unwrap();
    assert_eq!((metrics.ticks, metrics.last_seq), (1_000_000, last_seq));
    let stdout = core.stdout();
    assert!(
        stdout.contains("stopped (feed_end): 1000000 ticks"),
        "{stdout}"
    );
}

#[test]
fn sigterm_stops_an_endless_run_cleanly() {
    let dir = ShmDir::new("sigterm");
    let mut core = start_core(&dir, &["--name", "endless", "--feed", "synthetic"]);
    let reader = attach(&dir, "endless", &mut core);
    wait_for("ticks", &core, || {
        reader.metrics().is_ok_and(|(m, _)| m.ticks > 0)
    });
    core.signal("-TERM");
    let status = core.wait();
    assert_eq!(status.code(), Some(0), "{}", core.logs());
    assert_eq!(reader.status(), Status::Stopped);
    assert!(!reader.is_owner_alive());
    let (runner, _) = reader.runner().unwrap();
    assert_eq!(runner.runner.reason(), Some(Reason::Sigterm));
    let (seq, last) = reader
        .events(Start::Newest)
        .unwrap()
        .try_next()
        .unwrap()
        .unwrap();
    assert_eq!(seq, runner.last_seq);
    assert_eq!(
        last.decode().unwrap().body,
        EventBody::RunnerStopped {
            reason: Reason::Sigterm
        }
    );
}

#[test]
fn a_second_core_for_a_running_instance_names_the_pid() {
    let dir = ShmDir::new("twice");
    let mut first = start_core(&dir, &["--name", "twice", "--feed", "synthetic"]);
    let reader = attach(&dir, "twice", &mut first);
    wait_for("running", &first, || reader.status() == Status::Running);
    let second = Command::new(BIN)
        .args(["core", "--name", "twice"])
        .env("SEAMLESS_SHM_DIR", dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(1), "{stderr}");
    let want = format!("already running, pid {}", first.pid());
    assert!(stderr.contains(&want), "{stderr}");
    first.signal("-INT");
    assert_eq!(first.wait().code(), Some(0), "{}", first.logs());
    assert_eq!(
        reader.runner().unwrap().0.runner.reason(),
        Some(Reason::Sigint)
    );
}

fn core_output(dir: &ShmDir, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("core")
        .args(args)
        .env("SEAMLESS_SHM_DIR", dir.path())
        .env_remove("RUST_LOG")
        .output()
        .unwrap()
}

#[test]
fn usage_and_config_errors_exit_2_with_one_line_naming_the_culprit() {
    let dir = ShmDir::new("usage");
    let bad_toml = dir.path().join("bad.toml");
    std::fs::write(&bad_toml, "[risk]\nmax_postion = 1\n").unwrap();
    let bad_value = dir.path().join("value.toml");
    std::fs::write(&bad_value, "[core]\nheartbeat_ms = 0\n").unwrap();
    let (bad_toml, bad_value) = (bad_toml.to_str().unwrap(), bad_value.to_str().unwrap());
    let cases: [(&[&str], &[&str]); 7] = [
        (&["--wait", "fast"], &["--wait", "\"fast\""]),
        (&["--pace", "slow"], &["--pace"]),
        (&["--ticks", "lots"], &["--ticks"]),
        (
            &["--strategy", "sma_cross:fast=x"],
            &["--strategy", "fast=x"],
        ),
        (&["--cores", "engine=4095"], &["core.cores.engine"]),
        (
            &["--config", bad_toml],
            &[bad_toml, ":2:", "risk.max_postion"],
        ),
        (&["--config", bad_value], &["core.heartbeat_ms", bad_value]),
    ];
    for (args, wants) in cases {
        let out = core_output(&dir, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
        for want in wants {
            assert!(stderr.contains(want), "{args:?}: {stderr} lacks {want}");
        }
    }
    let missing = dir.path().join("missing.csv");
    let out = core_output(
        &dir,
        &["--feed", &format!("csv:AAPL={}", missing.display())],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.lines().last().unwrap().contains("missing.csv"),
        "{stderr}"
    );
}

#[test]
fn a_csv_replay_of_an_unconfigured_symbol_runs_paced_to_its_end() {
    let dir = ShmDir::new("csv");
    let csv = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/core/tests/fixtures/yahoo_daily.csv"
    );
    let feed = format!("csv:AAPL={csv}");
    // Four daily bars a million times faster than real time: about 0.26 s of pacing.
    let args = [
        "--name",
        "replay",
        "--feed",
        &feed,
        "--pace",
        "x1000000",
        "--exit-after-feed",
    ];
    let mut core = start_core(&dir, &args);
    let reader = attach(&dir, "replay", &mut core);
    assert_eq!(core.wait().code(), Some(0), "{}", core.logs());
    let aapl = reader.id_of("AAPL").expect("AAPL added to the instruments");
    let (market, _) = reader.market(aapl).unwrap();
    assert_eq!(market.ticks, 4);
    assert_eq!(market.updated_ns, 1_704_412_800 * 1_000_000_000); // 2024-01-05
    assert!(market.last.to_string().starts_with("181.1"), "{market:?}");
    let stdout = core.stdout();
    assert!(stdout.contains("stopped (feed_end): 4 ticks"), "{stdout}");
}
