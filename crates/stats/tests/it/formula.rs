//! User-defined indicators: they agree with the built-ins they restate, they
//! serialise, and bad formulas fail with a position in Chinese and English.

use crate::common::*;
use renkou_stats::catalogue::compute_region;
use renkou_stats::formula::count_user;
use renkou_stats::{count, FormulaError, Indicator, Period, UserIndicatorDef};

fn def(code: &str, num: &str, den: Option<&str>, scale: f64) -> UserIndicatorDef {
    UserIndicatorDef {
        code: code.into(),
        name_zh: "测试".into(),
        name_en: "test".into(),
        unit: "‰".into(),
        numerator: num.into(),
        denominator: den.map(Into::into),
        scale,
    }
}

#[test]
fn restated_built_ins_agree_in_every_region_and_period() {
    let t = table();
    let persons = register(&t);
    let pairs = [
        (
            def("my_cbr", "births()", Some("population()"), 1000.0),
            Indicator::Cbr,
        ),
        (
            def(
                "my_asfr",
                "births(mother_age=25..29)",
                Some("population(sex=female, age=25..29)"),
                1000.0,
            ),
            Indicator::Asfr25,
        ),
        (
            def(
                "my_gfr",
                "出生()",
                Some("人口（性别=女，年龄>=15，年龄<50）"),
                1000.0,
            ),
            Indicator::Gfr,
        ),
        (
            def(
                "my_srb3",
                "births(sex=male, order=3+)",
                Some("births(sex=female, order>=3)"),
                100.0,
            ),
            Indicator::SrbOrder3p,
        ),
        (
            def(
                "my_share1",
                "births(order=1)",
                Some("births(order>=1)"),
                100.0,
            ),
            Indicator::ShareOrder1,
        ),
        (
            def(
                "my_nir",
                "births() - deaths()",
                Some("population()"),
                1000.0,
            ),
            Indicator::NaturalIncreaseRate,
        ),
        (def("my_deaths", "deaths()", None, 1.0), Indicator::Deaths),
    ];
    let compiled: Vec<_> = pairs.iter().map(|(d, _)| d.compile().unwrap()).collect();
    for period in [
        Period::year(2024),
        Period::quarter(2024, 3).unwrap(),
        Period::year(2023),
    ] {
        let counts = count(&persons, &t, period);
        let user = count_user(&persons, &t, period, &compiled);
        for r in 0..t.len() as u32 {
            let built = compute_region(&counts, r);
            for ((_, ind), u) in pairs.iter().zip(&compiled) {
                let b = built.iter().find(|v| v.code == ind.code()).unwrap();
                let got = u.compute(&user, r);
                assert_eq!(got.numerator, b.numerator, "{} {period} {r}", u.code());
                match (got.value, b.value) {
                    (Some(x), Some(y)) => assert!((x - y).abs() < 1e-9, "{} {period}", u.code()),
                    (x, y) => assert_eq!(x, y, "{} {period}", u.code()),
                }
            }
        }
    }
    // Rates get a Poisson interval, shares a Wilson one, like the built-ins.
    let counts = count(&persons, &t, Period::year(2024));
    let user = count_user(&persons, &t, Period::year(2024), &compiled);
    let built = compute_region(&counts, 0);
    for (i, ind) in [(0, Indicator::Cbr), (4, Indicator::ShareOrder1)] {
        let b = built.iter().find(|v| v.code == ind.code()).unwrap();
        assert_eq!(compiled[i].compute(&user, 0).interval, b.interval, "{ind}");
    }
}

#[test]
fn outflow_people_can_be_counted_explicitly() {
    let t = table();
    let persons = register(&t);
    let out = def("outflow", "population(residence=outflow)", None, 1.0)
        .compile()
        .unwrap();
    let women = def(
        "w2029",
        "population(sex=female, age=20..29, residence=outflow|resident|inflow)",
        None,
        1.0,
    )
    .compile()
    .unwrap();
    let user = count_user(
        &persons,
        &t,
        Period::year(2024),
        &[out.clone(), women.clone()],
    );
    // The outflow woman and her daughter (alive on 1 July).
    assert_eq!(out.compute(&user, 0).value, Some(2.0));
    // M1 (29), the leap-day woman (20), the woman attached to 二镇 (24).
    assert_eq!(women.compute(&user, 0).value, Some(3.0));
}

#[test]
fn definitions_round_trip_through_json() {
    let d = def(
        "srb_3p_male",
        "births(sex=male, order>=3)",
        Some("births(order>=3)"),
        100.0,
    );
    let json = serde_json::to_string(&d).unwrap();
    let back: UserIndicatorDef = serde_json::from_str(&json).unwrap();
    assert_eq!(back, d);
    // Optional fields default.
    let min: UserIndicatorDef =
        serde_json::from_str(r#"{"code":"b","name_zh":"出生","numerator":"births()"}"#).unwrap();
    assert_eq!(min.scale, 1.0);
    assert!(min.compile().is_ok());
}

fn syntax(num: &str) -> (usize, String) {
    match def("x", num, None, 1.0).compile().unwrap_err() {
        e @ FormulaError::Syntax { column, .. } => (column, e.to_string()),
        e => panic!("{e}"),
    }
}

#[test]
fn errors_say_where_in_chinese_then_english() {
    let (col, msg) = syntax("birth(sex=male)");
    assert_eq!(col, 1);
    assert!(
        msg.starts_with("分子第1个字符处：未知的计数函数“birth”"),
        "{msg}"
    );
    assert!(
        msg.contains(" / numerator, column 1: unknown count function \"birth\""),
        "{msg}"
    );

    let (col, msg) = syntax("births(sex=man)");
    assert_eq!(col, 12, "{msg}");
    assert!(msg.contains("\"man\" is not a value of \"sex\""), "{msg}");

    let (col, msg) = syntax("births(age=20..29)");
    assert_eq!(col, 8);
    assert!(
        msg.contains("births cannot be filtered by \"age\""),
        "{msg}"
    );

    let (col, msg) = syntax("births(sex=male");
    assert_eq!(col, 16);
    assert!(msg.contains("the formula ends early"), "{msg}");

    let (col, msg) = syntax("population(age=30..20)");
    assert_eq!(col, 20);
    assert!(msg.contains("ends before it starts"), "{msg}");

    let (col, msg) = syntax("population(age>=50, age<=10)");
    assert_eq!(col, 21);
    assert!(msg.contains("can never hold"), "{msg}");

    let (col, msg) = syntax("births() * 2");
    assert_eq!(col, 10);
    assert!(msg.contains("unexpected character '*'"), "{msg}");

    let (col, _) = syntax("births() deaths()");
    assert_eq!(col, 10);
    let (col, _) = syntax("   ");
    assert_eq!(col, 1);
    let (col, msg) = syntax("population(order=1)");
    assert_eq!(col, 12);
    assert!(
        msg.contains("population cannot be filtered by \"order\""),
        "{msg}"
    );

    let e = def("x", "births()", Some("population(sex=)"), 1.0)
        .compile()
        .unwrap_err();
    assert!(e.to_string().starts_with("分母第16个字符处"), "{e}");

    assert!(matches!(
        def("cbr", "births()", None, 1.0).compile(),
        Err(FormulaError::ReservedCode(_))
    ));
    assert!(matches!(
        def("My code", "births()", None, 1.0).compile(),
        Err(FormulaError::BadCode(_))
    ));
    assert!(matches!(
        def("x", "births()", None, 0.0).compile(),
        Err(FormulaError::BadScale(_))
    ));
}
