//! The `seamless` command: argument parsing and glue only.
fn main() {}
