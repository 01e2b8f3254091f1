//! The walk over the one route table, on both databases. Every route's
//! placeholders are declared; every route that resolves a record of an area is
//! called by a village worker with another village's record and by township staff
//! with another township's, and answers 404 (the same as a record that does not
//! exist); every form of the web UI without its CSRF token answers 403. A route
//! added to the table is walked without anyone writing a test for it, and one
//! whose parameters are not declared fails here.

use crate::common::{login, runtime, send, Client};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use renkou_domain::account::Role;
use renkou_reconciliation::rules::SourceKind;
use renkou_reconciliation::tables::{ItemFilter, ReconciliationTables};
use renkou_reconciliation::workflow::{self, SourceSpec};
use renkou_store::{Actor, ImportOptions, Store};
use renkou_testkit::*;
use renkou_web::routes::{table, Access, Param};

/// The testkit county with accounts, and one reconciliation in each township:
/// 甲镇's has an item in 二村, 乙乡's one in 三村.
struct Fixture {
    /// Data-quality issues of M1 (一村), M2 (二村) and K1 (乙乡).
    quality: [i64; 3],
    town_a_items: Vec<(String, i64)>,
    town_b_reconciliation: i64,
    town_b_item: i64,
    /// A saved 育儿补贴 run of 乙乡.
    town_b_benefit_run: i64,
    /// A report archived for 乙乡.
    town_b_report: i64,
    /// A 生育登记 of a family in 三村 (乙乡).
    town_b_birth: i64,
    /// A 光荣证 of 三村 (乙乡).
    town_b_certificate: i64,
    /// A scan beside an attested fact of K1 (三村, 乙乡).
    town_b_scan: i64,
    /// 乙乡's leading group, plan and a task of it.
    town_b_plan: (i64, i64, i64),
    /// A payment cycle of 乙乡.
    town_b_cycle: i64,
    /// 乙乡's hospital source.
    town_b_source: i64,
}

