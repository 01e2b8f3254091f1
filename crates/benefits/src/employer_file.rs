//! A staff member's file for the employer's entitlements (单位待遇): the employer's
//! own facts about a person that the register does not hold — whether they and
//! their spouse work there or have an income, the certificate, the child's medical
//! invoices, the retirement and basic wage — as TOML (or JSON), turned into the
//! rules' [`Employee`]; and a [`Statement`] as JSON. The command line
//! (`renkou benefits employer`) and the page (`/benefits/employer`) read the same
//! file shape.
//!
//! ```toml
//! person_id = "E-M-01"
//! sex = "女"                      # 男 / 女 / male / female
//! birth_date = "1982-03-01"
//! staff = true
//! first_marriage_on = "2006-05-01"
//! only_child_born = "2008-06-01"
//! [spouse]
//! birth_date = "1980-01-01"
//! employment = "same_employer"    # income_elsewhere | no_income
//! [certificate]
//! number = "湘光荣证（测试）0001"
//! issued_on = "2008-07-15"
//! [[invoices]]
//! date = "2024-03-02"
//! amount = "1200.00"
//! county_level_or_above = true
//! [retirement]
//! on = "2037-03-01"
//! basic_wage = "4000.00"
//! ```

use crate::rules::employer::{
    Certificate, Employee, Invoice, Owed, Retirement, Spouse, SpouseEmployment, Statement,
};
use crate::rules::{Date, Yuan};
use renkou_domain::Sex;

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffFile {
    pub person_id: String,
    pub sex: String,
    pub birth_date: Date,
    #[serde(default = "yes")]
    pub staff: bool,
    pub spouse: Option<SpouseFile>,
    pub first_marriage_on: Option<Date>,
    pub only_child_born: Option<Date>,
    pub certificate: Option<CertificateFile>,
    #[serde(default)]
    pub invoices: Vec<InvoiceFile>,
    pub retirement: Option<RetirementFile>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpouseFile {
    pub birth_date: Date,
    /// same_employer | income_elsewhere | no_income (or 本单位 / 外单位有收入 / 无收入)
    pub employment: String,
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateFile {
    pub number: String,
    pub issued_on: Date,
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvoiceFile {
    pub date: Date,
    pub amount: Yuan,
    #[serde(default = "yes")]
    pub county_level_or_above: bool,
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetirementFile {
    pub on: Date,
    pub basic_wage: Yuan,
}

/// The spouse's situation from its code or its Chinese words.
pub fn spouse_employment(s: &str) -> Option<SpouseEmployment> {
    match s.trim() {
        "same_employer" | "本单位" | "本单位职工" => Some(SpouseEmployment::SameEmployer),
        "income_elsewhere" | "外单位有收入" | "有收入" => {
            Some(SpouseEmployment::IncomeElsewhere)
        }
        "no_income" | "无收入" => Some(SpouseEmployment::NoIncome),
        _ => None,
    }
}

impl StaffFile {
    /// Reads a file's text: TOML, or JSON when it starts with `{`.
    pub fn parse(text: &str) -> Result<StaffFile, String> {
        if text.trim_start().starts_with('{') {
            serde_json::from_str(text).map_err(|e| e.to_string())
        } else {
            basic_toml::from_str(text).map_err(|e| e.to_string())
        }
    }

    pub fn employee(&self) -> Result<Employee, String> {
        let sex = Sex::parse(&self.sex)
            .ok()
            .filter(|s| matches!(s, Sex::Male | Sex::Female))
            .ok_or("sex：应为 男 或 女 / sex must be male or female")?;
        let spouse = match &self.spouse {
            Some(s) => Some(Spouse {
                birth_date: s.birth_date,
                employment: spouse_employment(&s.employment).ok_or(
                    "spouse.employment：应为 same_employer、income_elsewhere 或 no_income / \
                     spouse.employment must be same_employer, income_elsewhere or no_income",
                )?,
            }),
            None => None,
        };
        Ok(Employee {
            person_id: self.person_id.clone(),
            sex,
            birth_date: self.birth_date,
            staff: self.staff,
            spouse,
            first_marriage_on: self.first_marriage_on,
            only_child_born: self.only_child_born,
            certificate: self.certificate.as_ref().map(|c| Certificate {
                number: c.number.clone(),
                issued_on: c.issued_on,
            }),
            invoices: self
                .invoices
                .iter()
                .map(|i| Invoice {
                    date: i.date,
                    amount: i.amount,
                    county_level_or_above: i.county_level_or_above,
                })
                .collect(),
            retirement: self.retirement.as_ref().map(|r| Retirement {
                on: r.on,
                basic_wage: r.basic_wage,
            }),
        })
    }
}

/// A statement as JSON: the person, the year, one object per line (point, label,
/// `days` or `amount` with `months`, reason, reference) and the totals. Amounts are
/// decimal strings.
pub fn statement_json(s: &Statement) -> serde_json::Value {
    let lines: Vec<_> = s
        .lines
        .iter()
        .map(|l| {
            let mut o = serde_json::json!({
                "point": l.point,
                "label": l.label,
                "reason": l.reason,
                "reference": l.reference,
            });
            match &l.owed {
                Owed::Days(d) => o["days"] = (*d).into(),
                Owed::Money { amount, months } => {
                    o["amount"] = amount.to_string().into();
                    if let Some(m) = months {
                        o["months"] = (*m).into();
                    }
                }
                Owed::Nothing => o["owed"] = false.into(),
            }
            o
        })
        .collect();
    serde_json::json!({
        "person_id": s.person_id,
        "year": s.year,
        "employer": s.employer,
        "lines": lines,
        "total": s.money_total().to_string(),
        "leave_days": s.leave_days(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::employer::{owed, EmployerRules};

    /// A file as the module shows it, computed by hand against the seed (第五篇) for
    /// 2024: a mother whose only child was born 2012-06-01 (under 14 all year),
    /// the father earning elsewhere.
    #[test]
    fn the_documented_example_reads_and_computes() {
        let text = r#"
person_id = "E-M-01"
sex = "女"
birth_date = "1982-03-01"
first_marriage_on = "2006-05-01"
only_child_born = "2012-06-01"
[spouse]
birth_date = "1980-01-01"
employment = "income_elsewhere"
[certificate]
number = "湘光荣证（测试）0001"
issued_on = "2012-07-15"
[[invoices]]
date = "2024-03-02"
amount = "1200.00"
[[invoices]]
date = "2024-09-10"
amount = "2000.00"
county_level_or_above = false
"#;
        let e = StaffFile::parse(text).unwrap().employee().unwrap();
        let s = owed(&EmployerRules::seed(), &e, 2024);
        let j = statement_json(&s);
        // Health fee: the child (born 2012-06-01) is under 14 all of 2024; the
        // other parent earns elsewhere: 5 yuan × 12 = 60.00.
        let fee = j["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["label"] == "独生子女保健费（每月）")
            .unwrap();
        assert_eq!(
            (fee["amount"].as_str(), fee["months"].as_u64()),
            (Some("60.00"), Some(12))
        );
        // Medical: one parent here → 1/8 of the county-level invoice only:
        // 1200 / 8 = 150.00 (under the 250 cap; the 2000 invoice is not county level).
        let med = j["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["label"] == "独生子女医药费报销")
            .unwrap();
        assert_eq!(med["amount"].as_str(), Some("150.00"), "{med}");
        assert_eq!(j["total"].as_str(), Some("210.00"), "{j}");
        // JSON reads the same.
        assert!(
            StaffFile::parse(r#"{"person_id":"x","sex":"male","birth_date":"1980-01-01"}"#)
                .unwrap()
                .employee()
                .is_ok()
        );
        assert!(StaffFile::parse("person_id = 1").is_err());
        let bad = StaffFile::parse(
            "person_id = \"x\"\nsex = \"男\"\nbirth_date = \"1980-01-01\"\n[spouse]\nbirth_date = \"1980-01-01\"\nemployment = \"?\"\n",
        )
        .unwrap();
        assert!(bad.employee().is_err());
    }
}
