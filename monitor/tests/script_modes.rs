//! The script modes against a real core run in-process (`runtime::run` on a thread,
//! its own `SEAMLESS_SHM_DIR`-style directory under /dev/shm and its own name):
//! `--once --json` checked key by key against the DESIGN.md contract, `--tail --json`
//! lines that all parse with sequences that increase or a lag marker that accounts
//! for the gap, restart following, a stopped core, and the attach errors.
//!
//! Waits poll a condition against a generous deadline; nothing asserts a duration.

use std::io::{self, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use seamless_config::Config;
use seamless_core::domain::Reason;
use seamless_core::runtime::{self, RunError, RunOptions, RunSummary, StopFlag};
use seamless_core::shared::{LAYOUT_HASH, LAYOUT_VERSION, SharedReader};
use seamless_ipc::reader_slot::ReaderSlot;
use seamless_ipc::region::{RegionOwner, RegionSpec, SectionSpec, Status};
use seamless_monitor::{Mode, MonitorError, Options, once, tail};
use serde_json::Value;

const DEADLINE: Duration = Duration::from_secs(120);

fn shm_dir() -> tempfile::TempDir {
    let base = if Path::new("/dev/shm").is_dir() {
        std::path::PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    tempfile::Builder::new()
        .prefix("seamless-monitor-test-")
        .tempdir_in(base)
        .expect("a temporary shm directory")
}

/// Polls `cond` every 20 ms until it holds; panics with `what` after the deadline.
fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let began = Instant::now();
    while !cond() {
        assert!(began.elapsed() < DEADLINE, "timed out waiting for {what}");
        thread::sleep(Duration::from_millis(20));
    }
}

/// A core running on a thread; stopped and joined on drop.
struct Core {
    stop: StopFlag,
    handle: Option<JoinHandle<Result<RunSummary, RunError>>>,
}

impl Core {
    fn start(dir: &Path, name: &str, tweak: impl FnOnce(&mut Config)) -> Core {
        let mut cfg = Config::default();
        cfg.core.name = name.to_owned();
        cfg.feed.synthetic.rate_per_sec = 2_000;
        tweak(&mut cfg);
        let stop = StopFlag::new();
        let opts = RunOptions {
            shm_dir: Some(dir.to_owned()),
            stop: stop.clone(),
            ..RunOptions::default()
        };
        let handle = thread::spawn(move || runtime::run(&cfg, opts));
        let core = Core {
            stop,
            handle: Some(handle),
        };
        wait_for("the core's region", || {
            SharedReader::attach(Some(dir), name).is_ok_and(|r| r.status() == Status::Running)
        });
        core
    }

    /// Stops the core cleanly and returns its summary.
    fn stop(mut self) -> RunSummary {
        self.stop.request(Reason::Sigterm);
        let handle = self.handle.take().expect("a running core");
        handle.join().expect("core thread").expect("a clean run")
    }
}

impl Drop for Core {
    fn drop(&mut self) {
        self.stop.request(Reason::Sigterm);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

fn options(dir: &Path, name: &str, mode: Mode) -> Options {
    let mut opts = Options::new(name, mode);
    opts.shm_dir = Some(dir.to_owned());
    opts
}

fn once_json(dir: &Path, name: &str) -> Value {
    let mut out = Vec::new();
    once::run(
        &options(dir, name, Mode::Once { json: true }),
        true,
        &mut out,
    )
    .expect("monitor --once --json");
    let text = String::from_utf8(out).expect("utf-8 output");
    assert_eq!(text.lines().count(), 1, "one line: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

#[derive(Clone, Copy, Debug)]
enum Ty {
    Str,
    Num,
    Bool,
    Obj,
    Arr,
    StrOrNull,
    NumOrNull,
}

fn check(v: &Value, path: &str, ty: Ty) {
    let ok = match ty {
        Ty::Str => v.is_string(),
        Ty::Num => v.is_number(),
        Ty::Bool => v.is_boolean(),
        Ty::Obj => v.is_object(),
        Ty::Arr => v.is_array(),
        Ty::StrOrNull => v.is_string() || v.is_null(),
        Ty::NumOrNull => v.is_number() || v.is_null(),
    };
    assert!(ok, "{path}: expected {ty:?}, got {v}");
}

fn check_keys(obj: &Value, path: &str, keys: &[(&str, Ty)]) {
    for (key, ty) in keys {
        let v = obj
            .get(key)
            .unwrap_or_else(|| panic!("{path}.{key} missing in {obj}"));
        check(v, &format!("{path}.{key}"), *ty);
    }
}

fn check_each(arr: &Value, path: &str, keys: &[(&str, Ty)]) {
    let items = arr
        .as_array()
        .unwrap_or_else(|| panic!("{path} is not an array"));
    for (i, item) in items.iter().enumerate() {
        check_keys(item, &format!("{path}[{i}]"), keys);
    }
}

#[test]
fn once_json_has_every_contract_key_with_its_type() {
    let dir = shm_dir();
    let name = "schema";
    let _core = Core::start(dir.path(), name, |_| {});
    // A persister's slot (not gating) so `durable_seq` and `readers` have values.
    let persist = ReaderSlot::create_fresh(Some(dir.path()), name, "persist", 1).expect("slot");
    persist.set_cursor(3);
    persist.set_durable_cursor(3);
    let mut snap = Value::Null;
    wait_for("fills, signals and an armed monitor", || {
        snap = once_json(dir.path(), name);
        let fills = snap["metrics"]["fills"].as_u64().unwrap_or(0);
        let signals = snap["signals"].as_array().map_or(0, Vec::len);
        let armed = snap["monitors"]
            .as_array()
            .is_some_and(|m| m.iter().any(|m| m["armed"] == true));
        fills > 0 && signals > 0 && armed
    });
    use Ty::*;
    check_keys(
        &snap,
        "",
        &[
            ("instance", Str),
            ("pid", Num),
            ("heartbeat_age_ms", Num),
            ("stale", Bool),
            ("runner", Obj),
            ("account", Obj),
            ("positions", Arr),
            ("market", Arr),
            ("signals", Arr),
            ("monitors", Arr),
            ("readers", Arr),
            ("metrics", Obj),
            ("last_seq", Num),
            ("durable_seq", Num),
        ],
    );
    assert_eq!(snap["instance"], name);
    assert_eq!(snap["durable_seq"], 2);
    assert_eq!(snap["stale"], false);
    check_keys(
        &snap["runner"],
        "runner",
        &[("status", Str), ("started_at", Num), ("reason", StrOrNull)],
    );
    assert_eq!(snap["runner"]["status"], "running");
    check_keys(
        &snap["account"],
        "account",
        &[
            ("cash", Num),
            ("realized_pnl", Num),
            ("unrealized_pnl", Num),
            ("equity", Num),
            ("daily_pnl", Num),
            ("daily_loss_limit", Num),
            ("halted", Bool),
        ],
    );
    check_each(
        &snap["positions"],
        "positions",
        &[
            ("instrument", Str),
            ("qty", Num),
            ("avg_price", Num),
            ("realized_pnl", Num),
            ("unrealized_pnl", Num),
            ("updated_ns", Num),
            ("mark", NumOrNull),
            ("mark_ns", Num),
        ],
    );
    check_each(
        &snap["market"],
        "market",
        &[
            ("instrument", Str),
            ("bid", Num),
            ("ask", Num),
            ("last", Num),
            ("updated_ns", Num),
        ],
    );
    check_each(
        &snap["signals"],
        "signals",
        &[
            ("instrument", Str),
            ("side", Str),
            ("strategy", Str),
            ("seq", Num),
        ],
    );
    check_each(
        &snap["monitors"],
        "monitors",
        &[("instrument", Str), ("armed", Bool)],
    );
    check_each(
        &snap["readers"],
        "readers",
        &[
            ("kind", Str),
            ("pid", Num),
            ("cursor", Num),
            ("lag", Num),
            ("gating", Bool),
            ("alive", Bool),
        ],
    );
    let readers = snap["readers"].as_array().map_or(0, Vec::len);
    assert!(
        readers >= 1,
        "the persist slot is listed: {}",
        snap["readers"]
    );
    check_keys(
        &snap["metrics"],
        "metrics",
        &[
            ("events_published", Num),
            ("ticks", Num),
            ("orders", Num),
            ("fills", Num),
            ("latency_ns", Obj),
        ],
    );
    check_keys(
        &snap["metrics"]["latency_ns"],
        "metrics.latency_ns",
        &[("p50", Num), ("p99", Num), ("p999", Num)],
    );
    assert_eq!(snap["positions"].as_array().map(Vec::len), Some(2));
}

#[test]
fn once_reads_a_stopped_core() {
    let dir = shm_dir();
    let name = "stopped";
    let core = Core::start(dir.path(), name, |_| {});
    let summary = core.stop();
    let snap = once_json(dir.path(), name);
    assert_eq!(snap["status"], "stopped");
    assert_eq!(snap["alive"], false);
    assert_eq!(snap["runner"]["status"], "stopped");
    assert_eq!(snap["last_seq"], summary.last_seq);

    let mut out = Vec::new();
    let opts = options(dir.path(), name, Mode::Once { json: false });
    once::run(&opts, false, &mut out).expect("monitor --once");
    let text = String::from_utf8(out).expect("utf-8");
    assert!(
        text.contains("region stopped") && text.contains("[STOPPED]"),
        "{text}"
    );
}

/// A shared byte buffer that is slow to write to (so a fast core laps the tail).
#[derive(Clone, Default)]
struct SlowSink {
    buf: Arc<Mutex<Vec<u8>>>,
    delay: Duration,
}

impl SlowSink {
    fn text(&self) -> String {
        String::from_utf8(self.buf.lock().expect("sink").clone()).expect("utf-8")
    }
}

impl Write for SlowSink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        thread::sleep(self.delay);
        self.buf.lock().expect("sink").extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Runs `tail::run` on a thread into sinks until `done(stdout text)` holds.
fn tail_until(
    opts: Options,
    json: bool,
    from: Option<u64>,
    out: SlowSink,
    mut done: impl FnMut(&str, &str) -> bool,
) -> (String, String) {
    let err = SlowSink::default();
    let (mut o, mut e) = (out.clone(), err.clone());
    let stop = opts.stop.clone();
    let handle = thread::spawn(move || tail::run(&opts, json, from, 10, &mut o, &mut e));
    let finished = || handle.is_finished();
    wait_for("the tail's output", || {
        finished() || done(&out.text(), &err.text())
    });
    stop.request();
    handle
        .join()
        .expect("tail thread")
        .expect("tail ends cleanly");
    (out.text(), err.text())
}

/// Checks JSON tail lines: all parse; event seqs increase by one, except across lag
/// markers, which account for the gap exactly. Returns (events, markers).
fn check_tail(text: &str, first: u64) -> (u64, u64) {
    let (mut expected, mut events, mut markers) = (first, 0, 0);
    for line in text.lines() {
        let v: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("line is not JSON ({e}): {line}"));
        if v["kind"] == "lagged" {
            let missed = v["missed"].as_u64().expect("missed is a number");
            assert!(missed > 0, "{line}");
            expected += missed;
            markers += 1;
            continue;
        }
        let seq = v["seq"]
            .as_u64()
            .unwrap_or_else(|| panic!("no seq: {line}"));
        assert!(v["ts_ns"].is_u64() && v["kind"].is_string(), "{line}");
        assert_eq!(seq, expected, "sequence gap not accounted for at {line}");
        expected = seq + 1;
        events += 1;
    }
    (events, markers)
}

#[test]
fn tail_json_lines_parse_and_gaps_are_marked() {
    let dir = shm_dir();
    let name = "tailjson";
    // A tiny ring and no rate limit: the slow sink below is lapped.
    let _core = Core::start(dir.path(), name, |cfg| {
        cfg.core.event_ring_capacity = 64;
        cfg.feed.synthetic.rate_per_sec = 0;
    });
    let sink = SlowSink {
        delay: Duration::from_millis(5),
        ..SlowSink::default()
    };
    let opts = options(
        dir.path(),
        name,
        Mode::Tail {
            json: true,
            from: Some(1),
            last: 10,
        },
    );
    let (text, _) = tail_until(opts, true, Some(1), sink, |out, _| {
        // Done once an event was printed after a marker that came after an event.
        let mut state = 0;
        for line in out.lines() {
            match (state, line.contains(r#""kind":"lagged""#)) {
                (0, false) => state = 1,
                (1, true) => state = 2,
                (2, false) => return true,
                _ => {}
            }
        }
        false
    });
    let (events, markers) = check_tail(&text, 1);
    assert!(
        events >= 2 && markers >= 1,
        "{events} events, {markers} markers"
    );
}

#[test]
fn tail_text_lines_and_restart_following() {
    let dir = shm_dir();
    let name = "tailtext";
    let first = Core::start(dir.path(), name, |_| {});
    let opts = options(
        dir.path(),
        name,
        Mode::Tail {
            json: false,
            from: Some(1),
            last: 10,
        },
    );
    let (out, err) = {
        let mut first = Some(first);
        let mut second = None;
        let res = tail_until(opts, false, Some(1), SlowSink::default(), |out, err| {
            if first.is_some() && out.contains("runner_started") && out.contains("trade_executed") {
                if let Some(core) = first.take() {
                    core.stop();
                }
                second = Some(Core::start(dir.path(), name, |_| {}));
            }
            err.contains("restarted") && out.matches("runner_started").count() >= 2
        });
        drop(second);
        res
    };
    let line = out
        .lines()
        .find(|l| l.contains("trade_executed"))
        .expect("a fill line");
    let words: Vec<&str> = line.split_whitespace().collect();
    assert!(words[0].parse::<u64>().is_ok(), "seq first: {line}");
    assert!(
        words[2] == "trade_executed" && words[3].ends_with("USD"),
        "{line}"
    );
    assert!(line.contains("side=") && line.contains("price="), "{line}");
    assert!(
        out.contains("runner_stopped"),
        "the first run's stop is printed"
    );
    assert!(err.contains("reattached"), "{err}");
}

#[test]
fn attach_errors_are_one_clear_line() {
    let dir = shm_dir();
    let err = once::run(
        &options(dir.path(), "nobody", Mode::Once { json: true }),
        true,
        &mut Vec::new(),
    )
    .expect_err("no instance");
    assert!(matches!(err, MonitorError::NoInstance { .. }));
    assert_eq!(
        err.to_string(),
        "no running instance nobody; start one with `seamless core --name nobody`"
    );

    // A region of the next layout version.
    let spec = RegionSpec {
        layout_version: LAYOUT_VERSION + 1,
        layout_hash: LAYOUT_HASH,
        sections: &[SectionSpec {
            id: 1,
            name: "meta",
            len: 64,
            align: 8,
        }],
    };
    let owner = RegionOwner::create(Some(dir.path()), "future", &spec).expect("a region");
    owner.set_status(Status::Running);
    let opts = options(dir.path(), "future", Mode::Once { json: true });
    let msg = once::run(&opts, true, &mut Vec::new())
        .expect_err("layout")
        .to_string();
    let want = format!(
        "region layout v{}, this reader understands v{}",
        LAYOUT_VERSION + 1,
        LAYOUT_VERSION
    );
    assert!(msg.contains(&want), "{msg}");

    // A region others may read.
    let path = owner.path().to_owned();
    drop(owner);
    let _owner = RegionOwner::create(Some(dir.path()), "future", &spec).expect("a region");
    let mode = std::os::unix::fs::PermissionsExt::from_mode(0o644);
    std::fs::set_permissions(&path, mode).expect("chmod");
    let msg = once::run(&opts, true, &mut Vec::new())
        .expect_err("permissions")
        .to_string();
    assert!(
        msg.contains("wrong permissions 0644") && msg.contains("0600"),
        "{msg}"
    );
}
