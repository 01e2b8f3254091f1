//! End-to-end tests of the linkage engine on generated data, and of its file input.
//! One test binary (link time); each test stays within a few seconds in debug.

use renkou_linkage::eval::{evaluate_dedupe, evaluate_links};
use renkou_linkage::generate::{self, BirthsConfig, PersonsConfig};
use renkou_linkage::{
    dedupe, explain, link, read_records, write_links, write_records, EntityKind, LinkError,
    LinkOptions, LinkRecord, LinkStatus, Model,
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

fn all_pairs(links: &[renkou_linkage::Link]) -> Vec<(usize, usize)> {
    links
        .iter()
        .map(|l| (l.left_index, l.right_index))
        .collect()
}

#[test]
fn dedupe_f1_on_generated_ledger() {
    let g = small_births();
    // With the hospital as second source, duplicates are decided automatically.
    let with = renkou_linkage::dedupe_with(&g.ledger, &g.hospital, &LinkOptions::default());
    let m = evaluate_dedupe(auto(&with.links), &g.ledger_entity);
    assert!(m.f1 >= 0.95, "{m}");
    // Alone, a row copied before the child had a name cannot be told from twins
    // written with one birth order: those pairs go to review, not in automatically.
    // What is automatic is right, and review holds the rest.
    let alone = dedupe(&g.ledger, &LinkOptions::default());
    let m = evaluate_dedupe(auto(&alone.links), &g.ledger_entity);
    assert!(m.precision >= 0.98, "{m}");
    let found = evaluate_dedupe(all_pairs(&alone.links), &g.ledger_entity);
    assert!(found.recall >= 0.95, "{found}");
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

/// A births row as a source would write it (the planted records of the tests below;
/// mothers on the unassigned address code 349909).
#[allow(clippy::too_many_arguments)]
fn row(
    id: &str,
    name: &str,
    sex: &str,
    date: &str,
    order: &str,
    mother: &str,
    mother_id: &str,
    region: &str,
) -> LinkRecord {
    LinkRecord {
        kind: EntityKind::Birth,
        record_id: id.into(),
        name: name.into(),
        sex: sex.into(),
        birth_date: date.into(),
        birth_order: order.into(),
        mother_name: mother.into(),
        mother_id_number: mother_id.into(),
        mother_birth_date: "1993-04-17".into(),
        father_name: "欧阳建国".into(),
        region_code: region.into(),
        ..Default::default()
    }
}

const M1: &str = "349909199304170048";
const M2: &str = "349909199102030026";
const M3: &str = "349909199508120040";
const M4: &str = "34990919960923002X";
const M5: &str = "349909199702140045";
const VILLAGE: &str = "349901105207";

/// The generated ledger and hospital with two planted families: twins of M1 (one
/// named, the other not yet, consecutive orders) with a copy of the named twin's
/// row carrying a homophone; and twins of M2 written alike in the ledger (no names,
/// same sex, same order) but as two births by the hospital.
fn planted() -> &'static (Vec<LinkRecord>, Vec<LinkRecord>) {
    static P: OnceLock<(Vec<LinkRecord>, Vec<LinkRecord>)> = OnceLock::new();
    P.get_or_init(make_planted)
}

/// The planted sources reconciled (once for the tests that read it).
fn planted_reconciled() -> &'static renkou_linkage::Reconciliation {
    static R: OnceLock<renkou_linkage::Reconciliation> = OnceLock::new();
    R.get_or_init(|| {
        let (ledger, hospital) = planted();
        renkou_linkage::reconcile(ledger, hospital, &LinkOptions::default())
    })
}

