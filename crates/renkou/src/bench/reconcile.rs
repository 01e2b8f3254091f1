//! `renkou bench reconcile`: how well reconciliation classifies, on the engine
//! generator's sources (`renkou_linkage::generate`) of any number of births: a
//! village ledger with duplicated rows is the source, the register is built from
//! the hospital's births, and the whole workflow runs and is scored against the
//! truth by [`super::workflow`] (the class table with precision and recall,
//! Chapman's N̂ against the true number of births). The same table for both
//! generators and the three sizes: `renkou bench linkage --workflow-sizes
//! township,county,prefecture --workflow-seeds 1,2,3`.

use super::workflow::{self, Label};
use anyhow::Result;
use renkou_linkage::bench::{RowTruth, Sample};
use renkou_linkage::generate::{self, BirthsConfig};

pub fn run(births: usize, seed: u64) -> Result<()> {
    let cfg = BirthsConfig {
        seed,
        births,
        townships: (births / 500).clamp(1, 20) as u32,
        villages_per_township: 10,
        ..Default::default()
    };
    let g = generate::births(&cfg);
    let truth = |ent: &[u32], mot: &[u32], del: &[u32]| -> Vec<RowTruth> {
        ent.iter()
            .zip(mot)
            .zip(del)
            .map(|((&child, &mother), &d)| RowTruth {
                child,
                delivery: u64::from(d),
                mother,
            })
            .collect()
    };
    let sample = Sample {
        ledger_truth: truth(&g.ledger_entity, &g.ledger_mother, &g.ledger_delivery),
        hospital_truth: truth(&g.hospital_entity, &g.hospital_mother, &g.hospital_delivery),
        true_births: g.births,
        ledger: g.ledger,
        hospital: g.hospital,
    };
    let label = Label {
        generator: "engine".into(),
        size: format!("{births} births over {} years", cfg.years),
        seed,
    };
    print!("{}", workflow::run_case(label, &sample)?);
    Ok(())
}
