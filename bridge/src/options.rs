//! [`Options`]: what `seamless bridge` was asked to do, as plain data (the CLI maps its
//! flags and the `[bridge]`/`[monitor]` config sections onto it).
//!
//! Progress: plain data.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use seamless_config::{BridgeConfig, Config};

use crate::error::BridgeError;

/// Everything the bridge needs to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// The instance to serve (`seamless-NAME`).
    pub name: String,
    /// Directory of the shared-memory files (`None`: `SEAMLESS_SHM_DIR`, else /dev/shm).
    pub shm_dir: Option<PathBuf>,
    /// Address to listen on (`bridge.listen`); port 0 picks a free port (see
    /// [`Bridge::local_addr`](crate::Bridge::local_addr)).
    pub listen: SocketAddr,
    /// Bearer token every endpoint but `/healthz` requires (`bridge.token`).
    pub token: Option<String>,
    /// Most pushes per second of routine (conflated) events and state (`bridge.throttle_hz`).
    pub throttle_hz: u32,
    /// Messages a client may fall behind before it is resynchronised from a snapshot
    /// (`bridge.client_queue`): the capacity of the fan-out channel.
    pub client_queue: usize,
    /// Extra `Origin`s allowed (`bridge.allowed_origins`); the bridge's own is always.
    pub allowed_origins: Vec<String>,
    /// Heartbeat age after which the core counts as stale (`monitor.stale_ms`).
    pub stale: Duration,
    /// Tokio worker threads (0: half the CPU cores, at least 1, at most 4).
    pub workers: usize,
}

impl Options {
    /// Options for instance `name` with the `[bridge]` and `[monitor]` defaults.
    pub fn new(name: impl Into<String>) -> Self {
        let mut cfg = Config::default();
        cfg.core.name = name.into();
        Self::from_config(&cfg)
    }

    /// Options from a (validated) configuration: `core.name`, `[bridge]`,
    /// `monitor.stale_ms`.
    pub fn from_config(cfg: &Config) -> Self {
        let b: &BridgeConfig = &cfg.bridge;
        Options {
            name: cfg.core.name.clone(),
            shm_dir: None,
            listen: b.listen,
            token: b.token.clone(),
            throttle_hz: b.throttle_hz,
            client_queue: b.client_queue,
            allowed_origins: b.allowed_origins.clone(),
            stale: Duration::from_millis(cfg.monitor.stale_ms),
            workers: 0,
        }
    }

    /// Checks what the server relies on (the config's own validation says the same in
    /// config terms; this guards library callers).
    ///
    /// # Errors
    ///
    /// [`BridgeError::TokenRequired`] for a non-loopback address without a token,
    /// [`BridgeError::Invalid`] for an empty token, a zero rate or queue.
    pub fn check(&self) -> Result<(), BridgeError> {
        match &self.token {
            None if !self.listen.ip().is_loopback() => {
                return Err(BridgeError::TokenRequired {
                    listen: self.listen,
                });
            }
            Some(t) if t.is_empty() || t.chars().any(|c| c.is_whitespace() || c.is_control()) => {
                return Err(BridgeError::invalid(
                    "token",
                    "must be non-empty, without spaces or control characters",
                ));
            }
            _ => {}
        }
        if self.throttle_hz == 0 || self.throttle_hz > 1000 {
            return Err(BridgeError::invalid("throttle_hz", "must be 1 to 1000"));
        }
        if self.client_queue == 0 || self.client_queue > 1 << 20 {
            return Err(BridgeError::invalid("client_queue", "must be 1 to 1048576"));
        }
        Ok(())
    }

    /// The time between two routine pushes.
    pub fn throttle_interval(&self) -> Duration {
        Duration::from_micros(1_000_000 / u64::from(self.throttle_hz.max(1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_loopback_needs_a_token() {
        let mut o = Options::new("x");
        assert!(o.check().is_ok());
        o.listen = "0.0.0.0:8787".parse().unwrap();
        assert!(matches!(o.check(), Err(BridgeError::TokenRequired { .. })));
        o.token = Some("s3cret".into());
        assert!(o.check().is_ok());
        o.token = Some("with space".into());
        assert!(matches!(o.check(), Err(BridgeError::Invalid { .. })));
    }

    #[test]
    fn throttle_interval_follows_the_rate() {
        let mut o = Options::new("x");
        o.throttle_hz = 10;
        assert_eq!(o.throttle_interval(), Duration::from_millis(100));
        o.throttle_hz = 0;
        assert!(o.check().is_err());
    }
}
