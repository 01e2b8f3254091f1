//! Work plans and scheduled reports on the pages, on both databases: a schedule
//! set by the county makes a report that waits on the township's home page until
//! opened; sending it up shows on the county's home page; a plan's task past its
//! deadline shows on its owner's home page until done; a quota task is refused
//! with the reason on the page (never a 500); activities reach the summary's
//! figures.

use axum::http::StatusCode;
use renkou_reports::FigureSource;
use renkou_store::testing::databases;

use crate::common::*;

fn count(page: &str, needle: &str) -> usize {
    page.matches(needle).count()
}

#[test]
fn a_scheduled_report_waits_on_the_home_page_until_opened() {
    for db in databases() {
        let l = db.label;
        let store = db.store_with(&renkou_web::migrations());
        setup(&store);
        let state = renkou_web::AppState::new(db.store_with(&renkou_web::migrations()));
        let app = renkou_web::router(state.clone());
        let tongji = login(&app, "tongji", "Secret-pass-1").unwrap();
        let zhen = login(&app, "zhen", "Secret-pass-1").unwrap();
        let admin = login(&app, "admin", "Secret-pass-1").unwrap();

        // Township staff see no schedule form; the county sets one for 甲镇.
        let (_, page) = zhen.get("/reports/349901101000");
        assert!(!page.contains("id=\"schedule\""), "{l}");
        let (_, page) = tongji.get("/reports/349901101000");
        assert!(page.contains("id=\"schedule\""), "{l}");
        let (s, _, _) = tongji.post(
            "/reports/349901101000/schedules",
            "kind=statistical&period_kind=monthly&format=docx&day=5&role=township_staff&role_area=349901101000&users=",
        );
        assert_eq!(s, StatusCode::SEE_OTHER, "{l}");
        // A bad day is said on the page.
        let (s, page, _) = tongji.post(
            "/reports/349901101000/schedules",
            "kind=statistical&period_kind=monthly&format=docx&day=31&role=township_staff&role_area=349901101000",
        );
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(page.contains("生成日应为每月1至28日"), "{l}: {page}");
        let (_, page) = tongji.get("/reports/349901101000");
        assert!(page.contains("id=\"schedules\""), "{l}");

        // The server's round, two months on: the months due since are made once.
        let later = chrono::Local::now().date_naive() + chrono::Duration::days(62);
        let runs = renkou_web::reports::run_due(&state, later).unwrap();
        assert!(!runs.is_empty(), "{l}");
        assert!(
            runs.iter().all(|r| r.error.is_none() && r.notices == 1),
            "{l}: {runs:?}"
        );
        assert!(renkou_web::reports::run_due(&state, later)
            .unwrap()
            .is_empty());

        let (_, home) = zhen.get("/");
        assert!(home.contains("id=\"notices\""), "{l}: {home}");
        assert!(home.contains("定时报告已生成"), "{l}");
        let before = count(&home, "href=\"/reports/file/");
        assert_eq!(before, runs.len(), "{l}");
        let first = runs[0].report_id.unwrap();
        let (s, _, _) = zhen.get_bytes(&format!("/reports/file/{first}"));
        assert_eq!(s, StatusCode::OK, "{l}");
        let (_, home) = zhen.get("/");
        assert_eq!(count(&home, "href=\"/reports/file/"), before - 1, "{l}");
        assert!(
            !home.contains(&format!("href=\"/reports/file/{first}\"")),
            "{l}"
        );
        // The village worker got nothing (a township's report is not theirs).
        let cun = login(&app, "cun", "Secret-pass-1").unwrap();
        assert!(!cun.get("/").1.contains("id=\"notices\""), "{l}");

        // Sent up: the county is told.
        let (s, _, _) = zhen.post(&format!("/reports/file/{first}/status"), "to=submitted");
        assert_eq!(s, StatusCode::SEE_OTHER, "{l}");
        for county in [&admin, &tongji] {
            let (_, home) = county.get("/");
            assert!(home.contains("zhen 报送了"), "{l}: {home}");
        }
    }
}

