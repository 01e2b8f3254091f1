//! A village roster (花名册) uploaded on the ledger page, on both databases: the
//! preview shows how each column is read and what would be added; the user
//! changes the mapping (a select per column), checks again, and imports what
//! they checked; the office's mapping is remembered for the next file; the
//! templates download as xlsx.

use axum::http::StatusCode;
use renkou_domain::{Date, IdNumber};
use renkou_store::testing::databases;

use crate::common::*;

const HEADERS: [&str; 10] = [
    "序号",
    "户主姓名",
    "姓名",
    "与户主关系",
    "性别",
    "出生年月",
    "身份证号码",
    "民族",
    "联系电话",
    "备注",
];

fn roster() -> Vec<u8> {
    let id = IdNumber::compose(349901, Date::from_ymd_opt(1968, 4, 9).unwrap(), 13);
    let text = format!(
        "一村户籍人口花名册\r\n{}\r\n\
         1,孔测一,孔测一,户主,男,1968.04,{id},汉族,13900000009,\r\n\
         2,,曹测二,妻,女,1970年2月,,汉族,,\r\n\
         ,,,,,,,,,\r\n\
         3,严测三,严测三,户主,女,195511,,汉族,,\r\n\
         合计,,3人,,,,,,,\r\n",
        HEADERS.join(",")
    );
    encoding_rs::GBK.encode(&text).0.into_owned()
}

fn upload_id(body: &str) -> String {
    body.split("action=\"/imports/")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap()
        .to_string()
}

/// The form body for a mapping (field per column) and village.
fn mapping_form(fields: &[&str], checked: &str) -> String {
    let mut s = format!("village={OURS}&checked={}", checked.replace(',', "%2C"));
    for (i, f) in fields.iter().enumerate() {
        s.push_str(&format!("&m{i}={f}"));
    }
    s
}

