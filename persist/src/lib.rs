//! seamless-persist: the event log, snapshots, retention and recovery (filled in by the
//! persistence work).
#![deny(missing_docs)]
