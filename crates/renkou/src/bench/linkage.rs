//! `renkou bench linkage`: the linkage engine's measurement table on both
//! generators (`renkou_linkage::bench`: the engine's own and the independent
//! `renkou-sourcegen`), and the whole reconciliation of a county's year through
//! the workflow, timed: a register built from the generated hospital births (every
//! child with its mother) in a fresh SQLite database, the generated village ledger
//! imported as a source as written, then `renkou reconcile` on the county.

use anyhow::{Context, Result};
use renkou_domain::progress::NoProgress;
use renkou_domain::{
    parse_date, IdNumber, MaritalStatus, PersonRecord, Region, RegionCode, RegionLevel, Residence,
    Sex,
};
use renkou_linkage::bench::{self, Case, Generator, Size};
use renkou_linkage::LinkOptions;
use renkou_reconciliation::rules::{ItemClass, SourceKind};
use renkou_reconciliation::workflow::{self as reconcile, SourceSpec};
use renkou_store::{Actor, ImportMeta, ImportOptions};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::time::Instant;

pub fn run(
    sizes: &str,
    seeds: &str,
    generator: Option<&str>,
    json: Option<&Path>,
    county_seed: u64,
) -> Result<()> {
    let sizes: Vec<Size> = sizes
        .split(',')
        .map(|s| {
            Size::parse(s.trim()).with_context(|| {
                format!(
                    "--sizes {s}: township、county 或 prefecture / township, county or prefecture"
                )
            })
        })
        .collect::<Result<_>>()?;
    let seeds: Vec<u64> = seeds
        .split(',')
        .map(|s| s.trim().parse().with_context(|| format!("--seeds {s}")))
        .collect::<Result<_>>()?;
    let mut cases = bench::cases(&sizes, &seeds);
    if let Some(g) = generator {
        cases.retain(|c| c.generator.name() == g);
    }
    let opts = LinkOptions::default();
    let mut rows = Vec::new();
    for c in &cases {
        let row = bench::measure(c, &opts);
        let one = bench::BenchReport {
            build: build(),
            rows: vec![row.clone()],
        };
        // As measured: a prefecture takes a while.
        println!("{}", one.to_string().lines().last().unwrap_or_default());
        rows.push(row);
    }
    let report = bench::BenchReport {
        build: build(),
        rows,
    };
    println!();
    println!("{report}");
    let goals = goals(&report);
    println!("{goals}");
    if let Some(p) = json {
        std::fs::write(p, serde_json::to_string_pretty(&report)?)
            .with_context(|| p.display().to_string())?;
    }
    for generator in [Generator::Engine, Generator::Independent] {
        if cases.iter().any(|c| c.generator == generator) {
            county_workflow(Case {
                generator,
                size: Size::County,
                seed: county_seed,
            })?;
        }
    }
    Ok(())
}

fn build() -> &'static str {
    if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    }
}

/// The goals of issue 12 read against the table.
fn goals(r: &bench::BenchReport) -> String {
    let min =
        |f: &dyn Fn(&bench::BenchRow) -> f64| r.rows.iter().map(f).fold(f64::INFINITY, f64::min);
    let sum = |f: &dyn Fn(&bench::BenchRow) -> u64| r.rows.iter().map(f).sum::<u64>();
    format!(
        "目标 / goals: link F1 ≥ 0.999 — min {:.4} ({} of {} cases); dedupe F1 ≥ 0.98 — min {:.4}; twins merged 0 — {}; automatic duplicates between mothers 0 — {}",
        min(&|x| x.link.f1),
        r.rows.iter().filter(|x| x.link.f1 >= 0.999).count(),
        r.rows.len(),
        min(&|x| x.dedupe.f1),
        sum(&|x| x.twins_merged),
        sum(&|x| x.cross_mother_auto),
    )
}

