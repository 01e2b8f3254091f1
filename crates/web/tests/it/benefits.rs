//! The benefits pages and API on both databases: township staff start a 育儿补贴
//! run and read its rows (Chinese names, months, amounts, reasons); a village
//! worker sees their village's rows of it and 404 for another village's person; a
//! statistician reads but cannot start a run; attested facts by form, audited; the
//! month ledger on the person's benefits page.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use renkou_domain::Sex;
use renkou_store::testing::databases;
use renkou_store::Store;

use crate::common::{login, person, register, send, OURS, THEIRS};

fn setup(store: &Store) {
    let mut twin1 = person("K1", "测试双一", Sex::Female, (2024, 5, 10), OURS, "HA");
    twin1.mother_no = Some("A1".into());
    let mut twin2 = person("K2", "测试双二", Sex::Male, (2024, 5, 10), OURS, "HA");
    twin2.mother_no = Some("A1".into());
    register(
        store,
        &[
            person("A1", "测试甲", Sex::Female, (1992, 3, 4), OURS, "HA"),
            twin1,
            twin2,
            // Born 2022-03-15 in 二村: January and February 2025, 600.00.
            person("B2", "对照丁", Sex::Male, (2022, 3, 15), THEIRS, "HB"),
        ],
    );
}

#[test]
fn benefits_pages_runs_ledger_and_facts_in_the_accounts_area() {
    for db in databases() {
        let l = db.label;
        let store = db.store_with(&renkou_web::migrations());
        setup(&store);
        let app = renkou_web::router(renkou_web::AppState::new(
            db.store_with(&renkou_web::migrations()),
        ));
        let zhen = login(&app, "zhen", "Secret-pass-1").unwrap();
        let (s, body) = zhen.get("/benefits");
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(
            body.contains("育儿补贴") && body.contains("href=\"/benefits\""),
            "{body}"
        );
        let (s, _, loc) = zhen.post(
            "/benefits/runs",
            "program=childcare&region=349901101000&year=2025",
        );
        assert_eq!(s, StatusCode::SEE_OTHER, "{l}");
        let loc = loc.unwrap();
        let (s, body) = zhen.get(&loc);
        assert_eq!(s, StatusCode::OK, "{l}");
        // K1, K2: 3600.00 each; B2: 600.00; 7800.00 in all.
        assert!(body.contains("7800.00"), "{l}: {body}");
        assert!(
            body.contains("测试双一") && body.contains("3600.00"),
            "{body}"
        );
        assert!(body.contains("对照丁") && body.contains("600.00"), "{body}");
        assert!(body.contains("满龄"), "{l}: the reason in words");

        // The village worker of 一村 sees the twins' rows only.
        let cun = login(&app, "cun", "Secret-pass-1").unwrap();
        let (s, body) = cun.get(&loc);
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(
            body.contains("测试双一") && !body.contains("对照丁"),
            "{l}: {body}"
        );
        assert!(body.contains("7200.00"), "{l}: {body}");
        // The ledger of a twin: twelve months of 300.00; another village's: 404.
        let (s, body) = cun.get("/persons/K1/benefits");
        assert_eq!(s, StatusCode::OK, "{l}");
        // (In the ledger, before the file's decisions, whose receipts quote 300.00.)
        let ledger = body.split("id=\"decisions\"").next().unwrap();
        assert_eq!(ledger.matches("300.00").count(), 12, "{l}: {body}");
        assert!(body.contains("3600.00"), "{body}");
        let (s, _) = cun.get("/persons/B2/benefits");
        assert_eq!(s, StatusCode::NOT_FOUND, "{l}");
        let (s, body) = cun.get("/persons/A1");
        assert_eq!(s, StatusCode::OK);
        assert!(
            body.contains("/persons/A1/benefits"),
            "the person page links the ledger"
        );

        // An attested fact by form, audited; a bad one refused by name.
        let (s, body, _) = cun.post(
            "/persons/A1/benefits/facts",
            "kind=household_registration&value=%E5%86%9C%E4%B8%9A&as_of=2004-01-01&document=%E6%88%B7%E5%8F%A3%E7%B0%BF0001",
        );
        assert_eq!(s, StatusCode::OK, "{l}: {body}");
        assert!(
            body.contains("已记录证明事实") && body.contains("户口簿0001"),
            "{l}: {body}"
        );
        let (s, body, _) = cun.post(
            "/persons/A1/benefits/facts",
            "kind=disability&value=9&as_of=2004-01-01&document=x",
        );
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("残疾等级的值应为"), "{l}: {body}");
        let entries = store
            .audit_entries(&renkou_store::audit::AuditQuery {
                record_type: Some("benefit_fact".into()),
                limit: 100,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(entries.len(), 1, "{l}");
        let runs = store
            .audit_entries(&renkou_store::audit::AuditQuery {
                record_type: Some("benefit_run".into()),
                limit: 100,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(runs.len(), 1, "{l}");

        // The village worker cannot run the township; the statistician cannot run.
        let (s, body, _) = cun.post(
            "/benefits/runs",
            "program=childcare&region=349901101000&year=2025",
        );
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(body.contains("不在您的辖区内"), "{l}: {body}");
        let tongji = login(&app, "tongji", "Secret-pass-1").unwrap();
        let (s, page) = tongji.get(&loc);
        assert_eq!(s, StatusCode::OK, "{l}: the statistician reads runs");
        // The roster section once, in the page's body (not in its title or header).
        assert_eq!(page.matches("id=\"roster\"").count(), 1, "{l}");
        let title = page
            .split("<title>")
            .nth(1)
            .and_then(|t| t.split("</title>").next());
        assert!(title.is_some_and(|t| !t.contains('<')), "{l}: {title:?}");
        let (s, _, _) = tongji.post(
            "/benefits/runs",
            "program=childcare&region=349901000000&year=2025",
        );
        assert_eq!(s, StatusCode::FORBIDDEN, "{l}");

        // The roster: 一村 proposes its twins, 甲镇 checks and puts them on notice;
        // the printable notice shows name, village and program only.
        let roster = format!("{loc}/roster");
        let (s, body, _) = cun.post(&roster, "step=propose&region=349901101201");
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(
            body.contains("已处理 2 条") && body.contains("村已申报"),
            "{l}: {body}"
        );
        let (_, body, _) = cun.post(&roster, "step=check&region=349901101201");
        assert!(body.contains("审核与公示需要乡镇或县级账户"), "{l}: {body}");
        let (_, body, _) = zhen.post(&roster, "step=check&region=349901101000");
        assert!(
            body.contains("已处理 2 条") && body.contains("乡镇已审核"),
            "{l}: {body}"
        );
        let (_, body, _) = zhen.post(
            &roster,
            "step=notice&region=349901101000&from=2025-03-01&days=7",
        );
        assert!(
            body.contains("公示中") && body.contains("2025-03-01 起 7 天"),
            "{l}: {body}"
        );
        let (s, body) = cun.get(&format!("{loc}/notice"));
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(
            body.contains("测试双一") && body.contains("一村") && body.contains("育儿补贴"),
            "{body}"
        );
        assert!(
            !body.contains("K1") && !body.contains("349901"),
            "{l}: the notice shows no numbers: {body}"
        );

        // The API: the run's rows as JSON with decimal-string amounts.
        let a = store.account_by_name("zhen").unwrap().unwrap();
        store
            .create_api_token(
                a.id,
                "t",
                "zhen-benefits-token",
                chrono::Utc::now() + chrono::Duration::hours(1),
            )
            .unwrap();
        let id = loc.trim_start_matches("/benefits/runs/");
        let (s, body, _) = send(
            &app,
            Request::get(format!("/api/v1/benefits/runs/{id}?eligible=true"))
                .header(header::AUTHORIZATION, "Bearer zhen-benefits-token")
                .body(Body::empty())
                .unwrap(),
        );
        assert_eq!(s, StatusCode::OK, "{l}: {body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["total"], "7800.00", "{l}");
        assert_eq!(v["rows"].as_array().unwrap().len(), 3);
        assert_eq!(v["rows"][0]["person_id"], "B2");
        assert_eq!(v["rows"][0]["amount"], "600.00");
        let (s, body, _) = send(
            &app,
            Request::get("/api/v1/persons/K2/benefits")
                .header(header::AUTHORIZATION, "Bearer zhen-benefits-token")
                .body(Body::empty())
                .unwrap(),
        );
        assert_eq!(s, StatusCode::OK, "{l}: {body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["slots"].as_array().unwrap().len(), 12, "{l}");
    }
}
