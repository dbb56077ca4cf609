//! `[core]`: the instance, its data directory, thread pinning and ring sizes.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use seamless_ipc::wait::WaitStrategy;
use serde::{Deserialize, Serialize};

use crate::check::{power_of_two, within};
use crate::error::ValidationError;
use crate::spec::{SpecError, SpecParts};

/// `[core]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CoreConfig {
    /// Instance name: the shared-memory name (`/dev/shm/seamless-NAME`). 1 to 64 of
    /// `A-Z a-z 0-9 _ -`.
    pub name: String,
    /// Directory for the event log and snapshots, relative to the working directory.
    pub data_dir: PathBuf,
    /// Wait strategy of the hot-path threads when idle.
    #[serde(with = "crate::named::via_str")]
    pub wait: WaitStrategy,
    /// Period of the core's heartbeat in the region header, in milliseconds (1 to 1000).
    pub heartbeat_ms: u64,
    /// Slots in the broadcast event ring: a power of two, 64 to 2^22.
    pub event_ring_capacity: usize,
    /// Slots in each SPSC ring between hot-path threads: a power of two, 2 to 2^20.
    pub spsc_capacity: usize,
    /// CPU cores the hot-path threads are pinned to (`[core.cores]`).
    pub cores: Cores,
}

impl Default for CoreConfig {
    fn default() -> Self {
        CoreConfig {
            name: "default".to_owned(),
            data_dir: PathBuf::from("data"),
            wait: WaitStrategy::Backoff,
            heartbeat_ms: 5,
            event_ring_capacity: 65_536,
            spsc_capacity: 4096,
            cores: Cores::default(),
        }
    }
}

impl CoreConfig {
    /// Checks every `core.*` key.
    ///
    /// # Errors
    ///
    /// The first key that breaks its rule.
    pub fn validate(&self) -> Result<(), ValidationError> {
        validate_name("core.name", &self.name)?;
        if self.data_dir.as_os_str().is_empty() {
            return Err(ValidationError::new("core.data_dir", "must not be empty"));
        }
        within("core.heartbeat_ms", self.heartbeat_ms, 1, 1000)?;
        power_of_two(
            "core.event_ring_capacity",
            self.event_ring_capacity as u64,
            64,
            1 << 22,
        )?;
        power_of_two("core.spsc_capacity", self.spsc_capacity as u64, 2, 1 << 20)?;
        self.cores.validate(self.wait)
    }
}

/// Checks an instance name: 1 to 64 of `A-Z a-z 0-9 _ -`.
///
/// # Errors
///
/// A [`ValidationError`] for `key` naming the first bad character or the bad length.
pub fn validate_name(key: &str, name: &str) -> Result<(), ValidationError> {
    if name.is_empty() || name.len() > 64 {
        let msg = format!("expected 1 to 64 characters, got {}", name.chars().count());
        return Err(ValidationError::new(key, msg));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
    {
        let msg = format!("{name:?} contains {c:?}: use only A-Z, a-z, 0-9, _ and -");
        return Err(ValidationError::new(key, msg));
    }
    Ok(())
}

/// `[core.cores]`: which CPU core each hot-path thread is pinned to; `None` leaves the
/// thread unpinned. Parsed from `feed=0,engine=1,broker=1` (any subset) for `--cores`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Cores {
    /// Core of the feed thread.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feed: Option<usize>,
    /// Core of the engine thread.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engine: Option<usize>,
    /// Core of the broker thread.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broker: Option<usize>,
}

impl Cores {
    /// Checks core ids are plausible and that no two spinning threads share a core.
    ///
    /// # Errors
    ///
    /// `core.cores.<thread>` when an id exceeds 4095, or when `wait` busy-polls and two
    /// threads share a core (two spinners on one core starve each other).
    pub fn validate(&self, wait: WaitStrategy) -> Result<(), ValidationError> {
        let threads = [
            ("feed", self.feed),
            ("engine", self.engine),
            ("broker", self.broker),
        ];
        for (i, (name, id)) in threads.iter().enumerate() {
            let Some(id) = *id else { continue };
            within(&format!("core.cores.{name}"), id, 0, 4095)?;
            let shared = threads[..i].iter().find(|(_, other)| *other == Some(id));
            if let (Some((other, _)), true) = (shared, wait.busy_polls()) {
                let msg = format!(
                    "{other} and {name} share core {id} with wait = \"{wait}\": two busy-polling \
                     threads on one core starve each other (use wait = \"backoff\" or separate cores)"
                );
                return Err(ValidationError::new(format!("core.cores.{name}"), msg));
            }
        }
        Ok(())
    }
}

impl FromStr for Cores {
    type Err = SpecError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let parts = SpecParts::parse("cores spec", spec, spec)?;
        let mut cores = Cores::default();
        for &(part, key, value) in &parts.parts {
            let id = Some(parts.value(part, value, "a core id (a whole number)")?);
            match key {
                "feed" => cores.feed = id,
                "engine" => cores.engine = id,
                "broker" => cores.broker = id,
                _ => return Err(parts.unknown(part, key, "feed, engine or broker")),
            }
        }
        Ok(cores)
    }
}

impl fmt::Display for Cores {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let threads = [
            ("feed", self.feed),
            ("engine", self.engine),
            ("broker", self.broker),
        ];
        let mut sep = "";
        for (name, id) in threads {
            if let Some(id) = id {
                write!(f, "{sep}{name}={id}")?;
                sep = ",";
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cores_spec_round_trips() {
        let c: Cores = "feed=0,engine=1,broker=1".parse().unwrap();
        assert_eq!(
            c,
            Cores {
                feed: Some(0),
                engine: Some(1),
                broker: Some(1)
            }
        );
        assert_eq!(c.to_string(), "feed=0,engine=1,broker=1");
        assert_eq!("engine=3".parse::<Cores>().unwrap().engine, Some(3));
        let e = "feed=0,gpu=1".parse::<Cores>().unwrap_err();
        assert_eq!(e.part, "gpu=1");
        assert!("feed=-1".parse::<Cores>().is_err());
    }

    #[test]
    fn spinners_may_not_share_a_core() {
        let c = Cores {
            feed: Some(1),
            engine: Some(1),
            broker: None,
        };
        assert!(c.validate(WaitStrategy::Backoff).is_ok());
        let e = c.validate(WaitStrategy::Spin).unwrap_err();
        assert_eq!(e.key, "core.cores.engine");
    }

    #[test]
    fn names() {
        assert!(validate_name("k", "prod-1_a").is_ok());
        assert!(validate_name("k", "").is_err());
        assert!(validate_name("k", "a/b").is_err());
        assert!(validate_name("k", &"a".repeat(65)).is_err());
    }
}
