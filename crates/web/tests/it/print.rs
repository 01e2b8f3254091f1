//! The register as offices keep it, through the routes, on both databases: the
//! village roster and the household card as print pages and as xlsx files for
//! people (typed cells read back with calamine), the lists' downloads in words,
//! ID numbers as text in CSV; the error pages with the navigation in one
//! language; the data-quality list by village and page.

use axum::http::StatusCode;
use calamine::{Data, Reader, Xlsx};
use renkou_domain::quality::{QualityIssue, QualityKind};
use renkou_domain::Sex;
use renkou_store::audit::AuditQuery;
use renkou_store::testing::databases;
use renkou_store::Actor;

use crate::common::*;

fn xlsx(bytes: Vec<u8>) -> Xlsx<std::io::Cursor<Vec<u8>>> {
    Xlsx::new(std::io::Cursor::new(bytes)).expect("a readable xlsx")
}

#[test]
fn the_roster_and_the_household_card_print_and_download_for_people() {
    for db in databases() {
        let store = db.store_with(&renkou_web::migrations());
        setup(&store);
        let app = renkou_web::router(renkou_web::AppState::new(
            db.store_with(&renkou_web::migrations()),
        ));
        let cun = login(&app, "cun", "Secret-pass-1").unwrap();
        let (s, page) = cun.get(&format!("/regions/{OURS}/roster"));
        assert_eq!(s, StatusCode::OK);
        assert!(
            page.contains("一村户籍人口花名册") && page.contains("@page"),
            "{page}"
        );
        assert!(page.contains("测试甲") && !page.contains("对照丙"));
        assert!(page.contains("<thead>") && page.contains("class=\"print cards-sm roster\""));
        assert!(
            !page.contains("所属村"),
            "a village's roster has no village column"
        );
        let (s, page) = cun.get("/households/HA/card");
        assert_eq!(s, StatusCode::OK);
        assert!(
            page.contains("一村户卡") && page.contains("户主签字"),
            "{page}"
        );
        // Another village's household and roster: not found.
        assert_eq!(cun.get("/households/HB/card").0, StatusCode::NOT_FOUND);
        assert_eq!(
            cun.get_bytes(&format!("/regions/{THEIRS}/roster?format=xlsx"))
                .0,
            StatusCode::NOT_FOUND
        );

        // The roster as xlsx: the offices' columns, typed cells.
        let (s, _, bytes) = cun.get_bytes(&format!("/regions/{OURS}/roster?format=xlsx"));
        assert_eq!(s, StatusCode::OK);
        let r = xlsx(bytes).worksheet_range("花名册").unwrap();
        assert!(matches!(&r[(0, 0)], Data::String(t) if t.starts_with("一村户籍人口花名册")));
        assert_eq!(r[(1, 6)], Data::String("身份证号码".into()));
        assert_eq!(r.height(), 4, "title, header, two persons");
        let a1 = (2..4)
            .find(|&i| r[(i, 2)] == Data::String("测试甲".into()))
            .unwrap();
        assert_eq!(r[(a1, 4)], Data::String("女".into()));
        assert!(matches!(r[(a1, 5)], Data::DateTime(_)), "{:?}", r[(a1, 5)]);
        let id = renkou_domain::IdNumber::compose(
            349901,
            renkou_domain::Date::from_ymd_opt(1992, 3, 4).unwrap(),
            14,
        )
        .to_string();
        assert_eq!(r[(a1, 6)], Data::String(id.clone()));
        assert_eq!(r[(a1, 9)], Data::String("初婚".into()));
        assert_eq!(r[(a1, 10)], Data::String("常住".into()));
        assert!(matches!(r[(2, 0)], Data::Float(_)), "序号 is a number");
        let (s, _, bytes) = cun.get_bytes("/households/HA/card?format=xlsx");
        assert_eq!(s, StatusCode::OK);
        let r = xlsx(bytes).worksheet_range("户卡").unwrap();
        assert!(matches!(&r[(0, 0)], Data::String(t) if t.contains("户编号 HA")));

        // A township's roster names the village of each row.
        let zhen = login(&app, "zhen", "Secret-pass-1").unwrap();
        let (_, page) = zhen.get("/regions/349901101000/roster");
        assert!(page.contains("所属村") && page.contains("对照丙") && page.contains("二村"));

        // The persons list for people: words and dates; ID numbers as text in CSV.
        let (s, _, bytes) = cun.get_bytes(&format!("/regions/{OURS}/persons?format=xlsx"));
        assert_eq!(s, StatusCode::OK);
        let r = xlsx(bytes).worksheet_range("人员名单").unwrap();
        assert!(matches!(&r[(0, 0)], Data::String(t) if t.starts_with("一村人员名单")));
        assert_eq!(r[(1, 2)], Data::String("性别".into()));
        assert_eq!(r[(2, 2)], Data::String("女".into()));
        assert!(matches!(r[(2, 3)], Data::DateTime(_)));
        assert_eq!(r[(2, 4)], Data::String(id.clone()));
        let (_, csv) = cun.get(&format!("/regions/{OURS}/persons?format=csv"));
        assert!(csv.contains(&format!("\"=\"\"{id}\"\"\"")), "{csv}");
        assert!(csv.contains(",女,1992-03-04,"), "{csv}");
        let (s, _, bytes) = cun.get_bytes(&format!("/regions/{OURS}/households?format=xlsx"));
        assert_eq!(s, StatusCode::OK);
        let r = xlsx(bytes).worksheet_range("户名单").unwrap();
        assert_eq!(r[(2, 0)], Data::String("HA".into()));
        assert_eq!(r[(2, 2)], Data::String("一村".into()));
        assert_eq!(r[(2, 4)], Data::Float(2.0));

        // Every download is in the audit log with how many rows.
        let exports: Vec<String> = store
            .audit_entries(&AuditQuery {
                action: Some("export".into()),
                limit: 100,
                ..Default::default()
            })
            .unwrap()
            .into_iter()
            .map(|e| e.fields)
            .collect();
        for want in ["roster=2", "household_card=2", "persons=2", "households=1"] {
            assert!(
                exports.iter().any(|f| f == want),
                "{}: {want} in {exports:?}",
                db.label
            );
        }
    }
}

