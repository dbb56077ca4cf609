//! Liveness of every process kind, as real processes: an instance runs a core, a
//! persister, a monitor (periodic lines) and a bridge; one of them is killed with
//! SIGKILL, or stopped with SIGSTOP and later continued with SIGCONT, and the others
//! must notice and say so:
//!
//! - the core logs a dead or hung persister, a hung monitor or bridge, and reclaims
//!   the slot of a dead one (`gating.reader_timeout_ms`, scans every 100 ms);
//! - the persister logs a dead or hung core (`monitor.stale_ms`);
//! - `monitor --once --json` shows the core `stale`/not `alive`, and each reader's
//!   `alive`/`stale`;
//! - the bridge answers `/healthz` with 503 and the reason (read with a plain TCP
//!   client).
//!
//! After SIGCONT (or a restart after SIGKILL) every report returns to normal.
//!
//! Detection times, from the signal to the first poll that sees the report, are
//! printed as a table (`cargo test --test liveness_process -- --nocapture`); they are
//! never asserted: only that each report comes before a generous deadline. The tests
//! run one at a time (a lock), so the figures are not skewed by each other.
//!
//! Also: `seamless clean` never removes a live instance's files and removes a killed
//! one's; a second `seamless core` for a live instance is refused; a core started
//! after a killed one replaces its region and reclaims its dead readers' slots.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use common::{BIN, DEADLINE, Proc, ShmDir, attach, wait_for};
use serde_json::Value;

/// `monitor.stale_ms` of the tests (the default): the persister, monitor and bridge
/// call the core stale past it.
const STALE_MS: u64 = 1000;
/// `gating.reader_timeout_ms` of the tests (the default): the core calls a reader
/// hung past it.
const READER_TIMEOUT_MS: u64 = 2000;
/// Time any single HTTP request may take (a stopped bridge never answers).
const HTTP_TIMEOUT: Duration = Duration::from_secs(5);

/// One test at a time: detection times measured on a machine shared with another
/// instance's four processes would say little.
fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// One instance: its shared-memory directory, config, data directory and logs.
struct Instance {
    shm: Arc<ShmDir>,
    root: tempfile::TempDir,
    name: String,
}

impl Instance {
    fn new(test: &str) -> Instance {
        Instance::in_dir(Arc::new(ShmDir::new(test)), test)
    }

    /// Another instance, `name`, in this one's shared-memory directory.
    fn beside(&self, name: &str) -> Instance {
        Instance::in_dir(Arc::clone(&self.shm), name)
    }

    fn in_dir(shm: Arc<ShmDir>, name: &str) -> Instance {
        let root = tempfile::tempdir().unwrap();
        let cfg = format!(
            "\
[core]
heartbeat_ms = 5
[feed.synthetic]
rate_per_sec = 1000
[persist]
fsync = \"interval\"
[gating]
reader_timeout_ms = {READER_TIMEOUT_MS}
[monitor]
stale_ms = {STALE_MS}
"
        );
        std::fs::write(root.path().join("seamless.toml"), cfg).unwrap();
        std::fs::create_dir(root.path().join("logs")).unwrap();
        Instance {
            shm,
            root,
            name: name.to_owned(),
        }
    }

    fn cfg(&self) -> PathBuf {
        self.root.path().join("seamless.toml")
    }

    fn data(&self) -> PathBuf {
        self.root.path().join("data")
    }

    fn logs(&self) -> PathBuf {
        self.root.path().join("logs")
    }

    /// `seamless <cmd> --config C --name N <extra>`, output in `logs/<label>.*`.
    fn start(&self, label: &str, cmd: &str, extra: &[&str]) -> Proc {
        let cfg = self.cfg();
        let mut args = vec![cmd, "--config", cfg.to_str().unwrap(), "--name", &self.name];
        args.extend_from_slice(extra);
        Proc::start(self.shm.path(), &self.logs(), label, &args)
    }

    fn core(&self) -> Proc {
        let data = self.data();
        let data = data.to_str().unwrap();
        self.start("core", "core", &["--feed", "synthetic", "--data-dir", data])
    }

