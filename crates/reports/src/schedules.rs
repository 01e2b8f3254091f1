//! Report schedules: the county sets a report (kind, region, period kind, format)
//! to be made on a day of each month, quarter or year, for the period that has just
//! ended, and says whom it is for (accounts, or every account of a role in an
//! area). [`run_due`] makes what is due on a given day: the server's background
//! task calls it every minute with today's date, `renkou report run-due` once (for
//! cron and tests, with any date). A restarted server catches up every period
//! missed since the schedule started, and never makes a period twice: the run is
//! recorded by (schedule, period) in the transaction that archives the report and
//! leaves its notices, so two servers racing make it once.
//!
//! Notices ([`notices`]): a made report waits on the home page of each recipient,
//! and a report sent up (submitted) or received shows on the home page of the
//! county, or of the one who sent it; a notice disappears once its account opens
//! the report ([`opened`]).

use crate::archive::{self, status_zh};
use crate::error::Error;
use crate::figures::{FigureSource, Format, Kind, Request};
use crate::output::PdfWriter;
use crate::tables::{self, ArchivedReport};
use crate::templates;
use chrono::{DateTime, Datelike, Utc};
use renkou_domain::account::Role;
use renkou_domain::{Date, RegionCode, RegionLevel};
use renkou_stats::Period;
use renkou_store::{Actor, AuditAction, AuditNote, Store, StoreError};

/// How often a schedule's report is made, and over which period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    /// On day D of every month, the previous month.
    Monthly,
    /// On day D of the month after each quarter, that quarter.
    Quarterly,
    /// On day D of January, the previous year.
    Yearly,
}

impl PeriodKind {
    pub fn code(self) -> &'static str {
        match self {
            PeriodKind::Monthly => "monthly",
            PeriodKind::Quarterly => "quarterly",
            PeriodKind::Yearly => "yearly",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            PeriodKind::Monthly => "每月",
            PeriodKind::Quarterly => "每季度",
            PeriodKind::Yearly => "每年",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            PeriodKind::Monthly => "monthly",
            PeriodKind::Quarterly => "quarterly",
            PeriodKind::Yearly => "yearly",
        }
    }

    pub fn parse(s: &str) -> Result<PeriodKind, Error> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "monthly" | "month" | "月" | "每月" | "月报" => PeriodKind::Monthly,
            "quarterly" | "quarter" | "季" | "每季度" | "季报" => PeriodKind::Quarterly,
            "yearly" | "year" | "annual" | "年" | "每年" | "年报" => PeriodKind::Yearly,
            other => {
                return Err(Error::Invalid(format!(
                    "期间种类“{other}”无法识别（应为 monthly、quarterly 或 yearly） / period kind \"{other}\" not understood (expected monthly, quarterly or yearly)"
                )))
            }
        })
    }

    /// The period of this kind that holds `day`.
    pub fn period_of(self, day: Date) -> Period {
        let (y, m) = (day.year(), day.month());
        match self {
            PeriodKind::Monthly => Period::month(y, m),
            PeriodKind::Quarterly => Period::quarter(y, (m - 1) / 3 + 1),
            PeriodKind::Yearly => Period::try_year(y),
        }
        .unwrap_or_else(|_| Period::year(y))
    }

    /// The period after `p`.
    pub fn next(self, p: Period) -> Period {
        self.period_of(p.last_day() + chrono::Duration::days(1))
    }
}

/// The day a period's report is due: day `day` (1–28) of the month after it ends.
pub fn due_on(period: Period, day: u32) -> Date {
    let after = period.last_day() + chrono::Duration::days(1);
    Date::from_ymd_opt(after.year(), after.month(), day.clamp(1, 28)).unwrap_or(after)
}