fn setup(store: &Store, dir: &std::path::Path) -> Fixture {
    load(store, &register());
    for (name, role, region) in [
        ("admin", Role::CountyAdmin, COUNTY),
        ("zhen", Role::TownshipStaff, TOWN_A),
        ("cun", Role::VillageWorker, V1),
    ] {
        let a = renkou_register::accounts::add_user(store, name, name, role, &code(region), "x")
            .unwrap();
        let hash = renkou_register::accounts::hash_password("Secret-pass-1").unwrap();
        store.set_password(a.id, &hash, false).unwrap();
    }
    let reconcile = |name: &str, town: &str, rows: &str| {
        let path = dir.join(format!("{name}.csv"));
        std::fs::write(
            &path,
            format!("记录编号,婴儿性别,出生日期,区划代码\n{rows}"),
        )
        .unwrap();
        let spec = SourceSpec {
            kind: SourceKind::Hospital,
            name: name.into(),
            region: code(town),
            from: d(2024, 1, 1),
            to: d(2024, 12, 31),
        };
        let opts = ImportOptions::by(Actor::operator("admin"));
        let sid = workflow::import_source(
            store,
            &path,
            &spec,
            &opts,
            &renkou_domain::progress::NoProgress,
        )
        .unwrap()
        .source_id;
        let r = workflow::reconcile(store, sid.unwrap(), None, None, &Actor::operator("admin"))
            .unwrap();
        let (items, _) = store
            .reconciliation_items(
                r.reconciliation_id,
                &ItemFilter {
                    limit: 100,
                    ..Default::default()
                },
            )
            .unwrap();
        (
            r.reconciliation_id,
            items
                .into_iter()
                .map(|i| (i.village_code, i.id))
                .collect::<Vec<_>>(),
            sid.unwrap(),
        )
    };
    let (_, town_a_items, _) = reconcile("甲镇医院", TOWN_A, &format!("A1,1,2024-09-09,{V2}\n"));
    let (town_b_reconciliation, b_items, town_b_source) =
        reconcile("乙乡医院", TOWN_B, &format!("B1,2,2024-05-05,{V3}\n"));
    let quality = ["M1", "M2", "K1"].map(|no| {
        store
            .write(&Actor::operator("admin"), |tx| {
                tx.record_quality(&[renkou_domain::quality::QualityIssue {
                    person_no: no.into(),
                    kind: renkou_domain::quality::QualityKind::MotherTooYoung,
                    message: "母亲生育时年龄偏小 / mother young at the birth".into(),
                }])
            })
            .unwrap();
        store
            .quality_issues(&code(COUNTY))
            .unwrap()
            .into_iter()
            .find(|q| q.issue.person_no == no)
            .unwrap()
            .id
    });
    let (town_b_benefit_run, _) = renkou_benefits::runs::run_and_save(
        store,
        &Actor::operator("admin"),
        &renkou_benefits::runs::Request {
            program: renkou_benefits::rules::Program::Childcare,
            area: code(TOWN_B),
            year: 2025,
        },
        &renkou_benefits::rules::Parameters::national(),
    )
    .unwrap();
    let town_b_report = store
        .write(&Actor::operator("admin"), |tx| {
            renkou_reports::tables::archive(
                tx,
                &renkou_reports::tables::NewReport {
                    kind: "statistical",
                    region: &code(TOWN_B),
                    period: "2024",
                    format: "docx",
                    register_version: 1,
                    template_id: None,
                    file_name: "乙乡.docx",
                    sha256: "00",
                    content: b"PK",
                },
            )
        })
        .unwrap();
    let town_b_birth = renkou_registrations::births::register(
        store,
        &Actor::operator("admin"),
        &renkou_registrations::births::NewRegistration {
            applicant: renkou_registrations::rules::Applicant::SingleFather,
            mother_no: None,
            father_no: Some("I1".into()),
            marriage: renkou_registrations::rules::Marriage::NotStated,
            residence: code(V3),
            address: String::new(),
            expected_on: Some(d(2025, 9, 1)),
            born_on: None,
            child_no: None,
            registered_on: d(2025, 3, 1),
        },
    )
    .unwrap()
    .0;
    let town_b_certificate = renkou_registrations::certificates::enter(
        store,
        &Actor::operator("admin"),
        &renkou_registrations::certificates::NewCertificate {
            number: "乙-0001".into(),
            issued_on: d(2017, 1, 1),
            holder1_no: "I1".into(),
            holder2_no: None,
            child_no: "K1".into(),
        },
    )
    .unwrap();
    let k1_fact = renkou_benefits::attest::record_fact(
        store,
        &Actor::operator("admin"),
        &renkou_benefits::tables::NewFact {
            person_no: "K1".into(),
            kind: renkou_benefits::tables::FactKind::Disability,
            value: "2".into(),
            as_of: d(2023, 1, 1),
            document: "残疾人证 0001".into(),
        },
    )
    .unwrap();
    let town_b_scan = renkou_benefits::scans::upload(
        store,
        &Actor::operator("admin"),
        k1_fact,
        "k1.pdf",
        b"%PDF-1.4\n%%EOF\n",
    )
    .unwrap();
    let town_b_plan = {
        let op = Actor::operator("admin");
        let g = renkou_plans::groups::create(store, &op, &code(TOWN_B), "乙乡领导小组").unwrap();
        let p = renkou_plans::plans::create(
            store,
            &op,
            &code(TOWN_B),
            &renkou_plans::plans::NewPlan {
                name: "乙乡百日攻坚".into(),
                kind: "campaign".into(),
                starts_on: d(2026, 9, 1),
                ends_on: d(2026, 12, 9),
                group_id: Some(g),
            },
        )
        .unwrap();
        let t = renkou_plans::plans::add_task(
            store,
            &op,
            p,
            &renkou_plans::plans::NewTask {
                title: "核对三村台帐".into(),
                kind: "data_check".into(),
                owner: "admin".into(),
                due_on: d(2026, 10, 31),
            },
        )
        .unwrap();
        (g, p, t)
    };
    let town_b_cycle = store
        .write(&Actor::operator("admin"), |tx| {
            tx.conn()
                .query_one(
                    "INSERT INTO benefit_cycles (program, region_code, first_month, last_month, state, persons, slots, total, without_account, created_by, created_at) \
                     VALUES ('childcare', $1, '2025-01', '2025-06', 'drafted', 0, 0, '0.00', '[]', 'admin', $2) RETURNING id",
                    &[TOWN_B.into(), chrono::Utc::now().into()],
                )
                .map(|r| r.and_then(|r| r[0].int()).unwrap())
        })
        .unwrap();
    Fixture {
        town_b_cycle,
        town_b_scan,
        town_b_birth,
        town_b_certificate,
        quality,
        town_b_plan,
        town_b_report,
        town_a_items,
        town_b_reconciliation,
        town_b_item: b_items.iter().find(|(v, _)| v == V3).unwrap().1,
        town_b_benefit_run,
        town_b_source,
    }
}

/// What each placeholder is called in the path, by the kind of thing it names.
fn placeholder_of(p: Param) -> &'static [&'static str] {
    match p {
        Param::Region => &["code"],
        Param::Person | Param::Household => &["no"],
        Param::Reconciliation
        | Param::ReconciliationItem
        | Param::Upload
        | Param::QualityIssue
        | Param::BenefitRun
        | Param::Report
        | Param::BirthRegistration
        | Param::Certificate
        | Param::BenefitScan
        | Param::PlanGroup
        | Param::Plan
        | Param::PlanTask
        | Param::BenefitCycle
        | Param::Source => &["id"],
        Param::VerificationCode => &["code"],
        Param::Account => &["username"],
        Param::Indicator => &["indicator", "code"],
        Param::ChartFile => &["file"],
        Param::EventKind => &["kind"],
        Param::Lang => &["lang"],
    }
}

