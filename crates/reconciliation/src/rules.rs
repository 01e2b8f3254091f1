//! 核对 (reconciliation) rules, with no I/O: the classes a register birth or a source
//! record falls into when a source is reconciled against the register, which fields
//! count as disagreeing (错报), what a reviewer can decide, and how the reviewed
//! items are counted for the accuracy rate and the dual-system estimate.
//!
//! Classes (one per register birth and per source record):
//! - `agree` — matched, and sex, birth date and birth order agree;
//! - `disagree` — matched, and one of those three differs (错报);
//! - `source_only` — the source has it, the register does not (likely 漏报);
//! - `register_only` — the register has it, the source does not (to verify);
//! - `duplicate` — a second record of a birth the same source already reports (重报);
//! - `uncertain` — a pair the model puts between its thresholds: a reviewer decides;
//! - `possible_duplicate` — a source record that may repeat another of the same
//!   source (the dedupe pair is only at review level): a reviewer decides.

use renkou_domain::codes::Sex;
use renkou_domain::date::Date;
use renkou_domain::id_number::IdNumber;
use renkou_domain::person::Field;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemClass {
    Agree,
    Disagree,
    SourceOnly,
    RegisterOnly,
    Duplicate,
    Uncertain,
    /// A source record that may repeat another of the same source: the pair sits
    /// between the dedupe model's thresholds, or was not corroborated. Counted as a
    /// birth of its own until a reviewer confirms it is a repeat.
    PossibleDuplicate,
}

impl ItemClass {
    pub const ALL: [ItemClass; 7] = [
        ItemClass::Agree,
        ItemClass::Disagree,
        ItemClass::SourceOnly,
        ItemClass::RegisterOnly,
        ItemClass::Duplicate,
        ItemClass::Uncertain,
        ItemClass::PossibleDuplicate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemClass::Agree => "agree",
            ItemClass::Disagree => "disagree",
            ItemClass::SourceOnly => "source_only",
            ItemClass::RegisterOnly => "register_only",
            ItemClass::Duplicate => "duplicate",
            ItemClass::Uncertain => "uncertain",
            ItemClass::PossibleDuplicate => "possible_duplicate",
        }
    }

    pub fn parse(s: &str) -> Option<ItemClass> {
        ItemClass::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            ItemClass::Agree => "一致",
            ItemClass::Disagree => "不一致（错报）",
            ItemClass::SourceOnly => "仅来源有（疑似漏报）",
            ItemClass::RegisterOnly => "仅登记有（待核实）",
            ItemClass::Duplicate => "来源内重复（重报）",
            ItemClass::Uncertain => "不确定，待复核",
            ItemClass::PossibleDuplicate => "疑似来源内重复，待复核",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            ItemClass::Agree => "matched, agreeing",
            ItemClass::Disagree => "matched, disagreeing (misreported)",
            ItemClass::SourceOnly => "in the source only (likely missed)",
            ItemClass::RegisterOnly => "in the register only (to verify)",
            ItemClass::Duplicate => "duplicated in the source",
            ItemClass::Uncertain => "uncertain pair, to review",
            ItemClass::PossibleDuplicate => "possibly duplicated in the source, to review",
        }
    }

    /// Classes that go to the review queue by default (agreeing pairs need no one).
    pub fn needs_review(self) -> bool {
        self != ItemClass::Agree
    }
}

/// What kind of source a births file comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// 出生医学证明: a hospital's birth certificate register.
    Hospital,
    /// 户籍: an extract of household registration.
    Hukou,
    /// 村台帐: a village's own ledger.
    Ledger,
    Other,
}

impl SourceKind {
    pub const ALL: [SourceKind; 4] = [
        SourceKind::Hospital,
        SourceKind::Hukou,
        SourceKind::Ledger,
        SourceKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Hospital => "hospital",
            SourceKind::Hukou => "hukou",
            SourceKind::Ledger => "ledger",
            SourceKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<SourceKind> {
        SourceKind::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            SourceKind::Hospital => "医院出生医学证明",
            SourceKind::Hukou => "户籍登记",
            SourceKind::Ledger => "村台帐",
            SourceKind::Other => "其他来源",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            SourceKind::Hospital => "hospital birth certificates",
            SourceKind::Hukou => "household registration",
            SourceKind::Ledger => "village ledger",
            SourceKind::Other => "other source",
        }
    }
}