/// A register from the generated hospital births: each mother once (her first
/// row's name, birth date and ID number when it is valid and not yet taken), each
/// child with its mother, in the village its row names (or the first village of
/// the county when the row names none of its villages).
fn register_of(s: &bench::Sample) -> (Vec<Region>, Vec<PersonRecord>, RegionCode) {
    let mut villages: BTreeSet<String> = BTreeSet::new();
    for r in s.hospital.iter().chain(&s.ledger) {
        if let Ok(c) = RegionCode::parse(r.region_code.trim()) {
            if c.level() == RegionLevel::Village {
                villages.insert(c.to_string());
            }
        }
    }
    // The county most villages are in.
    let mut counties: HashMap<String, usize> = HashMap::new();
    for v in &villages {
        *counties.entry(v[..6].to_string()).or_default() += 1;
    }
    let county = counties
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .map(|(c, _)| c)
        .unwrap_or_else(|| "349901".into());
    let villages: Vec<String> = villages
        .into_iter()
        .filter(|v| v.starts_with(&county))
        .collect();
    let mut regions = vec![Region {
        code: RegionCode::parse(&format!("{county}000000")).expect("county code"),
        name: "测试县".into(),
        valid_from: None,
        valid_to: None,
        successor: None,
    }];
    let townships: BTreeSet<String> = villages.iter().map(|v| format!("{}000", &v[..9])).collect();
    for (i, t) in townships.iter().enumerate() {
        regions.push(Region {
            code: RegionCode::parse(t).expect("township code"),
            name: format!("第{}镇", i + 1),
            valid_from: None,
            valid_to: None,
            successor: None,
        });
    }
    for (i, v) in villages.iter().enumerate() {
        regions.push(Region {
            code: RegionCode::parse(v).expect("village code"),
            name: format!("第{}村", i + 1),
            valid_from: None,
            valid_to: None,
            successor: None,
        });
    }
    let known: HashSet<&str> = villages.iter().map(String::as_str).collect();
    let fallback = RegionCode::parse(&villages[0]).expect("a village");
    let mut persons = Vec::new();
    let mut mothers: HashMap<u32, String> = HashMap::new();
    let mut ids: HashSet<String> = HashSet::new();
    let mut children: HashSet<u32> = HashSet::new();
    for (r, t) in s.hospital.iter().zip(&s.hospital_truth) {
        let village = RegionCode::parse(r.region_code.trim())
            .ok()
            .filter(|c| known.contains(c.as_str()))
            .unwrap_or_else(|| fallback.clone());
        let birth = parse_date(&r.birth_date).ok();
        let Some(birth) = birth else { continue };
        let mother_no = match mothers.get(&t.mother) {
            Some(m) => m.clone(),
            None => {
                let no = format!("M{}", t.mother);
                let id = IdNumber::parse(r.mother_id_number.trim())
                    .ok()
                    .filter(|i| ids.insert(i.to_string()));
                let born = parse_date(&r.mother_birth_date)
                    .ok()
                    .or_else(|| id.as_ref().map(|i| i.birth_date()))
                    .unwrap_or_else(|| birth - chrono::Duration::days(365 * 28));
                let id = id.filter(|i| i.birth_date() == born);
                persons.push(PersonRecord {
                    person_no: no.clone(),
                    name: if r.mother_name.is_empty() {
                        "无名".into()
                    } else {
                        r.mother_name.clone()
                    },
                    sex: Sex::Female,
                    birth_date: born,
                    id_number: id,
                    household_no: format!("H{}", t.mother),
                    region_code: village.clone(),
                    marital_status: MaritalStatus::Married,
                    mother_no: None,
                    father_no: None,
                    residence: Residence::Resident,
                    phone: None,
                    death_date: None,
                    relation: None,
                });
                mothers.insert(t.mother, no.clone());
                // Her older children, born before the window, so that the
                // register derives the birth order the hospital reports.
                let order: u32 = r.birth_order.trim().parse().unwrap_or(1).clamp(1, 6);
                for j in 1..order {
                    persons.push(PersonRecord {
                        person_no: format!("{no}-{j}"),
                        name: format!("长{j}"),
                        sex: Sex::Male,
                        birth_date: birth - chrono::Duration::days(730 * (order - j) as i64),
                        id_number: None,
                        household_no: format!("H{}", t.mother),
                        region_code: village.clone(),
                        marital_status: MaritalStatus::NotStated,
                        mother_no: Some(no.clone()),
                        father_no: None,
                        residence: Residence::Resident,
                        phone: None,
                        death_date: None,
                        relation: None,
                    });
                }
                no
            }
        };
        if !children.insert(t.child) {
            continue;
        }
        persons.push(PersonRecord {
            person_no: format!("C{}", t.child),
            name: if r.name.is_empty() {
                "未名".into()
            } else {
                r.name.clone()
            },
            sex: Sex::parse(&r.sex).unwrap_or(Sex::Unknown),
            birth_date: birth,
            id_number: None,
            household_no: format!("H{}", t.mother),
            region_code: village,
            marital_status: MaritalStatus::NotStated,
            mother_no: Some(mother_no),
            father_no: None,
            residence: Residence::Resident,
            phone: None,
            death_date: None,
            relation: None,
        });
    }
    // Mothers first: a child's mother must exist when the child is written.
    persons.sort_by_key(|p| p.mother_no.is_some());
    (regions, persons, regions_county(&county))
}

