//! Comparison of two records field by field into discrete levels (the comparison
//! vector of Fellegi–Sunter), with comparators made for Chinese civil data.
//!
//! Every field yields a level index (0 = strongest agreement) or `None` when either
//! side is missing; missing is neither agreement nor disagreement and contributes no
//! weight. A whole vector packs into one `u64` ([`Pattern`], 4 bits per field, 15 =
//! missing) so that the EM step can run on distinct patterns with counts rather than
//! on millions of pairs.

use crate::names::{near_form, sounds_alike, NameFeat};
use crate::record::{Features, IdFeat, RegionFeat};
use renkou_domain::Date;
use serde::{Deserialize, Serialize};

/// The compared fields, in pattern order.
///
/// The parents' fields (mother's name, ID number and birth date; father's name and ID
/// number) are folded into one composite field, [`Field::Parents`]. Kept apart they
/// are five fields that agree or disagree together, and Fellegi–Sunter's
/// independence assumption then counts "same family" five times: a mother's two
/// children score as one birth, and EM learns "same family" instead of "same birth"
/// (measured: F1 0.985 with separate fields). The parts are still compared and shown
/// by [`mod@crate::explain`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Name,
    Sex,
    BirthDate,
    BirthOrder,
    IdNumber,
    Parents,
    Region,
}

pub const FIELDS: [Field; 7] = [
    Field::Name,
    Field::Sex,
    Field::BirthDate,
    Field::BirthOrder,
    Field::IdNumber,
    Field::Parents,
    Field::Region,
];

/// The parts of [`Field::Parents`], compared with the same comparators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParentPart {
    MotherName,
    MotherId,
    MotherBirthDate,
    FatherName,
    FatherId,
}

pub const PARENT_PARTS: [ParentPart; 5] = [
    ParentPart::MotherName,
    ParentPart::MotherId,
    ParentPart::MotherBirthDate,
    ParentPart::FatherName,
    ParentPart::FatherId,
];

impl ParentPart {
    pub fn kind(self) -> FieldKind {
        match self {
            ParentPart::MotherName | ParentPart::FatherName => FieldKind::Name,
            ParentPart::MotherId | ParentPart::FatherId => FieldKind::Id,
            ParentPart::MotherBirthDate => FieldKind::Date,
        }
    }
    pub fn name_zh(self) -> &'static str {
        match self {
            ParentPart::MotherName => "母亲姓名",
            ParentPart::MotherId => "母亲身份号码",
            ParentPart::MotherBirthDate => "母亲出生日期",
            ParentPart::FatherName => "父亲姓名",
            ParentPart::FatherId => "父亲身份号码",
        }
    }
    pub fn name_en(self) -> &'static str {
        match self {
            ParentPart::MotherName => "mother_name",
            ParentPart::MotherId => "mother_id_number",
            ParentPart::MotherBirthDate => "mother_birth_date",
            ParentPart::FatherName => "father_name",
            ParentPart::FatherId => "father_id_number",
        }
    }
    pub fn levels(self) -> &'static [(&'static str, &'static str)] {
        kind_levels(self.kind())
    }
    /// The level of this part for two records.
    pub fn compare(self, a: &Features, b: &Features) -> Option<u8> {
        match self {
            ParentPart::MotherName => compare_names(&a.mother_name, &b.mother_name),
            ParentPart::MotherId => compare_ids(&a.mother_id, &b.mother_id),
            ParentPart::MotherBirthDate => compare_dates(a.mother_birth_date, b.mother_birth_date),
            ParentPart::FatherName => compare_names(&a.father_name, &b.father_name),
            ParentPart::FatherId => compare_ids(&a.father_id, &b.father_id),
        }
    }
}

pub const N_FIELDS: usize = FIELDS.len();
/// The level code for "missing on either side".
pub const MISSING: u8 = 15;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Name,
    Sex,
    Date,
    Order,
    Id,
    Parents,
    Region,
}

