//! How far to trust a reconciliation (可信度): what the linkage engine decided by
//! itself and what it left to a reviewer, the duplicates it linked to their birth
//! and the twins it kept apart, and the checks of both fitted models (passed, or
//! failed and replaced by the shipped defaults, which the report says). Stored with
//! the reconciliation (`reconciliations.trust`) so the page and the API show what
//! the run was, not what a rerun would be.

use renkou_linkage::{FitReport, ModelOrigin};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Which models scored the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ModelSource {
    /// Fitted by EM on this run's records (and checked).
    Fitted,
    /// The county's reviewed models, saved from reconciliation `from`.
    County {
        county: String,
        saved_by: String,
        saved_at: String,
        from: Option<i64>,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Trust {
    /// Source records in a pair the model accepted (`agree` / `disagree`).
    pub auto_pairs: u64,
    /// Pairs a reviewer must decide (`uncertain`): between the thresholds, or a
    /// link another register birth of that day fits about as well.
    pub review_pairs: u64,
    /// Of those, the links demoted because a same-day rival fits as well.
    pub contested: u64,
    /// Source rows found to repeat another row (`duplicate`, counted once: 重报).
    pub duplicates: u64,
    /// Of those, linked to the register birth their standing row is.
    pub duplicates_linked: u64,
    /// Records that may repeat another (the dedupe model was unsure): queued for
    /// review as `possible_duplicate` items, counted as births until confirmed.
    pub review_duplicates: u64,
    /// Pairs of source rows kept apart as two children (twins, triplets).
    pub twins_kept_apart: u64,
    /// Source records with a cell kept as written (a flagged ID number, date, …).
    pub flagged_records: u64,
    pub model: ModelSource,
    pub link_fit: FitReport,
    pub dedupe_fit: FitReport,
}

impl Trust {
    /// Whether either model fell back to the shipped defaults.
    pub fn fell_back(&self) -> bool {
        self.link_fit.fell_back() || self.dedupe_fit.fell_back()
    }

    /// One line per fit: 通过 / passed, 改用默认 / fell back, given.
    pub fn fit_lines(&self) -> Vec<String> {
        [&self.link_fit, &self.dedupe_fit]
            .into_iter()
            .map(fit_line)
            .collect()
    }
}

/// A fit in one line, Chinese first.
pub fn fit_line(f: &FitReport) -> String {
    let failed: Vec<&str> = f.failed().map(|c| c.name.as_str()).collect();
    let what = match f.origin {
        ModelOrigin::Trained if f.passed() => {
            "在本次记录上训练，检查全部通过 / fitted on these records, every check passed".to_string()
        }
        ModelOrigin::Trained => format!(
            "在本次记录上训练，未通过检查（{}） / fitted on these records, checks failed ({})",
            failed.join(", "),
            failed.join(", ")
        ),
        ModelOrigin::Default => format!(
            "训练结果未通过检查（{}），已改用内置默认参数 / the fit failed its checks ({}): the shipped defaults were used",
            failed.join(", "),
            failed.join(", ")
        ),
        ModelOrigin::Supplied if f.passed() => {
            "使用保存的模型，检查通过 / the saved model was used, its checks passed".to_string()
        }
        ModelOrigin::Supplied => format!(
            "使用保存的模型，在本次记录上未通过检查（{}） / the saved model was used; on these records it fails ({})",
            failed.join(", "),
            failed.join(", ")
        ),
    };
    format!("{} / {}: {what}", f.task.name_zh(), f.task.name_en())
}

impl fmt::Display for Trust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "自动判定的配对 / pairs decided automatically: {}；待复核的配对 / pairs in review: {}（其中同日另有相近出生 / of which a same-day rival fits as well: {}）",
            self.auto_pairs, self.review_pairs, self.contested
        )?;
        writeln!(
            f,
            "来源内重复（重报）/ duplicated rows: {}（已关联到同一出生 / linked to their birth: {}）；疑似重复、待复核 / possible duplicates queued for review: {}；按双胞胎分开 / kept apart as twins: {}",
            self.duplicates, self.duplicates_linked, self.review_duplicates, self.twins_kept_apart
        )?;
        writeln!(
            f,
            "保留原样并标记的记录 / records kept as written with a flag: {}",
            self.flagged_records
        )?;
        match &self.model {
            ModelSource::Fitted => writeln!(f, "模型 / model: 本次拟合 / fitted on this run")?,
            ModelSource::County {
                county,
                saved_by,
                saved_at,
                from,
            } => writeln!(
                f,
                "模型 / model: 本县保存的模型 / the county's saved model ({county}, {saved_by}, {saved_at}{})",
                from.map(|r| format!(", 核对 reconciliation {r}"))
                    .unwrap_or_default()
            )?,
        }
        for l in self.fit_lines() {
            writeln!(f, "模型检查 / model checks — {l}")?;
        }
        Ok(())
    }
}
