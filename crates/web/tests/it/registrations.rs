//! The registrations pages on both databases: township staff register a birth and
//! get its printable confirmation with the office's number; a refusal is shown on
//! the form in the page's language; a village worker enters a 光荣证, prints it
//! with its QR code, and anyone without logging in verifies the code on the
//! public page — which shows nothing for a forged or altered code, and says so
//! once the certificate is replaced or revoked.

use axum::body::Body;
use axum::http::{Request, StatusCode};
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

fn public_get(app: &axum::Router, uri: &str) -> (StatusCode, String) {
    let (s, b, _) = send(app, Request::get(uri).body(Body::empty()).unwrap());
    (s, b)
}

#[test]
fn a_birth_registration_gets_its_number_and_a_printable_confirmation() {
    for db in databases() {
        let l = db.label;
        let store = db.store_with(&renkou_web::migrations());
        setup(&store);
        let app = renkou_web::router(renkou_web::AppState::new(
            db.store_with(&renkou_web::migrations()),
        ));
        let zhen = login(&app, "zhen", "Secret-pass-1").unwrap();
        let (s, body) = zhen.get("/registrations");
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(body.contains("不设审批"), "{body}");
        // The residence is picked by name among the township's villages (一村, 二村
        // of 甲镇; never 乙乡's 三村), the parents with the person picker.
        assert!(
            body.contains(r#"<option value="349901101201">一村</option>"#)
                && body.contains(r#"<option value="349901101202">二村</option>"#)
                && !body.contains(r#"<option value="349901102201">"#)
                && body.contains(r#"data-pick="2""#),
            "{body}"
        );
        let fields = "applicant=couple&mother_no=A1&father_no=A2&marriage=married\
            &residence=349901101201&address=%E4%B8%80%E6%9D%91&expected_on=2025-11-20\
            &registered_on=2025-04-02";
        let (s, _, loc) = zhen.post("/registrations/births", fields);
        assert_eq!(s, StatusCode::SEE_OTHER, "{l}");
        let loc = loc.unwrap();
        let (s, body) = zhen.get(&loc);
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(body.contains("349901101-2025-00001"), "{l}: {body}");
        assert!(
            body.contains("生育登记回执") && body.contains("测试甲") && body.contains("测试乙")
        );
        // The children the register knows: C1.
        assert!(body.contains("C1（2015-06-01）"), "{body}");
        assert!(body.contains("@media print"), "a print stylesheet");
        // The second in the same book: 00002. A village worker of 一村 sees both.
        let (s, _, _) = zhen.post("/registrations/births", fields);
        assert_eq!(s, StatusCode::SEE_OTHER);
        let cun = login(&app, "cun", "Secret-pass-1").unwrap();
        let (_, body) = cun.get("/registrations");
        assert!(
            body.contains("349901101-2025-00001") && body.contains("349901101-2025-00002"),
            "{body}"
        );
        // Refusals on the form, in the page's language: a couple without a father.
        let (s, body, _) = zhen.post(
            "/registrations/births",
            "applicant=couple&mother_no=A1&residence=349901101201&expected_on=2025-11-20",
        );
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(
            body.contains("夫妻登记须填写母亲和父亲的人员编号"),
            "{body}"
        );
        assert!(!body.contains("a couple's registration"), "{body}");
        // 二村's mother is not 一村's worker's: the same answer as for a number
        // nobody has.
        let refusal = |no: &str| {
            let (s, body, _) = cun.post(
                "/registrations/births",
                &format!("applicant=single_mother&mother_no={no}&residence=349901101201&expected_on=2025-11-20"),
            );
            assert_eq!(s, StatusCode::OK, "{l}");
            body.split("id=\"errors\"")
                .nth(1)
                .unwrap()
                .split("</div>")
                .next()
                .unwrap()
                .replace(no, "#")
        };
        assert_eq!(refusal("B1"), refusal("ZZ9"), "{l}");
        assert!(refusal("B1").contains("找不到人员"));
        // Only the county administrator sets where a book starts.
        let (s, body, _) = zhen.post(
            "/registrations/books",
            "office=349901101000&year=2026&first=77",
        );
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("只有县级管理员"), "{body}");
        let admin = login(&app, "admin", "Secret-pass-1").unwrap();
        let (s, _, _) = admin.post(
            "/registrations/books",
            "office=349901101000&year=2026&first=77",
        );
        assert_eq!(s, StatusCode::SEE_OTHER, "{l}");
        let (s, _, loc) = zhen.post(
            "/registrations/births",
            "applicant=single_mother&mother_no=A1&marriage=divorced&residence=349901101201\
             &expected_on=2026-05-01&registered_on=2026-01-03",
        );
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (_, body) = zhen.get(&loc.unwrap());
        assert!(body.contains("349901101-2026-00077"), "{l}: {body}");
    }
}

#[test]
fn a_certificates_qr_code_verifies_publicly_and_forgeries_show_nothing() {
    for db in databases() {
        let l = db.label;
        let store = db.store_with(&renkou_web::migrations());
        setup(&store);
        let app = renkou_web::router(renkou_web::AppState::new(
            db.store_with(&renkou_web::migrations()),
        ));
        let cun = login(&app, "cun", "Secret-pass-1").unwrap();
        let (s, _, loc) = cun.post(
            "/certificates",
            "number=%E7%8B%AC-0042&issued_on=2016-02-03&holder1_no=A1&holder2_no=A2&child_no=C1",
        );
        assert_eq!(s, StatusCode::SEE_OTHER, "{l}");
        let page = loc.unwrap();
        let (s, body) = cun.get(&page);
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("独-0042") && body.contains("发证"), "{body}");
        let (s, doc) = cun.get(&format!("{page}/document"));
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(doc.contains("<svg"), "the QR code is drawn");
        let code = doc
            .split("/verify/")
            .nth(1)
            .and_then(|s| s.split('<').next())
            .unwrap()
            .trim()
            .to_string();

        // Anyone, without logging in: what the document shows, and "valid".
        let (s, body) = public_get(&app, &format!("/verify/{code}"));
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(body.contains("有效"), "{body}");
        for shown in ["独-0042", "测试甲", "测试乙", "测试小甲", "2016-02-03"] {
            assert!(body.contains(shown), "{shown}: {body}");
        }
        // Not what the document does not show: person numbers, region, ID numbers.
        assert!(!body.contains("A1") && !body.contains(OURS) && !body.contains("349901199"));

        // Forged and altered codes: nothing at all of any certificate.
        let (id, rest) = code.split_once('-').unwrap();
        let tag = rest.split('-').nth(1).unwrap();
        let flipped: String = tag
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if i == 5 {
                    if c == 'a' {
                        'b'
                    } else {
                        'a'
                    }
                } else {
                    c
                }
            })
            .collect();
        for forged in [
            format!("{id}-1-{flipped}"),
            format!("{id}-2-{tag}"),
            format!("{}-1-{tag}", id.parse::<i64>().unwrap() + 1),
            "1-1-0123456789abcdef0123456789abcdef".to_string(),
            "%3Cscript%3E".to_string(),
        ] {
            let (s, body) = public_get(&app, &format!("/verify/{forged}"));
            assert_eq!(s, StatusCode::OK, "{l}: {forged}");
            assert!(body.contains("无法验证"), "{forged}: {body}");
            for leaked in ["独-0042", "测试", "2016-02-03"] {
                assert!(!body.contains(leaked), "{forged} leaked {leaked}");
            }
        }

        // Replaced: the old code is void, the new document's is valid.
        let (s, _, _) = cun.post(
            &format!("{page}/replace"),
            "on=2024-01-02&reason=%E9%81%97%E5%A4%B1",
        );
        assert_eq!(s, StatusCode::SEE_OTHER, "{l}");
        let (_, body) = public_get(&app, &format!("/verify/{code}"));
        assert!(body.contains("已换发"), "{body}");
        let (_, doc) = cun.get(&format!("{page}/document"));
        let new_code = doc
            .split("/verify/")
            .nth(1)
            .and_then(|s| s.split('<').next())
            .unwrap()
            .trim()
            .to_string();
        assert_ne!(new_code, code);
        let (_, body) = public_get(&app, &format!("/verify/{new_code}"));
        assert!(body.contains("有效"), "{body}");
        // Revoked without a reason: refused on the page; with one: every code says so.
        let (s, body, _) = cun.post(&format!("{page}/revoke"), "on=2025-01-02&reason=");
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("原因不能为空"), "{body}");
        let (s, _, _) = cun.post(
            &format!("{page}/revoke"),
            "on=2025-01-02&reason=%E6%B3%A8%E9%94%80",
        );
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (_, body) = public_get(&app, &format!("/verify/{new_code}"));
        assert!(body.contains("已注销"), "{body}");
        // The certificate's page lists the verifications (outcome and time only).
        let (_, body) = cun.get(&page);
        assert!(body.contains("id=\"verifications\"") && body.contains("已换发（此件作废）"));
        // Another village's account: 404, as for no certificate.
        let (s, _) = cun.get("/certificates/999999");
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
}

