//! Route-level tests of the web application on both databases: scope (another
//! village's records are 404 for every route family), roles, first-login password
//! change, lockout, CSRF, and the audit trail of views and writes.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use renkou_domain::account::Role;
use renkou_domain::{Date, IdNumber, Sex};
use renkou_store::testing::databases;

use crate::common::*;

#[test]
fn another_villages_records_are_not_found_for_every_route_family() {
    for db in databases() {
        let store = db.store_with(&renkou_web::migrations());
        setup(&store);
        let state = renkou_web::AppState::new(db.store_with(&renkou_web::migrations()));
        assert!(state.wait_for_search_index(std::time::Duration::from_secs(30)));
        let app = renkou_web::router(state);
        let cun = login(&app, "cun", "Secret-pass-1").unwrap();
        let (s, csv) = cun.get(&format!("/regions/{OURS}/households?format=csv"));
        assert_eq!(s, StatusCode::OK);
        assert!(csv.contains("HA,") && !csv.contains("HB"), "{csv}");
        let (s, csv) = cun.get(&format!("/regions/{OURS}/persons?format=csv"));
        assert_eq!(s, StatusCode::OK);
        assert!(csv.starts_with("\u{feff}人员编号,姓名"), "{csv}");
        assert!(csv.contains("A1,测试甲") && !csv.contains("B1"), "{csv}");
        // Pinyin finds our people only: 测试 = ceshi, 对照 = duizhao.
        let (_, body) = cun.get("/search?q=ceshi");
        assert!(
            body.contains("/persons/A1") && body.contains("/persons/A2"),
            "{}: {body}",
            db.label
        );
        let (_, body) = cun.get("/search?q=dz");
        assert!(!body.contains("/persons/B1"), "{}", db.label);
        // Our own village: visible.
        for uri in [
            "/".to_string(),
            format!("/regions/{OURS}"),
            format!("/regions/{OURS}/persons"),
            format!("/regions/{OURS}/households"),
            "/persons/A1".into(),
            "/households/HA".into(),
            format!("/regions/{OURS}/births/new"),
            "/persons/A1/events/death".into(),
            format!("/indicators/{OURS}?year=2024"),
        ] {
            assert_eq!(cun.get(&uri).0, StatusCode::OK, "{}: {uri}", db.label);
        }
        // Another village, its person and household, and the township above: 404.
        for uri in [
            format!("/regions/{THEIRS}"),
            format!("/regions/{THEIRS}/persons"),
            format!("/regions/{THEIRS}/persons?format=csv"),
            format!("/regions/{THEIRS}/households"),
            format!("/regions/{THEIRS}/households?format=xlsx"),
            format!("/regions/{THEIRS}/births/new"),
            format!("/indicators/{THEIRS}"),
            "/indicators/349901101000".into(),
            "/regions/349901101000".into(),
            "/persons/B1".into(),
            "/persons/B1/events/death".into(),
            "/persons/B1/events/correction".into(),
            "/households/HB".into(),
            "/persons/NOBODY".into(),
            "/admin/audit".into(),
        ] {
            assert_eq!(
                cun.get(&uri).0,
                StatusCode::NOT_FOUND,
                "{}: {uri}",
                db.label
            );
        }
        let (s, _, _) = cun.post("/persons/B1/events/death", "date=2025-01-01");
        assert_eq!(s, StatusCode::NOT_FOUND, "{}", db.label);
        let (s, _, _) = cun.post(
            &format!("/regions/{THEIRS}/births/new"),
            "mother_no=B1&sex=1&birth_date=2025-01-01",
        );
        assert_eq!(s, StatusCode::NOT_FOUND);
        // Our village, but a mother from elsewhere: refused with a message.
        let (s, body, _) = cun.post(
            &format!("/regions/{OURS}/births/new"),
            "mother_no=B1&sex=1&birth_date=2025-01-01",
        );
        assert_eq!(s, StatusCode::BAD_REQUEST);
        // In the page's language only (the message's halves meet at "）/ ").
        assert!(
            body.contains("找不到母亲") && !body.contains("mother not found"),
            "{body}"
        );
        // Search finds only our area.
        let (_, body) = cun.get("/search?q=%E5%AF%B9%E7%85%A7"); // 对照
        assert!(!body.contains("/persons/B1"), "{}", db.label);
        let (_, body) = cun.get("/search?q=%E6%B5%8B%E8%AF%95"); // 测试
        assert!(
            body.contains("/persons/A1") && body.contains("/persons/A2"),
            "{}: {body}",
            db.label
        );

        // The township sees both villages; the statistician reads but cannot write.
        let zhen = login(&app, "zhen", "Secret-pass-1").unwrap();
        assert_eq!(zhen.get("/persons/B1").0, StatusCode::OK);
        let tongji = login(&app, "tongji", "Secret-pass-1").unwrap();
        assert_eq!(tongji.get("/persons/B1").0, StatusCode::OK);
        let (s, _, _) = tongji.post("/persons/B1/events/death", "date=2025-01-01");
        assert_eq!(s, StatusCode::FORBIDDEN, "{}", db.label);
        let admin = login(&app, "admin", "Secret-pass-1").unwrap();
        let (s, body) = admin.get("/admin/audit");
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("✓"), "{body}");
    }
}