/// Another area's record for `p`, as seen by `who`.
fn foreign(p: Param, who: &str, f: &Fixture) -> String {
    let other_village = who == "cun";
    match p {
        Param::Region if other_village => V2.into(),
        Param::Region => V3.into(),
        Param::Person if other_village => "M2".into(),
        Param::Person => "K1".into(),
        Param::Household if other_village => household_of(V2),
        Param::Household => household_of(V3),
        Param::Reconciliation => f.town_b_reconciliation.to_string(),
        Param::ReconciliationItem if other_village => f
            .town_a_items
            .iter()
            .find(|(v, _)| v == V2)
            .expect("an item in 二村")
            .1
            .to_string(),
        Param::ReconciliationItem => f.town_b_item.to_string(),
        Param::BenefitRun => f.town_b_benefit_run.to_string(),
        // Another account's upload: uploads are their owner's only.
        Param::Upload => "123456789".into(),
        Param::QualityIssue if other_village => f.quality[1].to_string(),
        Param::QualityIssue => f.quality[2].to_string(),
        // Only the county administrator manages accounts; to anyone else every
        // account is another area's.
        Param::Account => "admin".into(),
        Param::Report => f.town_b_report.to_string(),
        Param::BirthRegistration => f.town_b_birth.to_string(),
        Param::Certificate => f.town_b_certificate.to_string(),
        Param::BenefitScan => f.town_b_scan.to_string(),
        // Public, not an area's record: a code nobody signed.
        Param::VerificationCode => "1-1-0123456789abcdef0123456789abcdef".into(),
        Param::PlanGroup => f.town_b_plan.0.to_string(),
        Param::Plan => f.town_b_plan.1.to_string(),
        Param::PlanTask => f.town_b_plan.2.to_string(),
        Param::BenefitCycle => f.town_b_cycle.to_string(),
        Param::Source => f.town_b_source.to_string(),
        Param::Indicator => "cbr".into(),
        Param::ChartFile => "bars.svg".into(),
        Param::EventKind => "death".into(),
        Param::Lang => "zh".into(),
    }
}

/// The caller's own record for `p` (for the CSRF walk).
fn own(p: Param, f: &Fixture) -> String {
    match p {
        Param::Region => V1.into(),
        Param::Person => "M1".into(),
        Param::Household => household_of(V1),
        Param::Reconciliation => f.town_b_reconciliation.to_string(),
        Param::ReconciliationItem => f.town_b_item.to_string(),
        Param::QualityIssue => f.quality[0].to_string(),
        Param::Account => "cun".into(),
        other => foreign(other, "admin", f),
    }
}

fn fill(path: &str, params: &[Param], value: impl Fn(Param) -> String) -> String {
    let mut out = Vec::new();
    let mut i = 0;
    for seg in path.split('/') {
        if seg.starts_with('{') {
            out.push(value(params[i]));
            i += 1;
        } else {
            out.push(seg.to_string());
        }
    }
    out.join("/")
}

fn api_token(store: &Store, user: &str) -> String {
    let token = format!("{user}-walk-token");
    let a = store.account_by_name(user).unwrap().unwrap();
    store
        .create_api_token(
            a.id,
            "walk",
            &token,
            chrono::Utc::now() + chrono::Duration::hours(1),
        )
        .unwrap();
    token
}

fn call(app: &axum::Router, method: &str, uri: &str, auth: Auth<'_>) -> StatusCode {
    let mut req = Request::builder().method(method).uri(uri);
    let body = match auth {
        Auth::Session(c, with_csrf) => {
            req = req.header(header::COOKIE, &c.cookie);
            if method == "POST" {
                req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                if with_csrf {
                    format!("csrf={}", c.csrf)
                } else {
                    String::new()
                }
            } else {
                String::new()
            }
        }
        Auth::Token(t) => {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
            if method == "POST" {
                req = req.header(header::CONTENT_TYPE, "application/json");
                "{}".to_string()
            } else {
                String::new()
            }
        }
    };
    let (s, _, _) = send(app, req.body(Body::from(body)).unwrap());
    s
}