/// The periods of a schedule due by `today`, oldest first: every period whose due
/// day lies between `starts_on` and `today` (both included). At most 120 (ten
/// years of months), so a schedule started long ago cannot flood the archive.
pub fn due_periods(kind: PeriodKind, day: u32, starts_on: Date, today: Date) -> Vec<Period> {
    // The period just before the one holding starts_on is the first candidate.
    let mut p = kind.period_of(starts_on);
    let before = kind.period_of(p.first_day() - chrono::Duration::days(1));
    if due_on(before, day) >= starts_on {
        p = before;
    }
    while due_on(p, day) < starts_on {
        p = kind.next(p);
    }
    let mut out = Vec::new();
    while due_on(p, day) <= today && out.len() < 120 {
        out.push(p);
        p = kind.next(p);
    }
    out
}

/// Whom a scheduled report is for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Recipient {
    /// One account, by name.
    Account { username: String },
    /// Every account of a role whose area lies in `region`.
    Role { role: Role, region: RegionCode },
}

impl Recipient {
    /// `user:NAME`, or `role:ROLE@CODE` (ROLE as `township_staff` or 乡镇工作人员).
    pub fn parse(s: &str) -> Result<Recipient, Error> {
        let s = s.trim();
        let bad = || {
            Error::Invalid(format!(
                "接收人“{s}”无法识别（应为 user:账号 或 role:角色@区划代码） / recipient \"{s}\" not understood (expected user:NAME or role:ROLE@CODE)"
            ))
        };
        if let Some(name) = s.strip_prefix("user:") {
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 64 {
                return Err(bad());
            }
            return Ok(Recipient::Account {
                username: name.to_string(),
            });
        }
        let rest = s.strip_prefix("role:").ok_or_else(bad)?;
        let (role, code) = rest.split_once('@').ok_or_else(bad)?;
        let role = Role::parse(role.trim())
            .or_else(|| Role::ALL.into_iter().find(|r| r.name_zh() == role.trim()))
            .ok_or_else(bad)?;
        let region = RegionCode::parse(code.trim()).map_err(|_| bad())?;
        Ok(Recipient::Role { role, region })
    }

    /// The recipient as `parse` reads it.
    pub fn code(&self) -> String {
        match self {
            Recipient::Account { username } => format!("user:{username}"),
            Recipient::Role { role, region } => format!("role:{}@{region}", role.as_str()),
        }
    }

    /// In words: "账号 wang" or "乡镇工作人员（349901101）".
    pub fn name_zh(&self) -> String {
        match self {
            Recipient::Account { username } => format!("账号 {username}"),
            Recipient::Role { role, region } => format!("{}（{region}）", role.name_zh()),
        }
    }

    /// [`Recipient::name_zh`] in English: "account wang", "township staff (349901101)".
    pub fn name_en(&self) -> String {
        match self {
            Recipient::Account { username } => format!("account {username}"),
            Recipient::Role { role, region } => format!("{} ({region})", role.name_en()),
        }
    }

    fn matches(&self, username: &str, role: Role, region: &RegionCode) -> bool {
        match self {
            Recipient::Account { username: u } => u == username,
            Recipient::Role { role: r, region: a } => *r == role && a.contains(region),
        }
    }
}

/// A schedule to add.
#[derive(Debug, Clone)]
pub struct NewSchedule {
    pub kind: Kind,
    pub region: RegionCode,
    pub period_kind: PeriodKind,
    pub format: Format,
    /// 1–28: the day of the month after the period ends.
    pub day: u32,
    pub recipients: Vec<Recipient>,
    /// The first due day counted (periods due before it are not made).
    pub starts_on: Date,
}

/// A schedule as stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Schedule {
    pub id: i64,
    pub kind: Kind,
    pub region_code: String,
    pub period_kind: PeriodKind,
    pub format: Format,
    pub day: u32,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub starts_on: Date,
    pub recipients: Vec<Recipient>,
}

