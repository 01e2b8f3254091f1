//! Loading the synthetic demo county. It goes through the same files and the same
//! import path as real data, so the demo exercises (and benchmarks) what users run.

use crate::error::AppError;
use crate::import::{import_persons, import_regions};
use renkou_demo::{DemoCounty, DemoSpec};
use renkou_domain::progress::Progress;
use renkou_store::Store;
use renkou_store::{Actor, ImportOptions};
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

pub fn spec(persons: usize, seed: u64) -> DemoSpec {
    DemoSpec::new(persons, seed)
}

/// Writes regions.csv and persons.csv of the demo county into `dir`.
pub fn write_files(
    spec: &DemoSpec,
    dir: &Path,
    progress: &dyn Progress,
) -> Result<(PathBuf, PathBuf), AppError> {
    let io = |e: std::io::Error| AppError::Invalid(format!("{}: {e}", dir.display()));
    std::fs::create_dir_all(dir).map_err(io)?;
    let county = DemoCounty::new(spec.clone());
    let regions = dir.join("regions.csv");
    let persons = dir.join("persons.csv");
    progress.start("生成演示县 / generating the demo county", 0);
    county
        .write_regions_csv(BufWriter::new(File::create(&regions).map_err(io)?))
        .map_err(|e| AppError::Invalid(e.to_string()))?;
    county
        .write_persons_csv(BufWriter::with_capacity(
            1 << 20,
            File::create(&persons).map_err(io)?,
        ))
        .map_err(|e| AppError::Invalid(e.to_string()))?;
    progress.finish();
    Ok((regions, persons))
}

#[derive(Debug, Clone, Copy, Default)]
pub struct DemoLoad {
    pub regions: usize,
    pub persons: u64,
    pub households: i64,
}

/// Generates the county into a temporary folder and imports it.
pub fn load(store: &Store, spec: &DemoSpec, progress: &dyn Progress) -> Result<DemoLoad, AppError> {
    let dir = std::env::temp_dir().join(format!(
        "renkou-demo-{}-{}-{}",
        std::process::id(),
        spec.seed,
        spec.persons
    ));
    let (regions, persons) = write_files(spec, &dir, progress)?;
    let opts = ImportOptions::by(Actor::operator("demo"));
    let result = (|| {
        let (_, n_regions) = import_regions(store, &regions, &opts)?;
        let report = import_persons(store, &persons, &opts, progress)?;
        Ok(DemoLoad {
            regions: n_regions,
            persons: report.counts.read,
            households: store.counts()?.households,
        })
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}