enum Auth<'a> {
    Session(&'a Client, bool),
    Token(&'a str),
}

#[test]
fn every_route_of_the_table_is_walked_with_another_areas_records() {
    let _ = runtime();
    for db in databases() {
        let dir = tempfile::tempdir().unwrap();
        let store = db.store_with(&renkou_web::migrations());
        let fixture = setup(&store, dir.path());
        let app = renkou_web::router(renkou_web::AppState::new(
            db.store_with(&renkou_web::migrations()),
        ));
        let sessions = [
            ("cun", login(&app, "cun", "Secret-pass-1").unwrap()),
            ("zhen", login(&app, "zhen", "Secret-pass-1").unwrap()),
        ];
        let tokens = [
            ("cun", api_token(&store, "cun")),
            ("zhen", api_token(&store, "zhen")),
        ];
        let (mut walked, mut csrf_walked) = (0, 0);
        for r in table() {
            let names = r.placeholders();
            assert_eq!(
                names.len(),
                r.params.len(),
                "{} {}: every placeholder must be declared in the route table",
                r.method,
                r.path
            );
            for (name, p) in names.iter().zip(r.params) {
                assert!(
                    placeholder_of(*p).contains(name),
                    "{} {}: {{{name}}} is declared as {p:?}",
                    r.method,
                    r.path
                );
            }
            let method = r.method.to_uppercase();
            if r.access != Access::Public && r.params.iter().any(|p| p.is_scoped()) {
                for i in 0..2 {
                    let who = sessions[i].0;
                    let uri = fill(r.path, r.params, |p| foreign(p, who, &fixture));
                    let s = match r.access {
                        Access::Api => call(&app, &method, &uri, Auth::Token(&tokens[i].1)),
                        _ => call(&app, &method, &uri, Auth::Session(&sessions[i].1, true)),
                    };
                    assert_eq!(
                        s,
                        StatusCode::NOT_FOUND,
                        "{}: {method} {uri} as {who} reached another area's record",
                        db.label
                    );
                }
                walked += 1;
            }
            if r.access == Access::Session && r.method == "post" {
                let uri = fill(r.path, r.params, |p| own(p, &fixture));
                let admin = login(&app, "admin", "Secret-pass-1").unwrap();
                let s = call(&app, &method, &uri, Auth::Session(&admin, false));
                assert_eq!(
                    s,
                    StatusCode::FORBIDDEN,
                    "{}: {method} {uri} without its CSRF token was not refused",
                    db.label
                );
                csrf_walked += 1;
            }
        }
        assert!(walked >= 30 && csrf_walked >= 15, "{walked} {csrf_walked}");
        // A sanity check of the walk itself: our own records are reachable.
        let (s, _, _) = send(
            &app,
            Request::get("/persons/M1")
                .header(header::COOKIE, &sessions[0].1.cookie)
                .body(Body::empty())
                .unwrap(),
        );
        assert_eq!(s, StatusCode::OK);
    }
}

/// Every page of the table, opened by the county administrator on a record of
/// the area: none fails with a server error, and each HTML page has one `<title>`
/// of plain words (a block of links pasted into a page's title block shows as
/// markup in the browser's tab and breaks the page's header).
#[test]
fn every_page_opens_and_its_title_is_plain_text() {
    let _ = runtime();
    for db in databases() {
        let dir = tempfile::tempdir().unwrap();
        let store = db.store_with(&renkou_web::migrations());
        let fixture = setup(&store, dir.path());
        let app = renkou_web::router(renkou_web::AppState::new(
            db.store_with(&renkou_web::migrations()),
        ));
        let admin = login(&app, "admin", "Secret-pass-1").unwrap();
        let mut pages = 0;
        for r in table() {
            if r.access != Access::Session || r.method != "get" {
                continue;
            }
            let uri = fill(r.path, r.params, |p| own(p, &fixture));
            let resp = runtime().block_on(async {
                use tower::ServiceExt;
                app.clone()
                    .oneshot(
                        Request::get(&uri)
                            .header(header::COOKIE, &admin.cookie)
                            .body(Body::empty())
                            .unwrap(),
                    )
                    .await
                    .unwrap()
            });
            let status = resp.status();
            assert!(
                !status.is_server_error(),
                "{}: GET {uri} answered {status}",
                db.label
            );
            let html = resp
                .headers()
                .get(header::CONTENT_TYPE)
                .is_some_and(|v| v.to_str().unwrap_or("").starts_with("text/html"));
            if !html || status != StatusCode::OK {
                continue;
            }
            let body = runtime().block_on(async {
                use http_body_util::BodyExt;
                resp.into_body().collect().await.unwrap().to_bytes()
            });
            let body = String::from_utf8_lossy(&body);
            // Charts are inline SVG with their own <title>s: the page's is in <head>.
            let head = body.split("</head>").next().unwrap_or_default();
            assert_eq!(head.matches("<title>").count(), 1, "{uri}: one <title>");
            let title = head
                .split("<title>")
                .nth(1)
                .and_then(|t| t.split("</title>").next())
                .unwrap_or_default();
            assert!(
                !title.contains('<') && !title.contains('>'),
                "{}: GET {uri}: markup in the title: {title}",
                db.label
            );
            pages += 1;
        }
        assert!(pages >= 30, "{pages} pages opened");
    }
}
