//! The reconciliation pages on both databases: a county account uploads a source
//! and runs a reconciliation; a village worker sees and fixes the item of their
//! village (the correction lands in the person's history) and gets 404 for the
//! item of another village, whatever the route; forms need their CSRF token.

use axum::http::StatusCode;
use renkou_domain::event::EventKind;
use renkou_domain::{Date, IdNumber, MaritalStatus, PersonRecord, RegionCode, Residence, Sex};
use renkou_store::testing::databases;
use renkou_store::Store;

use crate::common::{form, login, multipart, register, send, OURS, THEIRS};
use renkou_reconciliation::tables::ReconciliationTables;

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn d(y: i32, m: u32, dd: u32) -> Date {
    Date::from_ymd_opt(y, m, dd).unwrap()
}

fn person(
    no: &str,
    name: &str,
    sex: Sex,
    birth: Date,
    village: &str,
    mother: Option<&str>,
) -> PersonRecord {
    PersonRecord {
        person_no: no.into(),
        name: name.into(),
        sex,
        birth_date: birth,
        id_number: mother
            .is_none()
            .then(|| IdNumber::compose(349901, birth, 24)),
        household_no: format!("H{village}"),
        region_code: code(village),
        marital_status: MaritalStatus::NotStated,
        mother_no: mother.map(str::to_string),
        father_no: None,
        residence: Residence::Resident,
        phone: None,
        death_date: None,
        relation: None,
    }
}

fn setup(store: &Store) {
    register(
        store,
        &[
            person("A1", "测试甲", Sex::Female, d(1992, 3, 4), OURS, None),
            person(
                "AK",
                "测试甲儿",
                Sex::Female,
                d(2024, 4, 1),
                OURS,
                Some("A1"),
            ),
            person("B1", "对照丙", Sex::Female, d(1993, 7, 8), THEIRS, None),
            person(
                "BK",
                "对照丙儿",
                Sex::Female,
                d(2024, 6, 1),
                THEIRS,
                Some("B1"),
            ),
        ],
    );
}

fn source_csv() -> String {
    let a1 = IdNumber::compose(349901, d(1992, 3, 4), 24);
    let b1 = IdNumber::compose(349901, d(1993, 7, 8), 24);
    format!(
        "记录编号,婴儿姓名,婴儿性别,出生日期,孩次,母亲姓名,母亲身份号码,母亲出生日期,区划代码\n\
         S1,测试甲儿,1,2024-04-01,1,测试甲,{a1},1992-03-04,{OURS}\n\
         S2,对照丙儿,2,2024-06-01,1,对照丙,{b1},1993-07-08,{THEIRS}\n"
    )
}

