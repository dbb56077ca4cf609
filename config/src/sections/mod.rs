//! One module per config section (`[core]`, `[feed]`, ...), each with its struct, its
//! `Default` (which must match config/default.toml) and its `validate`.

pub mod bridge;
pub mod broker;
pub mod core_section;
pub mod feed;
pub mod feed_source;
pub mod gating;
pub mod instruments;
pub mod monitor;
pub mod monitors;
pub mod pace;
pub mod persist;
pub mod reconcile;
pub mod risk;
pub mod strategy;
