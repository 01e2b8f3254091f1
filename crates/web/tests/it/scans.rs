//! Scans beside attested facts through the web, on both databases: a village
//! worker records a fact, uploads a PNG scan beside it, sees it listed with its
//! SHA-256 and downloads the same bytes as an attachment; an HTML file named .png
//! is refused on the page; township staff of another township's person get 404.

use axum::http::StatusCode;
use renkou_store::testing::databases;

use crate::common::{login, multipart, setup};

#[test]
fn a_scan_is_uploaded_listed_and_downloaded_beside_its_fact() {
    for db in databases() {
        let l = db.label;
        let store = db.store_with(&renkou_web::migrations());
        setup(&store);
        let app = renkou_web::router(renkou_web::AppState::new(
            db.store_with(&renkou_web::migrations()),
        ));
        let cun = login(&app, "cun", "Secret-pass-1").unwrap();
        let (s, body, _) = cun.post(
            "/persons/A1/benefits/facts",
            "kind=household_registration&value=agricultural&as_of=2004-01-01&document=%E6%88%B7%E5%8F%A3%E7%B0%BF",
        );
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(body.contains("已记录证明事实"), "{body}");
        let (s, body) = cun.get("/persons/A1/benefits/scans");
        assert_eq!(s, StatusCode::OK, "{l}");
        let fact = body
            .split("name=\"fact\" value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap()
            .to_string();
        let png: Vec<u8> = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3].to_vec();
        let (s, _, loc) = multipart(
            &cun,
            "/persons/A1/benefits/scans",
            &[("fact", &fact)],
            "户口簿.png",
            &png,
        );
        assert_eq!(s, StatusCode::SEE_OTHER, "{l}");
        assert_eq!(loc.as_deref(), Some("/persons/A1/benefits/scans"));
        let (_, body) = cun.get("/persons/A1/benefits/scans");
        assert!(
            body.contains("户口簿.png") && body.contains("image/png"),
            "{body}"
        );
        let href = body
            .split("href=\"/benefit-scans/")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap()
            .to_string();
        let (s, ctype, bytes) = cun.get_bytes(&format!("/benefit-scans/{href}"));
        assert_eq!((s, ctype.as_str()), (StatusCode::OK, "image/png"), "{l}");
        assert_eq!(bytes, png);
        // Not an image whatever its name says: refused on the page, nothing stored.
        let (s, body, _) = multipart(
            &cun,
            "/persons/A1/benefits/scans",
            &[("fact", &fact)],
            "x.png",
            b"<html><script>alert(1)</script>",
        );
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("只接受 PDF、JPEG 或 PNG 文件"), "{body}");
        assert_eq!(body.matches("href=\"/benefit-scans/").count(), 1);
        // Another village's person: 404; another's fact id through our person: 404.
        let (s, _) = cun.get("/persons/B1/benefits/scans");
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _, _) = multipart(
            &cun,
            "/persons/A1/benefits/scans",
            &[("fact", "999999")],
            "y.png",
            &png,
        );
        assert_eq!(s, StatusCode::NOT_FOUND, "{l}");
    }
}
