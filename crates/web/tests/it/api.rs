//! The JSON API on both databases: token auth, scope (404 outside), roles, events,
//! and the OpenAPI description matching the router.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use renkou_domain::account::Role;
use renkou_domain::{
    Date, IdNumber, MaritalStatus, PersonRecord, Region, RegionCode, Residence, Sex,
};
use renkou_store::testing::databases;
use renkou_store::{ImportMeta, Store};
use serde_json::{json, Value};
use tower::ServiceExt;

fn rt() -> &'static tokio::runtime::Runtime {
    static RT: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

fn call(
    app: &axum::Router,
    method: &str,
    uri: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    if !token.is_empty() {
        req = req.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let req = match body {
        Some(b) => req
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    }
    .unwrap();
    rt().block_on(async {
        let resp = app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    })
}

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn setup(store: &Store) -> (String, String) {
    let r = |c: &str, n: &str| Region {
        code: code(c),
        name: n.into(),
        valid_from: None,
        valid_to: None,
        successor: None,
    };
    store
        .upsert_regions(&[
            r("349901000000", "演示县"),
            r("349901101000", "甲镇"),
            r("349901101201", "一村"),
            r("349901101202", "二村"),
        ])
        .unwrap();
    let mut s = store
        .begin_person_import(ImportMeta {
            kind: "persons",
            file_name: "t.csv".into(),
            source: None,
            actor: renkou_store::Actor::operator("t"),
        })
        .unwrap();
    for (no, sex, village) in [
        ("A1", Sex::Female, "349901101201"),
        ("B1", Sex::Female, "349901101202"),
    ] {
        let b = Date::from_ymd_opt(1992, 1, 2).unwrap();
        s.push(
            &PersonRecord {
                person_no: no.into(),
                name: format!("测试{no}"),
                sex,
                birth_date: b,
                id_number: Some(IdNumber::compose(349901, b, 2)),
                household_no: format!("H{no}"),
                region_code: code(village),
                marital_status: MaritalStatus::FirstMarriage,
                mother_no: None,
                father_no: None,
                residence: Residence::Resident,
                phone: None,
                death_date: None,
                relation: None,
            },
            None,
        )
        .unwrap();
    }
    s.commit(&[], &[], |_, _| Ok(())).unwrap();
    let cun = renkou_register::accounts::add_user(
        store,
        "cun",
        "cun",
        Role::VillageWorker,
        &code("349901101201"),
        "initial-pw",
    )
    .unwrap();
    let tongji = renkou_register::accounts::add_user(
        store,
        "tongji",
        "tongji",
        Role::CountyStatistician,
        &code("349901000000"),
        "initial-pw",
    )
    .unwrap();
    // Tokens work once the first password has been changed (they did not wait
    // for it before).
    for a in [&cun, &tongji] {
        let hash = renkou_register::accounts::hash_password("Changed-pass-1").unwrap();
        store.set_password(a.id, &hash, false).unwrap();
    }
    store
        .create_api_token(
            cun.id,
            "t",
            "cun-token",
            chrono::Utc::now() + chrono::Duration::days(1),
        )
        .unwrap();
    store
        .create_api_token(
            tongji.id,
            "t",
            "tongji-token",
            chrono::Utc::now() + chrono::Duration::days(1),
        )
        .unwrap();
    ("cun-token".into(), "tongji-token".into())
}

#[test]
fn the_api_is_scoped_like_the_ui() {
    for db in databases() {
        let store = db.store_with(&renkou_web::migrations());
        let (cun, tongji) = setup(&store);
        let app = renkou_web::router(renkou_web::AppState::new(
            db.store_with(&renkou_web::migrations()),
        ));
        assert_eq!(
            call(&app, "GET", "/api/v1/me", "", None).0,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            call(&app, "GET", "/api/v1/me", "wrong", None).0,
            StatusCode::UNAUTHORIZED
        );
        let (s, me) = call(&app, "GET", "/api/v1/me", &cun, None);
        assert_eq!(
            (s, me["role"].as_str()),
            (StatusCode::OK, Some("village_worker")),
            "{}",
            db.label
        );
        for uri in [
            "/api/v1/persons/B1",
            "/api/v1/persons/B1/events",
            "/api/v1/households/HB1",
            "/api/v1/regions/349901101202",
            "/api/v1/regions/349901101202/persons",
        ] {
            let (s, body) = call(&app, "GET", uri, &cun, None);
            assert_eq!(s, StatusCode::NOT_FOUND, "{}: {uri}", db.label);
            assert_eq!(body["error"], "not_found");
        }
        let (s, body) = call(
            &app,
            "GET",
            "/api/v1/regions/349901101201/persons",
            &cun,
            None,
        );
        assert_eq!((s, body["total"].as_i64()), (StatusCode::OK, Some(1)));
        let (_, body) = call(
            &app,
            "GET",
            "/api/v1/search?q=%E6%B5%8B%E8%AF%95",
            &cun,
            None,
        );
        assert_eq!(
            body["results"].as_array().map(|a| a.len()),
            Some(1),
            "only our area: {body}"
        );

        // A birth posted on the mother, then visible with its derived order.
        let birth = json!({"kind": "birth", "person": ["C1", "测试婴", "2", "2024-05-06", "", "HA1", "349901101201", "10", "A1", "", "resident", "", ""]});
        let (s, body) = call(
            &app,
            "POST",
            "/api/v1/persons/A1/events",
            &cun,
            Some(birth.clone()),
        );
        assert_eq!(s, StatusCode::CREATED, "{}: {body}", db.label);
        // The register numbers the child; the number the client sent is ignored.
        let child = body["person_no"].as_str().unwrap().to_string();
        assert!(child.starts_with('W'), "{child}");
        let (_, body) = call(&app, "GET", &format!("/api/v1/persons/{child}"), &cun, None);
        assert_eq!(body["birth_order"], 1);
        // Indicators, as `renkou indicators` writes them, in the account's area only.
        let (s, rows) = call(
            &app,
            "GET",
            "/api/v1/regions/349901101201/indicators?period=2024",
            &cun,
            None,
        );
        assert_eq!(s, StatusCode::OK, "{}: {rows}", db.label);
        let births = rows
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["indicator"] == "births" && r["region_code"] == "349901101201")
            .unwrap();
        assert_eq!(births["value"], 1.0, "the birth just posted");
        assert_eq!(births["period"], "2024");
        let (s, _) = call(
            &app,
            "GET",
            "/api/v1/regions/349901101202/indicators?period=2024",
            &cun,
            None,
        );
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = call(
            &app,
            "GET",
            "/api/v1/regions/349901101201/indicators?period=2024Q5",
            &cun,
            None,
        );
        assert_eq!(s, StatusCode::BAD_REQUEST);
        // Another village's mother: 404; the statistician may read but not write.
        let (s, _) = call(
            &app,
            "POST",
            "/api/v1/persons/B1/events",
            &cun,
            Some(json!({"kind": "death", "date": "2025-01-01"})),
        );
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = call(&app, "GET", "/api/v1/persons/B1", &tongji, None);
        assert_eq!(s, StatusCode::OK);
        let (s, _) = call(
            &app,
            "POST",
            "/api/v1/persons/B1/events",
            &tongji,
            Some(json!({"kind": "death", "date": "2025-01-01"})),
        );
        assert_eq!(s, StatusCode::FORBIDDEN, "{}", db.label);
        let (s, body) = call(
            &app,
            "POST",
            "/api/v1/persons/A1/events",
            &cun,
            Some(json!({"kind": "divorce", "date": "2025-01-01"})),
        );
        assert_eq!(s, StatusCode::CREATED, "{body}");
        let (s, body) = call(
            &app,
            "POST",
            "/api/v1/persons/A1/events",
            &cun,
            Some(json!({"kind": "divorce", "date": "2025-02-01"})),
        );
        assert_eq!(s, StatusCode::BAD_REQUEST, "divorced twice: {body}");
        assert!(
            body["message"]
                .as_str()
                .unwrap_or_default()
                .contains("not married"),
            "{body}"
        );
        // Import through the API: a bad row → 422 with the row, nothing written;
        // a row of another village is outside the token's area.
        let call_raw = |uri: &str, token: &str, body: &str| -> (StatusCode, Value) {
            let req = Request::post(uri)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::from(body.to_string()))
                .unwrap();
            rt().block_on(async {
                let resp = app.clone().oneshot(req).await.unwrap();
                let status = resp.status();
                let bytes = resp.into_body().collect().await.unwrap().to_bytes();
                (
                    status,
                    serde_json::from_slice(&bytes).unwrap_or(Value::Null),
                )
            })
        };
        let file = "person_id,name,sex,birth_date,household_id,region_code\nN1,测试新,1,2020-01-01,HN,349901101201\nN2,测试外,1,2020-01-01,HN,349901101202\n";
        let (s, body) = call_raw(
            "/api/v1/imports?kind=persons&file_name=ledger.csv",
            &cun,
            file,
        );
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{}: {body}", db.label);
        assert_eq!(body["errors"][0]["row"], 3);
        assert!(
            body["errors"][0]["text"]
                .as_str()
                .unwrap()
                .starts_with("ledger.csv:3:region_code:"),
            "{body}"
        );
        assert!(store.person("N1").unwrap().is_none());
        let (s, body) = call_raw("/api/v1/imports?kind=persons&skip_invalid=true", &cun, file);
        assert_eq!(
            (s, body["counts"]["new"].as_i64()),
            (StatusCode::OK, Some(1)),
            "{body}"
        );
        assert_eq!(
            call_raw("/api/v1/imports?kind=persons", &tongji, file).0,
            StatusCode::FORBIDDEN
        );
        assert!(store.verify_audit().unwrap().is_ok());
    }
}

