//! The county's benefit parameters page on both databases: the county raises a
//! value from a day (a new version, listed with its reference); township staff see
//! the values but get no form and a 403 for the change; a change without a
//! reference is refused on the page.

use axum::http::StatusCode;
use renkou_store::testing::databases;

use crate::common::{login, setup};

#[test]
fn the_county_changes_a_parameter_from_a_day_and_a_township_cannot() {
    for db in databases() {
        let l = db.label;
        let store = db.store_with(&renkou_web::migrations());
        setup(&store);
        let app = renkou_web::router(renkou_web::AppState::new(
            db.store_with(&renkou_web::migrations()),
        ));
        let admin = login(&app, "admin", "Secret-pass-1").unwrap();
        let (s, body) = admin.get("/benefits/parameters");
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(
            body.contains("第1版") && body.contains("id=\"change\""),
            "{body}"
        );
        let (s, body, _) = admin.post(
            "/benefits/parameters",
            "key=childcare.amount&from=2025-07-01&value=4800&reference=&confirmed=yes",
        );
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("每个值都须写明依据"), "{body}");
        let (s, _, _) = admin.post(
            "/benefits/parameters",
            "key=childcare.amount&from=2025-07-01&value=4800&reference=%E5%8E%BF%E5%8D%AB%E5%81%A5%E3%80%942025%E3%80%9512%E5%8F%B7&confirmed=yes",
        );
        assert_eq!(s, StatusCode::SEE_OTHER, "{l}");
        let (_, body) = admin.get("/benefits/parameters");
        assert!(
            body.contains("第2版") && body.contains("县卫健〔2025〕12号"),
            "{body}"
        );
        assert!(
            body.contains("2025-07-01") && body.contains("4800.00"),
            "{body}"
        );

        let zhen = login(&app, "zhen", "Secret-pass-1").unwrap();
        let (s, body) = zhen.get("/benefits/parameters");
        assert_eq!(s, StatusCode::OK);
        assert!(!body.contains("id=\"change\""), "no form for a township");
        let (s, _, _) = zhen.post(
            "/benefits/parameters",
            "key=childcare.amount&from=2026-01-01&value=6000&reference=x",
        );
        assert_eq!(s, StatusCode::FORBIDDEN, "{l}");
    }
}
