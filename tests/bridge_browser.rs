//! The dashboard in a real browser: `seamless core` and `seamless bridge` as
//! processes, and headless Debian chromium driven by playwright-core (node,
//! bridge/tests/browser/dashboard.mjs). The page must render the snapshot, fill the
//! positions and the event stream, show STALE while the core is stopped with SIGSTOP
//! (and drop it after SIGCONT), show the disconnected banner when the bridge goes away
//! and reconnect by itself when it is back. A screenshot is saved (the README's is
//! docs/dashboard.png).
//!
//! Without chromium, node or playwright-core (`npm ci` in bridge/tests/browser) the
//! test says it is skipped, unless `SEAMLESS_REQUIRE_BROWSER=1` (CI sets it), which
//! makes their absence a failure.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod common;

use common::{DEADLINE, Proc, ShmDir};

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("bridge/tests/browser")
}

fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

/// What is missing to run the browser, if anything.
fn missing() -> Option<String> {
    if !chromium().exists() {
        return Some(format!(
            "{} (apt-get install chromium)",
            chromium().display()
        ));
    }
    let node = Command::new("node").arg("--version").output();
    if !node.is_ok_and(|o| o.status.success()) {
        return Some("node (apt-get install nodejs npm)".into());
    }
    if !browser_dir().join("node_modules/playwright-core").is_dir() {
        return Some("playwright-core (npm ci in bridge/tests/browser)".into());
    }
    None
}

/// The address the bridge printed on stdout.
fn bridge_addr(bridge: &mut Proc) -> String {
    let start = std::time::Instant::now();
    loop {
        let out = bridge.stdout();
        let addr = out.lines().find_map(|l| l.split("on http://").nth(1));
        if let Some(addr) = addr {
            return addr.trim_end_matches('/').to_owned();
        }
        assert!(
            bridge.exited().is_none(),
            "bridge exited: {}",
            bridge.logs()
        );
        assert!(start.elapsed() < DEADLINE, "no address: {}", bridge.logs());
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

#[test]
fn the_dashboard_shows_positions_events_staleness_and_reconnects_in_chromium() {
    if let Some(what) = missing() {
        let required = std::env::var_os("SEAMLESS_REQUIRE_BROWSER").is_some_and(|v| v == "1");
        assert!(
            !required,
            "SEAMLESS_REQUIRE_BROWSER=1 but {what} is missing"
        );
        eprintln!("skipped: the browser test needs {what}");
        return;
    }
    let shm = ShmDir::new("browser");
    let name = "browser";
    let core = Proc::start(shm.path(), shm.path(), "core", &["core", "--name", name]);
    let bridge_args = |listen: &str| {
        vec![
            "bridge".to_owned(),
            "--name".into(),
            name.into(),
            "--listen".into(),
            listen.into(),
            "--stale-ms".into(),
            "500".into(),
        ]
    };
    let start_bridge = |listen: &str| {
        let args = bridge_args(listen);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        Proc::start(shm.path(), shm.path(), "bridge", &args)
    };
    let mut bridge = start_bridge("127.0.0.1:0");
    let addr = bridge_addr(&mut bridge);
    let screenshot = std::env::var_os("SEAMLESS_SCREENSHOT").map_or_else(
        || Path::new(env!("CARGO_TARGET_TMPDIR")).join("dashboard.png"),
        PathBuf::from,
    );
    let _ = std::fs::remove_file(&screenshot);
    let node_err = shm.path().join("node.err");
    let mut node = Command::new("node")
        .arg(browser_dir().join("dashboard.mjs"))
        .arg(format!("http://{addr}/"))
        .arg(core.pid().to_string())
        .arg(&screenshot)
        .current_dir(browser_dir())
        .env("CHROMIUM", chromium())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&node_err).unwrap())
        .spawn()
        .expect("node starts");
    let mut transcript = String::new();
    // The script bounds every step with its own timeout, so its output ends.
    for line in BufReader::new(node.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        transcript.push_str(&line);
        transcript.push('\n');
        match line.as_str() {
            "phase kill-bridge" => {
                bridge.signal("-TERM");
                assert!(
                    bridge.wait().success(),
                    "bridge stops on SIGTERM: {}",
                    bridge.logs()
                );
            }
            "phase restart-bridge" => bridge = start_bridge(&addr),
            _ => {}
        }
    }
    let status = node.wait().unwrap();
    let err = std::fs::read_to_string(&node_err).unwrap_or_default();
    assert!(
        status.success(),
        "browser test failed ({status}):\n{transcript}\n{err}\ncore: {}\nbridge: {}",
        core.logs(),
        bridge.logs()
    );
    assert!(transcript.contains("stale badge: STALE"), "{transcript}");
    let png = std::fs::metadata(&screenshot).expect("screenshot saved");
    assert!(png.len() > 10_000, "a real screenshot: {} bytes", png.len());
    eprintln!("{transcript}screenshot: {}", screenshot.display());
}
