//! The records the linkage engine works on ([`LinkRecord`]) and their normalised
//! comparison features ([`Features`]), computed once per record and never per pair.
//!
//! One record type serves births.csv and persons.csv: a birth describes a child (its
//! name, sex, birth date) plus the mother and father; a person describes themself and
//! has no parents' fields. The child of a birth and the subject of a person therefore
//! share the `name`/`sex`/`birth_date` fields, and whatever a kind lacks stays empty,
//! which the comparison treats as missing (neither agreement nor disagreement).
//!
//! The fields hold the raw text of the source, trimmed. Sources are malformed in
//! exactly the ways linkage must survive (an ID number with a typo fails its check
//! digit but is still the best evidence there is), so nothing here is rejected for
//! failing to parse; the features record what could be understood.

use crate::names::NameFeat;
use renkou_domain::{parse_date, Date, IdNumber, Sex};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    /// A row of births.csv: one live birth as one source reports it.
    #[default]
    Birth,
    /// A row of persons.csv: one person in a registry or ledger.
    Person,
}

/// One input row. Empty string = missing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkRecord {
    pub kind: EntityKind,
    /// record_id (births) or person_id (persons).
    pub record_id: String,
    /// child_name (births) or name (persons).
    pub name: String,
    /// child_sex or sex, as written (1/2/0 or 男/女).
    pub sex: String,
    /// The child's or the person's birth date, as written.
    pub birth_date: String,
    /// The person's own ID number (persons; births leave it empty).
    pub id_number: String,
    pub birth_order: String,
    pub mother_name: String,
    pub mother_id_number: String,
    pub mother_birth_date: String,
    pub father_name: String,
    pub father_id_number: String,
    pub region_code: String,
    pub place: String,
    pub source: String,
}

/// An ID number as far as it could be understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdFeat {
    Missing,
    /// 18 characters of digits (last may be X) after upgrading a 15-digit legacy
    /// number. `valid` = the check character is right and the embedded date is real.
    Shaped {
        digits: [u8; 18],
        valid: bool,
    },
    /// Digits, one too few or one too many for the 18-character form (17 or 19
    /// characters, the last maybe X): a character left out or typed twice. Compared
    /// with a shaped number by that one character.
    Loose {
        digits: [u8; 19],
        len: u8,
    },
    /// Something else (wrong length, letters): only exact equality can be judged.
    Other {
        hash: u64,
    },
}

/// The characters of a number as a clerk meant them: full-width digits and X (an
/// input method's habit) become ASCII, and spaces, hyphens and the apostrophe Excel
/// puts before a number stored as text are dropped.
pub fn normalise_digits(raw: &str) -> String {
    raw.chars()
        .filter_map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32),
            'Ｘ' | 'ｘ' | 'x' => Some('X'),
            c if c.is_whitespace() || matches!(c, '-' | '\'' | '‘' | '’' | '—') => None,
            c => Some(c),
        })
        .collect()
}

impl IdFeat {
    pub fn new(raw: &str) -> Self {
        let t = normalise_digits(raw);
        if t.is_empty() {
            return IdFeat::Missing;
        }
        // The domain parser knows the legacy upgrade and the check digit; when it
        // accepts the number we take its canonical 18-character form.
        if let Ok(id) = IdNumber::parse(&t) {
            let mut digits = [0u8; 18];
            digits.copy_from_slice(id.as_str().as_bytes());
            return IdFeat::Shaped {
                digits,
                valid: true,
            };
        }
        let b = t.as_bytes();
        let is_body = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
        let ends_ok = |s: &[u8]| {
            s.split_last().is_some_and(|(last, body)| {
                is_body(body) && (last.is_ascii_digit() || *last == b'X')
            })
        };
        match b.len() {
            18 if ends_ok(b) => {
                let mut digits = [0u8; 18];
                digits.copy_from_slice(b);
                IdFeat::Shaped {
                    digits,
                    valid: false,
                }
            }
            15 if is_body(b) => {
                // A legacy number with an impossible date (a typo): upgrade it by hand
                // so it can still be compared digit by digit with the 18-digit form.
                let mut digits = [0u8; 18];
                digits[..6].copy_from_slice(&b[..6]);
                digits[6] = b'1';
                digits[7] = b'9';
                digits[8..17].copy_from_slice(&b[6..15]);
                digits[17] = renkou_domain::id_number::check_char(&digits[..17]);
                IdFeat::Shaped {
                    digits,
                    valid: false,
                }
            }
            17 | 19 if ends_ok(b) => {
                let mut digits = [0u8; 19];
                digits[..b.len()].copy_from_slice(b);
                IdFeat::Loose {
                    digits,
                    len: b.len() as u8,
                }
            }
            _ => IdFeat::Other {
                hash: hash64(t.as_bytes()),
            },
        }
    }

    /// The birth date written inside the number, when it is a real date.
    pub fn birth_date(&self) -> Option<Date> {
        match self {
            IdFeat::Shaped { digits, .. } => {
                let n = |r: std::ops::Range<usize>| {
                    digits[r]
                        .iter()
                        .fold(0u32, |n, c| n * 10 + (c - b'0') as u32)
                };
                let d = Date::from_ymd_opt(n(6..10) as i32, n(10..12), n(12..14))?;
                use chrono::Datelike;
                (d.year() >= 1880).then_some(d)
            }
            _ => None,
        }
    }

