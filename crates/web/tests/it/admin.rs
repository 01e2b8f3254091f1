//! The pages that replace the server's shell, on both databases: the county
//! administrator's accounts (create with an area, reset, disable, enable, last
//! login; refused to everyone else) and the data-quality list of an area
//! (each item with its facts, resolved with a reason, audited; read-only roles
//! see it and cannot resolve).

use crate::common::*;
use axum::http::StatusCode;
use renkou_domain::quality::{QualityIssue, QualityKind};
use renkou_store::testing::databases;
use renkou_store::Actor;

fn audit_actions(store: &renkou_store::Store, record_type: &str) -> Vec<(String, String)> {
    store
        .audit_entries(&renkou_store::audit::AuditQuery {
            record_type: Some(record_type.into()),
            limit: 1000,
            ..Default::default()
        })
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.record_id))
        .collect()
}

#[test]
fn the_county_administrator_manages_accounts_in_the_browser() {
    for db in databases() {
        let store = db.store_with(&renkou_web::migrations());
        setup(&store);
        let app = renkou_web::router(renkou_web::AppState::new(
            db.store_with(&renkou_web::migrations()),
        ));
        let admin = login(&app, "admin", "Secret-pass-1").unwrap();
        let (s, page) = admin.get("/admin/accounts");
        assert_eq!(s, StatusCode::OK, "{}", db.label);
        // Each account by role and area name, with the last login (admin's own
        // just now; cun never logged in).
        assert!(page.contains("村专干") && page.contains("一村"), "{page}");
        let cun_row = page.split("id=\"account-cun\"").nth(1).unwrap();
        assert!(
            cun_row.split("</tr>").next().unwrap().contains("从未"),
            "{cun_row}"
        );
        assert!(
            !page.contains("village_worker</td>"),
            "role codes on a Chinese page"
        );

        // A weak initial password: refused in Chinese, nothing created.
        let (s, page, _) = admin.post(
            "/admin/accounts",
            &format!("username=cun2&display_name=%E5%BC%A0%E4%B8%89&role=village_worker&region={THEIRS}&password=12345678"),
        );
        assert_eq!(s, StatusCode::BAD_REQUEST, "{}", db.label);
        assert!(
            page.contains("class=\"err\"") && !page.contains(" / "),
            "{page}"
        );
        assert!(store.account_by_name("cun2").unwrap().is_none());
        // The form keeps what was typed.
        assert!(page.contains("value=\"cun2\""));

        // A village worker's account for 二村.
        let (s, page, _) = admin.post(
            "/admin/accounts",
            &format!("username=cun2&display_name=%E5%BC%A0%E4%B8%89&role=village_worker&region={THEIRS}&password=Erc-un-2026"),
        );
        assert_eq!(s, StatusCode::OK, "{}: {page}", db.label);
        assert!(page.contains("已建立账户 cun2"), "{page}");
        let a = store.account_by_name("cun2").unwrap().unwrap();
        assert_eq!(a.region.as_str(), THEIRS);
        assert!(a.must_change_password);
        // A village worker scoped to a township is refused by the rules.
        let (s, _, _) = admin.post(
            "/admin/accounts",
            "username=cun3&display_name=x&role=village_worker&region=349901101000&password=Erc-un-2026",
        );
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(store.account_by_name("cun3").unwrap().is_none());

        // The new account logs in (and must change its password).
        assert!(login(&app, "cun2", "Erc-un-2026").is_ok());
        // Disabled: it cannot log in; enabled again: it can.
        let (s, page, _) = admin.post("/admin/accounts/cun2/disable", "");
        assert_eq!(s, StatusCode::OK, "{}", db.label);
        assert!(page.contains("已停用 cun2"));
        assert!(login(&app, "cun2", "Erc-un-2026").is_err());
        admin.post("/admin/accounts/cun2/enable", "");
        assert!(login(&app, "cun2", "Erc-un-2026").is_ok());
        // Reset: the old password no longer works, the temporary one must be changed.
        let (s, _, _) = admin.post("/admin/accounts/cun2/reset", "password=Lin-shi-2027");
        assert_eq!(s, StatusCode::OK);
        assert!(login(&app, "cun2", "Erc-un-2026").is_err());
        assert!(login(&app, "cun2", "Lin-shi-2027").is_ok());
        assert!(
            store
                .account_by_name("cun2")
                .unwrap()
                .unwrap()
                .must_change_password
        );
        // The administrator cannot disable themself.
        let (s, _, _) = admin.post("/admin/accounts/admin/disable", "");
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(!store.account_by_name("admin").unwrap().unwrap().disabled);
        // Every change audited.
        let actions = audit_actions(&store, "account");
        for want in ["create", "disable", "enable", "reset_password"] {
            assert!(
                actions.iter().any(|(a, id)| a == want && id == "cun2"),
                "{}: {want} not audited: {actions:?}",
                db.label
            );
        }
        // Nobody else sees or changes accounts.
        for user in ["tongji", "zhen", "cun"] {
            let c = login(&app, user, "Secret-pass-1").unwrap();
            assert_eq!(c.get("/admin/accounts").0, StatusCode::NOT_FOUND, "{user}");
            let (s, _, _) = c.post("/admin/accounts/cun2/disable", "");
            assert_eq!(s, StatusCode::NOT_FOUND, "{user}");
            let (s, _, _) = c.post(
                "/admin/accounts",
                &format!("username=x{user}&display_name=x&role=county_admin&region=349901000000&password=Erc-un-2026"),
            );
            assert_eq!(s, StatusCode::NOT_FOUND, "{user}");
        }
        assert!(!store.account_by_name("cun2").unwrap().unwrap().disabled);
        assert!(store.account_by_name("xzhen").unwrap().is_none());
    }
}

