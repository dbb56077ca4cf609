//! seamless-config: typed TOML configuration with defaults and validation.
#![deny(missing_docs)]