fn make_planted() -> (Vec<LinkRecord>, Vec<LinkRecord>) {
    let g = small_births();
    let mut ledger = g.ledger.clone();
    let mut hospital = g.hospital.clone();
    let d = "2024-06-10";
    ledger.push(row("T1", "欧阳子涵", "1", d, "2", "龚晓岚", M1, VILLAGE));
    ledger.push(row("T2", "", "1", d, "3", "龚晓岚", M1, VILLAGE));
    ledger.push(row(
        "T1-copy",
        "欧阳子寒",
        "1",
        d,
        "2",
        "龚晓岚",
        M1,
        VILLAGE,
    ));
    hospital.push(row("H-T1", "", "1", d, "2", "龚晓岚", M1, "349901105000"));
    hospital.push(row("H-T2", "", "1", d, "3", "龚晓岚", M1, "349901105000"));
    let e = "2024-08-21";
    ledger.push(row("U1", "", "2", e, "1", "韦秋菊", M2, VILLAGE));
    ledger.push(row("U2", "", "2", e, "1", "韦秋菊", M2, VILLAGE));
    hospital.push(row("H-U1", "", "2", e, "1", "韦秋菊", M2, VILLAGE));
    hospital.push(row("H-U2", "", "2", e, "2", "韦秋菊", M2, VILLAGE));
    // Twins of M3, a boy and a girl, both written as first births; the boy's row
    // entered again before he had a name, his birth order slipped to 1.
    // The hospital has the father on the girl's certificate only.
    let v = "2024-05-07";
    let father = |mut r: LinkRecord| {
        r.father_name = "何佳亮".into();
        r.father_id_number = "349909199303075098".into();
        r
    };
    ledger.push(father(row(
        "V1",
        "何一俊",
        "1",
        v,
        "2",
        "余怡琳",
        M3,
        VILLAGE,
    )));
    ledger.push(father(row(
        "V1-copy",
        "",
        "1",
        v,
        "1",
        "余怡琳",
        M3,
        VILLAGE,
    )));
    ledger.push(father(row(
        "V2",
        "何一菲",
        "2",
        v,
        "1",
        "余怡琳",
        M3,
        VILLAGE,
    )));
    hospital.push(row("H-V1", "何一俊", "1", v, "2", "余怡琳", M3, VILLAGE));
    hospital.push(father(row("H-V2", "", "2", v, "1", "余怡琳", M3, VILLAGE)));
    // Born at home, so not in the hospital's register: M4's two rows without a
    // name (a copy, or twins written alike: nothing tells), and M5's row copied
    // once the child had a name.
    let w = "2024-03-18";
    ledger.push(row("W1", "", "2", w, "2", "邵静雯", M4, VILLAGE));
    ledger.push(row("W2", "", "2", w, "2", "邵静雯", M4, VILLAGE));
    ledger.push(row("X1", "", "1", w, "1", "卢雪芹", M5, VILLAGE));
    ledger.push(row(
        "X1-named",
        "钟子豪",
        "1",
        w,
        "1",
        "卢雪芹",
        M5,
        VILLAGE,
    ));
    (ledger, hospital)
}

fn index(records: &[LinkRecord], id: &str) -> usize {
    records.iter().position(|r| r.record_id == id).unwrap()
}

/// Whether two records ended up in one automatic duplicate group.
fn grouped(links: &[renkou_linkage::Link], a: usize, b: usize) -> bool {
    let mut parent: std::collections::HashMap<usize, usize> = Default::default();
    fn root(p: &mut std::collections::HashMap<usize, usize>, i: usize) -> usize {
        let mut i = i;
        while let Some(&j) = p.get(&i) {
            if j == i {
                break;
            }
            i = j;
        }
        i
    }
    for l in links.iter().filter(|l| l.status == LinkStatus::Auto) {
        let (x, y) = (
            root(&mut parent, l.left_index),
            root(&mut parent, l.right_index),
        );
        if x != y {
            parent.insert(x.max(y), x.min(y));
        }
    }
    root(&mut parent, a) == root(&mut parent, b)
}

