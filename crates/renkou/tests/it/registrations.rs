//! `renkou registrations` and `renkou benefits employer` through the real binary,
//! on SQLite and PostgreSQL: numbers from the office's book (and a county's start
//! where its paper book stopped), a certificate's verification URL and QR code, the
//! public verification's answers for a genuine, an altered and a revoked code; and
//! the fifth seed document's entitlements for a staff member, by hand.

use renkou_store::testing::databases;
use std::path::Path;
use std::process::Command;

const REGIONS: &str = "region_code,name,valid_from,valid_to,successor_code
349901000000,演示县,,,
349901101000,甲镇,,,
349901101201,一村,,,
349901102000,乙乡,,,
349901102201,三村,,,
";

const PERSONS: &str = "person_id,name,sex,birth_date,id_number,household_id,region_code,marital_status,mother_id,father_id,residence,phone,death_date
M1,测试母,2,1994-03-10,,H1,349901101201,20,,,resident,,
F1,测试父,1,1992-01-01,,H1,349901101201,20,,,resident,,
C1,测试子,1,2019-05-01,,H1,349901101201,10,M1,F1,resident,,
C2,测试女,2,2024-02-10,,H1,349901101201,10,M1,F1,resident,,
S1,测试单,2,1996-08-08,,H2,349901102201,10,,,resident,,
";

/// `renkou --database DB ARGS…` with the test's own certificate key.
fn run(db: &str, key: &Path, args: &[&str]) -> (bool, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_renkou"))
        .arg("--database")
        .arg(db)
        .args(args)
        .env("RENKOU_LOG", "warn")
        .env("RENKOU_CERTIFICATE_KEY_FILE", key)
        .output()
        .expect("run renkou");
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn ok(db: &str, key: &Path, args: &[&str]) -> String {
    let (success, out, err) = run(db, key, args);
    assert!(success, "renkou {args:?} failed:\n{out}\n{err}");
    out
}

#[test]
fn registrations_and_certificates_from_the_binary() {
    for db in databases() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("certificates.key");
        let (url, l) = (&db.url, db.label);
        ok(url, &key, &["init"]);
        let r = dir.path().join("regions.csv");
        std::fs::write(&r, REGIONS).unwrap();
        ok(url, &key, &["regions", "import", r.to_str().unwrap()]);
        let p = dir.path().join("persons.csv");
        std::fs::write(&p, PERSONS).unwrap();
        ok(url, &key, &["import", "persons", p.to_str().unwrap()]);

        let couple = [
            "registrations",
            "birth",
            "add",
            "--applicant",
            "couple",
            "--mother",
            "M1",
            "--father",
            "F1",
            "--marriage",
            "married",
            "--residence",
            "349901101201",
            "--expected",
            "2025-10-01",
            "--on",
            "2025-03-01",
        ];
        // A third child: registered like any other.
        assert_eq!(ok(url, &key, &couple).trim(), "349901101-2025-00001", "{l}");
        assert_eq!(ok(url, &key, &couple).trim(), "349901101-2025-00002", "{l}");
        let single = [
            "registrations",
            "birth",
            "add",
            "--applicant",
            "single_mother",
            "--mother",
            "S1",
            "--residence",
            "349901102201",
            "--born",
            "2026-01-02",
            "--on",
            "2026-01-05",
        ];
        // 乙乡 continues its paper book of 2026 at 77.
        ok(
            url,
            &key,
            &[
                "registrations",
                "book",
                "start",
                "--office",
                "349901102000",
                "--year",
                "2026",
                "--first",
                "77",
            ],
        );
        assert_eq!(ok(url, &key, &single).trim(), "349901102-2026-00077", "{l}");
        let (success, _, err) = run(
            url,
            &key,
            &[
                "registrations",
                "book",
                "start",
                "--office",
                "349901102000",
                "--year",
                "2026",
                "--first",
                "1",
            ],
        );
        assert!(!success && err.contains("已有登记"), "{err}");
        let list: serde_json::Value = serde_json::from_str(&ok(
            url,
            &key,
            &["registrations", "birth", "list", "--region", "349901101"],
        ))
        .unwrap();
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), 2, "{l}");
        let kids: Vec<_> = list[0]["children_known"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["person_no"].as_str().unwrap())
            .collect();
        assert_eq!(kids, ["C1", "C2"]);

        // A certificate, its verification URL and QR code, and the verifications.
        let id = ok(
            url,
            &key,
            &[
                "registrations",
                "certificate",
                "add",
                "--number",
                "湘独 0001",
                "--issued-on",
                "2020-01-02",
                "--holder",
                "M1",
                "--holder2",
                "F1",
                "--child",
                "C1",
            ],
        );
        let id = id.trim();
        let svg = dir.path().join("qr.svg");
        let link = ok(
            url,
            &key,
            &[
                "registrations",
                "certificate",
                "code",
                "--id",
                id,
                "--base-url",
                "https://renkou.example.cn",
                "--svg",
                svg.to_str().unwrap(),
            ],
        );
        let link = link.trim();
        assert!(
            link.starts_with("https://renkou.example.cn/verify/"),
            "{link}"
        );
        assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));
        let verify = |code: &str| -> serde_json::Value {
            serde_json::from_str(&ok(
                url,
                &key,
                &["registrations", "certificate", "verify", code],
            ))
            .unwrap()
        };
        let v = verify(link);
        assert_eq!(v["outcome"], "valid", "{l}: {v}");
        assert_eq!(
            v["shown"]["holders"],
            serde_json::json!(["测试母", "测试父"])
        );
        assert_eq!(v["shown"]["child"], "测试子");
        let mut altered = link.to_string();
        let last = altered.pop().unwrap();
        altered.push(if last == '0' { '1' } else { '0' });
        let v = verify(&altered);
        assert_eq!(
            (v["outcome"].as_str(), v["shown"].is_null()),
            (Some("forged"), true),
            "{v}"
        );
        // Another key (a copy of the database elsewhere) does not accept the code.
        let other = dir.path().join("other.key");
        let (_, out, _) = run(
            url,
            &other,
            &["registrations", "certificate", "verify", link],
        );
        assert!(out.contains("\"forged\""), "{out}");
        ok(
            url,
            &key,
            &[
                "registrations",
                "certificate",
                "revoke",
                "--id",
                id,
                "--reason",
                "测试注销",
            ],
        );
        assert_eq!(verify(link)["outcome"], "revoked", "{l}");
    }
}

