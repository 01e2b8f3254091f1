//! The data-quality list: suspicious but possible facts waiting for a person.

use crate::error::Result;
use crate::value::Value;
use crate::Store;
use renkou_domain::quality::{QualityIssue, QualityKind};
use renkou_domain::RegionCode;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredQualityIssue {
    pub id: i64,
    pub issue: QualityIssue,
    pub status: String,
    /// The person's name and village now, so a list can name them.
    pub person_name: String,
    pub region_code: String,
    /// Who resolved it, when, and why (a resolved issue only).
    pub resolved_by: Option<String>,
    pub resolved_at: Option<chrono::DateTime<chrono::Utc>>,
    pub resolution: Option<String>,
}

const ISSUE_COLS: &str = "q.id, q.person_no, q.kind, q.message, q.status, p.name, p.region_code, \
     q.resolved_by, q.resolved_at, q.resolution";

fn to_issue(r: &[Value]) -> Option<StoredQualityIssue> {
    Some(StoredQualityIssue {
        id: r[0].int()?,
        issue: QualityIssue {
            person_no: r[1].text()?,
            kind: QualityKind::parse(r[2].as_str()?)?,
            message: r[3].text()?,
        },
        status: r[4].text()?,
        person_name: r[5].text().unwrap_or_default(),
        region_code: r[6].text().unwrap_or_default(),
        resolved_by: r[7].text(),
        resolved_at: r[8].time(),
        resolution: r[9].text(),
    })
}

impl Store {
    /// Open issues about persons living in `region`, oldest first; not those of
    /// persons voided as wrongly entered (they are back once the void is undone).
    pub fn quality_issues(&self, region: &RegionCode) -> Result<Vec<StoredQualityIssue>> {
        let (lo, hi) = crate::prefix_range(region.prefix());
        self.with(|c| {
            let rows = c.query(
                &format!(
                    "SELECT {ISSUE_COLS} FROM quality_issues q \
                     JOIN persons p ON p.person_no = q.person_no \
                     WHERE p.region_code >= $1 AND p.region_code < $2 AND q.status = 'open' \
                     AND p.voided_by IS NULL ORDER BY q.id"
                ),
                &[lo.into(), hi.into()],
            )?;
            Ok(rows.iter().filter_map(|r| to_issue(r)).collect())
        })
    }

    /// The issues of persons living in `region` resolved most recently, newest
    /// first, at most `limit`.
    pub fn resolved_quality_issues(
        &self,
        region: &RegionCode,
        limit: i64,
    ) -> Result<Vec<StoredQualityIssue>> {
        let (lo, hi) = crate::prefix_range(region.prefix());
        self.with(|c| {
            let rows = c.query(
                &format!(
                    "SELECT {ISSUE_COLS} FROM quality_issues q \
                     JOIN persons p ON p.person_no = q.person_no \
                     WHERE p.region_code >= $1 AND p.region_code < $2 AND q.status = 'resolved' \
                     ORDER BY q.resolved_at DESC, q.id DESC LIMIT $3"
                ),
                &[lo.into(), hi.into(), limit.into()],
            )?;
            Ok(rows.iter().filter_map(|r| to_issue(r)).collect())
        })
    }

    /// One issue, open or resolved, with its person's village.
    pub fn quality_issue(&self, id: i64) -> Result<Option<StoredQualityIssue>> {
        self.with(|c| {
            let rows = c.query(
                &format!(
                    "SELECT {ISSUE_COLS} FROM quality_issues q \
                     JOIN persons p ON p.person_no = q.person_no WHERE q.id = $1"
                ),
                &[id.into()],
            )?;
            Ok(rows.first().and_then(|r| to_issue(r)))
        })
    }
}

