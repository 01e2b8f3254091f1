//! The binary's tests, one test binary: the real `renkou` executable on both
//! databases (CLI), the linkage commands on files, `renkou indicators`, `renkou report`, and the
//! browser tests in headless Chromium at desktop and phone widths.

mod benefits;
mod benefits_cycle;
mod browser;
mod cli;
mod common;
mod fuzz;
mod indicators;
mod link;
mod registrations;
mod reports;
mod roster;
