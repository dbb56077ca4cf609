//! `seamless up`: the whole system in one command. Starts the persister, the core
//! (restoring from the data directory) and the bridge as child processes, prints the
//! dashboard URL, and runs the monitor in the foreground (the terminal UI, or plain
//! lines when stdout is not a terminal). Ctrl-C, `q`, SIGTERM or a child's death stop
//! everything in order: the core first (it waits for the persister to make its last
//! event durable), then the persister, then the bridge; the instance's shared-memory
//! files are removed at the end.
//!
//! Exit status: 0 after a clean stop; 1 when a child failed (its status and the end of
//! its log are printed) or the instance is already running; 2 for a usage error.

mod children;

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use seamless_config::Config;
use seamless_core::shared::SharedReader;
use seamless_core::shared::snapshot::PERSIST_ROLE;
use seamless_ipc::reader_slot::ReaderSlotView;
use seamless_ipc::region::{Status, clean_stale};
use seamless_monitor::{Mode, Options, Stop};

use children::ChildProc;
pub use children::die_with_parent_if_asked;

use super::{EXIT_FAILURE, EXIT_USAGE};

/// How long each child may take to come up.
const START_WAIT: Duration = Duration::from_secs(60);
/// Grace for the persister and the bridge after SIGTERM.
const STOP_GRACE: Duration = Duration::from_secs(15);

const EXAMPLES: &str = "\
Examples:
  seamless up
      The default config: a synthetic feed on BTCUSD and ETHUSD, the SMA-cross strategy,
      events logged to ./data, the dashboard on http://127.0.0.1:8787/ and the monitor
      here. Ctrl-C (or q) stops everything; the next `up` restores where this one
      stopped.
  seamless up --name paper2 --data-dir /var/lib/seamless/paper2 --listen 127.0.0.1:9000
      A second instance beside the first.
  seamless up --config prod.toml
      Everything from a config file (config/default.toml documents every key).
  seamless up > up.log
      Without a terminal the monitor prints one status line per second.

The children's output goes to DATA_DIR/logs/{core,persist,bridge}.log. The default
wait strategy (backoff) leaves CPU to the monitor and the bridge on small machines; see
docs/operations.md for dedicated cores.

Exit status: 0 clean stop, 2 usage or configuration error, 1 a child failed.";

/// Run the core, persister and bridge in the background and the monitor in the
/// foreground; Ctrl-C stops them all, in order.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct UpArgs {
    /// TOML config file for every process (default: the built-in defaults).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Instance name [core.name].
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// The event log, snapshots and the children's logs [core.data_dir].
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// The bridge's address [bridge.listen].
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
}

