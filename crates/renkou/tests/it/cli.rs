//! The real binary, end to end, on SQLite and PostgreSQL: what a user types and what
//! they get back. All CLI tests live in this one test binary (link time).

use renkou_domain::{Date, IdNumber};
use renkou_store::testing::{databases, TestDb};
use renkou_store::Store;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{fails, ok};

fn id(y: i32, m: u32, d: u32, seq: u16) -> String {
    IdNumber::compose(349901, Date::from_ymd_opt(y, m, d).unwrap(), seq).to_string()
}

const REGIONS: &str = "region_code,name,valid_from,valid_to,successor_code
349901000000,演示县,,,
349901101000,甲镇,,,
349901101201,一村,,,
349901101202,二村,,2021-01-01,349901101201
349901102000,乙乡,,,
349901102201,三村,,,
";

fn persons_csv() -> String {
    format!(
        "person_id,name,sex,birth_date,id_number,household_id,region_code,marital_status,mother_id,father_id,residence,phone,death_date
P1,测试母,2,1990-02-28,{},H1,349901101201,21,,P2,resident,,
P2,测试父,1,1988-05-05,{},H1,349901101201,21,,,outflow,19900000001,
P3,测试子,1,2015-06-01,,H1,349901101201,10,P1,P2,resident,,
P4,测试女,2,2018-03-03,,H1,349901101201,10,P1,P2,resident,,
P5,测试翁,1,1940-01-01,{},H2,349901102201,30,,,resident,,2024-02-29
",
        id(1990, 2, 28, 2),
        id(1988, 5, 5, 11),
        id(1940, 1, 1, 31)
    )
}

fn setup(db: &TestDb, dir: &Path) {
    ok(&db.url, &["init"]);
    let regions = dir.join("regions.csv");
    std::fs::write(&regions, REGIONS).unwrap();
    let out = ok(&db.url, &["regions", "import", regions.to_str().unwrap()]);
    assert!(out.contains("新增 6"), "{out}");
}

fn store(db: &TestDb) -> Store {
    Store::open(&db.url).unwrap()
}

#[test]
fn import_reimport_correct_and_export_round_trip() {
    for db in databases() {
        let dir = tempfile::tempdir().unwrap();
        setup(&db, dir.path());
        let p = dir.path().join("persons.csv");
        std::fs::write(&p, persons_csv()).unwrap();
        let out = ok(&db.url, &["import", "persons", p.to_str().unwrap()]);
        assert!(out.contains("新增 5"), "{}: {out}", db.label);
        let before = store(&db).counts().unwrap();
        assert_eq!(
            (before.persons, before.households, before.events),
            (5, 2, 5)
        );

        // The same file again changes nothing.
        let out = ok(&db.url, &["import", "persons", p.to_str().unwrap()]);
        assert!(out.contains("未变 5"), "{out}");
        let again = store(&db).counts().unwrap();
        assert_eq!((again.persons, again.events, again.households), (5, 5, 2));

        // Export CSV and xlsx, both read back as the same register.
        let csv = dir.path().join("out.csv");
        let xlsx = dir.path().join("out.xlsx");
        ok(
            &db.url,
            &[
                "export",
                "persons",
                "--region",
                "349901",
                "--format",
                "csv",
                "--out",
                csv.to_str().unwrap(),
            ],
        );
        ok(
            &db.url,
            &[
                "export",
                "persons",
                "--region",
                "349901",
                "--format",
                "xlsx",
                "--out",
                xlsx.to_str().unwrap(),
                "--zh-headers",
            ],
        );
        for f in [&csv, &xlsx] {
            let out = ok(&db.url, &["import", "persons", f.to_str().unwrap()]);
            assert!(
                out.contains("未变 5") && out.contains("新增 0"),
                "{}: {out}",
                f.display()
            );
        }
        let exported = std::fs::read_to_string(&csv).unwrap();
        assert_eq!(exported.lines().count(), 6);
        assert!(exported.contains("P5,测试翁,1,1940-01-01"));
        // A region prefix exports only its villages.
        let town = dir.path().join("town.csv");
        ok(
            &db.url,
            &[
                "export",
                "persons",
                "--region",
                "349901102",
                "--out",
                town.to_str().unwrap(),
            ],
        );
        assert_eq!(std::fs::read_to_string(&town).unwrap().lines().count(), 2);

        // A GBK ledger with Chinese headers correcting two fields of one person.
        let changed = persons_csv()
            .replace("P3,测试子,1,2015-06-01", "P3,测试儿,1,2015-06-02")
            .replacen(
                "person_id,name,sex,birth_date,id_number,household_id,region_code,marital_status,mother_id,father_id,residence,phone,death_date",
                "人员编号,姓名,性别,出生日期,公民身份号码,户编号,区划代码,婚姻状况,母亲编号,父亲编号,居住状态,联系电话,死亡日期",
                1,
            );
        let (gbk, _, _) = encoding_rs::GBK.encode(&changed);
        let g = dir.path().join("ledger-gbk.csv");
        std::fs::write(&g, &gbk).unwrap();
        let out = ok(&db.url, &["import", "persons", g.to_str().unwrap()]);
        assert!(out.contains("更正 1") && out.contains("事件 2"), "{out}");
        let s = store(&db);
        assert_eq!(s.counts().unwrap().persons, 5);
        let p3 = s.person("P3").unwrap().unwrap();
        assert_eq!(p3.name, "测试儿");
        assert_eq!(s.person_events("P3").unwrap().len(), 3);
        let out = ok(&db.url, &["verify"]);
        assert!(out.contains("5"), "{out}");
    }
}

