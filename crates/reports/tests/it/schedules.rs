//! Schedules on both databases with a clock the test sets: a report is made on
//! its day for the period just ended, once; a server that was down catches up
//! every period it missed; notices reach the recipients and go once opened; a
//! report sent up tells the county, received tells the sender. Also the summary
//! quoting the period's activities.

use crate::common::{docx_text, EngineSource};
use renkou_domain::account::Role;
use renkou_domain::account::Scope;
use renkou_reports::archive;
use renkou_reports::figures::ActivityFigure;
use renkou_reports::schedules::{self, NewSchedule, PeriodKind, Recipient};
use renkou_reports::tables::ReportTables;
use renkou_reports::{Format, Kind, Request, MIGRATIONS};
use renkou_stats::Period;
use renkou_store::{Actor, Store};
use renkou_testkit::*;

fn account(store: &Store, name: &str, role: Role, region: &str) -> Actor {
    store
        .create_account(name, name, role, &code(region), "x")
        .unwrap();
    Actor::account(
        name,
        "127.0.0.1",
        Scope {
            role,
            region: code(region),
        },
    )
}

#[test]
fn a_schedule_makes_each_period_once_catches_up_and_leaves_notices() {
    for (db, store) in stores(&[&MIGRATIONS]) {
        let l = db.label;
        load(&store, &register());
        let tongji = account(&store, "tongji", Role::CountyStatistician, COUNTY);
        let zhen = account(&store, "zhen", Role::TownshipStaff, TOWN_A);
        let other = account(&store, "yixiang", Role::TownshipStaff, TOWN_B);
        let cun = account(&store, "cun", Role::VillageWorker, V1);
        account(&store, "fuzhen", Role::TownshipStaff, V2);
        let source = EngineSource {
            store: &store,
            targets: Vec::new(),
            activities: Vec::new(),
        };
        let new = NewSchedule {
            kind: Kind::Statistical,
            region: code(TOWN_A),
            period_kind: PeriodKind::Monthly,
            format: Format::Docx,
            day: 5,
            recipients: vec![
                Recipient::parse(&format!("role:township_staff@{TOWN_A}")).unwrap(),
                Recipient::parse("user:cun").unwrap(),
            ],
            starts_on: d(2026, 1, 1),
        };

        // A village worker cannot be sent a township's report (they may not read
        // it); a township's staff set to a village can't either.
        let e = schedules::add(&store, &tongji, &new)
            .unwrap_err()
            .to_string();
        assert!(e.contains("cun"), "{l}: {e}");
        let mut new = new;
        new.recipients[1] = Recipient::parse("user:fuzhen").unwrap();
        assert!(schedules::add(&store, &tongji, &new).is_err(), "{l}");
        new.recipients[1] = Recipient::parse(&format!("role:village_worker@{TOWN_A}")).unwrap();
        // Township staff may not set schedules; the county may, in its area.
        assert!(schedules::add(&store, &zhen, &new).is_err(), "{l}");
        let id = schedules::add(&store, &tongji, &new).unwrap();
        assert_eq!(schedules::list(&store, &tongji).unwrap().len(), 1, "{l}");
        assert_eq!(schedules::list(&store, &other).unwrap().len(), 0, "{l}");

        // The day before: nothing is due.
        let runs = schedules::run_due(&store, &source, None, d(2026, 1, 4)).unwrap();
        assert!(runs.is_empty(), "{l}: {runs:?}");
        // On the 5th: December's report, once, for zhen (not 乙乡's staff, and not
        // the village workers of 甲镇, who may not read a township's report).
        let runs = schedules::run_due(&store, &source, None, d(2026, 1, 5)).unwrap();
        assert_eq!(runs.len(), 1, "{l}");
        assert_eq!(runs[0].period, "2025-12", "{l}");
        assert_eq!(runs[0].notices, 1, "{l}");
        assert!(runs[0].error.is_none(), "{l}");
        let first = runs[0].report_id.unwrap();
        let r = store.archived_report(first).unwrap().unwrap();
        assert_eq!(
            (r.kind.as_str(), r.region_code.as_str(), r.period.as_str()),
            ("statistical", TOWN_A, "2025-12"),
            "{l}"
        );
        assert_eq!(r.generated_by, format!("schedule-{id}"), "{l}");
        // The same day again, and the next day: nothing more.
        assert!(schedules::run_due(&store, &source, None, d(2026, 1, 5))
            .unwrap()
            .is_empty());
        assert!(schedules::run_due(&store, &source, None, d(2026, 1, 20))
            .unwrap()
            .is_empty());

        // The server was down from mid-January to 10 April: January, February and
        // March are made on its return, in order, each once.
        let runs = schedules::run_due(&store, &source, None, d(2026, 4, 10)).unwrap();
        let periods: Vec<&str> = runs.iter().map(|r| r.period.as_str()).collect();
        assert_eq!(periods, ["2026-01", "2026-02", "2026-03"], "{l}");
        assert!(schedules::run_due(&store, &source, None, d(2026, 4, 10))
            .unwrap()
            .is_empty());
        let made: Vec<_> = store
            .archived_reports(None)
            .unwrap()
            .into_iter()
            .filter(|r| r.generated_by == format!("schedule-{id}"))
            .collect();
        assert_eq!(made.len(), 4, "{l}");

        // Notices: four for zhen, none for cun or 乙乡's staff; opening one report
        // takes its notice away.
        assert_eq!(schedules::notices(&store, &zhen).unwrap().len(), 4, "{l}");
        assert!(schedules::notices(&store, &cun).unwrap().is_empty(), "{l}");
        assert!(
            schedules::notices(&store, &other).unwrap().is_empty(),
            "{l}"
        );
        let n = &schedules::notices(&store, &zhen).unwrap()[0];
        assert!(
            n.text_zh().starts_with("定时报告已生成："),
            "{l}: {}",
            n.text_zh()
        );
        schedules::opened(&store, &zhen, first).unwrap();
        let left = schedules::notices(&store, &zhen).unwrap();
        assert_eq!(left.len(), 3, "{l}");
        assert!(left.iter().all(|n| n.report_id != first), "{l}");

        // Sending it up tells the county; receiving it tells the sender.
        archive::advance(&store, &zhen, first, "submitted").unwrap();
        let county = schedules::notices(&store, &tongji).unwrap();
        assert_eq!(county.len(), 1, "{l}");
        assert_eq!(county[0].what, "submitted", "{l}");
        assert!(county[0].text_zh().contains("zhen 报送了"), "{l}");
        archive::advance(&store, &tongji, first, "received").unwrap();
        let back = schedules::notices(&store, &zhen).unwrap();
        assert_eq!(back[0].what, "received", "{l}");
        assert_eq!(back[0].report_id, first, "{l}");

        // Removed: nothing more is made.
        assert!(schedules::remove(&store, &tongji, id).unwrap(), "{l}");
        assert!(schedules::run_due(&store, &source, None, d(2026, 12, 31))
            .unwrap()
            .is_empty());
        assert!(schedules::list(&store, &tongji).unwrap().is_empty(), "{l}");
    }
}

