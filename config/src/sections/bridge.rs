//! `[bridge]`: the HTTP/WebSocket bridge's address, access control and push rates.

use std::net::{Ipv4Addr, SocketAddr};

use serde::{Deserialize, Serialize};

use crate::check::within;
use crate::error::ValidationError;

/// `[bridge]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BridgeConfig {
    /// Address and port to listen on. Loopback by default; any other address needs a
    /// `token`.
    pub listen: SocketAddr,
    /// Bearer token clients must present (`Authorization: Bearer T`, or `?token=T` on
    /// WebSocket/SSE); `None` means no authentication.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Most pushes per second of routine (conflated) state to each client (1 to 1000);
    /// critical events are pushed at once.
    pub throttle_hz: u32,
    /// Messages queued per client before it is dropped as too slow (1 to 1048576).
    pub client_queue: usize,
    /// Extra `Origin`s allowed on WebSocket connections, e.g. `"https://ops.example"`;
    /// the bridge's own origin is always allowed.
    pub allowed_origins: Vec<String>,
}

impl Default for BridgeConfig {
    fn default() -> Self {
        BridgeConfig {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 8787)),
            token: None,
            throttle_hz: 10,
            client_queue: 1024,
            allowed_origins: Vec::new(),
        }
    }
}

impl BridgeConfig {
    /// Checks every `bridge.*` key.
    ///
    /// # Errors
    ///
    /// The first key that breaks its rule; `bridge.token` when the bridge listens on a
    /// non-loopback address without one.
    pub fn validate(&self) -> Result<(), ValidationError> {
        match &self.token {
            Some(t) if t.is_empty() || t.chars().any(|c| c.is_whitespace() || c.is_control()) => {
                let msg = "must be non-empty, without spaces or control characters";
                return Err(ValidationError::new("bridge.token", msg));
            }
            None if !self.listen.ip().is_loopback() => {
                let msg = format!(
                    "required when bridge.listen is not a loopback address ({})",
                    self.listen
                );
                return Err(ValidationError::new("bridge.token", msg));
            }
            _ => {}
        }
        within("bridge.throttle_hz", self.throttle_hz, 1, 1000)?;
        within("bridge.client_queue", self.client_queue, 1, 1 << 20)?;
        for (i, origin) in self.allowed_origins.iter().enumerate() {
            let host = origin
                .strip_prefix("http://")
                .or_else(|| origin.strip_prefix("https://"));
            if !host.is_some_and(|h| !h.is_empty() && !h.contains(['/', ' '])) {
                let msg = format!("{origin:?} is not an origin like \"https://host:port\"");
                return Err(ValidationError::new(
                    format!("bridge.allowed_origins[{i}]"),
                    msg,
                ));
            }
        }
        Ok(())
    }
}
