//! The `seamless` command: argument parsing and glue only. Every command's work lives in
//! a library crate; this binary maps flags onto it and errors onto exit codes
//! (0 ok, 2 usage/config error, 1 runtime failure).

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
