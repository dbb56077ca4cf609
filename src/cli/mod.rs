//! Command-line parsing: one module per subcommand, each turning its flags into a call
//! into a library crate.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod bench;
pub mod bridge;
pub mod clean;
pub mod config;
pub mod core;
pub mod log;
pub mod logging;
pub mod monitor;
pub mod persist;
pub mod signals;
pub mod up;

/// Exit status for a usage or configuration error.
pub const EXIT_USAGE: u8 = 2;
/// Exit status for a runtime failure.
pub const EXIT_FAILURE: u8 = 1;

/// seamless: a low-latency, lock-free trading-state core.
#[derive(Debug, Parser)]
#[command(name = "seamless", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run latency/throughput benchmarks (HDR histograms, peers in the same run).
    Bench(bench::BenchArgs),
    /// Serve a core's live state to browsers: dashboard, WebSocket/SSE, metrics, health.
    Bridge(bridge::BridgeArgs),
    /// Remove shared-memory files left by dead processes (never a live one's).
    Clean(clean::CleanArgs),
    /// Run the core process: the engine on pinned threads, publishing into the region.
    Core(Box<core::CoreArgs>),
    /// Read a persister's data directory: verify, dump events, stats (no process needed).
    Log(log::LogArgs),
    /// Watch a core's live state: terminal UI, one snapshot (--once), events (--tail).
    Monitor(monitor::MonitorArgs),
    /// Run the persister: the event log and snapshots of an instance (gating reader).
    Persist(persist::PersistArgs),
    /// Everything at once: core, persister and bridge in the background, the monitor
    /// here; Ctrl-C stops them all in order.
    Up(up::UpArgs),
}

/// Parses the command line and runs the chosen command.
pub fn main() -> ExitCode {
    // A child of `seamless up` dies with it.
    up::die_with_parent_if_asked();
    // A bench may re-execute this binary as its child (cross-process scenarios).
    if let Some(code) = seamless_bench::child::run_if_child() {
        return ExitCode::from(code);
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_USAGE } else { 0 });
        }
    };
    match cli.command {
        Command::Bench(args) => bench::run(args),
        Command::Bridge(args) => bridge::run(args),
        Command::Clean(args) => clean::run(args),
        Command::Core(args) => core::run(*args),
        Command::Log(args) => log::run(args),
        Command::Monitor(args) => monitor::run(args),
        Command::Persist(args) => persist::run(args),
        Command::Up(args) => up::run(args),
    }
}
