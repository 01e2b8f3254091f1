//! The fifth seed document's college rules (第五篇), point by point: a test for each
//! of its eight entitlements (points 一 to 六; point 二 holds four). Staff members are
//! synthetic.

use crate::common::*;
use renkou_benefits::rules::employer::{
    owed, Certificate, Employee, EmployerRules, Invoice, Owed, Retirement, Spouse, SpouseEmployment,
};
use renkou_domain::Sex;

fn rules() -> EmployerRules {
    EmployerRules::seed()
}

/// A female staff member born 1982-03-01 whose only child was born 2008-06-01
/// (she was 26: 晚育 under the old rules).
fn mother(spouse: SpouseEmployment) -> Employee {
    Employee {
        person_id: "E-M-01".into(),
        sex: Sex::Female,
        birth_date: d(1982, 3, 1),
        staff: true,
        spouse: Some(Spouse {
            birth_date: d(1980, 1, 1),
            employment: spouse,
        }),
        first_marriage_on: Some(d(2006, 5, 1)),
        only_child_born: Some(d(2008, 6, 1)),
        certificate: Some(Certificate {
            number: "湘光荣证（测试）0001".into(),
            issued_on: d(2008, 7, 15),
        }),
        invoices: vec![],
        retirement: None,
    }
}

fn father() -> Employee {
    Employee {
        person_id: "E-F-01".into(),
        sex: Sex::Male,
        birth_date: d(1980, 1, 1),
        staff: true,
        spouse: Some(Spouse {
            birth_date: d(1982, 3, 1),
            employment: SpouseEmployment::SameEmployer,
        }),
        ..mother(SpouseEmployment::SameEmployer)
    }
}

fn days(e: &Employee, year: i32, label: &str) -> Option<u32> {
    match owed(&rules(), e, year).line(label)?.owed {
        Owed::Days(d) => Some(d),
        _ => None,
    }
}

fn money(e: &Employee, year: i32, label: &str) -> Option<(Yuan, Option<u32>)> {
    match owed(&rules(), e, year).line(label)?.owed {
        Owed::Money { amount, months } => Some((amount, months)),
        _ => None,
    }
}

use renkou_benefits::rules::Yuan;

#[test]
fn point_1_late_marriage_leave_only_under_the_old_rules() {
    // The father married first on 2006-05-01 at 26 (late marriage: male 25+):
    // 3 days national + 13 days late-marriage = 16.
    let f = father();
    assert_eq!(days(&f, 2006, "婚假（国家规定）"), Some(3));
    assert_eq!(days(&f, 2006, "晚婚增加婚假"), Some(13));
    assert_eq!(owed(&rules(), &f, 2006).leave_days(), 16);
    // Married at 30 on 2024-05-01: the extra leave ended with the 2016 amendment.
    let mut g = father();
    g.first_marriage_on = Some(d(2024, 5, 1));
    g.only_child_born = None;
    let s = owed(&rules(), &g, 2024);
    assert_eq!(s.leave_days(), 3);
    let line = s.line("晚婚增加婚假").unwrap();
    assert_eq!(line.owed, Owed::Nothing);
    assert!(line.reason.contains("2016-01-01"), "{}", line.reason);
    // Married at 24 in 2003: not late.
    let mut h = father();
    h.first_marriage_on = Some(d(2004, 5, 1));
    assert_eq!(days(&h, 2004, "晚婚增加婚假"), None);
}

#[test]
fn point_2_late_birth_maternity_leave() {
    // Birth 2008-06-01 (before 2012-04-28: national maternity leave 90 days), the
    // mother 26 (late birth: 24+): 90 + 30 = 120 days.
    let e = mother(SpouseEmployment::SameEmployer);
    assert_eq!(days(&e, 2008, "产假（国家规定）"), Some(90));
    assert_eq!(days(&e, 2008, "晚育增加产假"), Some(30));
    // A birth in 2017: 98 national days (from 2012-04-28), and no late-birth days:
    // they ended for births from 2016-01-01.
    let mut later = e.clone();
    later.only_child_born = Some(d(2017, 3, 3));
    later.certificate = None;
    assert_eq!(days(&later, 2017, "产假（国家规定）"), Some(98));
    assert_eq!(days(&later, 2017, "晚育增加产假"), None);
}

#[test]
fn point_2_certificate_during_maternity_leave_adds_30_days() {
    // Certificate issued 2008-07-15, 44 days after the birth, inside the 120 days
    // of maternity leave: 30 more, 90 + 30 + 30 = 150 in all.
    let e = mother(SpouseEmployment::SameEmployer);
    assert_eq!(days(&e, 2008, "产假期间领取光荣证再增加产假"), Some(30));
    assert_eq!(owed(&rules(), &e, 2008).leave_days(), 150);
    // Issued 2008-12-01, 183 days after: after the leave, no extra days.
    let mut late = e;
    late.certificate.as_mut().unwrap().issued_on = d(2008, 12, 1);
    assert_eq!(days(&late, 2008, "产假期间领取光荣证再增加产假"), None);
}

#[test]
fn point_2_nursing_leave_for_the_father() {
    // The father of the same late birth: 15 days of nursing leave, and no
    // maternity lines.
    let f = father();
    assert_eq!(days(&f, 2008, "男方护理假"), Some(15));
    assert_eq!(days(&f, 2008, "产假（国家规定）"), None);
}

