//! `renkou link` and `renkou dedupe` end to end: the real binary on generated files
//! (synthetic births and persons, no database). One test binary; each test a few
//! seconds in a debug build.

use renkou_linkage::eval::{evaluate_dedupe, evaluate_links};
use renkou_linkage::generate::{self, BirthsConfig, GeneratedBirths, PersonsConfig};
use renkou_linkage::{write_records, LinkRecord};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

const LINKS_HEADER: &str = "left_id,right_id,match_probability,match_weight,status";

fn births() -> &'static GeneratedBirths {
    static G: OnceLock<GeneratedBirths> = OnceLock::new();
    G.get_or_init(|| {
        generate::births(&BirthsConfig {
            seed: 42,
            births: 2000,
            townships: 6,
            villages_per_township: 8,
            ..Default::default()
        })
    })
}

fn renkou(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_renkou"))
        .current_dir(dir)
        .args(args)
        .env("RENKOU_LOG", "warn")
        .output()
        .expect("run renkou")
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let o = renkou(dir, args);
    assert!(
        o.status.success(),
        "renkou {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Runs a command that must fail; returns its one-line error.
fn fails(dir: &Path, args: &[&str]) -> String {
    let o = renkou(dir, args);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(
        o.status.code(),
        Some(1),
        "renkou {args:?} should fail: {err}"
    );
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line expected: {err}");
    lines[0].to_string()
}

/// A folder with ledger.csv and hospital.csv (UTF-8 with BOM, English headers).
fn folder() -> (tempfile::TempDir, &'static GeneratedBirths) {
    let g = births();
    let dir = tempfile::tempdir().unwrap();
    write_records(&dir.path().join("ledger.csv"), &g.ledger).unwrap();
    write_records(&dir.path().join("hospital.csv"), &g.hospital).unwrap();
    (dir, g)
}

/// links.csv as (left, right, probability, status), checking its header.
fn read_links(path: &Path) -> Vec<(String, String, f64, String)> {
    let bytes = std::fs::read(path).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let text = text
        .strip_prefix('\u{feff}')
        .expect("links.csv starts with a BOM");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(LINKS_HEADER));
    lines
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            assert_eq!(c.len(), 5, "{l}");
            let p: f64 = c[2].parse().unwrap();
            assert!((0.0..=1.0).contains(&p), "{l}");
            let _: f64 = c[3].parse().unwrap();
            assert!(c[4] == "auto" || c[4] == "review", "{l}");
            (c[0].into(), c[1].into(), p, c[4].into())
        })
        .collect()
}

fn auto_pairs(links: &[(String, String, f64, String)]) -> Vec<(&str, &str)> {
    links
        .iter()
        .filter(|l| l.3 == "auto")
        .map(|l| (l.0.as_str(), l.1.as_str()))
        .collect()
}

/// `auto` pairs as indices into the generated sources (for the engine's metrics,
/// which count a duplicated row linked once as right, not as a missed link).
fn auto_indices(
    links: &[(String, String, f64, String)],
    left: &[LinkRecord],
    right: &[LinkRecord],
) -> Vec<(usize, usize)> {
    let index = |rs: &[LinkRecord]| -> std::collections::HashMap<String, usize> {
        rs.iter()
            .enumerate()
            .map(|(i, r)| (r.record_id.clone(), i))
            .collect()
    };
    let (l, r) = (index(left), index(right));
    auto_pairs(links)
        .into_iter()
        .map(|(a, b)| (l[a], r[b]))
        .collect()
}

