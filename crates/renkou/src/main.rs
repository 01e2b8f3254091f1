//! renkou: the one binary. A thin layer: parse the command line, call the use cases
//! of `renkou-app`, print results in Chinese and English. `anyhow` lives only here.

mod bench;
mod bench_indicators;
mod bench_web;
mod cli;
mod indicators_cli;
mod link_cli;
mod progress;
mod web;

/// Imports allocate many small strings per row; mimalloc measured about a fifth
/// faster than the system allocator on a million-row import (see `renkou bench`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
