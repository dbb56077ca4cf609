//! Restore on start for `seamless core`: wait for the persister to finish the previous
//! run ([`await_handoff`]), load the newest valid snapshot and replay the log after it
//! ([`seamless_persist::restore`]), check the instruments still line up with the log,
//! and hand the state to the runtime.

use std::path::Path;
use std::time::Duration;

use seamless_config::Config;
use seamless_core::domain::{Reason, State};
use seamless_core::engine::instruments_from_config;
use seamless_persist::persister::handoff::{Handoff, await_handoff};
use seamless_persist::{LogMeta, RestoreOptions, restore};
use tracing::{debug, info, warn};

/// Least time to wait for the persister's hand-off.
const MIN_HANDOFF_WAIT: Duration = Duration::from_secs(10);

/// Where the run starts.
pub(super) struct Start {
    /// The restored (or empty) state.
    pub state: State,
    /// `restore` when the state came from the data directory, else `start`.
    pub reason: Reason,
}

/// Restores the core's state from `cfg.core.data_dir` (module docs).
///
/// # Errors
///
/// One line naming the problem: a persister still busy with the previous run, a corrupt
/// log or snapshot (file, offset, sequence), instruments that no longer match the log.
pub(super) fn prepare(cfg: &Config, repair: bool) -> Result<Start, String> {
    let dir = &cfg.core.data_dir;
    let wait = Duration::from_millis(cfg.gating.shutdown_timeout_ms).max(MIN_HANDOFF_WAIT);
    match await_handoff(None, &cfg.core.name, wait).map_err(|e| e.to_string())? {
        Handoff::Idle { pid, waited } if waited.as_millis() > 0 => info!(
            "the persister (pid {pid}) finished the previous run after {} ms",
            waited.as_millis()
        ),
        Handoff::PersisterDead => warn!(
            "the persister of {} is not running: this run's events are not logged until \
             one starts (`seamless persist --name {}`)",
            cfg.core.name, cfg.core.name
        ),
        _ => {}
    }
    let restored = restore(dir, RestoreOptions { repair })
        .map_err(|e| format!("cannot restore from {}: {e}", dir.display()))?;
    if let Some(meta) = &restored.meta {
        check_instruments(cfg, dir, meta)?;
    }
    let state = restored.state;
    if state.last_seq() == 0 {
        // Quiet: a usage error found after this must stay the only line on stderr.
        debug!("no events in {}: a fresh start", dir.display());
        return Ok(Start {
            state,
            reason: Reason::Start,
        });
    }
    info!("restored from {}: {}", dir.display(), restored.report);
    Ok(Start {
        state,
        reason: Reason::Restore,
    })
}

/// An instrument's id is its place in the list: the log's must be a prefix of the
/// config's.
fn check_instruments(cfg: &Config, dir: &Path, meta: &LogMeta) -> Result<(), String> {
    let ours = instruments_from_config(&cfg.instruments).map_err(|e| format!("{e:?}"))?;
    let ours: Vec<&str> = ours.iter().map(|(_, i)| i.symbol.as_str()).collect();
    let logged = meta.instruments_table().map_err(|e| e.to_string())?;
    let logged: Vec<&str> = logged.iter().map(|(_, i)| i.symbol.as_str()).collect();
    if ours.len() >= logged.len() && ours[..logged.len()] == logged[..] {
        return Ok(());
    }
    Err(format!(
        "{} was written with instruments [{}] but the config lists [{}]: an instrument's \
         place in the list is its id in the log, so keep the logged ones first and in \
         order (add new ones at the end), or use another --data-dir",
        dir.display(),
        logged.join(","),
        ours.join(",")
    ))
}