/// Adds a schedule (county roles only, as for templates; every region named must
/// lie in the actor's area), with its audit entry. Returns its id.
pub fn add(store: &Store, actor: &Actor, s: &NewSchedule) -> Result<i64, Error> {
    if !templates::may_edit(actor) {
        return Err(Error::Invalid(
            "只有县管理员和县统计员可以设置定时报告 / only the county's administrators and statisticians set report schedules".into(),
        ));
    }
    if !actor.can_read(&s.region) {
        return Err(Error::OutOfArea(s.region.to_string()));
    }
    if !(1..=28).contains(&s.day) {
        return Err(Error::Invalid(format!(
            "生成日应为每月1至28日，实为{} / the day must be 1 to 28, found {}",
            s.day, s.day
        )));
    }
    if s.recipients.is_empty() {
        return Err(Error::Invalid(
            "请至少指定一个接收人 / name at least one recipient".into(),
        ));
    }
    for r in &s.recipients {
        if let Recipient::Role { region, .. } = r {
            if !actor.can_read(region) {
                return Err(Error::OutOfArea(region.to_string()));
            }
        }
    }
    for r in &s.recipients {
        if let Recipient::Account { username } = r {
            let ok = store
                .account_by_name(username)?
                .is_some_and(|a| !a.disabled && a.region.contains(&s.region));
            if !ok {
                return Err(Error::Invalid(format!(
                    "接收人账号 {username} 不存在或无权查看 {} 的报告 / recipient {username}: no such account, or it may not read reports of {}",
                    s.region, s.region
                )));
            }
        }
    }
    let regions = store.regions()?;
    for code in std::iter::once(&s.region).chain(s.recipients.iter().filter_map(|r| match r {
        Recipient::Role { region, .. } => Some(region),
        _ => None,
    })) {
        if !regions.iter().any(|r| &r.code == code) {
            return Err(Error::Invalid(format!(
                "区划 {code} 不在登记中 / region {code} is not in the register"
            )));
        }
    }
    Ok(store.write(actor, |tx| {
        let username = tx.actor().username.clone();
        let id = tx
            .conn()
            .query_one(
                "INSERT INTO report_schedules (kind, region_code, period_kind, format, day, created_by, created_at, starts_on) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                &[
                    s.kind.code().into(),
                    s.region.as_str().into(),
                    s.period_kind.code().into(),
                    s.format.code().into(),
                    (s.day as i64).into(),
                    username.as_str().into(),
                    renkou_store::now().into(),
                    s.starts_on.into(),
                ],
            )?
            .and_then(|r| r[0].int())
            .ok_or_else(|| StoreError::Corrupt("schedule id".into()))?;
        for r in &s.recipients {
            let (user, role, region) = match r {
                Recipient::Account { username } => (Some(username.as_str()), None, None),
                Recipient::Role { role, region } => (None, Some(role.as_str()), Some(region.as_str())),
            };
            tx.conn().exec(
                "INSERT INTO report_schedule_recipients (schedule_id, username, role, region_code) VALUES ($1, $2, $3, $4)",
                &[id.into(), user.into(), role.into(), region.into()],
            )?;
        }
        tx.audit(AuditNote {
            action: AuditAction::CREATE,
            record: tables::REPORT_SCHEDULE,
            record_id: &id.to_string(),
            fields: &format!(
                "kind={} region={} period_kind={} format={} day={} recipients={}",
                s.kind.code(),
                s.region,
                s.period_kind.code(),
                s.format.code(),
                s.day,
                s.recipients.iter().map(Recipient::code).collect::<Vec<_>>().join(",")
            ),
        })?;
        Ok::<_, StoreError>(id)
    })?)
}

