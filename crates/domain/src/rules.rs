//! 登记规则: the rules every write to the register obeys, whichever way it comes in
//! (a form, the API, an imported file, a reconciliation fix). The store looks up
//! the facts a rule needs (the parents, the household, who else holds an ID number,
//! whether the writer's area holds them) and this module decides, without I/O.
//!
//! A finding either refuses the write or lands on the data-quality list. What is
//! refused can depend on how the fact arrived: a clerk typing into a form can be
//! asked to fix an ID number that contradicts the birth date at once, while a file
//! from another department is evidence, kept as it was written and flagged.

use crate::codes::Sex;
use crate::date::{completed_years, Date};
use crate::event::EventKind;
use crate::person::PersonRecord;
use crate::quality::{self, QualityIssue, QualityKind};
use thiserror::Error;

/// How a fact reached the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// Typed in a form or sent through the API by an account.
    Direct,
    /// Read from a file (a ledger, another department's extract).
    File,
}

/// What the store found for a person number the write refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// In the register and inside the writer's area.
    Here { sex: Sex, birth_date: Date },
    /// Not in the register, or outside the writer's area: the same answer, so a
    /// refusal tells nothing about other areas.
    Nowhere,
}

/// What the store found for the household a write puts a person in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum HouseholdFact {
    /// No household has this number yet.
    #[default]
    New,
    /// It exists in the writer's area, in this village.
    Here(String),
    /// It exists outside the writer's area.
    Elsewhere,
}

/// Who else holds the ID number a write gives a person (voided records hold
/// none: a record entered by mistake is voided so that it can be entered again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdHolder {
    /// A live person of the writer's area, by person number.
    Here(String),
    /// A live person outside the writer's area: not named, so that a refusal
    /// tells nothing about other areas beyond what the duplicate itself does.
    Elsewhere,
}

/// The looked-up facts for one write.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub region_known: bool,
    pub region_in_area: bool,
    pub household: HouseholdFact,
    pub mother: Option<Found>,
    pub father: Option<Found>,
    pub spouse: Option<Found>,
    /// Another live person of the register holding the same ID number.
    pub id_held_by: Option<IdHolder>,
    pub today: Date,
}

/// Why a write is refused. Messages name fields and numbers the writer typed,
/// never anyone's personal data.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Refusal {
    #[error("区划代码 {0} 不在区划表中 / region code {0} is not in the region tree")]
    UnknownRegion(String),
    #[error("区划 {0} 不在您的辖区内 / region {0} is outside your area")]
    RegionOutsideArea(String),
    #[error("户编号 {0} 不在您的辖区内 / household {0} is outside your area")]
    HouseholdOutsideArea(String),
    #[error("户编号 {0} 不存在（新户请用分户或迁入）/ household {0} does not exist (start a new household by splitting or moving in)")]
    NoSuchHousehold(String),
    #[error("户编号 {household} 属于另一个村（{region}）/ household {household} belongs to another village ({region})")]
    HouseholdInOtherVillage { household: String, region: String },
    #[error("{role_zh}编号 {no} 在您的辖区内找不到 / {role_en} {no} is not a person of your area")]
    NotFound {
        role_zh: &'static str,
        role_en: &'static str,
        no: String,
    },
    #[error("{role_zh}不能是本人 / a person cannot be their own {role_en}")]
    SelfReference {
        role_zh: &'static str,
        role_en: &'static str,
    },
    #[error("母亲必须为女性 / the mother must be a woman")]
    MotherNotFemale,
    #[error("父亲必须为男性 / the father must be a man")]
    FatherNotMale,
    #[error("{role_zh}的出生日期晚于孩子 / the {role_en} was born after the child")]
    ParentYounger {
        role_zh: &'static str,
        role_en: &'static str,
    },
    #[error(
        "公民身份号码已登记在另一人名下 / this ID number is already registered to another person"
    )]
    DuplicateIdNumber,
    #[error("公民身份号码已登记在人员 {holder} 名下，不能撤销注销（请先核实两条记录，必要时注销其一）/ the ID number is now registered to person {holder}, so the void cannot be revoked (check both records first and void one of them if need be)")]
    RevokeVoidIdHeld { holder: String },
    #[error("公民身份号码已登记在您辖区以外的另一人名下，不能撤销注销 / the ID number is now registered to another person outside your area, so the void cannot be revoked")]
    RevokeVoidIdHeldElsewhere,
    #[error("公民身份号码中的出生日期（{id}）与出生日期（{stated}）不一致 / the birth date in the ID number ({id}) differs from the birth date ({stated})")]
    IdBirthDate { id: Date, stated: Date },
    #[error("公民身份号码显示的性别与填写的性别不一致 / the ID number's sex differs from the stated sex")]
    IdSex,
    #[error("{zh}不能为空、过长或含控制字符 / the {en} may not be empty, too long or hold control characters")]
    BadText { zh: &'static str, en: &'static str },
    #[error("出生日期不能晚于今天 / the birth date is in the future")]
    BornInFuture,
    #[error("日期不能晚于今天 / the date is in the future")]
    DateInFuture,
}