#[test]
fn the_copy_of_one_twin_does_not_take_the_other_twins_birth() {
    // On the independent prefecture (seed 1) one-to-one linking gave such a copy
    // the girl's certificate (the boy's was taken by his own row, and the copy's
    // birth order agrees with the girl's), and the girl's row then looked like a
    // duplicate of the copy: a twin merged. The delivery's rows are now assigned to
    // its births together (`deliveries`, whose unit tests hold the weights that
    // made it happen), and two sexes without a name are never one child
    // automatically; this is the whole path on both rules.
    let (ledger, hospital) = planted();
    let r = planted_reconciled();
    let (v1, copy, v2) = (
        index(ledger, "V1"),
        index(ledger, "V1-copy"),
        index(ledger, "V2"),
    );
    assert!(
        !grouped(&r.duplicates, copy, v2),
        "the girl merged into the boy's copy"
    );
    assert!(!grouped(&r.duplicates, v1, v2));
    let partner = |i: usize| {
        r.links
            .iter()
            .find(|l| l.left_index == i)
            .map(|l| hospital[l.right_index].record_id.as_str())
    };
    assert_eq!(partner(v1), Some("H-V1"));
    assert_eq!(partner(v2), Some("H-V2"));
    assert_ne!(
        partner(copy),
        Some("H-V2"),
        "the boy's copy took the girl's birth"
    );
}

#[test]
fn unnamed_look_alike_rows_the_other_source_lacks_go_to_review() {
    let (ledger, _) = planted();
    let r = planted_reconciled();
    let (w1, w2) = (index(ledger, "W1"), index(ledger, "W2"));
    assert!(
        !grouped(&r.duplicates, w1, w2),
        "two unnamed rows merged on no evidence"
    );
    assert!(
        r.duplicates.iter().any(|l| (
            l.left_index.min(l.right_index),
            l.left_index.max(l.right_index)
        ) == (w1.min(w2), w1.max(w2))
            && l.status == LinkStatus::Review),
        "the pair is not in review"
    );
    // A copy made once the child had a name is still found.
    let (x1, named) = (index(ledger, "X1"), index(ledger, "X1-named"));
    assert!(grouped(&r.duplicates, x1, named));
}

#[test]
fn twins_with_one_name_missing_stay_two_births() {
    let (ledger, _) = planted();
    let (t1, t2, copy) = (
        index(ledger, "T1"),
        index(ledger, "T2"),
        index(ledger, "T1-copy"),
    );
    // The ledger alone: the copy is a duplicate of the named twin, the unnamed twin
    // of the next birth order is not (whatever the model scores, the twin rule says
    // so).
    let out = dedupe(ledger, &LinkOptions::default());
    assert!(
        grouped(&out.links, t1, copy),
        "the copied row is not merged"
    );
    assert!(!grouped(&out.links, t1, t2) && !grouped(&out.links, copy, t2));
    for p in &out.twins {
        if [p.left_index, p.right_index].contains(&t2) {
            assert_eq!(p.reason, renkou_linkage::TwinReason::BirthOrders);
        }
    }

    // With the hospital as second source: its two births of M2 that day make the
    // ledger's two look-alike rows two children.
    let r = planted_reconciled();
    let (u1, u2) = (index(ledger, "U1"), index(ledger, "U2"));
    assert!(!grouped(&r.duplicates, u1, u2));
    assert!(r.twins.iter().any(|p| {
        (
            p.left_index.min(p.right_index),
            p.left_index.max(p.right_index),
        ) == (u1.min(u2), u1.max(u2))
            && p.reason == renkou_linkage::TwinReason::SecondSource
    }));
    assert!(!grouped(&r.duplicates, t1, t2) && grouped(&r.duplicates, t1, copy));
    // A group never holds more children than the hospital has that day.
    for g in &r.groups {
        let partners: std::collections::HashSet<usize> = r
            .links
            .iter()
            .filter(|l| g.contains(&l.left_index))
            .map(|l| l.right_index)
            .collect();
        assert!(partners.len() <= 1, "group {g:?} links to {partners:?}");
    }
}

