//! Targets, user-defined indicators and the indicators' xlsx exports, end to end
//! on SQLite and PostgreSQL over the hand-made register of `common` (its 2024
//! figures are worked out there).

use calamine::{open_workbook, Data, Reader, Xlsx};
use renkou_indicators::export::{publication_xlsx, report_xlsx, targets_xlsx};
use renkou_indicators::figures::{Level, StatCache};
use renkou_indicators::targets::{history, import_targets, targets_table};
use renkou_indicators::user_indicators::define;
use renkou_indicators::views::{report, trend};

use renkou_domain::account::{Role, Scope};
use renkou_domain::RegionLevel;
use renkou_stats::{GapStatus, Period, SuppressionOptions, UserIndicatorDef};

use renkou_indicators::tables::IndicatorTables;
use renkou_testkit::*;

fn scope(role: Role, region: &str) -> Scope {
    Scope {
        role,
        region: code(region),
    }
}

/// An account of `scope` named `name`, as the use cases are called.
fn who(scope: &Scope, name: &str) -> renkou_store::Actor {
    renkou_store::Actor::account(name, "", scope.clone())
}

fn male_share() -> UserIndicatorDef {
    UserIndicatorDef {
        code: "male_birth_share".into(),
        name_zh: "男婴占比".into(),
        name_en: "male share of births".into(),
        unit: "%".into(),
        numerator: "births(sex=male)".into(),
        denominator: Some("births()".into()),
        scale: 100.0,
    }
}

#[test]
fn user_indicators_are_validated_saved_and_computed() {
    for db in databases() {
        let store = db.store_with(&[&renkou_indicators::MIGRATIONS]);
        load(&store, &register());
        let county = scope(Role::CountyStatistician, COUNTY);
        // A township may not define indicators; a bad formula says where it is wrong.
        let refused = define(
            &store,
            &who(&scope(Role::TownshipStaff, TOWN_A), "t"),
            &male_share(),
        );
        assert!(matches!(refused, Err(renkou_indicators::Error::Invalid(m)) if m.contains("县级")));
        let mut bad = male_share();
        bad.numerator = "births(sex=mal)".into();
        let err = define(&store, &who(&county, "tongji"), &bad)
            .unwrap_err()
            .to_string();
        assert!(err.contains("分子") && err.contains("numerator"), "{err}");
        assert!(store.user_indicators(true).unwrap().is_empty());

        define(&store, &who(&county, "tongji"), &male_share()).unwrap();
        let cache = StatCache::new();
        let period = Period::year(2024);
        let r = report(
            &store,
            &cache,
            &code(COUNTY),
            period,
            Level::Children,
            period.first_day(),
        )
        .unwrap();
        let j = r.column("male_birth_share").expect("the user column");
        assert!(r.columns[j].user);
        // 2024 births: C2 (F), T1 (F), T2 (M), N1 (F): one boy in four.
        let v = &r.values[0][j];
        assert_eq!((v.numerator, v.denominator), (1, Some(4)), "{}", db.label);
        assert!((v.value.unwrap() - 25.0).abs() < 1e-9);
        assert!(v.interval.is_some(), "a share gets a Wilson interval");
        // `renkou indicators` (JSON/CSV/xlsx) carries it too, after the catalogue.
        let rows = renkou_indicators::figures::indicators(
            &store,
            &cache,
            &code(COUNTY),
            period,
            Level::Children,
        )
        .unwrap();
        let row = rows
            .iter()
            .find(|r| r.region_code == COUNTY && r.indicator == "male_birth_share")
            .expect("the user indicator's row");
        assert_eq!(
            (row.numerator, row.denominator, row.unit.as_str()),
            (1, Some(4), "%")
        );
        // …and its xlsx names it in Chinese like a built-in one.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ind.xlsx");
        let users = renkou_indicators::views::user_indicators(&store).unwrap();
        renkou_indicators::figures::write_file(
            &rows,
            &path,
            renkou_indicators::figures::Format::Xlsx,
            &users,
        )
        .unwrap();
        let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
        let sheet = wb.sheet_names()[0].clone();
        let range = wb.worksheet_range(&sheet).unwrap();
        assert!(range
            .rows()
            .any(|r| r[4] == "male_birth_share" && r[5] == "男婴占比"));
        // Numbers as numbers (not text), under a title row and the header.
        assert_eq!(range[(1, 0)], Data::String("区划代码".into()));
        let male = range
            .rows()
            .find(|r| r[0] == COUNTY && r[4] == "male_birth_share")
            .unwrap();
        assert_eq!((&male[7], &male[8]), (&Data::Float(1.0), &Data::Float(4.0)));
        assert_eq!(male[6], Data::Float(25.0));
        // The trend of a user indicator: 2023 has no births (null), 2024 has.
        let t = trend(&store, &cache, &code(COUNTY), "male_birth_share", 2024, 10).unwrap();
        assert_eq!(t.years.first(), Some(&2015));
        assert_eq!(t.values.len(), 10);
        assert_eq!(t.values[8].value, None);
        assert!((t.values[9].value.unwrap() - 25.0).abs() < 1e-9);
        // And of a built-in one: births per year, 2016 has K1, 2019 C1.
        let t = trend(&store, &cache, &code(COUNTY), "births", 2024, 10).unwrap();
        let births: Vec<i64> = t.values.iter().map(|v| v.numerator).collect();
        assert_eq!(births, vec![0, 1, 0, 0, 1, 0, 0, 0, 0, 4], "{}", db.label);
    }
}