/// Checks a write: `prev` is the person before it (None for a new person), `next`
/// after it. Returns the data-quality issues it raises, or why it is refused.
pub fn check_write(
    kind: &EventKind,
    prev: Option<&PersonRecord>,
    next: &PersonRecord,
    facts: &Facts,
    entry: Entry,
) -> Result<Vec<QualityIssue>, Refusal> {
    let changed = |f: fn(&PersonRecord) -> String| prev.is_none_or(|p| f(p) != f(next));
    // Free text as any form or file may set it: present where it must be, bounded.
    let bad = |s: &str, max: usize, required: bool| {
        (required && s.trim().is_empty())
            || s.chars().count() > max
            || s.chars().any(char::is_control)
    };
    let event_text: Vec<(&str, usize, bool, &'static str, &'static str)> = match kind {
        EventKind::MoveOut { destination, .. } => {
            vec![(
                destination.as_deref().unwrap_or(""),
                100,
                false,
                "去向",
                "destination",
            )]
        }
        EventKind::MoveIn { origin, .. } => {
            vec![(
                origin.as_deref().unwrap_or(""),
                100,
                false,
                "来源地",
                "origin",
            )]
        }
        EventKind::Marriage { spouse_no, .. } => {
            vec![(
                spouse_no.as_deref().unwrap_or(""),
                40,
                false,
                "配偶编号",
                "spouse number",
            )]
        }
        EventKind::Void { reason } | EventKind::Revoke { reason, .. } => {
            vec![(reason.as_str(), 200, true, "原因", "reason")]
        }
        EventKind::Correction {
            old, new, reason, ..
        } => vec![
            (old.as_str(), 100, false, "原值", "old value"),
            (new.as_str(), 100, false, "新值", "new value"),
            (reason.as_str(), 200, true, "更正原因", "reason"),
        ],
        _ => Vec::new(),
    };
    for (value, max, required, zh, en) in event_text {
        if bad(value, max, required) {
            return Err(Refusal::BadText { zh, en });
        }
    }
    for (value, max, required, zh, en) in [
        (next.name.as_str(), 50, true, "姓名", "name"),
        (
            next.household_no.as_str(),
            40,
            true,
            "户编号",
            "household number",
        ),
        (
            next.phone.as_deref().unwrap_or(""),
            40,
            false,
            "联系电话",
            "phone",
        ),
    ] {
        if bad(value, max, required) && (prev.is_none() || changed(|p| p.to_cells().concat())) {
            return Err(Refusal::BadText { zh, en });
        }
    }
    let region_changed = changed(|p| p.region_code.to_string());
    if region_changed {
        if !facts.region_known {
            return Err(Refusal::UnknownRegion(next.region_code.to_string()));
        }
        if !facts.region_in_area {
            return Err(Refusal::RegionOutsideArea(next.region_code.to_string()));
        }
    }
    if changed(|p| p.household_no.clone()) || region_changed {
        match &facts.household {
            HouseholdFact::Elsewhere => {
                return Err(Refusal::HouseholdOutsideArea(next.household_no.clone()))
            }
            HouseholdFact::Here(r) if *r != next.region_code.as_str() => {
                return Err(Refusal::HouseholdInOtherVillage {
                    household: next.household_no.clone(),
                    region: r.clone(),
                })
            }
            HouseholdFact::Here(_) => {}
            // Only a birth, a registration, a move or a split may found a household.
            HouseholdFact::New
                if matches!(
                    kind,
                    EventKind::Correction { .. } | EventKind::Revoke { .. }
                ) =>
            {
                return Err(Refusal::NoSuchHousehold(next.household_no.clone()))
            }
            HouseholdFact::New => {}
        }
    }
    let parents = [
        (
            &next.mother_no,
            facts.mother,
            "母亲",
            "mother",
            changed(|p| p.mother_no.clone().unwrap_or_default()),
        ),
        (
            &next.father_no,
            facts.father,
            "父亲",
            "father",
            changed(|p| p.father_no.clone().unwrap_or_default()),
        ),
    ];
    for (no, found, role_zh, role_en, is_changed) in parents {
        let Some(no) = no.as_ref().filter(|_| is_changed) else {
            continue;
        };
        if *no == next.person_no {
            return Err(Refusal::SelfReference { role_zh, role_en });
        }
        match found {
            Some(Found::Here { sex, birth_date }) => {
                if role_en == "mother" && sex != Sex::Female {
                    return Err(Refusal::MotherNotFemale);
                }
                if role_en == "father" && sex != Sex::Male {
                    return Err(Refusal::FatherNotMale);
                }
                if birth_date >= next.birth_date {
                    return Err(Refusal::ParentYounger { role_zh, role_en });
                }
            }
            Some(Found::Nowhere) | None => {
                return Err(Refusal::NotFound {
                    role_zh,
                    role_en,
                    no: no.clone(),
                })
            }
        }
    }
    if let EventKind::Marriage {
        spouse_no: Some(s), ..
    } = kind
    {
        if *s == next.person_no {
            return Err(Refusal::SelfReference {
                role_zh: "配偶",
                role_en: "spouse",
            });
        }
        if !matches!(facts.spouse, Some(Found::Here { .. })) {
            return Err(Refusal::NotFound {
                role_zh: "配偶",
                role_en: "spouse",
                no: s.clone(),
            });
        }
    }
    if let Some(d) = kind.occurred_on() {
        if d > facts.today {
            return Err(if matches!(kind, EventKind::Birth { .. }) {
                Refusal::BornInFuture
            } else {
                Refusal::DateInFuture
            });
        }
    }
    let id_changed = changed(|p| {
        p.id_number
            .as_ref()
            .map(|i| i.to_string())
            .unwrap_or_default()
    });
    let id_held = next.id_number.is_some() && facts.id_held_by.is_some();
    if id_changed && id_held && entry == Entry::Direct {
        return Err(Refusal::DuplicateIdNumber);
    }
    // Revoking a void brings the record's ID number back, unchanged: while it was
    // void the number was free, and the clerk may have entered the person again
    // right under it. Two live holders are what the refusal above prevents.
    if matches!(kind, EventKind::Revoke { revoked, .. } if revoked == "void") {
        match &facts.id_held_by {
            Some(IdHolder::Here(no)) => {
                return Err(Refusal::RevokeVoidIdHeld { holder: no.clone() })
            }
            Some(IdHolder::Elsewhere) => return Err(Refusal::RevokeVoidIdHeldElsewhere),
            None => {}
        }
    }
    let mut issues = quality::check_person(next);
    if entry == Entry::Direct && prev.is_none() {
        // A person entered by hand whose ID number contradicts the birth date or
        // sex is a typing error to fix now. A correction that leaves the two
        // disagreeing (the birth date corrected before the ID number, or a ledger
        // that was already contradictory) is warned about and listed instead:
        // refusing it would block fixing either field first.
        for issue in &issues {
            match (issue.kind, &next.id_number) {
                (QualityKind::IdBirthDateMismatch, Some(id)) => {
                    return Err(Refusal::IdBirthDate {
                        id: id.birth_date(),
                        stated: next.birth_date,
                    })
                }
                (QualityKind::IdSexMismatch, _) => return Err(Refusal::IdSex),
                _ => {}
            }
        }
    }
    if id_changed && id_held {
        issues.push(QualityIssue {
            person_no: next.person_no.clone(),
            kind: QualityKind::DuplicateIdNumber,
            message: "公民身份号码与另一人相同，请核实 / the ID number is the same as another person's, please verify".into(),
        });
    }
    for (found, mother, is_changed) in [
        (
            facts.mother,
            true,
            changed(|p| p.mother_no.clone().unwrap_or_default()),
        ),
        (
            facts.father,
            false,
            changed(|p| p.father_no.clone().unwrap_or_default()),
        ),
    ] {
        if let (Some(Found::Here { birth_date, .. }), true) = (found, is_changed) {
            issues.extend(quality::check_parent(
                &next.person_no,
                next.birth_date,
                birth_date,
                mother,
            ));
        }
    }
    Ok(issues)
}