    fn persister(&self) -> Proc {
        let data = self.data();
        self.start(
            "persist",
            "persist",
            &["--data-dir", data.to_str().unwrap(), "--wait"],
        )
    }

    /// The monitor in its periodic mode (stdout is not a terminal).
    fn monitor(&self) -> Proc {
        self.start("monitor", "monitor", &["--interval", "100"])
    }

    fn bridge(&self) -> (Proc, String) {
        let mut bridge = self.start("bridge", "bridge", &["--listen", "127.0.0.1:0"]);
        let addr = printed_addr(&mut bridge);
        (bridge, addr)
    }

    /// `seamless <args>` run to its end in the instance's shared-memory directory.
    fn run(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .args(args)
            .current_dir(self.logs())
            .env("SEAMLESS_SHM_DIR", self.shm.path())
            .output()
            .unwrap()
    }

    /// `monitor --once --json`, parsed; `None` if it failed.
    fn once(&self) -> Option<Value> {
        let cfg = self.cfg();
        let args = [
            "monitor",
            "--config",
            cfg.to_str().unwrap(),
            "--name",
            &self.name,
            "--once",
            "--json",
        ];
        let out = self.run(&args);
        if !out.status.success() {
            return None;
        }
        serde_json::from_slice(&out.stdout).ok()
    }

    /// The instance's files in the shared-memory directory, by file name.
    fn files(&self) -> Vec<String> {
        let prefix = format!("seamless-{}", self.name);
        let mut names: Vec<String> = std::fs::read_dir(self.shm.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n == &prefix || n.starts_with(&format!("{prefix}.")))
            .collect();
        names.sort();
        names
    }

    fn path_of(&self, file: &str) -> PathBuf {
        self.shm.path().join(file)
    }
}

/// The four processes of a running instance.
struct Running {
    core: Proc,
    persist: Proc,
    monitor: Proc,
    bridge: Proc,
    addr: String,
}

impl Running {
    /// Starts the persister, the core, the monitor and the bridge, and waits until
    /// every report says all is well.
    fn start(inst: &Instance) -> Running {
        let persist = inst.persister();
        let mut core = inst.core();
        drop(attach(inst.shm.path(), &inst.name, &mut core));
        let monitor = inst.monitor();
        let (bridge, addr) = inst.bridge();
        let run = Running {
            core,
            persist,
            monitor,
            bridge,
            addr,
        };
        run.wait_well(inst);
        run
    }

    /// Every process's output, for failure messages.
    fn logs(&self) -> String {
        format!(
            "core {}:\n{}\npersist {}:\n{}\nmonitor {}:\n{}\nbridge {}:\n{}",
            self.core.pid(),
            self.core.stderr(),
            self.persist.pid(),
            self.persist.stderr(),
            self.monitor.pid(),
            self.monitor.stderr(),
            self.bridge.pid(),
            self.bridge.stderr()
        )
    }

    fn monitor_role(&self) -> String {
        format!("monitor-{}", self.monitor.pid())
    }

    fn bridge_role(&self) -> String {
        format!("bridge-{}", self.bridge.pid())
    }

    /// Waits until the core is fresh for `monitor --once` and the bridge, the
    /// persister gates it, and every reader is alive and fresh.
    fn wait_well(&self, inst: &Instance) {
        let roles = [
            "persist".to_owned(),
            self.monitor_role(),
            self.bridge_role(),
        ];
        wait_for(
            "the persister's gate",
            || self.logs(),
            || {
                self.core
                    .stderr()
                    .contains("gating reader persist registered")
            },
        );
        wait_for(
            "a healthy instance",
            || format!("{:?}\n{}", inst.once(), self.logs()),
            || {
                let Some(v) = inst.once() else { return false };
                v["pid"] == self.core.pid()
                    && v["stale"] == false
                    && roles.iter().all(|r| {
                        reader(&v, r).is_some_and(|r| r["alive"] == true && r["stale"] == false)
                    })
            },
        );
        wait_for(
            "/healthz 200",
            || self.logs(),
            || get(&self.addr, "/healthz").is_some_and(|(status, _)| status == 200),
        );
    }
}