#[test]
fn link_writes_links_csv_with_f1_above_0_99() {
    let (dir, g) = folder();
    let out = ok(
        dir.path(),
        &[
            "link",
            "ledger.csv",
            "hospital.csv",
            "--out",
            "links.csv",
            "--report",
        ],
    );
    let links = read_links(&dir.path().join("links.csv"));
    let m = evaluate_links(
        auto_indices(&links, &g.ledger, &g.hospital),
        &g.ledger_entity,
        &g.hospital_entity,
    );
    assert!(m.f1 >= 0.99, "{m}");
    // The report: pairs per blocking rule and counts per status.
    assert!(out.contains("分块规则 / blocking rules"), "{out}");
    assert!(out.contains("合计候选对 / candidate pairs"), "{out}");
    assert!(out.contains("按状态 / per status"), "{out}");
    let n_auto = links.iter().filter(|l| l.3 == "auto").count();
    assert!(
        out.contains(&format!("自动匹配 auto (≥ 0.5): {n_auto}")),
        "{out}"
    );
    // Births are reconciled: the left file's duplicates link to their birth too,
    // and both fits are stated.
    assert!(
        out.contains("左文件内重复 / duplicates in the left file"),
        "{out}"
    );
    let dup_rows = links
        .iter()
        .map(|l| l.0.as_str())
        .collect::<std::collections::HashSet<_>>()
        .len();
    assert_eq!(dup_rows, links.len(), "each left row at most once");
    // The summary: Chinese, then English, with the counts.
    let zh = out.find("匹配完成").expect("Chinese summary");
    let en = out.find("Linked ledger.csv").expect("English summary");
    assert!(zh < en, "{out}");
    assert!(out.contains(&format!("自动匹配 {n_auto}")), "{out}");
    assert!(out.contains(&format!("{n_auto} auto")), "{out}");
}

#[test]
fn dedupe_finds_planted_duplicates() {
    let (dir, g) = folder();
    let out = ok(dir.path(), &["dedupe", "ledger.csv", "--out", "dups.csv"]);
    let links = read_links(&dir.path().join("dups.csv"));
    assert!(
        g.truth_duplicates().len() > 10,
        "the generator plants duplicates"
    );
    // Alone, pairs of one mother and day without names (a copy, or twins) are
    // for review, and the output says how to decide them; what is automatic is
    // right, and automatic and review together find the duplicates.
    let m = evaluate_dedupe(auto_indices(&links, &g.ledger, &g.ledger), &g.ledger_entity);
    assert!(m.precision >= 0.98, "{m}");
    let all: Vec<(usize, usize)> = {
        let at = |id: &str| g.ledger.iter().position(|r| r.record_id == id);
        links
            .iter()
            .filter_map(|l| Some((at(&l.0)?, at(&l.1)?)))
            .collect()
    };
    let found = evaluate_dedupe(all, &g.ledger_entity);
    assert!(found.recall >= 0.9, "{found}");
    assert!(out.contains("--with"), "{out}");
    // Both ids come from the one file.
    let ids: std::collections::HashSet<&str> =
        g.ledger.iter().map(|r| r.record_id.as_str()).collect();
    assert!(links
        .iter()
        .all(|l| ids.contains(l.0.as_str()) && ids.contains(l.1.as_str())));
    assert!(
        out.contains("查重完成") && out.contains("groups of duplicates"),
        "{out}"
    );
    // The fit's checks and the twins kept apart are stated.
    assert!(
        out.contains("检查全部通过") || out.contains("模型检查"),
        "{out}"
    );
    assert!(out.contains("pairs kept apart as twins"), "{out}");

    // With the hospital as second source: twins written alike by the ledger are
    // told apart by the hospital's two births, and the F1 does not drop.
    let out = ok(
        dir.path(),
        &[
            "dedupe",
            "ledger.csv",
            "--with",
            "hospital.csv",
            "--out",
            "dups2.csv",
        ],
    );
    assert!(out.contains("（参照 / with hospital.csv）"), "{out}");
    let with = read_links(&dir.path().join("dups2.csv"));
    let m2 = evaluate_dedupe(auto_indices(&with, &g.ledger, &g.ledger), &g.ledger_entity);
    assert!(
        m2.f1 >= 0.9 && m2.recall >= 0.9 && m2.precision >= 0.95,
        "{m2} vs {m}"
    );
}

