//! The demo county is deterministic, exact in size and internally coherent, and its
//! figures look like a Chinese county's. N = 20,000 keeps these fast in debug builds.

use renkou_demo::summary::Summary;
use renkou_demo::{DemoCounty, DemoSpec, PERSONS_HEADER};
use renkou_domain::date::completed_years;
use renkou_domain::{IdNumber, PersonRecord, RegionCode, RegionLevel, Sex};
use std::collections::{HashMap, HashSet};

const N: usize = 20_000;

fn county(persons: usize, seed: u64) -> DemoCounty {
    DemoCounty::new(DemoSpec::new(persons, seed))
}

#[test]
fn same_seed_same_county_other_seed_other_county() {
    let a: Vec<PersonRecord> = county(N, 7).persons().collect();
    let b: Vec<PersonRecord> = county(N, 7).persons().collect();
    assert_eq!(a, b);
    assert_eq!(county(N, 7).regions(), county(N, 7).regions());
    let c: Vec<PersonRecord> = county(N, 8).persons().take(200).collect();
    assert_ne!(a[..200], c[..]);
    assert_ne!(county(N, 7).regions(), county(N, 8).regions());
    // A second pass over the same county gives the same households.
    let d = county(2_000, 3);
    assert!(d.households().eq(d.households()));
}

#[test]
fn exactly_the_persons_asked_for() {
    for n in [0, 1, 5, 6, 7, 1_999, N] {
        let c = county(n, 1);
        let mut total = 0;
        for h in c.households() {
            assert!((1..=6).contains(&h.len()), "household of {}", h.len());
            total += h.len();
        }
        assert_eq!(total, n);
    }
}

#[test]
fn keys_are_unique_and_households_share_a_living_village() {
    let c = county(N, 2);
    let regions = c.regions();
    let reference = c.spec().reference_date;
    let live_villages: HashSet<&RegionCode> = regions
        .iter()
        .filter(|r| r.level() == RegionLevel::Village && r.exists_on(reference))
        .map(|r| &r.code)
        .collect();
    let mut persons = HashSet::new();
    let mut households = HashSet::new();
    for h in c.households() {
        let first = &h[0];
        assert!(households.insert(first.household_no.clone()));
        assert!(live_villages.contains(&first.region_code));
        for p in &h {
            assert_eq!(p.household_no, first.household_no);
            assert_eq!(p.region_code, first.region_code);
            assert!(persons.insert(p.person_no.clone()), "{}", p.person_no);
            assert!(!p.name.is_empty() && p.name.chars().count() <= 4);
            assert!(p.is_alive_on(reference) || p.death_date.is_some_and(|d| d <= reference));
            assert!(p.birth_date <= reference);
        }
    }
}

#[test]
fn id_numbers_are_valid_unique_and_mostly_consistent() {
    let c = county(N, 3);
    let mut seen = HashSet::new();
    let (mut with_id, mut consistent) = (0, 0);
    for p in c.persons() {
        let Some(id) = &p.id_number else { continue };
        with_id += 1;
        let back = IdNumber::parse(id.as_str()).expect("valid GB 11643 number");
        assert!(seen.insert(back.clone()), "duplicate ID number");
        if back.birth_date() == p.birth_date && back.sex() == p.sex {
            consistent += 1;
        }
    }
    let bad = with_id - consistent;
    assert!(with_id > N * 98 / 100);
    // About 0.6% of adults carry a deliberately inconsistent number.
    assert!(bad > 20 && bad < N / 50, "{bad} inconsistent");
}

#[test]
fn parent_links_are_coherent() {
    let c = county(N, 4);
    let mut by_mother: HashMap<String, usize> = HashMap::new();
    let mut links = 0;
    for h in c.households() {
        let of = |no: &str| h.iter().find(|p| p.person_no == no);
        for p in &h {
            if let Some(m) = &p.mother_no {
                // A mother's children are all in her household (so birth orders hold).
                let m = of(m).expect("mother in the same household");
                assert_eq!(m.sex, Sex::Female);
                let age = completed_years(m.birth_date, p.birth_date);
                assert!((15..=50).contains(&age), "mother aged {age} at birth");
                *by_mother.entry(m.person_no.clone()).or_default() += 1;
                links += 1;
            }
            if let Some(f) = &p.father_no {
                let f = of(f).expect("father in the same household");
                assert_eq!(f.sex, Sex::Male);
                let age = completed_years(f.birth_date, p.birth_date);
                assert!((16..=65).contains(&age), "father aged {age} at birth");
            }
        }
    }
    assert!(links > N / 4);
    assert!(by_mother.values().any(|&n| n >= 3));
}

