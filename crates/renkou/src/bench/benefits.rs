//! `renkou bench benefits`: a 育儿补贴 eligibility run for the whole county of an
//! existing database (make one with `renkou --database big.db demo --persons
//! 2000000 --seed 7`), as `renkou benefits eligibility` computes it.
//!
//! Prints, for one cold and the median of 5 warm runs:
//! - load: reading the register for the run (`renkou_benefits::loader::load`: the
//!   birth cohorts the age limit lets in, their moves);
//! - compute: the rule over them (`childcare::run`);
//! - persons considered, eligible, and the total.
//!
//! Nothing is written. Run it once per backend.

use anyhow::Result;
use renkou_benefits::rules::{Parameters, Program};
use renkou_benefits::runs::{self, Request};
use renkou_domain::RegionLevel;

const RUNS: usize = 5;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

pub fn run(db: &str, year: i32) -> Result<()> {
    let store = crate::db::open(db)?;
    let regions = store.regions()?;
    let county = crate::bench::first_region(&regions, RegionLevel::County, None)?;
    let persons = store.counts()?.persons;
    println!(
        "育儿补贴资格认定基准 / childcare eligibility benchmark: {} ({}), {persons} persons, county {county}, year {year}",
        store.location,
        store.backend().name()
    );
    let me = crate::cli::operator();
    let params = Parameters::national();
    let req = Request {
        program: Program::Childcare,
        area: county,
        year,
    };
    let (mut load, mut compute, mut total) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..=RUNS {
        let c = runs::compute(&store, &me, &req, &params)?;
        if i == 0 {
            println!(
                "first run: load {:.3} s, compute {:.3} s; considered {}, eligible {}, total {} yuan",
                c.load_seconds,
                c.compute_seconds,
                c.run.determinations.len(),
                c.run.eligible().count(),
                c.run.total()
            );
            continue;
        }
        load.push(c.load_seconds);
        compute.push(c.compute_seconds);
        total.push(c.load_seconds + c.compute_seconds);
    }
    println!(
        "median of {RUNS} warm runs: load {:.3} s, compute {:.3} s, total {:.3} s",
        median(load),
        median(compute),
        median(total)
    );
    Ok(())
}