/// A process stopped with SIGSTOP, continued on [`resume`](Self::resume) or drop.
struct Paused<'a> {
    proc: &'a Proc,
    running: bool,
}

impl<'a> Paused<'a> {
    fn stop(proc: &'a Proc) -> Paused<'a> {
        proc.signal("-STOP");
        Paused {
            proc,
            running: false,
        }
    }

    fn resume(&mut self) {
        self.proc.signal("-CONT");
        self.running = true;
    }
}

impl Drop for Paused<'_> {
    fn drop(&mut self) {
        if !self.running {
            // Never leave a stopped process behind, even when a test fails.
            let _ = Command::new("kill")
                .args(["-CONT", &self.proc.pid().to_string()])
                .status();
        }
    }
}

/// The reader `role` in a snapshot object.
fn reader<'v>(snap: &'v Value, role: &str) -> Option<&'v Value> {
    snap["readers"]
        .as_array()?
        .iter()
        .find(|r| r["role"] == role)
}

/// `GET path` over a fresh connection: status and body; `None` when there is no
/// answer within [`HTTP_TIMEOUT`].
fn get(addr: &str, path: &str) -> Option<(u16, String)> {
    let sock: SocketAddr = addr.parse().ok()?;
    let mut s = TcpStream::connect_timeout(&sock, HTTP_TIMEOUT).ok()?;
    s.set_read_timeout(Some(HTTP_TIMEOUT)).ok()?;
    s.set_write_timeout(Some(HTTP_TIMEOUT)).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    let status = text.split(' ').nth(1)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n").map_or("", |b| b.1).to_owned();
    Some((status, body))
}

fn printed_addr(bridge: &mut Proc) -> String {
    let mut addr = None;
    wait_for(
        "the bridge's address",
        || bridge.logs(),
        || {
            addr = bridge
                .stdout()
                .lines()
                .find_map(|l| l.split("on http://").nth(1))
                .map(|a| a.trim_end_matches('/').to_owned());
            addr.is_some()
        },
    );
    addr.unwrap()
}

/// `proc`'s stderr written after `mark` bytes contains `needle`.
fn logged_after(proc: &Proc, mark: usize, needle: &str) -> bool {
    proc.stderr()
        .get(mark..)
        .is_some_and(|s| s.contains(needle))
}

/// A condition polled until it holds.
type Check<'a> = Box<dyn FnMut() -> bool + Send + 'a>;

/// One observer's report of one case.
struct Row {
    case: String,
    observer: String,
    threshold: String,
    detected: Duration,
}

