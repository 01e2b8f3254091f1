//! The indicators, targets and custom-indicator pages on both databases: what a
//! statistician sees and downloads, that a new event shows at once, and that
//! every one of these routes keeps to the account's area.

use axum::http::StatusCode;
use calamine::{Reader, Xlsx};
use renkou_domain::{EventKind, PersonEvent, Sex};
use renkou_store::testing::databases;
use renkou_store::Store;

use crate::common::*;
use renkou_indicators::tables::IndicatorTables;

fn birth(store: &Store, no: &str, mother: &str, sex: Sex, day: (i32, u32, u32)) {
    let mut child = person(no, "测试婴", sex, day, OURS, "HA");
    child.mother_no = Some(mother.into());
    child.id_number = None;
    renkou_testkit::record(
        store,
        &PersonEvent {
            person_no: no.into(),
            kind: EventKind::Birth { person: child },
            recorded_by: "test".into(),
            recorded_at: String::new(),
            source: "form".into(),
        },
    )
    .unwrap();
}

fn xlsx(bytes: Vec<u8>) -> Xlsx<std::io::Cursor<Vec<u8>>> {
    Xlsx::new(std::io::Cursor::new(bytes)).expect("a readable xlsx")
}

#[test]
fn indicator_pages_charts_and_exports_follow_the_register_and_the_scope() {
    for db in databases() {
        let store = db.store_with(&renkou_web::migrations());
        setup(&store);
        birth(&store, "K1", "A1", Sex::Female, (2025, 3, 1));
        let app = renkou_web::router(renkou_web::AppState::new(
            db.store_with(&renkou_web::migrations()),
        ));
        let tongji = login(&app, "tongji", "Secret-pass-1").unwrap();

        let (s, page) = tongji.get("/indicators/349901?period=2025");
        assert_eq!(s, StatusCode::OK, "{}", db.label);
        for code in renkou_stats::catalogue::Indicator::ALL {
            assert!(
                page.contains(&format!("data-indicator=\"{}\"", code.code())),
                "{code}"
            );
        }
        assert!(
            page.contains("/indicators/349901101000?period=2025"),
            "drill-down link"
        );
        assert!(page.contains("<g class=\"bar male\""), "the pyramid");

        // One indicator: the villages, the bar chart and the trend.
        let (s, page) = tongji.get("/indicators/349901101000/births?period=2025");
        assert_eq!(s, StatusCode::OK);
        assert!(
            page.contains("data-label=\"一村\" data-value=\"1\""),
            "{page}"
        );
        assert!(page.contains("id=\"trend\""));
        assert_eq!(
            tongji
                .get("/indicators/349901/no_such_indicator?period=2025")
                .0,
            StatusCode::NOT_FOUND
        );
        // A new birth shows at once, on the page and in the chart.
        birth(&store, "K2", "A1", Sex::Male, (2025, 9, 1));
        let (_, page) = tongji.get("/indicators/349901101000/births?period=2025");
        assert!(
            page.contains("data-label=\"一村\" data-value=\"2\""),
            "{}",
            db.label
        );

        // A year still running is marked on the page and in its trend, so a part
        // year is not read as a drop; a past year is not.
        let this_year = chrono::Datelike::year(&chrono::Local::now());
        let (_, page) = tongji.get(&format!(
            "/indicators/349901101000/births?period={this_year}"
        ));
        assert!(
            page.contains("id=\"running\"") && page.contains("本期尚未结束"),
            "{page}"
        );
        assert!(page.contains("class=\"partial-note\"") && page.contains("未满一年"));
        assert!(
            page.contains(&format!(">{this_year}*<")),
            "the running year's label"
        );
        let (_, page) = tongji.get("/indicators/349901101000/births?period=2025");
        assert!(!page.contains("id=\"running\"") && !page.contains("partial-note"));
        let (_, page) = tongji.get(&format!("/indicators/349901?period={this_year}"));
        assert!(page.contains("id=\"running\""));

        // Periods: a quarter, a month by the selector, a range, and a bad one.
        assert_eq!(
            tongji.get("/indicators/349901?period=2025Q1").0,
            StatusCode::OK
        );
        assert_eq!(
            tongji.get("/indicators/349901?year=2025&part=m9").0,
            StatusCode::OK
        );
        assert_eq!(
            tongji
                .get("/indicators/349901?from=2025-01-01&to=2025-06-30")
                .0,
            StatusCode::OK
        );
        let (s, page) = tongji.get("/indicators/349901?year=2025&part=m13");
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(page.contains("13"), "{page}");

        // Charts as files.
        let (s, mime, png) =
            tongji.get_bytes("/indicators/349901101000/births/bars.png?period=2025");
        assert_eq!((s, mime.as_str()), (StatusCode::OK, "image/png"));
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        let (s, mime, svg) = tongji.get_bytes("/indicators/349901/tfr/trend.svg?period=2025");
        assert_eq!(s, StatusCode::OK);
        assert!(mime.starts_with("image/svg+xml"));
        assert!(String::from_utf8(svg).unwrap().contains("<svg"));
        let (s, _, png) = tongji.get_bytes("/indicators/349901/pyramid.png?period=2025");
        assert_eq!(s, StatusCode::OK);
        assert!(png.starts_with(b"\x89PNG"));

        // Exports: formulas, and a publication where every small count is hidden.
        let (s, _, bytes) = tongji.get_bytes("/indicators/349901/export?period=2025&what=formulas");
        assert_eq!(s, StatusCode::OK);
        let mut wb = xlsx(bytes);
        let f = wb.worksheet_formula("指标").unwrap();
        assert!(
            f.rows().flatten().any(|c| c.contains("*1000")),
            "rate formulas"
        );
        let (s, _, bytes) =
            tongji.get_bytes("/indicators/349901/export?period=2025&what=publication");
        assert_eq!(s, StatusCode::OK);
        let mut wb = xlsx(bytes);
        let births = wb.worksheet_range("出生人数").unwrap();
        assert!(births
            .rows()
            .skip(4)
            .flat_map(|r| r.iter().skip(2))
            .all(|c| *c == "<10" || *c == "*"));

        // A village worker: their own village only, for every route of the family.
        let cun = login(&app, "cun", "Secret-pass-1").unwrap();
        assert_eq!(
            cun.get(&format!("/indicators/{OURS}/births?period=2025")).0,
            StatusCode::OK
        );
        for uri in [
            format!("/indicators/{THEIRS}/births?period=2025"),
            format!("/indicators/{THEIRS}/births/bars.svg?period=2025"),
            format!("/indicators/{THEIRS}/births/trend.png?period=2025"),
            format!("/indicators/{THEIRS}/pyramid.svg?period=2025"),
            format!("/indicators/{THEIRS}/export?period=2025&what=values"),
            "/indicators/349901101000/cbr?period=2025".to_string(),
            format!("/targets/{THEIRS}?year=2025"),
            format!("/targets/{THEIRS}/export.xlsx?year=2025"),
            format!("/targets/{THEIRS}/history?indicator=cbr&year=2025"),
        ] {
            assert_eq!(
                cun.get_bytes(&uri).0,
                StatusCode::NOT_FOUND,
                "{}: {uri}",
                db.label
            );
        }
    }
}