#[test]
fn duplicated_rows_all_link_to_the_one_birth() {
    let (ledger, hospital) = planted();
    let r = planted_reconciled();
    let partner = |i: usize| {
        r.links
            .iter()
            .find(|l| l.left_index == i)
            .map(|l| (hospital[l.right_index].record_id.as_str(), l.status))
    };
    let (t1, copy, t2) = (
        index(ledger, "T1"),
        index(ledger, "T1-copy"),
        index(ledger, "T2"),
    );
    assert_eq!(partner(t1), Some(("H-T1", LinkStatus::Auto)));
    assert_eq!(partner(copy), Some(("H-T1", LinkStatus::Auto)));
    assert_eq!(partner(t2).map(|p| p.0), Some("H-T2"));
    let standing = r.duplicate_of[copy].or(r.duplicate_of[t1]);
    assert!(standing == Some(t1) || standing == Some(copy));

    // On the generated rows: every ledger row of a birth the hospital has links to
    // it, duplicates included (many-to-one); a hospital birth shared by two ledger
    // rows is shared only within one duplicate group (one-to-one between births).
    let g = small_births();
    let n = g.ledger.len();
    let mut by_entity: std::collections::HashMap<u32, Vec<usize>> = Default::default();
    for (i, &e) in g.ledger_entity.iter().enumerate() {
        by_entity.entry(e).or_default().push(i);
    }
    let in_hospital: std::collections::HashSet<u32> = g.hospital_entity.iter().copied().collect();
    let (mut groups, mut all_linked) = (0, 0);
    for rows in by_entity.values().filter(|v| v.len() > 1) {
        let e = g.ledger_entity[rows[0]];
        if !in_hospital.contains(&e) {
            continue;
        }
        groups += 1;
        let right: Vec<Option<u32>> = rows
            .iter()
            .map(|&i| {
                r.links
                    .iter()
                    .find(|l| l.left_index == i && l.status == LinkStatus::Auto)
                    .map(|l| g.hospital_entity[l.right_index])
            })
            .collect();
        if right.iter().all(|x| *x == Some(e)) {
            all_linked += 1;
        }
    }
    assert!(groups > 40, "{groups}");
    assert!(
        all_linked as f64 >= 0.9 * groups as f64,
        "{all_linked} of {groups}"
    );
    let mut seen: std::collections::HashMap<usize, usize> = Default::default();
    for l in r.links.iter().filter(|l| l.left_index < n) {
        if let Some(&other) = seen.get(&l.right_index) {
            let same_group = r
                .groups
                .iter()
                .any(|g| g.contains(&other) && g.contains(&l.left_index));
            assert!(same_group, "{} and {} share a partner", other, l.left_index);
        }
        seen.insert(l.right_index, l.left_index);
    }
    assert!(r.summary.duplicate_links > 0 && r.summary.duplicate_links <= r.summary.duplicate_rows);
}

/// GB 11643 check character (the test's own, to write wrong ones on purpose).
fn check_char(body: &str) -> char {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let s: u32 = body
        .bytes()
        .zip(W)
        .map(|(c, w)| (c - b'0') as u32 * w)
        .sum();
    b"10X98765432"[(s % 11) as usize] as char
}

#[test]
fn miswritten_mother_id_numbers_still_link() {
    let g = small_births();
    let mut ledger = g.ledger.clone();
    // Rewrite the ledger's mother ID numbers the ways sources do: the legacy
    // 15-digit form, a wrong check character, one digit off, an impossible embedded
    // date (month 13, check recomputed), full-width digits.
    let mut changed = Vec::new();
    for (i, r) in ledger.iter_mut().enumerate() {
        let id = r.mother_id_number.clone();
        if id.len() != 18 || check_char(&id[..17]) != id.chars().last().unwrap() {
            continue;
        }
        let body = &id[..17];
        r.mother_id_number = match i % 5 {
            0 if &id[6..8] == "19" => format!("{}{}", &id[..6], &id[8..17]),
            1 => {
                let right = check_char(body);
                let wrong = if right == '0' { '1' } else { '0' };
                format!("{body}{wrong}")
            }
            2 => {
                let d = (id.as_bytes()[15] - b'0' + 3) % 10;
                format!("{}{}{}", &id[..15], d, &id[16..])
            }
            3 => {
                let b = format!("{}13{}", &id[..10], &id[12..17]);
                let c = check_char(&b);
                format!("{b}{c}")
            }
            4 => id
                .chars()
                .map(|c| char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap_or(c))
                .collect(),
            _ => continue,
        };
        changed.push(i);
    }
    assert!(changed.len() > 2000, "{}", changed.len());
    let out = link(&ledger, &g.hospital, &LinkOptions::default());
    let right: std::collections::HashMap<usize, usize> = out
        .links
        .iter()
        .filter(|l| l.status == LinkStatus::Auto)
        .map(|l| (l.left_index, l.right_index))
        .collect();
    let in_hospital: std::collections::HashSet<u32> = g.hospital_entity.iter().copied().collect();
    let linkable: Vec<usize> = changed
        .iter()
        .copied()
        .filter(|&i| in_hospital.contains(&g.ledger_entity[i]))
        .collect();
    let ok = linkable
        .iter()
        .filter(|&&i| {
            right
                .get(&i)
                .is_some_and(|&j| g.hospital_entity[j] == g.ledger_entity[i])
        })
        .count();
    // One-to-one leaves a duplicated row's copy unlinked (about 2 % of rows).
    assert!(
        ok as f64 >= 0.97 * linkable.len() as f64,
        "{ok} of {}",
        linkable.len()
    );
    let m = evaluate_links(auto(&out.links), &g.ledger_entity, &g.hospital_entity);
    assert!(m.f1 >= 0.99, "{m}");
}

