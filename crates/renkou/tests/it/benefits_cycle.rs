//! `renkou benefits cycle …` through the real binary, on SQLite and PostgreSQL: a
//! saved 育儿补贴 run approved through `roster`, the twins' account recorded with
//! `account add`, a cycle drafted (amounts worked out by hand), its files written
//! (bank CSV byte for byte, signature sheet xlsx and PDF), sent, the bank's results
//! imported twice (the second time nothing changes), closed; the ledger shows each
//! month paid once.

use renkou_domain::{Date, IdNumber};
use renkou_store::testing::databases;

use crate::common::{fails, ok};

const REGIONS: &str = "region_code,name,valid_from,valid_to,successor_code
349901000000,演示县,,,
349901101000,甲镇,,,
349901101201,一村,,,
349901101202,二村,,,
";

/// 育儿补贴 January-June 2025 (300 a month): the twins T1, T2 (born 2024-05-10)
/// 6 × 300 = 1800.00 each, paid into their mother's account: 3600.00; B1 (born
/// 2022-03-15, January and February, 600.00) has no account and is left out.
fn persons(mother_id: &str) -> String {
    format!(
        "person_id,name,sex,birth_date,id_number,household_id,region_code,marital_status,mother_id,father_id,residence,phone,death_date
M1,测试母,2,1994-03-10,{mother_id},H1,349901101201,20,,,resident,,
T1,测试甲,2,2024-05-10,,H1,349901101201,10,M1,,resident,,
T2,测试乙,1,2024-05-10,,H1,349901101201,10,M1,,resident,,
B1,测试丙,1,2022-03-15,,H2,349901101202,10,,,resident,,
"
    )
}