#[test]
fn invalid_rows_are_all_reported_and_nothing_is_written() {
    for db in databases() {
        let dir = tempfile::tempdir().unwrap();
        setup(&db, dir.path());
        let mut bad_id = id(1990, 2, 28, 2);
        let last = bad_id.pop().unwrap();
        bad_id.push(if last == '1' { '2' } else { '1' });
        let text = format!(
            "person_id,name,sex,birth_date,id_number,household_id,region_code,mother_id
P1,测试甲,2,1990-02-28,{bad_id},H1,349901101201,
P2,测试乙,1,1990-13-01,,H1,349901101201,
P3,测试丙,1,2000-01-01,,H1,349901999201,
P4,测试丁,1,2010-01-01,,H1,349901101201,NOBODY
P4,测试戊,1,2010-01-01,,H1,349901101201,
P6,,1,2010-01-01,,H1,349901101201,
P7,测试庚,1,2010-01-01,,H1,349901101201,
"
        );
        let f = dir.path().join("bad.csv");
        std::fs::write(&f, text).unwrap();
        let err = fails(&db.url, &["import", "persons", f.to_str().unwrap()]);
        let file = f.display().to_string();
        for (row, col, words) in [
            (2, "id_number", "校验位"),
            (3, "birth_date", "日期无法识别"),
            (4, "region_code", "不在区划表"),
            (5, "mother_id", "找不到"),
            (6, "person_id", "重复"),
            (7, "name", "不能为空"),
        ] {
            let prefix = format!("{file}:{row}:{col}: ");
            let line = err
                .lines()
                .find(|l| l.starts_with(&prefix))
                .unwrap_or_else(|| panic!("{}: no {prefix} in\n{err}", db.label));
            assert!(line.contains(words), "{line}");
        }
        assert!(!err.contains(&format!("{file}:8:")), "row 8 is fine");
        assert!(err.contains("未导入任何数据"), "{err}");
        let c = store(&db).counts().unwrap();
        assert_eq!(
            (c.persons, c.events, c.households),
            (0, 0, 0),
            "{}",
            db.label
        );

        // --skip-invalid loads the good row and writes the others beside the input.
        let out = ok(
            &db.url,
            &["import", "persons", "--skip-invalid", f.to_str().unwrap()],
        );
        assert!(out.contains("跳过 6 行"), "{out}");
        // Only P7 is good: the second P4 duplicates a row, even one that was rejected.
        assert_eq!(store(&db).counts().unwrap().persons, 1, "{}", db.label);
        assert!(store(&db).person("P7").unwrap().is_some());
        let rejected = std::fs::read_to_string(dir.path().join("bad.rejected.csv")).unwrap();
        assert!(rejected.lines().next().unwrap().ends_with("原因/reason"));
        assert_eq!(rejected.lines().count(), 7);
        assert!(rejected.contains("NOBODY"));
    }
}

