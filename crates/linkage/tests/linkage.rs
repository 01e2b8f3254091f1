//! End-to-end tests of the linkage engine on generated data, and of its file input.
//! One test binary (link time); each test stays within a few seconds in debug.

use renkou_linkage::eval::{evaluate_dedupe, evaluate_links};
use renkou_linkage::generate::{self, BirthsConfig, PersonsConfig};
use renkou_linkage::{
    dedupe, explain, link, read_records, write_links, write_records, EntityKind, LinkError,
    LinkOptions, LinkStatus, Model,
};
use std::sync::OnceLock;

fn small_births() -> &'static generate::GeneratedBirths {
    static G: OnceLock<generate::GeneratedBirths> = OnceLock::new();
    G.get_or_init(|| {
        generate::births(&BirthsConfig {
            seed: 42,
            births: 4000,
            townships: 8,
            villages_per_township: 10,
            ..Default::default()
        })
    })
}

fn auto(links: &[renkou_linkage::Link]) -> Vec<(usize, usize)> {
    links
        .iter()
        .filter(|l| l.status == LinkStatus::Auto)
        .map(|l| (l.left_index, l.right_index))
        .collect()
}

#[test]
fn em_converges_to_a_sensible_model() {
    let g = small_births();
    let out = link(&g.ledger, &g.hospital, &LinkOptions::default());
    let m = &out.model;
    assert!(
        m.training.converged,
        "EM did not converge: {:?}",
        m.training
    );
    // Matches are about the smaller source's size among the candidates.
    let expected = g.hospital.len() as f64 / out.blocking.candidate_pairs as f64;
    assert!(
        (m.lambda() - expected).abs() < 0.1,
        "lambda {} vs {expected}",
        m.lambda()
    );
    use renkou_linkage::compare::Field;
    // Agreement on the birth date and the parents is evidence for a match against
    // unrelated pairs; a birth date that differs is evidence against.
    let unrelated = m.classes.len() - 1;
    assert!(m.field_weight(unrelated, Field::Parents, 0) > 5.0);
    assert!(m.field_weight(1, Field::BirthDate, 0) > 1.0); // against siblings
    assert!(m.field_weight(1, Field::BirthDate, 3) < -5.0);
    // Blocking report: every rule produced pairs, far fewer than all pairs.
    assert!(out.blocking.rules.iter().all(|r| r.pairs > 0));
    assert!((out.blocking.candidate_pairs as u128) < out.blocking.all_pairs / 100);
}

#[test]
fn linkage_f1_on_generated_births() {
    let g = small_births();
    let out = link(&g.ledger, &g.hospital, &LinkOptions::default());
    let m = evaluate_links(auto(&out.links), &g.ledger_entity, &g.hospital_entity);
    assert!(m.f1 >= 0.99, "{m}");
    // One-to-one: no record twice.
    let mut l: Vec<_> = out.links.iter().map(|x| x.left_index).collect();
    l.sort();
    l.dedup();
    assert_eq!(l.len(), out.links.len());
}

#[test]
fn dedupe_f1_on_generated_ledger() {
    let g = small_births();
    let out = dedupe(&g.ledger, &LinkOptions::default());
    let m = evaluate_dedupe(auto(&out.links), &g.ledger_entity);
    assert!(m.f1 >= 0.95, "{m}");
}

#[test]
fn linkage_of_persons() {
    let g = generate::persons(&PersonsConfig {
        seed: 3,
        persons: 5000,
        townships: 5,
        villages_per_township: 10,
    });
    let out = link(&g.registry, &g.ledger, &LinkOptions::default());
    let m = evaluate_links(auto(&out.links), &g.registry_entity, &g.ledger_entity);
    assert!(m.f1 >= 0.99, "{m}");
}

#[test]
fn a_saved_model_links_the_same_way() {
    let g = small_births();
    let first = link(&g.ledger, &g.hospital, &LinkOptions::default());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.json");
    first.model.save(&path).unwrap();
    let loaded = Model::load(&path).unwrap();
    let again = link(
        &g.ledger,
        &g.hospital,
        &LinkOptions {
            model: Some(loaded),
            ..Default::default()
        },
    );
    assert_eq!(first.links.len(), again.links.len());
    assert_eq!(first.links[0].left_id, again.links[0].left_id);
    assert!((first.links[0].match_weight - again.links[0].match_weight).abs() < 1e-9);

    std::fs::write(&path, "{\"format\":\"something else\"}").unwrap();
    assert!(matches!(Model::load(&path), Err(LinkError::Model { .. })));
}

