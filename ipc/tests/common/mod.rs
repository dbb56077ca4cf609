//! Helpers shared by the process-level tests of the region and the reader slots: a
//! scratch directory under /dev/shm, polling with a generous deadline, and child
//! processes that re-run the test binary and are always reaped.
//!
//! Each test binary compiles its own copy and uses a subset.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use seamless_ipc::shm;

/// Environment variable naming a child's role (its body is `child_process_entry`).
pub const CHILD_ROLE: &str = "SEAMLESS_TEST_CHILD";
/// Environment variable carrying the instance name to a child.
pub const CHILD_NAME: &str = "SEAMLESS_TEST_NAME";

/// A fresh directory under /dev/shm, removed when dropped.
pub fn shm_tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("seamless-test-")
        .tempdir_in("/dev/shm")
        .expect("a temp dir under /dev/shm")
}

/// Polls `cond` until it holds; fails the test after a generous deadline.
pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// A child process, SIGKILLed and reaped on drop so a failing test leaves no orphan.
pub struct ChildGuard(pub Child);

impl ChildGuard {
    /// Re-runs this test binary's `child_process_entry` in `role`, with the shm
    /// directory `dir` (through `SEAMLESS_SHM_DIR`) and the instance `name`.
    pub fn spawn(role: &str, dir: &Path, name: &str) -> Self {
        let child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "child_process_entry", "--nocapture"])
            .env(CHILD_ROLE, role)
            .env(CHILD_NAME, name)
            .env(shm::DIR_ENV, dir)
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn child");
        ChildGuard(child)
    }

    /// The child's pid.
    pub fn pid(&self) -> u32 {
        self.0.id()
    }

    /// SIGKILL and reap: once this returns, the kernel has released the child's locks.
    pub fn kill(&mut self) {
        self.0.kill().expect("SIGKILL child");
        self.0.wait().expect("reap child");
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