#[test]
fn a_roster_upload_shows_its_mapping_and_imports_what_was_checked() {
    for db in databases() {
        let store = db.store_with(&renkou_web::migrations());
        setup(&store);
        let app = renkou_web::router(renkou_web::AppState::new(
            db.store_with(&renkou_web::migrations()),
        ));
        let cun = login(&app, "cun", "Secret-pass-1").unwrap();
        let (s, page) = cun.get("/imports/new");
        assert_eq!(s, StatusCode::OK);
        assert!(page.contains("/imports/template?kind=roster"), "{page}");
        let (s, body, _) = multipart(
            &cun,
            "/imports",
            &[("kind", "persons")],
            "花名册.csv",
            &roster(),
        );
        assert_eq!(s, StatusCode::OK, "{}: {body}", db.label);
        assert!(body.contains("id=\"mapping\""), "{body}");
        // Each column with its select, recognised through the synonyms.
        assert!(
            body.contains("name=\"m5\" data-header=\"出生年月\"")
                && body.contains("<option value=\"birth_date\" selected>"),
            "{body}"
        );
        assert!(
            body.contains("新增 3 人（新户 2 户）"),
            "{}: {body}",
            db.label
        );
        assert!(body.contains("合计行，已跳过"), "{body}");
        assert!(body.contains("出生日期只知道年月"), "{body}");
        // In English the quality kinds are English.
        let en = Client {
            app: app.clone(),
            cookie: format!("{}; lang=en", cun.cookie),
            csrf: cun.csrf.clone(),
        };
        let (s, en_body, _) = multipart(
            &en,
            "/imports",
            &[("kind", "persons")],
            "花名册.csv",
            &roster(),
        );
        assert_eq!(s, StatusCode::OK, "{}: {en_body}", db.label);
        assert!(
            en_body.contains("birth date known to the month only")
                && !en_body.contains("出生日期只知道年月"),
            "{en_body}"
        );
        assert!(body.contains("id=\"commit\""), "{body}");
        assert_eq!(
            store.counts().unwrap().persons,
            3,
            "the preview wrote nothing"
        );
        let id = upload_id(&body);

        // The office keeps no phone numbers in the register: 联系电话 not read.
        let fields = [
            "seq",
            "head_name",
            "name",
            "relation",
            "sex",
            "birth_date",
            "id_number",
            "ethnicity",
            "",
            "note",
        ];
        let checked_before =
            "seq,head_name,name,relation,sex,birth_date,id_number,ethnicity,phone,note";
        // Importing a mapping that was not checked checks it first and writes nothing.
        let (s, body, _) = cun.post(
            &format!("/imports/{id}/roster/commit"),
            &mapping_form(&fields, checked_before),
        );
        assert_eq!(s, StatusCode::OK, "{body}");
        assert!(body.contains("id=\"mapping\""), "{body}");
        assert_eq!(
            store.counts().unwrap().persons,
            3,
            "{}: not written",
            db.label
        );
        let (s, body, _) = cun.post(
            &format!("/imports/{id}/roster"),
            &mapping_form(&fields, checked_before),
        );
        assert_eq!(s, StatusCode::OK);
        assert!(
            body.contains("name=\"m8\" data-header=\"联系电话\"><option value=\"\" selected>"),
            "{body}"
        );
        let checked = fields.join(",");
        assert!(body.contains(&format!("value=\"{checked}\"")), "{body}");
        // Now import what was checked.
        let (s, _, loc) = cun.post(
            &format!("/imports/{id}/roster/commit"),
            &mapping_form(&fields, &checked),
        );
        assert_eq!(
            (s, loc.as_deref()),
            (
                StatusCode::SEE_OTHER,
                Some(format!("/imports/{id}").as_str())
            ),
            "{}",
            db.label
        );
        let (_, page) = cun.get(&format!("/imports/{id}"));
        assert!(
            page.contains("id=\"result\"") && page.contains("新增 3 人"),
            "{page}"
        );
        assert_eq!(store.counts().unwrap().persons, 6, "{}", db.label);
        let mut ours = Vec::new();
        store
            .for_each_live_person_in(&code(OURS), &mut |p| {
                ours.push(p);
                Ok(())
            })
            .unwrap();
        let kong = ours.iter().find(|p| p.name == "孔测一").unwrap();
        assert_eq!(
            kong.phone, None,
            "{}: the phone column was not read",
            db.label
        );
        assert_eq!(kong.birth_date, Date::from_ymd_opt(1968, 4, 9).unwrap());
        let cao = ours.iter().find(|p| p.name == "曹测二").unwrap();
        assert_eq!(cao.household_no, kong.household_no);
        // The household page shows the head and each member's relation.
        let (s, page) = cun.get(&format!("/households/{}", kong.household_no));
        assert_eq!(s, StatusCode::OK);
        assert!(
            page.contains("户主") && page.contains("孔测一") && page.contains(">妻<"),
            "{page}"
        );

        let (_, page) = cun.get(&format!("/persons/{}", cao.person_no));
        assert!(page.contains("与户主关系：妻"), "{page}");
        // The next file with the same headers maps the same way for this office.
        let (_, body, _) = multipart(
            &cun,
            "/imports",
            &[("kind", "persons")],
            "花名册-12月.csv",
            &roster(),
        );
        assert!(body.contains("id=\"remembered\""), "{}: {body}", db.label);
        assert!(
            body.contains("name=\"m8\" data-header=\"联系电话\"><option value=\"\" selected>"),
            "{body}"
        );
        assert!(body.contains("无变化 3 人"), "{body}");

        // Templates of the files the page accepts.
        for kind in ["roster", "persons", "births", "regions", "targets"] {
            let (s, mime, bytes) = cun.get_bytes(&format!("/imports/template?kind={kind}"));
            assert_eq!(s, StatusCode::OK);
            assert!(mime.contains("spreadsheetml"), "{mime}");
            assert!(bytes.starts_with(b"PK"), "{kind}");
            // The roster's template reads back as a roster, its example household
            // included.
            if kind == "roster" {
                let dir = tempfile::tempdir().unwrap();
                let p = dir.path().join("t.xlsx");
                std::fs::write(&p, &bytes).unwrap();
                assert!(renkou_register::roster::is_roster(&p, None));
                let mut r = renkou_interchange::roster::RosterReader::open(&p, None).unwrap();
                let mut n = 0;
                while let Some(line) = r.next_line().unwrap() {
                    assert!(line.is_ok(), "{line:?}");
                    n += 1;
                }
                assert_eq!(n, 3);
            }
        }
        // Another account cannot touch this upload.
        let zhen = login(&app, "zhen", "Secret-pass-1").unwrap();
        let (s, _, _) = zhen.post(
            &format!("/imports/{id}/roster"),
            &mapping_form(&fields, &checked),
        );
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
}