#[test]
fn a_fit_that_fails_its_checks_falls_back_to_the_defaults() {
    let g = small_births();
    // EM started from a model whose match class is the unrelated strangers' (and
    // whose unrelated class is the matches'): it converges where it started, on
    // "duplicates are strangers", and must not be used.
    let mut start = renkou_linkage::defaults::shipped(renkou_linkage::Task::BirthsDedupe);
    let last = start.classes.len() - 1;
    let (m, u) = (
        start.classes[0].levels.clone(),
        start.classes[last].levels.clone(),
    );
    start.classes[0].levels = u;
    start.classes[last].levels = m;
    let opts = LinkOptions {
        train_start: Some(start),
        ..Default::default()
    };
    let out = dedupe(&g.ledger, &opts);
    assert_eq!(out.fit.origin, renkou_linkage::ModelOrigin::Default);
    assert!(out.fit.fell_back());
    let failed: Vec<&str> = out.fit.failed().map(|c| c.name.as_str()).collect();
    assert!(failed.contains(&"identifier_agreement"), "{failed:?}");
    assert!(out.fit.checks_used.iter().all(|c| c.passed), "{}", out.fit);
    let text = out.fit.to_string();
    assert!(
        text.contains("shipped default parameters were used"),
        "{text}"
    );
    // The defaults still deduplicate (automatically or for review).
    let m = evaluate_dedupe(all_pairs(&out.links), &g.ledger_entity);
    assert!(m.recall >= 0.9, "{m}");
    assert!(evaluate_dedupe(auto(&out.links), &g.ledger_entity).precision >= 0.95);

    // Without the fallback the broken fit is used as it is (and the report says
    // which checks it fails).
    let broken = dedupe(
        &g.ledger,
        &LinkOptions {
            fallback: false,
            ..opts
        },
    );
    assert_eq!(broken.fit.origin, renkou_linkage::ModelOrigin::Trained);
    assert!(!broken.fit.passed());
    let m = evaluate_dedupe(auto(&broken.links), &g.ledger_entity);
    assert!(m.f1 < 0.5, "{m}");

    // A sound fit passes its checks and is kept.
    let ok = dedupe(&g.ledger, &LinkOptions::default());
    assert_eq!(ok.fit.origin, renkou_linkage::ModelOrigin::Trained);
    assert!(ok.fit.passed(), "{}", ok.fit);
}