/// Runs `seamless up`.
pub fn run(args: UpArgs) -> ExitCode {
    let cfg = match load(&args) {
        Ok(cfg) => cfg,
        Err(msg) => {
            eprintln!("error: {msg}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let stop = Stop::new();
    if let Err(e) = register_signals(&stop) {
        eprintln!("error: cannot install signal handlers: {e}");
        return ExitCode::from(EXIT_FAILURE);
    }
    match Up::start(&args, &cfg, &stop) {
        Ok(mut up) => up.run(&cfg, &stop),
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

/// The config file (or the defaults) with the flags applied, validated.
fn load(args: &UpArgs) -> Result<Config, String> {
    use super::config::set;
    super::config::load(args.config.as_deref(), |cfg| {
        set(&mut cfg.core.name, args.name.as_ref());
        set(&mut cfg.core.data_dir, args.data_dir.as_ref());
        set(&mut cfg.bridge.listen, args.listen.as_ref());
        Ok(())
    })
}

/// SIGINT, SIGTERM and SIGHUP set the stop flag; the children, in their own process
/// group, get nothing from the terminal and are stopped in order instead.
fn register_signals(stop: &Stop) -> std::io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    for sig in [SIGINT, SIGTERM, SIGHUP] {
        signal_hook::flag::register(sig, stop.as_arc())?;
    }
    Ok(())
}

/// The running children, in start order: persister, core, bridge.
struct Up {
    name: String,
    children: Arc<Mutex<Vec<ChildProc>>>,
}

impl Up {
    /// Refuses a running instance, then starts the children one by one, each once the
    /// previous one is ready.
    fn start(args: &UpArgs, cfg: &Config, stop: &Stop) -> Result<Up, String> {
        let name = cfg.core.name.clone();
        if let Ok(reader) = SharedReader::attach(None, &name)
            && reader.is_owner_alive()
        {
            return Err(format!(
                "instance {name} is already running (core pid {}): stop it first, or start \
                 another with --name",
                reader.pid()
            ));
        }
        let data = cfg.core.data_dir.clone();
        let logs = data.join("logs");
        std::fs::create_dir_all(&logs)
            .map_err(|e| format!("cannot create {}: {e}", logs.display()))?;
        let up = Up {
            name: name.clone(),
            children: Arc::new(Mutex::new(Vec::new())),
        };
        let common = common_args(args, cfg);
        let data_arg = ["--data-dir".to_owned(), data.display().to_string()];
        let mut persist = vec!["persist".to_owned(), "--wait".to_owned()];
        persist.extend(common.iter().cloned());
        persist.extend(data_arg.iter().cloned());
        up.spawn("persister", &persist, &logs.join("persist.log"))?;
        up.wait_ready("persister", stop, || {
            ReaderSlotView::open(None, &name, PERSIST_ROLE).is_ok_and(|v| v.is_owner_alive())
        })?;
        let mut core = vec!["core".to_owned()];
        core.extend(common.iter().cloned());
        core.extend(data_arg.iter().cloned());
        let core_pid = up.spawn("core", &core, &logs.join("core.log"))?;
        up.wait_ready("core", stop, || {
            SharedReader::attach(None, &name).is_ok_and(|r| {
                r.pid() == core_pid && r.status() == Status::Running && r.is_owner_alive()
            })
        })?;
        let mut bridge = vec!["bridge".to_owned()];
        bridge.extend(common);
        bridge.push("--listen".to_owned());
        bridge.push(cfg.bridge.listen.to_string());
        up.spawn("bridge", &bridge, &logs.join("bridge.log"))?;
        let addr = cfg.bridge.listen;
        up.wait_ready("bridge", stop, || {
            TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
        })?;
        let pids: Vec<String> = up
            .lock()
            .iter()
            .map(|c| format!("{} {}", c.label, c.pid()))
            .collect();
        eprintln!(
            "seamless up: instance {name} running ({}); data in {}, logs in {}",
            pids.join(", "),
            data.display(),
            logs.display()
        );
        eprintln!("seamless up: dashboard http://{addr}/ ; Ctrl-C stops everything");
        Ok(up)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<ChildProc>> {
        self.children
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn spawn(&self, label: &'static str, args: &[String], log: &Path) -> Result<u32, String> {
        let child = ChildProc::spawn(label, args, log)
            .map_err(|e| format!("cannot start the {label}: {e}"))?;
        let pid = child.pid();
        self.lock().push(child);
        Ok(pid)
    }

    /// Waits until `ready`, failing if the child `label` (the last started) exits, a
    /// stop is requested, or [`START_WAIT`] passes; on failure everything started is
    /// stopped (by drop).
    fn wait_ready(
        &self,
        label: &str,
        stop: &Stop,
        mut ready: impl FnMut() -> bool,
    ) -> Result<(), String> {
        let start = Instant::now();
        loop {
            if ready() {
                return Ok(());
            }
            let mut children = self.lock();
            for child in children.iter_mut() {
                if let Some(status) = child.poll() {
                    return Err(format!(
                        "the {} exited ({status}) while starting; the end of {}:\n{}",
                        child.label,
                        child.log.display(),
                        child.log_tail(10)
                    ));
                }
            }
            drop(children);
            if stop.is_set() {
                return Err(format!("interrupted while the {label} was starting"));
            }
            if start.elapsed() > START_WAIT {
                return Err(format!(
                    "the {label} did not become ready within {} s",
                    START_WAIT.as_secs()
                ));
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// The monitor in the foreground until a stop or a child's death, then the
    /// ordered stop.
    fn run(&mut self, cfg: &Config, stop: &Stop) -> ExitCode {
        let children = Arc::clone(&self.children);
        let watch_stop = stop.clone();
        let watcher = thread::spawn(move || watch(&children, &watch_stop));
        let mut opts = Options::new(self.name.clone(), monitor_mode());
        opts.fps = cfg.monitor.fps;
        opts.stale = Duration::from_millis(cfg.monitor.stale_ms);
        opts.stop = stop.clone();
        let monitor = seamless_monitor::run(&opts);
        stop.request();
        let died = watcher.join().ok().flatten();
        if let Err(e) = monitor {
            eprintln!("seamless up: the monitor stopped: {e}");
        }
        let clean = self.shutdown(cfg);
        if let Ok(cleaned) = clean_stale(None, Some(&self.name)) {
            let removed = cleaned
                .iter()
                .filter(|c| matches!(c.outcome, Ok(seamless_ipc::shm::Removal::Removed)))
                .count();
            if removed > 0 {
                eprintln!(
                    "seamless up: removed {removed} shared-memory file(s) of {}",
                    self.name
                );
            }
        }
        match died {
            Some(msg) => {
                eprintln!("error: {msg}");
                ExitCode::from(EXIT_FAILURE)
            }
            None if clean => ExitCode::SUCCESS,
            None => ExitCode::from(EXIT_FAILURE),
        }
    }

    /// Core first (its own clean stop waits for the persister), then persister and
    /// bridge. `true` if every child exited 0 on its own.
    fn shutdown(&mut self, cfg: &Config) -> bool {
        let core_grace =
            Duration::from_millis(cfg.gating.shutdown_timeout_ms) + Duration::from_secs(15);
        let mut clean = true;
        let mut children = self.lock();
        for label in ["core", "persister", "bridge"] {
            let Some(child) = children.iter_mut().find(|c| c.label == label) else {
                continue;
            };
            let was_running = child.poll().is_none();
            let grace = if label == "core" {
                core_grace
            } else {
                STOP_GRACE
            };
            let (status, killed) = child.stop(grace);
            let ok = status.is_some_and(|s| s.success()) && !killed;
            clean &= ok;
            let last = child.log_tail(1);
            match (was_running, killed) {
                (_, true) => eprintln!(
                    "seamless up: the {label} did not stop within {} s and was killed",
                    grace.as_secs()
                ),
                (true, false) if ok => eprintln!("seamless up: {label} stopped: {last}"),
                _ => eprintln!(
                    "seamless up: {label} exited ({}); the end of {}:\n{}",
                    status.map_or("unknown status".to_owned(), |s| s.to_string()),
                    child.log.display(),
                    child.log_tail(10)
                ),
            }
        }
        clean
    }
}

/// Polls the children until one exits (returns what to say) or a stop is requested.
fn watch(children: &Mutex<Vec<ChildProc>>, stop: &Stop) -> Option<String> {
    while !stop.is_set() {
        {
            let mut children = children
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for child in children.iter_mut() {
                if let Some(status) = child.poll() {
                    stop.request();
                    return Some(format!(
                        "the {} exited unexpectedly ({status}); see {}",
                        child.label,
                        child.log.display()
                    ));
                }
            }
        }
        thread::sleep(Duration::from_millis(100));
    }
    None
}

/// The flags every child shares.
fn common_args(args: &UpArgs, cfg: &Config) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(config) = &args.config {
        out.push("--config".to_owned());
        out.push(config.display().to_string());
    }
    out.push("--name".to_owned());
    out.push(cfg.core.name.clone());
    out
}

/// The terminal UI on a terminal, else one status line per second.
fn monitor_mode() -> Mode {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal() {
        Mode::Tui
    } else {
        Mode::Lines {
            json: false,
            interval: Duration::from_secs(1),
        }
    }
}
