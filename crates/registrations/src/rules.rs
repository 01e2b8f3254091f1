//! The registrations' rules, pure: no database, no I/O.
//!
//! - a birth registration is numbered in its office's book for the year:
//!   [`registration_number`] (`349901101-2025-00012`); the office is the township
//!   of the family's residence ([`office_of`]);
//! - who registers ([`Applicant`]: a couple or a single parent) and the marriage as
//!   declared ([`Marriage`]) — recorded, never checked against a rule: a
//!   registration is a service with no approval step and no refusal for the number
//!   of children;
//! - a certificate's [`Status`], its history [`Action`]s and what a verification
//!   finds ([`Outcome`]);
//! - the verification code printed as a QR code ([`signed_payload`],
//!   [`parse_code`]): the certificate's id and the version of the printed document,
//!   with an HMAC-SHA-256 tag under the county's key, so a code cannot be made up or
//!   altered, and a replaced document's code says it was replaced.

use renkou_domain::{RegionCode, RegionLevel};

/// The office whose book a registration of `residence` goes in: its township.
pub fn office_of(residence: &RegionCode) -> RegionCode {
    if residence.level() <= RegionLevel::Township {
        residence.clone()
    } else {
        residence.at_level(RegionLevel::Township)
    }
}

/// `349901101-2025-00012`: the office's 9 significant digits, the year, the
/// number in the year's book.
pub fn registration_number(office: &RegionCode, year: i32, seq: i64) -> String {
    let digits: String = office.as_str().chars().take(9).collect();
    format!("{digits}-{year}-{seq:05}")
}

macro_rules! codes {
    ($(#[$m:meta])* $name:ident { $($v:ident = $code:literal, $zh:literal, $en:literal;)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($v),* }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),*];
            pub fn code(self) -> &'static str { match self { $($name::$v => $code),* } }
            pub fn name_zh(self) -> &'static str { match self { $($name::$v => $zh),* } }
            pub fn name_en(self) -> &'static str { match self { $($name::$v => $en),* } }
            pub fn parse(s: &str) -> Option<$name> {
                let s = s.trim();
                $name::ALL.iter().copied().find(|v| v.code() == s || v.name_zh() == s)
            }
        }
    };
}

codes! {
    /// Who registers: a couple, or a parent on their own.
    Applicant {
        Couple = "couple", "夫妻", "couple";
        SingleMother = "single_mother", "单亲（母亲）", "single mother";
        SingleFather = "single_father", "单亲（父亲）", "single father";
    }
}

codes! {
    /// The marriage as the family declares it (not checked against anything).
    Marriage {
        Married = "married", "已婚", "married";
        Unmarried = "unmarried", "未婚", "unmarried";
        Divorced = "divorced", "离婚", "divorced";
        Widowed = "widowed", "丧偶", "widowed";
        NotStated = "not_stated", "未说明", "not stated";
    }
}

codes! {
    /// A certificate's state now (a replacement keeps it valid and makes the
    /// documents printed before it void: see [`outcome`]).
    Status {
        Valid = "valid", "有效", "valid";
        Revoked = "revoked", "已注销", "revoked";
    }
}

codes! {
    /// What happened to a certificate.
    Action {
        Issued = "issued", "发证", "issued";
        Replaced = "replaced", "换发", "replaced";
        Revoked = "revoked", "注销", "revoked";
    }
}

codes! {
    /// What a public verification found.
    Outcome {
        Valid = "valid", "有效", "valid";
        Replaced = "replaced", "已换发（此件作废）", "replaced (this copy is void)";
        Revoked = "revoked", "已注销", "revoked";
        Forged = "forged", "无法验证", "cannot be verified";
    }
}

/// The text the tag of a printed document's code covers.
pub fn signed_payload(certificate_id: i64, version: i64) -> String {
    format!("renkou-certificate:{certificate_id}:{version}")
}

/// Length of the tag in hex digits (128 bits of HMAC-SHA-256).
pub const TAG_HEX: usize = 32;

/// Splits a code `"{id}-{version}-{tag}"` into its parts; `None` when it has not
/// that shape (checking the tag is the key's business).
pub fn parse_code(code: &str) -> Option<(i64, i64, &str)> {
    let mut parts = code.split('-');
    let id = parts.next()?.parse().ok()?;
    let version = parts.next()?.parse().ok()?;
    let tag = parts.next()?;
    if parts.next().is_some()
        || tag.len() != TAG_HEX
        || !tag
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    {
        return None;
    }
    Some((id, version, tag))
}

/// What a verification of a genuine code finds: the printed version against the
/// certificate's current status and version.
pub fn outcome(status: Status, current_version: i64, printed_version: i64) -> Outcome {
    match status {
        Status::Revoked => Outcome::Revoked,
        Status::Valid if printed_version != current_version => Outcome::Replaced,
        Status::Valid => Outcome::Valid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_offices() {
        let v = RegionCode::parse("349901101201").unwrap();
        let office = office_of(&v);
        assert_eq!(office.as_str(), "349901101000");
        assert_eq!(office_of(&office), office);
        assert_eq!(
            registration_number(&office, 2025, 12),
            "349901101-2025-00012"
        );
        assert_eq!(
            registration_number(&office, 2025, 123456),
            "349901101-2025-123456"
        );
    }

    #[test]
    fn codes_parse_only_their_shape() {
        let tag = "0123456789abcdef0123456789abcdef";
        assert_eq!(parse_code(&format!("7-2-{tag}")), Some((7, 2, tag)));
        assert_eq!(parse_code(&format!("7-2-{tag}-x")), None);
        assert_eq!(parse_code(&format!("7-2-{}", &tag[1..])), None);
        assert_eq!(parse_code(&format!("7-x-{tag}")), None);
        assert_eq!(parse_code(&format!("7-2-{}", tag.to_uppercase())), None);
        assert_eq!(parse_code(""), None);
    }

    #[test]
    fn outcomes() {
        assert_eq!(outcome(Status::Valid, 1, 1), Outcome::Valid);
        assert_eq!(outcome(Status::Valid, 2, 1), Outcome::Replaced);
        assert_eq!(outcome(Status::Revoked, 2, 2), Outcome::Revoked);
        assert_eq!(Marriage::parse("已婚"), Some(Marriage::Married));
        assert_eq!(Applicant::parse("couple"), Some(Applicant::Couple));
    }
}
