//! Payment cycles on the web, both databases: the county approves a 育儿补贴 run
//! through the roster pages, the village worker records the twins' bank account
//! from the person's page, the township drafts a cycle (its totals, the person
//! without an account named), downloads the bank file whose SHA-256 the page shows
//! and the signature sheet, marks it sent and uploads the bank's results twice
//! (the second time nothing changes); a village worker does not see the township's
//! cycle; the twin's benefits page shows the payment.

use axum::http::StatusCode;
use renkou_domain::{IdNumber, Sex};
use renkou_store::testing::databases;
use renkou_store::Store;

use crate::common::{login, multipart, person, register, send, OURS, THEIRS};
use axum::body::Body;
use axum::http::{header, Request};

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
            // 二村, born 2022-03-15: January and February 2025; no bank account.
            person("B2", "对照丁", Sex::Male, (2022, 3, 15), THEIRS, "HB"),
        ],
    );
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn a_township_pays_a_cycle_from_the_pages() {
    for db in databases() {
        let l = db.label;
        let store = db.store_with(&renkou_web::migrations());
        setup(&store);
        let app = renkou_web::router(renkou_web::AppState::new(
            db.store_with(&renkou_web::migrations()),
        ));
        let admin = login(&app, "admin", "Secret-pass-1").unwrap();
        let (s, _, loc) = admin.post(
            "/benefits/runs",
            "program=childcare&region=349901000000&year=2025",
        );
        assert_eq!(s, StatusCode::SEE_OTHER, "{l}");
        let run = loc.unwrap();
        for step in [
            "step=propose&region=349901000000",
            "step=check&region=349901000000",
            "step=notice&region=349901000000&from=2025-01-01&days=7",
            "step=approve&region=349901000000",
        ] {
            let (s, body, _) = admin.post(&format!("{run}/roster"), step);
            assert_eq!(s, StatusCode::OK, "{l}");
            assert!(body.contains("已处理 3 条"), "{l}: {step}: {body}");
        }

        // The twins are paid into their mother's account, recorded from K1's and
        // K2's page by the village worker; a bad ID number is refused by name.
        let cun = login(&app, "cun", "Secret-pass-1").unwrap();
        let mother_id = IdNumber::compose(
            349901,
            renkou_domain::Date::from_ymd_opt(1992, 3, 4).unwrap(),
            12,
        );
        let (s, body, _) = cun.post(
            "/persons/K1/benefits/accounts",
            &format!(
                "holder_name={}&holder_id=349901199203040000&account=6217000000000001&bank={}&as_of=2025-01-05&document={}",
                enc("测试甲"),
                enc("测试农商银行"),
                enc("银行卡复印件")
            ),
        );
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(body.contains("户主身份证号码"), "{l}: {body}");
        for k in ["K1", "K2"] {
            let (s, body, _) = cun.post(
                &format!("/persons/{k}/benefits/accounts"),
                &format!(
                    "holder_name={}&holder_id={}&account=6217+0000+0000+0001&bank={}&as_of=2025-01-05&document={}",
                    enc("测试甲"),
                    mother_id.as_str(),
                    enc("测试农商银行"),
                    enc("银行卡复印件 第001号")
                ),
            );
            assert_eq!(s, StatusCode::OK, "{l}");
            assert!(
                body.contains("已登记银行账户") && body.contains("6217000000000001"),
                "{l}: {body}"
            );
        }

        // 甲镇 January-June: K1 and K2 6 × 300 = 1800.00 each, 3600.00; B2 is due
        // too (January, February) but has no account.
        let zhen = login(&app, "zhen", "Secret-pass-1").unwrap();
        let (s, body) = zhen.get("/benefits/cycles");
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(body.contains("编制发放批次"), "{body}");
        let (s, _, loc) = zhen.post(
            "/benefits/cycles",
            "program=childcare&region=349901101000&from=2025-01&to=2025-06",
        );
        assert_eq!(s, StatusCode::SEE_OTHER, "{l}");
        let cycle = loc.unwrap();
        let (s, page) = zhen.get(&cycle);
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(
            page.contains("3600.00") && page.contains("测试双一") && page.contains("测试双二"),
            "{l}: {page}"
        );
        assert!(
            page.contains("无银行账户") && page.contains("B2"),
            "{l}: {page}"
        );
        assert!(page.contains("已编制"), "{page}");
        // A second draft of the same months finds only B2, who has no account.
        let (s, body, _) = zhen.post(
            "/benefits/cycles",
            "program=childcare&region=349901101000&from=2025-01&to=2025-06",
        );
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{l}");
        assert!(
            body.contains("有 1 人待发放，但都没有登记银行账户"),
            "{l}: {body}"
        );

        // The bank file as kept, its hash the one on the page.
        let (s, mime, csv) = zhen.get_bytes(&format!("{cycle}/file?kind=bank_csv"));
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(mime.starts_with("text/csv"));
        let text = String::from_utf8(csv.clone()).unwrap();
        assert!(text.contains("合计,共2笔,,,3600.00"), "{text}");
        let sha = renkou_benefits::payments::sha256_hex(&csv);
        assert!(
            page.contains(&sha),
            "{l}: the page shows the file's SHA-256"
        );
        let (s, mime, xlsx) = zhen.get_bytes(&format!("{cycle}/file?kind=sign_xlsx"));
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(mime.contains("spreadsheetml") && xlsx.starts_with(b"PK"));
        // The village worker does not see the township's bank file.
        let (s, _) = cun.get(&cycle);
        assert_eq!(s, StatusCode::NOT_FOUND, "{l}");

        // Sent; the bank's results uploaded; the same file again changes nothing.
        let (s, body, _) = zhen.post(&format!("{cycle}/step"), "step=send");
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(body.contains("已报送银行"), "{body}");
        let results = format!(
            "序号,户名,账号,身份证号码,金额,结果,失败原因\n1,测试甲,6217000000000001,{m},1800.00,成功,\n2,测试甲,6217000000000001,{m},1800.00,成功,\n合计,,,,3600.00,,\n",
            m = mother_id.as_str()
        );
        let (s, body, _) = multipart(
            &zhen,
            &format!("{cycle}/results"),
            &[],
            "结果.csv",
            results.as_bytes(),
        );
        assert_eq!(s, StatusCode::OK, "{l}: {body}");
        assert!(
            body.contains("已导入") && body.contains("平衡"),
            "{l}: {body}"
        );
        let (s, body, _) = multipart(
            &zhen,
            &format!("{cycle}/results"),
            &[],
            "结果.csv",
            results.as_bytes(),
        );
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(body.contains("此文件已导入过"), "{l}: {body}");
        // A bad file: the row and field named, nothing imported.
        let (s, body, _) = multipart(
            &zhen,
            &format!("{cycle}/results"),
            &[],
            "坏.csv",
            "序号,户名,账号,金额,结果\n1,测试甲,6217000000000001,1800.001,成功\n".as_bytes(),
        );
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{l}");
        assert!(body.contains("坏.csv:2:金额"), "{l}: {body}");
        let (s, body, _) = zhen.post(&format!("{cycle}/step"), "step=close");
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("已结清"), "{l}: {body}");

        // K1's page shows the payment and the account.
        let (s, body) = cun.get("/persons/K1/benefits");
        assert_eq!(s, StatusCode::OK);
        assert!(
            body.contains("发放记录") && body.contains("已发放") && body.contains("1800.00"),
            "{l}: {body}"
        );
        assert!(
            body.contains("一人一卷") && body.contains(&run),
            "{l}: the file lists the decision"
        );

        // The JSON API: the cycle and its lines; the village worker's token gets 404;
        // a closed cycle is not sent again.
        let token = |user: &str| {
            let t = format!("{user}-pay-token");
            let a = store.account_by_name(user).unwrap().unwrap();
            store
                .create_api_token(
                    a.id,
                    "pay",
                    &t,
                    chrono::Utc::now() + chrono::Duration::hours(1),
                )
                .unwrap();
            t
        };
        let (zt, ct) = (token("zhen"), token("cun"));
        let id = cycle.rsplit('/').next().unwrap();
        let api = |method: &str, uri: &str, t: &str, body: &str| {
            send(
                &app,
                Request::builder()
                    .method(method)
                    .uri(uri)
                    .header(header::AUTHORIZATION, format!("Bearer {t}"))
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(body.to_string()))
                    .unwrap(),
            )
        };
        let (s, body, _) = api("GET", &format!("/api/v1/benefits/cycles/{id}"), &zt, "");
        assert_eq!(s, StatusCode::OK, "{l}: {body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["cycle"]["total"], "3600.00", "{l}");
        assert_eq!(v["cycle"]["state"], "closed");
        assert_eq!(v["lines"].as_array().unwrap().len(), 2);
        let (s, _, _) = api("GET", &format!("/api/v1/benefits/cycles/{id}"), &ct, "");
        assert_eq!(s, StatusCode::NOT_FOUND, "{l}");
        let (s, body, _) = api(
            "POST",
            &format!("/api/v1/benefits/cycles/{id}/state"),
            &zt,
            r#"{"step":"send"}"#,
        );
        assert_eq!(s, StatusCode::BAD_REQUEST, "{l}: {body}");
        // Drafting through the API: July-December for each twin, 6 × 300 = 1800.00
        // each; B2 still has no account.
        let (s, body, _) = api(
            "POST",
            "/api/v1/benefits/cycles",
            &zt,
            r#"{"program":"childcare","region":"349901101","from":"2025-01","to":"2025-12"}"#,
        );
        assert_eq!(s, StatusCode::CREATED, "{l}: {body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["cycle"]["total"], "3600.00", "{l}: {body}");
        assert_eq!(v["cycle"]["without_account"][0], "B2");

        // The same run again, compared with the first: nothing differs; the
        // benefits page lists its candidates (none: no event in the last year).
        let (_, _, loc) = admin.post(
            "/benefits/runs",
            "program=childcare&region=349901000000&year=2025",
        );
        let (s, body) = admin.get(&format!("{}/compare", loc.unwrap()));
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(body.contains("两批次结果相同"), "{l}: {body}");
        let (s, body) = admin.get("/benefits");
        assert_eq!(s, StatusCode::OK);
        assert!(
            body.contains("id=\"candidates\"") && body.contains("暂无候选人"),
            "{l}: {body}"
        );
    }
}