/// Where an item stands in review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    Open,
    /// The class is right (an uncertain pair: it is one birth).
    Confirmed,
    /// The class is wrong (a pair: two different births; a source-only record: not a
    /// birth of this area and period; a duplicate: a distinct birth).
    Rejected,
    /// The register was corrected (a correction event was written).
    Fixed,
}

impl ReviewStatus {
    pub const ALL: [ReviewStatus; 4] = [
        ReviewStatus::Open,
        ReviewStatus::Confirmed,
        ReviewStatus::Rejected,
        ReviewStatus::Fixed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Open => "open",
            ReviewStatus::Confirmed => "confirmed",
            ReviewStatus::Rejected => "rejected",
            ReviewStatus::Fixed => "fixed",
        }
    }

    pub fn parse(s: &str) -> Option<ReviewStatus> {
        ReviewStatus::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            ReviewStatus::Open => "待处理",
            ReviewStatus::Confirmed => "已确认",
            ReviewStatus::Rejected => "已否决",
            ReviewStatus::Fixed => "已更正",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            ReviewStatus::Open => "open",
            ReviewStatus::Confirmed => "confirmed",
            ReviewStatus::Rejected => "rejected",
            ReviewStatus::Fixed => "fixed",
        }
    }
}

/// A field compared between a source record and the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiffField {
    Sex,
    BirthDate,
    BirthOrder,
    Name,
    MotherId,
}

impl DiffField {
    pub const ALL: [DiffField; 5] = [
        DiffField::Sex,
        DiffField::BirthDate,
        DiffField::BirthOrder,
        DiffField::Name,
        DiffField::MotherId,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DiffField::Sex => "sex",
            DiffField::BirthDate => "birth_date",
            DiffField::BirthOrder => "birth_order",
            DiffField::Name => "name",
            DiffField::MotherId => "mother_id_number",
        }
    }

    pub fn parse(s: &str) -> Option<DiffField> {
        DiffField::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            DiffField::Sex => "性别",
            DiffField::BirthDate => "出生日期",
            DiffField::BirthOrder => "孩次",
            DiffField::Name => "婴儿姓名",
            DiffField::MotherId => "母亲身份号码",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            DiffField::Sex => "sex",
            DiffField::BirthDate => "birth date",
            DiffField::BirthOrder => "birth order",
            DiffField::Name => "child's name",
            DiffField::MotherId => "mother's ID number",
        }
    }

    /// The facts the birth statistics count (性别, 出生日期, 孩次): a difference in one
    /// of them is a 错报. A different name or mother's number is shown to the
    /// reviewer but does not by itself make a misreport: a child often has only a
    /// milk name at first, and the mother is identified by the match itself.
    pub fn is_statistical(self) -> bool {
        matches!(
            self,
            DiffField::Sex | DiffField::BirthDate | DiffField::BirthOrder
        )
    }

    /// The person field a fix of this difference corrects, when it is one of the
    /// child's own fields. Birth order is derived from the mother's children and is
    /// never typed in (fix the birth date or the mother link instead); the mother's
    /// number is a field of the mother, corrected on her page.
    pub fn person_field(self) -> Option<Field> {
        match self {
            DiffField::Sex => Some(Field::Sex),
            DiffField::BirthDate => Some(Field::BirthDate),
            DiffField::Name => Some(Field::Name),
            DiffField::BirthOrder | DiffField::MotherId => None,
        }
    }
}

/// The facts of one birth compared in reconciliation, as one side holds them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BirthFacts {
    pub name: Option<String>,
    pub sex: Option<Sex>,
    pub birth_date: Option<Date>,
    pub birth_order: Option<u32>,
    /// As written; compared in canonical form when it parses.
    pub mother_id_number: Option<String>,
}

fn canonical_id(s: &str) -> String {
    let t: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    IdNumber::parse(&t)
        .map(|i| i.to_string())
        .unwrap_or_else(|_| t.to_ascii_uppercase())
}

/// The fields on which the two sides disagree. A field missing (or sex unknown) on
/// either side is no disagreement: there is nothing to compare.
pub fn differing(source: &BirthFacts, register: &BirthFacts) -> Vec<DiffField> {
    let mut out = Vec::new();
    let known = |s: Option<Sex>| s.filter(|s| *s != Sex::Unknown);
    if let (Some(a), Some(b)) = (known(source.sex), known(register.sex)) {
        if a != b {
            out.push(DiffField::Sex);
        }
    }
    if let (Some(a), Some(b)) = (source.birth_date, register.birth_date) {
        if a != b {
            out.push(DiffField::BirthDate);
        }
    }
    if let (Some(a), Some(b)) = (source.birth_order, register.birth_order) {
        if a != b {
            out.push(DiffField::BirthOrder);
        }
    }
    let text = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
    };
    if let (Some(a), Some(b)) = (text(&source.name), text(&register.name)) {
        if a != b {
            out.push(DiffField::Name);
        }
    }
    if let (Some(a), Some(b)) = (
        text(&source.mother_id_number),
        text(&register.mother_id_number),
    ) {
        if canonical_id(&a) != canonical_id(&b) {
            out.push(DiffField::MotherId);
        }
    }
    out
}

