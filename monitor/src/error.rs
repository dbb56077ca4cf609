//! [`MonitorError`]: why the monitor could not run or stopped early. Every variant is a
//! runtime failure (exit status 1); usage errors are the CLI's.
//!
//! Progress: plain data.

use std::fmt;
use std::io;
use std::time::Duration;

use seamless_core::shared::{RowError, SharedAttachError};
use seamless_ipc::region::AttachError;

/// Why the monitor failed. Messages are one line, lowercase, and name the instance.
#[derive(Debug)]
#[non_exhaustive]
pub enum MonitorError {
    /// No region exists for the instance.
    NoInstance {
        /// The instance.
        name: String,
    },
    /// The region exists but cannot be used: another layout version (both named), a
    /// permission or ownership problem, a corrupt header or table.
    Attach(SharedAttachError),
    /// The core kept saying it is starting for longer than we waited.
    StillStarting {
        /// The instance.
        name: String,
        /// How long we waited.
        waited: Duration,
    },
    /// The event ring could not be attached (not initialised, corrupt header).
    Ring(seamless_ipc::broadcast::AttachError),
    /// A state row could not be read consistently (a core that died mid-write).
    Read(RowError),
    /// Writing the output failed (other than the reader going away: a closed pipe is
    /// a normal end).
    Output(io::Error),
    /// The terminal could not be set up or drawn to.
    Terminal(io::Error),
}

impl MonitorError {
    /// Classifies an attach error: a missing region is [`NoInstance`](Self::NoInstance).
    pub fn from_attach(name: &str, e: SharedAttachError) -> Self {
        match e {
            SharedAttachError::Region(AttachError::NotFound { .. }) => MonitorError::NoInstance {
                name: name.to_owned(),
            },
            e => MonitorError::Attach(e),
        }
    }
}

impl fmt::Display for MonitorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MonitorError::NoInstance { name } => write!(
                f,
                "no running instance {name}; start one with `seamless core --name {name}`"
            ),
            MonitorError::Attach(e) => e.fmt(f),
            MonitorError::StillStarting { name, waited } => write!(
                f,
                "instance {name} is still starting after {} ms; is its core stuck?",
                waited.as_millis()
            ),
            MonitorError::Ring(e) => write!(f, "cannot read the event ring: {e}"),
            MonitorError::Read(e) => write!(f, "cannot read the core's state: {e}"),
            MonitorError::Output(e) => write!(f, "cannot write output: {e}"),
            MonitorError::Terminal(e) => write!(f, "terminal: {e}"),
        }
    }
}

impl std::error::Error for MonitorError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            MonitorError::Attach(e) => Some(e),
            MonitorError::Read(e) => Some(e),
            MonitorError::Ring(e) => Some(e),
            MonitorError::Output(e) | MonitorError::Terminal(e) => Some(e),
            _ => None,
        }
    }
}

/// Maps an output error: a closed pipe (the reader went away, e.g. `| head`) ends the
/// run normally.
pub(crate) fn output(e: io::Error) -> Result<(), MonitorError> {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(MonitorError::Output(e))
    }
}
