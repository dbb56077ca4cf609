//! The monitor child of the `monitor-overhead` scenario: what it is told, how it is
//! started, and the files it leaves.
//!
//! This crate does not link the monitor (the monitor depends on the core, the bench on
//! the core; the `seamless` binary links both), so a binary that does provides a
//! [`MonitorLauncher`]. `seamless bench` re-executes itself with the encoded
//! [`MonitorChild`] in [`MonitorChild::ENV`] and runs the monitor library's refresh
//! loop at the asked frame rate until the core stops.
//!
//! The child's life: [`MonitorChild::from_env`], [`announce`](MonitorChild::announce)
//! (pin, ready file), attach and follow, [`finish`](MonitorChild::finish) (its counts
//! plus its own CPU time and wall time since announcing, for the report).
//!
//! Progress: blocking plumbing; nothing here is on a measured path.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::Instant;

use rustix::time::{ClockId, clock_gettime};

use super::protocol::{ChildArgs, write_results};

/// The monitor's role name (its files are `monitor-<index>.*`).
pub(crate) const ROLE: &str = "monitor";

/// When a monitor child announced itself: the start of what it reports.
#[derive(Debug, Clone, Copy)]
pub struct Started {
    at: Instant,
    cpu_ns: u64,
}

/// This process's CPU time so far, ns.
fn process_cpu_ns() -> u64 {
    let t = clock_gettime(ClockId::ProcessCPUTime);
    (t.tv_sec as u64).saturating_mul(1_000_000_000) + t.tv_nsec as u64
}

/// Starts a monitor process following one run.
pub trait MonitorLauncher: Send + Sync + fmt::Debug {
    /// Starts the monitor child for `child` (it must call [`MonitorChild::announce`]
    /// before attaching and [`MonitorChild::finish`] when the core stopped).
    ///
    /// # Errors
    ///
    /// The process could not be started.
    fn spawn(&self, child: &MonitorChild) -> io::Result<Child>;
}

/// What a monitor child is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitorChild {
    /// The run's shm directory (the core's region and the reader slots).
    pub shm_dir: PathBuf,
    /// The core's instance name.
    pub instance: String,
    /// Most frames per second (the monitor's `fps`).
    pub fps: u32,
    /// The CPU core to pin the monitor to (`None`: unpinned).
    pub core: Option<usize>,
    /// The file it creates once it runs.
    pub ready: PathBuf,
    /// The file it leaves its counts in.
    pub out: PathBuf,
}

impl MonitorChild {
    /// The environment variable carrying [`encode`](Self::encode)'s text.
    pub const ENV: &'static str = "SEAMLESS_BENCH_MONITOR";

    /// The child for run `args` in `dir`.
    pub(crate) fn for_run(dir: &Path, args: &ChildArgs, fps: u32) -> MonitorChild {
        MonitorChild {
            shm_dir: dir.to_owned(),
            instance: args.name.clone(),
            fps,
            core: args.core,
            ready: args.ready_path(dir, ROLE),
            out: args.out_path(dir, ROLE),
        }
    }

    /// `key=value` lines (paths may hold any character but a newline).
    pub fn encode(&self) -> String {
        let core = self
            .core
            .map_or_else(|| "none".to_owned(), |c| c.to_string());
        format!(
            "shm_dir={}\ninstance={}\nfps={}\ncore={core}\nready={}\nout={}",
            self.shm_dir.display(),
            self.instance,
            self.fps,
            self.ready.display(),
            self.out.display()
        )
    }

    /// Parses [`encode`](Self::encode)'s text.
    ///
    /// # Errors
    ///
    /// A missing or malformed key (`InvalidInput`, naming it).
    pub fn decode(text: &str) -> io::Result<MonitorChild> {
        let bad = |what: &str| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("bad monitor child description: {what}"),
            )
        };
        let get = |key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
                .ok_or_else(|| bad(key))
        };
        Ok(MonitorChild {
            shm_dir: PathBuf::from(get("shm_dir")?),
            instance: get("instance")?.to_owned(),
            fps: get("fps")?.parse().map_err(|_| bad("fps"))?,
            core: match get("core")? {
                "none" => None,
                c => Some(c.parse().map_err(|_| bad("core"))?),
            },
            ready: PathBuf::from(get("ready")?),
            out: PathBuf::from(get("out")?),
        })
    }

    /// The child described in [`ENV`](Self::ENV), if this process is one.
    pub fn from_env() -> Option<io::Result<MonitorChild>> {
        std::env::var(Self::ENV).ok().map(|t| Self::decode(&t))
    }

    /// Pins the process (if asked) and creates the ready file; returns the start of
    /// what [`finish`](Self::finish) reports (process start-up is left out).
    ///
    /// # Errors
    ///
    /// Pinning refused, or the ready file not created.
    pub fn announce(&self) -> io::Result<Started> {
        if let Some(core) = self.core
            && !core_affinity::set_for_current(core_affinity::CoreId { id: core })
        {
            return Err(io::Error::other(format!(
                "could not pin the monitor to core {core}"
            )));
        }
        let started = Started {
            at: Instant::now(),
            cpu_ns: process_cpu_ns(),
        };
        std::fs::write(&self.ready, b"")?;
        Ok(started)
    }

    /// Writes `counts`, plus `cpu_ns` (this process's CPU time) and `wall_ns`, both since
    /// `started`, to the results file.
    ///
    /// # Errors
    ///
    /// The file could not be written.
    pub fn finish(&self, started: Started, counts: &[(&str, u64)]) -> io::Result<()> {
        let cpu_ns = process_cpu_ns().saturating_sub(started.cpu_ns);
        let wall_ns = started.at.elapsed().as_nanos() as u64;
        let mut all: Vec<(&str, u64)> = counts.to_vec();
        all.extend([("cpu_ns", cpu_ns), ("wall_ns", wall_ns)]);
        write_results(&self.out, &all, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_description_round_trips() {
        let c = MonitorChild {
            shm_dir: "/dev/shm/seamless-bench-t2e-1-2".into(),
            instance: "t2e-1-2".into(),
            fps: 30,
            core: Some(0),
            ready: "/dev/shm/x/monitor-0.ready".into(),
            out: "/dev/shm/x/monitor-0.out".into(),
        };
        assert_eq!(MonitorChild::decode(&c.encode()).unwrap(), c);
        let unpinned = MonitorChild { core: None, ..c };
        assert_eq!(MonitorChild::decode(&unpinned.encode()).unwrap(), unpinned);
        assert!(MonitorChild::decode("fps=30").is_err());
    }
}