#[test]
fn a_saved_model_gives_the_same_links() {
    let (dir, _) = folder();
    let d = dir.path();
    let first = ok(
        d,
        &[
            "link",
            "ledger.csv",
            "hospital.csv",
            "--out",
            "a.csv",
            "--save-model",
            "model.json",
        ],
    );
    assert!(first.contains("已保存到 model.json") && first.contains("saved to model.json"));
    let json = std::fs::read_to_string(d.join("model.json")).unwrap();
    assert!(json.contains("renkou-linkage-model"), "{json}");
    let second = ok(
        d,
        &[
            "link",
            "ledger.csv",
            "hospital.csv",
            "--out",
            "b.csv",
            "--model",
            "model.json",
        ],
    );
    assert!(second.contains("使用模型 model.json"), "{second}");
    let (a, b) = (read_links(&d.join("a.csv")), read_links(&d.join("b.csv")));
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!((&x.0, &x.1, &x.3), (&y.0, &y.1, &y.3));
        assert!((x.2 - y.2).abs() < 1e-5);
    }
    // A model's thresholds can be overridden: a stricter accept, fewer auto links.
    ok(
        d,
        &[
            "link",
            "ledger.csv",
            "hospital.csv",
            "--out",
            "c.csv",
            "--model",
            "model.json",
            "--accept",
            "0.999999",
            "--review",
            "0.5",
        ],
    );
    let c = read_links(&d.join("c.csv"));
    assert!(auto_pairs(&c).len() < auto_pairs(&a).len());
    // A file that is not a model is refused, naming it.
    std::fs::write(d.join("bad.json"), "{}").unwrap();
    let e = fails(
        d,
        &["link", "ledger.csv", "hospital.csv", "--model", "bad.json"],
    );
    assert!(e.contains("bad.json"), "{e}");
}

#[test]
fn explain_prints_per_field_levels_for_a_true_pair() {
    let (dir, g) = folder();
    // A true pair where both sides carry the child's birth date and the mother's name.
    let t = g.truth_links();
    let by_id =
        |rs: &'static [LinkRecord], id: &str| rs.iter().find(|r| r.record_id == id).unwrap();
    let (l, r) = t
        .iter()
        .find(|(l, r)| {
            let (a, b) = (by_id(&g.ledger, l), by_id(&g.hospital, r));
            !a.name.is_empty() && !b.name.is_empty() && a.birth_date == b.birth_date
        })
        .unwrap();
    let pair = format!("{l}:{r}");
    let out = ok(
        dir.path(),
        &["link", "ledger.csv", "hospital.csv", "--explain", &pair],
    );
    assert!(
        out.contains(&format!("比对说明 / match explanation: {l} ↔ {r}")),
        "{out}"
    );
    for needle in [
        "姓名 name",
        "出生日期 birth_date",
        "父母 parents",
        "母亲姓名 mother_name",
        "合计权重 total weight",
        "匹配概率 probability",
        "in links.csv",
    ] {
        assert!(out.contains(needle), "{needle} missing in:\n{out}");
    }
    // The birth dates agree exactly: the level says so.
    let line = out
        .lines()
        .find(|x| x.contains("出生日期 birth_date"))
        .unwrap();
    assert!(line.contains("→"), "{line}");
    assert!(line.contains("完全相同 / exact"), "{line}");
    // An id that is not in the file: one line naming the file and the id.
    let e = fails(
        dir.path(),
        &[
            "link",
            "ledger.csv",
            "hospital.csv",
            "--explain",
            &format!("{l}:NOPE"),
        ],
    );
    assert!(e.contains("hospital.csv") && e.contains("NOPE"), "{e}");
    let e = fails(
        dir.path(),
        &["link", "ledger.csv", "hospital.csv", "--explain", "x"],
    );
    assert!(e.contains("--explain"), "{e}");
}

#[test]
fn gbk_and_xlsx_inputs_link_like_utf8() {
    let (dir, g) = folder();
    let d = dir.path();
    ok(
        d,
        &["link", "ledger.csv", "hospital.csv", "--out", "utf8.csv"],
    );

    // The ledger as Excel saves CSV on Chinese Windows: GBK, Chinese headers.
    let text = std::fs::read_to_string(d.join("ledger.csv")).unwrap();
    let text = text.trim_start_matches('\u{feff}');
    let body = text.split_once('\n').unwrap().1;
    let zh = "记录编号,婴儿姓名,婴儿性别,出生日期,孩次,母亲姓名,母亲身份号码,母亲出生日期,父亲姓名,父亲身份号码,区划代码,出生地点,来源\r\n";
    let text = format!("{zh}{}", body.replace('\n', "\r\n"));
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable);
    std::fs::write(d.join("ledger_gbk.csv"), gbk.as_ref()).unwrap();

    // The hospital as an xlsx workbook, with a title row above the header.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "县医院出生医学证明登记").unwrap();
    let header = "record_id,child_name,child_sex,birth_date,birth_order,mother_name,mother_id_number,mother_birth_date,father_name,father_id_number,region_code,place,source";
    for (c, h) in header.split(',').enumerate() {
        sheet.write_string(1, c as u16, h).unwrap();
    }
    for (i, r) in g.hospital.iter().enumerate() {
        let cells = [
            &r.record_id,
            &r.name,
            &r.sex,
            &r.birth_date,
            &r.birth_order,
            &r.mother_name,
            &r.mother_id_number,
            &r.mother_birth_date,
            &r.father_name,
            &r.father_id_number,
            &r.region_code,
            &r.place,
            &r.source,
        ];
        for (c, v) in cells.iter().enumerate() {
            if !v.is_empty() {
                sheet
                    .write_string(i as u32 + 2, c as u16, v.as_str())
                    .unwrap();
            }
        }
    }
    book.save(d.join("hospital.xlsx")).unwrap();

    ok(
        d,
        &[
            "link",
            "ledger_gbk.csv",
            "hospital.xlsx",
            "--out",
            "mixed.csv",
        ],
    );
    let (a, b) = (
        read_links(&d.join("utf8.csv")),
        read_links(&d.join("mixed.csv")),
    );
    assert!(a.len() > 1000);
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!((&x.0, &x.1, &x.3), (&y.0, &y.1, &y.3));
    }
}