#[test]
fn targets_by_form_and_file_with_gaps_versions_and_rights() {
    for db in databases() {
        let store = db.store_with(&renkou_web::migrations());
        setup(&store);
        birth(&store, "K1", "A1", Sex::Female, (2025, 3, 1));
        let app = renkou_web::router(renkou_web::AppState::new(
            db.store_with(&renkou_web::migrations()),
        ));
        let tongji = login(&app, "tongji", "Secret-pass-1").unwrap();
        let (s, page) = tongji.get("/targets/349901?year=2025");
        assert_eq!(s, StatusCode::OK);
        assert!(page.contains("id=\"set-target\"") && page.contains("id=\"import-targets\""));

        // 一村: 1 birth, 2 persons alive mid-year (A1, A2; K1 counts too: 3) →
        // CBR 333.33‰, above a target of 10 that is "higher is better".
        let (s, _, to) = tongji.post(
            "/targets/349901",
            &format!(
                "indicator=cbr&region={OURS}&year=2025&direction=higher&value=10&level=village"
            ),
        );
        assert_eq!(s, StatusCode::SEE_OTHER, "{}", db.label);
        assert_eq!(
            to.as_deref(),
            Some("/targets/349901000000?year=2025&level=village")
        );
        let (_, page) = tongji.get("/targets/349901?year=2025&level=village");
        let row = page
            .split(&format!("data-region=\"{OURS}\""))
            .nth(1)
            .unwrap();
        let row = row.split("</tr>").next().unwrap();
        assert!(
            row.contains("class=\"n good\">+323.33<"),
            "{}: {row}",
            db.label
        );

        // The form explains what is wrong and writes nothing.
        let (s, page, _) = tongji.post(
            "/targets/349901",
            &format!(
                "indicator=srb&region={OURS}&year=2025&direction=band&band_low=107&band_high=103"
            ),
        );
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(page.contains("区间上限必须大于下限"), "{page}");

        // A file (GBK, as Excel saves CSV on Chinese Windows): all rows or none.
        let bad = format!(
            "指标代码,区划代码,年份,方向,目标值\r\ncbr,{OURS},2025,越高越好,12\r\nnope,{OURS},2025,越高越好,1\r\n"
        );
        let (gbk, _, _) = encoding_rs::GBK.encode(&bad);
        let (s, page, _) = multipart(
            &tongji,
            "/targets/349901/import",
            &[("year", "2025")],
            "目标.csv",
            &gbk,
        );
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
        assert!(page.contains("目标.csv:3:指标代码"), "{page}");
        let good = format!(
            "指标代码,区划代码,年份,方向,目标值,区间下限,区间上限\r\ncbr,{OURS},2025,越高越好,12,,\r\nsrb,349901,2025,区间,,103,107\r\n"
        );
        let (gbk, _, _) = encoding_rs::GBK.encode(&good);
        let (s, page, _) = multipart(
            &tongji,
            "/targets/349901/import",
            &[("year", "2025")],
            "目标.csv",
            &gbk,
        );
        assert_eq!(s, StatusCode::OK, "{page}");
        assert!(page.contains("已导入 2 个目标值"), "{page}");
        // The old value of 10 stays in the history, with who set it.
        let (s, page) = tongji.get(&format!(
            "/targets/349901/history?indicator=cbr&region={OURS}&year=2025"
        ));
        assert_eq!(s, StatusCode::OK);
        assert_eq!(page.matches("<td>tongji</td>").count(), 2, "{page}");
        assert!(page.contains("现行") && page.contains("已被替换"));
        let (s, _, bytes) =
            tongji.get_bytes("/targets/349901/export.xlsx?year=2025&level=village&formulas=1");
        assert_eq!(s, StatusCode::OK);
        let mut wb = xlsx(bytes);
        let f = wb.worksheet_formula("2025年目标").unwrap();
        assert!(
            f.rows().flatten().any(|c| c.starts_with("IF(")),
            "the band's gap formula"
        );

        // A village worker sees the dashboard of the village but sets nothing.
        let cun = login(&app, "cun", "Secret-pass-1").unwrap();
        let (s, page) = cun.get(&format!("/targets/{OURS}?year=2025"));
        assert_eq!(s, StatusCode::OK);
        assert!(!page.contains("id=\"set-target\""));
        let (s, page, _) = cun.post(
            &format!("/targets/{OURS}"),
            &format!("indicator=cbr&region={OURS}&year=2025&direction=higher&value=1"),
        );
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(page.contains("无权"), "{page}");
        assert_eq!(
            store
                .target_history("cbr", &code(OURS), 2025)
                .unwrap()
                .len(),
            2,
            "{}",
            db.label
        );
    }
}

