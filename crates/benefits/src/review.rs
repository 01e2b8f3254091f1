//! What an office looks at between runs and payments:
//! - [`compare`]: two eligibility runs of a program side by side — who newly
//!   qualifies, who stops, whose amount changes;
//! - [`candidates`]: events of the register that call for a check at once (a
//!   registered birth → 育儿补贴, a 60th birthday → 奖励扶助, the death of an only
//!   child → 特别扶助 for the parents), derived from the register each time it is
//!   asked, never kept as a second copy of it;
//! - [`dossier`]: one file per person (一人一卷) — every decision with its receipt,
//!   the roster steps, notice and objections, the attested facts, bank accounts and
//!   payments — and the same as a document for PDF.

use crate::error::Error;
use crate::payments::{self, Account, Cycle, Line};
use crate::roster::RosterState;
use crate::rules::{Program, Yuan};
use crate::runs;
use crate::tables::{self, area_bounds, RunInfo, StoredFact};
use renkou_domain::{Date, RegionCode};
use renkou_store::{Actor, Store, StoreError, Value};
use std::collections::BTreeMap;

// ---- comparing two runs --------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// 新符合: eligible in the later run, not in the earlier.
    Qualifies,
    /// 停止: eligible in the earlier run, not in the later.
    Stops,
    /// 金额变化: eligible in both, another amount.
    AmountChanges,
}

impl Change {
    pub fn name_zh(self) -> &'static str {
        match self {
            Change::Qualifies => "新符合条件",
            Change::Stops => "不再符合",
            Change::AmountChanges => "金额变化",
        }
    }
    pub fn name_en(self) -> &'static str {
        match self {
            Change::Qualifies => "newly qualifies",
            Change::Stops => "stops",
            Change::AmountChanges => "amount changes",
        }
    }
}

/// One person whose result differs between the two runs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Difference {
    pub person_no: String,
    pub name: String,
    pub region_code: String,
    pub change: Change,
    pub before: Yuan,
    pub after: Yuan,
    /// The later run's reason (why they stop, or qualify).
    pub reason: String,
}

/// The differences of `later` against `earlier` in the part of the later run's
/// area the actor sees; both runs must be of the same program.
pub fn compare(
    store: &Store,
    actor: &Actor,
    earlier: &RunInfo,
    later: &RunInfo,
) -> Result<Vec<Difference>, Error> {
    if earlier.program != later.program {
        return Err(Error::Invalid(format!(
            "只能比较同一项目的认定批次（{} 与 {}） / only runs of one program compare ({} and {})",
            earlier.program.name_zh(),
            later.program.name_zh(),
            earlier.program.code(),
            later.program.code()
        )));
    }
    let area = runs::visible_area(actor, later)?;
    let rows = |run: &RunInfo| -> Result<BTreeMap<String, tables::RunRow>, Error> {
        Ok(store
            .with(|c| tables::run_rows(c, run.id, &area, false, i64::MAX / 4, 0))?
            .into_iter()
            .map(|r| (r.person_no.clone(), r))
            .collect())
    };
    let (a, b) = (rows(earlier)?, rows(later)?);
    let mut out = Vec::new();
    let zero = Yuan::ZERO;
    for (no, rb) in &b {
        let ra = a.get(no);
        let (was, was_amount) = ra.map_or((false, zero), |r| (r.eligible, r.amount));
        let change = match (was, rb.eligible) {
            (false, true) => Some(Change::Qualifies),
            (true, false) => Some(Change::Stops),
            (true, true) if was_amount != rb.amount => Some(Change::AmountChanges),
            _ => None,
        };
        if let Some(change) = change {
            out.push(Difference {
                person_no: no.clone(),
                name: rb.name.clone(),
                region_code: rb.region_code.clone(),
                change,
                before: was_amount,
                after: if rb.eligible { rb.amount } else { zero },
                reason: rb.reason.clone(),
            });
        }
    }
    // Eligible before and not considered at all now (moved away, died before the year).
    for (no, ra) in &a {
        if ra.eligible && !b.contains_key(no) {
            out.push(Difference {
                person_no: no.clone(),
                name: ra.name.clone(),
                region_code: ra.region_code.clone(),
                change: Change::Stops,
                before: ra.amount,
                after: zero,
                reason: "不在后一批次的考虑范围内（迁出、死亡或超龄） / not considered by the later run (moved, died or over age)".into(),
            });
        }
    }
    out.sort_by(|x, y| x.change.cmp(&y.change).then(x.person_no.cmp(&y.person_no)));
    Ok(out)
}

// ---- candidates from the register ------------------------------------------------

/// Why a person is a candidate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Candidate {
    pub program: Program,
    pub person_no: String,
    pub name: String,
    pub region_code: String,
    /// The event: its day and what it was, in words.
    pub day: Date,
    pub event_zh: String,
    pub event_en: String,
    /// The year to check.
    pub year: i32,
}