impl Store {
    /// Scans the persons living in `region` for what the register's rules would
    /// refuse today or flag (see `renkou_domain::rules`): a person their own
    /// parent, a parent of the wrong sex, missing or younger than the child, an
    /// ID number two persons share, a household in another village, and the
    /// ID number disagreeing with the birth date or sex. Records that got in
    /// before the rules were one set for every way in show up here. Persons
    /// voided as wrongly entered are not scanned (their items would be hidden
    /// anyway), a voided record's ID number is no other person's duplicate (a
    /// duplicate entered by mistake is what a void is for), and a voided parent
    /// is a missing one: the child's link must be put on the live record.
    pub fn scan_rules(&self, region: &RegionCode) -> Result<Vec<QualityIssue>> {
        use renkou_domain::quality::check_person;
        let (lo, hi) = crate::prefix_range(region.prefix());
        let mut out = Vec::new();
        let issue = |no: String, kind: QualityKind, zh: &str, en: &str| QualityIssue {
            person_no: no,
            kind,
            message: format!("{zh} / {en}"),
        };
        self.with(|c| {
            let area = [Value::from(lo.as_str()), Value::from(hi.as_str())];
            for (sql, kind, zh, en) in [
                (
                    "SELECT p.person_no FROM persons p WHERE p.region_code >= $1 AND p.region_code < $2 AND p.voided_by IS NULL \
                     AND (p.mother_no = p.person_no OR p.father_no = p.person_no)",
                    QualityKind::SelfParent,
                    "本人被登记为自己的母亲或父亲",
                    "the person is recorded as their own mother or father",
                ),
                (
                    "SELECT p.person_no FROM persons p JOIN persons m ON m.person_no = p.mother_no AND m.voided_by IS NULL \
                     WHERE p.region_code >= $1 AND p.region_code < $2 AND p.voided_by IS NULL AND m.sex <> 2 \
                     UNION SELECT p.person_no FROM persons p JOIN persons f ON f.person_no = p.father_no AND f.voided_by IS NULL \
                     WHERE p.region_code >= $1 AND p.region_code < $2 AND p.voided_by IS NULL AND f.sex <> 1",
                    QualityKind::ParentWrongSex,
                    "母亲不是女性或父亲不是男性",
                    "the mother is not a woman or the father not a man",
                ),
                (
                    "SELECT p.person_no FROM persons p WHERE p.region_code >= $1 AND p.region_code < $2 AND p.voided_by IS NULL \
                     AND ((p.mother_no IS NOT NULL AND NOT EXISTS (SELECT 1 FROM persons m WHERE m.person_no = p.mother_no AND m.voided_by IS NULL)) \
                       OR (p.father_no IS NOT NULL AND NOT EXISTS (SELECT 1 FROM persons f WHERE f.person_no = p.father_no AND f.voided_by IS NULL)))",
                    QualityKind::ParentMissing,
                    "母亲或父亲编号在登记中找不到或已注销",
                    "the mother's or father's number is not in the register or is void",
                ),
                (
                    "SELECT p.person_no FROM persons p JOIN persons m ON m.person_no = p.mother_no AND m.voided_by IS NULL \
                     WHERE p.region_code >= $1 AND p.region_code < $2 AND p.voided_by IS NULL AND m.birth_date >= p.birth_date \
                     UNION SELECT p.person_no FROM persons p JOIN persons f ON f.person_no = p.father_no AND f.voided_by IS NULL \
                     WHERE p.region_code >= $1 AND p.region_code < $2 AND p.voided_by IS NULL AND f.birth_date >= p.birth_date",
                    QualityKind::ParentYounger,
                    "母亲或父亲的出生日期不早于子女",
                    "the mother or father was not born before the child",
                ),
                (
                    "SELECT p.person_no FROM persons p WHERE p.region_code >= $1 AND p.region_code < $2 AND p.voided_by IS NULL \
                     AND p.id_number IS NOT NULL AND EXISTS (SELECT 1 FROM persons o \
                     WHERE o.id_number = p.id_number AND o.person_no <> p.person_no AND o.voided_by IS NULL)",
                    QualityKind::DuplicateIdNumber,
                    "公民身份号码与另一人相同",
                    "the ID number is the same as another person's",
                ),
                (
                    "SELECT p.person_no FROM persons p JOIN households h ON h.household_no = p.household_no \
                     WHERE p.region_code >= $1 AND p.region_code < $2 AND p.voided_by IS NULL AND h.region_code <> p.region_code",
                    QualityKind::HouseholdInOtherVillage,
                    "所在户登记在另一个村",
                    "the person's household is registered in another village",
                ),
            ] {
                for r in c.query(sql, &area)? {
                    if let Some(no) = r[0].text() {
                        out.push(issue(no, kind, zh, en));
                    }
                }
            }
            Ok(())
        })?;
        self.for_each_live_person_in(region, &mut |p| {
            out.extend(check_person(&p));
            Ok(())
        })?;
        out.sort_by(|a, b| (&a.person_no, a.kind.as_str()).cmp(&(&b.person_no, b.kind.as_str())));
        out.dedup_by(|a, b| a.person_no == b.person_no && a.kind == b.kind);
        Ok(out)
    }
}

impl crate::Tx<'_> {
    /// Puts issues on the data-quality list (each person and kind once); how many
    /// were new.
    pub fn record_quality(&mut self, issues: &[QualityIssue]) -> Result<u64> {
        let mut n = 0;
        for q in issues {
            n += self.conn().exec(
                "INSERT INTO quality_issues (person_no, kind, message, import_id, created_at) VALUES ($1, $2, $3, NULL, $4) \
                 ON CONFLICT (person_no, kind) DO NOTHING",
                &[
                    q.person_no.as_str().into(),
                    q.kind.as_str().into(),
                    q.message.as_str().into(),
                    crate::now().into(),
                ],
            )?;
        }
        Ok(n)
    }

    /// Marks an open issue resolved by this transaction's actor, with the reason;
    /// whether it was open.
    pub fn resolve_quality(&mut self, id: i64, reason: &str) -> Result<bool> {
        let by = self.actor().username.clone();
        Ok(self.conn().exec(
            "UPDATE quality_issues SET status = 'resolved', resolved_by = $1, resolved_at = $2, resolution = $3 \
             WHERE id = $4 AND status = 'open'",
            &[by.as_str().into(), crate::now().into(), reason.into(), id.into()],
        )? == 1)
    }
}
