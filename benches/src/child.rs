//! The child side of cross-process scenarios.
//!
//! A scenario re-executes the current binary (the `cargo bench` binary or `seamless`)
//! with `SEAMLESS_BENCH_CHILD=<role>`, `SEAMLESS_BENCH_FILE=<path>` and, for roles that
//! need more, `SEAMLESS_BENCH_ARG=<string>`; the binary's `main` calls
//! [`run_if_child`] first, which runs the role and returns its exit code.
//!
//! The echo roles pin themselves to the second core (their parent takes the first);
//! the tick-to-event roles stay unpinned (see [`crate::tick_to_event`] on cores).
//!
//! A binary whose `main` cannot call [`run_if_child`] first (a libtest harness) names,
//! with [`set_child_args`], the arguments that make it do so (e.g. the name of a test
//! that calls it).

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

use crate::ours::{BcastEnd, ShmFloorEnd, Side};
use crate::pin::Cores;
use crate::pingpong::echo_loop;
use crate::tick_to_event::{observer, reader};

const ROLE_VAR: &str = "SEAMLESS_BENCH_CHILD";
const FILE_VAR: &str = "SEAMLESS_BENCH_FILE";
const ARG_VAR: &str = "SEAMLESS_BENCH_ARG";

/// Arguments given to every child (see [`set_child_args`]).
static CHILD_ARGS: OnceLock<Vec<OsString>> = OnceLock::new();

/// Makes every child of this process start with `args` on its command line (once per
/// process; returns false if they were set already). A test harness passes the name of
/// the test that calls [`run_if_child`], e.g. `["child_role", "--exact", "--nocapture"]`.
pub fn set_child_args(args: Vec<OsString>) -> bool {
    CHILD_ARGS.set(args).is_ok()
}

/// The cross-process child roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Echo over the broadcast rings of [`crate::ours::BcastEnd`].
    BroadcastEcho,
    /// Echo over the words of [`crate::ours::ShmFloorEnd`] (the argument: lines per
    /// direction, 1 when empty).
    FloorEcho,
    /// Tick-to-event's observer: follows a core's market rows and records each tick's
    /// age when it becomes visible (the path is the run's scratch directory).
    TickObserver,
    /// Tick-to-event's monitor-style reader: reads every row and drains the event ring
    /// in a loop, non-gating (the path is the run's scratch directory).
    MonitorReader,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::BroadcastEcho => "broadcast-echo",
            Role::FloorEcho => "floor-echo",
            Role::TickObserver => "tick-observer",
            Role::MonitorReader => "monitor-reader",
        }
    }
}

/// Pins the calling thread to the second core, then runs `f` (the echo roles).
fn pinned<T>(f: impl FnOnce() -> io::Result<T>) -> io::Result<T> {
    Cores::detect().pin(1);
    f()
}

/// Runs the child role named in the environment, if any; `Some(exit code)` when this
/// process was a child.
pub fn run_if_child() -> Option<u8> {
    let role = std::env::var(ROLE_VAR).ok()?;
    let path = PathBuf::from(std::env::var_os(FILE_VAR)?);
    let arg = std::env::var(ARG_VAR).unwrap_or_default();
    let result = match role.as_str() {
        "broadcast-echo" => pinned(|| BcastEnd::open(&path, Side::Child).map(echo_loop)),
        "floor-echo" => pinned(|| {
            let lines = if arg.is_empty() {
                1
            } else {
                arg.parse().map_err(|e| {
                    io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!("floor-echo lines {arg:?}: {e}"),
                    )
                })?
            };
            ShmFloorEnd::open(&path, Side::Child, lines).map(echo_loop)
        }),
        "tick-observer" => observer::run(&path, &arg),
        "monitor-reader" => reader::run(&path, &arg),
        other => {
            eprintln!("unknown bench child role {other:?}");
            return Some(2);
        }
    };
    match result {
        Ok(()) => Some(0),
        Err(e) => {
            eprintln!("bench child {role}: {e}");
            Some(1)
        }
    }
}

/// Starts this binary as a child in `role` over the file (or directory) at `path`.
///
/// # Errors
///
/// If the current executable cannot be found or started.
pub fn spawn(role: Role, path: &Path) -> io::Result<Child> {
    spawn_with(role, path, "")
}

/// [`spawn`], also handing the child `arg` (`SEAMLESS_BENCH_ARG`).
///
/// # Errors
///
/// If the current executable cannot be found or started.
pub fn spawn_with(role: Role, path: &Path, arg: &str) -> io::Result<Child> {
    Command::new(std::env::current_exe()?)
        .args(CHILD_ARGS.get().map_or(&[][..], Vec::as_slice))
        .env(ROLE_VAR, role.name())
        .env(FILE_VAR, path)
        // The parent may be pinned already: pass the core list taken at its start.
        .env(crate::pin::CORES_VAR, Cores::detect().to_env())
        .env(ARG_VAR, arg)
        .stdin(Stdio::null())
        // Children report through files and stderr; a test harness would print here.
        .stdout(Stdio::null())
        .spawn()
}