#[test]
fn an_overdue_task_shows_on_its_owners_home_page_until_done() {
    for db in databases() {
        let l = db.label;
        let store = db.store_with(&renkou_web::migrations());
        setup(&store);
        let state = renkou_web::AppState::new(db.store_with(&renkou_web::migrations()));
        let app = renkou_web::router(state.clone());
        let zhen = login(&app, "zhen", "Secret-pass-1").unwrap();
        let cun = login(&app, "cun", "Secret-pass-1").unwrap();

        let (s, _, _) = zhen.post("/plans/349901101000/groups", "name=甲镇领导小组");
        assert_eq!(s, StatusCode::SEE_OTHER, "{l}");
        let (s, _, _) = zhen.post(
            "/plans/group/1/members",
            "name=张组长&duty=leader&position=镇长&username=",
        );
        assert_eq!(s, StatusCode::SEE_OTHER, "{l}");
        let (s, _, location) = zhen.post(
            "/plans/349901101000/plans",
            "name=百日攻坚&kind=campaign&starts_on=2026-09-01&ends_on=2026-12-31&group_id=1",
        );
        assert_eq!(s, StatusCode::SEE_OTHER, "{l}");
        assert!(location.unwrap().starts_with("/plans/plan/1"), "{l}");
        let (s, _, _) = zhen.post(
            "/plans/plan/1/tasks",
            "title=核对一村台帐&kind=data_check&owner=cun&due_on=2020-01-31",
        );
        assert_eq!(s, StatusCode::SEE_OTHER, "{l}");
        // A quota is refused with the reason, and nothing is added.
        let (s, page, _) = zhen.post(
            "/plans/plan/1/tasks",
            "title=每村完成上环指标&kind=service&owner=cun&due_on=2026-12-01",
        );
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(page.contains("生育和避孕由本人自主决定"), "{l}: {page}");
        let (s, page, _) = zhen.post(
            "/plans/plan/1/tasks",
            "title=出生人数&kind=quota&owner=cun&due_on=2026-12-01",
        );
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(page.contains("任务不能是指标"), "{l}");
        // A bad date is said, not a 500.
        let (s, page, _) = zhen.post(
            "/plans/plan/1/tasks",
            "title=核对&kind=data_check&owner=cun&due_on=明天",
        );
        assert_eq!(s, StatusCode::OK, "{l}");
        assert!(page.contains("截止日期应为日期"), "{l}");
        let (_, page) = zhen.get("/plans/plan/1");
        assert_eq!(count(&page, "class=\"task"), 1, "{l}");
        assert!(page.contains("张组长"), "{l}");

        // The owner: the task on the home page, the plan reachable, done → gone.
        let (_, home) = cun.get("/");
        assert!(home.contains("id=\"overdue\""), "{l}: {home}");
        assert!(home.contains("核对一村台帐"), "{l}");
        assert_eq!(cun.get("/plans/plan/1").0, StatusCode::OK, "{l}");
        assert_eq!(
            cun.get("/plans/349901101000").0,
            StatusCode::NOT_FOUND,
            "{l}"
        );
        let (s, _, _) = cun.post("/plans/task/1/notes", "note=已核对38条，发现1条漏报&done=");
        assert_eq!(s, StatusCode::SEE_OTHER, "{l}");
        assert!(cun.get("/").1.contains("id=\"overdue\""), "{l}");
        let (s, _, _) = cun.post("/plans/task/1/notes", "note=全部核对完毕&done=1");
        assert_eq!(s, StatusCode::SEE_OTHER, "{l}");
        assert!(!cun.get("/").1.contains("id=\"overdue\""), "{l}");
        let (_, page) = zhen.get("/plans/plan/1");
        assert!(page.contains("已核对38条"), "{l}");
        assert!(page.contains("已完成"), "{l}");

        // An activity: on the page, and in the summary's figures for the year.
        let (s, _, _) = zhen.post(
            "/plans/349901101000/activities",
            "kind=training&held_on=2026-03-05&title=村专干业务培训&attendance=30&materials=0&plan_id=1",
        );
        assert_eq!(s, StatusCode::SEE_OTHER, "{l}");
        let (_, page) = zhen.get("/plans/349901101000");
        assert!(page.contains("村专干业务培训"), "{l}");
        let cache = renkou_indicators::figures::StatCache::new();
        let figures = renkou_web::reports::RegisterFigures {
            store: &store,
            cache: &cache,
        }
        .figures(
            &renkou_domain::RegionCode::parse("349901101000").unwrap(),
            renkou_stats::Period::year(2026),
            None,
            renkou_reports::Kind::Summary.needs(),
        )
        .unwrap();
        assert_eq!(figures.activities.len(), 1, "{l}");
        assert_eq!(figures.activities[0].attendance, 30, "{l}");
    }
}
