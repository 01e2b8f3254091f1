//! 独生子女父母光荣证: the register of issued certificates with their history, and
//! the public verification of a document's signed code — which shows what the
//! document shows for a genuine code and nothing for a forged or altered one, and
//! is logged every time.

use crate::account;
use renkou_domain::account::Role;
use renkou_registrations::certificates::{self, NewCertificate};
use renkou_registrations::key::CertificateKey;
use renkou_registrations::rules::{Action, Outcome, Status};
use renkou_registrations::{tables, Error, MIGRATIONS};
use renkou_store::StoreError;
use renkou_testkit::*;

fn m1_certificate() -> NewCertificate {
    NewCertificate {
        number: "湘独证字第 0012345 号".into(),
        issued_on: d(2020, 3, 8),
        holder1_no: "M1".into(),
        holder2_no: Some("F1".into()),
        child_no: "C1".into(),
    }
}

#[test]
fn a_certificate_verifies_until_replaced_or_revoked_and_forgeries_show_nothing() {
    for (db, store) in stores(&[&MIGRATIONS]) {
        load(&store, &register());
        let key = CertificateKey::from_bytes([42; 32]);
        let town = account("zhen", Role::TownshipStaff, TOWN_A);
        let id = certificates::enter(&store, &town, &m1_certificate()).unwrap();
        // The same number twice is refused.
        assert!(matches!(
            certificates::enter(&store, &town, &m1_certificate()),
            Err(Error::DuplicateCertificate(_))
        ));
        let first = key.code(id, 1);
        let v = certificates::verify(&store, &key, &first).unwrap();
        assert_eq!(v.outcome, Outcome::Valid, "{}", db.label);
        let shown = v.shown.unwrap();
        assert_eq!(shown.number, "湘独证字第 0012345 号");
        assert_eq!(shown.issued_on, d(2020, 3, 8));
        assert_eq!(shown.holders, ["测试M1", "测试F1"]);
        assert_eq!(shown.child, "测试C1");

        // Forged: another key's code, an altered tag, another id or version under
        // a genuine tag, a signed code for a certificate that does not exist,
        // garbage. Each answers "cannot be verified" and shows nothing.
        let tag = first.rsplit('-').next().unwrap().to_string();
        let mut altered = tag.clone().into_bytes();
        altered[0] = if altered[0] == b'a' { b'b' } else { b'a' };
        let forged = [
            CertificateKey::from_bytes([1; 32]).code(id, 1),
            format!("{id}-1-{}", String::from_utf8(altered).unwrap()),
            format!("{}-1-{tag}", id + 1),
            format!("{id}-2-{tag}"),
            key.code(id + 1000, 1),
            key.code(id, 2), // a version not printed yet
            "<script>".into(),
            String::new(),
        ];
        for f in &forged {
            let v = certificates::verify(&store, &key, f).unwrap();
            assert_eq!(
                (v.outcome, v.shown),
                (Outcome::Forged, None),
                "{}: {f}",
                db.label
            );
        }

        // Printed again: the first document is void, the new one valid.
        let version = certificates::replace(&store, &town, id, d(2024, 5, 6), "原证遗失").unwrap();
        assert_eq!(version, 2);
        let second = key.code(id, 2);
        assert_eq!(
            certificates::verify(&store, &key, &first).unwrap().outcome,
            Outcome::Replaced
        );
        assert_eq!(
            certificates::verify(&store, &key, &second).unwrap().outcome,
            Outcome::Valid
        );
        // Revoked, with a reason: every code of it says so; nothing more changes.
        assert!(matches!(
            certificates::revoke(&store, &town, id, d(2025, 1, 2), " "),
            Err(Error::Field(..))
        ));
        certificates::revoke(&store, &town, id, d(2025, 1, 2), "再生育，依规定注销").unwrap();
        assert_eq!(
            certificates::verify(&store, &key, &second).unwrap().outcome,
            Outcome::Revoked
        );
        assert!(matches!(
            certificates::replace(&store, &town, id, d(2025, 2, 2), "x"),
            Err(Error::Revoked)
        ));

        let c = certificates::certificate(&store, &town, id)
            .unwrap()
            .unwrap();
        assert_eq!((c.status, c.version), (Status::Revoked, 2));
        let history: Vec<_> = certificates::history(&store, &c)
            .unwrap()
            .into_iter()
            .map(|h| (h.action, h.on_date, h.reason, h.version))
            .collect();
        assert_eq!(
            history,
            [
                (Action::Issued, d(2020, 3, 8), String::new(), 1),
                (Action::Replaced, d(2024, 5, 6), "原证遗失".to_string(), 2),
                (
                    Action::Revoked,
                    d(2025, 1, 2),
                    "再生育，依规定注销".to_string(),
                    2
                ),
            ],
            "{}",
            db.label
        );
        // Every verification is logged: 1 + 2 + 1 genuine ones for the certificate
        // (newest first), and the 8 forgeries name no certificate.
        let log: Vec<_> = store
            .with(|c| tables::verifications(c, id))
            .unwrap()
            .into_iter()
            .map(|(_, o)| o)
            .collect();
        assert_eq!(
            log,
            [
                Outcome::Revoked,
                Outcome::Valid,
                Outcome::Replaced,
                Outcome::Valid
            ],
            "{}",
            db.label
        );
        let forged_logged = store
            .with(|c| tables::verification_count(c, Outcome::Forged))
            .unwrap();
        assert_eq!(forged_logged, 8);
    }
}

#[test]
fn certificates_stay_in_their_area() {
    for (db, store) in stores(&[&MIGRATIONS]) {
        load(&store, &register());
        let cun = account("cun", Role::VillageWorker, V1);
        let other = account("cun2", Role::VillageWorker, V2);
        let stat = account("tongji", Role::CountyStatistician, COUNTY);
        // M2 lives in 二村: not 一村's worker's (the same answer as for nobody).
        let mut c = m1_certificate();
        c.holder1_no = "M2".into();
        c.holder2_no = None;
        c.child_no = "K1".into();
        let r = certificates::enter(&store, &cun, &c);
        assert!(
            matches!(r, Err(Error::Store(StoreError::NoPerson(_)))),
            "{r:?}"
        );
        assert!(matches!(
            certificates::enter(&store, &stat, &m1_certificate()),
            Err(Error::Store(StoreError::Forbidden))
        ));
        let id = certificates::enter(&store, &cun, &m1_certificate()).unwrap();
        assert!(certificates::certificate(&store, &other, id)
            .unwrap()
            .is_none());
        assert!(matches!(
            certificates::revoke(&store, &other, id, d(2025, 1, 1), "x"),
            Err(Error::NotFound)
        ));
        let listed = certificates::certificates(&store, &stat, &code(COUNTY), 10).unwrap();
        assert_eq!(listed.len(), 1, "{}", db.label);
        assert!(certificates::certificates(&store, &other, &code(V2), 10)
            .unwrap()
            .is_empty());
        // The QR code of a document is an SVG.
        let svg = certificates::qr_svg("https://example.invalid/verify/1-1-x").unwrap();
        assert!(svg.contains("<svg"), "{}", &svg[..40]);
    }
}
