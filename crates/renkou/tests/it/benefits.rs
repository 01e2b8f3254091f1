//! `renkou benefits` through the real binary, on SQLite and PostgreSQL: the
//! eligibility JSON compared with amounts worked out by hand, CSV and xlsx, attested
//! facts changing a reward-assistance result, a saved run's month ledger paid once.

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

/// 育儿补贴 2025 (3600 a year, 300 a month; the birth month counts, the month of
/// the third birthday does not):
/// - T1, T2: twins born 2024-05-10, under 3 all year: 12 months, 3600.00 each;
/// - B1: born 2022-03-15, 3 in March: January and February, 600.00;
/// - B2: born 2022-01-01, 3 in January, which does not count: 0 months, 0.00;
/// - OLD: born 2021-12-31, 3 before the program began: not considered;
/// - N1: born 2025-12-01 in 二村: December, 300.00;
/// - D1: born 2024-06-01, died 2025-04-10: January-April, 1200.00.
///
/// 奖励扶助 2025 (960 a year): RH (62) and RW (61) in 二村 with one living daughter
/// RC, 960.00 each once rural registration and no out-of-policy birth are attested.
const PERSONS: &str = "person_id,name,sex,birth_date,id_number,household_id,region_code,marital_status,mother_id,father_id,residence,phone,death_date
M1,测试母,2,1994-03-10,,H1,349901101201,20,,,resident,,
T1,测试甲,2,2024-05-10,,H1,349901101201,10,M1,,resident,,
T2,测试乙,1,2024-05-10,,H1,349901101201,10,M1,,resident,,
B1,测试丙,1,2022-03-15,,H1,349901101201,10,,,resident,,
B2,测试丁,2,2022-01-01,,H1,349901101201,10,,,resident,,
OLD,测试戊,2,2021-12-31,,H1,349901101201,10,,,resident,,
D1,测试己,2,2024-06-01,,H1,349901101201,10,,,resident,,2025-04-10
N1,测试庚,1,2025-12-01,,H2,349901101202,10,,,resident,,
RH,测试辛,1,1963-03-10,,H2,349901101202,20,,,resident,,
RW,测试壬,2,1964-07-01,,H2,349901101202,20,,,resident,,
RC,测试癸,2,1990-05-05,,H2,349901101202,20,RW,RH,resident,,
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

fn eligibility(db: &str, program: &str, region: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "benefits",
        "eligibility",
        "--program",
        program,
        "--region",
        region,
        "--year",
        "2025",
    ];
    args.extend_from_slice(extra);
    ok(db, &args)
}

fn rows(json: &str) -> Vec<serde_json::Value> {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"))
}

