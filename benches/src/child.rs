//! The child side of cross-process scenarios.
//!
//! A scenario re-executes the current binary (the `cargo bench` binary or `seamless`)
//! with `SEAMLESS_BENCH_CHILD=<role>` and `SEAMLESS_BENCH_FILE=<path>`; the binary's
//! `main` calls [`run_if_child`] first, which runs the role and returns its exit code.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::ours::{BcastEnd, ShmFloorEnd, Side};
use crate::pin::Cores;
use crate::pingpong::echo_loop;

const ROLE_VAR: &str = "SEAMLESS_BENCH_CHILD";
const FILE_VAR: &str = "SEAMLESS_BENCH_FILE";

/// The cross-process echo roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Echo over the broadcast rings of [`crate::ours::BcastEnd`].
    BroadcastEcho,
    /// Echo over the padded words of [`crate::ours::ShmFloorEnd`].
    FloorEcho,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::BroadcastEcho => "broadcast-echo",
            Role::FloorEcho => "floor-echo",
        }
    }
}

/// Runs the child role named in the environment, if any; `Some(exit code)` when this
/// process was a child.
pub fn run_if_child() -> Option<u8> {
    let role = std::env::var(ROLE_VAR).ok()?;
    let path = PathBuf::from(std::env::var_os(FILE_VAR)?);
    let cores = Cores::detect();
    cores.pin(1);
    let result = match role.as_str() {
        "broadcast-echo" => BcastEnd::open(&path, Side::Child).map(echo_loop),
        "floor-echo" => ShmFloorEnd::open(&path, Side::Child).map(echo_loop),
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

/// Starts this binary as a child in `role` over the file at `path`.
///
/// # Errors
///
/// If the current executable cannot be found or started.
pub fn spawn(role: Role, path: &Path) -> std::io::Result<Child> {
    Command::new(std::env::current_exe()?)
        .env(ROLE_VAR, role.name())
        .env(FILE_VAR, path)
        // The parent may be pinned already: pass the core list taken at its start.
        .env(crate::pin::CORES_VAR, Cores::detect().to_env())
        .stdin(Stdio::null())
        .spawn()
}