#[test]
fn reviewed_models_are_saved_and_skip_em() {
    let (ledger, hospital) = planted();
    let first = planted_reconciled();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("models.json");
    first.models().save(&path).unwrap();
    let saved = renkou_linkage::SavedModels::load(&path).unwrap();
    let again = renkou_linkage::reconcile(
        ledger,
        hospital,
        &LinkOptions {
            model: saved.link,
            dedupe_model: saved.dedupe,
            ..Default::default()
        },
    );
    assert_eq!(again.link_fit.origin, renkou_linkage::ModelOrigin::Supplied);
    assert_eq!(
        again.dedupe_fit.origin,
        renkou_linkage::ModelOrigin::Supplied
    );
    assert_eq!(
        again.link_fit.training.iterations,
        first.link_fit.training.iterations
    );
    assert!(!again.timings.iter().any(|(stage, _)| *stage == "train"));
    // The same decisions (weights agree to rounding through JSON).
    let same = |a: &[renkou_linkage::Link], b: &[renkou_linkage::Link]| {
        a.len() == b.len()
            && a.iter().zip(b).all(|(x, y)| {
                (x.left_index, x.right_index, x.status) == (y.left_index, y.right_index, y.status)
                    && (x.match_weight - y.match_weight).abs() < 1e-6
            })
    };
    assert!(same(&first.links, &again.links), "links differ");
    assert!(
        same(&first.duplicates, &again.duplicates),
        "duplicates differ"
    );
    // A single model file loads into the slot its task names.
    std::fs::write(&path, first.dedupe_model.to_json()).unwrap();
    let one = renkou_linkage::SavedModels::load(&path).unwrap();
    assert!(one.link.is_none() && one.dedupe.is_some());
    std::fs::write(&path, "{\"format\":\"renkou-linkage-models/0\"}").unwrap();
    assert!(matches!(
        renkou_linkage::SavedModels::load(&path),
        Err(LinkError::Model { .. })
    ));
}

#[test]
fn no_automatic_duplicate_between_two_mothers() {
    let g = small_births();
    // The planted rows come after the generated ones and have mothers of their own.
    let mother = |i: usize| {
        g.ledger_mother
            .get(i)
            .copied()
            .unwrap_or(u32::MAX - i as u32)
    };
    let planted_mother = |id: &str| match id {
        "T1" | "T2" | "T1-copy" => Some(u32::MAX),
        "U1" | "U2" => Some(u32::MAX - 1),
        "V1" | "V1-copy" | "V2" => Some(u32::MAX - 2),
        "W1" | "W2" => Some(u32::MAX - 3),
        "X1" | "X1-named" => Some(u32::MAX - 4),
        _ => None,
    };
    let (ledger, _) = planted();
    let m = |i: usize| planted_mother(&ledger[i].record_id).unwrap_or_else(|| mother(i));
    for out in [
        dedupe(&g.ledger, &LinkOptions::default()).links,
        planted_reconciled().duplicates.clone(),
    ] {
        let auto = auto(&out);
        assert!(auto.len() > 30, "{}", auto.len());
        for (a, b) in auto {
            assert_eq!(m(a), m(b), "{a} {b}");
        }
    }
}

#[test]
fn tiny_and_empty_sources_are_handled() {
    let one = vec![row("A", "", "1", "2024-01-01", "1", "龚晓岚", M1, VILLAGE)];
    let none: Vec<LinkRecord> = Vec::new();
    for (l, r) in [(&one, &none), (&none, &one), (&none, &none), (&one, &one)] {
        let out = renkou_linkage::reconcile(l, r, &LinkOptions::default());
        assert!(out.links.len() <= 1 && out.duplicates.is_empty());
        let _ = out.link_fit.to_string();
    }
    assert!(dedupe(&one, &LinkOptions::default()).links.is_empty());
    // Raw strings a source writes are taken as they are: a malformed date, an
    // unknown village, a number of the wrong length.
    let odd = row(
        "B",
        "张",
        "男",
        "2024-02-30",
        "x",
        "龚晓岚",
        "34990919930417",
        "3499",
    );
    let out = renkou_linkage::reconcile(std::slice::from_ref(&odd), &one, &LinkOptions::default());
    assert!(out.links.len() <= 1);
}

