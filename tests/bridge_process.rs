//! `seamless bridge` as a process: help with examples, usage errors (exit 2, one line
//! naming the key), a non-loopback address without a token refused, serving before
//! the core exists (`/healthz` 503, then 200 once it runs), and a clean exit 0 on
//! SIGTERM.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

mod common;

use common::{BIN, DEADLINE, Proc, ShmDir};

fn run(args: &[&str]) -> std::process::Output {
    Command::new(BIN).args(args).output().unwrap()
}

/// `GET path` over a fresh connection: status code and body.
fn get(addr: &str, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(DEADLINE)).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let status = text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap();
    (
        status,
        text.split_once("\r\n\r\n").map_or("", |b| b.1).to_owned(),
    )
}

fn printed_addr(bridge: &mut Proc) -> String {
    let start = Instant::now();
    loop {
        let out = bridge.stdout();
        if let Some(a) = out.lines().find_map(|l| l.split("on http://").nth(1)) {
            return a.trim_end_matches('/').to_owned();
        }
        assert!(
            bridge.exited().is_none(),
            "bridge exited: {}",
            bridge.logs()
        );
        assert!(
            start.elapsed() < DEADLINE,
            "no address printed: {}",
            bridge.logs()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn help_shows_examples() {
    let out = run(&["bridge", "--help"]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "Examples:",
        "--listen",
        "--token",
        "/healthz",
        "Exit status",
    ] {
        assert!(help.contains(needle), "help mentions {needle}");
    }
}

#[test]
fn usage_errors_exit_2_with_one_line() {
    for (args, key) in [
        (&["bridge", "--listen", "0.0.0.0:8787"][..], "bridge.token"),
        (&["bridge", "--listen", "[::]:0"][..], "bridge.token"),
        (&["bridge", "--throttle-hz", "0"][..], "bridge.throttle_hz"),
        (
            &["bridge", "--client-queue", "0"][..],
            "bridge.client_queue",
        ),
        (&["bridge", "--listen", "nonsense"][..], "--listen"),
        (&["bridge", "--token", "has space"][..], "bridge.token"),
    ] {
        let out = run(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(key), "{args:?} names {key}: {err}");
    }
}

#[test]
fn serves_before_the_core_then_follows_it_and_stops_on_sigterm() {
    let shm = ShmDir::new("bridge-cli");
    let name = "bridge-cli";
    let args = ["bridge", "--name", name, "--listen", "127.0.0.1:0"];
    let mut bridge = Proc::start(shm.path(), shm.path(), "bridge", &args);
    let addr = printed_addr(&mut bridge);
    let (status, body) = get(&addr, "/healthz");
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("no running instance bridge-cli"), "{body}");
    let (status, page) = get(&addr, "/");
    assert_eq!(status, 200);
    assert!(page.contains("<script>"), "the page is one document");

    let core = Proc::start(shm.path(), shm.path(), "core", &["core", "--name", name]);
    common::wait_for(
        "a healthy core",
        || bridge.logs(),
        || get(&addr, "/healthz").0 == 200,
    );
    let (status, state) = get(&addr, "/api/state");
    assert_eq!(status, 200);
    assert!(
        state.contains(&format!("\"pid\":{}", core.pid())),
        "{state}"
    );
    let slot = shm
        .path()
        .join(format!("seamless-{name}.reader-bridge-{}", bridge.pid()));
    assert!(slot.exists(), "the bridge registers its reader slot");

    bridge.signal("-TERM");
    assert!(
        bridge.wait().success(),
        "exit 0 on SIGTERM: {}",
        bridge.logs()
    );
    assert!(!slot.exists(), "its reader slot is removed");
    drop(core);
}
