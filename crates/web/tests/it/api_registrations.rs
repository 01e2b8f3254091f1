//! The registrations JSON API on both databases: a township's token registers
//! births and gets their gap-free numbers, a village token lists and reads only
//! its village's families (二村's registration is 404 to it), refusals are JSON
//! 400s in Chinese and English (a parent outside the area is 404), and a certificate comes with its history.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use renkou_domain::Sex;
use renkou_store::testing::databases;
use renkou_store::Store;

use crate::common::{login, person, register, send, OURS, THEIRS};

fn setup(store: &Store) {
    let mut child = person("C1", "测试小甲", Sex::Female, (2015, 6, 1), OURS, "HA");
    child.mother_no = Some("A1".into());
    child.father_no = Some("A2".into());
    register(
        store,
        &[
            person("A1", "测试甲", Sex::Female, (1992, 3, 4), OURS, "HA"),
            person("A2", "测试乙", Sex::Male, (1990, 5, 6), OURS, "HA"),
            child,
            person("B1", "对照丙", Sex::Female, (1993, 7, 8), THEIRS, "HB"),
        ],
    );
}

fn token(store: &Store, user: &str) -> String {
    let t = format!("{user}-registrations-token");
    let a = store.account_by_name(user).unwrap().unwrap();
    store
        .create_api_token(
            a.id,
            "registrations",
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
    t: &str,
    body: &str,
) -> (StatusCode, serde_json::Value) {
    let (s, b, _) = send(
        app,
        Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {t}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
    );
    let v = serde_json::from_str(&b).unwrap_or_else(|_| panic!("{s}: not JSON: {b}"));
    (s, v)
}

#[test]
fn registrations_and_certificates_through_the_api() {
    for db in databases() {
        let l = db.label;
        let store = db.store_with(&renkou_web::migrations());
        setup(&store);
        let app = renkou_web::router(renkou_web::AppState::new(
            db.store_with(&renkou_web::migrations()),
        ));
        let (zt, ct) = (token(&store, "zhen"), token(&store, "cun"));
        let couple = r#"{"applicant":"couple","mother_no":"A1","father_no":"A2","marriage":"married",
            "residence":"349901101201","address":"一村","expected_on":"2025-11-20","registered_on":"2025-04-02"}"#;
        let (s, v) = api(&app, "POST", "/api/v1/registrations", &zt, couple);
        assert_eq!(s, StatusCode::CREATED, "{l}: {v}");
        assert_eq!(v["number"], "349901101-2025-00001", "{l}: {v}");
        assert_eq!(v["mother_name"], "测试甲");
        assert_eq!(v["children_known"][0]["person_no"], "C1", "{v}");
        let first = v["id"].as_i64().unwrap();
        let (s, v) = api(&app, "POST", "/api/v1/registrations", &zt, couple);
        assert_eq!(s, StatusCode::CREATED, "{l}");
        assert_eq!(
            v["number"], "349901101-2025-00002",
            "{l}: the next in the book"
        );
        // 二村's family: registered by the township, not the 一村 worker's.
        let (s, v) = api(
            &app,
            "POST",
            "/api/v1/registrations",
            &zt,
            r#"{"applicant":"single_mother","mother_no":"B1","residence":"349901101202","born_on":"2025-03-30","registered_on":"2025-04-03"}"#,
        );
        assert_eq!(s, StatusCode::CREATED, "{l}: {v}");
        assert_eq!(v["number"], "349901101-2025-00003");
        assert_eq!(v["marriage"], "not_stated");
        let theirs = v["id"].as_i64().unwrap();

        // The village token: its two, newest first; 二村's is 404.
        let (s, v) = api(&app, "GET", "/api/v1/registrations", &ct, "");
        assert_eq!(s, StatusCode::OK, "{l}");
        let numbers: Vec<&str> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["number"].as_str().unwrap())
            .collect();
        assert_eq!(
            numbers,
            ["349901101-2025-00002", "349901101-2025-00001"],
            "{l}"
        );
        let (s, v) = api(
            &app,
            "GET",
            &format!("/api/v1/registrations/{first}"),
            &ct,
            "",
        );
        assert_eq!(s, StatusCode::OK, "{l}");
        assert_eq!(v["father_name"], "测试乙");
        let (s, v) = api(
            &app,
            "GET",
            &format!("/api/v1/registrations/{theirs}"),
            &ct,
            "",
        );
        assert_eq!(s, StatusCode::NOT_FOUND, "{l}: {v}");
        assert_eq!(v["error"], "not_found");
        let (s, v) = api(&app, "GET", "/api/v1/registrations?limit=1", &zt, "");
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v.as_array().unwrap().len(), 1, "{l}");
        let (s, _) = api(&app, "GET", "/api/v1/registrations?limit=0", &zt, "");
        assert_eq!(s, StatusCode::BAD_REQUEST, "{l}");
        // Refusals: a couple without a father; a mother of another village.
        let (s, v) = api(
            &app,
            "POST",
            "/api/v1/registrations",
            &zt,
            r#"{"applicant":"couple","mother_no":"A1","residence":"349901101201","expected_on":"2025-11-20"}"#,
        );
        assert_eq!(s, StatusCode::BAD_REQUEST, "{l}: {v}");
        assert!(
            v["message"]
                .as_str()
                .unwrap()
                .contains("夫妻登记须填写母亲和父亲的人员编号"),
            "{v}"
        );
        // 二村's mother is not 一村's worker's: the same 404 as a number nobody has.
        let outside = |no: &str| {
            api(
                &app,
                "POST",
                "/api/v1/registrations",
                &ct,
                &format!(
                    r#"{{"applicant":"single_mother","mother_no":"{no}","residence":"349901101201","expected_on":"2025-11-20"}}"#
                ),
            )
        };
        let (s, v) = outside("B1");
        assert_eq!(s, StatusCode::NOT_FOUND, "{l}: {v}");
        assert_eq!((s, v), outside("ZZ9"), "{l}");
        let (s, v) = api(
            &app,
            "POST",
            "/api/v1/registrations",
            &zt,
            r#"{"applicant":"couple","residence":"x","shoe_size":44}"#,
        );
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{l}: {v}");
        assert_eq!(v["error"], "bad_body");

        // A certificate entered on the page, read through the API with its history.
        let cun = login(&app, "cun", "Secret-pass-1").unwrap();
        let (s, _, loc) = cun.post(
            "/certificates",
            "number=%E7%8B%AC-0042&issued_on=2016-02-03&holder1_no=A1&holder2_no=A2&child_no=C1",
        );
        assert_eq!(s, StatusCode::SEE_OTHER, "{l}");
        let id = loc.unwrap().rsplit('/').next().unwrap().to_string();
        let (s, v) = api(&app, "GET", "/api/v1/certificates", &ct, "");
        assert_eq!(s, StatusCode::OK, "{l}");
        assert_eq!(v[0]["number"], "独-0042", "{v}");
        assert_eq!(v[0]["child_name"], "测试小甲");
        let (s, v) = api(&app, "GET", &format!("/api/v1/certificates/{id}"), &zt, "");
        assert_eq!(s, StatusCode::OK, "{l}: {v}");
        assert_eq!(v["certificate"]["status"], "valid");
        assert_eq!(v["certificate"]["version"], 1);
        assert_eq!(v["history"][0]["action"], "issued", "{v}");
        assert_eq!(v["history"][0]["on_date"], "2016-02-03");
        let (s, _) = api(&app, "GET", "/api/v1/certificates/999999", &zt, "");
        assert_eq!(s, StatusCode::NOT_FOUND, "{l}");
        // Without a token: 401.
        let (s, _) = api(&app, "GET", "/api/v1/certificates", "nothing", "");
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{l}");
    }
}