/// One mother's delivery of one child in each source, the ledger's row with the
/// child's name written with two characters swapped and the birth order one off:
/// the model alone takes it for a twin sibling, but neither source has a second
/// child of hers that day, so it is her one birth.
#[test]
fn a_mothers_one_delivery_links_despite_a_swapped_name_and_a_slipped_order() {
    let g = small_births();
    let mut ledger = g.ledger.clone();
    let mut hospital = g.hospital.clone();
    let d = "2024-05-17";
    ledger.push(row("S1", "司马晨鑫", "1", d, "2", "龚晓岚", M1, VILLAGE));
    hospital.push(row("H-S1", "司马鑫晨", "1", d, "1", "龚晓岚", M1, VILLAGE));
    let (s1, h1) = (index(&ledger, "S1"), index(&hospital, "H-S1"));
    let out = link(&ledger, &hospital, &LinkOptions::default());
    let l = out
        .links
        .iter()
        .find(|l| l.left_index == s1)
        .expect("S1 is linked");
    assert_eq!((l.right_index, l.status), (h1, LinkStatus::Auto));

    // With a second child of hers that day in the hospital, the question is open
    // again: no automatic link to H-S1 on that ground.
    hospital.push(row("H-S2", "司马晨", "1", d, "2", "龚晓岚", M1, VILLAGE));
    let out = link(&ledger, &hospital, &LinkOptions::default());
    assert!(!out
        .links
        .iter()
        .any(|l| l.left_index == s1 && l.right_index == h1 && l.status == LinkStatus::Auto));
}

/// Twins the records cannot tell apart (same sex, no names, the hospital writing
/// both alike): which ledger row is which hospital birth is a coin toss, so both
/// links go to review instead of one right and one wrong automatically.
#[test]
fn twins_whose_records_cannot_tell_which_is_which_go_to_review() {
    let g = small_births();
    let mut ledger = g.ledger.clone();
    let mut hospital = g.hospital.clone();
    let d = "2024-07-02";
    ledger.push(row("W1", "", "2", d, "1", "韦秋菊", M2, VILLAGE));
    ledger.push(row("W2", "", "2", d, "2", "韦秋菊", M2, VILLAGE));
    hospital.push(row("H-W1", "", "2", d, "2", "韦秋菊", M2, VILLAGE));
    hospital.push(row("H-W2", "", "2", d, "2", "韦秋菊", M2, VILLAGE));
    let out = link(&ledger, &hospital, &LinkOptions::default());
    for id in ["W1", "W2"] {
        let i = index(&ledger, id);
        let l = out.links.iter().find(|l| l.left_index == i).expect(id);
        assert_eq!(l.status, LinkStatus::Review, "{id}");
    }
}

/// A village's handful of births: too few candidate pairs to fit the model's
/// parameters, so no EM runs; the shipped defaults are used, the report says why,
/// and the births still link.
#[test]
fn a_handful_of_births_is_not_fitted_and_uses_the_defaults() {
    let d = "2024-03-0";
    let mothers = [
        ("龚晓岚", M1),
        ("韦秋菊", M2),
        ("陈丽", "349901199001010024"),
        ("王芳", "349901198805120021"),
        ("李娜", "349901199211300046"),
        ("赵敏", "349901199507070028"),
        ("孙静", "349901198912250023"),
    ];
    let (mut ledger, mut hospital) = (Vec::new(), Vec::new());
    for (k, (m, id)) in mothers.iter().enumerate() {
        let date = format!("{d}{}", k + 1);
        let name = format!("周{}", ["一", "二", "三", "四", "五", "六", "七"][k]);
        ledger.push(row(
            &format!("L{k}"),
            &name,
            "1",
            &date,
            "1",
            m,
            id,
            VILLAGE,
        ));
        hospital.push(row(
            &format!("H{k}"),
            &name,
            "1",
            &date,
            "1",
            m,
            id,
            VILLAGE,
        ));
    }
    let r = renkou_linkage::reconcile(&ledger, &hospital, &LinkOptions::default());
    for fit in [&r.link_fit, &r.dedupe_fit] {
        if fit.candidate_pairs == 0 {
            continue;
        }
        assert!(fit.fell_back(), "{fit}");
        assert_eq!(fit.training.iterations, 0);
        assert!(
            fit.checks
                .iter()
                .any(|c| c.name == "enough_pairs" && !c.passed),
            "{fit}"
        );
        assert!(fit.to_string().contains("enough_pairs"), "{fit}");
    }
    let linked: Vec<(usize, usize)> = auto(&r.links);
    assert_eq!(linked, (0..7).map(|k| (k, k)).collect::<Vec<_>>());
    assert!(r.summary.auto_duplicates == 0);
}