#[test]
fn suspicious_facts_load_and_go_on_the_quality_list() {
    for db in databases() {
        let dir = tempfile::tempdir().unwrap();
        setup(&db, dir.path());
        let text = format!(
            "person_id,name,sex,birth_date,id_number,household_id,region_code,mother_id
M1,测试母,2,2000-01-01,{},H1,349901101201,
C1,测试子,1,2013-06-01,,H1,349901101201,M1
",
            // The ID number says 2000-01-05 and male.
            id(2000, 1, 5, 11)
        );
        let f = dir.path().join("odd.csv");
        std::fs::write(&f, text).unwrap();
        let out = ok(&db.url, &["import", "persons", f.to_str().unwrap()]);
        assert!(out.contains("待核质量问题 3"), "{}: {out}", db.label);
        let q = ok(&db.url, &["quality", "--region", "349901101201"]);
        assert!(q.contains("M1\tid_birth_date_mismatch"), "{q}");
        assert!(q.contains("M1\tid_sex_mismatch"), "{q}");
        assert!(q.contains("C1\tmother_too_young"), "{q}");
        assert!(q.contains("13岁"), "{q}");
    }
}

#[test]
fn unreadable_files_fail_with_one_line_and_write_nothing() {
    for db in databases() {
        let dir = tempfile::tempdir().unwrap();
        setup(&db, dir.path());
        let files: Vec<(PathBuf, &[u8])> = vec![
            (dir.path().join("empty.csv"), b""),
            (
                dir.path().join("binary.csv"),
                b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00",
            ),
            (
                dir.path().join("garbled.csv"),
                &[0xFF, 0xFE, 0xFD, b',', 0x81, 0x20, b'\n', 0xFF, 0xFF],
            ),
            (dir.path().join("noheader.csv"), b"1,2,3\n4,5,6\n"),
        ];
        for (f, bytes) in &files {
            std::fs::write(f, bytes).unwrap();
            for kind in ["persons", "births"] {
                let mut args = vec!["import", kind, f.to_str().unwrap()];
                if kind == "births" {
                    args.extend(["--source", "医院"]);
                }
                let err = fails(&db.url, &args);
                assert_eq!(err.trim().lines().count(), 1, "{}: {err}", f.display());
                assert!(err.contains(&f.display().to_string()), "{err}");
            }
        }
        let missing = fails(&db.url, &["import", "persons", "/nonexistent/persons.csv"]);
        assert!(missing.contains("无法读取"), "{missing}");
        let c = store(&db).counts().unwrap();
        assert_eq!((c.persons, c.source_births), (0, 0));
    }
}

#[test]
fn births_from_a_source_with_revisions() {
    for db in databases() {
        let dir = tempfile::tempdir().unwrap();
        setup(&db, dir.path());
        let text = format!(
            "记录编号,婴儿姓名,婴儿性别,出生日期,孩次,母亲姓名,母亲身份号码,区划代码,出生地点,床号
B1,,1,2024-03-01,2,测试母,{},349901101201,县医院,12
B2,测试婴,2,2024/3/2,1,测试妈,,349901102201,home,
",
            id(1990, 2, 28, 2)
        );
        let f = dir.path().join("hospital.csv");
        std::fs::write(&f, &text).unwrap();
        let err = fails(
            &db.url,
            &["import", "births", f.to_str().unwrap(), "--source", " "],
        );
        assert!(err.contains("--source"), "{err}");
        let out = ok(
            &db.url,
            &[
                "import",
                "births",
                f.to_str().unwrap(),
                "--source",
                "县医院",
            ],
        );
        assert!(
            out.contains("新增 2") && out.contains("床号"),
            "{}: {out}",
            db.label
        );
        let out = ok(
            &db.url,
            &[
                "import",
                "births",
                f.to_str().unwrap(),
                "--source",
                "县医院",
            ],
        );
        assert!(out.contains("未变 2"), "{out}");
        std::fs::write(&f, text.replace("2024-03-01,2,", "2024-03-01,1,")).unwrap();
        let out = ok(
            &db.url,
            &[
                "import",
                "births",
                f.to_str().unwrap(),
                "--source",
                "县医院",
            ],
        );
        assert!(out.contains("更正 1"), "{out}");
        let births = store(&db).source_births("县医院").unwrap();
        assert_eq!(births.len(), 2);
        assert_eq!(births[0].reported_birth_order, Some(1));
        // The register itself is untouched by source records.
        assert_eq!(store(&db).counts().unwrap().persons, 0);
    }
}

