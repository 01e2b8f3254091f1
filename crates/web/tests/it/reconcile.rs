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
    // A clerk's slip in the check digit: kept as written, still compared.
    let b1 = IdNumber::compose(349901, d(1993, 7, 8), 24).to_string();
    let b1 = format!("{}{}", &b1[..17], if b1.ends_with('0') { '1' } else { '0' });
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

        // A row with neither a birth date nor a mother is refused with
        // file:row:column in the check, and nothing is written.
        let bad = "记录编号,婴儿性别,出生日期,母亲姓名\nX1,1,,\n";
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
        assert!(
            !body.contains("id=\"commit\""),
            "{l}: no commit with errors"
        );
        assert!(store.sources().unwrap().is_empty());
        // A good file: checked and previewed (the mother's ID number of S2 has a
        // wrong check digit: kept and flagged), then imported as a job.
        let (s, body, _) = multipart(
            &admin,
            "/reconcile/sources",
            &fields,
            "医院.csv",
            source_csv().as_bytes(),
        );
        assert_eq!(s, StatusCode::OK, "{body}");
        assert!(body.contains("id=\"commit\""), "{l}: {body}");
        assert!(body.contains("id=\"flagged\""), "{l}: {body}");
        assert!(body.contains("母亲身份号码校验位错误：1"), "{l}: {body}");
        assert!(
            store.sources().unwrap().is_empty(),
            "{l}: the check wrote nothing"
        );
        let upload_id = body
            .split("action=\"/imports/")
            .nth(1)
            .and_then(|s| s.split('/').next())
            .unwrap()
            .to_string();
        let (s, _, loc) = admin.post(&format!("/imports/{upload_id}/commit"), "");
        assert_eq!(s, StatusCode::SEE_OTHER, "{l}");
        assert_eq!(
            loc.as_deref(),
            Some(format!("/imports/{upload_id}").as_str())
        );
        let mut page = String::new();
        for _ in 0..200 {
            page = admin.get(&format!("/imports/{upload_id}")).1;
            if page.contains("id=\"result\"") {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        assert!(page.contains("新增 2"), "{l}: {page}");
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
        // The record kept as written says so on its item's page.
        let (_, page) = admin.get(&format!("/reconcile/items/{theirs}"));
        assert!(
            page.contains("id=\"flags\"") && page.contains("母亲身份号码校验位错误"),
            "{l}: {page}"
        );
        // The county's page shows both villages and the Chapman columns.
        let (_, page) = admin.get(&format!("/reconcile/{rid}"));
        assert!(page.contains("二村") && page.contains("一村"), "{page}");
        // How far to trust it: the counts, the fits' checks, and for the county the
        // button that makes the run's models the county's.
        assert!(
            page.contains("id=\"trust\"") && page.contains("id=\"fits\""),
            "{l}: {page}"
        );
        assert!(page.contains("自动判定的配对"), "{l}: Chinese first");
        // Two births are too few to fit: each model says it fell back to the
        // shipped defaults, and why, every check by its name, with its value and
        // limit; how much of the queue is still open. No check's code, and no
        // English, on the Chinese page (nor Chinese words on the English one).
        assert!(page.contains("已改用内置默认参数"), "{l}: {page}");
        assert!(page.contains("候选对数量足以拟合"), "{l}: {page}");
        assert!(page.contains("≥ 435"), "{l}: the limit: {page}");
        assert!(
            !page.contains("enough_pairs") && !page.contains("identifier_weight"),
            "{l}: codes instead of names: {page}"
        );
        assert!(!page.contains("shipped defaults"), "{l}: {page}");
        assert!(
            page.contains("id=\"review-progress\"") && page.contains("已处理 1"),
            "{l}: {page}"
        );
        let en = crate::common::Client {
            app: app.clone(),
            cookie: format!("{}; lang=en", admin.cookie),
            csrf: admin.csrf.clone(),
        };
        let (_, en_page) = en.get(&format!("/reconcile/{rid}"));
        assert!(
            en_page.contains("the shipped defaults were used instead")
                && en_page.contains("candidate pairs enough to fit"),
            "{l}: {en_page}"
        );
        assert!(
            !en_page.contains("已改用内置默认参数") && !en_page.contains("候选对数量"),
            "{l}: Chinese on the English page: {en_page}"
        );
        assert!(page.contains("id=\"save-model\""), "{l}");
        let (_, cun_page) = cun.get(&format!("/reconcile/{rid}"));
        assert!(!cun_page.contains("id=\"save-model\""), "{l}");
        assert_eq!(
            cun.post(&format!("/reconcile/{rid}/model"), "").0,
            StatusCode::FORBIDDEN
        );
        let (s, _, _) = admin.post(&format!("/reconcile/{rid}/model"), "");
        assert_eq!(s, StatusCode::SEE_OTHER, "{l}");
        assert!(
            store
                .county_models(&code("349901000000"))
                .unwrap()
                .is_some(),
            "{l}"
        );
    }
}