/// Candidates in `area` from events of the last `days` days before `today`:
/// children born (not yet found eligible for 育儿补贴 by any run), persons who
/// turned 60 (not yet eligible for 奖励扶助), parents whose only child died (not
/// yet eligible for 特别扶助). Read from the register each time.
pub fn candidates(
    store: &Store,
    actor: &Actor,
    area: &RegionCode,
    today: Date,
    days: i64,
) -> Result<Vec<Candidate>, Error> {
    runs::check_area(store, actor, area)?;
    use chrono::Datelike;
    let since = today - chrono::Duration::days(days);
    let (lo, hi) = area_bounds(area);
    let not_yet = |program: &str, alias: &str| {
        format!(
            "NOT EXISTS (SELECT 1 FROM benefit_run_rows r JOIN benefit_runs b ON b.id = r.run_id \
             WHERE b.program = '{program}' AND r.person_no = {alias}.person_no AND r.eligible = 1)"
        )
    };
    let mut out = Vec::new();
    let text = |v: &Value| v.text().unwrap_or_default();
    store.with(|c| {
        // Births.
        for r in c.query(
            &format!(
                "SELECT p.person_no, p.name, p.region_code, p.birth_date FROM persons p \
                 WHERE p.region_code >= $1 AND p.region_code < $2 AND p.birth_date >= $3 AND p.birth_date <= $4 \
                 AND p.death_date IS NULL AND {} ORDER BY p.birth_date, p.person_no",
                not_yet("childcare", "p")
            ),
            &[lo.clone(), hi.clone(), since.into(), today.into()],
        )? {
            let day = r[3].date().ok_or_else(|| StoreError::Corrupt("persons.birth_date".into()))?;
            out.push(Candidate {
                program: Program::Childcare,
                person_no: text(&r[0]),
                name: text(&r[1]),
                region_code: text(&r[2]),
                day,
                event_zh: "出生登记".into(),
                event_en: "birth registered".into(),
                year: day.year(),
            });
        }
        // 60th birthdays: born between `since` and `today`, 60 years earlier.
        let (b0, b1) = (
            renkou_domain::Date::from_ymd_opt(since.year() - 60, since.month(), since.day().min(28)).unwrap_or(since),
            renkou_domain::Date::from_ymd_opt(today.year() - 60, today.month(), today.day().min(28)).unwrap_or(today),
        );
        for r in c.query(
            &format!(
                "SELECT p.person_no, p.name, p.region_code, p.birth_date FROM persons p \
                 WHERE p.region_code >= $1 AND p.region_code < $2 AND p.birth_date >= $3 AND p.birth_date <= $4 \
                 AND p.death_date IS NULL AND {} ORDER BY p.birth_date, p.person_no",
                not_yet("reward", "p")
            ),
            &[lo.clone(), hi.clone(), b0.into(), b1.into()],
        )? {
            let born = r[3].date().ok_or_else(|| StoreError::Corrupt("persons.birth_date".into()))?;
            let day = renkou_domain::Date::from_ymd_opt(born.year() + 60, born.month(), born.day()).unwrap_or(born);
            out.push(Candidate {
                program: Program::Reward,
                person_no: text(&r[0]),
                name: text(&r[1]),
                region_code: text(&r[2]),
                day,
                event_zh: "年满60周岁".into(),
                event_en: "turned 60".into(),
                year: day.year(),
            });
        }
        // The death of an only child: each living parent in the area.
        for r in c.query(
            &format!(
                "SELECT q.person_no, q.name, q.region_code, k.death_date, k.person_no FROM persons k \
                 JOIN persons q ON q.person_no = k.mother_no OR q.person_no = k.father_no \
                 WHERE k.death_date >= $3 AND k.death_date <= $4 AND q.region_code >= $1 AND q.region_code < $2 \
                 AND q.death_date IS NULL \
                 AND NOT EXISTS (SELECT 1 FROM persons s WHERE s.person_no <> k.person_no \
                   AND (s.mother_no = q.person_no OR s.father_no = q.person_no)) \
                 AND {} ORDER BY k.death_date, q.person_no",
                not_yet("special", "q")
            ),
            &[lo.clone(), hi.clone(), since.into(), today.into()],
        )? {
            let day = r[3].date().ok_or_else(|| StoreError::Corrupt("persons.death_date".into()))?;
            out.push(Candidate {
                program: Program::Special,
                person_no: text(&r[0]),
                name: text(&r[1]),
                region_code: text(&r[2]),
                day,
                event_zh: format!("独生子女（{}）死亡", text(&r[4])),
                event_en: format!("only child ({}) died", text(&r[4])),
                year: day.year(),
            });
        }
        Ok(())
    })?;
    Ok(out)
}