#[test]
fn demo_county_is_deterministic_and_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let files = |seed: &str, name: &str| {
        let out = dir.path().join(name);
        ok(
            "unused.db",
            &[
                "demo",
                "--persons",
                "3000",
                "--seed",
                seed,
                "--out",
                out.to_str().unwrap(),
                "--files-only",
            ],
        );
        std::fs::read(out.join("persons.csv")).unwrap()
    };
    let a = files("5", "a");
    let b = files("5", "b");
    let c = files("6", "c");
    assert_eq!(a, b, "same seed, same county");
    assert_ne!(a, c, "another seed, another county");
    for db in databases() {
        let out = ok(&db.url, &["demo", "--persons", "3000", "--seed", "5"]);
        assert!(out.contains("3000 人"), "{}: {out}", db.label);
        ok(&db.url, &["verify"]);
        let exported = dir.path().join(format!("{}-export.csv", db.label));
        ok(
            &db.url,
            &[
                "export",
                "persons",
                "--region",
                "349901",
                "--out",
                exported.to_str().unwrap(),
            ],
        );
        // Export of the loaded demo equals the generated file, row for row.
        let mut want: Vec<String> = String::from_utf8(a.clone())
            .unwrap()
            .lines()
            .map(String::from)
            .collect();
        let mut got: Vec<String> = std::fs::read_to_string(&exported)
            .unwrap()
            .lines()
            .map(String::from)
            .collect();
        want.sort();
        got.sort();
        assert_eq!(got, want, "{}", db.label);
    }
}

#[test]
fn a_killed_import_leaves_the_database_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("big");
    ok(
        "unused.db",
        &[
            "demo",
            "--persons",
            "150000",
            "--seed",
            "9",
            "--out",
            data.to_str().unwrap(),
            "--files-only",
        ],
    );
    let persons = data.join("persons.csv");
    for db in databases() {
        setup(&db, dir.path());
        ok(
            &db.url,
            &[
                "regions",
                "import",
                data.join("regions.csv").to_str().unwrap(),
            ],
        );
        let small = dir.path().join("small.csv");
        std::fs::write(&small, persons_csv()).unwrap();
        ok(&db.url, &["import", "persons", small.to_str().unwrap()]);
        let before = store(&db).counts().unwrap();

        let mut child = Command::new(env!("CARGO_BIN_EXE_renkou"))
            .args([
                "--database",
                &db.url,
                "import",
                "persons",
                persons.to_str().unwrap(),
            ])
            .env("RENKOU_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1500));
        assert!(
            child.try_wait().unwrap().is_none(),
            "{}: import finished before the kill; use a bigger file",
            db.label
        );
        // SIGKILL: no destructor, no rollback of our own: the database must cope.
        child.kill().unwrap();
        child.wait().unwrap();

        let after = store(&db).counts().unwrap();
        assert_eq!(before, after, "{}", db.label);
        ok(&db.url, &["verify"]);
        // And the register still takes writes.
        std::fs::write(&small, persons_csv().replace("测试翁", "测试公")).unwrap();
        let out = ok(&db.url, &["import", "persons", small.to_str().unwrap()]);
        assert!(out.contains("更正 1"), "{out}");
    }
}

