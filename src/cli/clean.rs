//! `seamless clean`: removes the shared-memory files (regions and reader slots) that
//! dead processes left behind, never a live one's (glue over
//! [`seamless_ipc::region::clean_stale`]).
//!
//! Exit status: 0 when every candidate was removed or belongs to a live process; 1 when
//! a file could not be removed or the directory cannot be read; 2 for a usage error.

use std::process::ExitCode;

use seamless_ipc::region::clean_stale;
use seamless_ipc::shm::Removal;

use super::{EXIT_FAILURE, EXIT_USAGE};

const EXAMPLES: &str = "\
Examples:
  seamless clean
      Remove every seamless file in /dev/shm whose process is gone (each file is
      listed with what happened to it).
  seamless clean --name bt
      Only instance `bt`'s region and reader slots.
  SEAMLESS_SHM_DIR=/tmp/shm seamless clean
      Another shared-memory directory.

A file is removed only when no process holds its lock (the kernel releases it on any
exit, SIGKILL included), so a live core, persister, monitor or bridge is never
touched. A dead core's region is where its final state can still be read
(`seamless monitor --once`): clean it once you no longer need that. A core replaces
its own dead region when it starts anyway.

Exit status: 0 ok, 2 usage error, 1 a file that could not be removed.";

/// Remove the shared-memory files of dead instances and readers (never a live one's).
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct CleanArgs {
    /// Only this instance's files (default: every instance's).
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
}

/// Runs `seamless clean`.
pub fn run(args: CleanArgs) -> ExitCode {
    let cleaned = match clean_stale(None, args.name.as_deref()) {
        Ok(cleaned) => cleaned,
        Err(e @ seamless_ipc::region::CleanError::InvalidName(_)) => {
            eprintln!("error: --name: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let (mut removed, mut live, mut failed) = (0, 0, 0);
    for c in &cleaned {
        let path = c.path.display();
        match &c.outcome {
            Ok(Removal::Removed) => {
                removed += 1;
                println!("removed  {path}");
            }
            Ok(Removal::Live) => {
                live += 1;
                println!("live     {path} (kept)");
            }
            Ok(Removal::Vanished) => {}
            Ok(Removal::Skipped { reason }) => println!("skipped  {path}: {reason}"),
            Err(e) => {
                failed += 1;
                eprintln!("error: {path}: {e}");
            }
        }
    }
    println!("{removed} removed, {live} in use, {failed} failed");
    if failed > 0 {
        ExitCode::from(EXIT_FAILURE)
    } else {
        ExitCode::SUCCESS
    }
}
