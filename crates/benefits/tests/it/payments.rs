//! Payment cycles on both databases, over a hand-made 育儿补贴 family (300 yuan a
//! month, every amount worked out by hand in the comments): the bank file with its
//! 合计 row and hash, a slot never paid twice across two cycles, the bank's results
//! with a row of each class, the same file imported again changing nothing, a bad
//! file refused with file:row:field, the states with who and when.

use renkou_benefits::payments::{self, CycleRequest, CycleState, NewAccount, RowClass};
use renkou_benefits::roster;
use renkou_benefits::rules::{Month, Parameters, Program, Yuan};
use renkou_benefits::runs::{self, Request};
use renkou_benefits::{slots, tables, Error};
use renkou_domain::account::{Role, Scope};
use renkou_domain::{IdNumber, Sex};
use renkou_store::audit::AuditQuery;
use renkou_store::{Actor, Store};
use renkou_testkit::{child, code, d, load, person, stores, with_id, COUNTY, TOWN_A, V1, V2};

fn y(s: &str) -> Yuan {
    Yuan::parse(s).unwrap()
}

fn account(role: Role, area: &str) -> Actor {
    Actor::account(
        format!("{}-{area}", role.as_str()),
        "127.0.0.1",
        Scope {
            role,
            region: code(area),
        },
    )
}

const ACCT_MOTHER: &str = "6217000000000001";
const ACCT_FATHER: &str = "6228000000000002";
const ACCT_FATHER_NEW: &str = "6228000000000003";

fn id_of(store: &Store, no: &str) -> String {
    store
        .person(no)
        .unwrap()
        .unwrap()
        .id_number
        .unwrap()
        .as_str()
        .to_string()
}