#[test]
fn the_openapi_spec_parses_and_lists_every_route() {
    let spec: Value = serde_json::from_str(renkou_web::openapi()).expect("openapi.json is JSON");
    assert_eq!(
        spec["openapi"].as_str().map(|v| v.starts_with("3.")),
        Some(true)
    );
    let paths = spec["paths"].as_object().unwrap();
    let api: Vec<(&str, &str)> = renkou_web::routes::table()
        .into_iter()
        .filter(|r| r.access == renkou_web::routes::Access::Api)
        .map(|r| (r.method, r.path))
        .collect();
    for (method, path) in &api {
        let op = &paths
            .get(*path)
            .unwrap_or_else(|| panic!("{path} missing from openapi.json"))[*method];
        assert!(op.is_object(), "{method} {path} missing from openapi.json");
        assert!(
            op["responses"].is_object(),
            "{method} {path} has no responses"
        );
    }
    let documented: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(
        documented,
        api.len(),
        "openapi.json documents a route the router lacks"
    );
    // Every documented route answers (401 without a token, not 404/405).
    let db = renkou_store::testing::TestDb::sqlite();
    let app = renkou_web::router(renkou_web::AppState::new(
        db.store_with(&renkou_web::migrations()),
    ));
    for (method, path) in &api {
        let uri = path
            .replace("{code}", "349901000000")
            .replace("{no}", "X")
            .replace("{id}", "1")
            .replace("/search", "/search?q=x");
        let (s, _) = call(&app, &method.to_uppercase(), &uri, "", Some(json!({})));
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{method} {uri}");
    }
    let (s, _) = call(&app, "GET", "/api/openapi.json", "", None);
    assert_eq!(s, StatusCode::OK);
}

