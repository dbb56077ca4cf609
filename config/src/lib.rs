//! seamless-config: the typed TOML configuration of a seamless instance, with a
//! default for every key and validation that names the file, key and line at fault.
//!
//! [`DEFAULT_TOML`] (config/default.toml) is the documented default: every key, with
//! its unit, range and effect. [`Config::default`] equals parsing it (a test holds them
//! together). A config file only needs the keys it changes.
//!
//! ```
//! use seamless_config::{Config, Decimal, FsyncPolicy};
//! let text = r#"
//! [persist]
//! fsync = "always"
//!
//! [[instruments]]
//! symbol = "AAPL"
//! tick_size = 0.01
//! lot_size = 0.01
//! "#;
//! let config = Config::from_toml_str(text, "example.toml").unwrap();
//! assert_eq!(config.persist.fsync, FsyncPolicy::Always);
//! assert_eq!(config.instruments[0].tick_size, Decimal(1_000_000));
//! assert_eq!(config.core.name, "default");
//!
//! let err = Config::from_toml_str("[risk]\nmax_postion = 1\n", "example.toml").unwrap_err();
//! assert!(err.to_string().starts_with("example.toml:2: unknown key `risk.max_postion`"));
//! ```
//!
//! Command-line flags override fields directly (they are public), then the binary runs
//! [`Config::validate`] again. Every enum parses and prints the same words in TOML and on
//! the command line (`FromStr`/`Display`); the composite flags have parsers:
//! [`StrategyConfig::from_cli_spec`], [`BrokerFaults::from_cli_spec`], [`Cores`] and
//! [`FeedSource::from_cli_args`].
//!
//! Money, prices and quantities are exact fixed-point [`Decimal`]s (10^-8 units), read
//! from the TOML literal's text, never rounded through a float.
//!
//! # Implementation
//!
//! 1. serde derives with `#[serde(default, deny_unknown_fields)]` on every section
//!    ([`sections`]); name-spelled enums through one macro (`named`).
//! 2. Parsing goes through toml's spanned document so errors carry lines and dotted keys
//!    ([`Config::from_toml_str`], module `locate`).
//! 3. Validation is plain code per section plus cross-section rules ([`Config::validate`]).
//!
//! See docs/decisions/0002-config-toml-serde.md for why toml + serde.
//!
//! This crate never panics on input and does no I/O beyond [`Config::load`].

#![deny(unsafe_op_in_unsafe_fn)]
#![deny(missing_docs)]
#![warn(clippy::undocumented_unsafe_blocks)]

mod check;
mod config;
pub mod decimal;
mod error;
mod load;
mod locate;
mod named;
pub mod sections;
mod spec;

pub use config::Config;
pub use decimal::{DECIMALS, Decimal, DecimalError, SCALE};
pub use error::{ConfigError, ValidationError};
pub use named::UnknownName;
pub use seamless_ipc::wait::WaitStrategy;
pub use sections::bridge::BridgeConfig;
pub use sections::broker::{BrokerConfig, BrokerFaults};
pub use sections::core_section::{CoreConfig, Cores, validate_name};
pub use sections::feed::{BadRows, FeedConfig, SyntheticConfig};
pub use sections::feed_source::{CsvSpec, FeedSource};
pub use sections::gating::{GatingConfig, GatingPolicy};
pub use sections::instruments::{Instrument, MAX_SYMBOL_LEN, validate_symbol};
pub use sections::monitor::MonitorConfig;
pub use sections::monitors::MonitorsConfig;
pub use sections::pace::Pace;
pub use sections::persist::{FsyncPolicy, PersistConfig};
pub use sections::reconcile::{ReconcileConfig, ReconcilePolicy};
pub use sections::risk::RiskConfig;
pub use sections::strategy::{StrategyConfig, StrategyKind};
pub use spec::SpecError;

/// The documented default configuration (config/default.toml), embedded.
pub const DEFAULT_TOML: &str = include_str!("../default.toml");

/// The name [`DEFAULT_TOML`] goes by in error messages.
pub const DEFAULT_TOML_NAME: &str = "config/default.toml";
