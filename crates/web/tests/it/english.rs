//! English pages are English: codes (sex, marital status, residence, relation to
//! the head), field names and the use cases' texts follow the page's language on
//! the register's pages, the person picker, the roster and ledger previews and
//! an import's job. Data (names, villages, the file's own headers) may be
//! Chinese; nothing else on an English page is. On both databases.

use axum::http::StatusCode;
use renkou_domain::{Date, IdNumber, MaritalStatus, Relation, Sex};
use renkou_store::testing::databases;

use crate::common::*;

/// The Chinese left on a page once the data it may show is taken out: the
/// words (with a little context) a reader of the English page would meet.
fn chinese_left(page: &str, data: &[&str]) -> Vec<String> {
    let mut text = page.replace(">中文<", "><");
    for d in data {
        text = text.replace(d, "");
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if ('\u{4e00}'..='\u{9fff}').contains(&chars[i]) {
            let from = i.saturating_sub(30);
            let mut to = i;
            while to < chars.len() && ('\u{4e00}'..='\u{9fff}').contains(&chars[to]) {
                to += 1;
            }
            out.push(chars[from..(to + 10).min(chars.len())].iter().collect());
            i = to;
        } else {
            i += 1;
        }
    }
    out
}

/// The names and places of the register [`setup`] builds, and the ones below.
const DATA: &[&str] = &[
    "测试甲",
    "测试乙",
    "对照丙",
    "演示县",
    "甲镇",
    "一村",
    "二村",
    "孔测一",
    "曹测二",
    "花名册",
    "台帐",
    // What was typed into the search box, shown back in it.
    "value=\"测试\"",
];

fn english(c: &Client) -> Client {
    Client {
        app: c.app.clone(),
        cookie: format!("{}; lang=en", c.cookie),
        csrf: c.csrf.clone(),
    }
}

fn app_of(db: &renkou_store::testing::TestDb) -> (renkou_store::Store, axum::Router) {
    let store = db.store_with(&renkou_web::migrations());
    let mut a1 = person("A1", "测试甲", Sex::Female, (1992, 3, 4), OURS, "HA");
    a1.relation = Some(Relation::parse("12").unwrap());
    let mut a2 = person("A2", "测试乙", Sex::Male, (1990, 5, 6), OURS, "HA");
    a2.relation = Some(Relation::HEAD);
    a2.marital_status = MaritalStatus::Married;
    register(
        &store,
        &[
            a1,
            a2,
            person("B1", "对照丙", Sex::Female, (1993, 7, 8), THEIRS, "HB"),
        ],
    );
    let state = renkou_web::AppState::new(db.store_with(&renkou_web::migrations()));
    assert!(state.wait_for_search_index(std::time::Duration::from_secs(30)));
    (store, renkou_web::router(state))
}

/// 测试 as a query string.
const Q: &str = "%E6%B5%8B%E8%AF%95";

