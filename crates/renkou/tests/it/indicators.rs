//! `renkou indicators` through the real binary, on SQLite and PostgreSQL: the JSON
//! shape and keys, null for a zero denominator, prefixes, CSV and xlsx files, and
//! one-line errors.

use renkou_store::testing::databases;
use std::path::Path;

use crate::common::{fails, ok};

const REGIONS: &str = "region_code,name,valid_from,valid_to,successor_code
349901000000,演示县,,,
349901101000,甲镇,,,
349901101201,一村,,,
349901101202,二村,,,
349901102000,乙乡,,,
349901102201,三村,,,
";

/// 2024: P = M1, C1, C2 (一村), X1 (三村) = 4; births C2 (一村, girl, order 2, mother
/// 29) and C3 (二村, boy, no mother); no woman 25-29, so asfr_25_29 is 1/0 = null;
/// 乙乡 has no births, so its SRB is null.
const PERSONS: &str = "person_id,name,sex,birth_date,id_number,household_id,region_code,marital_status,mother_id,father_id,residence,phone,death_date
M1,测试母,2,1994-03-10,,H1,349901101201,20,,,resident,,
C1,测试子,1,2019-05-01,,H1,349901101201,10,M1,,resident,,
C2,测试女,2,2024-02-10,,H1,349901101201,10,M1,,resident,,
C3,测试儿,1,2024-09-09,,H2,349901101202,10,,,outflow,,
X1,测试翁,1,1950-01-01,,H3,349901102201,20,,,resident,,
";

fn setup(db: &str, dir: &Path) {
    ok(db, &["init"]);
    let r = dir.join("regions.csv");
    std::fs::write(&r, REGIONS).unwrap();
    ok(db, &["regions", "import", r.to_str().unwrap()]);
    let p = dir.join("persons.csv");
    std::fs::write(&p, PERSONS).unwrap();
    ok(db, &["import", "persons", p.to_str().unwrap()]);
}

fn find<'a>(rows: &'a [serde_json::Value], region: &str, ind: &str) -> &'a serde_json::Value {
    rows.iter()
        .find(|r| r["region_code"] == region && r["indicator"] == ind)
        .unwrap_or_else(|| panic!("no row {region} {ind}"))
}