#[test]
fn explanation_sums_to_the_score_and_names_fields() {
    let g = small_births();
    let out = link(&g.ledger, &g.hospital, &LinkOptions::default());
    let l = &out.links[0];
    let e = explain(
        &out.model,
        &g.ledger[l.left_index],
        &g.hospital[l.right_index],
    );
    let sum: f64 =
        e.prior_weight + e.mixture_weight + e.fields.iter().map(|f| f.weight).sum::<f64>();
    assert!((sum - e.match_weight).abs() < 1e-6);
    assert!((e.match_weight - l.match_weight).abs() < 1e-6);
    let text = e.to_string();
    for needle in [
        "出生日期 birth_date",
        "父母 parents",
        "母亲身份号码 mother_id_number",
        "合计权重 total weight",
    ] {
        assert!(text.contains(needle), "{needle} missing in\n{text}");
    }
    let by_id =
        renkou_linkage::explain_by_id(&out.model, &g.ledger, &g.hospital, &l.left_id, &l.right_id)
            .unwrap();
    assert_eq!(by_id.match_weight, e.match_weight);
    assert!(matches!(
        renkou_linkage::explain_by_id(&out.model, &g.ledger, &g.hospital, "nope", &l.right_id),
        Err(LinkError::UnknownId { .. })
    ));
    // ID numbers are masked in the printed form.
    let id = &g.ledger[l.left_index].mother_id_number;
    if id.len() == 18 {
        assert!(!text.contains(id.as_str()));
    }
}

const BIRTHS_HEADER_ZH: &str =
    "记录编号,婴儿姓名,婴儿性别,出生日期,孩次,母亲姓名,母亲身份号码,区划代码\n";

#[test]
fn reads_utf8_bom_gb18030_and_chinese_headers() {
    let dir = tempfile::tempdir().unwrap();
    let body =
        format!("{BIRTHS_HEADER_ZH}B1,张伟,男,2024/3/5,1,李丽,34990119491231007X,349901101201\n");
    let utf8 = dir.path().join("utf8.csv");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(body.as_bytes());
    std::fs::write(&utf8, bytes).unwrap();
    let gbk = dir.path().join("gbk.csv");
    let (enc, _, _) = encoding_rs::GB18030.encode(&body);
    std::fs::write(&gbk, enc.as_ref()).unwrap();
    for p in [&utf8, &gbk] {
        let r = read_records(p).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].kind, EntityKind::Birth);
        assert_eq!(r[0].name, "张伟");
        assert_eq!(r[0].mother_name, "李丽");
    }
    // Round trip through the writer (English headers).
    let out = dir.path().join("out.csv");
    write_records(&out, &read_records(&utf8).unwrap()).unwrap();
    assert_eq!(read_records(&out).unwrap(), read_records(&gbk).unwrap());
}

#[test]
fn reads_xlsx_utf16_and_persons_with_a_title_row() {
    let dir = tempfile::tempdir().unwrap();
    // xlsx: a title row above the Chinese header, an ID number and a date as text.
    let x = dir.path().join("births.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "某村出生台帐").unwrap();
    for (c, h) in BIRTHS_HEADER_ZH.trim().split(',').enumerate() {
        sheet.write_string(1, c as u16, h).unwrap();
    }
    let row = [
        "B1",
        "张伟",
        "男",
        "2024-03-05",
        "1",
        "李丽",
        "34990119491231007X",
        "349901101201",
    ];
    for (c, v) in row.iter().enumerate() {
        sheet.write_string(2, c as u16, *v).unwrap();
    }
    book.save(&x).unwrap();
    let r = read_records(&x).unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].kind, EntityKind::Birth);
    assert_eq!(r[0].mother_id_number, "34990119491231007X");
    assert_eq!(r[0].birth_date, "2024-03-05");

    // UTF-16 "Unicode text" (tab-separated), persons with an invalid ID number kept raw.
    let text = "人员编号\t姓名\t性别\t出生日期\t公民身份号码\t户编号\t区划代码\nP1\t王芳\t2\t1990-01-02\t349901199001020029\t\t349901101201\n";
    let mut bytes = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    let u = dir.path().join("persons.txt");
    std::fs::write(&u, bytes).unwrap();
    let r = read_records(&u).unwrap();
    assert_eq!(r[0].kind, EntityKind::Person);
    assert_eq!(r[0].id_number, "349901199001020029");
    assert_eq!(r[0].name, "王芳");

    // Generated persons files read back.
    let g = generate::persons(&PersonsConfig {
        seed: 1,
        persons: 50,
        townships: 2,
        villages_per_township: 2,
    });
    let p = dir.path().join("registry.csv");
    write_records(&p, &g.registry).unwrap();
    assert_eq!(read_records(&p).unwrap(), g.registry);
}