const NAME_LEVELS: &[(&str, &str)] = &[
    ("完全相同", "exact"),
    ("同音或形近", "homophone or near-form"),
    (
        "名字相近（少字、颠倒或一字不同）",
        "given-name variant (dropped, swapped or one character)",
    ),
    ("仅姓相同", "surname only"),
    ("不同", "different"),
];
const SEX_LEVELS: &[(&str, &str)] = &[("相同", "same"), ("不同", "different")];
const DATE_LEVELS: &[(&str, &str)] = &[
    ("完全相同", "exact"),
    ("相差一天", "one day apart"),
    ("月日颠倒", "month and day swapped"),
    ("不同", "different"),
];
const ORDER_LEVELS: &[(&str, &str)] = &[
    ("相同", "same"),
    ("相差一", "off by one"),
    ("不同", "different"),
];
const ID_LEVELS: &[(&str, &str)] = &[
    ("相同（含15位升级）", "same (legacy 15-digit upgraded)"),
    (
        "一位错或相邻两位颠倒",
        "one wrong character or two adjacent swapped",
    ),
    ("号码内出生日期相同", "same embedded birth date only"),
    ("不同", "different"),
];
const PARENTS_LEVELS: &[(&str, &str)] = &[
    ("父母均相符", "mother and father agree"),
    ("母亲相符", "mother agrees"),
    (
        "部分相符（仅一项证据）",
        "partly agrees (one piece of evidence)",
    ),
    ("有冲突", "conflicting"),
    ("不同", "different"),
];
const REGION_LEVELS: &[(&str, &str)] = &[
    ("同村", "same village"),
    (
        "一方仅记到乡镇（相容）",
        "one side recorded only to its township (consistent)",
    ),
    ("同乡镇不同村", "same township, other village"),
    ("同县", "same county"),
    ("不同", "different"),
];

impl Field {
    pub fn index(self) -> usize {
        self as usize
    }
    pub fn kind(self) -> FieldKind {
        match self {
            Field::Name => FieldKind::Name,
            Field::Sex => FieldKind::Sex,
            Field::BirthDate => FieldKind::Date,
            Field::BirthOrder => FieldKind::Order,
            Field::IdNumber => FieldKind::Id,
            Field::Parents => FieldKind::Parents,
            Field::Region => FieldKind::Region,
        }
    }
    pub fn name_zh(self) -> &'static str {
        match self {
            Field::Name => "姓名",
            Field::Sex => "性别",
            Field::BirthDate => "出生日期",
            Field::BirthOrder => "孩次",
            Field::IdNumber => "身份号码",
            Field::Parents => "父母",
            Field::Region => "区划代码",
        }
    }
    pub fn name_en(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Sex => "sex",
            Field::BirthDate => "birth_date",
            Field::BirthOrder => "birth_order",
            Field::IdNumber => "id_number",
            Field::Parents => "parents",
            Field::Region => "region_code",
        }
    }
    /// (Chinese, English) labels of the levels, strongest agreement first.
    pub fn levels(self) -> &'static [(&'static str, &'static str)] {
        kind_levels(self.kind())
    }
    pub fn n_levels(self) -> usize {
        self.levels().len()
    }
}

fn kind_levels(k: FieldKind) -> &'static [(&'static str, &'static str)] {
    match k {
        FieldKind::Name => NAME_LEVELS,
        FieldKind::Sex => SEX_LEVELS,
        FieldKind::Date => DATE_LEVELS,
        FieldKind::Order => ORDER_LEVELS,
        FieldKind::Id => ID_LEVELS,
        FieldKind::Parents => PARENTS_LEVELS,
        FieldKind::Region => REGION_LEVELS,
    }
}

/// A comparison vector: 4 bits per field in [`FIELDS`] order, [`MISSING`] = 15.
pub type Pattern = u64;

pub fn level_of(p: Pattern, f: usize) -> u8 {
    ((p >> (4 * f)) & 0xF) as u8
}

