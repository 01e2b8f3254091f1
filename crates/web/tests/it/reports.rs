//! The reports page on both databases: a report made from the form is archived
//! and downloads as the file it was, the archive shows only the account's area,
//! and a report goes up (submitted) and is received by the county.

use axum::http::StatusCode;
use renkou_store::testing::databases;

use crate::common::*;

#[test]
fn a_report_made_on_the_page_is_archived_downloaded_and_sent_up() {
    for db in databases() {
        let store = db.store_with(&renkou_web::migrations());
        setup(&store);
        let app = renkou_web::router(renkou_web::AppState::new(
            db.store_with(&renkou_web::migrations()),
        ));
        let zhen = login(&app, "zhen", "Secret-pass-1").unwrap();
        let (s, page) = zhen.get("/reports/349901101000");
        assert_eq!(s, StatusCode::OK, "{}", db.label);
        assert!(page.contains("name=\"kind\""), "the form");
        assert!(page.contains("工作总结"));

        let (s, _, location) = zhen.post(
            "/reports/349901101000",
            "kind=statistical&period=2024&format=docx",
        );
        assert_eq!(s, StatusCode::SEE_OTHER, "{}", db.label);
        assert!(location
            .unwrap()
            .starts_with("/reports/349901101000?notice="));
        let (_, page) = zhen.get("/reports/349901101000");
        assert!(
            page.contains("/reports/file/1"),
            "{}: the archive lists it",
            db.label
        );
        assert!(page.contains("2024年甲镇人口统计报表.docx"));

        let (s, mime, bytes) = zhen.get_bytes("/reports/file/1");
        assert_eq!(s, StatusCode::OK);
        assert!(mime.contains("wordprocessingml"), "{mime}");
        assert!(bytes.starts_with(b"PK"));
        let kept = renkou_reports::tables::ReportTables::archived_report(&store, 1)
            .unwrap()
            .unwrap();
        assert_eq!(renkou_reports::archive::sha256_hex(&bytes), kept.sha256);
        assert_eq!(kept.generated_by, "zhen");

        // A bad period is said on the page, nothing archived.
        let (s, page, _) = zhen.post(
            "/reports/349901101000",
            "kind=summary&period=2024Q9&format=docx",
        );
        assert_eq!(s, StatusCode::OK);
        assert!(page.contains("class=\"error\""), "{page}");

        // The village worker sees neither the township's page nor its report.
        let cun = login(&app, "cun", "Secret-pass-1").unwrap();
        assert_eq!(cun.get("/reports/349901101000").0, StatusCode::NOT_FOUND);
        assert_eq!(cun.get_bytes("/reports/file/1").0, StatusCode::NOT_FOUND);

        // Sent up by the township, received by the county.
        let (s, _, _) = zhen.post("/reports/file/1/status", "to=submitted");
        assert_eq!(s, StatusCode::SEE_OTHER);
        let admin = login(&app, "admin", "Secret-pass-1").unwrap();
        let (_, page) = admin.get("/reports/349901");
        assert!(page.contains("已报送"), "{page}");
        let (s, _, _) = admin.post("/reports/file/1/status", "to=received");
        assert_eq!(s, StatusCode::SEE_OTHER);
        let kept = renkou_reports::tables::ReportTables::archived_report(&store, 1)
            .unwrap()
            .unwrap();
        assert_eq!(
            (kept.status.as_str(), kept.status_by.as_deref()),
            ("received", Some("admin"))
        );
    }
}