#[test]
fn serve_answers_and_stops_cleanly_on_sigterm() {
    let db = TestDb::sqlite();
    ok(&db.url, &["demo", "--persons", "2000", "--seed", "3"]);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_renkou"))
        .args(["--database", &db.url, "serve", "--listen", &listen])
        .env("RENKOU_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let get = |path: &str| -> Option<String> {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(&listen).ok()?;
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        )
        .ok()?;
        let mut body = String::new();
        s.read_to_string(&mut body).ok()?;
        Some(body)
    };
    let mut page = None;
    for _ in 0..100 {
        if let Some(p) = get("/login") {
            page = Some(p);
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let page = page.expect("server answered");
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("人口与家庭服务信息系统") && page.contains("登录"));
    let home = get("/").unwrap();
    assert!(
        home.starts_with("HTTP/1.1 303") && home.contains("location: /login"),
        "{home}"
    );
    assert!(get("/healthz").unwrap().ends_with("ok"));
    // SAFETY: sending a signal to our own child process.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let status = child.wait().unwrap();
    assert!(status.success(), "clean exit on SIGTERM: {status}");
}

#[test]
fn source_import_reconcile_and_accuracy() {
    for db in databases() {
        let dir = tempfile::tempdir().unwrap();
        setup(&db, dir.path());
        let persons = format!(
            "{}P6,测试宝,1,2024-03-01,,H1,349901101201,10,P1,P2,resident,,
P7,测试丁,2,2024-05-05,,H3,349901102201,10,,,resident,,
",
            persons_csv()
        );
        let p = dir.path().join("persons.csv");
        std::fs::write(&p, persons).unwrap();
        ok(&db.url, &["import", "persons", p.to_str().unwrap()]);
        // B1 is P6 (third child of P1); B2's mother is not in the register.
        let text = format!(
            "记录编号,婴儿姓名,婴儿性别,出生日期,孩次,母亲姓名,母亲身份号码,母亲出生日期,区划代码
B1,测试宝,1,2024-03-01,3,测试母,{},1990-02-28,349901101201
B2,,2,2024-06-06,1,测试妈,,1995-01-01,349901101201
",
            id(1990, 2, 28, 2)
        );
        let f = dir.path().join("hospital.csv");
        std::fs::write(&f, &text).unwrap();
        let f = f.to_str().unwrap();
        let args = |kind: &'static str| {
            vec![
                "source",
                "import",
                f,
                "--kind",
                kind,
                "--name",
                "县医院",
                "--region",
                "349901",
                "--from",
                "2024-01-01",
                "--to",
                "2024-12-31",
            ]
        };
        let err = fails(&db.url, &args("spaceship"));
        assert!(err.contains("--kind"), "{err}");
        let out = ok(&db.url, &args("hospital"));
        assert!(out.contains("来源 1") && out.contains("新增 2"), "{out}");
        let out = ok(&db.url, &["source", "list"]);
        assert!(
            out.contains("1\thospital\t县医院\t349901000000\t2024-01-01\t2024-12-31\t2"),
            "{out}"
        );

        let items = dir.path().join("items.csv");
        let out = ok(
            &db.url,
            &[
                "reconcile",
                "--source",
                "1",
                "--out",
                items.to_str().unwrap(),
            ],
        );
        for line in [
            "agree\t1",
            "source_only\t1",
            "register_only\t1",
            "disagree\t0",
        ] {
            assert!(out.contains(line), "{line} in {out}");
        }
        assert!(out.contains("准确率 / accuracy: 50.0% (1 / 2)"), "{out}");
        // n1 = 2, n2 = 2, m = 1: N̂ = 3·3/2 − 1 = 3.5.
        assert!(out.contains("N̂ = 3.5"), "{out}");
        let csv = std::fs::read_to_string(&items).unwrap();
        assert_eq!(csv.lines().count(), 4, "{csv}");
        assert!(csv.contains("B1,P6"), "{csv}");

        let json = ok(
            &db.url,
            &["accuracy", "--reconciliation", "1", "--format", "json"],
        );
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["total"]["tally"]["register"], 2, "{json}");
        assert_eq!(v["total"]["tally"]["matched"], 1);
        assert_eq!(v["townships"].as_array().unwrap().len(), 2, "{json}");
        let text = ok(&db.url, &["accuracy", "--reconciliation", "1"]);
        assert!(
            text.contains("349901101201\t一村\t1\t2\t1\t1\t50.0%"),
            "{text}"
        );
        let err = fails(&db.url, &["accuracy", "--reconciliation", "9"]);
        assert!(err.contains("no reconciliation 9"), "{err}");
    }
}