#[test]
fn persons_files_link_too() {
    let g = generate::persons(&PersonsConfig {
        seed: 5,
        persons: 2000,
        townships: 3,
        villages_per_township: 6,
    });
    let dir = tempfile::tempdir().unwrap();
    write_records(&dir.path().join("registry.csv"), &g.registry).unwrap();
    write_records(&dir.path().join("village.csv"), &g.ledger).unwrap();
    ok(dir.path(), &["link", "registry.csv", "village.csv"]);
    let links = read_links(&dir.path().join("links.csv")); // the default --out
    let m = evaluate_links(
        auto_indices(&links, &g.registry, &g.ledger),
        &g.registry_entity,
        &g.ledger_entity,
    );
    assert!(m.f1 >= 0.98, "{m}");
}

#[test]
fn bad_input_fails_with_one_line_naming_the_file() {
    let (dir, _) = folder();
    let d = dir.path();
    let w = |name: &str, bytes: &[u8]| -> PathBuf {
        std::fs::write(d.join(name), bytes).unwrap();
        d.join(name)
    };
    w("empty.csv", b"");
    w(
        "binary.csv",
        &[0x7f, b'E', b'L', b'F', 0, 0, 1, 2, 3, 0, 0xff],
    );
    w(
        "nocols.csv",
        "record_id,child_sex,birth_date\nB1,1,2024-01-01\n".as_bytes(),
    );
    w("other.csv", b"foo,bar\n1,2\n");
    w("garbled.csv", b"record_id,\xFF\xFE\xFF\x80\n");
    let cases: &[(&[&str], &str, &str)] = &[
        (&["link", "empty.csv", "hospital.csv"], "empty.csv", "empty"),
        (
            &["link", "ledger.csv", "binary.csv"],
            "binary.csv",
            "binary",
        ),
        (&["dedupe", "nocols.csv"], "nocols.csv", "mother_id_number"),
        (&["dedupe", "other.csv"], "other.csv", "record_id"),
        (&["dedupe", "garbled.csv"], "garbled.csv", "encoding"),
        (
            &["link", "ledger.csv", "nowhere.csv"],
            "nowhere.csv",
            "cannot read",
        ),
        (
            &["dedupe", "ledger.csv", "--out", "no/such/dir/links.csv"],
            "no/such/dir",
            "does not exist",
        ),
    ];
    for (args, file, what) in cases {
        let e = fails(d, args);
        assert!(e.contains(file), "{args:?}: {e}");
        assert!(e.contains(what), "{args:?}: {e}");
        assert!(!d.join("links.csv").exists(), "{args:?} wrote links.csv");
    }
    // Thresholds: probabilities with 0 < review ≤ accept < 1.
    for args in [
        &["dedupe", "ledger.csv", "--accept", "1.5"][..],
        &["dedupe", "ledger.csv", "--accept", "0"][..],
        &["dedupe", "ledger.csv", "--accept", "0.3", "--review", "0.6"][..],
        &["dedupe", "ledger.csv", "--accept", "0.1"][..], // below the default review 0.2
    ] {
        let e = fails(d, args);
        assert!(
            e.contains("--accept") || e.contains("--review"),
            "{args:?}: {e}"
        );
        assert!(!d.join("links.csv").exists());
    }
}
