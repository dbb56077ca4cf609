//! The child processes `seamless up` runs (persister, core, bridge): spawned from this
//! very binary in their own process group (so the terminal's Ctrl-C reaches only `up`,
//! which then stops them in order), with their output in log files, told to die with
//! their parent, and stopped with SIGTERM, then SIGKILL after a bound.

use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Environment variable asking a `seamless` child to die with its parent (read in
/// [`die_with_parent_if_asked`]).
pub const PARENT_DEATH_ENV: &str = "SEAMLESS_DIE_WITH_PARENT";

/// In a child of `seamless up`: SIGTERM when the parent dies, so a SIGKILLed `up`
/// leaves no orphans (Linux `PR_SET_PDEATHSIG`).
pub fn die_with_parent_if_asked() {
    if std::env::var_os(PARENT_DEATH_ENV).is_none() {
        return;
    }
    let _ = rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::TERM));
    // The parent may have died before the call: then we were re-parented already.
    if rustix::process::getppid().is_none_or(|p| p.as_raw_nonzero().get() == 1) {
        std::process::exit(1);
    }
}

/// One child process.
#[derive(Debug)]
pub struct ChildProc {
    /// `core`, `persister` or `bridge`.
    pub label: &'static str,
    child: Child,
    /// Its stdout + stderr.
    pub log: PathBuf,
    /// Its exit status, once reaped.
    pub status: Option<ExitStatus>,
}

impl ChildProc {
    /// Starts `seamless <args>` with its output appended to `log`.
    pub fn spawn(label: &'static str, args: &[String], log: &Path) -> std::io::Result<ChildProc> {
        let out = File::options().create(true).append(true).open(log)?;
        let err = out.try_clone()?;
        let child = Command::new(std::env::current_exe()?)
            .args(args)
            .env(PARENT_DEATH_ENV, "1")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(0)
            .spawn()?;
        Ok(ChildProc {
            label,
            child,
            log: log.to_owned(),
            status: None,
        })
    }

    /// Its pid.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Its exit status if it has exited (reaping it).
    pub fn poll(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            self.status = self.child.try_wait().ok().flatten();
        }
        self.status
    }

    /// SIGTERM, then waits up to `grace`, then SIGKILL. Returns the exit status and
    /// whether it had to be killed.
    pub fn stop(&mut self, grace: Duration) -> (Option<ExitStatus>, bool) {
        if let Some(status) = self.poll() {
            return (Some(status), false);
        }
        let pid = rustix::process::Pid::from_child(&self.child);
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if let Some(status) = self.poll() {
                return (Some(status), false);
            }
            thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        self.status = self.child.wait().ok();
        (self.status, true)
    }

    /// The last `n` lines of its log.
    pub fn log_tail(&self, n: usize) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }
}

impl Drop for ChildProc {
    fn drop(&mut self) {
        if self.poll().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