fn token(store: &Store, user: &str) -> String {
    let t = format!("{user}-reconcile-token");
    let a = store.account_by_name(user).unwrap().unwrap();
    store
        .create_api_token(
            a.id,
            "t",
            &t,
            chrono::Utc::now() + chrono::Duration::hours(1),
        )
        .unwrap();
    t
}

fn api(
    app: &axum::Router,
    method: &str,
    uri: &str,
    token: &str,
    body: Option<serde_json::Value>,
) -> (StatusCode, serde_json::Value) {
    use axum::body::Body;
    use axum::http::{header, Request};
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    let req = match body {
        Some(b) => req
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    }
    .unwrap();
    let (s, text, _) = send(app, req);
    (
        s,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

/// The county drives a reconciliation from its own scripts: sources, a run with
/// its trust report, the queue and a decision; a village's token sees its village
/// only and another village's item is 404.
#[test]
fn the_reconciliation_api_is_scoped_like_the_account() {
    use serde_json::json;
    for db in databases() {
        let l = &db.label;
        let store = db.store_with(&renkou_web::migrations());
        setup(&store);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("医院.csv");
        std::fs::write(&path, source_csv()).unwrap();
        let spec = renkou_reconciliation::workflow::SourceSpec {
            kind: renkou_reconciliation::rules::SourceKind::Hospital,
            name: "县医院".into(),
            region: code("349901101000"),
            from: d(2024, 1, 1),
            to: d(2024, 12, 31),
        };
        let i = renkou_reconciliation::workflow::import_source(
            &store,
            &path,
            &spec,
            &renkou_store::ImportOptions::by(renkou_store::Actor::operator("admin")),
            &renkou_domain::progress::NoProgress,
        )
        .unwrap();
        let sid = i.source_id.unwrap();
        let app = renkou_web::router(renkou_web::AppState::new(
            db.store_with(&renkou_web::migrations()),
        ));
        let (admin, cun) = (token(&store, "admin"), token(&store, "cun"));

        let (s, v) = api(&app, "GET", "/api/v1/sources", &cun, None);
        assert_eq!(s, StatusCode::OK, "{l}: {v}");
        assert_eq!(v[0]["id"], json!(sid), "{l}");
        let (s, v) = api(
            &app,
            "POST",
            "/api/v1/reconciliations",
            &admin,
            Some(json!({"source": sid})),
        );
        assert_eq!(s, StatusCode::OK, "{l}: {v}");
        let rid = v["reconciliation_id"].as_i64().unwrap();
        assert!(v["trust"]["auto_pairs"].as_u64().is_some(), "{l}: {v}");
        assert!(v["trust"]["link_fit"]["checks"].is_array(), "{l}: {v}");
        // A source of nobody's, a body with an unknown field: refused as JSON.
        let (s, _) = api(
            &app,
            "POST",
            "/api/v1/reconciliations",
            &admin,
            Some(json!({"source": 999})),
        );
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, v) = api(
            &app,
            "POST",
            "/api/v1/reconciliations",
            &admin,
            Some(json!({"source": sid, "x": 1})),
        );
        assert!(
            s.is_client_error() && v["error"].is_string(),
            "{l}: {s} {v}"
        );

        let (s, v) = api(&app, "GET", "/api/v1/reconciliations", &cun, None);
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v[0]["id"], json!(rid), "{l}");
        assert!(v[0]["trust"]["dedupe_fit"].is_object(), "{l}: {v}");
        let (s, v) = api(
            &app,
            "GET",
            &format!("/api/v1/reconciliations/{rid}"),
            &cun,
            None,
        );
        assert_eq!(s, StatusCode::OK, "{l}: {v}");
        assert_eq!(
            v["area"]["region_code"],
            json!(OURS),
            "{l}: the village's counts"
        );
        // How far to trust it, as a script reads it: every class counted (none
        // left out for being 0), pairs decided automatically and in review, the
        // queue open and decided, and the checks in two words.
        for class in renkou_reconciliation::rules::ItemClass::ALL {
            assert!(
                v["area"]["classes"][class.as_str()].is_u64(),
                "{l}: {} missing: {v}",
                class.as_str()
            );
        }
        assert!(v["area"]["open"].is_u64() && v["area"]["decided"].is_u64());
        let t = &v["reconciliation"]["trust"];
        assert!(
            t["auto_pairs"].is_u64() && t["review_pairs"].is_u64(),
            "{l}: {v}"
        );
        assert_eq!(
            v["checks"],
            json!({"passed": false, "fell_back": true}),
            "{l}: two births are too few to fit: {v}"
        );

        // The village's token lists its village's items only.
        let (s, v) = api(
            &app,
            "GET",
            &format!("/api/v1/reconciliations/{rid}/items"),
            &cun,
            None,
        );
        assert_eq!(s, StatusCode::OK, "{l}: {v}");
        let items = v["items"].as_array().unwrap();
        assert!(!items.is_empty());
        assert!(
            items.iter().all(|i| i["village_code"] == json!(OURS)),
            "{l}: {v}"
        );
        let ours = items[0]["id"].as_i64().unwrap();
        let (_, all) = api(
            &app,
            "GET",
            &format!("/api/v1/reconciliations/{rid}/items?limit=1000"),
            &admin,
            None,
        );
        let theirs = all["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["village_code"] == json!(THEIRS))
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        let (s, _) = api(
            &app,
            "GET",
            &format!("/api/v1/reconciliations/{rid}/items?class=nonsense"),
            &cun,
            None,
        );
        assert_eq!(s, StatusCode::BAD_REQUEST);

        // Decisions: another village's item is 404; the own is confirmed.
        let (s, _) = api(
            &app,
            "POST",
            &format!("/api/v1/reconciliation-items/{theirs}/decision"),
            &cun,
            Some(json!({"decision": "confirm"})),
        );
        assert_eq!(s, StatusCode::NOT_FOUND, "{l}");
        assert_eq!(
            store.reconciliation_item(theirs).unwrap().unwrap().status,
            renkou_reconciliation::rules::ReviewStatus::Open
        );
        let (s, v) = api(
            &app,
            "POST",
            &format!("/api/v1/reconciliation-items/{ours}/decision"),
            &cun,
            Some(json!({"decision": "confirm", "note": "checked by phone"})),
        );
        assert_eq!(
            (s, v["status"].clone()),
            (StatusCode::OK, json!("confirmed")),
            "{l}: {v}"
        );
        let (s, _) = api(
            &app,
            "POST",
            &format!("/api/v1/reconciliation-items/{ours}/decision"),
            &cun,
            Some(json!({"decision": "maybe"})),
        );
        assert_eq!(s, StatusCode::BAD_REQUEST);
        // Without a token: 401.
        let (s, _) = api(&app, "GET", "/api/v1/sources", "", None);
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
}

/// A script uploads a births file as a described source (kind, area, period) and
/// reads it back; a bad kind or an area outside the token's is refused as JSON.
#[test]
fn a_source_is_uploaded_through_the_api_with_its_kind_area_and_period() {
    use axum::body::Body;
    use axum::http::{header, Request};
    use serde_json::json;
    for db in databases() {
        let l = &db.label;
        let store = db.store_with(&renkou_web::migrations());
        setup(&store);
        let app = renkou_web::router(renkou_web::AppState::new(
            db.store_with(&renkou_web::migrations()),
        ));
        let admin = token(&store, "admin");
        let upload = |query: &str| {
            let req = Request::builder()
                .method("POST")
                .uri(format!("/api/v1/sources?{query}"))
                .header(header::AUTHORIZATION, format!("Bearer {admin}"))
                .header(header::CONTENT_TYPE, "application/octet-stream")
                .body(Body::from(source_csv()))
                .unwrap();
            let (s, text, _) = send(&app, req);
            (
                s,
                serde_json::from_str::<serde_json::Value>(&text).unwrap_or_default(),
            )
        };
        let (s, v) = upload(
            "kind=ledger&name=ledger-101&region=349901101000&from=2024-01-01&to=2024-12-31&file_name=l.csv",
        );
        assert_eq!(s, StatusCode::OK, "{l}: {v}");
        let id = v["source"]["id"].as_i64().unwrap();
        assert_eq!(v["source"]["kind"], json!("ledger"), "{l}: {v}");
        assert!(v["read"].as_u64().unwrap() > 0, "{l}: {v}");
        assert!(v["flagged"].is_array(), "{l}: {v}");
        let (s, v) = api(&app, "GET", &format!("/api/v1/sources/{id}"), &admin, None);
        assert_eq!(s, StatusCode::OK, "{l}: {v}");
        assert_eq!(
            (
                v["name"].clone(),
                v["region_code"].clone(),
                v["period_from"].clone()
            ),
            (
                json!("ledger-101"),
                json!("349901101000"),
                json!("2024-01-01")
            ),
            "{l}: {v}"
        );
        let (s, v) = api(&app, "GET", "/api/v1/sources/999999", &admin, None);
        assert_eq!(s, StatusCode::NOT_FOUND, "{l}: {v}");
        let (s, v) = upload("kind=diary&name=x&region=349901101000&from=2024-01-01&to=2024-12-31");
        assert_eq!(s, StatusCode::BAD_REQUEST, "{l}: {v}");
        assert!(
            v["message"].as_str().unwrap_or_default().contains("kind"),
            "{l}: {v}"
        );
    }
}