fn read_schedules(store: &Store, id: Option<i64>) -> Result<Vec<Schedule>, Error> {
    let bad = || StoreError::Corrupt("report_schedules row".into());
    let (rows, recipients) = store.with(|c| {
        let rows = c.query(
            "SELECT id, kind, region_code, period_kind, format, day, created_by, created_at, starts_on \
             FROM report_schedules WHERE active = 1 AND ($1 < 0 OR id = $1) ORDER BY id",
            &[id.unwrap_or(-1).into()],
        )?;
        let recipients = c.query(
            "SELECT schedule_id, username, role, region_code FROM report_schedule_recipients ORDER BY id",
            &[],
        )?;
        Ok::<_, StoreError>((rows, recipients))
    })?;
    let mut out = Vec::new();
    for r in rows {
        let id = r[0].int().ok_or_else(bad)?;
        let recipients = recipients
            .iter()
            .filter(|x| x[0].int() == Some(id))
            .filter_map(|x| match (x[1].text(), x[2].as_str(), x[3].as_str()) {
                (Some(username), _, _) => Some(Recipient::Account { username }),
                (None, Some(role), Some(code)) => Some(Recipient::Role {
                    role: Role::parse(role)?,
                    region: RegionCode::parse(code).ok()?,
                }),
                _ => None,
            })
            .collect();
        out.push(Schedule {
            id,
            kind: Kind::parse(r[1].as_str().unwrap_or_default())?,
            region_code: r[2].text().ok_or_else(bad)?,
            period_kind: PeriodKind::parse(r[3].as_str().unwrap_or_default())?,
            format: Format::parse(r[4].as_str().unwrap_or_default())?,
            day: r[5].int().ok_or_else(bad)? as u32,
            created_by: r[6].text().ok_or_else(bad)?,
            created_at: r[7].time().ok_or_else(bad)?,
            starts_on: r[8].date().ok_or_else(bad)?,
            recipients,
        });
    }
    Ok(out)
}

/// The schedules of the actor's area (every one for the operator).
pub fn list(store: &Store, actor: &Actor) -> Result<Vec<Schedule>, Error> {
    Ok(read_schedules(store, None)?
        .into_iter()
        .filter(|s| RegionCode::parse(&s.region_code).is_ok_and(|c| actor.can_read(&c)))
        .collect())
}

/// Removes a schedule (the reports it made stay in the archive), with its audit
/// entry. County roles only; `false` if there is no such schedule in the area.
pub fn remove(store: &Store, actor: &Actor, id: i64) -> Result<bool, Error> {
    if !templates::may_edit(actor) {
        return Err(Error::Invalid(
            "只有县管理员和县统计员可以删除定时报告 / only the county's administrators and statisticians remove report schedules".into(),
        ));
    }
    if !list(store, actor)?.iter().any(|s| s.id == id) {
        return Ok(false);
    }
    Ok(store.write(actor, |tx| {
        let n = tx.conn().exec(
            "UPDATE report_schedules SET active = 0 WHERE id = $1 AND active = 1",
            &[id.into()],
        )?;
        if n > 0 {
            tx.audit(AuditNote {
                action: AuditAction::VOID,
                record: tables::REPORT_SCHEDULE,
                record_id: &id.to_string(),
                fields: "active=0",
            })?;
        }
        Ok::<_, StoreError>(n > 0)
    })?)
}

/// What [`run_due`] did for one schedule and period.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Run {
    pub schedule_id: i64,
    pub period: String,
    /// The archived report; `None` when it failed (see `error`) or another
    /// process made it first.
    pub report_id: Option<i64>,
    /// How many notices it left.
    pub notices: usize,
    pub error: Option<String>,
}

fn period_made(store: &Store, schedule: i64, period: &str) -> Result<bool, StoreError> {
    store.with(|c| {
        Ok(c.query_one(
            "SELECT 1 FROM report_schedule_runs WHERE schedule_id = $1 AND period = $2",
            &[schedule.into(), period.into()],
        )?
        .is_some())
    })
}

/// The accounts (enabled) a schedule's report is for: those its recipients name
/// that may read the report (a role of an area reaches only the accounts whose
/// area holds the report's region).
fn recipients_now(store: &Store, schedule: &Schedule) -> Result<Vec<String>, StoreError> {
    let region = RegionCode::parse(&schedule.region_code).ok();
    Ok(store
        .accounts()?
        .into_iter()
        .filter(|a| !a.disabled && region.as_ref().is_some_and(|r| a.region.contains(r)))
        .filter(|a| {
            schedule
                .recipients
                .iter()
                .any(|r| r.matches(&a.username, a.role, &a.region))
        })
        .map(|a| a.username)
        .collect())
}