#[test]
fn a_village_worker_reviews_and_fixes_their_village_only() {
    for db in databases() {
        let l = &db.label;
        let store = db.store_with(&renkou_web::migrations());
        setup(&store);
        let app = renkou_web::router(renkou_web::AppState::new(
            db.store_with(&renkou_web::migrations()),
        ));
        let admin = login(&app, "admin", "Secret-pass-1").unwrap();
        let (s, body) = admin.get("/reconcile");
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("href=\"/reconcile\""), "nav link");

        // A bad file is refused with file:row:column, and nothing is written.
        let bad = "记录编号,婴儿性别,出生日期\nX1,1,2024-02-30\n";
        let fields = [
            ("kind", "hospital"),
            ("name", "县医院"),
            ("region", "349901101000"),
            ("from", "2024-01-01"),
            ("to", "2024-12-31"),
        ];
        let (s, body, _) = multipart(
            &admin,
            "/reconcile/sources",
            &fields,
            "医院.csv",
            bad.as_bytes(),
        );
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("医院.csv:2:出生日期"), "{l}: {body}");
        assert!(store.sources().unwrap().is_empty());
        let (s, body, _) = multipart(
            &admin,
            "/reconcile/sources",
            &fields,
            "医院.csv",
            source_csv().as_bytes(),
        );
        assert_eq!(s, StatusCode::OK, "{body}");
        assert!(body.contains("new 2"), "{l}: {body}");
        let sid = store.sources().unwrap()[0].id;

        let (s, _, loc) = admin.post("/reconcile/runs", &format!("source={sid}"));
        assert_eq!(s, StatusCode::SEE_OTHER, "{l}");
        let loc = loc.unwrap();
        let rid: i64 = loc.trim_start_matches("/reconcile/").parse().unwrap();
        let (s, body) = admin.get(&loc);
        assert_eq!(s, StatusCode::OK);
        assert!(
            body.contains("id=\"accuracy\"") && body.contains("一村"),
            "{body}"
        );

        let (items, _) = store
            .reconciliation_items(
                rid,
                &renkou_reconciliation::tables::ItemFilter {
                    limit: 10,
                    ..Default::default()
                },
            )
            .unwrap();
        let ours = items.iter().find(|i| i.village_code == OURS).unwrap().id;
        let theirs = items.iter().find(|i| i.village_code == THEIRS).unwrap().id;

        let cun = login(&app, "cun", "Secret-pass-1").unwrap();
        // The queue shows the village's item only; the run page counts it only.
        let (s, body) = cun.get(&format!("/reconcile/{rid}/items"));
        assert_eq!(s, StatusCode::OK);
        assert!(
            body.contains(&format!("/reconcile/items/{ours}\"")),
            "{l}: {body}"
        );
        assert!(!body.contains(&format!("/reconcile/items/{theirs}\"")));
        assert_eq!(
            cun.get(&format!("/reconcile/{rid}/items?village={THEIRS}"))
                .0,
            StatusCode::NOT_FOUND
        );
        let (s, body) = cun.get(&format!("/reconcile/items/{ours}"));
        assert_eq!(s, StatusCode::OK);
        assert!(
            body.contains("class=\"differs\""),
            "{l}: sex differs: {body}"
        );
        assert!(body.contains("id=\"explanation\""), "{body}");
        assert!(body.contains("id=\"fix\""));
        // The fix form offers the differing field with the source's value.
        assert!(
            body.contains("name=\"value\" required value=\"1\""),
            "{body}"
        );
        // Only accounts whose area holds the item's village are offered.
        assert!(body.contains("<option value=\"cun\""), "{body}");
        assert!(!body.contains("<option value=\"admin\""));

        // Another village's item: 404 on every route.
        assert_eq!(
            cun.get(&format!("/reconcile/items/{theirs}")).0,
            StatusCode::NOT_FOUND
        );
        for (uri, body) in [
            (
                format!("/reconcile/items/{theirs}/review"),
                "decision=confirm".to_string(),
            ),
            (
                format!("/reconcile/items/{theirs}/review"),
                "decision=fix&field=sex&value=1&note=x".to_string(),
            ),
            (
                format!("/reconcile/items/{theirs}/assign"),
                "assignee=cun".to_string(),
            ),
            (
                format!("/reconcile/{rid}/items/bulk"),
                format!("action=confirm&ids={theirs}"),
            ),
        ] {
            assert_eq!(cun.post(&uri, &body).0, StatusCode::NOT_FOUND, "{l}: {uri}");
        }
        assert_eq!(
            store.reconciliation_item(theirs).unwrap().unwrap().status,
            renkou_reconciliation::rules::ReviewStatus::Open
        );

        // No CSRF token, no write.
        let (s, _, _) = send(
            &app,
            form(
                &format!("/reconcile/items/{ours}/review"),
                "decision=confirm",
                &cun.cookie,
            ),
        );
        assert!(
            s == StatusCode::FORBIDDEN || s == StatusCode::UNPROCESSABLE_ENTITY,
            "{s}"
        );
        // A fix without a reason is refused.
        let (s, _, _) = cun.post(
            &format!("/reconcile/items/{ours}/review"),
            "decision=fix&field=sex&value=1&note=",
        );
        assert_eq!(s, StatusCode::BAD_REQUEST);
        // The fix: the register's sex corrected with the reason, in the history.
        let (s, _, loc) = cun.post(
            &format!("/reconcile/items/{ours}/review"),
            "decision=fix&field=sex&value=1&note=birth+certificate+says+male",
        );
        assert_eq!(s, StatusCode::SEE_OTHER, "{l}");
        assert_eq!(
            loc.as_deref(),
            Some(format!("/reconcile/items/{ours}").as_str())
        );
        assert_eq!(store.person("AK").unwrap().unwrap().sex, Sex::Male);
        let history = store.person_events("AK").unwrap();
        assert!(history.iter().any(|e| matches!(
            &e.event.kind,
            EventKind::Correction { reason, .. } if reason == "birth certificate says male"
        )));
        let (_, page) = cun.get("/persons/AK");
        assert!(
            page.contains("birth certificate says male"),
            "{l}: history shows the reason"
        );
        let (_, page) = cun.get(&format!("/reconcile/items/{ours}"));
        assert!(page.contains("已更正"), "{page}");
        // Bulk and assignment inside the village work.
        let (s, _, _) = cun.post(
            &format!("/reconcile/{rid}/items/bulk"),
            &format!("action=assign&assignee=cun&ids={ours}"),
        );
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert_eq!(
            store
                .reconciliation_item(ours)
                .unwrap()
                .unwrap()
                .assigned_to
                .as_deref(),
            Some("cun")
        );
        // The county's page shows both villages and the Chapman columns.
        let (_, page) = admin.get(&format!("/reconcile/{rid}"));
        assert!(page.contains("二村") && page.contains("一村"), "{page}");
    }
}