// ---- one file per person -----------------------------------------------------------

/// A decision about the person: a run's row with its receipt and the roster's
/// steps for it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Decision {
    pub run: RunInfo,
    pub eligible: bool,
    pub months: u32,
    pub amount: Yuan,
    pub reason: String,
    /// The receipt (JSON) as stored with the row.
    pub receipt: String,
    pub roster_state: Option<RosterState>,
    pub notice_from: Option<Date>,
    pub notice_days: Option<i64>,
    pub objection: Option<String>,
    pub resolution: Option<String>,
}

/// Everything the benefits domain holds about one person.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Dossier {
    pub person_no: String,
    pub name: String,
    pub region_code: String,
    pub decisions: Vec<Decision>,
    pub facts: Vec<StoredFact>,
    pub accounts: Vec<Account>,
    pub payments: Vec<(Cycle, Line)>,
}

/// The person's file, or `None` outside the reader's area.
pub fn dossier(store: &Store, actor: &Actor, person_no: &str) -> Result<Option<Dossier>, Error> {
    let Some(p) = store.person(person_no)? else {
        return Ok(None);
    };
    if !actor.can_read(&p.region_code) {
        return Ok(None);
    }
    let decisions = store.with(|c| {
        let rows = c.query(
            "SELECT r.run_id, r.eligible, r.months, r.amount, r.reason, r.receipt, \
             o.state, o.notice_from, o.notice_days, o.objection, o.resolution \
             FROM benefit_run_rows r LEFT JOIN benefit_roster o ON o.run_id = r.run_id AND o.person_no = r.person_no \
             WHERE r.person_no = $1 ORDER BY r.run_id",
            &[person_no.into()],
        )?;
        let mut out = Vec::new();
        for r in rows {
            let id = r[0].int().unwrap_or(0);
            let Some(run) = tables::run_info(c, id)? else {
                continue;
            };
            out.push(Decision {
                run,
                eligible: r[1].int() == Some(1),
                months: r[2].int().unwrap_or(0) as u32,
                amount: r[3].as_str().and_then(|s| Yuan::parse(s).ok()).unwrap_or_default(),
                reason: r[4].text().unwrap_or_default(),
                receipt: r[5].text().unwrap_or_default(),
                roster_state: r[6].as_str().and_then(RosterState::parse),
                notice_from: r[7].date(),
                notice_days: r[8].int(),
                objection: r[9].text(),
                resolution: r[10].text(),
            });
        }
        Ok(out)
    })?;
    Ok(Some(Dossier {
        person_no: p.person_no.clone(),
        name: p.name.clone(),
        region_code: p.region_code.to_string(),
        decisions,
        facts: crate::attest::facts_of(store, actor, person_no)?.unwrap_or_default(),
        accounts: payments::accounts_of(store, actor, person_no)?.unwrap_or_default(),
        payments: payments::lines_of_person(store, actor, person_no)?.unwrap_or_default(),
    }))
}

/// The receipt's facts in words, for the file: the months due as a run of months
/// with their amounts, every other entry `key: value` (nested values as JSON).
pub fn receipt_lines(json: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
    let Some(o) = v.as_object() else {
        return vec![json.to_string()];
    };
    o.iter()
        .map(|(k, v)| match (k.as_str(), v) {
            ("due", serde_json::Value::Array(months)) => {
                // Consecutive months of one amount as one range: 2025-01—2025-11 × 300.00.
                let mut parts: Vec<(String, String, String, usize)> = Vec::new();
                for m in months {
                    let month = m["month"].as_str().unwrap_or_default().to_string();
                    let amount = m["amount"].as_str().unwrap_or_default().to_string();
                    match parts.last_mut() {
                        Some(last) if last.2 == amount => {
                            last.1 = month;
                            last.3 += 1;
                        }
                        _ => parts.push((month.clone(), month, amount, 1)),
                    }
                }
                let text: Vec<String> = parts
                    .iter()
                    .map(|(a, b, amount, n)| {
                        if a == b {
                            format!("{a} {amount}")
                        } else {
                            format!("{a}—{b}（{n} 个月）每月 {amount}")
                        }
                    })
                    .collect();
                format!(
                    "应发月份: {}",
                    if text.is_empty() {
                        "无".into()
                    } else {
                        text.join("；")
                    }
                )
            }
            (_, serde_json::Value::String(s)) => format!("{k}: {s}"),
            (_, other) => format!("{k}: {other}"),
        })
        .collect()
}

