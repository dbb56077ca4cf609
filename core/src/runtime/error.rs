//! [`RunError`]: why the core could not start or did not end cleanly.

use std::fmt;

use seamless_config::ValidationError;

use crate::engine::SetupError;
use crate::feed::FeedError;
use crate::shared::RegionError;

use super::RunSummary;

/// Why [`run`](super::run) failed. [`is_usage`](Self::is_usage) tells configuration
/// and input errors (exit status 2) from runtime failures (exit status 1).
#[derive(Debug)]
#[non_exhaustive]
pub enum RunError {
    /// The configuration breaks a rule.
    Config(ValidationError),
    /// The engine could not be built from the configuration.
    Setup(SetupError),
    /// The feed could not be opened (a CSV file missing, empty, or without a needed
    /// column).
    FeedOpen(FeedError),
    /// A configured core is not available to this process.
    Cores {
        /// The key, e.g. `core.cores.engine`.
        key: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// The region could not be created (another core runs the instance: the message
    /// names its pid), or set up.
    Region(RegionError),
    /// A thread could not be started.
    Spawn(std::io::Error),
    /// The feed failed during the run (a bad CSV row under `bad_rows = "fail"`). The
    /// core stopped cleanly (`runner_stopped` reason `error`); the summary says what
    /// was done before.
    Feed {
        /// The feed's error, naming file and line.
        error: FeedError,
        /// The run until then.
        summary: Box<RunSummary>,
    },
    /// A thread panicked; the region was marked stopped.
    Panicked {
        /// The thread (`feed`, `engine`, `broker`).
        thread: &'static str,
        /// The panic message.
        message: String,
    },
}

impl RunError {
    /// True for configuration and input errors found before anything ran.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            RunError::Config(_)
                | RunError::Setup(_)
                | RunError::FeedOpen(_)
                | RunError::Cores { .. }
        )
    }
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Config(e) => e.fmt(f),
            RunError::Setup(e) => e.fmt(f),
            RunError::FeedOpen(e) => e.fmt(f),
            RunError::Cores { key, detail } => write!(f, "{key}: {detail}"),
            RunError::Region(e) => e.fmt(f),
            RunError::Spawn(e) => write!(f, "cannot start a thread: {e}"),
            RunError::Feed { error, .. } => error.fmt(f),
            RunError::Panicked { thread, message } => {
                write!(f, "the {thread} thread panicked: {message}")
            }
        }
    }
}

impl std::error::Error for RunError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RunError::Config(e) => Some(e),
            RunError::Setup(e) => Some(e),
            RunError::FeedOpen(e) | RunError::Feed { error: e, .. } => Some(e),
            RunError::Region(e) => Some(e),
            RunError::Spawn(e) => Some(e),
            RunError::Cores { .. } | RunError::Panicked { .. } => None,
        }
    }
}
