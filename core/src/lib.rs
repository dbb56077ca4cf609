//! seamless-core: trading domain, the pinned engine, feeds, strategies, risk and the paper broker.
#![deny(missing_docs)]
