//! Scans beside attested facts, on both databases: a village worker uploads the
//! certificate behind a disability fact; it is listed and downloaded with its
//! SHA-256 in the village, and another village's account neither sees nor adds to
//! it; a file whose bytes are not PDF, JPEG or PNG is refused.

use renkou_benefits::scans;
use renkou_benefits::tables::{FactKind, NewFact};
use renkou_benefits::{attest, Error, MIGRATIONS};
use renkou_domain::account::{Role, Scope};
use renkou_store::{Actor, StoreError};
use renkou_testkit::{code, d, load, register, stores, COUNTY, V1, V2};

fn account(role: Role, area: &str) -> Actor {
    Actor::account(
        format!("{}-{area}", role.as_str()),
        "127.0.0.1",
        Scope {
            role,
            region: code(area),
        },
    )
}

#[test]
fn a_scan_stays_beside_its_fact_in_its_area() {
    for (db, store) in stores(&[&MIGRATIONS]) {
        let l = db.label;
        load(&store, &register());
        let cun = account(Role::VillageWorker, V1);
        let fact = attest::record_fact(
            &store,
            &cun,
            &NewFact {
                person_no: "C1".into(),
                kind: FactKind::Disability,
                value: "2".into(),
                as_of: d(2023, 4, 1),
                document: "残疾人证 第0001号".into(),
            },
        )
        .unwrap();
        let pdf = b"%PDF-1.4\n% a scanned certificate\n%%EOF\n".to_vec();
        let id = scans::upload(&store, &cun, fact, "残疾人证.pdf", &pdf).unwrap();
        let listed = scans::scans_of_person(&store, "C1").unwrap();
        assert_eq!(listed.len(), 1, "{l}");
        assert_eq!(
            (listed[0].content_type.as_str(), listed[0].size),
            ("application/pdf", pdf.len() as i64)
        );
        let (info, bytes) = scans::download(&store, &cun, id).unwrap().unwrap();
        assert_eq!(bytes, pdf, "{l}");
        assert_eq!(info.sha256, listed[0].sha256);
        assert_eq!(info.sha256.len(), 64);
        // Another village: not found either way.
        let other = account(Role::VillageWorker, V2);
        assert!(scans::download(&store, &other, id).unwrap().is_none());
        assert!(matches!(
            scans::upload(&store, &other, fact, "x.pdf", &pdf),
            Err(Error::Invalid(_))
        ));
        // A county statistician reads but does not add.
        let stat = account(Role::CountyStatistician, COUNTY);
        assert!(scans::download(&store, &stat, id).unwrap().is_some());
        assert!(matches!(
            scans::upload(&store, &stat, fact, "x.pdf", &pdf),
            Err(Error::Store(StoreError::Forbidden))
        ));
        // Not a scan: refused, nothing stored.
        assert!(scans::upload(&store, &cun, fact, "x.pdf", b"<html>").is_err());
        assert!(scans::upload(&store, &cun, fact, "x.png", &pdf).is_err());
        assert_eq!(scans::scans_of_person(&store, "C1").unwrap().len(), 1);
    }
}