#[test]
fn error_pages_have_the_navigation_a_way_back_and_one_language() {
    for db in databases() {
        let store = db.store_with(&renkou_web::migrations());
        setup(&store);
        let app = renkou_web::router(renkou_web::AppState::new(
            db.store_with(&renkou_web::migrations()),
        ));
        let cun = login(&app, "cun", "Secret-pass-1").unwrap();
        // A person nobody has, a person of another village, a page that does
        // not exist: the same page.
        let pages: Vec<String> = ["/persons/NOBODY", "/persons/B1", "/no/such/page"]
            .iter()
            .map(|u| {
                let (s, page) = cun.get(u);
                assert_eq!(s, StatusCode::NOT_FOUND, "{u}");
                page
            })
            .collect();
        assert_eq!(
            pages[0], pages[1],
            "another village's person looks like nobody"
        );
        for page in &pages {
            assert!(page.contains("找不到该页面或记录"), "{page}");
            assert!(
                page.contains(&format!("/quality/{OURS}")),
                "the navigation: {page}"
            );
            assert!(page.contains("id=\"way-back\"") && page.contains("返回上一页"));
            assert!(!page.contains("Not found"), "one language: {page}");
        }
        // English for an English user.
        let en = Client {
            app: app.clone(),
            cookie: format!("{}; lang=en", cun.cookie),
            csrf: cun.csrf.clone(),
        };
        let (s, page) = en.get("/persons/NOBODY");
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert!(
            page.contains("Not found") && !page.contains("找不到"),
            "{page}"
        );
        // Without a session: no navigation, a way to log in.
        let anon = Client {
            app: app.clone(),
            cookie: String::new(),
            csrf: String::new(),
        };
        let (s, page) = anon.get("/no/such/page");
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert!(
            page.contains("href=\"/login\"") && !page.contains("/quality/"),
            "{page}"
        );
        // A refused write shows its message in the page's language only.
        let (s, page, _) = cun.post(&format!("/regions/{THEIRS}/births/new"), "x=1");
        assert_eq!(s, StatusCode::NOT_FOUND, "{page}");
    }
}

#[test]
fn the_data_quality_list_filters_by_village_and_pages() {
    for db in databases() {
        let store = db.store_with(&renkou_web::migrations());
        let mut persons = Vec::new();
        for i in 0..25 {
            persons.push(person(
                &format!("A{i}"),
                "测试甲",
                Sex::Female,
                (1990, 1, 1 + i % 28),
                OURS,
                "HA",
            ));
        }
        for i in 0..3 {
            persons.push(person(
                &format!("B{i}"),
                "对照丙",
                Sex::Female,
                (1991, 1, 1 + i),
                THEIRS,
                "HB",
            ));
        }
        register(&store, &persons);
        let issues: Vec<QualityIssue> = persons
            .iter()
            .map(|p| QualityIssue {
                person_no: p.person_no.clone(),
                kind: QualityKind::IdBirthDateMismatch,
                message: "身份证号码中的出生日期与出生日期不符 / differs".into(),
            })
            .collect();
        store
            .write(&Actor::operator("test"), |tx| tx.record_quality(&issues))
            .unwrap();
        let app = renkou_web::router(renkou_web::AppState::new(
            db.store_with(&renkou_web::migrations()),
        ));
        let zhen = login(&app, "zhen", "Secret-pass-1").unwrap();
        let rows = |page: &str| page.matches("<tr id=\"issue-").count();
        let (s, page) = zhen.get("/quality/349901101000");
        assert_eq!(s, StatusCode::OK);
        assert_eq!(rows(&page), 20, "{}", db.label);
        assert!(
            page.contains("<small>28</small>") && page.contains("1 / 2"),
            "{page}"
        );
        assert!(
            page.contains("一村（25）") && page.contains("二村（3）"),
            "{page}"
        );
        let (_, page) = zhen.get("/quality/349901101000?page=2");
        assert_eq!(rows(&page), 8);
        let (_, page) = zhen.get(&format!("/quality/349901101000?village={THEIRS}"));
        assert_eq!(rows(&page), 3);
        assert!(page.contains("<small>3</small>") && !page.contains("id=\"pages\""));
        assert!(page.contains(&format!("value=\"{THEIRS}\" selected")));
        // A village outside the area filters nothing in: the whole list.
        let (_, page) = zhen.get("/quality/349901101000?village=349901102201");
        assert!(page.contains("<small>28</small>"));
        // A village worker sees only their village.
        let cun = login(&app, "cun", "Secret-pass-1").unwrap();
        let (_, page) = cun.get(&format!("/quality/{OURS}?page=2"));
        assert_eq!(rows(&page), 5);
        assert!(!page.contains("对照丙"));
    }
}
