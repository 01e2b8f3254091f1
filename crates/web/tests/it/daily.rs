//! The daily register's forms on both databases: the birth form opened from a
//! mother's page and from a source record, a duplicate birth warned about and
//! saved only when confirmed, then voided and the void undone from the pages; the
//! person picker offers the account's own area only; a marriage form links both.

use axum::http::StatusCode;
use renkou_domain::{Date, IdNumber};
use renkou_store::testing::databases;

use crate::common::{login, setup, OURS};

fn d(y: i32, m: u32, dd: u32) -> Date {
    Date::from_ymd_opt(y, m, dd).unwrap()
}

fn app_of(db: &renkou_store::testing::TestDb) -> (renkou_store::Store, axum::Router) {
    let store = db.store_with(&renkou_web::migrations());
    setup(&store);
    let state = renkou_web::AppState::new(db.store_with(&renkou_web::migrations()));
    assert!(state.wait_for_search_index(std::time::Duration::from_secs(30)));
    (store, renkou_web::router(state))
}

#[test]
fn a_birth_from_the_mothers_page_is_warned_about_twice_saved_on_confirm_and_voided() {
    for db in databases() {
        let l = db.label;
        let (store, app) = app_of(&db);
        let cun = login(&app, "cun", "Secret-pass-1").unwrap();
        let (s, page) = cun.get("/persons/A1");
        assert_eq!(s, StatusCode::OK, "{l}");
        let link = format!("/regions/{OURS}/births/new?mother=A1");
        assert!(page.contains(&link), "{l}: {page}");
        let (s, form) = cun.get(&link);
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(
            form.contains(r#"id="mother""#) && form.contains("测试甲"),
            "{l}: {form}"
        );
        assert!(
            form.contains(r#"name="mother_no" id="mother_no" value="A1""#),
            "{l}"
        );
        // Another village's mother is not filled in (nor named).
        let (s, other) = cun.get(&format!("/regions/{OURS}/births/new?mother=B1"));
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(
            !other.contains("对照丙") && !other.contains(r#"value="B1""#),
            "{l}"
        );

        let body = "mother_no=A1&sex=2&birth_date=2025-06-01&name=%E6%B5%8B%E8%AF%95%E5%A5%B3";
        let (s, _, loc) = cun.post(&format!("/regions/{OURS}/births/new"), body);
        assert_eq!(s, StatusCode::SEE_OTHER, "{l}");
        let first = loc.unwrap();
        // The same birth again: the form comes back with the warning, nothing written.
        let events = store.counts().unwrap().events;
        let (s, again, _) = cun.post(&format!("/regions/{OURS}/births/new"), body);
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(again.contains(r#"id="duplicates""#), "{l}: {again}");
        assert!(again.contains("同一母亲30天内已有出生登记"), "{l}");
        assert!(again.contains(r#"name="confirm" value="1""#), "{l}");
        assert!(again.contains(&first.replace("/persons/", "")), "{l}");
        assert_eq!(store.counts().unwrap().events, events, "{l}");
        // Confirmed: the second child is saved.
        let (s, _, loc) = cun.post(
            &format!("/regions/{OURS}/births/new"),
            &format!("{body}&confirm=1"),
        );
        assert_eq!(s, StatusCode::SEE_OTHER, "{l}");
        let second = loc.unwrap();
        assert_ne!(first, second, "{l}");
        let village = |store: &renkou_store::Store| {
            store
                .area_summary(&crate::common::code(OURS), d(2025, 12, 31))
                .unwrap()
                .births_this_year
        };
        let births = village(&store);
        // Voided from its page: the form asks for a reason, the page says so.
        let (s, vf) = cun.get(&format!("{second}/void"));
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(vf.contains("注销记录"), "{l}");
        let (s, _, _) = cun.post(&format!("{second}/void"), "reason=");
        assert_eq!(s, StatusCode::BAD_REQUEST, "{l}");
        let (s, _, _) = cun.post(
            &format!("{second}/void"),
            "reason=%E9%87%8D%E5%A4%8D%E7%99%BB%E8%AE%B0",
        );
        assert_eq!(s, StatusCode::SEE_OTHER, "{l}");
        let (_, page) = cun.get(&second);
        assert!(
            page.contains(r#"id="voided""#) && page.contains("重复登记"),
            "{l}: {page}"
        );
        assert!(page.contains("注销"), "{l}");
        assert_eq!(village(&store), births - 1, "{l}");
        // Search marks the voided child (and only it) and names the village.
        let (_, found) = cun.get("/search?q=%E6%B5%8B%E8%AF%95%E5%A5%B3"); // 测试女
        assert!(
            found.contains(&format!(r#"href="{first}""#))
                && found.contains(&format!(r#"href="{second}""#)),
            "{l}: {found}"
        );
        assert_eq!(found.matches("（已注销）").count(), 1, "{l}: {found}");
        let voided_row = found
            .split("<tr>")
            .find(|r| r.contains(&format!(r#"href="{second}""#)));
        assert!(voided_row.unwrap().contains("（已注销）"), "{l}: {found}");
        assert!(
            found.contains("一村 <small>349901101201</small>"),
            "{l}: {found}"
        );
        // And undone: the link names the void, the child counts again.
        let no = second.trim_start_matches("/persons/");
        let seq = store.voided_by(no).unwrap().unwrap();
        let (s, rf) = cun.get(&format!("{second}/revoke?seq={seq}"));
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(rf.contains("撤销事件") && rf.contains("注销"), "{l}: {rf}");
        let (s, _, _) = cun.post(
            &format!("{second}/revoke"),
            &format!("seq={seq}&reason=%E6%B3%A8%E9%94%80%E9%94%99%E8%AF%AF"),
        );
        assert_eq!(s, StatusCode::SEE_OTHER, "{l}");
        assert_eq!(village(&store), births, "{l}");
        let (_, page) = cun.get(&second);
        assert!(
            !page.contains(r#"id="voided""#) && page.contains("已撤销"),
            "{l}"
        );
        // Another village's person cannot be voided: 404.
        let (s, _, _) = cun.post("/persons/B1/void", "reason=x");
        assert_eq!(s, StatusCode::NOT_FOUND, "{l}");
    }
}

#[test]
fn the_birth_form_is_filled_from_a_source_record_of_the_area_only() {
    for db in databases() {
        let l = db.label;
        let (store, app) = app_of(&db);
        // A1's own ID number (as the common register composes it) and B1's.
        let a1 = IdNumber::compose(349901, d(1992, 3, 4), 14);
        let b1 = IdNumber::compose(349901, d(1993, 7, 8), 14);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("医院.csv");
        std::fs::write(
            &path,
            format!(
                "记录编号,婴儿姓名,婴儿性别,出生日期,孩次,母亲姓名,母亲身份号码,母亲出生日期,区划代码\n\
                 S1,测试甲儿,1,2024-04-01,1,测试甲,{a1},1992-03-04,{OURS}\n\
                 S2,对照丙儿,2,2024-06-01,1,对照丙,{b1},1993-07-08,{}\n",
                crate::common::THEIRS
            ),
        )
        .unwrap();
        renkou_reconciliation::workflow::import_source(
            &store,
            &path,
            &renkou_reconciliation::workflow::SourceSpec {
                kind: renkou_reconciliation::rules::SourceKind::Hospital,
                name: "县医院".into(),
                region: crate::common::code("349901101000"),
                from: d(2024, 1, 1),
                to: d(2024, 12, 31),
            },
            &renkou_store::ImportOptions::by(renkou_store::Actor::operator("admin")),
            &renkou_domain::progress::NoProgress,
        )
        .unwrap();
        let cun = login(&app, "cun", "Secret-pass-1").unwrap();
        let src = "%E5%8E%BF%E5%8C%BB%E9%99%A2";
        let (s, form) = cun.get(&format!(
            "/regions/{OURS}/births/new?source={src}&record=S1"
        ));
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(form.contains(r#"id="from-source""#), "{l}: {form}");
        assert!(
            form.contains(r#"name="mother_no" id="mother_no" value="A1""#),
            "{l}: {form}"
        );
        assert!(form.contains(r#"value="测试甲儿""#), "{l}");
        assert!(form.contains(r#"value="2024-04-01""#), "{l}");
        assert!(form.contains(r#"<option value="1" selected>"#), "{l}");
        // Another village's record fills in nothing.
        let (s, form) = cun.get(&format!(
            "/regions/{OURS}/births/new?source={src}&record=S2"
        ));
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(
            !form.contains("对照丙") && !form.contains(r#"id="from-source""#),
            "{l}"
        );
    }
}

#[test]
fn the_person_picker_offers_the_own_area_only() {
    for db in databases() {
        let l = db.label;
        let (_store, app) = app_of(&db);
        let cun = login(&app, "cun", "Secret-pass-1").unwrap();
        let (s, json) = cun.get("/persons/pick?q=%E6%B5%8B%E8%AF%95");
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(json.contains(r#""person_no":"A1""#), "{l}: {json}");
        assert!(json.contains(r#""village":"一村""#), "{l}: {json}");
        // B1 (对照丙) lives in the other village.
        let (_, json) = cun.get("/persons/pick?q=%E5%AF%B9%E7%85%A7");
        assert_eq!(json, "[]", "{l}");
        let (_, json) = cun.get("/persons/pick?q=B1");
        assert_eq!(json, "[]", "{l}");
        // Only women: A2 (a man) is not offered for a mother.
        let (_, json) = cun.get("/persons/pick?q=%E6%B5%8B%E8%AF%95&sex=2");
        assert!(json.contains("A1") && !json.contains("A2"), "{l}: {json}");
        let zhen = login(&app, "zhen", "Secret-pass-1").unwrap();
        let (_, json) = zhen.get("/persons/pick?q=%E5%AF%B9%E7%85%A7");
        assert!(json.contains("B1"), "{l}: {json}");
    }
}

#[test]
fn a_person_moves_in_and_a_correction_shows_the_current_value() {
    for db in databases() {
        let l = db.label;
        let (store, app) = app_of(&db);
        let cun = login(&app, "cun", "Secret-pass-1").unwrap();
        let (s, form) = cun.get(&format!("/regions/{OURS}/move-in"));
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(form.contains("登记迁入"), "{l}");
        let id = IdNumber::compose(349901, d(1999, 9, 9), 22);
        let body = format!("name=%E6%B5%8B%E8%AF%95%E6%96%B0&id_number={id}&date=2025-10-01&origin=%E5%A4%96%E5%8E%BF&household_no=HA");
        let (s, _, loc) = cun.post(&format!("/regions/{OURS}/move-in"), &body);
        assert_eq!(s, StatusCode::SEE_OTHER, "{l}");
        let no = loc.unwrap().trim_start_matches("/persons/").to_string();
        let p = store.person(&no).unwrap().unwrap();
        assert_eq!(
            (p.birth_date, p.household_no.as_str()),
            (d(1999, 9, 9), "HA"),
            "{l}"
        );
        // The same ID number again: the warning, nothing written.
        let (s, again, _) = cun.post(&format!("/regions/{OURS}/move-in"), &body);
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(again.contains("公民身份号码相同"), "{l}");
        // The correction form shows the values as they are; a birth date that
        // contradicts the ID number is a warning to confirm.
        let (_, cf) = cun.get(&format!("/persons/{no}/events/correction"));
        assert!(
            cf.contains(r#"id="current""#) && cf.contains("1999-09-09"),
            "{l}"
        );
        let (s, w, _) = cun.post(
            &format!("/persons/{no}/events/correction"),
            "field=birth_date&new_value=1999-09-10&reason=%E6%A0%B8%E5%AF%B9",
        );
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(
            w.contains(r#"id="warning""#) && w.contains("不一致"),
            "{l}: {w}"
        );
        assert_eq!(
            store.person(&no).unwrap().unwrap().birth_date,
            d(1999, 9, 9),
            "{l}"
        );
    }
}

#[test]
fn a_void_whose_id_number_a_live_person_now_holds_is_not_revoked_and_says_who_in_one_language() {
    for db in databases() {
        let l = db.label;
        let (store, app) = app_of(&db);
        let cun = login(&app, "cun", "Secret-pass-1").unwrap();
        // A2 was entered wrongly: voided, then entered again under its ID number.
        let (s, _, _) = cun.post(
            "/persons/A2/void",
            "reason=%E7%99%BB%E8%AE%B0%E9%94%99%E8%AF%AF",
        );
        assert_eq!(s, StatusCode::SEE_OTHER, "{l}");
        let id = store.person("A2").unwrap().unwrap().id_number.unwrap();
        let body = format!(
            "name=%E6%B5%8B%E8%AF%95%E4%B9%99&id_number={id}&date=2025-10-01&household_no=HA"
        );
        let (s, _, loc) = cun.post(&format!("/regions/{OURS}/move-in"), &body);
        assert_eq!(s, StatusCode::SEE_OTHER, "{l}");
        let again = loc.unwrap().trim_start_matches("/persons/").to_string();
        // Revoking A2's void is refused, naming the new record, in the page's
        // language only; nothing is written.
        let seq = store.voided_by("A2").unwrap().unwrap();
        let events = store.counts().unwrap().events;
        let revoke = format!("seq={seq}&reason=%E6%B3%A8%E9%94%80%E9%94%99%E8%AF%AF");
        let (s, page, _) = cun.post("/persons/A2/revoke", &revoke);
        assert_eq!(s, StatusCode::BAD_REQUEST, "{l}");
        assert!(
            page.contains(&format!(
                "公民身份号码已登记在人员 {again} 名下，不能撤销注销"
            )) && !page.contains("cannot be revoked"),
            "{l}: {page}"
        );
        let en = crate::common::Client {
            app: app.clone(),
            cookie: format!("{}; lang=en", cun.cookie),
            csrf: cun.csrf.clone(),
        };
        let (s, page, _) = en.post("/persons/A2/revoke", &revoke);
        assert_eq!(s, StatusCode::BAD_REQUEST, "{l}");
        assert!(
            page.contains(&format!(
                "the ID number is now registered to person {again}, so the void cannot be revoked"
            )) && !page.contains("不能撤销注销"),
            "{l}: {page}"
        );
        assert_eq!(store.counts().unwrap().events, events, "{l}");
        assert_eq!(store.voided_by("A2").unwrap(), Some(seq), "{l}");
    }
}