/// A targets file as Excel on Chinese Windows saves "CSV (逗号分隔)": GBK.
fn gbk_csv(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let (bytes, _, bad) = encoding_rs::GBK.encode(text);
    assert!(!bad);
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn targets_import_gaps_versions_and_exports() {
    let dir = tempfile::tempdir().unwrap();
    for db in databases() {
        let store = db.store_with(&[&renkou_indicators::MIGRATIONS]);
        load(&store, &register());
        let county = scope(Role::CountyStatistician, COUNTY);
        let good = gbk_csv(
            dir.path(),
            "目标.csv",
            &format!(
                "指标代码,区划代码,年份,方向,目标值,区间下限,区间上限,备注\r\n\
                 cbr,{V1},2024,越高越好,100,,,\r\n\
                 srb,349901,2024,区间,,103,107,出生性别比\r\n\
                 births,{TOWN_A},2024,越低越好,1,,,\r\n"
            ),
        );
        // Bad rows: every problem named by row and column; nothing is written.
        let bad = gbk_csv(
            dir.path(),
            "错误.csv",
            &format!(
                "指标代码,区划代码,年份,方向,目标值,区间下限,区间上限,备注\r\n\
                 cbr,{V1},2024,越高越好,100,,,\r\n\
                 xyz,{V1},2024,越高越好,1,,,\r\n\
                 srb,{V3},2024,区间,,107,103,\r\n\
                 cdr,{V3},二〇二四,越低越好,5,,,\r\n"
            ),
        );
        match import_targets(&store, &who(&county, "tongji"), &bad, None) {
            Err(renkou_indicators::Error::InvalidRows { file, errors }) => {
                assert!(file.ends_with("错误.csv"), "{file}");
                let shown: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
                assert!(
                    shown.iter().any(|e| e.contains("错误.csv:3:指标代码:")),
                    "{shown:?}"
                );
                assert!(
                    shown.iter().any(|e| e.contains("错误.csv:4:区间上限:")),
                    "{shown:?}"
                );
                assert!(
                    shown.iter().any(|e| e.contains("错误.csv:5:年份:")),
                    "{shown:?}"
                );
                assert_eq!(errors.len(), 3, "{shown:?}");
            }
            other => panic!("expected row errors, got {other:?}"),
        }
        assert!(store.targets_in(&code(COUNTY), 2024).unwrap().is_empty());
        // A township may set targets only inside its township.
        let town_b = scope(Role::TownshipStaff, TOWN_B);
        let err = import_targets(&store, &who(&town_b, "xz"), &good, None).unwrap_err();
        assert!(
            matches!(err, renkou_indicators::Error::InvalidRows { ref errors, .. } if errors.len() == 3)
        );

        assert_eq!(
            import_targets(&store, &who(&county, "tongji"), &good, None).unwrap(),
            3
        );
        let cache = StatCache::new();
        let table = targets_table(
            &store,
            &cache,
            &code(COUNTY),
            2024,
            Level::Only(RegionLevel::Village),
        )
        .unwrap();
        let names: Vec<&str> = table
            .indicators
            .iter()
            .map(|&j| table.report.columns[j].code.as_str())
            .collect();
        assert_eq!(names, vec!["births", "cbr", "srb"], "catalogue order");
        let row = |c: &str| {
            (0..table.report.shown.len())
                .find(|&i| table.report.code(i) == c)
                .unwrap()
        };
        // 一村: 1 birth, P 6 (O1 counts in its successor): CBR 166.67‰ above 100.
        let cbr = &table.cells[row(V1)][1];
        let gap = cbr.gap.unwrap();
        assert!(
            (gap.gap.unwrap() - (1000.0 / 6.0 - 100.0)).abs() < 1e-9,
            "{}",
            db.label
        );
        assert_eq!(gap.status, GapStatus::Good);
        assert_eq!(gap.signed(2), "+66.67");
        // The county's SRB: 1 boy, 3 girls = 33.3, below the band 103-107.
        let srb = table.cells[row(COUNTY)][2].gap.unwrap();
        assert!((srb.gap.unwrap() - (100.0 / 3.0 - 103.0)).abs() < 1e-9);
        assert_eq!(srb.status, GapStatus::Bad);
        assert!(table.cells[row(V2)][1].gap.is_none(), "no target for 二村");

        // A new value is a new version; the old one stays with who set it.
        let again = gbk_csv(
            dir.path(),
            "again.csv",
            &format!("indicator,region_code,year,direction,value\ncbr,{V1},2024,higher,150\n"),
        );
        import_targets(&store, &who(&county, "admin"), &again, None).unwrap();
        let h = history(&store, "cbr", &code(V1), 2024).unwrap();
        assert_eq!(
            h.iter().map(|t| t.value).collect::<Vec<_>>(),
            vec![150.0, 100.0]
        );
        assert_eq!(h[1].set_by, "tongji");

        // The dashboard as xlsx: the gap is a formula of the two cells before it.
        let table = targets_table(
            &store,
            &cache,
            &code(COUNTY),
            2024,
            Level::Only(RegionLevel::Village),
        )
        .unwrap();
        let path = dir.path().join("targets.xlsx");
        std::fs::write(&path, targets_xlsx(&table, true).unwrap()).unwrap();
        let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
        let sheet = wb.sheet_names()[0].clone();
        let formulas = wb.worksheet_formula(&sheet).unwrap();
        let all: Vec<String> = formulas
            .rows()
            .flatten()
            .filter(|f| !f.is_empty())
            .cloned()
            .collect();
        assert!(
            all.iter()
                .any(|f| f.starts_with("IF(") && f.contains(">107")),
            "{all:?}"
        );
        assert!(
            all.iter().any(|f| f.contains('-') && !f.starts_with("IF(")),
            "{all:?}"
        );
        // The band is exported as the band, under a title row and the header.
        let values = wb.worksheet_range(&sheet).unwrap();
        assert!(values
            .get_value((0, 0))
            .is_some_and(|c| c.to_string().contains("2024年目标值")));
        assert_eq!(
            values.get_value((1, 0)),
            Some(&Data::String("区划代码".into()))
        );
        assert!(
            values
                .rows()
                .flatten()
                .any(|c| *c == Data::String("103–107".into())),
            "{:?}",
            values.rows().collect::<Vec<_>>()
        );
        assert!(!values.rows().flatten().any(|c| *c == Data::Float(105.0)));
    }
}

#[test]
fn report_xlsx_with_formulas_and_the_publication() {
    let dir = tempfile::tempdir().unwrap();
    for db in databases() {
        let store = db.store_with(&[&renkou_indicators::MIGRATIONS]);
        load(&store, &register());
        let cache = StatCache::new();
        let period = Period::year(2024);
        let r = report(
            &store,
            &cache,
            &code(COUNTY),
            period,
            Level::Children,
            period.first_day(),
        )
        .unwrap();
        let path = dir.path().join("report.xlsx");
        std::fs::write(&path, report_xlsx(&r, true).unwrap()).unwrap();
        let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
        let values = wb.worksheet_range("指标").unwrap();
        let formulas = wb.worksheet_formula("指标").unwrap();
        let header: Vec<String> = values
            .rows()
            .next()
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(header[..4], ["区划代码", "区划名称", "层级", "期间"]);
        // The county's CBR row: value 4 births / 9 persons × 1000 (P: 一村 6, 二村 1,
        // 三村 2), as a formula over its own numerator and denominator cells.
        let (i, row) = values
            .rows()
            .enumerate()
            .find(|(_, row)| row[0] == COUNTY && row[4] == "cbr")
            .unwrap();
        assert_eq!(row[7], Data::Float(4.0));
        assert_eq!(row[8], Data::Float(9.0));
        let f = formulas
            .get_value((i as u32, 6))
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            f,
            format!("IF(I{n}=0,\"\",H{n}/I{n}*1000)", n = i + 1),
            "{}",
            db.label
        );
        match &row[6] {
            Data::Float(x) => assert!((x - 4000.0 / 9.0).abs() < 1e-6),
            other => panic!("cached result {other:?}"),
        }
        // Plain values: no formulas at all.
        std::fs::write(&path, report_xlsx(&r, false).unwrap()).unwrap();
        let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
        let formulas = wb.worksheet_formula("指标").unwrap();
        assert!(formulas.rows().flatten().all(|f| f.is_empty()));

        // Publication: every count of this tiny county is below 10, so no birth
        // count and no birth rate may appear.
        let path = dir.path().join("pub.xlsx");
        std::fs::write(
            &path,
            publication_xlsx(&r, SuppressionOptions::default()).unwrap(),
        )
        .unwrap();
        let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
        let births = wb.worksheet_range("出生人数").unwrap();
        let cells: Vec<&Data> = births
            .rows()
            .skip(4)
            .flat_map(|r| r.iter().skip(2))
            .collect();
        assert!(!cells.is_empty());
        assert!(
            cells
                .iter()
                .all(|c| matches!(c, Data::String(s) if s == "<10" || s == "*")),
            "{cells:?}"
        );
        let rates = wb.worksheet_range("指标").unwrap();
        assert!(rates
            .rows()
            .skip(1)
            .all(|r| r[2] == Data::String("*".into())));
        // With a threshold of 1, zeros still count as small, but the single
        // births and the totals above them are published.
        let opts = SuppressionOptions {
            threshold: 1,
            zeros_are_safe: true,
        };
        std::fs::write(&path, publication_xlsx(&r, opts).unwrap()).unwrap();
        let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
        let births = wb.worksheet_range("出生人数").unwrap();
        let total = births.rows().next_back().unwrap();
        assert_eq!(total.last(), Some(&Data::Float(4.0)), "{}", db.label);
    }
}