/// The class of a linked pair: `accepted` = the model accepted it (at or above the
/// accept threshold, or the sole candidate on both sides); otherwise a reviewer
/// decides. An accepted pair agrees unless a statistical fact differs.
pub fn classify_pair(accepted: bool, diffs: &[DiffField]) -> ItemClass {
    if !accepted {
        ItemClass::Uncertain
    } else if diffs.iter().any(|d| d.is_statistical()) {
        ItemClass::Disagree
    } else {
        ItemClass::Agree
    }
}

/// What a reviewer can decide. Which decisions an item allows: see
/// [`decision_allowed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Confirm,
    Reject,
    Fix,
}

impl Decision {
    pub fn parse(s: &str) -> Option<Decision> {
        match s {
            "confirm" => Some(Decision::Confirm),
            "reject" => Some(Decision::Reject),
            "fix" => Some(Decision::Fix),
            _ => None,
        }
    }

    pub fn status(self) -> ReviewStatus {
        match self {
            Decision::Confirm => ReviewStatus::Confirmed,
            Decision::Reject => ReviewStatus::Rejected,
            Decision::Fix => ReviewStatus::Fixed,
        }
    }
}

/// A fix corrects the register person, so it needs one (a pair, not a record on one
/// side only); confirm and reject apply to every class.
pub fn decision_allowed(class: ItemClass, decision: Decision) -> bool {
    match decision {
        Decision::Confirm | Decision::Reject => true,
        Decision::Fix => matches!(
            class,
            ItemClass::Agree | ItemClass::Disagree | ItemClass::Uncertain
        ),
    }
}

/// One item as the counts see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TallyItem {
    pub class: ItemClass,
    pub status: ReviewStatus,
    /// A statistical fact (sex, birth date, birth order) differed at reconciliation.
    pub statistical_diff: bool,
}

/// The counts behind the accuracy rate and the dual-system estimate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// n1: register births of the area and period.
    pub register: u64,
    /// n2: distinct source births (duplicates not counted twice).
    pub source: u64,
    /// m: births found in both.
    pub matched: u64,
    /// Matched births on which the register held sex, birth date and birth order as
    /// the source did, when reconciled.
    pub agreeing: u64,
    /// Uncertain pairs still open: counted on both sides but not as matched, so the
    /// figures are provisional until they are decided.
    pub pending: u64,
}

impl Tally {
    /// Counts items by these rules (review decisions change the counts):
    /// - a pair (agree, disagree, or an uncertain pair confirmed or fixed) is one
    ///   register birth, one source birth and one match; it agrees when no
    ///   statistical fact differed at reconciliation (a later fix does not make the
    ///   register have been right);
    /// - a pair rejected, or an uncertain pair still open, is one register birth and
    ///   one source birth, not matched;
    /// - `source_only` is one source birth, unless rejected (not a birth of this area
    ///   and period, e.g. a record of another county);
    /// - `register_only` is always one register birth;
    /// - `duplicate` counts nothing (the birth is counted once, in its first record),
    ///   unless rejected: then it is a distinct, unmatched source birth;
    /// - `possible_duplicate` is one source birth (and pending) while open, one
    ///   source birth when rejected (not a repeat), nothing once confirmed.
    pub fn add(&mut self, it: TallyItem) {
        use ItemClass::*;
        use ReviewStatus::*;
        match (it.class, it.status) {
            (Agree | Disagree, Rejected) | (Uncertain, Rejected) => {
                self.register += 1;
                self.source += 1;
            }
            (Uncertain, Open) => {
                self.register += 1;
                self.source += 1;
                self.pending += 1;
            }
            (Agree | Disagree | Uncertain, _) => {
                self.register += 1;
                self.source += 1;
                self.matched += 1;
                if !it.statistical_diff {
                    self.agreeing += 1;
                }
            }
            (SourceOnly, Rejected) => {}
            (SourceOnly, _) => self.source += 1,
            (RegisterOnly, _) => self.register += 1,
            (Duplicate, Rejected) => self.source += 1,
            (Duplicate, _) => {}
            // A possible repeat is a birth of its own until confirmed as a repeat.
            (PossibleDuplicate, Open) => {
                self.source += 1;
                self.pending += 1;
            }
            (PossibleDuplicate, Rejected) => self.source += 1,
            (PossibleDuplicate, _) => {}
        }
    }