/// Compares two records on every field.
pub fn compare(a: &Features, b: &Features) -> Pattern {
    let levels = [
        compare_names(&a.name, &b.name),
        compare_sex(a, b),
        compare_dates(a.birth_date, b.birth_date),
        compare_order(a.birth_order, b.birth_order),
        compare_ids(&a.id, &b.id),
        compare_parents(a, b),
        compare_regions(a.region, b.region),
    ];
    let mut p: Pattern = 0;
    for (i, l) in levels.iter().enumerate() {
        p |= (l.unwrap_or(MISSING) as u64) << (4 * i);
    }
    p
}

/// What one parent's fields say about two records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ParentEvidence {
    /// At least two parts agree and none disagrees.
    Strong,
    /// One part agrees and none disagrees.
    Likely,
    /// Parts agree and disagree.
    Weak,
    /// Parts disagree and none agrees.
    Different,
}

fn parent_evidence(parts: &[(Option<u8>, FieldKind)]) -> Option<ParentEvidence> {
    let (mut agree, mut differ) = (0, 0);
    for &(l, kind) in parts {
        let Some(l) = l else { continue };
        let agrees = match kind {
            // Exact, homophone/near-form, given-name variant; "surname only" is
            // another woman.
            FieldKind::Name => l <= 2,
            // Same, one typo; "same embedded date" is another person.
            FieldKind::Id => l <= 1,
            FieldKind::Date => l <= 2,
            _ => l == 0,
        };
        if agrees {
            agree += 1;
        } else {
            differ += 1;
        }
    }
    match (agree, differ) {
        (0, 0) => None,
        (a, 0) if a >= 2 => Some(ParentEvidence::Strong),
        (_, 0) => Some(ParentEvidence::Likely),
        (0, _) => Some(ParentEvidence::Different),
        _ => Some(ParentEvidence::Weak),
    }
}

/// The composite parents' level: 0 mother and father agree, 1 mother agrees, 2 partly
/// (one piece of evidence), 3 conflicting, 4 different; missing when neither record
/// names a parent the other also names.
pub fn compare_parents(a: &Features, b: &Features) -> Option<u8> {
    use ParentEvidence::*;
    let mother = parent_evidence(&[
        (
            compare_names(&a.mother_name, &b.mother_name),
            FieldKind::Name,
        ),
        (compare_ids(&a.mother_id, &b.mother_id), FieldKind::Id),
        (
            compare_dates(a.mother_birth_date, b.mother_birth_date),
            FieldKind::Date,
        ),
    ]);
    let father = parent_evidence(&[
        (
            compare_names(&a.father_name, &b.father_name),
            FieldKind::Name,
        ),
        (compare_ids(&a.father_id, &b.father_id), FieldKind::Id),
    ]);
    Some(match (mother, father) {
        (None, None) => return None,
        (Some(Different), _) | (None, Some(Different)) => 4,
        (Some(Weak), _) | (None, Some(Weak)) => 3,
        (Some(Strong | Likely), Some(Different)) => 3,
        (Some(Strong), Some(Strong | Likely)) => 0,
        (Some(Strong), None | Some(Weak)) | (None, Some(Strong)) => 1,
        (Some(Likely), _) | (None, Some(Likely)) => 2,
    })
}

fn compare_sex(a: &Features, b: &Features) -> Option<u8> {
    Some(if a.sex? == b.sex? { 0 } else { 1 })
}

fn alike(a: &NameFeat, i: usize, b: &NameFeat, j: usize) -> bool {
    a.chars[i] == b.chars[j]
        || sounds_alike(&a.sounds[i], &b.sounds[j])
        || near_form(a.chars[i], b.chars[j])
}