/// The fifth seed document for a staff member in 2024, by hand: a father whose
/// only child was born 2015-09-01 (under 14 all year), his wife with no income,
/// certificate issued 2015-10-08; invoices of 1200 and 1600 from a county hospital
/// and 300 from a clinic; not retired.
/// - 第三条 health fee: the other has no income → 10 a month × 12 = 120.00;
/// - 第四条 medical: one parent here → 1/8 of (1200 + 1600) = 350, capped at 250.00;
/// - no leave (no marriage or birth in 2024), no one-off reward (not the year of
///   the certificate), no pension supplement: 370.00 in all.
#[test]
fn an_employers_entitlements_for_a_staff_member_and_a_year() {
    let dir = tempfile::tempdir().unwrap();
    let staff = dir.path().join("staff.toml");
    std::fs::write(
        &staff,
        r#"person_id = "E-F-02"
sex = "男"
birth_date = "1986-04-04"
staff = true
first_marriage_on = "2013-05-01"
only_child_born = "2015-09-01"
[spouse]
birth_date = "1988-02-02"
employment = "no_income"
[certificate]
number = "湘光荣证（测试）0002"
issued_on = "2015-10-08"
[[invoices]]
date = "2024-02-01"
amount = "1200.00"
[[invoices]]
date = "2024-06-01"
amount = "1600.00"
[[invoices]]
date = "2024-07-01"
amount = "300.00"
county_level_or_above = false
"#,
    )
    .unwrap();
    let db = dir.path().join("unused.db");
    let key = dir.path().join("k.key");
    let json = ok(
        db.to_str().unwrap(),
        &key,
        &[
            "benefits",
            "employer",
            "--staff",
            staff.to_str().unwrap(),
            "--year",
            "2024",
            "--format",
            "json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let line = |label: &str| {
        v["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["label"] == label)
            .unwrap_or_else(|| panic!("{label}: {v}"))
            .clone()
    };
    let fee = line("独生子女保健费（每月）");
    assert_eq!(
        (fee["amount"].as_str(), fee["months"].as_u64()),
        (Some("120.00"), Some(12)),
        "{fee}"
    );
    assert_eq!(line("独生子女医药费报销")["amount"], "250.00");
    assert_eq!(v["total"], "370.00", "{v}");
    assert_eq!(v["leave_days"], 0);
    // The text form gives every line its reason and the document's point.
    let text = ok(
        db.to_str().unwrap(),
        &key,
        &[
            "benefits",
            "employer",
            "--staff",
            staff.to_str().unwrap(),
            "--year",
            "2024",
        ],
    );
    assert!(
        text.contains("第三条") && text.contains("合计：370.00元"),
        "{text}"
    );
}

/// The county's parameters from the binary, on both databases: C2 (born
/// 2024-02-10) is owed 12 × 300 = 3600.00 for 2025; after a raise to 4800 a year
/// from 2025-07-01 (version 2), 6 × 300 + 6 × 400 = 4200.00, and `list` shows both
/// versions.
#[test]
fn county_parameters_stored_in_the_database_from_the_binary() {
    for db in databases() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("certificates.key");
        let (url, l) = (&db.url, db.label);
        ok(url, &key, &["init"]);
        let r = dir.path().join("regions.csv");
        std::fs::write(&r, REGIONS).unwrap();
        ok(url, &key, &["regions", "import", r.to_str().unwrap()]);
        let p = dir.path().join("persons.csv");
        std::fs::write(&p, PERSONS).unwrap();
        ok(url, &key, &["import", "persons", p.to_str().unwrap()]);
        let amount = || -> String {
            let out = ok(
                url,
                &key,
                &[
                    "benefits",
                    "eligibility",
                    "--program",
                    "childcare",
                    "--region",
                    "349901101201",
                    "--year",
                    "2025",
                ],
            );
            let rows: serde_json::Value = serde_json::from_str(&out).unwrap();
            rows.as_array()
                .unwrap()
                .iter()
                .find(|r| r["person_id"] == "C2")
                .unwrap()["amount"]
                .as_str()
                .unwrap()
                .to_string()
        };
        assert_eq!(amount(), "3600.00", "{l}");
        let out = ok(
            url,
            &key,
            &[
                "benefits",
                "parameters",
                "change",
                "--key",
                "childcare.amount",
                "--from",
                "2025-07-01",
                "--value",
                "4800",
                "--reference",
                "县卫健〔2025〕12号",
            ],
        );
        assert!(out.contains("第 2 版"), "{out}");
        assert_eq!(amount(), "4200.00", "{l}");
        let list: serde_json::Value =
            serde_json::from_str(&ok(url, &key, &["benefits", "parameters", "list"])).unwrap();
        assert_eq!(list["version"], 2, "{l}");
        let (success, _, err) = run(
            url,
            &key,
            &[
                "benefits",
                "parameters",
                "change",
                "--key",
                "no.such",
                "--from",
                "2025-07-01",
                "--value",
                "1",
                "--reference",
                "x",
            ],
        );
        assert!(!success && err.contains("no.such"), "{err}");
    }
}
