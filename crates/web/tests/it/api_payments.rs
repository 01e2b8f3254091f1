//! The bank's results through the JSON API, both databases: a township's token
//! drafts and sends a 育儿补贴 cycle (two lines of 1800.00), uploads the bank's
//! file as the body and gets each row classified (paid, amount differs, not in
//! the batch, paid twice) with the batch's tallies; a failed line in a second
//! file; a bad file is a 422 naming file:row:field; the village token gets 404.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use renkou_domain::{IdNumber, Sex};
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
            person("B2", "对照丁", Sex::Male, (2022, 3, 15), THEIRS, "HB"),
        ],
    );
}

fn token(store: &Store, user: &str) -> String {
    let t = format!("{user}-results-token");
    let a = store.account_by_name(user).unwrap().unwrap();
    store
        .create_api_token(
            a.id,
            "results",
            &t,
            chrono::Utc::now() + chrono::Duration::hours(1),
        )
        .unwrap();
    t
}

fn api(
    app: &axum::Router,
    uri: &str,
    t: &str,
    kind: &str,
    body: &str,
) -> (StatusCode, serde_json::Value) {
    let (s, b, _) = send(
        app,
        Request::post(uri)
            .header(header::AUTHORIZATION, format!("Bearer {t}"))
            .header(header::CONTENT_TYPE, kind)
            .body(Body::from(body.to_string()))
            .unwrap(),
    );
    let v = serde_json::from_str(&b).unwrap_or_else(|_| panic!("{s}: not JSON: {b}"));
    (s, v)
}

#[test]
fn the_banks_results_are_classified_through_the_api() {
    for db in databases() {
        let l = db.label;
        let store = db.store_with(&renkou_web::migrations());
        setup(&store);
        let app = renkou_web::router(renkou_web::AppState::new(
            db.store_with(&renkou_web::migrations()),
        ));
        // Approved through the roster pages; the twins paid into their mother's account.
        let admin = login(&app, "admin", "Secret-pass-1").unwrap();
        let (_, _, loc) = admin.post(
            "/benefits/runs",
            "program=childcare&region=349901000000&year=2025",
        );
        let run = loc.unwrap();
        for step in [
            "step=propose&region=349901000000",
            "step=check&region=349901000000",
            "step=notice&region=349901000000&from=2025-01-01&days=7",
            "step=approve&region=349901000000",
        ] {
            let (s, _, _) = admin.post(&format!("{run}/roster"), step);
            assert_eq!(s, StatusCode::OK, "{l}: {step}");
        }
        let cun = login(&app, "cun", "Secret-pass-1").unwrap();
        let m = IdNumber::compose(
            349901,
            renkou_domain::Date::from_ymd_opt(1992, 3, 4).unwrap(),
            12,
        );
        for k in ["K1", "K2"] {
            let (s, body, _) = cun.post(
                &format!("/persons/{k}/benefits/accounts"),
                &format!(
                    "holder_name=%E6%B5%8B%E8%AF%95%E7%94%B2&holder_id={}&account=6217000000000001\
                     &bank=%E6%B5%8B%E8%AF%95%E9%93%B6%E8%A1%8C&as_of=2025-01-05&document=%E5%A4%8D%E5%8D%B0%E4%BB%B6",
                    m.as_str()
                ),
            );
            assert!(
                s == StatusCode::OK && body.contains("已登记银行账户"),
                "{l}: {body}"
            );
        }
        let (zt, ct) = (token(&store, "zhen"), token(&store, "cun"));
        let json = "application/json";
        let (s, v) = api(
            &app,
            "/api/v1/benefits/cycles",
            &zt,
            json,
            r#"{"program":"childcare","region":"349901101000","from":"2025-01","to":"2025-06"}"#,
        );
        assert_eq!(s, StatusCode::CREATED, "{l}: {v}");
        let id = v["cycle"]["id"].as_i64().unwrap();
        let results = format!("/api/v1/benefits/cycles/{id}/results?file_name=bank.csv");
        let bin = "application/octet-stream";
        // Before it was sent: refused, nothing imported.
        let file = format!(
            "序号,户名,账号,身份证号码,金额,结果,失败原因\n\
             1,测试甲,6217000000000001,{m},1800.00,成功,\n\
             2,测试甲,6217000000000001,{m},1000.00,成功,\n\
             9,测试乙,6217000000000009,{m},300.00,成功,\n\
             1,测试甲,6217000000000001,{m},1800.00,成功,\n",
            m = m.as_str()
        );
        let (s, v) = api(&app, &results, &zt, bin, &file);
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{l}: {v}");
        assert!(
            v["errors"][0].as_str().unwrap().contains("报送银行后"),
            "{v}"
        );
        let (s, _) = api(
            &app,
            &format!("/api/v1/benefits/cycles/{id}/state"),
            &zt,
            json,
            r#"{"step":"send"}"#,
        );
        assert_eq!(s, StatusCode::OK, "{l}");
        // The village worker does not see the township's cycle.
        let (s, _) = api(&app, &results, &ct, bin, &file);
        assert_eq!(s, StatusCode::NOT_FOUND, "{l}");

        let (s, v) = api(&app, &results, &zt, bin, &file);
        assert_eq!(s, StatusCode::OK, "{l}: {v}");
        let classes: Vec<&str> = v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["class"].as_str().unwrap())
            .collect();
        assert_eq!(
            classes,
            ["paid", "amount_differs", "not_in_batch", "paid_twice"],
            "{l}: {v}"
        );
        assert_eq!(v["rows"][1]["batch_amount"], "1800.00", "{v}");
        assert_eq!(v["rows"][0]["row"], 2, "the spreadsheet's row");
        assert_eq!(v["classes"]["paid"]["amount"], "1800.00");
        assert_eq!(
            v["file_rows_total"], "4900.00",
            "{l}: 1800 + 1000 + 300 + 1800"
        );
        assert_eq!(v["batch"]["count"], 2);
        assert_eq!(v["paid"]["count"], 1, "{v}");
        assert_eq!(v["unanswered"]["count"], 1, "{v}");
        assert_eq!(v["lines_changed"], 1);
        // Line 2 failed, in a second file.
        let (s, v) = api(
            &app,
            &results,
            &zt,
            bin,
            &format!(
                "序号,户名,账号,身份证号码,金额,结果,失败原因\n2,测试甲,6217000000000001,{},1800.00,失败,账户冻结\n",
                m.as_str()
            ),
        );
        assert_eq!(s, StatusCode::OK, "{l}: {v}");
        assert_eq!(v["rows"][0]["class"], "failed", "{v}");
        assert_eq!(v["rows"][0]["reason"], "账户冻结");
        assert_eq!(
            (
                v["paid"]["count"].clone(),
                v["failed"]["count"].clone(),
                v["unanswered"]["count"].clone()
            ),
            (1.into(), 1.into(), 0.into()),
            "{l}: {v}"
        );
        // A bad file: file:row:field, nothing imported.
        let (s, v) = api(
            &app,
            &format!("/api/v1/benefits/cycles/{id}/results?file_name=%E5%9D%8F.csv"),
            &zt,
            bin,
            "序号,户名,账号,金额,结果\n1,测试甲,6217000000000001,1800.001,成功\n",
        );
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{l}: {v}");
        assert!(
            v["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e.as_str().unwrap().starts_with("坏.csv:2:金额")),
            "{l}: {v}"
        );
        let (s, v) = api(&app, &results, &zt, bin, "");
        assert_eq!(s, StatusCode::BAD_REQUEST, "{l}: {v}");
    }
}
