//! Leading groups, plans, tasks with owners and deadlines, progress notes,
//! overdue tasks and activities, on both databases; scope on every write; quota
//! tasks refused and nothing written.

use renkou_domain::account::{Role, Scope};
use renkou_plans::activities::{self, NewActivity};
use renkou_plans::groups::{self, NewMember};
use renkou_plans::plans::{self, NewPlan, NewTask};
use renkou_plans::{Error, MIGRATIONS};
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

fn audit_len(store: &Store) -> i64 {
    store
        .with(|c| c.query_one("SELECT COUNT(*) FROM audit_log", &[]))
        .unwrap()
        .and_then(|r| r[0].int())
        .unwrap()
}

#[test]
fn a_campaign_with_its_group_tasks_notes_and_activities() {
    for (db, store) in stores(&[&MIGRATIONS]) {
        let l = db.label;
        load(&store, &register());
        let zhen = account(&store, "zhen", Role::TownshipStaff, TOWN_A);
        let cun = account(&store, "cun", Role::VillageWorker, V1);
        let yi = account(&store, "yi", Role::TownshipStaff, TOWN_B);
        account(&store, "cun3", Role::VillageWorker, V3);

        let g = groups::create(&store, &zhen, &code(TOWN_A), "甲镇人口和家庭工作领导小组").unwrap();
        groups::add_member(
            &store,
            &zhen,
            g,
            &NewMember {
                name: "张组长".into(),
                duty: "组长".into(),
                position: "镇长".into(),
                username: None,
            },
        )
        .unwrap();
        groups::add_member(
            &store,
            &zhen,
            g,
            &NewMember {
                name: "李专干".into(),
                duty: "member".into(),
                position: "村专干".into(),
                username: Some("cun".into()),
            },
        )
        .unwrap();
        // Another township's staff: the group is not there for them.
        assert!(groups::group(&store, &yi, g).unwrap().is_none(), "{l}");
        assert!(matches!(
            groups::add_member(
                &store,
                &yi,
                g,
                &NewMember {
                    name: "王".into(),
                    duty: "member".into(),
                    ..Default::default()
                }
            ),
            Err(Error::NotFound)
        ));
        let members = &groups::list(&store, &zhen, &code(TOWN_A)).unwrap()[0].members;
        assert_eq!(members.len(), 2, "{l}");
        assert_eq!(members[0].duty, "leader", "{l}");

        let p = plans::create(
            &store,
            &zhen,
            &code(TOWN_A),
            &NewPlan {
                name: "百日攻坚".into(),
                kind: "campaign".into(),
                starts_on: d(2026, 9, 1),
                ends_on: d(2026, 12, 9),
                group_id: Some(g),
            },
        )
        .unwrap();
        // A village worker of 甲镇 owns a task of the township's plan…
        let t = plans::add_task(
            &store,
            &zhen,
            p,
            &NewTask {
                title: "核对一村台帐与医院出生登记".into(),
                kind: "data_check".into(),
                owner: "cun".into(),
                due_on: d(2026, 10, 31),
            },
        )
        .unwrap();
        // …a village worker of 乙乡 cannot.
        assert!(plans::add_task(
            &store,
            &zhen,
            p,
            &NewTask {
                title: "核对".into(),
                kind: "data_check".into(),
                owner: "cun3".into(),
                due_on: d(2026, 10, 31),
            },
        )
        .is_err());
        // Quotas are refused, by kind and by words, and write nothing.
        let before = audit_len(&store);
        for (title, kind) in [
            ("每村落实上环5例", "service"),
            ("查环查孕", "other"),
            ("出生人数", "quota"),
            ("完成生育指标", "report"),
        ] {
            let e = plans::add_task(
                &store,
                &zhen,
                p,
                &NewTask {
                    title: title.into(),
                    kind: kind.into(),
                    owner: "cun".into(),
                    due_on: d(2026, 10, 31),
                },
            )
            .unwrap_err();
            assert!(
                matches!(e, Error::Forbidden { .. } | Error::Quota(_)),
                "{l}: {title}: {e}"
            );
        }
        assert_eq!(audit_len(&store), before, "{l}");
        assert_eq!(
            plans::tasks(&store, &store_plan(&store, &zhen, p))
                .unwrap()
                .len(),
            1
        );

        // The owner sees the plan (though it is the township's) and their task is
        // overdue on 1 November, not on 31 October.
        assert!(plans::plan(&store, &cun, p).unwrap().is_some(), "{l}");
        assert!(plans::plan(&store, &yi, p).unwrap().is_none(), "{l}");
        assert!(plans::overdue(&store, &cun, d(2026, 10, 31))
            .unwrap()
            .is_empty());
        let over = plans::overdue(&store, &cun, d(2026, 11, 1)).unwrap();
        assert_eq!(over.len(), 1, "{l}");
        assert_eq!(over[0].1.id, t, "{l}");
        assert!(plans::overdue(&store, &zhen, d(2026, 11, 1))
            .unwrap()
            .is_empty());
        // Another township cannot note progress; the owner can, and closes it.
        assert!(matches!(
            plans::note(&store, &yi, t, "完成", true),
            Err(Error::NotFound)
        ));
        plans::note(&store, &cun, t, "已核对 38 条，发现 1 条漏报", false).unwrap();
        assert_eq!(
            plans::overdue(&store, &cun, d(2026, 11, 1)).unwrap().len(),
            1
        );
        plans::note(&store, &cun, t, "全部核对完毕", true).unwrap();
        assert!(plans::overdue(&store, &cun, d(2026, 11, 1))
            .unwrap()
            .is_empty());
        let tasks = plans::tasks(&store, &store_plan(&store, &zhen, p)).unwrap();
        assert_eq!(tasks[0].0.status, "done", "{l}");
        assert_eq!(tasks[0].1.len(), 2, "{l}");

        // Activities with their figures; a village worker logs one in their own
        // village, not in the next.
        let log = |who: &Actor, region: &str, kind: &str, title: &str, att: i64, mat: i64| {
            activities::log(
                &store,
                who,
                &code(region),
                &NewActivity {
                    kind: kind.into(),
                    held_on: d(2026, 10, 8),
                    title: title.into(),
                    attendance: att,
                    materials: mat,
                    plan_id: Some(p),
                },
            )
        };
        log(&zhen, TOWN_A, "training", "村专干业务培训", 30, 0).unwrap();
        log(&cun, V1, "宣传品发放", "优生优育宣传", 0, 500).unwrap();
        assert!(log(&cun, V2, "meeting", "村民代表会", 20, 0).is_err());
        assert!(log(&zhen, TOWN_A, "training", "结扎手术培训", 5, 0).is_err());
        log(&zhen, V2, "meeting", "领导小组会议", 9, 0).unwrap();
        let list =
            activities::list(&store, &zhen, &code(TOWN_A), d(2026, 1, 1), d(2026, 12, 31)).unwrap();
        assert_eq!(list.len(), 3, "{l}");
        let t = activities::totals(&list);
        assert_eq!(
            (
                t.trainings,
                t.training_attendance,
                t.publicity,
                t.materials,
                t.meetings,
                t.meeting_attendance
            ),
            (1, 30, 1, 500, 1, 9),
            "{l}"
        );
        assert!(
            activities::list(&store, &yi, &code(TOWN_A), d(2026, 1, 1), d(2026, 12, 31)).is_err()
        );
    }
}

fn store_plan(store: &Store, actor: &Actor, id: i64) -> renkou_plans::tables::Plan {
    plans::plan(store, actor, id).unwrap().unwrap()
}