/// Polls every check in a thread of its own from `t0` (the signal) until each holds,
/// and returns when each was first seen; panics with `context()` after [`DEADLINE`].
fn observe(
    case: &str,
    t0: Instant,
    context: &(dyn Fn() -> String + Sync),
    checks: Vec<(&str, String, Check<'_>)>,
) -> Vec<Row> {
    thread::scope(|s| {
        let handles: Vec<_> = checks
            .into_iter()
            .map(|(observer, threshold, mut check)| {
                s.spawn(move || {
                    loop {
                        if check() {
                            return Row {
                                case: case.to_owned(),
                                observer: observer.to_owned(),
                                threshold,
                                detected: t0.elapsed(),
                            };
                        }
                        assert!(
                            t0.elapsed() < DEADLINE,
                            "{case}: timed out waiting for {observer}: {}",
                            context()
                        );
                        thread::sleep(Duration::from_millis(2));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// Prints the rows as a table (shown with `--nocapture`).
fn print_table(title: &str, rows: &[Row]) {
    println!("\n{title}");
    println!(
        "| {:<22} | {:<58} | {:<24} | {:>9} |",
        "case", "observer: report", "threshold", "detected"
    );
    println!("|{:-<24}|{:-<60}|{:-<26}|{:->11}|", "", "", "", "");
    for r in rows {
        println!(
            "| {:<22} | {:<58} | {:<24} | {:>6} ms |",
            r.case,
            r.observer,
            r.threshold,
            r.detected.as_millis()
        );
    }
}

fn stale_ms() -> String {
    format!("stale_ms {STALE_MS}")
}

fn reader_timeout() -> String {
    format!("reader_timeout_ms {READER_TIMEOUT_MS}")
}

fn lock_only() -> String {
    "lock (no threshold)".to_owned()
}

#[test]
fn core_sigkill_and_sigstop_are_reported_by_persister_monitor_and_bridge() {
    let _serial = serial();
    let inst = Instance::new("live-core");
    let mut run = Running::start(&inst);
    let mut rows = Vec::new();

    // SIGSTOP: alive (its lock is held) but its heartbeat stops.
    let (pmark, pid) = (run.persist.stderr().len(), run.core.pid());
    let t0 = Instant::now();
    let mut paused = Paused::stop(&run.core);
    let hung = format!("the core (pid {pid}) is hung");
    rows.extend(observe(
        "core SIGSTOP",
        t0,
        &|| format!("{:?}\n{}", inst.once(), run.logs()),
        vec![
            (
                "persister: \"the core is hung\"",
                stale_ms(),
                Box::new(|| logged_after(&run.persist, pmark, &hung)),
            ),
            (
                "monitor --once: stale true, alive true",
                stale_ms(),
                Box::new(|| {
                    inst.once()
                        .is_some_and(|v| v["stale"] == true && v["alive"] == true)
                }),
            ),
            (
                "bridge /healthz: 503 \"is stale\"",
                stale_ms(),
                Box::new(|| {
                    get(&run.addr, "/healthz")
                        .is_some_and(|(s, body)| s == 503 && body.contains("is stale"))
                }),
            ),
        ],
    ));
    let (pmark, t0) = (run.persist.stderr().len(), Instant::now());
    paused.resume();
    let back = format!("the core (pid {pid}) is responsive again");
    rows.extend(observe(
        "core SIGCONT",
        t0,
        &|| format!("{:?}\n{}", inst.once(), run.logs()),
        vec![
            (
                "persister: \"responsive again\"",
                stale_ms(),
                Box::new(|| logged_after(&run.persist, pmark, &back)),
            ),
            (
                "monitor --once: stale false",
                stale_ms(),
                Box::new(|| inst.once().is_some_and(|v| v["stale"] == false)),
            ),
            (
                "bridge /healthz: 200",
                stale_ms(),
                Box::new(|| get(&run.addr, "/healthz").is_some_and(|(s, _)| s == 200)),
            ),
        ],
    ));
    drop(paused);

    // SIGKILL: the lock is released at once.
    let (pmark, mmark) = (run.persist.stderr().len(), run.monitor.stderr().len());
    let t0 = Instant::now();
    run.core.kill9();
    let died = format!("the core (pid {pid}) died without stopping");
    rows.extend(observe(
        "core SIGKILL",
        t0,
        &|| format!("{:?}\n{}", inst.once(), run.logs()),
        vec![
            (
                "persister: \"the core died without stopping\"",
                lock_only(),
                Box::new(|| logged_after(&run.persist, pmark, &died)),
            ),
            (
                "monitor --once: alive false, stale true",
                lock_only(),
                Box::new(|| {
                    inst.once()
                        .is_some_and(|v| v["alive"] == false && v["stale"] == true)
                }),
            ),
            (
                "bridge /healthz: 503 \"not running\"",
                lock_only(),
                Box::new(|| {
                    get(&run.addr, "/healthz")
                        .is_some_and(|(s, body)| s == 503 && body.contains("is not running"))
                }),
            ),
        ],
    ));
    // A new core replaces the dead region; the readers follow it.
    let pmark = run.persist.stderr().len();
    let t0 = Instant::now();
    run.core = inst.core();
    let pid = run.core.pid();
    let following = format!("(core pid {pid})");
    rows.extend(observe(
        "core restarted",
        t0,
        &|| format!("{:?}\n{}", inst.once(), run.logs()),
        vec![
            (
                "persister: \"following run ... (core pid P)\"",
                "-".to_owned(),
                Box::new(|| logged_after(&run.persist, pmark, &following)),
            ),
            (
                "monitor lines: \"restarted ... reattached\"",
                "-".to_owned(),
                Box::new(|| logged_after(&run.monitor, mmark, "reattached")),
            ),
            (
                "bridge /healthz: 200 with the new pid",
                "-".to_owned(),
                Box::new(|| {
                    get(&run.addr, "/healthz")
                        .is_some_and(|(s, body)| s == 200 && body.contains(&format!("(pid {pid})")))
                }),
            ),
        ],
    ));
    run.wait_well(&inst);
    print_table("liveness: the core", &rows);
}

#[test]
fn persister_sigkill_and_sigstop_are_reported_by_core_monitor_and_bridge() {
    let _serial = serial();
    let inst = Instance::new("live-persist");
    let mut run = Running::start(&inst);
    let mut rows = Vec::new();
    let persist_state = |alive: bool, stale: bool| {
        get(&run.addr, "/api/state").is_some_and(|(s, body)| {
            s == 200
                && serde_json::from_str::<Value>(&body).is_ok_and(|v| {
                    reader(&v, "persist")
                        .is_some_and(|r| r["alive"] == alive && r["stale"] == stale)
                })
        })
    };
    let once_persist = |alive: bool, stale: bool| {
        inst.once().is_some_and(|v| {
            reader(&v, "persist").is_some_and(|r| r["alive"] == alive && r["stale"] == stale)
        })
    };

    let (cmark, pid) = (run.core.stderr().len(), run.persist.pid());
    let t0 = Instant::now();
    let mut paused = Paused::stop(&run.persist);
    let hung = format!("the persister (pid {pid}) is hung");
    rows.extend(observe(
        "persister SIGSTOP",
        t0,
        &|| format!("{:?}\n{}", inst.once(), run.logs()),
        vec![
            (
                "core: \"the persister is hung\"",
                reader_timeout(),
                Box::new(|| logged_after(&run.core, cmark, &hung)),
            ),
            (
                "monitor --once: readers[persist].stale",
                stale_ms(),
                Box::new(|| once_persist(true, true)),
            ),
            (
                "bridge /api/state: readers[persist].stale",
                stale_ms(),
                Box::new(|| persist_state(true, true)),
            ),
        ],
    ));
    let (cmark, t0) = (run.core.stderr().len(), Instant::now());
    paused.resume();
    let back = format!("the persister (pid {pid}) is responsive again");
    rows.extend(observe(
        "persister SIGCONT",
        t0,
        &|| format!("{:?}\n{}", inst.once(), run.logs()),
        vec![
            (
                "core: \"the persister is responsive again\"",
                reader_timeout(),
                Box::new(|| logged_after(&run.core, cmark, &back)),
            ),
            (
                "monitor --once: readers[persist] fresh",
                stale_ms(),
                Box::new(|| once_persist(true, false)),
            ),
            (
                "bridge /api/state: readers[persist] fresh",
                stale_ms(),
                Box::new(|| persist_state(true, false)),
            ),
        ],
    ));
    drop(paused);

    let cmark = run.core.stderr().len();
    let t0 = Instant::now();
    run.persist.kill9();
    let died = format!("the persister (pid {pid}) died");
    rows.extend(observe(
        "persister SIGKILL",
        t0,
        &|| format!("{:?}\n{}", inst.once(), run.logs()),
        vec![
            (
                "core: \"the persister died\"",
                lock_only(),
                Box::new(|| logged_after(&run.core, cmark, &died)),
            ),
            (
                "monitor --once: readers[persist].alive false",
                lock_only(),
                Box::new(|| once_persist(false, false)),
            ),
            (
                "bridge /api/state: readers[persist].alive false",
                lock_only(),
                Box::new(|| persist_state(false, false)),
            ),
        ],
    ));
    let slot = inst.path_of(&format!("seamless-{}.reader-persist", inst.name));
    assert!(
        slot.exists(),
        "the dead persister's slot is kept (it gates)"
    );

    let cmark = run.core.stderr().len();
    let t0 = Instant::now();
    run.persist = inst.persister();
    let pid = run.persist.pid();
    let took = format!("a persister (pid {pid}) took the slot over");
    rows.extend(observe(
        "persister restarted",
        t0,
        &|| format!("{:?}\n{}", inst.once(), run.logs()),
        vec![(
            "core: \"a persister took the slot over\"",
            "-".to_owned(),
            Box::new(|| logged_after(&run.core, cmark, &took)),
        )],
    ));
    run.wait_well(&inst);
    print_table("liveness: the persister", &rows);
}

/// The monitor and the bridge are non-gating readers: the core reports them hung and
/// reclaims their slots once dead; `monitor --once` shows them.
fn non_gating_reader(kind: &str) {
    let _serial = serial();
    let inst = Instance::new(&format!("live-{kind}"));
    let mut run = Running::start(&inst);
    let mut rows = Vec::new();
    let victim = if kind == "monitor" {
        &run.monitor
    } else {
        &run.bridge
    };
    let (pid, role) = (victim.pid(), format!("{kind}-{}", victim.pid()));
    let once_reader = |want: &dyn Fn(Option<&Value>) -> bool| {
        inst.once().is_some_and(|v| want(reader(&v, &role)))
    };
    let core = &run.core;
    let context = || format!("{:?}\ncore:\n{}", inst.once(), core.stderr());

    let cmark = core.stderr().len();
    let t0 = Instant::now();
    let mut paused = Paused::stop(victim);
    let hung = format!("reader {role} (pid {pid}) is hung");
    rows.extend(observe(
        &format!("{kind} SIGSTOP"),
        t0,
        &context,
        vec![
            (
                "core: \"reader ... is hung\"",
                reader_timeout(),
                Box::new(|| logged_after(core, cmark, &hung)),
            ),
            (
                "monitor --once: readers[role].stale",
                stale_ms(),
                Box::new(|| once_reader(&|r| r.is_some_and(|r| r["stale"] == true))),
            ),
        ],
    ));
    let (cmark, t0) = (core.stderr().len(), Instant::now());
    paused.resume();
    let back = format!("reader {role} (pid {pid}) is responsive again");
    let mut checks: Vec<(&str, String, Check<'_>)> = vec![
        (
            "core: \"reader ... is responsive again\"",
            reader_timeout(),
            Box::new(|| logged_after(core, cmark, &back)),
        ),
        (
            "monitor --once: readers[role] fresh",
            stale_ms(),
            Box::new(|| {
                once_reader(&|r| r.is_some_and(|r| r["stale"] == false && r["alive"] == true))
            }),
        ),
    ];
    if kind == "bridge" {
        let addr = run.addr.clone();
        checks.push((
            "bridge /healthz: answers 200 again",
            "-".to_owned(),
            Box::new(move || get(&addr, "/healthz").is_some_and(|(s, _)| s == 200)),
        ));
    }
    rows.extend(observe(&format!("{kind} SIGCONT"), t0, &context, checks));
    drop(paused);

    let slot = inst.path_of(&format!("seamless-{}.reader-{role}", inst.name));
    assert!(slot.exists(), "{} has a slot", slot.display());
    let cmark = core.stderr().len();
    let t0 = Instant::now();
    let victim = if kind == "monitor" {
        &mut run.monitor
    } else {
        &mut run.bridge
    };
    victim.kill9();
    let gone = format!("reader {role} (pid {pid}) is gone: its slot was removed");
    let core = &run.core;
    let context = || format!("{:?}\ncore:\n{}", inst.once(), core.stderr());
    rows.extend(observe(
        &format!("{kind} SIGKILL"),
        t0,
        &context,
        vec![
            (
                "core: \"reader ... is gone: its slot was removed\"",
                lock_only(),
                Box::new(|| logged_after(core, cmark, &gone)),
            ),
            (
                "monitor --once: readers[role] gone",
                lock_only(),
                Box::new(|| once_reader(&|r| r.is_none_or(|r| r["alive"] == false))),
            ),
        ],
    ));
    assert!(!slot.exists(), "the dead {kind}'s slot was reclaimed");
    print_table(&format!("liveness: the {kind}"), &rows);
}

#[test]
fn monitor_sigkill_and_sigstop_are_reported_by_core_and_monitor() {
    non_gating_reader("monitor");
}

#[test]
fn bridge_sigkill_and_sigstop_are_reported_by_core_and_monitor() {
    non_gating_reader("bridge");
}

/// Whether `clean`'s output lists `file` with `what` (`removed`, `live`).
fn listed(out: &str, what: &str, file: &Path) -> bool {
    let file = file.display().to_string();
    out.lines()
        .any(|l| l.starts_with(what) && l.split_whitespace().nth(1) == Some(file.as_str()))
}

#[test]
fn clean_keeps_live_instances_removes_killed_ones_and_a_second_core_is_refused() {
    let _serial = serial();
    let a = Instance::new("live-clean-a");
    let b = a.beside("live-clean-b");
    let mut run = Running::start(&a);
    let mut b_core = b.core();
    drop(attach(b.shm.path(), &b.name, &mut b_core));
    let b_monitor = b.monitor();
    let b_slot = a.path_of(&format!(
        "seamless-{}.reader-monitor-{}",
        b.name,
        b_monitor.pid()
    ));
    wait_for("b's monitor slot", || b_monitor.logs(), || b_slot.exists());

    let a_files = a.files();
    let expected = [
        format!("seamless-{}", a.name),
        format!("seamless-{}.reader-{}", a.name, run.bridge_role()),
        format!("seamless-{}.reader-{}", a.name, run.monitor_role()),
        format!("seamless-{}.reader-persist", a.name),
    ];
    assert_eq!(a_files, expected, "the live instance's region and slots");

    // A live instance: nothing removed, every file listed as live.
    for args in [&["clean", "--name", &a.name][..], &["clean"][..]] {
        let out = a.run(args);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "{args:?}: {text}");
        assert!(text.contains("0 removed"), "{args:?}: {text}");
        for f in &a_files {
            assert!(listed(&text, "live", &a.path_of(f)), "{f} live: {text}");
        }
    }
    assert_eq!(a.files(), a_files, "clean removed a live file");

    // A second core for the live instance is refused and changes nothing.
    let out = a.run(&[
        "core",
        "--config",
        a.cfg().to_str().unwrap(),
        "--name",
        &a.name,
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "refused: {err}");
    assert!(
        err.contains(&format!("instance {} is already running", a.name)),
        "{err}"
    );
    assert!(run.core.exited().is_none(), "the first core still runs");
    assert_eq!(a.files(), a_files);
    let v = a.once().expect("monitor --once");
    assert_eq!(
        v["pid"],
        run.core.pid(),
        "the region is still the first core's"
    );

    // Killed: the core first (it would reclaim the readers' slots itself), then the
    // readers, leaving every file behind.
    run.core.kill9();
    run.persist.kill9();
    run.monitor.kill9();
    run.bridge.kill9();
    assert_eq!(a.files(), a_files, "SIGKILL leaves the files behind");
    let out = a.run(&["clean"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{text}");
    for f in &a_files {
        assert!(
            listed(&text, "removed", &a.path_of(f)),
            "{f} removed: {text}"
        );
    }
    assert!(a.files().is_empty(), "left: {:?}", a.files());
    // The other instance, alive, is untouched.
    let region_b = a.path_of(&format!("seamless-{}", b.name));
    assert!(listed(&text, "live", &region_b), "{text}");
    assert!(listed(&text, "live", &b_slot), "{text}");
    assert!(region_b.exists() && b_slot.exists());
    assert!(b_core.exited().is_none(), "b's core: {}", b_core.logs());

    // The next start cleans too: a new core replaces the killed one's region and
    // reclaims the killed monitor's slot.
    let mut b_monitor = b_monitor;
    b_core.kill9();
    b_monitor.kill9();
    assert!(region_b.exists() && b_slot.exists(), "SIGKILL leaves them");
    let mut b_core = b.core();
    let region = attach(b.shm.path(), &b.name, &mut b_core);
    assert_eq!(region.pid(), b_core.pid(), "the dead region was replaced");
    // The core logs the reclaim just after removing the slot: wait for both.
    let said = format!("reader monitor-{}", b_monitor.pid());
    wait_for(
        "the dead monitor's slot reclaimed and the reclaim logged",
        || b_core.logs(),
        || !b_slot.exists() && b_core.stderr().contains(&said),
    );
}