#[test]
fn point_3_health_fee_10_or_5_a_month_until_14() {
    // Certificate issued 2008-07-15; the child turns 14 on 2022-06-01, and that
    // month is not paid, so the last month is May 2022.
    // 2010, both staff: 12 × 10 = 120.
    let both = mother(SpouseEmployment::SameEmployer);
    assert_eq!(
        money(&both, 2010, "独生子女保健费（每月）"),
        Some((y("120"), Some(12)))
    );
    // 2008: from the certificate's month, July-December: 6 × 10 = 60.
    assert_eq!(
        money(&both, 2008, "独生子女保健费（每月）"),
        Some((y("60"), Some(6)))
    );
    // 2022: January-May: 5 × 10 = 50; 2023: nothing.
    assert_eq!(
        money(&both, 2022, "独生子女保健费（每月）"),
        Some((y("50"), Some(5)))
    );
    assert_eq!(money(&both, 2023, "独生子女保健费（每月）"), None);
    // The other parent has an income elsewhere: 5 a month, 12 × 5 = 60.
    let elsewhere = mother(SpouseEmployment::IncomeElsewhere);
    assert_eq!(
        money(&elsewhere, 2015, "独生子女保健费（每月）"),
        Some((y("60"), Some(12)))
    );
    // The other parent has no income: 10 a month again, 12 × 10 = 120.
    let none = mother(SpouseEmployment::NoIncome);
    assert_eq!(
        money(&none, 2015, "独生子女保健费（每月）"),
        Some((y("120"), Some(12)))
    );
}

#[test]
fn point_4_medical_reimbursement_a_quarter_up_to_500_or_an_eighth_up_to_250() {
    let county = |date, amount: &str| Invoice {
        date,
        amount: y(amount),
        county_level_or_above: true,
    };
    // Both staff: county-level invoices 1200 + 900 = 2100 (a township clinic's 300
    // does not count); 2100 × 1/4 = 525, above the cap: 500.
    let mut both = mother(SpouseEmployment::SameEmployer);
    both.invoices = vec![
        county(d(2015, 3, 1), "1200"),
        county(d(2015, 9, 1), "900"),
        Invoice {
            date: d(2015, 10, 1),
            amount: y("300"),
            county_level_or_above: false,
        },
        county(d(2014, 9, 1), "5000"),
    ];
    assert_eq!(
        money(&both, 2015, "独生子女医药费报销"),
        Some((y("500"), None))
    );
    // 1200 alone: 1200 × 1/4 = 300, under the cap.
    both.invoices.truncate(1);
    assert_eq!(
        money(&both, 2015, "独生子女医药费报销"),
        Some((y("300"), None))
    );
    // Only one parent is staff: 1600 × 1/8 = 200; 2400 × 1/8 = 300, capped at 250.
    let mut one = mother(SpouseEmployment::IncomeElsewhere);
    one.invoices = vec![county(d(2015, 3, 1), "1600")];
    assert_eq!(
        money(&one, 2015, "独生子女医药费报销"),
        Some((y("200"), None))
    );
    one.invoices = vec![county(d(2015, 3, 1), "2400")];
    assert_eq!(
        money(&one, 2015, "独生子女医药费报销"),
        Some((y("250"), None))
    );
}

#[test]
fn point_5_pension_supplement_of_5_percent_from_the_month_of_retirement() {
    // Retired 2024-08-15 on a basic wage of 4321.50: 5% = 216.075, 216.08 a month.
    // 2024: August-December, 5 × 216.08 = 1080.40. 2025: 12 × 216.08 = 2592.96.
    let mut e = mother(SpouseEmployment::SameEmployer);
    e.retirement = Some(Retirement {
        on: d(2024, 8, 15),
        basic_wage: y("4321.50"),
    });
    assert_eq!(
        money(&e, 2024, "独生子女父母退休金增发"),
        Some((y("1080.40"), Some(5)))
    );
    assert_eq!(
        money(&e, 2025, "独生子女父母退休金增发"),
        Some((y("2592.96"), Some(12)))
    );
    assert_eq!(money(&e, 2023, "独生子女父母退休金增发"), None);
}

#[test]
fn point_6_one_off_reward_50_or_25_in_the_year_of_the_certificate() {
    let both = mother(SpouseEmployment::SameEmployer);
    assert_eq!(
        money(&both, 2008, "独生子女奖励费（一次性）"),
        Some((y("50"), None))
    );
    assert_eq!(money(&both, 2009, "独生子女奖励费（一次性）"), None);
    let half = mother(SpouseEmployment::NoIncome);
    assert_eq!(
        money(&half, 2008, "独生子女奖励费（一次性）"),
        Some((y("25"), None))
    );
}

#[test]
fn a_statement_prints_what_is_owed_and_why_and_non_staff_get_nothing() {
    // 2008 for the mother, both staff: health fee 60 + one-off reward 50 = 110,
    // and 150 days of leave.
    let s = owed(&rules(), &mother(SpouseEmployment::SameEmployer), 2008);
    assert_eq!(s.money_total(), y("110"));
    let text = s.to_string();
    assert!(
        text.contains("第三条 独生子女保健费（每月）：60.00元（6个月）"),
        "{text}"
    );
    assert!(text.contains("合计：110.00元，假期150天"), "{text}");
    let mut outsider = mother(SpouseEmployment::SameEmployer);
    outsider.staff = false;
    let s = owed(&rules(), &outsider, 2008);
    assert_eq!(s.money_total(), y("0"));
    assert_eq!(s.lines.len(), 1);
}
