//! The monitor of `seamless bench monitor-overhead`: this binary re-executed as
//! `seamless bench monitor-child` with the run described in
//! [`MonitorChild::ENV`], running the monitor library's TUI refresh loop off-screen
//! ([`seamless_monitor::tui::headless`]) until the core stops.
//!
//! The bench crate cannot start it itself (it does not link the monitor), so
//! [`SelfLauncher`] is the [`MonitorLauncher`] this binary hands it.

use std::io;
use std::process::{Child, Command, ExitCode, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use seamless_bench::tick_to_event::{MonitorChild, MonitorLauncher};
use seamless_monitor::tui::{Session, headless};
use seamless_monitor::{Mode, MonitorError, Options};

use crate::cli::EXIT_FAILURE;

/// The hidden scenario name that runs the child.
pub(super) const NAME: &str = "monitor-child";
/// Longest wait for the core's region (the bench starts the core after the child
/// announced itself).
const ATTACH_DEADLINE: Duration = Duration::from_secs(60);
/// Pause between attach attempts.
const ATTACH_RETRY: Duration = Duration::from_millis(1);
/// The off-screen terminal: a large screen, so every pane draws rows.
const SIZE: (u16, u16) = (160, 48);

/// Starts `seamless bench monitor-child` for a run.
#[derive(Debug)]
pub(super) struct SelfLauncher;

impl MonitorLauncher for SelfLauncher {
    fn spawn(&self, child: &MonitorChild) -> io::Result<Child> {
        Command::new(std::env::current_exe()?)
            .args(["bench", NAME])
            .env(MonitorChild::ENV, child.encode())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
    }
}

/// Runs the child; exit status 1 with one line on stderr on failure.
pub(super) fn run() -> ExitCode {
    match follow() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("seamless bench {NAME}: {e}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

fn follow() -> Result<(), String> {
    let child = MonitorChild::from_env()
        .ok_or_else(|| format!("not started by a bench ({} is not set)", MonitorChild::ENV))?
        .map_err(|e| e.to_string())?;
    let started = child.announce().map_err(|e| e.to_string())?;
    let mut opts = Options::new(child.instance.clone(), Mode::Tui);
    opts.shm_dir = Some(child.shm_dir.clone());
    opts.fps = child.fps;
    let mut session = attach(&opts)?;
    let stats = headless::run(&mut session, &opts, SIZE.0, SIZE.1).map_err(|e| e.to_string())?;
    let counts = [
        ("frames", stats.frames),
        ("polls", stats.polls),
        ("refreshes", stats.refreshes),
        ("events", stats.events),
        ("reads", stats.reads.reads),
        ("retried", stats.reads.retried),
        ("retries", stats.reads.retries),
        ("failures", stats.reads.failures),
    ];
    child.finish(started, &counts).map_err(|e| e.to_string())
}

/// Attaches as soon as the core has made its region.
fn attach(opts: &Options) -> Result<Session, String> {
    let began = Instant::now();
    loop {
        match Session::start(opts) {
            Ok(session) => return Ok(session),
            Err(MonitorError::NoInstance { .. }) if began.elapsed() < ATTACH_DEADLINE => {
                thread::sleep(ATTACH_RETRY);
            }
            Err(e) => return Err(e.to_string()),
        }
    }
}