/// Names: 0 exact, 1 homophone / near-form, 2 given-name variant, 3 surname only,
/// 4 different. A milk name on either side (unless identical) counts as missing.
pub fn compare_names(a: &NameFeat, b: &NameFeat) -> Option<u8> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    if a.chars == b.chars {
        return Some(0);
    }
    if a.milk || b.milk {
        return None;
    }
    let (la, lb) = (a.chars.len(), b.chars.len());
    if la == lb && (0..la).all(|i| alike(a, i, b, i)) {
        return Some(1);
    }
    let (sa, sb) = (a.surname_len as usize, b.surname_len as usize);
    let surname_agrees = sa == sb && sa > 0 && (0..sa).all(|i| alike(a, i, b, i));
    if !surname_agrees {
        return Some(4);
    }
    if given_variant(a, b, sa) {
        Some(2)
    } else {
        Some(3)
    }
}

/// Given names (after the surname of length `s`) that differ by one character, by one
/// dropped character, or by two swapped characters.
fn given_variant(a: &NameFeat, b: &NameFeat, s: usize) -> bool {
    let (ga, gb) = (a.chars.len() - s, b.chars.len() - s);
    if ga == gb {
        if ga < 2 {
            return false;
        }
        let diffs: Vec<usize> = (s..a.chars.len()).filter(|&i| !alike(a, i, b, i)).collect();
        match diffs.as_slice() {
            [_] => true,
            [i, j] if *j == i + 1 => alike(a, *i, b, *j) && alike(a, *j, b, *i),
            _ => false,
        }
    } else if ga.abs_diff(gb) == 1 && ga.min(gb) >= 1 {
        // The shorter given name is the longer one with one character left out.
        let (long, short) = if ga > gb { (a, b) } else { (b, a) };
        let mut j = s;
        let mut skipped = false;
        for i in s..long.chars.len() {
            if j < short.chars.len() && alike(long, i, short, j) {
                j += 1;
            } else if skipped {
                return false;
            } else {
                skipped = true;
            }
        }
        j == short.chars.len()
    } else {
        false
    }
}

/// Dates: 0 exact, 1 one day apart, 2 month and day swapped, 3 different.
pub fn compare_dates(a: Option<Date>, b: Option<Date>) -> Option<u8> {
    use chrono::Datelike;
    let (a, b) = (a?, b?);
    if a == b {
        return Some(0);
    }
    if (a - b).num_days().abs() == 1 {
        return Some(1);
    }
    if a.year() == b.year() && a.month() == b.day() && a.day() == b.month() {
        return Some(2);
    }
    Some(3)
}

/// Birth order as reported: 0 same, 1 off by one, 2 different.
pub fn compare_order(a: Option<u32>, b: Option<u32>) -> Option<u8> {
    Some(match a?.abs_diff(b?) {
        0 => 0,
        1 => 1,
        _ => 2,
    })
}

/// GB 11643 numbers: 0 same (after the legacy upgrade), 1 one wrong character or two
/// adjacent characters swapped (ignoring the check character, which a typo in a legacy
/// number recomputes), 2 only the embedded birth date agrees, 3 different.
pub fn compare_ids(a: &IdFeat, b: &IdFeat) -> Option<u8> {
    match (a, b) {
        (IdFeat::Missing, _) | (_, IdFeat::Missing) => None,
        (IdFeat::Shaped { digits: x, .. }, IdFeat::Shaped { digits: y, .. }) => {
            if x == y {
                return Some(0);
            }
            let mut diffs = [0usize; 3];
            let mut n = 0;
            for i in 0..17 {
                if x[i] != y[i] {
                    if n < 3 {
                        diffs[n] = i;
                    }
                    n += 1;
                }
            }
            let one_typo = match n {
                0 | 1 => true, // only the check character, or one body digit
                2 => {
                    diffs[1] == diffs[0] + 1
                        && x[diffs[0]] == y[diffs[1]]
                        && x[diffs[1]] == y[diffs[0]]
                }
                _ => false,
            };
            // A slip in the embedded date that makes it impossible (month 13, day
            // 00) changes up to two date digits, and a system that recomputes the
            // check character changes that too: still one slip.
            let date_slip = n <= 2
                && diffs[..n.min(3)].iter().all(|&i| (10..14).contains(&i))
                && (a.birth_date().is_none() || b.birth_date().is_none());
            if one_typo || date_slip {
                Some(1)
            } else if x[6..14] == y[6..14] {
                Some(2)
            } else {
                Some(3)
            }
        }
        (IdFeat::Loose { digits: x, len: lx }, IdFeat::Loose { digits: y, len: ly }) => {
            Some(if x[..*lx as usize] == y[..*ly as usize] {
                0
            } else {
                3
            })
        }
        (IdFeat::Shaped { digits, .. }, IdFeat::Loose { digits: l, len })
        | (IdFeat::Loose { digits: l, len }, IdFeat::Shaped { digits, .. }) => {
            let loose = &l[..*len as usize];
            Some(if one_indel(digits, loose) { 1 } else { 3 })
        }
        (IdFeat::Other { hash: x }, IdFeat::Other { hash: y }) if x == y => Some(0),
        _ => Some(3),
    }
}