#[test]
fn reports_and_plans_through_the_api() {
    for db in databases() {
        let l = db.label;
        let store = db.store_with(&renkou_web::migrations());
        let (cun, tongji) = setup(&store);
        let app = renkou_web::router(renkou_web::AppState::new(
            db.store_with(&renkou_web::migrations()),
        ));
        // A township's statistical form, made by the county.
        let body = json!({"kind": "statistical", "region": "349901101000", "period": "2024", "format": "xlsx"});
        let (s, made) = call(&app, "POST", "/api/v1/reports", &tongji, Some(body.clone()));
        assert_eq!(s, StatusCode::CREATED, "{l}: {made}");
        let id = made["report"]["id"].as_i64().unwrap();
        assert_eq!(made["report"]["status"], "drafted", "{l}");
        assert_eq!(made["report"]["generated_by"], "tongji", "{l}");
        // The village worker may neither make it nor see it.
        assert_eq!(
            call(&app, "POST", "/api/v1/reports", &cun, Some(body)).0,
            StatusCode::NOT_FOUND,
            "{l}"
        );
        assert_eq!(
            call(&app, "GET", &format!("/api/v1/reports/{id}"), &cun, None).0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            call(
                &app,
                "GET",
                "/api/v1/reports?region=349901101000",
                &cun,
                None
            )
            .0,
            StatusCode::NOT_FOUND
        );
        let (s, list) = call(&app, "GET", "/api/v1/reports", &tongji, None);
        assert_eq!(s, StatusCode::OK, "{l}");
        assert_eq!(list["reports"].as_array().unwrap().len(), 1, "{l}");
        assert_eq!(
            call(
                &app,
                "GET",
                &format!("/api/v1/reports/{id}/file"),
                &tongji,
                None
            )
            .0,
            StatusCode::OK
        );
        // A bad period and an unknown kind are 400 with the reason.
        let (s, e) = call(
            &app,
            "POST",
            "/api/v1/reports",
            &tongji,
            Some(json!({"kind": "summary", "region": "349901", "period": "2024Q9"})),
        );
        assert_eq!(s, StatusCode::BAD_REQUEST, "{l}: {e}");
        let (s, r) = call(
            &app,
            "POST",
            &format!("/api/v1/reports/{id}/status"),
            &tongji,
            Some(json!({"to": "submitted"})),
        );
        assert_eq!(
            (s, r["report"]["status"].as_str()),
            (StatusCode::OK, Some("submitted")),
            "{l}"
        );
        let (s, r) = call(
            &app,
            "POST",
            &format!("/api/v1/reports/{id}/status"),
            &tongji,
            Some(json!({"to": "received"})),
        );
        assert_eq!(
            (s, r["report"]["status"].as_str()),
            (StatusCode::OK, Some("received")),
            "{l}"
        );

        // A village's plan, a task past its deadline, a note that closes it.
        let (s, p) = call(
            &app,
            "POST",
            "/api/v1/plans",
            &cun,
            Some(
                json!({"region": "349901101201", "name": "一村自查", "kind": "self_inspection", "starts_on": "2026-01-01", "ends_on": "2026-03-31"}),
            ),
        );
        assert_eq!(s, StatusCode::CREATED, "{l}: {p}");
        let plan = p["plan"]["id"].as_i64().unwrap();
        let (s, t) = call(
            &app,
            "POST",
            &format!("/api/v1/plans/{plan}/tasks"),
            &cun,
            Some(
                json!({"title": "入户核对", "kind": "data_check", "owner": "cun", "due_on": "2020-01-31"}),
            ),
        );
        assert_eq!(s, StatusCode::CREATED, "{l}: {t}");
        let task = t["task"]["id"].as_i64().unwrap();
        let (s, e) = call(
            &app,
            "POST",
            &format!("/api/v1/plans/{plan}/tasks"),
            &cun,
            Some(
                json!({"title": "完成结扎任务", "kind": "service", "owner": "cun", "due_on": "2026-02-01"}),
            ),
        );
        assert_eq!(s, StatusCode::BAD_REQUEST, "{l}");
        assert!(
            e["message"].as_str().unwrap().contains("自主决定"),
            "{l}: {e}"
        );
        let (_, one) = call(&app, "GET", &format!("/api/v1/plans/{plan}"), &cun, None);
        assert_eq!(one["tasks"].as_array().unwrap().len(), 1, "{l}");
        assert_eq!(one["tasks"][0]["overdue"], true, "{l}");
        let (s, done) = call(
            &app,
            "POST",
            &format!("/api/v1/tasks/{task}/notes"),
            &cun,
            Some(json!({"note": "已核对", "done": true})),
        );
        assert_eq!(
            (s, done["task"]["status"].as_str()),
            (StatusCode::CREATED, Some("done")),
            "{l}"
        );
        // The statistician reads the village's plan but cannot write plans.
        assert_eq!(
            call(&app, "GET", &format!("/api/v1/plans/{plan}"), &tongji, None).0,
            StatusCode::OK
        );
        let (s, _) = call(
            &app,
            "POST",
            "/api/v1/activities",
            &cun,
            Some(
                json!({"region": "349901101201", "kind": "publicity", "held_on": "2026-02-02", "title": "优生优育宣传", "materials": 300}),
            ),
        );
        assert_eq!(s, StatusCode::CREATED, "{l}");
        assert_eq!(
            call(
                &app,
                "POST",
                "/api/v1/activities",
                &cun,
                Some(json!({"region": "349901101202", "kind": "meeting", "held_on": "2026-02-02", "title": "会"})),
            )
            .0,
            StatusCode::NOT_FOUND,
            "{l}: another village"
        );
        let (_, acts) = call(
            &app,
            "GET",
            "/api/v1/activities?from=2026-01-01&to=2026-12-31",
            &tongji,
            None,
        );
        assert_eq!(acts["totals"]["materials"], 300, "{l}: {acts}");
    }
}