#[test]
fn the_data_quality_list_is_resolved_in_the_browser_with_a_reason() {
    for db in databases() {
        let store = db.store_with(&renkou_web::migrations());
        setup(&store);
        store
            .write(&Actor::operator("test"), |tx| {
                tx.record_quality(&[
                    QualityIssue {
                        person_no: "A1".into(),
                        kind: QualityKind::IdBirthDateMismatch,
                        message: "身份证号码中的出生日期与出生日期不符 / the ID number's birth date differs".into(),
                    },
                    QualityIssue {
                        person_no: "B1".into(),
                        kind: QualityKind::MotherTooYoung,
                        message: "母亲生育时年龄偏小 / mother young at the birth".into(),
                    },
                ])
            })
            .unwrap();
        let app = renkou_web::router(renkou_web::AppState::new(
            db.store_with(&renkou_web::migrations()),
        ));
        let cun = login(&app, "cun", "Secret-pass-1").unwrap();
        // The home page links the list instead of naming a command.
        let (_, home) = cun.get("/");
        assert!(home.contains(&format!("/quality/{OURS}")) && !home.contains("renkou quality"));
        let (s, page) = cun.get(&format!("/quality/{OURS}"));
        assert_eq!(s, StatusCode::OK, "{}", db.label);
        // Our village's item, by name and kind in Chinese; not 二村's.
        assert!(
            page.contains("测试甲") && page.contains("/persons/A1"),
            "{page}"
        );
        assert!(page.contains("身份证号码中的出生日期与出生日期不符"));
        assert!(
            !page.contains(" / the ID"),
            "English half on a Chinese page"
        );
        assert!(!page.contains("对照丙"), "{page}");
        let id = store.quality_issues(&code(OURS)).unwrap()[0].id;
        let other = store.quality_issues(&code(THEIRS)).unwrap()[0].id;
        // Another village's item: 404, and it stays open.
        let (s, _, _) = cun.post(&format!("/quality/items/{other}/resolve"), "reason=x");
        assert_eq!(s, StatusCode::NOT_FOUND);
        // No reason: refused, still open.
        let (s, page, _) = cun.post(&format!("/quality/items/{id}/resolve"), "reason=+");
        assert_eq!(s, StatusCode::BAD_REQUEST, "{}", db.label);
        assert!(page.contains("请填写处理说明"), "{page}");
        assert_eq!(store.quality_issues(&code(OURS)).unwrap().len(), 1);
        // The statistician reads the list but cannot resolve.
        let tongji = login(&app, "tongji", "Secret-pass-1").unwrap();
        let (s, page) = tongji.get(&format!("/quality/{OURS}"));
        assert_eq!(s, StatusCode::OK);
        assert!(!page.contains("/resolve\""), "{page}");
        let (s, _, _) = tongji.post(&format!("/quality/items/{id}/resolve"), "reason=ok");
        assert_eq!(s, StatusCode::FORBIDDEN);
        // Resolved with a reason: off the open list, shown with who and why.
        let (s, _, loc) = cun.post(
            &format!("/quality/items/{id}/resolve"),
            "reason=%E5%B7%B2%E6%A0%B8%E5%AE%9E%E6%97%A0%E8%AF%AF",
        );
        assert_eq!(s, StatusCode::SEE_OTHER, "{}", db.label);
        assert_eq!(loc.as_deref(), Some(format!("/quality/{OURS}").as_str()));
        assert!(store.quality_issues(&code(OURS)).unwrap().is_empty());
        let (_, page) = cun.get(&format!("/quality/{OURS}"));
        assert!(page.contains("没有待核的问题"), "{page}");
        let resolved = page.split("id=\"resolved\"").nth(1).unwrap();
        assert!(
            resolved.contains("已核实无误") && resolved.contains("cun"),
            "{resolved}"
        );
        let q = store.quality_issue(id).unwrap().unwrap();
        assert_eq!(
            (
                q.status.as_str(),
                q.resolved_by.as_deref(),
                q.resolution.as_deref()
            ),
            ("resolved", Some("cun"), Some("已核实无误"))
        );
        // Twice: refused, the first reason kept.
        let (s, _, _) = cun.post(&format!("/quality/items/{id}/resolve"), "reason=again");
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_eq!(
            store
                .quality_issue(id)
                .unwrap()
                .unwrap()
                .resolution
                .as_deref(),
            Some("已核实无误")
        );
        assert!(audit_actions(&store, "quality_issue")
            .iter()
            .any(|(a, r)| a == "review" && r == &id.to_string()));
        // A scan from the page: the township's staff scan their township.
        let zhen = login(&app, "zhen", "Secret-pass-1").unwrap();
        let (s, page, _) = zhen.post("/quality/349901101000/scan", "");
        assert_eq!(s, StatusCode::OK, "{}", db.label);
        assert!(page.contains("检查完毕"), "{page}");
        // The village worker cannot scan the township.
        let (s, _, _) = cun.post("/quality/349901101000/scan", "");
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
}

#[test]
fn a_voided_persons_quality_items_leave_the_list_and_the_home_count() {
    for db in databases() {
        let l = db.label;
        let store = db.store_with(&renkou_web::migrations());
        setup(&store);
        store
            .write(&Actor::operator("test"), |tx| {
                tx.record_quality(&[
                    QualityIssue {
                        person_no: "A1".into(),
                        kind: QualityKind::IdBirthDateMismatch,
                        message: "身份证号码中的出生日期与出生日期不符 / the ID number's birth date differs".into(),
                    },
                    QualityIssue {
                        person_no: "A2".into(),
                        kind: QualityKind::IdSexMismatch,
                        message: "身份证号码中的性别与性别不符 / the ID number's sex differs".into(),
                    },
                ])
            })
            .unwrap();
        let app = renkou_web::router(renkou_web::AppState::new(
            db.store_with(&renkou_web::migrations()),
        ));
        let cun = login(&app, "cun", "Secret-pass-1").unwrap();
        let (_, home) = cun.get("/");
        assert!(home.contains(r#"<b id="quality">2</b>"#), "{l}: {home}");
        let (_, page) = cun.get(&format!("/quality/{OURS}"));
        assert!(page.contains("/persons/A2"), "{l}: {page}");
        // A refused void names the problem in the page's language only.
        let (s, page, _) = cun.post("/persons/A2/void", "reason=+");
        assert_eq!(s, StatusCode::BAD_REQUEST, "{l}");
        assert!(
            page.contains("请填写原因") && !page.contains("a reason is required"),
            "{l}: {page}"
        );
        let en = Client {
            app: app.clone(),
            cookie: format!("{}; lang=en", cun.cookie),
            csrf: cun.csrf.clone(),
        };
        let (s, page, _) = en.post("/persons/A2/void", "reason=+");
        assert_eq!(s, StatusCode::BAD_REQUEST, "{l}");
        assert!(
            page.contains("a reason is required") && !page.contains("请填写原因"),
            "{l}: {page}"
        );
        // The quality list in English names the kind in English.
        let (_, page) = en.get(&format!("/quality/{OURS}"));
        assert!(
            page.contains("ID number and sex disagree") && !page.contains("身份号码与性别不符"),
            "{l}: {page}"
        );
        // A2 voided as wrongly entered: its item is gone from both, A1's stays.
        let (s, _, _) = cun.post("/persons/A2/void", "reason=%E9%87%8D%E5%A4%8D");
        assert_eq!(s, StatusCode::SEE_OTHER, "{l}");
        let (_, home) = cun.get("/");
        assert!(home.contains(r#"<b id="quality">1</b>"#), "{l}: {home}");
        let (_, page) = cun.get(&format!("/quality/{OURS}"));
        assert!(
            page.contains("/persons/A1") && !page.contains("/persons/A2"),
            "{l}: {page}"
        );
        assert_eq!(store.quality_issues(&code(OURS)).unwrap().len(), 1, "{l}");
    }
}
