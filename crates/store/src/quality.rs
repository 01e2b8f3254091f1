//! The data-quality list: suspicious but possible facts waiting for a person.

use crate::error::Result;
use crate::Store;
use renkou_domain::quality::{QualityIssue, QualityKind};
use renkou_domain::RegionCode;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredQualityIssue {
    pub id: i64,
    pub issue: QualityIssue,
    pub status: String,
}

impl Store {
    /// Open issues about persons living in `region`, oldest first.
    pub fn quality_issues(&self, region: &RegionCode) -> Result<Vec<StoredQualityIssue>> {
        let (lo, hi) = crate::prefix_range(region.prefix());
        self.with(|c| {
            let rows = c.query(
                "SELECT q.id, q.person_no, q.kind, q.message, q.status FROM quality_issues q \
                 JOIN persons p ON p.person_no = q.person_no \
                 WHERE p.region_code >= $1 AND p.region_code < $2 AND q.status = 'open' ORDER BY q.id",
                &[lo.into(), hi.into()],
            )?;
            Ok(rows
                .into_iter()
                .filter_map(|r| {
                    Some(StoredQualityIssue {
                        id: r[0].int()?,
                        issue: QualityIssue {
                            person_no: r[1].text()?,
                            kind: QualityKind::parse(r[2].as_str()?)?,
                            message: r[3].text()?,
                        },
                        status: r[4].text()?,
                    })
                })
                .collect())
        })
    }
}