#[test]
fn bad_input_is_refused_clearly_before_any_work() {
    use renkou_interchange::FileError;
    let dir = tempfile::tempdir().unwrap();
    let w = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let err = |p: &std::path::Path| read_records(p).unwrap_err();

    let e = err(&w("x.csv", b"foo,bar\n1,2\n"));
    assert!(matches!(e, LinkError::NotInterchange { .. }), "{e}");
    assert!(e.to_string().contains("record_id") && e.to_string().contains("x.csv"));

    // A persons file is recognised as such: its missing columns are named.
    let e = err(&w("p.csv", b"person_id,name,birth_date\nP1,A,2000-01-01\n"));
    let msg = e.to_string();
    assert!(msg.contains("sex") && !msg.contains("record_id"), "{msg}");

    let e = err(&w(
        "m.csv",
        "record_id,child_sex,birth_date\nB1,1,2024-01-01\n".as_bytes(),
    ));
    let msg = e.to_string();
    assert!(
        matches!(e, LinkError::File(FileError::MissingColumns { .. })),
        "{msg}"
    );
    assert!(msg.contains("母亲身份号码/mother_id_number"), "{msg}");
    assert!(msg.starts_with("m.csv") || msg.contains("m.csv:"), "{msg}");
    assert!(
        msg.find("缺少").unwrap() < msg.find("missing").unwrap(),
        "Chinese first: {msg}"
    );

    let e = err(&w("enc.csv", b"record_id,\xFF\xFF\xFF\n"));
    assert!(
        matches!(e, LinkError::File(FileError::UnknownEncoding { .. })),
        "{e}"
    );

    let e = err(&w("book.xlsx", b"PK\x03\x04rest-of-zip"));
    assert!(matches!(e, LinkError::File(FileError::Xlsx { .. })), "{e}");

    let e = err(&w("empty.csv", b""));
    assert!(matches!(e, LinkError::File(FileError::Empty { .. })), "{e}");

    let e = err(&w("bin.csv", &[0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3]));
    assert!(
        matches!(e, LinkError::File(FileError::Binary { .. })),
        "{e}"
    );

    let dup = format!("{BIRTHS_HEADER_ZH}B1,,1,2024-01-01,1,李丽,,349901101201\nB1,,2,2024-01-02,1,王芳,,349901101201\n");
    let e = err(&w("dup.csv", dup.as_bytes()));
    let msg = e.to_string();
    assert!(matches!(e, LinkError::Row { row: 3, .. }), "{msg}");
    assert!(
        msg.starts_with("dup.csv") || msg.contains("dup.csv:3:记录编号"),
        "{msg}"
    );
    assert!(msg.contains("B1"), "{msg}");

    // A stray comma shifts a row: refused. A short row is read (missing = empty).
    let long = format!("{BIRTHS_HEADER_ZH}B1,,1,2024-01-01,1,李,丽,,349901101201\n");
    let e = err(&w("long.csv", long.as_bytes()));
    assert!(matches!(e, LinkError::Row { row: 2, .. }), "{e}");
    let short = format!("{BIRTHS_HEADER_ZH}B1,,1\n");
    assert_eq!(
        read_records(&w("short.csv", short.as_bytes()))
            .unwrap()
            .len(),
        1
    );

    let e = err(&dir.path().join("missing.csv"));
    assert!(matches!(e, LinkError::File(FileError::Io { .. })), "{e}");
}

#[test]
fn links_file_has_bom_and_columns() {
    let g = small_births();
    let out = link(
        &g.ledger[..300],
        &g.hospital[..300],
        &LinkOptions::default(),
    );
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("links.csv");
    write_links(&p, &out.links).unwrap();
    let bytes = std::fs::read(&p).unwrap();
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBFleft_id,right_id,match_probability,match_weight,status\n")
    );
    let text = String::from_utf8(bytes).unwrap();
    assert_eq!(text.lines().count(), out.links.len() + 1);
}
