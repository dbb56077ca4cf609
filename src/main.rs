//! The `seamless` command: argument parsing and glue only. Every command's work lives in
//! a library crate; this binary maps flags onto it and errors onto exit codes
//! (0 ok, 2 usage/config error, 1 runtime failure).

// The doc comments of the CLI's argument structs are its `--help` text, which names
// config keys as `[section.key]` and placeholders as `<UTC time>`; rustdoc would read
// those as links and HTML tags.
#![allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
