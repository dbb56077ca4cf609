//! Helpers shared by the root integration tests that start `seamless` processes: a
//! private shared-memory directory, a child process with its output captured in files
//! and killed on drop, and deadline polling (never a fixed sleep, never a timing
//! assertion).
#![allow(dead_code)] // each test binary uses its own subset

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use seamless_core::shared::{SharedAttachError, SharedReader};

pub mod tmux;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_seamless");
/// How long any wait may take on a loaded 2-core machine.
pub const DEADLINE: Duration = Duration::from_secs(300);

/// A fresh directory under /dev/shm (or the temp dir), removed on drop.
#[derive(Debug)]
pub struct ShmDir(PathBuf);

impl ShmDir {
    /// A directory named after `test` and this process.
    pub fn new(test: &str) -> ShmDir {
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let base = Path::new("/dev/shm");
        let base = if base.is_dir() {
            base.to_owned()
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!("seamless-test-{test}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir(&dir).unwrap();
        ShmDir(dir)
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for ShmDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A `seamless` child process with stdout/stderr in files, killed if still running
/// when dropped.
#[derive(Debug)]
pub struct Proc {
    child: Child,
    stdout: PathBuf,
    stderr: PathBuf,
}

impl Proc {
    /// Starts `seamless <args>` with `SEAMLESS_SHM_DIR=shm`; output goes to
    /// `<logs>/<label>.{out,err}` (appended, so restarts keep earlier runs' output).
    pub fn start(shm: &Path, logs: &Path, label: &str, args: &[&str]) -> Proc {
        Proc::start_wrapped(shm, logs, label, &[], args)
    }

    /// Like [`start`](Self::start), run under `wrapper` (e.g. `["prlimit",
    /// "--fsize=100000", "--"]`).
    pub fn start_wrapped(
        shm: &Path,
        logs: &Path,
        label: &str,
        wrapper: &[&str],
        args: &[&str],
    ) -> Proc {
        let open = |ext: &str| {
            let path = logs.join(format!("{label}.{ext}"));
            let file = File::options()
                .create(true)
                .append(true)
                .open(&path)
                .unwrap();
            (path, file)
        };
        let (stdout, out) = open("out");
        let (stderr, err) = open("err");
        let mut cmd = match wrapper.split_first() {
            Some((program, rest)) => {
                let mut cmd = Command::new(program);
                cmd.args(rest).arg(BIN);
                cmd
            }
            None => Command::new(BIN),
        };
        // The working directory is the test's own, so the default data directory
        // (`data`, relative) never picks up a developer's ./data.
        let child = cmd
            .args(args)
            .current_dir(logs)
            .env("SEAMLESS_SHM_DIR", shm)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap();
        Proc {
            child,
            stdout,
            stderr,
        }
    }

    /// Its pid.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Its exit status, if it exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().unwrap()
    }

    /// Waits (up to [`DEADLINE`]) for it to exit.
    pub fn wait(&mut self) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.exited() {
                return status;
            }
            assert!(start.elapsed() < DEADLINE, "did not exit: {}", self.logs());
            thread::sleep(Duration::from_millis(5));
        }
    }

    /// Sends `sig` (e.g. "-TERM", "-KILL", "-STOP").
    pub fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([sig, &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
    }

    /// SIGKILL and reap.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Its stdout so far.
    pub fn stdout(&self) -> String {
        std::fs::read_to_string(&self.stdout).unwrap_or_default()
    }

    /// Its stderr so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// Both, for failure messages.
    pub fn logs(&self) -> String {
        format!("stdout:\n{}\nstderr:\n{}", self.stdout(), self.stderr())
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if self.exited().is_none() {
            self.kill9();
        }
    }
}

/// Polls `cond` every few milliseconds until it holds; panics naming `what` (and
/// `context()`) after [`DEADLINE`].
pub fn wait_for(what: &str, context: impl Fn() -> String, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < DEADLINE,
            "timed out waiting for {what}: {}",
            context()
        );
        thread::sleep(Duration::from_millis(2));
    }
}

/// Attaches to instance `name` once `core` has created its region (not a dead
/// predecessor's, still in place while `core` replaces it), failing if `core` exits
/// first.
pub fn attach(shm: &Path, name: &str, core: &mut Proc) -> SharedReader {
    let start = Instant::now();
    loop {
        match SharedReader::attach(Some(shm), name) {
            Ok(reader) if reader.pid() == core.pid() && reader.is_owner_alive() => return reader,
            Ok(_) | Err(SharedAttachError::Starting | SharedAttachError::Region(_)) => {}
            Err(e) => panic!("{e}"),
        }
        if let Some(status) = core.exited() {
            panic!(
                "the core exited ({status}) before its region was ready: {}",
                core.logs()
            );
        }
        assert!(start.elapsed() < DEADLINE, "no region: {}", core.logs());
        thread::sleep(Duration::from_millis(2));
    }
}