/// The employer's page with the binary test's staff member (see
/// `renkou/tests/it/registrations.rs`): 120.00 health fee + 250.00 medical.
#[test]
fn the_employer_page_shows_a_staff_members_year_line_by_line() {
    let db = renkou_store::testing::TestDb::sqlite();
    let store = db.store_with(&renkou_web::migrations());
    setup(&store);
    let app = renkou_web::router(renkou_web::AppState::new(
        db.store_with(&renkou_web::migrations()),
    ));
    let zhen = login(&app, "zhen", "Secret-pass-1").unwrap();
    let (s, body) = zhen.get("/benefits/employer");
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("id=\"employer\"") && !body.contains("id=\"lines\""));
    let q = "person_id=E-F-02&sex=%E7%94%B7&birth_date=1986-04-04&staff=yes\
        &spouse_birth_date=1988-02-02&spouse_employment=no_income&first_marriage_on=2013-05-01\
        &only_child_born=2015-09-01&certificate_number=X&certificate_issued_on=2015-10-08\
        &invoices=2024-02-01+1200.00%0D%0A2024-06-01+1600.00%0D%0A2024-07-01+300.00+%E9%9D%9E%E5%8E%BF%E7%BA%A7\
        &year=2024";
    let (s, body) = zhen.get(&format!("/benefits/employer?{q}"));
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("合计 370.00 元"), "{body}");
    assert!(
        body.contains("120.00 元（12 个月）") && body.contains("250.00 元"),
        "{body}"
    );
    // A line that is not "date amount" is named.
    let (_, body) =
        zhen.get("/benefits/employer?sex=%E7%94%B7&birth_date=1986-04-04&invoices=x&year=2024");
    assert!(body.contains("医药发票第 1 行"), "{body}");
}