/// Whether `parent_birth` can be a parent's birth date for a child born on
/// `child_birth` at all (the refusal above; plausibility is a quality issue).
pub fn parent_age(parent_birth: Date, child_birth: Date) -> i32 {
    completed_years(parent_birth, child_birth)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::{MaritalStatus, Residence};
    use crate::id_number::IdNumber;
    use crate::person::Field;
    use crate::region::RegionCode;

    fn d(y: i32, m: u32, dd: u32) -> Date {
        Date::from_ymd_opt(y, m, dd).unwrap()
    }

    fn person(no: &str, sex: Sex, born: Date) -> PersonRecord {
        PersonRecord {
            person_no: no.into(),
            name: "测试".into(),
            sex,
            birth_date: born,
            id_number: None,
            household_no: "H1".into(),
            region_code: RegionCode::parse("349901101201").unwrap(),
            marital_status: MaritalStatus::NotStated,
            mother_no: None,
            father_no: None,
            residence: Residence::Resident,
            phone: None,
            death_date: None,
            relation: None,
        }
    }

    fn facts() -> Facts {
        Facts {
            region_known: true,
            region_in_area: true,
            household: HouseholdFact::Here("349901101201".into()),
            today: d(2026, 12, 1),
            ..Default::default()
        }
    }

    fn correction(field: Field) -> EventKind {
        EventKind::Correction {
            field,
            old: String::new(),
            new: String::new(),
            reason: "test".into(),
        }
    }

    #[test]
    fn a_man_cannot_be_his_own_mother() {
        let prev = person("P1", Sex::Male, d(1990, 1, 1));
        let mut next = prev.clone();
        next.mother_no = Some("P1".into());
        let r = check_write(
            &correction(Field::MotherId),
            Some(&prev),
            &next,
            &facts(),
            Entry::Direct,
        );
        assert!(matches!(r, Err(Refusal::SelfReference { .. })), "{r:?}");
    }

    #[test]
    fn parents_are_checked_only_when_they_change() {
        let mut prev = person("P1", Sex::Male, d(1990, 1, 1));
        prev.mother_no = Some("M9".into());
        let mut next = prev.clone();
        next.name = "新名".into();
        let mut f = facts();
        f.mother = Some(Found::Nowhere);
        assert!(check_write(
            &correction(Field::Name),
            Some(&prev),
            &next,
            &f,
            Entry::Direct
        )
        .is_ok());
        next.mother_no = Some("M8".into());
        assert!(matches!(
            check_write(
                &correction(Field::MotherId),
                Some(&prev),
                &next,
                &f,
                Entry::Direct
            ),
            Err(Refusal::NotFound { .. })
        ));
        f.mother = Some(Found::Here {
            sex: Sex::Male,
            birth_date: d(1960, 1, 1),
        });
        assert_eq!(
            check_write(
                &correction(Field::MotherId),
                Some(&prev),
                &next,
                &f,
                Entry::Direct
            ),
            Err(Refusal::MotherNotFemale)
        );
        f.mother = Some(Found::Here {
            sex: Sex::Female,
            birth_date: d(1995, 1, 1),
        });
        assert!(matches!(
            check_write(
                &correction(Field::MotherId),
                Some(&prev),
                &next,
                &f,
                Entry::Direct
            ),
            Err(Refusal::ParentYounger { .. })
        ));
    }

    #[test]
    fn a_correction_cannot_found_a_household() {
        let prev = person("P1", Sex::Male, d(1990, 1, 1));
        let mut next = prev.clone();
        next.household_no = "H-NEW".into();
        let mut f = facts();
        f.household = HouseholdFact::New;
        assert_eq!(
            check_write(
                &correction(Field::HouseholdId),
                Some(&prev),
                &next,
                &f,
                Entry::Direct
            ),
            Err(Refusal::NoSuchHousehold("H-NEW".into()))
        );
        let split = EventKind::HouseholdChange {
            date: d(2026, 1, 1),
            household_no: "H-NEW".into(),
            region_code: None,
        };
        assert!(check_write(&split, Some(&prev), &next, &f, Entry::Direct).is_ok());
        f.household = HouseholdFact::Here("349901101202".into());
        assert!(matches!(
            check_write(&split, Some(&prev), &next, &f, Entry::Direct),
            Err(Refusal::HouseholdInOtherVillage { .. })
        ));
    }

    #[test]
    fn a_new_person_contradicting_their_id_is_refused_in_a_form_and_flagged_from_a_file() {
        let mut baby = person("", Sex::Female, d(2026, 3, 1));
        baby.id_number = Some(IdNumber::compose(349901, d(1990, 1, 1), 2));
        let birth = EventKind::Birth {
            person: baby.clone(),
        };
        assert!(matches!(
            check_write(&birth, None, &baby, &facts(), Entry::Direct),
            Err(Refusal::IdBirthDate { .. })
        ));
        let issues = check_write(&birth, None, &baby, &facts(), Entry::File).unwrap();
        assert!(issues
            .iter()
            .any(|i| i.kind == QualityKind::IdBirthDateMismatch));
        // A correction that leaves a contradiction is a warning on the list.
        let mut p = baby.clone();
        p.id_number = Some(IdNumber::compose(349901, d(2026, 3, 1), 2));
        let mut next = p.clone();
        next.birth_date = d(2026, 3, 2);
        let issues = check_write(
            &correction(Field::BirthDate),
            Some(&p),
            &next,
            &facts(),
            Entry::Direct,
        )
        .unwrap();
        assert!(issues
            .iter()
            .any(|i| i.kind == QualityKind::IdBirthDateMismatch));
    }

    #[test]
    fn outside_the_area_and_unknown_regions_are_refused() {
        let prev = person("P1", Sex::Male, d(1990, 1, 1));
        let mut next = prev.clone();
        next.region_code = RegionCode::parse("349901102201").unwrap();
        let mut f = facts();
        f.region_in_area = false;
        f.household = HouseholdFact::Here("349901102201".into());
        assert!(matches!(
            check_write(
                &correction(Field::RegionCode),
                Some(&prev),
                &next,
                &f,
                Entry::Direct
            ),
            Err(Refusal::RegionOutsideArea(_))
        ));
        f.region_known = false;
        assert!(matches!(
            check_write(
                &correction(Field::RegionCode),
                Some(&prev),
                &next,
                &f,
                Entry::Direct
            ),
            Err(Refusal::UnknownRegion(_))
        ));
    }

    #[test]
    fn duplicate_id_numbers() {
        let prev = person("P1", Sex::Female, d(1990, 1, 1));
        let mut next = prev.clone();
        next.id_number = Some(IdNumber::compose(349901, d(1990, 1, 1), 2));
        let mut f = facts();
        f.id_held_by = Some(IdHolder::Here("P2".into()));
        assert_eq!(
            check_write(
                &correction(Field::IdNumber),
                Some(&prev),
                &next,
                &f,
                Entry::Direct
            ),
            Err(Refusal::DuplicateIdNumber)
        );
        let issues = check_write(
            &correction(Field::IdNumber),
            Some(&prev),
            &next,
            &f,
            Entry::File,
        )
        .unwrap();
        assert!(issues
            .iter()
            .any(|i| i.kind == QualityKind::DuplicateIdNumber));
    }

    #[test]
    fn a_void_is_not_revoked_while_a_live_person_holds_the_id_number() {
        let mut p = person("P1", Sex::Female, d(1990, 1, 1));
        p.id_number = Some(IdNumber::compose(349901, d(1990, 1, 1), 2));
        let revoke = |revoked: &str| EventKind::Revoke {
            seq: 7,
            revoked: revoked.into(),
            reason: "test".into(),
            changes: Vec::new(),
        };
        let mut f = facts();
        f.id_held_by = Some(IdHolder::Here("P2".into()));
        let r = check_write(&revoke("void"), Some(&p), &p, &f, Entry::Direct);
        assert_eq!(
            r,
            Err(Refusal::RevokeVoidIdHeld {
                holder: "P2".into()
            })
        );
        assert!(r.unwrap_err().to_string().contains("P2"));
        f.id_held_by = Some(IdHolder::Elsewhere);
        assert_eq!(
            check_write(&revoke("void"), Some(&p), &p, &f, Entry::Direct),
            Err(Refusal::RevokeVoidIdHeldElsewhere)
        );
        // Revoking another event leaves the ID number as it was: not this rule's.
        assert!(check_write(&revoke("death"), Some(&p), &p, &f, Entry::Direct).is_ok());
        f.id_held_by = None;
        assert!(check_write(&revoke("void"), Some(&p), &p, &f, Entry::Direct).is_ok());
    }
}
