//! Generation speed for the benchmark sizes: `cargo run --release -p renkou-demo
//! --example demo_speed -- [persons] [persons.csv]`. Prints persons per second for
//! generating the households alone and for writing persons.csv (to the given file, or
//! to nowhere).

use renkou_demo::{DemoCounty, DemoSpec};
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let persons: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let path = args.next();
    let county = DemoCounty::new(DemoSpec::new(persons, 1));

    let t = Instant::now();
    let (mut households, mut made) = (0usize, 0usize);
    for h in county.households() {
        households += 1;
        made += h.len();
    }
    let s = t.elapsed().as_secs_f64();
    println!(
        "generate: {made} persons in {households} households in {s:.2} s = {:.0} persons/s",
        made as f64 / s
    );

    let t = Instant::now();
    match &path {
        Some(p) => {
            let f = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(p).unwrap());
            county.write_persons_csv(f).unwrap();
        }
        None => county.write_persons_csv(std::io::sink()).unwrap(),
    }
    let s = t.elapsed().as_secs_f64();
    println!(
        "persons.csv to {}: {s:.2} s = {:.0} persons/s",
        path.as_deref().unwrap_or("sink"),
        persons as f64 / s
    );
}