/// A hospital file as it came (GBK, a mother's ID number with a wrong check digit,
/// a village the tree does not know, one row that is no birth): refused with
/// file:row:column, then loaded with --skip-invalid, the kept cells counted per
/// reason; the reconciliation links the miswritten number and says how far to
/// trust it; the county saves the reviewed model and the next run uses it.
#[test]
fn a_source_as_it_came_imports_reconciles_and_keeps_its_model() {
    for db in databases() {
        let dir = tempfile::tempdir().unwrap();
        setup(&db, dir.path());
        let persons = format!(
            "{}P6,测试宝,1,2024-03-01,,H1,349901101201,10,P1,P2,resident,,\n",
            persons_csv()
        );
        let p = dir.path().join("persons.csv");
        std::fs::write(&p, persons).unwrap();
        ok(&db.url, &["import", "persons", p.to_str().unwrap()]);
        let good = id(1990, 2, 28, 2);
        let typo = format!(
            "{}{}",
            &good[..17],
            if good.ends_with('0') { '1' } else { '0' }
        );
        let text = format!(
            "记录编号,婴儿姓名,婴儿性别,出生日期,孩次,母亲姓名,母亲身份号码,母亲出生日期,区划代码
B1,测试宝,1,2024-03-01,3,测试母,{typo},1990-02-28,349901101201
B2,,2,2024-06-06,1,测试妈,,1995-01-01,349901101299
B3,,1,,,,,,349901101201
"
        );
        let (gbk, _, _) = encoding_rs::GBK.encode(&text);
        let f = dir.path().join("hospital.csv");
        std::fs::write(&f, &gbk).unwrap();
        let f = f.to_str().unwrap();
        let mut args = vec![
            "source",
            "import",
            f,
            "--kind",
            "hospital",
            "--name",
            "县医院",
            "--region",
            "349901",
            "--from",
            "2024-01-01",
            "--to",
            "2024-12-31",
        ];
        let err = fails(&db.url, &args);
        assert!(
            err.contains("hospital.csv:4:出生日期"),
            "{}: {err}",
            db.label
        );
        args.push("--skip-invalid");
        let out = ok(&db.url, &args);
        assert!(out.contains("新增 2"), "{}: {out}", db.label);
        assert!(out.contains("mother_id_check_digit\t1"), "{out}");
        assert!(out.contains("region_unknown\t1"), "{out}");
        assert!(out.contains("未导入的行 / rows refused: 1"), "{out}");
        assert!(out.contains("hospital.rejected.csv"), "{out}");

        let out = ok(&db.url, &["reconcile", "--source", "1"]);
        assert!(
            out.contains("agree\t1"),
            "{}: the typo'd number links: {out}",
            db.label
        );
        assert!(out.contains("可信度 / how far to trust it"), "{out}");
        assert!(
            out.contains("自动判定的配对 / pairs decided automatically: 1"),
            "{out}"
        );
        assert!(out.contains("模型检查 / model checks"), "{out}");
        assert!(
            out.contains("保留原样并标记的记录 / records kept as written with a flag: 2"),
            "{out}"
        );

        let out = ok(
            &db.url,
            &["source", "model", "save", "--reconciliation", "1"],
        );
        assert!(out.contains("349901000000"), "{out}");
        let out = ok(&db.url, &["reconcile", "--source", "1"]);
        assert!(out.contains("本县保存的模型"), "{}: {out}", db.label);
        assert!(out.contains("agree\t1"), "{out}");
        let out = ok(&db.url, &["reconcile", "--source", "1", "--refit"]);
        assert!(out.contains("本次拟合 / fitted on this run"), "{out}");

        // The plain births import says as much: records kept per flag.
        let out = ok(
            &db.url,
            &[
                "import",
                "births",
                f,
                "--source",
                "乡医院",
                "--skip-invalid",
            ],
        );
        assert!(
            out.contains("保留原样并标记的记录 / records kept as written with a flag: 2"),
            "{}: {out}",
            db.label
        );
        assert!(out.contains("mother_id_check_digit\t1"), "{out}");
        assert!(out.contains("region_unknown\t1"), "{out}");
    }
}