#[test]
fn custom_indicators_are_defined_by_the_county_and_shown_everywhere() {
    for db in databases() {
        let store = db.store_with(&renkou_web::migrations());
        setup(&store);
        birth(&store, "K1", "A1", Sex::Female, (2025, 3, 1));
        let app = renkou_web::router(renkou_web::AppState::new(
            db.store_with(&renkou_web::migrations()),
        ));
        let tongji = login(&app, "tongji", "Secret-pass-1").unwrap();
        let (s, page, _) = tongji.post(
            "/indicators-custom",
            "code=girls&name_zh=%E5%A5%B3%E5%A9%B4%E6%95%B0&numerator=births(sex%3Dfemle)",
        );
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(
            page.contains("分子") && page.contains("numerator"),
            "{page}"
        );
        let (s, _, to) = tongji.post(
            "/indicators-custom",
            "code=girls&name_zh=%E5%A5%B3%E5%A9%B4%E6%95%B0&numerator=births(sex%3Dfemale)&unit=%E4%BA%BA",
        );
        assert_eq!(
            (s, to.as_deref()),
            (StatusCode::SEE_OTHER, Some("/indicators-custom"))
        );
        let (_, page) = tongji.get("/indicators/349901?period=2025");
        let row = page.split("data-indicator=\"girls\"").nth(1).unwrap();
        assert!(
            row.contains("女婴数") && row.contains("<td class=\"n\">1</td>"),
            "{row}"
        );
        // A township cannot define or retire one.
        let zhen = login(&app, "zhen", "Secret-pass-1").unwrap();
        let (_, page) = zhen.get("/indicators-custom");
        assert!(!page.contains("id=\"define\""));
        let (s, _, _) = zhen.post("/indicators-custom/girls/retire", "");
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_eq!(
            store.user_indicators(false).unwrap().len(),
            1,
            "{}",
            db.label
        );
        let (s, _, _) = tongji.post("/indicators-custom/girls/retire", "");
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (_, page) = tongji.get("/indicators/349901?period=2025");
        assert!(!page.contains("data-indicator=\"girls\""));
    }
}