#[test]
fn regions_form_a_tree_with_effective_dating() {
    let c = county(N, 5);
    let regions = c.regions();
    let codes: HashSet<&RegionCode> = regions.iter().map(|r| &r.code).collect();
    assert_eq!(codes.len(), regions.len(), "codes are unique");
    let county_code = &c.spec().county_code;
    for r in &regions {
        assert!(county_code.contains(&r.code));
        if r.code != *county_code {
            let parent = r.code.parent().expect("below the county");
            assert!(codes.contains(&parent), "parent of {} missing", r.code);
        }
        if let Some(s) = &r.successor {
            assert!(codes.contains(s));
            assert!(r.valid_to.is_some());
        }
    }
    let townships = regions
        .iter()
        .filter(|r| r.level() == RegionLevel::Township)
        .count();
    assert!((10..=20).contains(&townships));
    assert!(regions
        .iter()
        .any(|r| r.level() == RegionLevel::Village && r.successor.is_some()));
    assert!(regions.iter().any(|r| r.valid_from.is_some()));
    assert!(regions
        .iter()
        .any(|r| r.level() == RegionLevel::VillageGroup));
    // Villages hold 300-3000 persons.
    let mut sizes: HashMap<RegionCode, usize> = HashMap::new();
    for p in c.persons() {
        *sizes.entry(p.region_code).or_default() += 1;
    }
    assert!(
        sizes.values().all(|&n| (300..=3000).contains(&n)),
        "{sizes:?}"
    );
}

#[test]
fn figures_look_like_a_chinese_county() {
    let s = Summary::of(&county(N, 6));
    let report = s.report();
    let mean = s.persons as f64 / s.households as f64;
    assert!((2.6..3.4).contains(&mean), "{report}");
    assert!(s.household_sizes[1..=6].iter().all(|&n| n > 0), "{report}");
    assert!((0.09..0.18).contains(&s.age_share(0, 14)), "{report}");
    assert!((0.11..0.22).contains(&s.age_share(65, 100)), "{report}");
    // The bulges: 35-44 (born 1982-1991) and 50-59 outnumber 20-29.
    assert!(s.age_share(35, 44) > s.age_share(20, 29), "{report}");
    assert!(s.age_share(50, 59) > s.age_share(20, 29), "{report}");
    assert!((100.0..109.0).contains(&s.sex_ratio()), "{report}");
    assert!((0.10..0.20).contains(&s.outflow_share()), "{report}");
    let inflow = s.inflow as f64 / s.persons as f64;
    assert!((0.015..0.05).contains(&inflow), "{report}");
    let years: Vec<_> = s.years.values().collect();
    let recent = s.recent(3);
    let cbr = 1000.0 * recent.births() as f64 / recent.midyear as f64;
    assert!((4.0..11.0).contains(&cbr), "CBR {cbr}\n{report}");
    let early = 1000.0 * (years[4].births() + years[5].births()) as f64
        / (years[4].midyear + years[5].midyear) as f64;
    assert!(
        early > cbr * 1.3 && early < 20.0,
        "CBR 15 years ago {early}\n{report}"
    );
    let cdr = 1000.0 * recent.deaths as f64 / recent.midyear as f64;
    assert!((4.0..11.0).contains(&cdr), "CDR {cdr}\n{report}");
    let srb = s.recent(10).srb();
    assert!((102.0..122.0).contains(&srb), "SRB {srb}\n{report}");
    let mothers: u64 = s.mother_age.values().sum();
    let main_ages: u64 = s.mother_age.range(20..=35).map(|(_, n)| n).sum();
    assert!(main_ages as f64 > 0.85 * mothers as f64, "{report}");
    assert!(s.twins_pairs > 0, "{report}");
    let married: u64 = (20..=23).filter_map(|c| s.marital_15plus.get(&c)).sum();
    let adults: u64 = s.marital_15plus.values().sum();
    assert!(
        (0.5..0.8).contains(&(married as f64 / adults as f64)),
        "{report}"
    );
    for code in [10, 30, 40] {
        assert!(
            s.marital_15plus.get(&code).is_some_and(|&n| n > 0),
            "{report}"
        );
    }
}

#[test]
fn csv_files_follow_the_interchange_formats() {
    let c = county(2_000, 9);
    let mut buf = Vec::new();
    c.write_persons_csv(&mut buf).unwrap();
    assert!(buf.starts_with("\u{feff}".as_bytes()));
    let mut r = csv::Reader::from_reader(&buf[3..]);
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, PERSONS_HEADER);
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2_000);
    let first = c.persons().next().unwrap();
    assert_eq!(&rows[0][0], first.person_no);
    assert_eq!(&rows[0][3], first.birth_date.to_string());
    assert!(rows.iter().all(|r| matches!(&r[2], "1" | "2")));

    let mut buf = Vec::new();
    c.write_regions_csv(&mut buf).unwrap();
    let mut r = csv::Reader::from_reader(&buf[3..]);
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "region_code",
            "name",
            "valid_from",
            "valid_to",
            "successor_code"
        ]
    );
    assert_eq!(r.records().count(), c.regions().len());
}
