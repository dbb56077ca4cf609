//! seamless-monitor: the terminal monitor (being written).
#![deny(missing_docs)]