#[test]
fn writes_need_the_csrf_token_and_are_audited() {
    for db in databases() {
        let store = db.store_with(&renkou_web::migrations());
        setup(&store);
        let state = renkou_web::AppState::new(db.store_with(&renkou_web::migrations()));
        let app = renkou_web::router(state.clone());
        let cun = login(&app, "cun", "Secret-pass-1").unwrap();
        // Without the token, or from another site: refused, nothing written.
        let (s, _, _) = send(
            &app,
            form("/persons/A2/events/death", "date=2025-01-01", &cun.cookie),
        );
        assert_eq!(s, StatusCode::FORBIDDEN, "{}", db.label);
        let mut req = form(
            "/persons/A2/events/death",
            &format!("csrf={}&date=2025-01-01", cun.csrf),
            &cun.cookie,
        );
        req.headers_mut()
            .insert(header::ORIGIN, "https://elsewhere.example".parse().unwrap());
        req.headers_mut()
            .insert(header::HOST, "renkou.local".parse().unwrap());
        assert_eq!(send(&app, req).0, StatusCode::FORBIDDEN);
        assert!(store.person("A2").unwrap().unwrap().death_date.is_none());

        // A birth: the child joins the mother's household with a derived order.
        let (s, _, loc) = cun
            .post(&format!("/regions/{OURS}/births/new"), "mother_no=A1&father_no=A2&name=%E6%B5%8B%E8%AF%95%E5%A9%B4&sex=2&birth_date=2024-06-01")
            ;
        assert_eq!(s, StatusCode::SEE_OTHER, "{}", db.label);
        let child_no = loc.unwrap().trim_start_matches("/persons/").to_string();
        let child = store.person(&child_no).unwrap().unwrap();
        assert_eq!(child.household_no, "HA");
        assert_eq!(child.mother_no.as_deref(), Some("A1"));
        let (_, page) = cun.get("/persons/A1");
        assert!(
            page.contains(&child_no),
            "the mother's page lists the child"
        );
        let (_, page) = cun.get(&format!("/persons/{child_no}"));
        assert!(page.contains("id=\"birth-order\">1<"), "{page}");
        // A mother not yet in the register is entered with the birth.
        let (s, body, loc) = cun
            .post(&format!("/regions/{OURS}/births/new"), "mother_name=%E6%B5%8B%E8%AF%95%E6%96%B0%E6%AF%8D&mother_birth_date=1995-03-04&father_name=%E6%B5%8B%E8%AF%95%E6%96%B0%E7%88%B6&father_birth_date=1993-01-01&sex=1&birth_date=2025-02-03")
            ;
        assert_eq!(s, StatusCode::SEE_OTHER, "{}: {body}", db.label);
        let baby = store
            .person(loc.unwrap().trim_start_matches("/persons/"))
            .unwrap()
            .unwrap();
        let new_mother = store
            .person(baby.mother_no.as_deref().unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(
            (new_mother.name.as_str(), new_mother.sex),
            ("测试新母", Sex::Female)
        );
        assert_eq!(new_mother.region_code.as_str(), OURS);
        assert_eq!(baby.household_no, new_mother.household_no);
        let new_father = store
            .person(baby.father_no.as_deref().unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(
            (new_father.name.as_str(), new_father.household_no.as_str()),
            ("测试新父", new_mother.household_no.as_str())
        );
        assert_eq!(
            store.children_of(&new_mother.person_no).unwrap()[0].birth_order,
            1
        );
        // A correction without a reason is refused with a message; with one it lands.
        let (s, body, _) = cun.post(
            "/persons/A2/events/correction",
            "field=name&new_value=x&reason=",
        );
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(body.contains("reason"), "{body}");
        // A2's ID number says 1990-05-06: the form warns first and writes nothing,
        // then saves when the user confirms.
        let (s, body, _) = cun
            .post("/persons/A2/events/correction", "field=birth_date&new_value=1990-05-16&reason=%E5%87%BA%E7%94%9F%E6%97%A5%E6%9C%9F%E9%94%99%E6%8A%A5")
            ;
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains(r#"id="warning""#), "{body}");
        let (s, _, _) = cun
            .post("/persons/A2/events/correction", "field=birth_date&new_value=1990-05-16&reason=%E5%87%BA%E7%94%9F%E6%97%A5%E6%9C%9F%E9%94%99%E6%8A%A5&confirm=1")
            ;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert_eq!(
            store.person("A2").unwrap().unwrap().birth_date.to_string(),
            "1990-05-16"
        );
        let (s, _, _) = cun.post("/persons/A2/events/death", "date=2025-01-01");
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (s, body, _) = cun.post("/persons/A2/events/death", "date=2025-02-01");
        assert_eq!(s, StatusCode::BAD_REQUEST, "dying twice: {body}");

        // Views are written to the log behind the page; wait for them.
        state.store.flush_audit_views();
        let entries = store
            .audit_entries(&renkou_store::audit::AuditQuery {
                username: Some("cun".into()),
                record_type: Some("person".into()),
                limit: 100,
                ..Default::default()
            })
            .unwrap();
        let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
        assert!(
            actions.contains(&"view") && actions.contains(&"create") && actions.contains(&"update"),
            "{actions:?}"
        );
        assert!(
            entries.iter().all(|e| !e.fields.contains("测试")),
            "no names in the audit log"
        );
        assert!(store.verify_audit().unwrap().is_ok());
    }
}

#[test]
fn first_login_forces_a_new_password_and_failures_lock() {
    for db in databases() {
        let store = db.store_with(&renkou_web::migrations());
        setup(&store);
        renkou_register::accounts::add_user(
            &store,
            "neu",
            "neu",
            Role::VillageWorker,
            &code(OURS),
            "initial-pw",
        )
        .unwrap();
        let app = renkou_web::router(renkou_web::AppState::new(
            db.store_with(&renkou_web::migrations()),
        ));
        let c = login(&app, "neu", "initial-pw").unwrap();
        let (s, _, loc) = send(
            &app,
            Request::get("/persons/A1")
                .header(header::COOKIE, &c.cookie)
                .body(Body::empty())
                .unwrap(),
        );
        assert_eq!(
            (s, loc.as_deref()),
            (StatusCode::SEE_OTHER, Some("/password")),
            "{}",
            db.label
        );
        let (s, body, _) = c.post(
            "/password",
            "current_password=initial-pw&new_password=short&repeat=short",
        );
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(body.contains("8"), "{body}");
        // One voice: the Chinese page says it in Chinese only.
        let (s, body, _) = c.post(
            "/password",
            "current_password=not-it&new_password=Much-better-1&repeat=Much-better-1",
        );
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(
            body.contains("当前密码不正确") && !body.contains("current password is wrong"),
            "{body}"
        );
        let (s, _, _) = c.post(
            "/password",
            "current_password=initial-pw&new_password=Much-better-1&repeat=Much-better-1",
        );
        assert_eq!(s, StatusCode::SEE_OTHER);
        // The old session ended with the change; the new password works.
        assert_eq!(c.get("/").0, StatusCode::SEE_OTHER);
        let c = login(&app, "neu", "Much-better-1").unwrap();
        assert_eq!(c.get("/persons/A1").0, StatusCode::OK);

        // Five wrong passwords lock the account from that address, even against
        // the right one; from another address the owner still logs in (so nobody
        // can lock an administrator out by guessing), and the account itself is
        // not locked.
        for _ in 0..5 {
            assert_eq!(
                login(&app, "neu", "wrong-one").err(),
                Some(StatusCode::UNAUTHORIZED)
            );
        }
        assert_eq!(
            login(&app, "neu", "Much-better-1").err(),
            Some(StatusCode::UNAUTHORIZED),
            "{}",
            db.label
        );
        assert!(
            login_from(&app, "neu", "Much-better-1", "10.0.0.9").is_ok(),
            "{}",
            db.label
        );
        assert!(store
            .account_by_name("neu")
            .unwrap()
            .unwrap()
            .locked_until
            .is_none());
        // A name nobody has is locked the same way: "locked" tells nothing.
        for _ in 0..5 {
            let _ = login(&app, "nobody-here", "wrong-one");
        }
        let body = login_page_after(&app, "nobody-here", "x");
        let body2 = login_page_after(&app, "neu", "x");
        assert!(body.contains("锁定") && body2.contains("锁定"), "{body}");
    }
}

#[test]
fn a_ledger_upload_is_previewed_checked_and_imported_in_the_background() {
    for db in databases() {
        let store = db.store_with(&renkou_web::migrations());
        setup(&store);
        let app = renkou_web::router(renkou_web::AppState::new(
            db.store_with(&renkou_web::migrations()),
        ));
        let cun = login(&app, "cun", "Secret-pass-1").unwrap();
        // GBK, Chinese headers, one row in another village and one bad date.
        let id = IdNumber::compose(349901, Date::from_ymd_opt(2001, 2, 3).unwrap(), 24);
        let text = format!(
            "人员编号,姓名,性别,出生日期,公民身份号码,户编号,区划代码,母亲编号\r\n\
             N1,测试丁,2,2001-02-03,{id},HN,{OURS},\r\n\
             N2,测试戊,1,2024-13-01,,HN,{OURS},N1\r\n\
             N3,测试己,1,2020-01-01,,HX,{THEIRS},\r\n"
        );
        let (gbk, _, _) = encoding_rs::GBK.encode(&text);
        let (s, body, _) = multipart(&cun, "/imports", &[("kind", "persons")], "台帐.csv", &gbk);
        assert_eq!(s, StatusCode::OK, "{}: {body}", db.label);
        assert!(
            body.contains("人员编号") && body.contains("测试丁"),
            "preview shows columns and rows"
        );
        assert!(body.contains("台帐.csv:3:出生日期:"), "{body}");
        assert!(
            body.contains("台帐.csv:4:区划代码:")
                && body.contains("不在您的辖区内")
                && !body.contains("outside your area"),
            "{body}"
        );
        assert!(!body.contains("id=\"commit\""), "no commit with errors");
        assert_eq!(
            store.counts().unwrap().persons,
            3,
            "{}: the check wrote nothing",
            db.label
        );
        assert!(body.contains("<small>人员</small>"), "{body}");
        // On an English page the file's kind is named in English.
        let en = Client {
            app: app.clone(),
            cookie: format!("{}; lang=en", cun.cookie),
            csrf: cun.csrf.clone(),
        };
        let (s, body, _) = multipart(&en, "/imports", &[("kind", "persons")], "台帐.csv", &gbk);
        assert_eq!(s, StatusCode::OK, "{}: {body}", db.label);
        assert!(
            body.contains("<small>persons</small>") && !body.contains("人员</small>"),
            "{body}"
        );
        // Row errors keep file, row and column, in English only.
        assert!(
            body.contains("台帐.csv:4:区划代码: ")
                && body.contains("outside your area")
                && !body.contains("不在您的辖区内"),
            "{body}"
        );

        // The same file with --skip-invalid semantics: commit, then watch the job.
        let (s, body, _) = multipart(
            &cun,
            "/imports",
            &[("kind", "persons"), ("skip_invalid", "1")],
            "台帐.csv",
            &gbk,
        );
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("id=\"commit\""), "{body}");
        let upload_id = body
            .split("action=\"/imports/")
            .nth(1)
            .and_then(|s| s.split('/').next())
            .unwrap()
            .to_string();
        let (s, _, loc) = cun.post(&format!("/imports/{upload_id}/commit"), "");
        assert_eq!(
            (s, loc.as_deref()),
            (
                StatusCode::SEE_OTHER,
                Some(format!("/imports/{upload_id}").as_str())
            )
        );
        let mut page = String::new();
        for _ in 0..100 {
            page = cun.get(&format!("/imports/{upload_id}")).1;
            if page.contains("id=\"result\"") {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        // The result in the page's language only.
        assert!(
            page.contains("新增 1") && !page.contains("new 1"),
            "{}: {page}",
            db.label
        );
        assert!(store.person("N1").unwrap().is_some());
        assert!(store.person("N3").unwrap().is_none());
        // Another account cannot see the job.
        let zhen = login(&app, "zhen", "Secret-pass-1").unwrap();
        assert_eq!(
            zhen.get(&format!("/imports/{upload_id}")).0,
            StatusCode::NOT_FOUND
        );
        // The statistician cannot import.
        let tongji = login(&app, "tongji", "Secret-pass-1").unwrap();
        assert_eq!(tongji.get("/imports/new").0, StatusCode::NOT_FOUND);
    }
}

#[test]
fn logins_are_rate_limited_per_address() {
    let db = renkou_store::testing::TestDb::sqlite();
    let store = db.store_with(&renkou_web::migrations());
    setup(&store);
    let app = renkou_web::router(
        renkou_web::AppState::new(db.store_with(&renkou_web::migrations())).with_login_limit(3),
    );
    for _ in 0..3 {
        assert_eq!(
            login(&app, "nobody", "x").err(),
            Some(StatusCode::UNAUTHORIZED)
        );
    }
    assert_eq!(
        login(&app, "cun", "Secret-pass-1").err(),
        Some(StatusCode::TOO_MANY_REQUESTS)
    );
}
