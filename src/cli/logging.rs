//! Logging for the long-running commands (`core`, `persist`, `bridge`): tracing to
//! stderr, filtered by `RUST_LOG` (default `info`). In the core only start-up,
//! housekeeping and the end log; the hot threads never do.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Installs the subscriber (once; a second call keeps the first).
pub fn init() {
    let filter = match EnvFilter::try_from_default_env() {
        Ok(filter) => filter,
        Err(e) => {
            if std::env::var_os("RUST_LOG").is_some() {
                eprintln!("warning: ignoring RUST_LOG: {e}");
            }
            EnvFilter::new("info")
        }
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}
