//! seamless-bench: the latency and throughput scenarios behind `cargo bench` and
//! `seamless bench`.
//!
//! Every scenario measures ours and its peers *interleaved in one process*, round by
//! round, because this VM's floor jumps about 3x now and then (host placement): only
//! figures from the same run are comparable, and the report gives the median over
//! rounds of each figure's ratio to the floor. A correctness check runs before any
//! figure is trusted (values must come back unchanged, streams arrive in order).
//!
//! Benches are never timed tests: nothing here asserts a latency.
//!
//! [`suite`] registers the scenarios and writes `seamless bench all`'s report
//! directory (Markdown tables with the [`machine`] description, `.hgrm` files, SVG
//! plots from [`plot`]); each scenario returns an [`outcome::Outcome`].

#![deny(missing_docs)]

pub mod child;
pub mod clock;
pub mod floor;
pub mod hist;
pub mod machine;
pub mod ours;
pub mod outcome;
pub mod peers;
pub mod pin;
pub mod pingpong;
pub mod plot;
pub mod progress;
pub mod report;
pub mod scenarios;
pub mod seqlock_cost;
pub mod shmfile;
pub mod stream;
pub mod suite;
pub mod tick_to_event;
