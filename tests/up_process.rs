//! `seamless up` end to end: the persister, the core and the bridge start as children,
//! the monitor runs in the foreground (plain lines without a terminal, the TUI in
//! tmux), the dashboard answers, a second `up` for the same instance is refused, and
//! a stop (SIGTERM, or Ctrl-C in the TUI) leaves no process and no shared-memory file
//! behind, with every event logged.
//!
//! Every wait polls against a generous deadline; nothing asserts a duration.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use common::tmux::Tmux;
use common::{BIN, DEADLINE, Proc, ShmDir, wait_for};

/// A port nobody listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `GET path` on loopback; the status line (empty when nothing answers).
fn http_status(port: u16, path: &str) -> String {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return String::new();
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let req = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    if s.write_all(req.as_bytes()).is_err() {
        return String::new();
    }
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out.lines().next().unwrap_or("").to_owned()
}

/// Pids of live processes whose command line names instance `name`.
fn processes_of(name: &str) -> Vec<u32> {
    let needle = format!("--name\0{name}\0");
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        let zombie = stat
            .rsplit(')')
            .next()
            .is_some_and(|s| s.trim_start().starts_with('Z'));
        if !zombie && String::from_utf8_lossy(&cmdline).contains(&needle) {
            pids.push(pid);
        }
    }
    pids
}

/// The instance's files in the shared-memory directory.
fn shm_files(dir: &Path, name: &str) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|f| f == &format!("seamless-{name}") || f.starts_with(&format!("seamless-{name}.")))
        .collect()
}

fn log_verify(data: &Path) -> std::process::Output {
    Command::new(BIN)
        .args(["log", "verify", "--data-dir"])
        .arg(data)
        .output()
        .unwrap()
}

/// Everything is gone: processes, shared-memory files; the log verifies.
fn check_nothing_left(shm: &ShmDir, name: &str) {
    wait_for(
        "no process of the instance",
        || format!("{:?}", processes_of(name)),
        || processes_of(name).is_empty(),
    );
    assert_eq!(shm_files(shm.path(), name), Vec::<String>::new());
    let verify = log_verify(&shm.path().join("data"));
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
}

#[test]
fn up_without_a_terminal_runs_everything_and_stops_in_order() {
    let shm = ShmDir::new("up-lines");
    let name = "uplines";
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let args = ["up", "--name", name, "--listen", &listen];
    let mut up = Proc::start(shm.path(), shm.path(), "up", &args);
    wait_for(
        "the monitor's status lines",
        || up.logs(),
        || up.stdout().contains(&format!("{name} running pid")),
    );
    assert!(
        up.stderr().contains(&format!("dashboard http://{listen}/")),
        "{}",
        up.logs()
    );
    wait_for(
        "the dashboard to answer",
        || up.logs(),
        || http_status(port, "/healthz").contains("200"),
    );
    assert!(http_status(port, "/").contains("200"));
    assert_eq!(
        processes_of(name).len(),
        4,
        "up + 3 children: {}",
        up.logs()
    );

    let second = Command::new(BIN)
        .args([
            "up",
            "--name",
            name,
            "--listen",
            &format!("127.0.0.1:{}", free_port()),
        ])
        .env("SEAMLESS_SHM_DIR", shm.path())
        .current_dir(shm.path())
        .output()
        .unwrap();
    assert_eq!(second.status.code(), Some(1));
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(
        err.contains(&format!("instance {name} is already running")),
        "{err}"
    );

    up.signal("-TERM");
    let status = up.wait();
    assert!(status.success(), "{status}: {}", up.logs());
    let log = up.stderr();
    let at = |what: &str| {
        log.find(what)
            .unwrap_or_else(|| panic!("no {what:?} in:\n{log}"))
    };
    assert!(at("core stopped") < at("persister stopped"), "{log}");
    assert!(at("persister stopped") < at("bridge stopped"), "{log}");
    assert!(log.contains("every event durable"), "{log}");
    check_nothing_left(&shm, name);
}

#[test]
fn up_in_tmux_shows_the_monitor_and_ctrl_c_leaves_nothing_behind() {
    let shm = ShmDir::new("up-tmux");
    let name = "uptmux";
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let tmux = Tmux::start(&shm, &["up", "--name", name, "--listen", &listen]);
    tmux.wait_screen("the monitor with market rows", |s| {
        s.contains(name) && s.contains("BTCUSD") && s.contains("ETHUSD")
    });
    wait_for(
        "the dashboard to answer",
        || tmux.capture(),
        || http_status(port, "/healthz").contains("200"),
    );
    // Ctrl-C in the TUI (resent now and then: a key tmux dropped is not a hang).
    let start = Instant::now();
    let mut next_send = Instant::now();
    let status = loop {
        if let Some(status) = tmux.exit_status() {
            break status;
        }
        if Instant::now() >= next_send {
            assert!(tmux.send("C-c"));
            next_send = Instant::now() + Duration::from_secs(2);
        }
        assert!(
            start.elapsed() < DEADLINE,
            "up did not exit:\n{}",
            tmux.capture()
        );
        thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status, 0, "{}", tmux.capture());
    assert!(tmux.terminal_restored());
    check_nothing_left(&shm, name);
}