/// Makes every scheduled report due by `today` (the county's date) that has not
/// been made, archives it and leaves its notices; returns what it did, oldest
/// first. One schedule failing (a region merged away, a broken template) does not
/// stop the others; its error is in the run and it is tried again next time.
/// The report is generated by the schedule's own name, `schedule-N`.
pub fn run_due(
    store: &Store,
    source: &dyn FigureSource,
    pdf: Option<&dyn PdfWriter>,
    today: Date,
) -> Result<Vec<Run>, Error> {
    let mut runs = Vec::new();
    for s in read_schedules(store, None)? {
        for period in due_periods(s.period_kind, s.day, s.starts_on, today) {
            let code = period.to_string();
            if period_made(store, s.id, &code)? {
                continue;
            }
            let actor = Actor::operator(format!("schedule-{}", s.id));
            let run = make_one(store, &actor, source, pdf, &s, period);
            match run {
                Ok(Some((id, notices))) => runs.push(Run {
                    schedule_id: s.id,
                    period: code,
                    report_id: Some(id),
                    notices,
                    error: None,
                }),
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(schedule = s.id, period = %code, error = %e, "scheduled report failed");
                    runs.push(Run {
                        schedule_id: s.id,
                        period: code,
                        report_id: None,
                        notices: 0,
                        error: Some(e.to_string()),
                    })
                }
            }
        }
    }
    Ok(runs)
}

fn make_one(
    store: &Store,
    actor: &Actor,
    source: &dyn FigureSource,
    pdf: Option<&dyn PdfWriter>,
    s: &Schedule,
    period: Period,
) -> Result<Option<(i64, usize)>, Error> {
    let request = Request {
        kind: s.kind,
        region: RegionCode::parse(&s.region_code).map_err(|e| Error::Invalid(e.to_string()))?,
        period,
        format: s.format,
        as_of: None,
    };
    let template = templates::current(store, s.kind)?;
    let (bytes, version, file_name) = archive::make(source, &request, &template, pdf)?;
    let sha256 = archive::sha256_hex(&bytes);
    let code = period.to_string();
    let users = recipients_now(store, s)?;
    let made =
        store.write(actor, |tx| {
            // The run's key first: a second process making the same period stops here
            // and its transaction leaves nothing.
            let claimed = tx.conn().exec(
            "INSERT INTO report_schedule_runs (schedule_id, period, made_at) VALUES ($1, $2, $3) \
             ON CONFLICT (schedule_id, period) DO NOTHING",
            &[s.id.into(), code.as_str().into(), renkou_store::now().into()],
        )?;
            if claimed == 0 {
                return Ok::<_, StoreError>(None);
            }
            let id = tables::archive(
                tx,
                &tables::NewReport {
                    kind: s.kind.code(),
                    region: &request.region,
                    period: &code,
                    format: s.format.code(),
                    register_version: version,
                    template_id: template.id,
                    file_name: &file_name,
                    sha256: &sha256,
                    content: &bytes,
                },
            )?;
            tx.conn().exec(
            "UPDATE report_schedule_runs SET report_id = $1 WHERE schedule_id = $2 AND period = $3",
            &[id.into(), s.id.into(), code.as_str().into()],
        )?;
            notify(tx, id, MADE, &users)?;
            Ok(Some((id, users.len())))
        })?;
    Ok(made)
}

/// A notice's reason: a scheduled report was made.
pub const MADE: &str = "made";

/// Leaves a notice of `report` for each of `usernames` (in the caller's transaction).
pub fn notify(
    tx: &mut renkou_store::Tx<'_>,
    report: i64,
    what: &str,
    usernames: &[String],
) -> Result<(), StoreError> {
    for u in usernames {
        tx.conn().exec(
            "INSERT INTO report_notices (report_id, username, what, created_at) VALUES ($1, $2, $3, $4)",
            &[report.into(), u.as_str().into(), what.into(), renkou_store::now().into()],
        )?;
    }
    Ok(())
}