/// The person's file as a document (一人一卷), for PDF through the binary's engine.
pub fn dossier_document(d: &Dossier, village: &str) -> renkou_documents::Document {
    use renkou_documents::{
        Align, Block, Cell, Column, Document, Heading, HeadingLevel, Paragraph, Table,
    };
    let title = format!("一人一卷：{}（{}）", d.name, d.person_no);
    let mut doc = Document::new(title.clone());
    doc.push(Block::Title(title));
    doc.push(Block::Paragraph(
        Paragraph::body(format!("所在村：{village}（{}）", d.region_code)).aligned(Align::Left),
    ));
    doc.push(Heading::new(HeadingLevel::One, "一、资格认定与凭据").into());
    if d.decisions.is_empty() {
        doc.push(Paragraph::body("尚无认定。").into());
    }
    for (i, x) in d.decisions.iter().enumerate() {
        doc.push(
            Heading::new(
                HeadingLevel::Two,
                format!(
                    "（{}）{} {} 年，认定批次 {}：{}",
                    i + 1,
                    x.run.program.name_zh(),
                    x.run.year,
                    x.run.id,
                    if x.eligible { "符合" } else { "不符合" }
                ),
            )
            .into(),
        );
        doc.push(
            Paragraph::body(format!(
                "月数 {}，金额 {} 元。理由：{}。规则 {}，参数版本 v{}，{} 于 {} 认定。",
                x.months,
                x.amount,
                x.reason,
                x.run.rule,
                x.run.parameters_version,
                x.run.created_by,
                x.run.created_at.format("%Y-%m-%d")
            ))
            .into(),
        );
        if let Some(s) = x.roster_state {
            let mut t = format!("名册：{}", s.name_zh());
            if let (Some(f), Some(n)) = (x.notice_from, x.notice_days) {
                t.push_str(&format!("；公示 {f} 起 {n} 天"));
            }
            if let Some(o) = &x.objection {
                t.push_str(&format!("；异议：{o}"));
            }
            if let Some(r) = &x.resolution {
                t.push_str(&format!("；处理：{r}"));
            }
            doc.push(Paragraph::body(t).into());
        }
        for line in receipt_lines(&x.receipt) {
            doc.push(
                Paragraph::body(format!("凭据 {line}"))
                    .aligned(Align::Left)
                    .into(),
            );
        }
    }
    doc.push(Heading::new(HeadingLevel::One, "二、证明事实").into());
    let mut t = Table::new(vec![
        Column::text("事实", 10.0),
        Column::text("值", 8.0),
        Column::centered("日期", 8.0),
        Column::text("证明文件", 16.0),
        Column::text("记录人", 8.0),
    ]);
    for f in &d.facts {
        t = t.row(vec![
            Cell::text(f.kind.name_zh()),
            Cell::text(f.value.clone()),
            Cell::text(f.as_of.to_string()),
            Cell::text(f.document.clone()),
            Cell::text(f.recorded_by.clone()),
        ]);
    }
    if d.facts.is_empty() {
        doc.push(Paragraph::body("尚无证明事实。").into());
    } else {
        doc.push(Block::Table(t));
    }
    doc.push(Heading::new(HeadingLevel::One, "三、银行账户").into());
    if d.accounts.is_empty() {
        doc.push(Paragraph::body("尚未登记银行账户。").into());
    } else {
        let mut t = Table::new(vec![
            Column::text("户名", 8.0),
            Column::centered("账号", 14.0),
            Column::text("开户银行", 10.0),
            Column::centered("日期", 8.0),
            Column::text("证明材料", 12.0),
        ]);
        for a in &d.accounts {
            t = t.row(vec![
                Cell::text(a.holder_name.clone()),
                Cell::text(a.account_no.clone()),
                Cell::text(a.bank.clone()),
                Cell::text(a.as_of.to_string()),
                Cell::text(a.document.clone()),
            ]);
        }
        doc.push(Block::Table(t));
    }
    doc.push(Heading::new(HeadingLevel::One, "四、发放记录").into());
    if d.payments.is_empty() {
        doc.push(Paragraph::body("尚无发放记录。").into());
    } else {
        let mut t = Table::new(vec![
            Column::centered("批次", 5.0),
            Column::text("项目", 8.0),
            Column::centered("月份", 12.0),
            Column::number("月数", 5.0),
            Column::number("金额", 8.0),
            Column::text("银行结果", 12.0),
        ]);
        for (c, l) in &d.payments {
            t = t.row(vec![
                Cell::text(c.id.to_string()),
                Cell::text(c.program.name_zh()),
                Cell::text(format!("{}—{}", c.first_month, c.last_month)),
                Cell::text(l.months.to_string()),
                Cell::text(l.amount.to_string()),
                Cell::text(match l.result.as_deref() {
                    Some("paid") => "已发放".to_string(),
                    Some(_) => format!("失败：{}", l.reason.clone().unwrap_or_default()),
                    None => c.state.name_zh().to_string(),
                }),
            ]);
        }
        doc.push(Block::Table(t));
    }
    doc
}