#[test]
fn a_payment_cycle_from_the_binary() {
    for db in databases() {
        let dir = tempfile::tempdir().unwrap();
        let url = &db.url;
        let l = db.label;
        let mother = IdNumber::compose(349901, Date::from_ymd_opt(1994, 3, 10).unwrap(), 12);
        let m = mother.as_str();
        ok(url, &["init"]);
        let r = dir.path().join("regions.csv");
        std::fs::write(&r, REGIONS).unwrap();
        ok(url, &["regions", "import", r.to_str().unwrap()]);
        let p = dir.path().join("persons.csv");
        std::fs::write(&p, persons(m)).unwrap();
        ok(url, &["import", "persons", p.to_str().unwrap()]);
        ok(
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
                "--save",
            ],
        );
        for step in [
            vec!["propose"],
            vec!["check"],
            vec!["notice", "--from", "2025-01-01"],
            vec!["approve"],
        ] {
            let mut args = vec!["benefits", "roster"];
            args.extend(step);
            args.extend(["--run", "1"]);
            ok(url, &args);
        }
        // No document, no account.
        let e = fails(
            url,
            &[
                "benefits",
                "account",
                "add",
                "--person",
                "T1",
                "--holder-name",
                "测试母",
                "--holder-id",
                m,
                "--account",
                "6217000000000001",
                "--bank",
                "测试农商银行",
                "--as-of",
                "2025-01-05",
                "--document",
                " ",
            ],
        );
        assert!(e.contains("证明文件"), "{l}: {e}");
        for k in ["T1", "T2"] {
            let out = ok(
                url,
                &[
                    "benefits",
                    "account",
                    "add",
                    "--person",
                    k,
                    "--holder-name",
                    "测试母",
                    "--holder-id",
                    m,
                    "--account",
                    "6217 0000 0000 0001",
                    "--bank",
                    "测试农商银行",
                    "--as-of",
                    "2025-01-05",
                    "--document",
                    "银行卡复印件 第001号",
                ],
            );
            assert!(out.contains("已登记银行账户"), "{l}: {out}");
        }
        let out = ok(
            url,
            &[
                "benefits",
                "cycle",
                "draft",
                "--program",
                "childcare",
                "--region",
                "349901",
                "--from",
                "2025-01",
                "--to",
                "2025-06",
            ],
        );
        assert!(
            out.contains("2 人 12 个月份，合计 3600.00 元；无银行账户 1 人"),
            "{l}: {out}"
        );
        assert!(out.contains("B1"), "{out}");
        let files = dir.path().join("files");
        let out = ok(
            url,
            &[
                "benefits",
                "cycle",
                "files",
                "--id",
                "1",
                "--out",
                files.to_str().unwrap(),
            ],
        );
        let csv = std::fs::read_dir(&files)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == "csv"))
            .unwrap();
        let text = std::fs::read_to_string(&csv).unwrap();
        assert_eq!(
            text,
            format!(
                "\u{feff}序号,户名,账号,身份证号码,金额\r\n1,测试母,6217000000000001,{m},1800.00\r\n2,测试母,6217000000000001,{m},1800.00\r\n合计,共2笔,,,3600.00\r\n"
            ),
            "{l}"
        );
        let sha = renkou_benefits::payments::sha256_hex(text.as_bytes());
        assert!(
            out.contains(&sha),
            "{l}: the hash printed is the file's: {out}"
        );
        let sign_pdf = files.join("发放批次1_兑现资金签字表.pdf");
        let sign_xlsx = files.join("发放批次1_兑现资金签字表.xlsx");
        assert!(std::fs::read(&sign_xlsx).unwrap().starts_with(b"PK"));
        assert!(
            std::fs::read(&sign_pdf).unwrap().starts_with(b"%PDF"),
            "{l}"
        );
        if let Ok(keep) = std::env::var("RENKOU_KEEP_SIGNATURE_SHEET") {
            let _ = std::fs::copy(&sign_pdf, format!("{keep}.pdf"));
            let _ = std::fs::copy(&sign_xlsx, format!("{keep}.xlsx"));
        }

        // Results before the batch was sent: refused.
        let results = dir.path().join("银行结果.csv");
        std::fs::write(
            &results,
            format!("序号,户名,账号,身份证号码,金额,结果,失败原因\n1,测试母,6217000000000001,{m},1800.00,成功,\n2,测试母,6217000000000001,{m},1800.00,失败,账户冻结\n"),
        )
        .unwrap();
        let e = fails(
            url,
            &[
                "benefits",
                "cycle",
                "import",
                "--id",
                "1",
                results.to_str().unwrap(),
            ],
        );
        assert!(e.contains("报送银行后才能导入结果"), "{l}: {e}");
        ok(url, &["benefits", "cycle", "send", "--id", "1"]);
        let out = ok(
            url,
            &[
                "benefits",
                "cycle",
                "import",
                "--id",
                "1",
                results.to_str().unwrap(),
            ],
        );
        assert!(
            out.contains("已发放 / paid: 1 行，1800.00 元"),
            "{l}: {out}"
        );
        assert!(out.contains("发放失败 / failed: 1 行，1800.00 元"), "{out}");
        assert!(
            out.contains("平衡") && out.contains("本次更新 2 行，6 个月份记为已发放"),
            "{out}"
        );
        let out = ok(
            url,
            &[
                "benefits",
                "cycle",
                "import",
                "--id",
                "1",
                results.to_str().unwrap(),
            ],
        );
        assert!(
            out.contains("本次更新 0 行，0 个月份记为已发放"),
            "{l}: {out}"
        );
        ok(url, &["benefits", "cycle", "close", "--id", "1"]);
        // T1's January-June paid by cycle 1; T2's failed, so free for the next.
        let t1 = ok(url, &["benefits", "ledger", "--person", "T1"]);
        assert_eq!(t1.matches("\"cycle-1\"").count(), 6, "{l}: {t1}");
        let t2 = ok(url, &["benefits", "ledger", "--person", "T2"]);
        assert_eq!(t2.matches("\"cycle-1\"").count(), 0, "{l}");
        let out = ok(
            url,
            &[
                "benefits",
                "cycle",
                "draft",
                "--program",
                "childcare",
                "--region",
                "349901",
                "--from",
                "2025-01",
                "--to",
                "2025-06",
            ],
        );
        assert!(out.contains("1 人 6 个月份，合计 1800.00 元"), "{l}: {out}");
    }
}