#[test]
fn benefits_eligibility_json_csv_xlsx_facts_and_ledger_from_the_binary() {
    for db in databases() {
        let dir = tempfile::tempdir().unwrap();
        let url = &db.url;
        let l = db.label;
        setup(url, dir.path());

        let json = eligibility(url, "childcare", "349901", &[]);
        let got = rows(&json);
        let keys = [
            "person_id",
            "program",
            "year",
            "eligible",
            "months",
            "amount",
            "reason",
        ];
        for r in &got {
            let mut k: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
            k.sort();
            let mut want = keys.to_vec();
            want.sort();
            assert_eq!(k, want, "{l}");
            assert_eq!(r["program"], "childcare");
            assert_eq!(r["year"], 2025);
        }
        let table: Vec<(&str, bool, u64, &str)> = got
            .iter()
            .map(|r| {
                (
                    r["person_id"].as_str().unwrap(),
                    r["eligible"].as_bool().unwrap(),
                    r["months"].as_u64().unwrap(),
                    r["amount"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            table,
            vec![
                ("B1", true, 2, "600.00"),
                ("B2", false, 0, "0.00"),
                ("D1", true, 4, "1200.00"),
                ("N1", true, 1, "300.00"),
                ("T1", true, 12, "3600.00"),
                ("T2", true, 12, "3600.00"),
            ],
            "{l}"
        );
        let reason = |id: &str| {
            got.iter().find(|r| r["person_id"] == id).unwrap()["reason"]
                .as_str()
                .unwrap()
                .to_string()
        };
        assert!(reason("D1").contains("2025-04-10死亡"), "{}", reason("D1"));
        assert!(reason("B2").contains("满龄"), "{}", reason("B2"));
        assert!(
            reason("T1").contains("2025-01至2025-12共12个月"),
            "{}",
            reason("T1")
        );

        // A village: only its own children; a township without small children: [].
        let v2 = rows(&eligibility(url, "childcare", "349901101202", &[]));
        assert_eq!(v2.len(), 1, "{l}");
        assert_eq!(
            (v2[0]["person_id"].as_str(), v2[0]["amount"].as_str()),
            (Some("N1"), Some("300.00"))
        );
        assert!(
            rows(&eligibility(url, "childcare", "349901102", &[])).is_empty(),
            "{l}"
        );

        // CSV to stdout and to a file; xlsx to a file.
        let csv = eligibility(url, "childcare", "349901", &["--format", "csv"]);
        assert!(csv.starts_with('\u{feff}'), "{l}");
        let mut lines = csv.trim_start_matches('\u{feff}').lines();
        assert_eq!(lines.next().unwrap(), keys.join(","));
        assert!(
            lines
                .next()
                .unwrap()
                .starts_with("B1,childcare,2025,true,2,600.00,"),
            "{csv}"
        );
        assert_eq!(csv.lines().count(), 1 + 6);
        let f = dir.path().join("e.csv");
        eligibility(
            url,
            "childcare",
            "349901",
            &["--format", "csv", "--out", f.to_str().unwrap()],
        );
        let file = std::fs::read_to_string(&f).unwrap();
        assert!(file.starts_with('\u{feff}'));
        assert!(
            file.contains("T2,childcare,2025,true,12,3600.00,"),
            "{file}"
        );
        let x = dir.path().join("e.xlsx");
        eligibility(
            url,
            "childcare",
            "349901",
            &["--format", "xlsx", "--out", x.to_str().unwrap()],
        );
        let bytes = std::fs::read(&x).unwrap();
        assert!(bytes.starts_with(b"PK") && bytes.len() > 1000, "{l}");
        let err = fails(
            url,
            &[
                "benefits",
                "eligibility",
                "--program",
                "childcare",
                "--region",
                "349901",
                "--year",
                "2025",
                "--format",
                "xlsx",
            ],
        );
        assert!(err.contains("--out"), "{err}");
        let err = fails(
            url,
            &[
                "benefits",
                "eligibility",
                "--program",
                "pension",
                "--region",
                "349901",
                "--year",
                "2025",
            ],
        );
        assert!(err.contains("--program"), "{err}");

        // 奖励扶助: without the attested facts, what is missing; with them, 960.00 each.
        let before = rows(&eligibility(url, "reward", "349901101202", &[]));
        let rh = before.iter().find(|r| r["person_id"] == "RH").unwrap();
        assert_eq!(rh["eligible"], false, "{l}");
        assert!(
            rh["reason"].as_str().unwrap().contains("农业户口证明"),
            "{rh}"
        );
        for (person, kind, value) in [
            ("RH", "household_registration", "农业"),
            ("RW", "household_registration", "agricultural"),
            ("RH", "no_out_of_policy_birth", "yes"),
        ] {
            ok(
                url,
                &[
                    "benefits",
                    "fact",
                    "add",
                    "--person",
                    person,
                    "--kind",
                    kind,
                    "--value",
                    value,
                    "--as-of",
                    "2004-01-01",
                    "--document",
                    "户口簿（测试）第0002号",
                ],
            );
        }
        let listed: Vec<serde_json::Value> =
            serde_json::from_str(&ok(url, &["benefits", "fact", "list", "--person", "RH"]))
                .unwrap();
        assert_eq!(listed.len(), 2, "{l}");
        let after = rows(&eligibility(url, "reward", "349901101202", &[]));
        for who in ["RH", "RW"] {
            let r = after.iter().find(|r| r["person_id"] == who).unwrap();
            assert_eq!(
                (
                    r["eligible"].as_bool(),
                    r["months"].as_u64(),
                    r["amount"].as_str()
                ),
                (Some(true), Some(12), Some("960.00")),
                "{l}: {r}"
            );
        }
        let err = fails(
            url,
            &[
                "benefits",
                "fact",
                "add",
                "--person",
                "RW",
                "--kind",
                "disability",
                "--value",
                "9",
                "--as-of",
                "2020-01-01",
                "--document",
                "x",
            ],
        );
        assert!(err.contains("残疾等级"), "{err}");

        // A saved run takes its slots into the ledger; a slot is paid once.
        eligibility(url, "childcare", "349901", &["--save"]);
        let ledger: Vec<serde_json::Value> =
            serde_json::from_str(&ok(url, &["benefits", "ledger", "--person", "D1"])).unwrap();
        assert_eq!(ledger.len(), 4, "{l}");
        assert_eq!(ledger[0]["due_amount"], "300.00");
        let paid = ok(
            url,
            &[
                "benefits",
                "pay",
                "--person",
                "D1",
                "--program",
                "childcare",
                "--month",
                "2025-02",
                "--batch",
                "2025-02",
            ],
        );
        assert!(paid.contains("300.00"), "{paid}");
        let err = fails(
            url,
            &[
                "benefits",
                "pay",
                "--person",
                "D1",
                "--program",
                "childcare",
                "--month",
                "2025-02",
                "--batch",
                "again",
            ],
        );
        assert!(err.contains("已发放"), "{err}");
        let err = fails(
            url,
            &[
                "benefits",
                "pay",
                "--person",
                "D1",
                "--program",
                "childcare",
                "--month",
                "2025-05",
                "--batch",
                "x",
            ],
        );
        assert!(err.contains("不在应发之列"), "{err}");

        // The saved run's roster: the five eligible are proposed, then checked.
        let out = ok(url, &["benefits", "roster", "propose", "--run", "1"]);
        assert!(out.contains("已处理 5 条"), "{l}: {out}");
        ok(url, &["benefits", "roster", "check", "--run", "1"]);
        let shown: Vec<serde_json::Value> =
            serde_json::from_str(&ok(url, &["benefits", "roster", "show", "--run", "1"])).unwrap();
        assert_eq!(shown.len(), 5, "{l}");
        assert!(shown.iter().all(|r| r["state"] == "checked"), "{l}");
        // Objections only during the notice.
        let err = fails(
            url,
            &[
                "benefits", "roster", "object", "--run", "1", "--person", "T1", "--text", "x",
            ],
        );
        assert!(err.contains("公示"), "{err}");
    }
}