#[test]
fn indicators_json_csv_and_xlsx_from_the_binary() {
    for db in databases() {
        let dir = tempfile::tempdir().unwrap();
        let url = &db.url;
        setup(url, dir.path());
        let l = db.label;

        let json = ok(
            url,
            &[
                "indicators",
                "--region",
                "349901",
                "--year",
                "2024",
                "--format",
                "json",
            ],
        );
        let rows: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
        // The county and its two townships (the default level), 22 indicators each.
        assert_eq!(rows.len(), 3 * 22, "{l}");
        let keys = [
            "region_code",
            "region_name",
            "level",
            "period",
            "indicator",
            "value",
            "numerator",
            "denominator",
            "unit",
        ];
        for r in &rows {
            let o = r.as_object().unwrap();
            let mut got: Vec<&str> = o.keys().map(String::as_str).collect();
            let mut want = keys.to_vec();
            got.sort();
            want.sort();
            assert_eq!(got, want, "{l}");
            assert_eq!(r["period"], "2024");
            assert_eq!(r["region_code"].as_str().unwrap().len(), 12);
        }
        let county = find(&rows, "349901000000", "population_midyear");
        assert_eq!(county["region_name"], "演示县");
        assert_eq!(county["level"], "county");
        assert_eq!(county["value"], 4.0, "{l}");
        assert_eq!(county["unit"], "persons");
        assert_eq!(find(&rows, "349901000000", "births")["value"], 2.0);
        assert_eq!(find(&rows, "349901101000", "births")["level"], "township");
        // Zero denominators are JSON null, never 0.
        let asfr = find(&rows, "349901000000", "asfr_25_29");
        assert!(asfr["value"].is_null(), "{l}: {asfr}");
        assert_eq!(asfr["numerator"], 1);
        assert_eq!(asfr["denominator"], 0);
        let srb = find(&rows, "349901102000", "srb");
        assert!(
            srb["value"].is_null() && srb["denominator"] == 0,
            "{l}: {srb}"
        );
        assert!(find(&rows, "349901000000", "births")["denominator"].is_null());
        let cbr = find(&rows, "349901000000", "cbr")["value"]
            .as_f64()
            .unwrap();
        assert!((cbr - 500.0).abs() < 1e-9);

        // A 6-digit prefix is the county's 12-digit code.
        let full = ok(
            url,
            &["indicators", "--region", "349901000000", "--year", "2024"],
        );
        assert_eq!(json, full, "{l}");
        // A 9-digit prefix is a township: itself and its villages.
        let town = ok(
            url,
            &["indicators", "--region", "349901101", "--year", "2024"],
        );
        let town: Vec<serde_json::Value> = serde_json::from_str(&town).unwrap();
        assert_eq!(town.len(), 3 * 22);
        assert_eq!(find(&town, "349901101201", "births")["value"], 1.0);
        let villages = ok(
            url,
            &[
                "indicators",
                "--region",
                "349901",
                "--year",
                "2024",
                "--level",
                "village",
            ],
        );
        let villages: Vec<serde_json::Value> = serde_json::from_str(&villages).unwrap();
        assert_eq!(villages.len(), 4 * 22, "{l}: the county and its 3 villages");

        // CSV to stdout: BOM, the JSON keys as headers, null as an empty cell.
        let csv = ok(
            url,
            &[
                "indicators",
                "--region",
                "349901",
                "--year",
                "2024",
                "--format",
                "csv",
            ],
        );
        assert!(csv.starts_with('\u{feff}'), "{l}");
        let mut lines = csv.trim_start_matches('\u{feff}').lines();
        assert_eq!(lines.next().unwrap(), keys.join(","));
        assert!(
            csv.contains("349901000000,演示县,county,2024,asfr_25_29,,1,0,‰"),
            "{csv}"
        );
        assert_eq!(csv.lines().count(), 1 + 3 * 22);
        // CSV and xlsx to files.
        let f = dir.path().join("ind.csv");
        ok(
            url,
            &[
                "indicators",
                "--region",
                "349901",
                "--year",
                "2024",
                "--format",
                "csv",
                "--out",
                f.to_str().unwrap(),
            ],
        );
        assert_eq!(std::fs::read_to_string(&f).unwrap(), csv);
        let x = dir.path().join("ind.xlsx");
        ok(
            url,
            &[
                "indicators",
                "--region",
                "349901",
                "--year",
                "2024",
                "--format",
                "xlsx",
                "--out",
                x.to_str().unwrap(),
            ],
        );
        assert!(std::fs::metadata(&x).unwrap().len() > 1000);
        // A quarter and a custom range.
        let q = ok(
            url,
            &[
                "indicators",
                "--region",
                "349901",
                "--year",
                "2024",
                "--quarter",
                "1",
            ],
        );
        let q: Vec<serde_json::Value> = serde_json::from_str(&q).unwrap();
        assert_eq!(q[0]["period"], "2024Q1");
        assert_eq!(find(&q, "349901000000", "births")["value"], 1.0);
        let h = ok(
            url,
            &[
                "indicators",
                "--region",
                "349901",
                "--from",
                "2024-01-01",
                "--to",
                "2024-06-30",
            ],
        );
        let h: Vec<serde_json::Value> = serde_json::from_str(&h).unwrap();
        assert_eq!(h[0]["period"], "2024-01-01..2024-06-30");

        // Clear errors.
        let e = fails(url, &["indicators", "--region", "349909", "--year", "2024"]);
        assert!(
            e.contains("349909000000") && e.trim().lines().count() == 1,
            "{l}: {e}"
        );
        let e = fails(
            url,
            &[
                "indicators",
                "--region",
                "349901",
                "--year",
                "2024",
                "--level",
                "hamlet",
            ],
        );
        assert!(e.contains("hamlet") && e.trim().lines().count() == 1, "{e}");
        let e = fails(
            url,
            &[
                "indicators",
                "--region",
                "349901",
                "--year",
                "2024",
                "--format",
                "pdf",
            ],
        );
        assert!(e.contains("pdf") && e.trim().lines().count() == 1, "{e}");
        let e = fails(url, &["indicators", "--region", "34990", "--year", "2024"]);
        assert!(e.contains("--region"), "{e}");
        let e = fails(url, &["indicators", "--region", "349901"]);
        assert!(e.contains("--year"), "{e}");
    }
}
