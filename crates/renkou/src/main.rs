//! renkou: the one binary. A thin layer: parse the command line, call the use cases
//! of `renkou-app`, print results in Chinese and English. `anyhow` lives only here.

mod bench;
mod bench_indicators;
mod bench_pages;
mod bench_reconcile;
mod bench_web;
mod cli;
mod indicators_cli;
mod link_cli;
mod progress;
mod reconcile_cli;
mod web;

fn main() -> std::process::ExitCode {
    cli::main()
}
