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

#[test]
fn the_template_editor_previews_saves_and_names_the_line_of_an_error() {
    for db in databases() {
        let l = db.label;
        let store = db.store_with(&renkou_web::migrations());
        setup(&store);
        let app = renkou_web::router(renkou_web::AppState::new(
            db.store_with(&renkou_web::migrations()),
        ));
        let zhen = login(&app, "zhen", "Secret-pass-1").unwrap();
        assert_eq!(
            zhen.get("/reports/349901101000/template").0,
            StatusCode::NOT_FOUND,
            "{l}: county roles only"
        );
        assert_eq!(
            zhen.post(
                "/reports/349901101000/template",
                "kind=summary&period=2024&body=x&action=save"
            )
            .0,
            StatusCode::NOT_FOUND
        );
        let tongji = login(&app, "tongji", "Secret-pass-1").unwrap();
        let (s, page) = tongji.get("/reports/349901/template?kind=summary&period=2024");
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(page.contains("<textarea"), "{l}");
        assert!(
            page.contains("2024年演示县人口和家庭工作总结"),
            "{l}: the preview"
        );
        assert!(page.contains("当前使用系统默认模板"), "{l}");

        let post = |body: &str, action: &str| {
            tongji.post(
                "/reports/349901/template",
                &format!(
                    "kind=summary&period=2024&action={action}&body={}",
                    renkou_web::reports::pages::url_encode(body)
                ),
            )
        };
        // A syntax error: the line and what is wrong, in Chinese, not saved.
        let (s, page, _) = post("# 标题\n第二行\n{% for x in %}\n", "save");
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(page.contains("第 3 行有错误"), "{l}: {page}");
        assert!(page.contains("语法错误"), "{l}");
        assert!(
            renkou_reports::tables::ReportTables::latest_template(&store, "summary")
                .unwrap()
                .is_none(),
            "{l}: nothing saved"
        );
        // An error when it runs, and a block the document does not know.
        let (s, page, _) = post("# 标题\n{{ area.name + 1 }}\n", "preview");
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(page.contains("第 2 行有错误"), "{l}: {page}");
        let (s, page, _) = post("# 标题\n\n@table nonsense\n", "preview");
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(page.contains("第 3 行有错误"), "{l}: {page}");
        assert!(page.contains("未知的表格"), "{l}");
        // A loop too big stops, it does not hold the server.
        let (s, page, _) = post(
            "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
            "preview",
        );
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(page.contains("id=\"template-error\""), "{l}");

        // A good one: previewed with the figures, then saved as a new version.
        let good = "# {{ area.name }}{{ period.label }}简报\n全县出生{{ area.n.births }}人。\n";
        let (s, page, _) = post(good, "preview");
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(page.contains("演示县2024年简报"), "{l}: {page}");
        let (s, _, location) = post(good, "save");
        assert_eq!(s, StatusCode::SEE_OTHER, "{l}");
        assert!(location.unwrap().contains("notice="), "{l}");
        let saved = renkou_reports::tables::ReportTables::latest_template(&store, "summary")
            .unwrap()
            .unwrap();
        assert_eq!(saved.body, good, "{l}");
        assert_eq!(saved.created_by, "tongji", "{l}");
        let (_, page) = tongji.get("/reports/349901/template?kind=summary&period=2024");
        assert!(page.contains(&format!("#{}", saved.id)), "{l}");
    }
}
