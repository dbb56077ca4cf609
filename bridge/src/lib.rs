//! seamless-bridge: the web bridge (filled in by the bridge work).
#![deny(missing_docs)]
