//! Prints the figures of a demo county: `cargo run --release -p renkou-demo --example
//! demo_stats -- [persons] [seed]`.

use renkou_demo::summary::Summary;
use renkou_demo::{DemoCounty, DemoSpec};

fn main() {
    let mut args = std::env::args().skip(1);
    let persons = args.next().and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let seed = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let county = DemoCounty::new(DemoSpec::new(persons, seed));
    let regions = county.regions();
    let villages = county.village_codes().count();
    println!(
        "regions {} (villages with households {villages})",
        regions.len()
    );
    print!("{}", Summary::of(&county).report());
}