fn regions_county(county: &str) -> RegionCode {
    RegionCode::parse(&format!("{county}000000")).expect("county code")
}

/// The whole reconciliation of a county's year through the workflow, timed.
fn county_workflow(case: Case) -> Result<()> {
    let s = bench::sample(&case);
    let dir = std::env::temp_dir().join(format!(
        "renkou-bench-linkage-{}-{}",
        std::process::id(),
        case.generator.name()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let result = county_in(&case, &s, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn county_in(case: &Case, s: &bench::Sample, dir: &Path) -> Result<()> {
    let db = dir.join("bench.db");
    let url = db.display().to_string();
    let (store, _) = crate::db::init(&url)?;
    let (regions, persons, county) = register_of(s);
    store.upsert_regions(&regions)?;
    let t = Instant::now();
    let mut imp = store.begin_person_import(ImportMeta {
        kind: "persons",
        file_name: "register.csv".into(),
        source: None,
        actor: Actor::operator("bench"),
    })?;
    for p in &persons {
        imp.push(p, None)?;
    }
    imp.commit(&[], &[], |_, _| Ok(()))?;
    let register_s = t.elapsed().as_secs_f64();
    let ledger = dir.join("ledger.csv");
    renkou_linkage::write_records(&ledger, &s.ledger).map_err(|e| anyhow::anyhow!("{e}"))?;
    let dates: Vec<renkou_domain::Date> = persons
        .iter()
        .filter(|p| p.person_no.starts_with('C'))
        .map(|p| p.birth_date)
        .collect();
    let (from, to) = (
        *dates.iter().min().context("no births")?,
        *dates.iter().max().context("no births")?,
    );
    let spec = SourceSpec {
        kind: SourceKind::Ledger,
        name: "村台帐".into(),
        region: county.clone(),
        from,
        to,
    };
    let opts = ImportOptions {
        skip_invalid: true,
        ..ImportOptions::by(Actor::operator("bench"))
    };
    let t = Instant::now();
    let imported = reconcile::import_source(&store, &ledger, &spec, &opts, &NoProgress)?;
    let import_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let r = reconcile::reconcile(
        &store,
        imported.source_id.context("source id")?,
        None,
        None,
        &Actor::operator("bench"),
    )?;
    let reconcile_s = t.elapsed().as_secs_f64();
    let n = |c: ItemClass| r.classes.get(&c).copied().unwrap_or(0);
    let children = persons
        .iter()
        .filter(|p| p.person_no.starts_with('C'))
        .count();
    println!();
    println!(
        "县一年的核对（{} 生成器，种子 {}，{} 版本）/ a county's year reconciled through the workflow ({} generator, seed {}, {} build):",
        case.generator.name(),
        case.seed,
        build(),
        case.generator.name(),
        case.seed,
        build()
    );
    println!(
        "  登记 / register: {} persons ({children} births) loaded in {register_s:.2} s; 台帐 / ledger: {} rows imported as written in {import_s:.2} s ({} kept with a flag, {} refused)",
        persons.len(),
        imported.report.counts.read,
        imported.flagged_total,
        imported.report.rejected_rows
    );
    println!(
        "  核对 / reconcile: {reconcile_s:.2} s in all (linkage {:.2} s); agree {} disagree {} source_only {} register_only {} duplicate {} uncertain {}",
        r.linkage_seconds,
        n(ItemClass::Agree),
        n(ItemClass::Disagree),
        n(ItemClass::SourceOnly),
        n(ItemClass::RegisterOnly),
        n(ItemClass::Duplicate),
        n(ItemClass::Uncertain),
    );
    // Against the truth: distinct ledger births, and how many of them the register has.
    let ledger_children: HashSet<u32> = s.ledger_truth.iter().map(|t| t.child).collect();
    let hospital_children: HashSet<u32> = s.hospital_truth.iter().map(|t| t.child).collect();
    println!(
        "  真相 / truth: {} distinct ledger births (the reconciliation counts {}), {} of them in the register; duplicate rows {} (found {})",
        ledger_children.len(),
        r.tally.source,
        ledger_children.intersection(&hospital_children).count(),
        s.ledger.len() - ledger_children.len(),
        n(ItemClass::Duplicate)
    );
    if let Some(c) = &r.chapman {
        let either = ledger_children.union(&hospital_children).count();
        println!(
            "  Chapman N̂ {:.1} (95% {:.1}–{:.1}); births in either source {either}",
            c.estimate, c.interval.low, c.interval.high
        );
    }
    print!("{}", indent(&r.trust.to_string()));
    Ok(())
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("  {l}\n")).collect()
}