    pub fn merge(&mut self, o: &Tally) {
        self.register += o.register;
        self.source += o.source;
        self.matched += o.matched;
        self.agreeing += o.agreeing;
        self.pending += o.pending;
    }

    /// 出生统计准确率: the share of the source's distinct births that the register
    /// holds with the same sex, birth date and birth order (`agreeing / source`);
    /// `None` without source births.
    pub fn accuracy(&self) -> Option<f64> {
        (self.source > 0).then(|| self.agreeing as f64 / self.source as f64)
    }

    /// The share of source births found in the register at all (`matched / source`):
    /// 1 − this is the 漏报 rate as the source sees it.
    pub fn coverage(&self) -> Option<f64> {
        (self.source > 0).then(|| self.matched as f64 / self.source as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, dd: u32) -> Date {
        Date::from_ymd_opt(y, m, dd).unwrap()
    }

    fn facts() -> BirthFacts {
        BirthFacts {
            name: Some("王小明".into()),
            sex: Some(Sex::Male),
            birth_date: Some(d(2024, 3, 1)),
            birth_order: Some(2),
            mother_id_number: Some("349901199001010023".into()),
        }
    }

    #[test]
    fn missing_is_no_disagreement() {
        let a = facts();
        let b = BirthFacts {
            name: None,
            sex: Some(Sex::Unknown),
            birth_date: None,
            birth_order: None,
            mother_id_number: Some(" ".into()),
        };
        assert!(differing(&a, &b).is_empty());
        assert!(differing(&a, &a).is_empty());
    }

    #[test]
    fn each_difference_is_named_and_classified() {
        let a = facts();
        let mut b = facts();
        b.sex = Some(Sex::Female);
        b.birth_order = Some(1);
        b.name = Some("王晓明".into());
        let diffs = differing(&a, &b);
        assert_eq!(
            diffs,
            vec![DiffField::Sex, DiffField::BirthOrder, DiffField::Name]
        );
        assert_eq!(classify_pair(true, &diffs), ItemClass::Disagree);
        assert_eq!(classify_pair(true, &[DiffField::Name]), ItemClass::Agree);
        assert_eq!(classify_pair(false, &[]), ItemClass::Uncertain);
    }

    #[test]
    fn counting_by_hand() {
        let it = |class, status, statistical_diff| TallyItem {
            class,
            status,
            statistical_diff,
        };
        use ItemClass::*;
        use ReviewStatus::*;
        let mut t = Tally::default();
        for i in [
            it(Agree, Open, false),          // R1 S1 m1 a1
            it(Agree, Open, false),          // R2 S2 m2 a2
            it(Disagree, Fixed, true),       // R3 S3 m3
            it(Uncertain, Confirmed, false), // R4 S4 m4 a3
            it(Uncertain, Open, false),      // R5 S5 pending
            it(Uncertain, Rejected, false),  // R6 S6
            it(SourceOnly, Open, false),     // S7
            it(SourceOnly, Rejected, false),
            it(RegisterOnly, Open, false), // R7
            it(Duplicate, Open, false),
            it(Duplicate, Rejected, false),         // S8
            it(PossibleDuplicate, Open, false),     // S9 pending
            it(PossibleDuplicate, Rejected, false), // S10
            it(PossibleDuplicate, Confirmed, false),
        ] {
            t.add(i);
        }
        assert_eq!(
            t,
            Tally {
                register: 7,
                source: 10,
                matched: 4,
                agreeing: 3,
                pending: 2
            }
        );
        assert_eq!(t.accuracy(), Some(3.0 / 10.0));
        assert_eq!(t.coverage(), Some(0.4));
        assert_eq!(Tally::default().accuracy(), None);
    }

    #[test]
    fn fixes_need_a_register_person() {
        assert!(decision_allowed(ItemClass::Disagree, Decision::Fix));
        assert!(!decision_allowed(ItemClass::SourceOnly, Decision::Fix));
        assert!(!decision_allowed(ItemClass::RegisterOnly, Decision::Fix));
        assert!(decision_allowed(ItemClass::Duplicate, Decision::Reject));
    }
}