    /// A key for blocking: the canonical number (typos included).
    pub fn key(&self) -> Option<u64> {
        match self {
            IdFeat::Missing => None,
            IdFeat::Shaped { digits, .. } => Some(hash64(digits)),
            IdFeat::Loose { digits, len } => Some(hash64(&digits[..*len as usize])),
            IdFeat::Other { hash } => Some(*hash),
        }
    }
}

pub(crate) fn hash64(b: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &x in b {
        h ^= x as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// A region code reduced to its 12 digits and how many of them are significant
/// (6 county, 9 township, 12 village); a village group is cut to its village.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegionFeat {
    pub digits: [u8; 12],
    pub significant: u8,
}

impl RegionFeat {
    pub fn new(raw: &str) -> Option<Self> {
        let t = normalise_digits(raw);
        let t = t.as_bytes();
        if !matches!(t.len(), 6 | 9 | 12 | 15) || !t.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let mut digits = [b'0'; 12];
        let n = t.len().min(12);
        digits[..n].copy_from_slice(&t[..n]);
        let zero = |r: std::ops::Range<usize>| digits[r].iter().all(|&c| c == b'0');
        let significant = if !zero(9..12) {
            12
        } else if !zero(6..9) {
            9
        } else if !zero(4..6) {
            6
        } else if !zero(2..4) {
            4
        } else {
            2
        };
        Some(RegionFeat {
            digits,
            significant,
        })
    }

    /// The township prefix (9 digits) when the code is at least that precise.
    pub fn township_key(&self) -> Option<u64> {
        (self.significant >= 9).then(|| digits_to_u64(&self.digits[..9]))
    }
}

fn digits_to_u64(d: &[u8]) -> u64 {
    d.iter().fold(0u64, |n, c| n * 10 + (c - b'0') as u64)
}

/// Everything a comparison needs, parsed once.
#[derive(Debug, Clone)]
pub struct Features {
    pub name: NameFeat,
    pub sex: Option<Sex>,
    pub birth_date: Option<Date>,
    pub birth_order: Option<u32>,
    pub id: IdFeat,
    pub mother_name: NameFeat,
    pub mother_id: IdFeat,
    pub mother_birth_date: Option<Date>,
    pub father_name: NameFeat,
    pub father_id: IdFeat,
    pub region: Option<RegionFeat>,
}

fn opt_date(s: &str) -> Option<Date> {
    if s.trim().is_empty() {
        None
    } else {
        parse_date(s).ok()
    }
}

impl Features {
    pub fn new(r: &LinkRecord) -> Self {
        let id = IdFeat::new(&r.id_number);
        let mother_id = IdFeat::new(&r.mother_id_number);
        // A missing birth date is read from the ID number when that is well formed:
        // the number embeds it, and sources often fill one but not the other.
        let birth_date = opt_date(&r.birth_date).or_else(|| valid_date(&id));
        let mother_birth_date = opt_date(&r.mother_birth_date).or_else(|| valid_date(&mother_id));
        let sex = match Sex::parse(&r.sex) {
            Ok(Sex::Unknown) | Err(_) => None,
            Ok(s) => Some(s),
        };
        Features {
            name: NameFeat::new(&r.name),
            sex,
            birth_date,
            birth_order: r.birth_order.trim().parse().ok().filter(|&n: &u32| n > 0),
            id,
            mother_name: NameFeat::new(&r.mother_name),
            mother_id,
            mother_birth_date,
            father_name: NameFeat::new(&r.father_name),
            father_id: IdFeat::new(&r.father_id_number),
            region: RegionFeat::new(&r.region_code),
        }
    }
}

/// Only a number whose check digit holds is trusted for its embedded date.
fn valid_date(id: &IdFeat) -> Option<Date> {
    match id {
        IdFeat::Shaped { valid: true, .. } => id.birth_date(),
        _ => None,
    }
}

/// Features of all records, in parallel (the only per-record cost that matters).
pub fn prepare(records: &[LinkRecord]) -> Vec<Features> {
    use rayon::prelude::*;
    records.par_iter().map(Features::new).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_and_modern_numbers_get_one_canonical_form() {
        let a = IdFeat::new("349901491231007");
        let b = IdFeat::new("34990119491231007x");
        assert_eq!(a, b);
        assert!(matches!(a, IdFeat::Shaped { valid: true, .. }));
    }

    #[test]
    fn a_number_with_a_typo_is_kept_for_comparison() {
        let a = IdFeat::new("349901194912310071");
        assert!(matches!(a, IdFeat::Shaped { valid: false, .. }));
        assert!(matches!(IdFeat::new("12345"), IdFeat::Other { .. }));
        assert_eq!(IdFeat::new("  "), IdFeat::Missing);
    }

    #[test]
    fn region_levels() {
        assert_eq!(RegionFeat::new("349901101201").unwrap().significant, 12);
        assert_eq!(RegionFeat::new("349901101000").unwrap().significant, 9);
        assert_eq!(RegionFeat::new("349901101").unwrap().significant, 9);
        assert_eq!(RegionFeat::new("349901101201003").unwrap().significant, 12);
        assert!(RegionFeat::new("34990x").is_none());
    }

    #[test]
    fn birth_date_falls_back_to_the_id_number() {
        let r = LinkRecord {
            kind: EntityKind::Person,
            id_number: "34990119491231007X".into(),
            ..Default::default()
        };
        assert_eq!(
            Features::new(&r).birth_date,
            Date::from_ymd_opt(1949, 12, 31)
        );
    }
}
