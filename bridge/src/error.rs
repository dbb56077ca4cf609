//! [`BridgeError`]: why the bridge could not start or stopped early.
//!
//! Progress: plain data.

use std::fmt;
use std::io;
use std::net::SocketAddr;

/// Why the bridge failed. Messages are one line and lowercase.
#[derive(Debug)]
#[non_exhaustive]
pub enum BridgeError {
    /// Bound to a non-loopback address without a token (a usage error).
    TokenRequired {
        /// The address asked for.
        listen: SocketAddr,
    },
    /// An option is out of range (a usage error).
    Invalid {
        /// The option (`token`, `throttle_hz`, ...).
        key: &'static str,
        /// What is wrong.
        detail: &'static str,
    },
    /// The address could not be bound (in use, not local, no permission).
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The system's reason.
        source: io::Error,
    },
    /// The runtime or a thread could not be started, or the server failed.
    Runtime(io::Error),
}

impl BridgeError {
    pub(crate) fn invalid(key: &'static str, detail: &'static str) -> Self {
        BridgeError::Invalid { key, detail }
    }

    /// True for errors in what was asked (exit status 2), false for runtime failures.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            BridgeError::TokenRequired { .. } | BridgeError::Invalid { .. }
        )
    }
}

impl fmt::Display for BridgeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BridgeError::TokenRequired { listen } => write!(
                f,
                "bridge.token: required when listening on {listen}, a non-loopback address \
                 (give --token or bridge.token, or listen on 127.0.0.1)"
            ),
            BridgeError::Invalid { key, detail } => write!(f, "bridge.{key}: {detail}"),
            BridgeError::Bind { addr, source } => write!(f, "cannot listen on {addr}: {source}"),
            BridgeError::Runtime(e) => write!(f, "bridge runtime: {e}"),
        }
    }
}

impl std::error::Error for BridgeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BridgeError::Bind { source, .. } => Some(source),
            BridgeError::Runtime(e) => Some(e),
            _ => None,
        }
    }
}
