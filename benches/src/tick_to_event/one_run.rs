//! One core run of the scenario: its scratch directory, its child processes (the
//! observer, the readers, the monitor), the core itself in this process, and what each
//! reported.
//!
//! Blocking; the measured code is the core's own threads and the observer child.

use std::io;
use std::process::Child;
use std::time::{Duration, Instant};

use seamless_config::Config;
use seamless_core::runtime::{self, RunOptions, RunSummary};

use super::monitor::{self, MonitorChild};
use super::protocol::{ChildArgs, Results, ScratchDir, read_results};
use super::{Options, observer, reader};
use crate::child::{self, Role};

/// Longest wait for the children to announce themselves.
const READY_DEADLINE: Duration = Duration::from_secs(60);

/// What one run does.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RunSpec {
    /// Ticks the synthetic feed produces.
    pub ticks: u64,
    /// Feed pace in ticks per second (0: as fast as the engine takes them).
    pub rate: u64,
    /// Whether the observer child follows the run.
    pub observer: bool,
    /// Monitor-style reader children.
    pub readers: usize,
    /// Whether a monitor child ([`Options::monitor`]) follows the run.
    pub monitor: bool,
}

/// What one run reported.
#[derive(Debug)]
pub(crate) struct RunOutcome {
    /// The core's summary (its `latency_total` is the engine's tick->publish).
    pub summary: RunSummary,
    /// Wall time of `runtime::run`: set-up, the feed, the drain, the shutdown.
    pub wall: Duration,
    /// The observer's results.
    pub observer: Option<Results>,
    /// Each reader's results.
    pub readers: Vec<Results>,
    /// The monitor's results.
    pub monitor: Option<Results>,
}

/// The core's configuration for `spec`: the default config (SMA strategy on, paper
/// broker) with the scenario's feed, wait strategy and cores.
pub(crate) fn config(spec: &RunSpec, opts: &Options, name: &str) -> Config {
    let mut cfg = Config::default();
    cfg.core.name = name.to_owned();
    cfg.core.wait = opts.wait;
    cfg.core.cores = opts.cores;
    cfg.feed.synthetic.ticks = spec.ticks;
    cfg.feed.synthetic.rate_per_sec = spec.rate;
    cfg.feed.exit_after_feed = true;
    cfg
}

/// Child processes of one run, killed (by their own handles) if the run fails.
#[derive(Debug, Default)]
struct Children {
    running: Vec<(Child, &'static str, ChildArgs)>,
}

impl Children {
    fn spawn(
        &mut self,
        role: Role,
        name: &'static str,
        args: ChildArgs,
        dir: &ScratchDir,
    ) -> io::Result<()> {
        let child = child::spawn_with(role, dir.path(), &args.encode())?;
        self.running.push((child, name, args));
        Ok(())
    }

    /// Starts the monitor child through `opts.monitor`.
    fn spawn_monitor(
        &mut self,
        opts: &Options,
        args: ChildArgs,
        dir: &ScratchDir,
    ) -> io::Result<()> {
        let Some(launcher) = &opts.monitor else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "this binary cannot start a monitor (run `seamless bench monitor-overhead`)",
            ));
        };
        let child = launcher.spawn(&MonitorChild::for_run(dir.path(), &args, opts.monitor_fps))?;
        self.running.push((child, monitor::ROLE, args));
        Ok(())
    }

    /// Waits until every child created its ready file.
    fn wait_ready(&mut self, dir: &ScratchDir) -> io::Result<()> {
        let start = Instant::now();
        for (child, role, args) in &mut self.running {
            let path = args.ready_path(dir.path(), role);
            while !path.exists() {
                if let Some(status) = child.try_wait()? {
                    return Err(io::Error::other(format!(
                        "bench {role} child exited early: {status}"
                    )));
                }
                if start.elapsed() > READY_DEADLINE {
                    return Err(io::Error::other(format!(
                        "bench {role} child never started"
                    )));
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        Ok(())
    }

    /// Waits for every child to exit and reads its results.
    fn finish(&mut self, dir: &ScratchDir) -> io::Result<Vec<(&'static str, Results)>> {
        let mut out = Vec::new();
        for (mut child, role, args) in self.running.drain(..) {
            let status = child.wait()?;
            if !status.success() {
                return Err(io::Error::other(format!(
                    "bench {role} child exited with {status}"
                )));
            }
            out.push((role, read_results(&args.out_path(dir.path(), role))?));
        }
        Ok(out)
    }
}

impl Drop for Children {
    fn drop(&mut self) {
        for (child, _, _) in &mut self.running {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Runs the core once as `spec` says, with its children (module docs).
///
/// # Errors
///
/// A child that cannot start or fails, a core run that fails (its message), or an
/// unreadable results file.
pub(crate) fn run(spec: &RunSpec, opts: &Options) -> io::Result<RunOutcome> {
    let dir = ScratchDir::create()?;
    let name = dir.instance().to_owned();
    let mut children = Children::default();
    let args = |index, poll_us, core| ChildArgs {
        name: name.clone(),
        index,
        poll_us,
        core,
    };
    if spec.observer {
        let observer_args = args(0, opts.observer_poll_us, opts.observer_core);
        children.spawn(Role::TickObserver, observer::ROLE, observer_args, &dir)?;
    }
    for i in 0..spec.readers {
        let reader_args = args(i, opts.reader_poll_us, opts.reader_core);
        children.spawn(Role::MonitorReader, reader::ROLE, reader_args, &dir)?;
    }
    if spec.monitor {
        children.spawn_monitor(opts, args(0, 0, opts.reader_core), &dir)?;
    }
    children.wait_ready(&dir)?;
    let cfg = config(spec, opts, &name);
    let run_opts = RunOptions {
        shm_dir: Some(dir.path().to_owned()),
        ..RunOptions::default()
    };
    let start = Instant::now();
    let summary =
        runtime::run(&cfg, run_opts).map_err(|e| io::Error::other(format!("core run: {e}")))?;
    let wall = start.elapsed();
    let mut outcome = RunOutcome {
        summary,
        wall,
        observer: None,
        readers: Vec::new(),
        monitor: None,
    };
    for (role, results) in children.finish(&dir)? {
        match role {
            observer::ROLE => outcome.observer = Some(results),
            monitor::ROLE => outcome.monitor = Some(results),
            _ => outcome.readers.push(results),
        }
    }
    Ok(outcome)
}
