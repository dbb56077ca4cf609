//! `seamless monitor` as a real process against `seamless core` processes: exit codes
//! and error lines, `--help`, `--once --json`, the periodic lines without a TTY,
//! `--tail` ending quietly on SIGINT and on a closed pipe, and the TUI inside tmux
//! (state and event tail on screen, DEAD after SIGKILL, reattached after a restart,
//! `q` exits 0).
//!
//! Every test has its own `SEAMLESS_SHM_DIR` under /dev/shm, its own instance name
//! and its own tmux server; every child is killed on drop, also when a test fails.
//! Waits poll a condition against a generous deadline; nothing asserts a duration.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use seamless_core::shared::SharedReader;
use seamless_ipc::reader_slot::ReaderSlotView;
use seamless_ipc::region::Status;

mod common;

use common::tmux::Tmux;
use common::{BIN, DEADLINE, ShmDir};

/// A child process, SIGKILLed and reaped on drop.
struct Proc(Child);

impl Proc {
    fn pid(&self) -> u32 {
        self.0.id()
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([format!("-{sig}"), self.pid().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "kill -{sig} {}", self.pid());
    }

    /// Waits (polling) for the exit; the exit code.
    fn wait_exit(&mut self) -> Option<i32> {
        let began = Instant::now();
        loop {
            if let Some(status) = self.0.try_wait().expect("try_wait") {
                return status.code();
            }
            assert!(
                began.elapsed() < DEADLINE,
                "process {} did not exit",
                self.pid()
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    fn stdout(&mut self) -> BufReader<ChildStdout> {
        BufReader::new(self.0.stdout.take().expect("piped stdout"))
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let began = Instant::now();
    while !cond() {
        assert!(began.elapsed() < DEADLINE, "timed out waiting for {what}");
        thread::sleep(Duration::from_millis(50));
    }
}

/// Starts `seamless core --name NAME --feed synthetic --rate 2000` and waits until its
/// region is running.
fn start_core(dir: &ShmDir, name: &str) -> Proc {
    let log =
        |what: &str| File::create(dir.path().join(format!("core-{name}.{what}"))).expect("log");
    let child = Command::new(BIN)
        .args([
            "core",
            "--name",
            name,
            "--feed",
            "synthetic",
            "--rate",
            "2000",
        ])
        .env("SEAMLESS_SHM_DIR", dir.path())
        .current_dir(dir.path()) // the default data dir `data` lands here
        .stdin(Stdio::null())
        .stdout(log("out"))
        .stderr(log("err"))
        .spawn()
        .expect("spawn seamless core");
    let core = Proc(child);
    let pid = core.pid();
    wait_for("the core's region", || {
        SharedReader::attach(Some(dir.path()), name)
            .is_ok_and(|r| r.status() == Status::Running && r.pid() == pid)
    });
    core
}

fn monitor(dir: &ShmDir) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("monitor")
        .env("SEAMLESS_SHM_DIR", dir.path())
        .stdin(Stdio::null());
    cmd
}

fn run_monitor(dir: &ShmDir, args: &[&str]) -> Output {
    monitor(dir)
        .args(args)
        .output()
        .expect("run seamless monitor")
}

fn spawn_monitor(dir: &ShmDir, args: &[&str]) -> Proc {
    let child = monitor(dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn seamless monitor");
    Proc(child)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn no_instance_is_one_line_and_exit_1() {
    let dir = ShmDir::new("noinst");
    for args in [
        &["--name", "ghost", "--once", "--json"][..],
        &["--name", "ghost", "--tail"],
        &["--name", "ghost"],
    ] {
        let out = run_monitor(&dir, args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.contains("no running instance ghost; start one with `seamless core --name ghost`"),
            "{err}"
        );
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn usage_errors_exit_2() {
    let dir = ShmDir::new("usage");
    for args in [
        &["--fps", "0"][..],
        &["--stale-ms", "0"],
        &["--from", "3"],
        &["--once", "--tail"],
        &["--tail", "--from", "1", "--lines", "5"],
        &["--name", "a/b", "--once"],
        &["--interval", "1"],
        &["--bogus"],
    ] {
        let out = run_monitor(&dir, args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(!out.stderr.is_empty());
    }
}

#[test]
fn help_has_an_example_for_every_flag() {
    let dir = ShmDir::new("help");
    let out = run_monitor(&dir, &["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    let examples = help
        .split_once("Examples:")
        .map(|(_, e)| e)
        .expect("Examples section");
    for flag in [
        "--name",
        "--once",
        "--json",
        "--tail",
        "--from",
        "--lines",
        "--fps",
        "--stale-ms",
        "--config",
        "--interval",
    ] {
        assert!(
            examples.contains(flag),
            "no example uses {flag}:\n{examples}"
        );
    }
    assert!(examples.contains("Exit status: 0"), "{examples}");
}

#[test]
fn once_json_and_periodic_lines() {
    let dir = ShmDir::new("once");
    let name = "oncebin";
    let _core = start_core(&dir, name);
    let out = run_monitor(&dir, &["--name", name, "--once", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json = text(&out.stdout);
    assert!(
        json.starts_with(&format!(r#"{{"instance":"{name}","#)),
        "{json}"
    );
    assert!(json.ends_with("}\n") && json.lines().count() == 1, "{json}");
    for key in [r#""durable_seq":null"#, r#""last_seq":"#, r#""readers":["#] {
        assert!(json.contains(key), "{key} missing: {json}");
    }

    let out = run_monitor(&dir, &["--name", name, "--once"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains(&format!("instance {name} pid")));

    // No TTY and no flags: one status line per interval until SIGTERM.
    let mut lines = spawn_monitor(&dir, &["--name", name, "--interval", "100"]);
    let mut reader = lines.stdout();
    for _ in 0..3 {
        let mut line = String::new();
        reader.read_line(&mut line).expect("a status line");
        assert!(line.contains(name) && line.contains("running"), "{line:?}");
    }
    lines.signal("TERM");
    assert_eq!(lines.wait_exit(), Some(0));
}

#[test]
fn tail_ends_quietly_on_sigint_and_on_a_closed_pipe() {
    let dir = ShmDir::new("tail");
    let name = "tailbin";
    let _core = start_core(&dir, name);

    let mut tail = spawn_monitor(&dir, &["--name", name, "--tail", "--json"]);
    let mut reader = tail.stdout();
    let slot = format!("seamless-{name}.reader-monitor-{}", tail.pid());
    for _ in 0..5 {
        let mut line = String::new();
        reader.read_line(&mut line).expect("an event line");
        assert!(line.starts_with(r#"{"seq":"#), "{line:?}");
    }
    assert_eq!(
        monitor_slots(&dir, name),
        vec![slot],
        "a slot while running"
    );
    let role = format!("monitor-{}", tail.pid());
    let view = ReaderSlotView::open(Some(dir.path()), name, &role).expect("the monitor's slot");
    assert!(
        view.is_owner_alive() && !view.gating(),
        "alive and never gating"
    );
    tail.signal("INT");
    assert_eq!(tail.wait_exit(), Some(0));
    let mut err = String::new();
    let _ = std::io::Read::read_to_string(tail.0.stderr.as_mut().expect("stderr"), &mut err);
    assert!(err.is_empty(), "quiet on SIGINT: {err}");

    let mut tail = spawn_monitor(&dir, &["--name", name, "--tail"]);
    let mut reader = tail.stdout();
    let mut line = String::new();
    reader.read_line(&mut line).expect("an event line");
    drop(reader); // the reading end goes away, like `| head -1`
    assert_eq!(tail.wait_exit(), Some(0));
    assert_eq!(
        monitor_slots(&dir, name),
        Vec::<String>::new(),
        "slots removed on exit"
    );
}

/// The monitor reader slots of instance `name` in `dir`.
fn monitor_slots(dir: &ShmDir, name: &str) -> Vec<String> {
    let prefix = format!("seamless-{name}.reader-monitor-");
    let entries = std::fs::read_dir(dir.path()).expect("list the shm directory");
    entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|f| f.starts_with(&prefix))
        .collect()
}

/// The sequence of the newest event in the tail pane (the row under its header).
fn top_event_seq(screen: &str) -> Option<u64> {
    let lines: Vec<&str> = screen.lines().collect();
    let header = lines
        .iter()
        .position(|l| l.contains("Seq") && l.contains("Kind") && l.contains("Fields"))?;
    let row = lines.get(header + 1)?.trim_start_matches(['│', ' ']);
    row.split_whitespace().next()?.parse().ok()
}

/// The line of the screen holding `needle` (empty if none).
fn line_with<'a>(screen: &'a str, needle: &str) -> Vec<&'a str> {
    screen.lines().filter(|l| l.contains(needle)).collect()
}

#[test]
fn tui_in_tmux_shows_state_survives_sigkill_and_reattaches() {
    let dir = ShmDir::new("tui");
    let name = "tuibin";
    let mut core = start_core(&dir, name);
    let tmux = Tmux::start(&dir, &["monitor", "--name", name]);

    // Positions and market rows, with numbers.
    let screen = tmux.wait_screen("positions and market rows", |s| {
        let market = line_with(s, "BTCUSD").iter().any(|l| l.contains('.'));
        s.contains("Avg price") && s.contains("Bid") && market && s.contains("trade_executed")
    });
    assert!(
        screen.contains(&format!("seamless monitor: {name}")),
        "{screen}"
    );
    assert!(screen.contains(&format!("pid {}", core.pid())), "{screen}");

    // The event tail moves.
    let first = top_event_seq(&screen).unwrap_or_else(|| panic!("no event row:\n{screen}"));
    tmux.wait_screen("the event tail to move", |s| {
        top_event_seq(s).is_some_and(|seq| seq > first)
    });

    // SIGKILL: DEAD (or STALE) on screen, the monitor still running.
    let _ = core.0.kill();
    let _ = core.0.wait();
    let screen = tmux.wait_screen("DEAD after SIGKILL", |s| {
        s.contains(" DEAD ") || s.contains(" STALE ")
    });
    assert!(
        tmux.exit_status().is_none(),
        "the monitor crashed:\n{screen}"
    );

    // A new core under the same name: the monitor reattaches.
    let core2 = start_core(&dir, name);
    let pid2 = format!("pid {}", core2.pid());
    let screen = tmux.wait_screen("the reattach", |s| {
        s.contains("reattached") && s.contains(&pid2) && !s.contains(" DEAD ")
    });
    let seq = top_event_seq(&screen);
    tmux.wait_screen("the new run's events", |s| top_event_seq(s) != seq);

    // q quits with status 0 (resent now and then: a key tmux dropped is not a hang).
    let began = Instant::now();
    let mut sends = Vec::new();
    let status = loop {
        if sends.len() <= began.elapsed().as_secs() as usize / 5 {
            sends.push(tmux.send("q"));
        }
        if let Some(status) = tmux.exit_status() {
            break status;
        }
        assert!(
            began.elapsed() < DEADLINE,
            "q did not quit (send-keys results {sends:?}):\n{}",
            tmux.capture()
        );
        thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status, 0);
    assert_eq!(
        monitor_slots(&dir, name),
        Vec::<String>::new(),
        "slot removed on q"
    );
    wait_for("the terminal restored (alternate screen left)", || {
        tmux.terminal_restored()
    });
}

/// The pid of the pane's program: the pane runs `sh -c 'seamless ...; echo $?'`, so it
/// is the shell's child.
fn pane_program_pid(tmux: &Tmux) -> Option<u32> {
    let out = tmux
        .cmd(&["list-panes", "-t", "m", "-F", "#{pane_pid}"])
        .output()
        .ok()?;
    let sh: u32 = String::from_utf8_lossy(&out.stdout).trim().parse().ok()?;
    let children = std::fs::read_to_string(format!("/proc/{sh}/task/{sh}/children")).ok()?;
    children.split_whitespace().next()?.parse().ok()
}

/// Whether process `pid` has exited (gone, or a zombie nobody reaped yet).
fn exited(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state is the field after the ")" that ends the command name.
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('Z') || rest.starts_with('X')),
        Err(_) => true,
    }
}

#[test]
fn tui_ends_cleanly_when_its_terminal_goes_away() {
    let dir = ShmDir::new("hup");
    let name = "hupbin";
    let _core = start_core(&dir, name);
    let tmux = Tmux::start(&dir, &["monitor", "--name", name]);
    tmux.wait_screen("the monitor's screen", |s| {
        s.contains(&format!("seamless monitor: {name}"))
    });
    let mut pid = None;
    wait_for("the monitor's pid", || {
        pid = pane_program_pid(&tmux);
        pid.is_some()
    });
    let pid = pid.unwrap_or_default();
    assert_eq!(monitor_slots(&dir, name).len(), 1, "the monitor's slot");
    // The terminal hangs up (as when an ssh session drops): the monitor must end, not
    // spin reading end-of-file (crossterm retries that forever).
    let _ = tmux.cmd(&["kill-server"]).status();
    wait_for("the monitor to exit after its terminal went away", || {
        exited(pid)
    });
    wait_for(
        "its reader slot removed (a clean exit, not a crash)",
        || monitor_slots(&dir, name).is_empty(),
    );
}
