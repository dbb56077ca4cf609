//! `seamless log verify|dump|stats`: read a persister's data directory with no process
//! running (glue: flags onto [`seamless_persist::tools`]).
//!
//! Exit status: 0 ok (verify: the log is whole; a torn tail is a warning); 1 problems
//! found (verify), damaged records met (dump, stats) or a runtime failure; 2 for a
//! usage or configuration error (a bad flag, config file, or a data directory that does
//! not exist). A closed output pipe (`| head`) ends `dump` quietly with 0.

use std::io::{self, BufWriter, ErrorKind, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use seamless_config::Config;
use seamless_core::domain::{EventRecord, Instruments, write_typed_event_json};
use seamless_monitor::text;
use seamless_persist::tools::{Severity, dump, stats, verify};

use super::{EXIT_FAILURE, EXIT_USAGE};

const EXAMPLES: &str = "\
Examples:
  seamless log verify --data-dir data
      Check contiguity across segments, every header and checksum, every snapshot
      (and that it equals the fold of the log); one line per problem naming file,
      offset and sequence. Exit 0 when whole, 1 when not.
  seamless log dump --data-dir data --json | jq -c 'select(.kind == \"trade_executed\")'
      Every event as the JSON lines of `monitor --tail --json` and the bridge.
  seamless log dump --from 1000000 | head
      Text lines from sequence 1000000 on.
  seamless log stats --config prod.toml --json
      Events by kind, segments, snapshots, sizes, sequence range and time span of
      core.data_dir, as one JSON object.

The tools only read: they need no running process and are safe beside a running
persister (a record being written at that moment may show as a torn tail).

Exit status: 0 ok, 1 problems found or runtime failure, 2 usage or configuration error.";

/// Read a persister's data directory: verify it, dump its events, or summarise it.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct LogArgs {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Check the log and snapshots: contiguity, checksums, headers, snapshot validity.
    #[command(after_help = EXAMPLES)]
    Verify(Target),
    /// Print the events, one per line (text, or with --json the event JSON).
    #[command(after_help = EXAMPLES)]
    Dump(DumpArgs),
    /// Summarise: events by kind, segments, snapshots, sizes, time span.
    #[command(after_help = EXAMPLES)]
    Stats(Target),
}

/// Where the data directory is, and the output form.
#[derive(Debug, clap::Args)]
struct Target {
    /// Data directory of the log and snapshots [core.data_dir].
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// TOML config file to take core.data_dir from (default: the built-in defaults).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// JSON output.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
struct DumpArgs {
    #[command(flatten)]
    target: Target,
    /// Start at this sequence number.
    #[arg(long, value_name = "SEQ", default_value_t = 0)]
    from: u64,
}

/// Runs `seamless log`.
pub fn run(args: LogArgs) -> ExitCode {
    let target = match &args.action {
        Action::Verify(t) | Action::Stats(t) => t,
        Action::Dump(d) => &d.target,
    };
    let dir = match data_dir(target) {
        Ok(dir) => dir,
        Err(msg) => {
            eprintln!("error: {msg}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let result = match &args.action {
        Action::Verify(t) => run_verify(&dir, t.json),
        Action::Dump(d) => run_dump(&dir, d.target.json, d.from),
        Action::Stats(t) => run_stats(&dir, t.json),
    };
    match result {
        Ok(code) => code,
        Err(e) if e.kind() == ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

/// `--data-dir`, else `core.data_dir` of `--config`, else of the defaults; it must be
/// an existing directory.
fn data_dir(t: &Target) -> Result<PathBuf, String> {
    let dir = match (&t.data_dir, &t.config) {
        (Some(dir), _) => dir.clone(),
        (None, Some(path)) => Config::load(path).map_err(|e| e.to_string())?.core.data_dir,
        (None, None) => Config::default().core.data_dir,
    };
    if !dir.is_dir() {
        return Err(format!(
            "data directory {} does not exist (--data-dir, core.data_dir)",
            dir.display()
        ));
    }
    Ok(dir)
}

fn run_verify(dir: &Path, json: bool) -> io::Result<ExitCode> {
    let report = verify::verify(dir).map_err(io::Error::other)?;
    let mut out = io::stdout().lock();
    if json {
        writeln!(out, "{}", report.to_json(dir))?;
    } else {
        for p in report.problems() {
            writeln!(out, "{p}")?;
        }
        writeln!(out, "{}: {report}", dir.display())?;
    }
    out.flush()?;
    Ok(if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILURE)
    })
}

fn run_dump(dir: &Path, json: bool, from: u64) -> io::Result<ExitCode> {
    let mut out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let mut line = String::with_capacity(256);
    let mut obj = String::with_capacity(256);
    let mut failed: Option<io::Error> = None;
    let mut bad_events = 0u64;
    let problems = dump::for_each_event(dir, from, |ctx, seq, record| {
        line.clear();
        match format_event(ctx.instruments, seq, record, json, &mut line, &mut obj) {
            Ok(()) => {}
            Err(why) => {
                bad_events += 1;
                eprintln!("error: {}: seq {seq}: {why}", ctx.path.display());
                return ControlFlow::Continue(());
            }
        }
        line.push('\n');
        match out.write_all(line.as_bytes()) {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => {
                failed = Some(e);
                ControlFlow::Break(())
            }
        }
    })
    .map_err(io::Error::other)?;
    if let Some(e) = failed {
        return Err(e);
    }
    out.flush()?;
    for p in &problems {
        eprintln!("{p}");
    }
    let errors = problems.iter().any(|p| p.severity == Severity::Error);
    Ok(if errors || bad_events > 0 {
        ExitCode::from(EXIT_FAILURE)
    } else {
        ExitCode::SUCCESS
    })
}

/// One event as a line: the JSON contract, or the `monitor --tail` text form.
fn format_event(
    instruments: &Instruments,
    seq: u64,
    record: &EventRecord,
    json: bool,
    line: &mut String,
    obj: &mut String,
) -> Result<(), String> {
    let ev = record.decode().map_err(|e| e.to_string())?;
    if json {
        return write_typed_event_json(instruments, seq, &ev, line).map_err(|e| e.to_string());
    }
    obj.clear();
    write_typed_event_json(instruments, seq, &ev, obj).map_err(|e| e.to_string())?;
    let symbol = ev.instrument().and_then(|id| instruments.symbol(id));
    use std::fmt::Write as _;
    let _ = write!(
        line,
        "{seq} {} {:<24} {:<10} {}",
        text::clock(ev.ts_ns),
        ev.kind().name(),
        symbol.unwrap_or("-"),
        text::event_fields(obj)
    );
    Ok(())
}

fn run_stats(dir: &Path, json: bool) -> io::Result<ExitCode> {
    let s = stats::stats(dir).map_err(io::Error::other)?;
    let mut out = io::stdout().lock();
    if json {
        writeln!(out, "{}", s.to_json())?;
    } else {
        writeln!(out, "{}", dir.display())?;
        write!(out, "{s}")?;
    }
    out.flush()?;
    for p in &s.problems {
        eprintln!("{p}");
    }
    let errors = s.problems.iter().any(|p| p.severity == Severity::Error);
    Ok(if errors {
        ExitCode::from(EXIT_FAILURE)
    } else {
        ExitCode::SUCCESS
    })
}