#[test]
fn register_pages_and_the_picker_name_codes_in_the_page_language() {
    for db in databases() {
        let l = db.label;
        let (_store, app) = app_of(&db);
        let cun = login(&app, "cun", "Secret-pass-1").unwrap();
        // A correction, so the history has a field and two coded values.
        let (s, body, _) = cun.post(
            "/persons/A1/events/correction",
            "field=marital_status&new_value=40&reason=checked",
        );
        assert_eq!(s, StatusCode::SEE_OTHER, "{l}: {body}");
        let en = english(&cun);

        let (s, page) = en.get(&format!("/search?q={Q}"));
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(
            page.contains("<td>female</td>") && page.contains("<td>male</td>"),
            "{l}: {page}"
        );
        assert_eq!(chinese_left(&page, DATA), Vec::<String>::new(), "{l}");

        let (s, json) = en.get(&format!("/persons/pick?q={Q}"));
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(
            json.contains(r#""sex":"female""#) && !json.contains(r#""sex":"女""#),
            "{l}: {json}"
        );
        let (_, json) = cun.get(&format!("/persons/pick?q={Q}"));
        assert!(json.contains(r#""sex":"女""#), "{l}: {json}");

        let (s, page) = en.get("/persons/A1");
        assert_eq!(s, StatusCode::OK, "{l}");
        for word in ["female", "divorced", "wife", "resident", "correction"] {
            assert!(page.contains(word), "{l}: {word}: {page}");
        }
        assert!(
            page.contains("marital status: first marriage → divorced (checked)"),
            "{l}: {page}"
        );
        assert_eq!(chinese_left(&page, DATA), Vec::<String>::new(), "{l}");
        // The Chinese page stays Chinese.
        let (_, zh) = cun.get("/persons/A1");
        assert!(
            zh.contains("婚姻状况：初婚 → 离婚（checked）") && zh.contains("与户主关系：妻"),
            "{l}: {zh}"
        );

        let (_, page) = en.get("/households/HA");
        assert!(
            page.contains("head of household") && page.contains(">wife<"),
            "{l}: {page}"
        );
        assert_eq!(chinese_left(&page, DATA), Vec::<String>::new(), "{l}");

        for uri in [
            format!("/regions/{OURS}/persons"),
            "/households/HA/card".to_string(),
            format!("/regions/{OURS}/roster"),
            "/households/HA/head?head=A1".to_string(),
            "/persons/A1/events/correction".to_string(),
            format!("/regions/{OURS}/move-in"),
        ] {
            let (s, page) = en.get(&uri);
            assert_eq!(s, StatusCode::OK, "{l}: {uri}");
            assert_eq!(
                chinese_left(&page, DATA),
                Vec::<String>::new(),
                "{l}: {uri}"
            );
        }
        let (_, page) = en.get("/persons/A1/events/correction");
        assert!(
            page.contains(">relation to head<") && page.contains(">divorced<"),
            "{l}: {page}"
        );
    }
}

const HEADERS: &str = "序号,户主姓名,姓名,与户主关系,性别,出生年月,身份证号码,婚姻状况";

/// A roster of 一村: 测试甲 (in the register, now divorced) and a new household.
fn roster() -> Vec<u8> {
    let a1 = IdNumber::compose(349901, Date::from_ymd_opt(1992, 3, 4).unwrap(), 14);
    let text = format!(
        "一村户籍人口花名册\r\n{HEADERS}\r\n\
         1,测试乙,测试甲,妻,女,1992.03,{a1},离婚\r\n\
         2,孔测一,孔测一,户主,男,1968.04,,\r\n\
         3,,曹测二,妻,女,1970年2月,,\r\n"
    );
    encoding_rs::GBK.encode(&text).0.into_owned()
}

#[test]
fn the_roster_preview_is_english_on_an_english_page() {
    for db in databases() {
        let l = db.label;
        let (_store, app) = app_of(&db);
        let cun = login(&app, "cun", "Secret-pass-1").unwrap();
        let en = english(&cun);
        let (s, page, _) = multipart(
            &en,
            "/imports",
            &[("kind", "persons")],
            "花名册.csv",
            &roster(),
        );
        assert_eq!(s, StatusCode::OK, "{l}: {page}");
        assert!(page.contains("id=\"mapping\""), "{l}: {page}");
        assert!(
            page.contains("2 added (1 new households), 1 changed"),
            "{l}: {page}"
        );
        assert!(
            page.contains("<td>head of household</td>")
                && page.contains("<td>wife</td>")
                && page.contains("<td>male</td>"),
            "{l}: {page}"
        );
        assert!(
            page.contains("marital status: first marriage → divorced"),
            "{l}: {page}"
        );
        // The file's own headers are its data; everything else is English.
        let headers: Vec<&str> = HEADERS.split(',').collect();
        let data: Vec<&str> = DATA.iter().copied().chain(headers).collect();
        assert_eq!(chinese_left(&page, &data), Vec::<String>::new(), "{l}");
        // The Chinese page is Chinese.
        let (_, page, _) = multipart(
            &cun,
            "/imports",
            &[("kind", "persons")],
            "花名册.csv",
            &roster(),
        );
        assert!(
            page.contains("新增 2 人（新户 1 户），变更 1 人")
                && page.contains("婚姻状况：初婚 → 离婚")
                && page.contains("<td>妻</td>"),
            "{l}: {page}"
        );
    }
}

#[test]
fn the_ledger_preview_names_conflicting_fields_in_the_page_language() {
    for db in databases() {
        let l = db.label;
        let (_store, app) = app_of(&db);
        let cun = login(&app, "cun", "Secret-pass-1").unwrap();
        // Divorced on the web after the last import; the file is older.
        let (s, body, _) = cun.post(
            "/persons/A1/events/correction",
            "field=marital_status&new_value=40&reason=checked",
        );
        assert_eq!(s, StatusCode::SEE_OTHER, "{l}: {body}");
        let id = IdNumber::compose(349901, Date::from_ymd_opt(1992, 3, 4).unwrap(), 14);
        let file = format!(
            "person_id,name,sex,birth_date,id_number,household_id,region_code,marital_status\r\n\
             A1,测试甲,2,1992-03-04,{id},HA,{OURS},21\r\n"
        );
        let en = english(&cun);
        let (s, page, _) = multipart(
            &en,
            "/imports",
            &[("kind", "persons")],
            "ledger.csv",
            file.as_bytes(),
        );
        assert_eq!(s, StatusCode::OK, "{l}: {page}");
        assert!(page.contains("id=\"conflicts\""), "{l}: {page}");
        assert!(
            page.contains("<td>marital status</td><td>divorced</td><td>first marriage</td>"),
            "{l}: {page}"
        );
        assert_eq!(chinese_left(&page, DATA), Vec::<String>::new(), "{l}");
        let (_, page, _) = multipart(
            &cun,
            "/imports",
            &[("kind", "persons")],
            "ledger.csv",
            file.as_bytes(),
        );
        assert!(
            page.contains("<td>婚姻状况</td><td>离婚</td><td>初婚</td>"),
            "{l}: {page}"
        );
    }
}

/// Waits for an import job to finish and returns its page.
fn finished(c: &Client, id: &str) -> String {
    for _ in 0..200 {
        let page = c.get(&format!("/imports/{id}")).1;
        if page.contains("id=\"result\"") {
            return page;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("the import did not finish")
}

#[test]
fn a_job_lists_the_rows_it_left_out_in_the_page_language() {
    for db in databases() {
        let l = db.label;
        let (store, app) = app_of(&db);
        let cun = login(&app, "cun", "Secret-pass-1").unwrap();
        let en = english(&cun);
        // One good row, one in another village, one with a date that cannot be.
        let file = format!(
            "person_id,name,sex,birth_date,household_id,region_code,marital_status\r\n\
             N1,测试丁,2,2001-02-03,HN,{OURS},10\r\n\
             N2,测试戊,1,2024-13-01,HN,{OURS},10\r\n\
             N3,测试己,1,2020-01-01,HX,{THEIRS},10\r\n"
        );
        let (s, page, _) = multipart(
            &en,
            "/imports",
            &[("kind", "persons"), ("skip_invalid", "1")],
            "ledger.csv",
            file.as_bytes(),
        );
        assert_eq!(s, StatusCode::OK, "{l}: {page}");
        let id = page
            .split("action=\"/imports/")
            .nth(1)
            .and_then(|s| s.split('/').next())
            .unwrap()
            .to_string();
        let (s, _, _) = en.post(&format!("/imports/{id}/commit"), "");
        assert_eq!(s, StatusCode::SEE_OTHER, "{l}");
        let page = finished(&en, &id);
        assert!(store.person("N1").unwrap().is_some(), "{l}");
        assert!(page.contains("Rows left out 2"), "{l}: {page}");
        assert!(
            page.contains("ledger.csv:4:region_code: ")
                && page.contains("outside your area")
                && page.contains("ledger.csv:3:birth_date: "),
            "{l}: {page}"
        );
        // A date's message names the Chinese way of writing one as a format.
        assert_eq!(
            chinese_left(&page, &["测试丁", "测试戊", "测试己", "YYYY年M月D日"]),
            Vec::<String>::new(),
            "{l}"
        );
        // The same list on the Chinese page is Chinese, and the home page says
        // in its language that rows were left out.
        let page = finished(&cun, &id);
        assert!(
            page.contains("不在您的辖区内") && !page.contains("outside your area"),
            "{l}: {page}"
        );
        let (_, home) = en.get("/");
        assert!(
            home.contains("2 rows left out") && !home.contains("行未导入"),
            "{l}: {home}"
        );
    }
}

#[test]
fn township_pages_and_refused_forms_are_english_on_english_pages() {
    for db in databases() {
        let l = db.label;
        let (_store, app) = app_of(&db);
        let zhen = english(&login(&app, "zhen", "Secret-pass-1").unwrap());
        // Indicator units, report kinds, benefit facts, the account's role.
        for uri in [
            "/".to_string(),
            "/indicators/349901101000".to_string(),
            "/indicators/349901101000/tfr".to_string(),
            "/reports/349901101000".to_string(),
            "/persons/A1/benefits".to_string(),
            format!("/quality/{OURS}"),
        ] {
            let (s, page) = zhen.get(&uri);
            assert_eq!(s, StatusCode::OK, "{l}: {uri}");
            assert_eq!(
                chinese_left(&page, DATA),
                Vec::<String>::new(),
                "{l}: {uri}"
            );
        }
        let (_, page) = zhen.get("/reports/349901101000");
        assert!(page.contains(">population statistics<"), "{l}: {page}");
        // Refusals whose message is "中文 / English" around another such
        // message, or with the slash right after the Chinese.
        let (s, page, _) = zhen.post(
            "/persons/A1/events/marriage",
            "date=2024-01-01&status=20&spouse_no=NOBODY",
        );
        assert_eq!(s, StatusCode::BAD_REQUEST, "{l}");
        assert!(page.contains("no such spouse in your area"), "{l}: {page}");
        assert_eq!(chinese_left(&page, DATA), Vec::<String>::new(), "{l}");
        let (s, page, _) = zhen.post("/households/HA/split", "date=x&head=A1");
        assert_eq!(s, StatusCode::BAD_REQUEST, "{l}");
        assert!(page.contains("date: date not understood"), "{l}: {page}");
        // A date's message names the Chinese way of writing one as a format.
        let data: Vec<&str> = DATA.iter().copied().chain(["YYYY年M月D日"]).collect();
        assert_eq!(chinese_left(&page, &data), Vec::<String>::new(), "{l}");
    }
}
