//! renkou: the one binary. A thin layer: parse the command line, call the use cases
//! of `renkou-register`, print results in Chinese and English. `anyhow` lives only here.

mod bench;
mod cli;
mod db;
mod pdf;
mod progress;
mod web;

fn main() -> std::process::ExitCode {
    cli::main()
}