/// Whether `b` is `a` with one character left out or one typed in.
fn one_indel(a: &[u8], b: &[u8]) -> bool {
    let (long, short) = if a.len() > b.len() { (a, b) } else { (b, a) };
    if long.len() != short.len() + 1 {
        return false;
    }
    let skip = long.iter().zip(short).take_while(|(x, y)| x == y).count();
    long[skip + 1..] == short[skip..]
}

/// Region codes by shared prefix: 0 same village, 1 one side only to the township that
/// contains the other, 2 same township, 3 same county, 4 different.
pub fn compare_regions(a: Option<RegionFeat>, b: Option<RegionFeat>) -> Option<u8> {
    let (a, b) = (a?, b?);
    let common = a
        .digits
        .iter()
        .zip(&b.digits)
        .take_while(|(x, y)| x == y)
        .count();
    let min_sig = a.significant.min(b.significant) as usize;
    if a.digits == b.digits && min_sig >= 12 {
        return Some(0);
    }
    if common >= 9 && min_sig >= 9 {
        // Both agree on the township; either one side stops there or they differ in
        // the village.
        return Some(if min_sig < 12 { 1 } else { 2 });
    }
    if common >= 6 && min_sig >= 6 {
        return Some(3);
    }
    Some(4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> NameFeat {
        NameFeat::new(s)
    }
    fn d(y: i32, m: u32, dd: u32) -> Option<Date> {
        Date::from_ymd_opt(y, m, dd)
    }

    #[test]
    fn homophone_names() {
        assert_eq!(compare_names(&n("张伟"), &n("张伟")), Some(0));
        assert_eq!(compare_names(&n("张伟"), &n("章伟")), Some(1));
        assert_eq!(compare_names(&n("李丽"), &n("李莉")), Some(1));
        assert_eq!(compare_names(&n("王芳"), &n("玉芳")), Some(1)); // near-form 王/玉
        assert_eq!(compare_names(&n("张伟"), &n("王强")), Some(4));
    }

    #[test]
    fn given_name_variants() {
        assert_eq!(compare_names(&n("张小明"), &n("张明")), Some(2)); // dropped
        assert_eq!(compare_names(&n("张明华"), &n("张华明")), Some(2)); // swapped
        assert_eq!(compare_names(&n("张子涵"), &n("张子轩")), Some(2)); // one differs
        assert_eq!(compare_names(&n("张伟"), &n("张强")), Some(3)); // surname only
    }

    #[test]
    fn compound_surnames() {
        assert_eq!(compare_names(&n("欧阳娜娜"), &n("欧阳娜")), Some(2));
        assert_eq!(compare_names(&n("司马光"), &n("司马广")), Some(1)); // guang homophone
                                                                        // 欧阳娜 is (欧阳, 娜); 欧娜阳 is (欧, 娜阳): not a swap of given characters.
        assert_eq!(compare_names(&n("欧阳娜"), &n("欧娜阳")), Some(4));
        assert_eq!(compare_names(&n("司马明"), &n("司马强")), Some(3));
        assert_eq!(compare_names(&n("司马明"), &n("马明")), Some(4));
    }

    #[test]
    fn missing_and_milk_names_are_neutral() {
        assert_eq!(compare_names(&n(""), &n("张伟")), None);
        assert_eq!(compare_names(&n("乐乐"), &n("张伟")), None);
        assert_eq!(compare_names(&n("乐乐"), &n("乐乐")), Some(0));
    }

    #[test]
    fn id_numbers_know_their_structure() {
        let good = IdFeat::new("34990119491231007X");
        // legacy 15-digit form of the same number
        assert_eq!(compare_ids(&good, &IdFeat::new("349901491231007")), Some(0));
        // one wrong digit
        assert_eq!(
            compare_ids(&good, &IdFeat::new("34990119491231017X")),
            Some(1)
        );
        // two adjacent digits swapped
        assert_eq!(
            compare_ids(&good, &IdFeat::new("34909119491231007X")),
            Some(1)
        );
        // a typo inside a legacy number: its recomputed check differs too
        assert_eq!(compare_ids(&good, &IdFeat::new("349901491231008")), Some(1));
        // an impossible embedded date (month 13) with its check recomputed
        assert_eq!(
            compare_ids(
                &IdFeat::new("349901199001150021"),
                &IdFeat::new("349901199013150024")
            ),
            Some(1)
        );
        // same embedded birth date, other person
        assert_eq!(
            compare_ids(&good, &IdFeat::new("34990219491231056X")),
            Some(2)
        );
        assert_eq!(
            compare_ids(&good, &IdFeat::new("349902198001010564")),
            Some(3)
        );
        assert_eq!(compare_ids(&good, &IdFeat::Missing), None);
    }

    #[test]
    fn dates_with_tolerance() {
        assert_eq!(compare_dates(d(2024, 3, 5), d(2024, 3, 5)), Some(0));
        assert_eq!(compare_dates(d(2024, 3, 5), d(2024, 3, 4)), Some(1));
        assert_eq!(compare_dates(d(2024, 3, 1), d(2024, 2, 29)), Some(1));
        assert_eq!(compare_dates(d(2024, 3, 5), d(2024, 5, 3)), Some(2));
        assert_eq!(compare_dates(d(2024, 3, 5), d(2024, 8, 5)), Some(3));
        assert_eq!(compare_dates(None, d(2024, 8, 5)), None);
    }

    #[test]
    fn birth_order_and_regions() {
        assert_eq!(compare_order(Some(2), Some(2)), Some(0));
        assert_eq!(compare_order(Some(2), Some(1)), Some(1));
        assert_eq!(compare_order(Some(3), Some(1)), Some(2));
        assert_eq!(compare_order(None, Some(1)), None);
        let r = |s| RegionFeat::new(s);
        assert_eq!(
            compare_regions(r("349901101201"), r("349901101201")),
            Some(0)
        );
        assert_eq!(
            compare_regions(r("349901101201"), r("349901101000")),
            Some(1)
        );
        assert_eq!(
            compare_regions(r("349901101201"), r("349901101202")),
            Some(2)
        );
        assert_eq!(
            compare_regions(r("349901101201"), r("349901102201")),
            Some(3)
        );
        assert_eq!(
            compare_regions(r("349901101201"), r("359901001001")),
            Some(4)
        );
        assert_eq!(compare_regions(None, r("359901001001")), None);
    }

    #[test]
    fn missing_fields_pack_as_missing() {
        let f = crate::record::Features::new(&Default::default());
        let p = compare(&f, &f);
        for i in 0..N_FIELDS {
            assert_eq!(level_of(p, i), MISSING);
        }
    }
}