#[test]
fn a_period_already_made_is_not_made_again_by_another_process() {
    for (db, store) in stores(&[&MIGRATIONS]) {
        load(&store, &register());
        let op = Actor::operator("tester");
        let source = EngineSource {
            store: &store,
            targets: Vec::new(),
            activities: Vec::new(),
        };
        let id = schedules::add(
            &store,
            &op,
            &NewSchedule {
                kind: Kind::Gaps,
                region: code(COUNTY),
                period_kind: PeriodKind::Quarterly,
                format: Format::Xlsx,
                day: 10,
                recipients: vec![Recipient::parse(&format!("role:县统计员@{COUNTY}")).unwrap()],
                starts_on: d(2026, 1, 1),
            },
        )
        .unwrap();
        // Another server made 2025Q4 (its run recorded) before this one looked.
        store
            .with(|c| {
                c.exec(
                    "INSERT INTO report_schedule_runs (schedule_id, period, made_at) VALUES ($1, $2, $3)",
                    &[id.into(), "2025Q4".into(), renkou_store::now().into()],
                )
            })
            .unwrap();
        let runs = schedules::run_due(&store, &source, None, d(2026, 7, 10)).unwrap();
        let periods: Vec<&str> = runs.iter().map(|r| r.period.as_str()).collect();
        assert_eq!(periods, ["2026Q1", "2026Q2"], "{}", db.label);
    }
}

