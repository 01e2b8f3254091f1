//! The employer's entitlements page (单位计生待遇): the staff member's facts as the
//! employer knows them, a year, and what they are owed line by line with the
//! reason and the document's point (the fifth seed document's rules, as data). It
//! computes and saves nothing, so it is a GET form.

use crate::error::WebError;
use crate::extract::Current;
use crate::i18n::L;
use askama::Template;
use axum::extract::RawQuery;
use axum::response::Html;
use renkou_benefits::employer_file::{
    spouse_employment, statement_json, CertificateFile, InvoiceFile, RetirementFile, SpouseFile,
    StaffFile,
};
use renkou_benefits::rules::employer::{owed, EmployerRules, Owed};
use renkou_benefits::rules::Yuan;
use renkou_domain::parse_date;

#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
pub struct EmployerForm {
    pub person_id: String,
    pub sex: String,
    pub birth_date: String,
    pub staff: String,
    pub spouse_birth_date: String,
    pub spouse_employment: String,
    pub first_marriage_on: String,
    pub only_child_born: String,
    pub certificate_number: String,
    pub certificate_issued_on: String,
    /// One invoice a line: `2024-03-02 1200.00` (add `非县级` for a clinic's).
    pub invoices: String,
    pub retirement_on: String,
    pub basic_wage: String,
    pub year: String,
}

/// One line of the statement as the page shows it.
pub struct ShownLine {
    pub point: String,
    pub label: String,
    pub owed: String,
    pub reason: String,
    pub reference: String,
}

#[derive(Template)]
#[template(path = "benefits/employer.html")]
struct EmployerPage {
    l: L,
    me: Current,
    f: EmployerForm,
    employer: String,
    lines: Vec<ShownLine>,
    total: String,
    leave_days: u32,
    error: String,
}

fn date(s: &str, field: &str, l: L) -> Result<Option<renkou_domain::Date>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    parse_date(s).map(Some).map_err(|_| {
        format!(
            "{field}{}",
            l.s("应为 2024-03-01 这样的日期", ": a date like 2024-03-01")
        )
    })
}

fn staff_file(f: &EmployerForm, l: L) -> Result<(StaffFile, i32), String> {
    let year: i32 = f.year.trim().parse().map_err(|_| {
        l.s("年度应为四位数字", "the year must be four digits")
            .to_string()
    })?;
    let birth_date = date(&f.birth_date, l.s("出生日期", "Birth date"), l)?
        .ok_or_else(|| l.s("请填写出生日期", "give the birth date").to_string())?;
    let spouse = match date(
        &f.spouse_birth_date,
        l.s("配偶出生日期", "Spouse's birth date"),
        l,
    )? {
        Some(b) => {
            if spouse_employment(&f.spouse_employment).is_none() {
                return Err(l
                    .s("请选择配偶的工作情况", "choose the spouse's situation")
                    .into());
            }
            Some(SpouseFile {
                birth_date: b,
                employment: f.spouse_employment.clone(),
            })
        }
        None => None,
    };
    let certificate = date(
        &f.certificate_issued_on,
        l.s("发证日期", "Certificate date"),
        l,
    )?
    .map(|d| CertificateFile {
        number: f.certificate_number.trim().to_string(),
        issued_on: d,
    });
    let mut invoices = Vec::new();
    for (i, line) in f.invoices.lines().enumerate() {
        let parts: Vec<&str> = line.split_whitespace().collect();
        if parts.is_empty() {
            continue;
        }
        let bad = || {
            format!(
                "{} {}{}",
                l.s("医药发票第", "Invoice line"),
                i + 1,
                l.s(
                    " 行应为“日期 金额”，如 2024-03-02 1200.00",
                    ": “date amount”, e.g. 2024-03-02 1200.00"
                )
            )
        };
        let d = parts
            .first()
            .and_then(|s| parse_date(s).ok())
            .ok_or_else(bad)?;
        let a = parts
            .get(1)
            .and_then(|s| Yuan::parse(s).ok())
            .ok_or_else(bad)?;
        invoices.push(InvoiceFile {
            date: d,
            amount: a,
            county_level_or_above: !parts.iter().any(|p| *p == "非县级" || *p == "clinic"),
        });
    }
    let retirement = match date(&f.retirement_on, l.s("退休日期", "Retirement"), l)? {
        Some(d) => Some(RetirementFile {
            on: d,
            basic_wage: Yuan::parse(f.basic_wage.trim()).map_err(|_| {
                l.s(
                    "基本工资应为金额，如 4000.00",
                    "the basic wage must be an amount, e.g. 4000.00",
                )
                .to_string()
            })?,
        }),
        None => None,
    };
    Ok((
        StaffFile {
            person_id: f.person_id.trim().to_string(),
            sex: f.sex.clone(),
            birth_date,
            staff: f.staff != "no",
            spouse,
            first_marriage_on: date(&f.first_marriage_on, l.s("初婚日期", "First marriage"), l)?,
            only_child_born: date(&f.only_child_born, l.s("子女出生日期", "Child's birth"), l)?,
            certificate,
            invoices,
            retirement,
        },
        year,
    ))
}

/// `/benefits/employer?…`: the form, and the statement when the form is filled.
pub async fn page(me: Current, RawQuery(q): RawQuery) -> Result<Html<String>, WebError> {
    let l = me.l;
    let q = q.unwrap_or_default();
    let f: EmployerForm = serde_urlencoded::from_str(&q).unwrap_or_default();
    let rules = EmployerRules::seed();
    let mut page = EmployerPage {
        l,
        me,
        f: f.clone(),
        employer: rules.employer.name.clone(),
        lines: vec![],
        total: String::new(),
        leave_days: 0,
        error: String::new(),
    };
    if f.year.trim().is_empty() {
        if page.f.year.is_empty() {
            use chrono::Datelike;
            page.f.year = chrono::Local::now().year().to_string();
        }
        return Ok(Html(page.render()?));
    }
    match staff_file(&f, l).and_then(|(file, year)| Ok((file.employee()?, year))) {
        Ok((employee, year)) => {
            let s = owed(&rules, &employee, year);
            let j = statement_json(&s);
            page.total = j["total"].as_str().unwrap_or_default().to_string();
            page.leave_days = s.leave_days();
            page.lines = s
                .lines
                .iter()
                .map(|line| ShownLine {
                    point: line.point.clone(),
                    label: line.label.clone(),
                    owed: match &line.owed {
                        Owed::Days(d) => format!("{d} {}", l.s("天", "days")),
                        Owed::Money {
                            amount,
                            months: Some(m),
                        } => format!(
                            "{amount} {}（{m} {}）",
                            l.s("元", "yuan"),
                            l.s("个月", "months")
                        ),
                        Owed::Money {
                            amount,
                            months: None,
                        } => format!("{amount} {}", l.s("元", "yuan")),
                        Owed::Nothing => l.s("无", "nothing").to_string(),
                    },
                    reason: line.reason.clone(),
                    reference: line.reference.clone(),
                })
                .collect();
        }
        Err(e) => page.error = l.half(&e),
    }
    Ok(Html(page.render()?))
}