/// The accounts told when a report changes state: for "submitted", the county's
/// accounts (administrators and statisticians of the county that holds the
/// report's region); for "received", the account that sent it up.
pub fn told_of_status(
    store: &Store,
    report: &ArchivedReport,
    to: &str,
) -> Result<Vec<String>, StoreError> {
    let Ok(region) = RegionCode::parse(&report.region_code) else {
        return Ok(Vec::new());
    };
    Ok(match to {
        "submitted" => store
            .accounts()?
            .into_iter()
            .filter(|a| {
                !a.disabled
                    && a.region.level() <= RegionLevel::County
                    && a.region.contains(&region)
                    && matches!(a.role, Role::CountyAdmin | Role::CountyStatistician)
            })
            .map(|a| a.username)
            .collect(),
        "received" => report.status_by.iter().cloned().collect(),
        _ => Vec::new(),
    })
}

/// A notice on an account's home page.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Notice {
    pub id: i64,
    pub report_id: i64,
    /// made | submitted | received
    pub what: String,
    pub created_at: DateTime<Utc>,
    pub report: ArchivedReport,
}

impl Notice {
    /// In words, e.g. "定时报告已生成：2026年1月全县人口统计报表".
    pub fn text_zh(&self) -> String {
        let name = self
            .report
            .file_name
            .rsplit_once('.')
            .map_or(self.report.file_name.as_str(), |(n, _)| n);
        match self.what.as_str() {
            MADE => format!("定时报告已生成：{name}"),
            "submitted" => format!(
                "{} 报送了：{name}",
                self.report.status_by.as_deref().unwrap_or("")
            ),
            "received" => format!("{}：{name}", status_zh("received")),
            other => format!("{other}：{name}"),
        }
    }

    pub fn text_en(&self) -> String {
        match self.what.as_str() {
            MADE => format!("Scheduled report ready: report #{}", self.report_id),
            "submitted" => format!(
                "{} submitted report #{}",
                self.report.status_by.as_deref().unwrap_or(""),
                self.report_id
            ),
            "received" => format!("Report #{} received by the county", self.report_id),
            other => format!("{other}: report #{}", self.report_id),
        }
    }
}

/// The notices the actor has not opened, newest first (reports outside the
/// actor's area are left out, should the account have moved).
pub fn notices(store: &Store, actor: &Actor) -> Result<Vec<Notice>, Error> {
    let rows = store.with(|c| {
        c.query(
            "SELECT id, report_id, what, created_at FROM report_notices \
             WHERE username = $1 AND opened_at IS NULL ORDER BY id DESC LIMIT 50",
            &[actor.username.as_str().into()],
        )
    })?;
    let mut out = Vec::new();
    for r in rows {
        let (Some(id), Some(report_id), Some(what), Some(created_at)) =
            (r[0].int(), r[1].int(), r[2].text(), r[3].time())
        else {
            continue;
        };
        if let Some(report) = archive::archived(store, actor, report_id)? {
            out.push(Notice {
                id,
                report_id,
                what,
                created_at,
                report,
            });
        }
    }
    Ok(out)
}

/// The actor opened `report`: its notices for them are gone from their home page
/// (recorded with the view in the audit log, one transaction).
pub fn opened(store: &Store, actor: &Actor, report: i64) -> Result<(), Error> {
    Ok(store.write(actor, |tx| {
        let username = tx.actor().username.clone();
        tx.conn().exec(
            "UPDATE report_notices SET opened_at = $1 WHERE username = $2 AND report_id = $3 AND opened_at IS NULL",
            &[renkou_store::now().into(), username.as_str().into(), report.into()],
        )?;
        tx.audit(AuditNote {
            action: AuditAction::VIEW,
            record: tables::REPORT,
            record_id: &report.to_string(),
            fields: "",
        })?;
        Ok::<_, StoreError>(())
    })?)
}