/// 一村: a mother M1 and her twins CT1, CT2 (born 2024-05-10: every month of 2025);
/// KN (born 2024-12-01: every month of 2025, but no bank account). 二村: a father F2
/// and his son K2 (born 2023-08-01: every month of 2025), and K3 (born 2025-10-15:
/// October to December). The run is approved for the county.
fn setup(store: &Store, admin: &Actor) {
    load(
        store,
        &[
            with_id(person("M1", Sex::Female, d(1994, 3, 10), V1), 12),
            child("CT1", Sex::Female, d(2024, 5, 10), V1, "M1"),
            child("CT2", Sex::Male, d(2024, 5, 10), V1, "M1"),
            person("KN", Sex::Male, d(2024, 12, 1), V1),
            with_id(person("F2", Sex::Male, d(1990, 1, 2), V2), 21),
            person("K2", Sex::Male, d(2023, 8, 1), V2),
            person("K3", Sex::Female, d(2025, 10, 15), V2),
        ],
    );
    let (id, _) = runs::run_and_save(
        store,
        admin,
        &Request {
            program: Program::Childcare,
            area: code(COUNTY),
            year: 2025,
        },
        &Parameters::national(),
    )
    .unwrap();
    let run = runs::run_in_scope(store, admin, id).unwrap().unwrap();
    let county = code(COUNTY);
    assert_eq!(roster::propose(store, admin, &run, &county).unwrap(), 5);
    roster::check(store, admin, &run, &county).unwrap();
    roster::start_notice(store, admin, &run, &county, d(2025, 1, 1), 7).unwrap();
    assert_eq!(
        roster::approve(store, admin, &run, &county, d(2025, 2, 1)).unwrap(),
        5
    );
    let m1 = id_of(store, "M1");
    let f2 = id_of(store, "F2");
    for (person, holder, id, acct) in [
        ("CT1", "测试M1", &m1, ACCT_MOTHER),
        ("CT2", "测试M1", &m1, ACCT_MOTHER),
        ("K2", "测试F2", &f2, ACCT_FATHER),
        ("K3", "测试F2", &f2, ACCT_FATHER),
    ] {
        payments::record_account(
            store,
            admin,
            &NewAccount {
                person_no: person.into(),
                holder_name: holder.into(),
                holder_id_number: id.clone(),
                account_no: acct.into(),
                bank: "测试农商银行".into(),
                as_of: d(2025, 1, 5),
                document: "银行卡复印件 第001号".into(),
            },
        )
        .unwrap();
    }
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn a_cycle_pays_approved_slots_once_and_the_results_are_classified() {
    for (db, store) in stores(&[&renkou_benefits::MIGRATIONS]) {
        let l = db.label;
        let dir = tempfile::tempdir().unwrap();
        let admin = account(Role::CountyAdmin, COUNTY);
        setup(&store, &admin);
        let m1 = id_of(&store, "M1");
        let f2 = id_of(&store, "F2");

        // A bank account is attested, never invented: the document is required, the
        // holder's ID number must be valid, the account digits only.
        let bad = NewAccount {
            person_no: "KN".into(),
            holder_name: "测试KN".into(),
            holder_id_number: "349901199001020000".into(),
            account_no: "6217 0000 0000 0009".into(),
            bank: "测试农商银行".into(),
            as_of: d(2025, 1, 5),
            document: "".into(),
        };
        assert!(
            payments::record_account(&store, &admin, &bad).is_err(),
            "{l}"
        );
        // A village worker of 一村 may not record one for 二村.
        let cun = account(Role::VillageWorker, V1);
        assert!(payments::record_account(
            &store,
            &cun,
            &NewAccount {
                person_no: "K2".into(),
                holder_id_number: f2.clone(),
                document: "银行卡".into(),
                ..bad.clone()
            }
        )
        .is_err());

        // Cycle 1: January to June 2025 for the county. CT1, CT2 and K2 are due
        // 6 × 300 = 1800.00 each; KN is due too but has no account, so is named and
        // left out; K3 is born in October. 3 lines, 18 slots, 5400.00.
        let req = CycleRequest {
            program: Program::Childcare,
            area: code(COUNTY),
            first: Month::new(2025, 1),
            last: Month::new(2025, 6),
        };
        // A township may not pay the county.
        let town = account(Role::TownshipStaff, TOWN_A);
        assert!(matches!(
            payments::draft(&store, &town, &req),
            Err(Error::OutsideArea(_))
        ));
        let c1 = payments::draft(&store, &admin, &req).unwrap();
        let cycle = payments::cycle_in_scope(&store, &admin, c1)
            .unwrap()
            .unwrap();
        assert_eq!(cycle.state, CycleState::Drafted);
        assert_eq!((cycle.persons, cycle.slots), (3, 18), "{l}");
        assert_eq!(cycle.total, y("5400.00"));
        assert_eq!(cycle.without_account, vec!["KN".to_string()]);
        // A village worker does not see the county's bank file.
        assert!(payments::cycle_in_scope(&store, &cun, c1)
            .unwrap()
            .is_none());

        // The CSV batch file, byte for byte, and its hash as recorded.
        let (name, sha, csv) = payments::bank_file(&store, &cycle, "bank_csv")
            .unwrap()
            .unwrap();
        assert!(name.ends_with(".csv"));
        let expected = format!(
            "\u{feff}序号,户名,账号,身份证号码,金额\r\n\
             1,测试M1,{ACCT_MOTHER},{m1},1800.00\r\n\
             2,测试M1,{ACCT_MOTHER},{m1},1800.00\r\n\
             3,测试F2,{ACCT_FATHER},{f2},1800.00\r\n\
             合计,共3笔,,,5400.00\r\n"
        );
        assert_eq!(String::from_utf8(csv.clone()).unwrap(), expected, "{l}");
        assert_eq!(sha, payments::sha256_hex(&csv));
        assert!(cycle
            .files
            .iter()
            .any(|(k, _, h)| k == "bank_csv" && *h == sha));
        // The xlsx has the same hash as recorded, and reads back through our own
        // reader as the same rows.
        let (_, xsha, xlsx) = payments::bank_file(&store, &cycle, "bank_xlsx")
            .unwrap()
            .unwrap();
        assert_eq!(xsha, payments::sha256_hex(&xlsx));

        // While cycle 1 holds them, no second cycle and no manual payment takes
        // those slots.
        assert!(payments::draft(&store, &admin, &req).is_err(), "{l}");
        assert!(slots::pay(
            &store,
            &admin,
            "CT1",
            Program::Childcare,
            Month::new(2025, 1),
            "x"
        )
        .is_err());

        // Results before the batch was sent are refused.
        let results = write(
            dir.path(),
            "results.csv",
            &format!(
                "序号,户名,账号,身份证号码,金额,结果,失败原因\n\
                 1,测试M1,{ACCT_MOTHER},{m1},1800.00,成功,\n\
                 2,测试M1,{ACCT_MOTHER},{m1},1800.00,成功,\n\
                 2,测试M1,{ACCT_MOTHER},{m1},1800.00,成功,\n\
                 3,测试F2,{ACCT_FATHER},{f2},1800.00,失败,账户已销户\n\
                 9,测试某,6200000000000099,,100.00,成功,\n\
                 3,测试F2,{ACCT_FATHER},{f2},1700.00,成功,\n\
                 合计,,,,9000.00,,\n"
            ),
        );
        assert!(payments::import_results(&store, &admin, &cycle, &results, "results.csv").is_err());
        payments::send(&store, &admin, &cycle).unwrap();
        let cycle = payments::cycle_in_scope(&store, &admin, c1)
            .unwrap()
            .unwrap();
        assert_eq!(cycle.state, CycleState::Sent);
        assert!(cycle.sent_by.is_some() && cycle.sent_at.is_some());

        // A bad file is refused whole, each bad cell named file:row:field.
        let broken = write(
            dir.path(),
            "broken.csv",
            &format!(
                "序号,户名,账号,身份证号码,金额,结果,失败原因\n\
                 1,测试M1,{ACCT_MOTHER},{m1},18.005,成功,\n\
                 2,测试M1,{ACCT_MOTHER},{m1},1800.00,不知道,\n\
                 3,测试F2,{ACCT_FATHER},{f2},1800.00,失败,\n"
            ),
        );
        let e = payments::import_results(&store, &admin, &cycle, &broken, "broken.csv")
            .unwrap_err()
            .to_string();
        assert!(e.contains("broken.csv:2:金额"), "{l}: {e}");
        assert!(e.contains("broken.csv:3:结果"), "{e}");
        assert!(e.contains("broken.csv:4:失败原因"), "{e}");

        // Row by row: 2 paid (line 1, line 2: 3600.00), line 2 again (paid twice,
        // 1800.00), line 3 failed (1800.00), 序号 9 with an unknown account (not in
        // the batch, 100.00), line 3 with 1700.00 (amount differs). The file's 合计
        // 9000.00 = 1800 × 4 + 100 + 1700.
        let r = payments::import_results(&store, &admin, &cycle, &results, "results.csv").unwrap();
        let classes: Vec<(u64, RowClass)> = r.rows.iter().map(|x| (x.row, x.class)).collect();
        assert_eq!(
            classes,
            vec![
                (2, RowClass::Paid),
                (3, RowClass::Paid),
                (4, RowClass::PaidTwice),
                (5, RowClass::Failed),
                (6, RowClass::NotInBatch),
                (7, RowClass::AmountDiffers),
            ],
            "{l}"
        );
        assert_eq!(r.classes[&RowClass::Paid].amount, y("3600.00"));
        assert_eq!(r.classes[&RowClass::PaidTwice].amount, y("1800.00"));
        assert_eq!(r.rows[5].batch_amount, Some(y("1800.00")));
        assert_eq!(r.file_control_total, Some(y("9000.00")));
        assert_eq!(r.file_rows_total, y("9000.00"));
        // The batch reconciles: 5400.00 = paid 3600.00 + failed 1800.00 + 0 open.
        assert_eq!((r.batch.count, r.batch.amount), (3, y("5400.00")));
        assert_eq!((r.paid.count, r.paid.amount), (2, y("3600.00")));
        assert_eq!((r.failed.count, r.failed.amount), (1, y("1800.00")));
        assert_eq!(r.unanswered.count, 0);
        assert!(r.reconciles());
        // 2 lines paid × 6 slots each.
        assert_eq!((r.lines_changed, r.slots_paid), (3, 12), "{l}");
        let ct1 = slots::ledger_of(&store, &admin, "CT1").unwrap().unwrap();
        let jan = ct1.iter().find(|s| s.month == Month::new(2025, 1)).unwrap();
        assert_eq!(jan.paid_amount, Some(y("300.00")));
        assert_eq!(jan.paid_batch.as_deref(), Some(&*format!("cycle-{c1}")));
        let k2 = slots::ledger_of(&store, &admin, "K2").unwrap().unwrap();
        assert!(k2.iter().all(|s| s.paid_batch.is_none()), "{l}");

        // The same file again: classified the same, nothing changes.
        let before = slots::ledger_of(&store, &admin, "CT1").unwrap().unwrap();
        let again =
            payments::import_results(&store, &admin, &cycle, &results, "results.csv").unwrap();
        assert_eq!(
            again.rows.iter().map(|x| x.class).collect::<Vec<_>>(),
            r.rows.iter().map(|x| x.class).collect::<Vec<_>>()
        );
        assert_eq!((again.lines_changed, again.slots_paid), (0, 0), "{l}");
        assert_eq!(
            slots::ledger_of(&store, &admin, "CT1").unwrap().unwrap(),
            before
        );
        assert!(again.reconciles());
        // A later file that says line 1 failed contradicts what was imported.
        let contra = write(
            dir.path(),
            "contra.csv",
            &format!(
                "账户名称,银行账号,金额,交易状态,备注\n测试M1,{ACCT_MOTHER},1800.00,失败,退回\n"
            ),
        );
        let c = payments::import_results(&store, &admin, &cycle, &contra, "contra.csv").unwrap();
        assert_eq!(c.rows[0].class, RowClass::Contradicts, "{l}");
        assert_eq!(c.lines_changed, 0);

        // Closed: every line has its answer.
        let cycle = payments::cycle_in_scope(&store, &admin, c1)
            .unwrap()
            .unwrap();
        assert_eq!(cycle.state, CycleState::Imported);
        payments::close(&store, &admin, &cycle).unwrap();
        let cycle = payments::cycle_in_scope(&store, &admin, c1)
            .unwrap()
            .unwrap();
        assert_eq!(cycle.state, CycleState::Closed);
        assert!(cycle.closed_by.is_some());
        assert!(payments::import_results(&store, &admin, &cycle, &results, "results.csv").is_err());

        // K2's father opens a new account; cycle 2 covers the whole year. Paid
        // months are not paid again: CT1 and CT2 July-December 6 × 300 = 1800.00
        // each; K2's failed January-June are free again, so all 12 × 300 = 3600.00
        // into the new account; K3 October-December 3 × 300 = 900.00. 4 lines, 27
        // slots, 8100.00.
        payments::record_account(
            &store,
            &admin,
            &NewAccount {
                person_no: "K2".into(),
                holder_name: "测试F2".into(),
                holder_id_number: f2.clone(),
                account_no: ACCT_FATHER_NEW.into(),
                bank: "测试农商银行".into(),
                as_of: d(2025, 7, 1),
                document: "银行卡复印件 第002号".into(),
            },
        )
        .unwrap();
        let c2 = payments::draft(
            &store,
            &admin,
            &CycleRequest {
                last: Month::new(2025, 12),
                ..req.clone()
            },
        )
        .unwrap();
        let cycle2 = payments::cycle_in_scope(&store, &admin, c2)
            .unwrap()
            .unwrap();
        assert_eq!((cycle2.persons, cycle2.slots), (4, 27), "{l}");
        assert_eq!(cycle2.total, y("8100.00"));
        let lines = store.with(|c| payments::lines(c, c2, None)).unwrap();
        let got: Vec<(&str, i64, String, &str)> = lines
            .iter()
            .map(|x| {
                (
                    x.person_no.as_str(),
                    x.months,
                    x.amount.to_string(),
                    x.account_no.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("CT1", 6, "1800.00".into(), ACCT_MOTHER),
                ("CT2", 6, "1800.00".into(), ACCT_MOTHER),
                ("K2", 12, "3600.00".into(), ACCT_FATHER_NEW),
                ("K3", 3, "900.00".into(), ACCT_FATHER),
            ],
            "{l}"
        );
        payments::send(&store, &admin, &cycle2).unwrap();
        // The bank answers without 序号, by account and ID number: the twins share
        // their mother's account, matched by the order of the file.
        let all_paid = write(
            dir.path(),
            "results2.csv",
            &format!(
                "户名,账号,身份证号码,金额,结果\n\
                 测试M1,{ACCT_MOTHER},{m1},1800.00,成功\n\
                 测试M1,{ACCT_MOTHER},{m1},1800.00,成功\n\
                 测试F2,{ACCT_FATHER_NEW},{f2},3600.00,成功\n\
                 测试F2,{ACCT_FATHER},{f2},900.00,成功\n"
            ),
        );
        let cycle2 = payments::cycle_in_scope(&store, &admin, c2)
            .unwrap()
            .unwrap();
        let r2 =
            payments::import_results(&store, &admin, &cycle2, &all_paid, "results2.csv").unwrap();
        assert_eq!(r2.count(RowClass::Paid), 4, "{l}");
        assert_eq!((r2.paid.amount, r2.slots_paid), (y("8100.00"), 27));
        // Every month of CT1 paid once: January-June by cycle 1, July-December by 2.
        let ct1 = slots::ledger_of(&store, &admin, "CT1").unwrap().unwrap();
        assert_eq!(ct1.len(), 12);
        assert_eq!(
            ct1.iter()
                .filter(|s| s.paid_batch.as_deref() == Some(&*format!("cycle-{c1}")))
                .count(),
            6
        );
        assert_eq!(
            ct1.iter()
                .filter(|s| s.paid_batch.as_deref() == Some(&*format!("cycle-{c2}")))
                .count(),
            6
        );
        let paid: Yuan = ct1.iter().filter_map(|s| s.paid_amount).sum();
        assert_eq!(paid, y("3600.00"), "{l}");
        // Nothing is left to pay for 2025 but KN's, who has no account.
        let e = payments::draft(
            &store,
            &admin,
            &CycleRequest {
                last: Month::new(2025, 12),
                ..req.clone()
            },
        );
        assert!(e.is_err(), "{l}");

        // The signature sheet: by village, numbered from 1, the total of the lines.
        let sheet = payments::signature_sheet(&store, &cycle2, None).unwrap();
        assert_eq!(sheet.rows.len(), 4);
        assert_eq!(sheet.total, y("8100.00"));
        assert_eq!(
            sheet
                .rows
                .iter()
                .map(|r| (r.seq, r.name.as_str(), r.months))
                .collect::<Vec<_>>(),
            vec![
                (1, "测试CT1", 6),
                (2, "测试CT2", 6),
                (3, "测试K2", 12),
                (4, "测试K3", 3)
            ]
        );
        let one = payments::signature_sheet(&store, &cycle2, Some(&code(V2))).unwrap();
        assert_eq!((one.rows.len(), one.total), (2, y("4500.00")));
        assert!(!payments::signature_xlsx(&sheet, d(2025, 12, 1))
            .unwrap()
            .is_empty());
        assert_eq!(payments::signature_document(&sheet).sections.len(), 1);

        // Every step is in the audit log.
        let steps = store
            .audit_entries(&AuditQuery {
                record_type: Some("benefit_cycle".into()),
                record_id: Some(c1.to_string()),
                limit: 100,
                ..Default::default()
            })
            .unwrap();
        let actions: Vec<&str> = steps.iter().map(|s| s.action.as_str()).collect();
        for a in ["draft_cycle", "send_cycle", "import_results", "close_cycle"] {
            assert!(actions.contains(&a), "{l}: {actions:?}");
        }
        let _ = tables::RECORD_KINDS;
        let _ = IdNumber::parse(&m1).unwrap();
    }
}

#[test]
fn a_discarded_draft_releases_its_slots() {
    for (db, store) in stores(&[&renkou_benefits::MIGRATIONS]) {
        let admin = account(Role::CountyAdmin, COUNTY);
        setup(&store, &admin);
        let req = CycleRequest {
            program: Program::Childcare,
            area: code(V1),
            first: Month::new(2025, 1),
            last: Month::new(2025, 3),
        };
        // 一村 January-March: CT1 and CT2, 3 × 300 = 900.00 each.
        let c = payments::draft(&store, &admin, &req).unwrap();
        let cycle = payments::cycle_in_scope(&store, &admin, c)
            .unwrap()
            .unwrap();
        assert_eq!(cycle.total, y("1800.00"), "{}", db.label);
        payments::discard(&store, &admin, &cycle).unwrap();
        assert!(payments::send(&store, &admin, &cycle).is_err());
        let again = payments::draft(&store, &admin, &req).unwrap();
        let cycle = payments::cycle_in_scope(&store, &admin, again)
            .unwrap()
            .unwrap();
        assert_eq!(cycle.total, y("1800.00"));
        // The months are not paid until the bank says so.
        assert!(slots::ledger_of(&store, &admin, "CT1")
            .unwrap()
            .unwrap()
            .iter()
            .all(|s| s.paid_batch.is_none()));
    }
}
