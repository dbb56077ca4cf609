//! `seamless persist`: the persister process (glue: flags and the `[persist]` config
//! onto [`seamless_persist::persister::PersisterOptions`], then
//! [`seamless_persist::persister::run`]).
//!
//! Exit status: 0 after a clean stop (SIGINT/SIGTERM, or the core's end with
//! `--exit-with-core`), every appended event durable; 2 for a usage or configuration
//! error; 1 for a runtime failure (no instance without --wait, a log that does not
//! continue the core's run, a corrupt log).

use std::path::PathBuf;
use std::process::ExitCode;

use seamless_config::FsyncPolicy;
use seamless_core::runtime::StopFlag;
use seamless_persist::persister::{self, PersisterOptions};

use super::{EXIT_FAILURE, EXIT_USAGE};

const EXAMPLES: &str = "\
Examples:
  seamless persist --wait
      Persist instance `default` into ./data (core.data_dir), waiting for its core to
      start, and keep following it across restarts. Start it before the core.
  seamless persist --name bt --data-dir /var/lib/seamless/bt --fsync always
      Group commit: one fdatasync per batch before an event counts as logged.
  seamless persist --wait --exit-with-core
      Exit 0 once the core has stopped and every event it published is durable.

The persister is the core's gating reader: the core never overwrites an event it has
not written. It writes segments events-<first seq>.log (rolled at
persist.segment_bytes) and snapshots snapshot-<last seq>.snap (every
persist.snapshot_every_events events or snapshot_every_secs seconds, the newest
persist.keep_snapshots kept), and publishes its durable cursor: readers show an
event as `logged` once it is durable. `seamless log verify|dump|stats` read the data
directory; `seamless core --data-dir D` restores from it.

Exit status: 0 clean stop, 2 usage or configuration error, 1 runtime failure.";

/// Run the persister: append every event of an instance to the log in a data
/// directory, with snapshots; the core's gating reader.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct PersistArgs {
    /// TOML config file: [core.name], [core.data_dir] and the [persist] settings.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Instance name [core.name].
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Directory of the event log and snapshots [core.data_dir].
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// When events become durable: `always`, `interval` or `never` [persist.fsync].
    #[arg(long, value_name = "POLICY")]
    fsync: Option<String>,
    /// Wait for the instance's core to start instead of failing.
    #[arg(long)]
    wait: bool,
    /// Exit once the followed core has stopped and its events are durable.
    #[arg(long)]
    exit_with_core: bool,
}

/// Runs `seamless persist`.
pub fn run(args: PersistArgs) -> ExitCode {
    super::logging::init();
    let opts = match options(&args) {
        Ok(opts) => opts,
        Err(msg) => {
            eprintln!("error: {msg}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    if let Err(e) = super::signals::register(&opts.stop).and_then(|()| ignore_sigxfsz()) {
        eprintln!("error: cannot install signal handlers: {e}");
        return ExitCode::from(EXIT_FAILURE);
    }
    match persister::run(&opts) {
        Ok(summary) => {
            println!("seamless persist {}: {summary}", opts.name);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

fn options(args: &PersistArgs) -> Result<PersisterOptions, String> {
    use super::config::set;
    let cfg = super::config::load(args.config.as_deref(), |cfg| {
        set(&mut cfg.core.name, args.name.as_ref());
        set(&mut cfg.core.data_dir, args.data_dir.as_ref());
        if let Some(policy) = &args.fsync {
            cfg.persist.fsync = policy
                .parse::<FsyncPolicy>()
                .map_err(|e| format!("--fsync: {e}"))?;
        }
        Ok(())
    })?;
    let mut opts = PersisterOptions::from_config(&cfg, &cfg.core.name, cfg.core.data_dir.clone());
    opts.wait = args.wait;
    opts.exit_with_core = args.exit_with_core;
    opts.stop = StopFlag::new();
    Ok(opts)
}

/// A file-size limit (`ulimit -f`, `prlimit --fsize`) sends SIGXFSZ, whose default
/// action kills the process; with a handler installed the write fails with `EFBIG`
/// instead, which the persister reports and retries like a full disk.
fn ignore_sigxfsz() -> std::io::Result<()> {
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;
    signal_hook::flag::register(
        signal_hook::consts::SIGXFSZ,
        Arc::new(AtomicBool::new(false)),
    )
    .map(|_| ())
}

/// `seamless bench persist` (an entry of the bench suite): a real core at full speed
/// with a real persister under each fsync policy, beside a run without one; the
/// durable-cursor lag; the restore rate of each log. Data goes to
/// `target/bench-persist/` (a real disk: fsync on tmpfs costs nothing).
///
/// # Errors
///
/// A run that could not start or finish.
pub fn bench_outcome(
    ctx: &seamless_bench::suite::Ctx,
) -> std::io::Result<seamless_bench::outcome::Outcome> {
    use seamless_bench::hist::Hist;
    use seamless_bench::outcome::Outcome;
    use seamless_bench::report::Table;
    use seamless_persist::persister::bench::{self, PersistBench};

    let ticks = if ctx.quick { 200_000 } else { 20_000_000 };
    let dir = PathBuf::from("target/bench-persist");
    std::fs::create_dir_all(&dir)?;
    let opts = PersistBench {
        ticks,
        dir: dir.clone(),
        shm_dir: None,
    };
    let runs =
        bench::run(&opts, |step| eprintln!("persist {step}")).map_err(std::io::Error::other)?;
    let mut lag = Table::new(
        "persist: durable cursor behind the core's last published event (sampled)",
        "fsync never",
    )
    .keyed("persist-lag");
    let mut lines = vec![format!(
        "{ticks} synthetic ticks at full speed per run, no snapshots (the restore replays \
         the whole log); data in {} ({}); lag sampled every {} us, so figures below that \
         are resolution",
        dir.display(),
        filesystem_of(&dir),
        bench::SAMPLE_EVERY.as_micros()
    )];
    let base = runs.first().map_or(1.0, |r| r.per_sec());
    for run in &runs {
        let name = run
            .policy
            .map_or("no persister".to_owned(), |p| format!("fsync {p}"));
        let mut line = format!(
            "{name:<14} {:>10.0} events/s ({:.2}x the run without a persister), {} gating stalls",
            run.per_sec(),
            run.per_sec() / base,
            run.gating_stalls
        );
        if let Some(r) = &run.restore {
            line.push_str(&format!(
                "; restore {} events in {:.1} ms = {:.2}M events/s",
                r.events,
                r.elapsed.as_secs_f64() * 1e3,
                r.per_sec / 1e6
            ));
        }
        lines.push(line);
        if run.policy.is_some() {
            let mut hist = Hist::new();
            for v in run.lag.iter_recorded() {
                for _ in 0..v.count_at_value() {
                    hist.record(v.value_iterated_to());
                }
            }
            lag.add(&name, &hist);
        }
    }
    let mut out = Outcome::default();
    out.push_table(lag);
    out.push_text("persist: throughput and restore", lines.join("\n"));
    Ok(out)
}

/// The filesystem type of `dir` from /proc/mounts (the longest mount prefix), for the
/// report.
fn filesystem_of(dir: &std::path::Path) -> String {
    let Ok(abs) = std::fs::canonicalize(dir) else {
        return "unknown filesystem".to_owned();
    };
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    mounts
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let (_dev, point, kind) = (f.next()?, f.next()?, f.next()?);
            abs.starts_with(point)
                .then(|| (point.len(), kind.to_owned()))
        })
        .max()
        .map_or_else(|| "unknown filesystem".to_owned(), |(_, kind)| kind)
}