#[test]
fn due_periods_by_hand() {
    use schedules::due_periods;
    let labels = |v: Vec<Period>| v.iter().map(|p| p.to_string()).collect::<Vec<_>>();
    // Monthly on the 5th from 3 Feb: January (due 5 Feb) is the first.
    assert_eq!(
        labels(due_periods(
            PeriodKind::Monthly,
            5,
            d(2026, 2, 3),
            d(2026, 3, 5)
        )),
        ["2026-01", "2026-02"]
    );
    // From 10 Feb, January's day had passed: February first, due 5 March.
    assert_eq!(
        labels(due_periods(
            PeriodKind::Monthly,
            5,
            d(2026, 2, 10),
            d(2026, 3, 4)
        )),
        Vec::<String>::new()
    );
    // Quarterly on the 15th: Q1 due 15 April, Q2 15 July.
    assert_eq!(
        labels(due_periods(
            PeriodKind::Quarterly,
            15,
            d(2026, 2, 1),
            d(2026, 7, 15)
        )),
        ["2026Q1", "2026Q2"]
    );
    // Yearly on 20 January: 2025 due 2026-01-20.
    assert_eq!(
        labels(due_periods(
            PeriodKind::Yearly,
            20,
            d(2026, 1, 1),
            d(2027, 1, 19)
        )),
        ["2025"]
    );
}

#[test]
fn the_summary_quotes_the_periods_activities() {
    let (_db, store) = stores(&[&MIGRATIONS]).remove(0);
    load(&store, &register());
    let act = |kind: &str, m: u32, title: &str, attendance: u64, materials: u64| ActivityFigure {
        region_code: V1.into(),
        kind: kind.into(),
        held_on: d(2024, m, 8),
        title: title.into(),
        attendance,
        materials,
    };
    let source = EngineSource {
        store: &store,
        targets: Vec::new(),
        activities: vec![
            act("training", 3, "村专干业务培训", 40, 0),
            act("training", 6, "统计人员培训", 25, 0),
            act("publicity", 5, "优生优育宣传", 0, 800),
            act("meeting", 9, "领导小组会议", 12, 0),
        ],
    };
    let g = archive::generate(
        &store,
        &Actor::operator("tester"),
        &source,
        &Request {
            kind: Kind::Summary,
            region: code(COUNTY),
            period: Period::year(2024),
            format: Format::Docx,
            as_of: None,
        },
        None,
    )
    .unwrap();
    let text = docx_text(&g.bytes);
    assert!(text.contains("六、工作开展情况"), "{text}");
    // 2 trainings, 40 + 25 = 65 attended; 800 pieces in one distribution; one
    // meeting of 12.
    assert!(
        text.contains("本期全县共举办培训2场、参训65人次；发放宣传材料800份（1次）；召开会议1次、参会12人次。"),
        "{text}"
    );
    assert!(
        text.contains("3月8日，村专干业务培训（培训，40人参加）。"),
        "{text}"
    );
    assert!(
        text.contains("5月8日，优生优育宣传（宣传品发放，发放800份）。"),
        "{text}"
    );
}
