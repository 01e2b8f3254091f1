//! The events of daily work entered by hand, in a form or through the API: death,
//! marriage, divorce, moving out and in, a change of household, a correction, and
//! a birth (with a mother or father not yet in the register entered alongside).
//!
//! Each use case is one transaction through the kernel's `Tx`, with its audit
//! entry: a birth whose father cannot be found leaves no new mother behind. The
//! `Tx` checks the writer's area against the person and every value written, and
//! the register's rules; what is checked here is what only a form knows (which
//! spelling a field was typed in, that a new mother is plausibly old enough).

use crate::error::AppError;
use renkou_domain::event::EventKind;
use renkou_domain::person::Field;
use renkou_domain::{
    parse_date, Date, IdNumber, MaritalStatus, PersonRecord, RegionCode, Residence, Sex,
};
use renkou_store::{Actor, AuditAction, AuditNote, RecordKind, Store, StoreError};

fn today() -> Date {
    chrono::Local::now().date_naive()
}

fn form_date(s: &str, zh: &str, en: &str) -> Result<Date, AppError> {
    parse_date(s.trim()).map_err(|e| AppError::Invalid(format!("{zh}：{e} / {en}: {e}")))
}

/// The event kinds the forms offer, with their titles.
pub const FORM_KINDS: &[(&str, &str, &str)] = &[
    ("death", "登记死亡", "Record a death"),
    ("marriage", "登记结婚", "Record a marriage"),
    ("divorce", "登记离婚", "Record a divorce"),
    ("move_out", "登记迁出/外出", "Record a move out"),
    ("move_in", "登记迁入/返回", "Record a move in"),
    ("correction", "更正信息", "Correct a field"),
];

/// What an event form sends (every field as typed).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct EventInput {
    pub date: String,
    pub status: String,
    pub place: String,
    pub residence: String,
    pub field: String,
    pub new_value: String,
    pub reason: String,
    /// A spouse already in the register (marriage).
    pub spouse_no: String,
}

/// Turns a form into the event it describes, on person `p` as they are now.
pub fn event_from_form(
    kind: &str,
    p: &PersonRecord,
    f: &EventInput,
) -> Result<EventKind, AppError> {
    let date = || form_date(&f.date, "日期", "date");
    let text = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    Ok(match kind {
        "death" => EventKind::Death { date: date()? },
        "marriage" => EventKind::Marriage {
            date: date()?,
            status: MaritalStatus::parse(if f.status.is_empty() { "20" } else { &f.status })
                .map_err(|e| AppError::Invalid(e.to_string()))?,
            spouse_no: text(&f.spouse_no),
        },
        "divorce" => EventKind::Divorce { date: date()? },
        "move_out" => EventKind::MoveOut {
            date: date()?,
            destination: text(&f.place),
        },
        "move_in" => EventKind::MoveIn {
            date: date()?,
            residence: Residence::parse(if f.residence.is_empty() {
                "resident"
            } else {
                &f.residence
            })
            .map_err(|e| AppError::Invalid(e.to_string()))?,
            origin: text(&f.place),
            region_code: None,
            household_no: None,
        },
        "correction" => {
            let field = Field::parse(&f.field).ok_or_else(|| {
                AppError::Invalid("请选择要更正的字段 / choose the field to correct".into())
            })?;
            if f.reason.trim().is_empty() {
                return Err(AppError::Invalid(
                    "请填写更正原因 / a correction needs a reason".into(),
                ));
            }
            EventKind::Correction {
                field,
                old: p.get(field),
                new: f.new_value.trim().to_string(),
                reason: f.reason.trim().to_string(),
            }
        }
        _ => {
            return Err(AppError::Invalid(
                "没有这种事件 / no such kind of event".into(),
            ))
        }
    })
}

fn audit_fields(kind: &EventKind) -> String {
    match kind {
        EventKind::Correction { field, .. } => field.as_str().to_string(),
        other => other.as_str().to_string(),
    }
}

/// Records one event on a person (not a birth or a registration), with its audit
/// entry, in one transaction. Returns the event's sequence number.
pub fn record_event(
    store: &Store,
    actor: &Actor,
    person_no: &str,
    kind: EventKind,
    source: &str,
) -> Result<i64, AppError> {
    if matches!(kind, EventKind::Birth { .. } | EventKind::Registered { .. }) {
        return Err(AppError::Invalid(
            "出生须登记在母亲名下，建档只能通过导入 / a birth is recorded on the mother; registration comes from imports".into(),
        ));
    }
    let fields = audit_fields(&kind);
    Ok(store.write(actor, |tx| {
        let seq = tx.record_event(person_no, kind, source)?;
        tx.audit(AuditNote {
            action: AuditAction::UPDATE,
            record: RecordKind::PERSON,
            record_id: person_no,
            fields: &fields,
        })?;
        Ok::<_, StoreError>(seq)
    })?)
}

/// A parent named on a birth form: one of the register, one entered new, or none.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct BirthInput {
    pub mother_no: String,
    pub mother_name: String,
    pub mother_birth_date: String,
    pub mother_id_number: String,
    pub father_no: String,
    pub father_name: String,
    pub father_birth_date: String,
    pub name: String,
    pub sex: String,
    pub birth_date: String,
}

/// Records a birth entered in the birth form of `village`: a mother (and father)
/// not yet in the register are registered with it, all in one transaction with
/// the audit entries, so a refusal anywhere (a father not found, a date in the
/// future) leaves nothing behind. Returns the child's new person number.
pub fn record_birth_form(
    store: &Store,
    actor: &Actor,
    village: &RegionCode,
    f: &BirthInput,
) -> Result<String, AppError> {
    let birth_date = form_date(&f.birth_date, "出生日期", "birth date")?;
    let sex = Sex::parse(&f.sex).map_err(|e| AppError::Invalid(e.to_string()))?;
    if birth_date > today() {
        return Err(AppError::Invalid(
            "出生日期不能晚于今天 / the birth date is in the future".into(),
        ));
    }
    let new_mother = if f.mother_no.trim().is_empty() && !f.mother_name.trim().is_empty() {
        let born = form_date(&f.mother_birth_date, "母亲出生日期", "mother's birth date")?;
        if renkou_domain::date::completed_years(born, birth_date) < 10 {
            return Err(AppError::Invalid(
                "母亲出生日期不合理 / the mother's birth date is not plausible".into(),
            ));
        }
        let id_number = match f.mother_id_number.trim() {
            "" => None,
            v => Some(IdNumber::parse(v).map_err(|e| AppError::Invalid(e.to_string()))?),
        };
        Some(PersonRecord {
            person_no: String::new(),
            name: bounded_name(&f.mother_name)?,
            sex: Sex::Female,
            birth_date: born,
            id_number,
            household_no: String::new(),
            region_code: village.clone(),
            marital_status: MaritalStatus::NotStated,
            mother_no: None,
            father_no: None,
            residence: Residence::Resident,
            phone: None,
            death_date: None,
            relation: None,
        })
    } else {
        None
    };
    let new_father_born = if f.father_no.trim().is_empty() && !f.father_name.trim().is_empty() {
        Some(form_date(
            &f.father_birth_date,
            "父亲出生日期",
            "father's birth date",
        )?)
    } else {
        None
    };
    let child_name = match f.name.trim() {
        "" => "（未取名）".to_string(),
        n => bounded_name(n)?,
    };
    let registered = |tx: &mut renkou_store::Tx<'_>, no: &str, fields: &str| {
        tx.audit(AuditNote {
            action: AuditAction::CREATE,
            record: RecordKind::PERSON,
            record_id: no,
            fields,
        })
    };
    store.write(actor, |tx| {
        let mother_no = match new_mother {
            Some(m) => {
                let no = tx.register_person(m, "web")?;
                registered(tx, &no, "registered")?;
                no
            }
            None => f.mother_no.trim().to_string(),
        };
        let mother = tx.person(&mother_no)?.ok_or_else(|| {
            AppError::Invalid("找不到母亲（请填写本辖区的人员编号，或填写新母亲的姓名和出生日期）/ mother not found in your area (give her person number, or a new mother's name and birth date)".into())
        })?;
        if mother.sex != Sex::Female {
            return Err(AppError::Invalid(
                "母亲必须为女性 / the mother must be a woman".into(),
            ));
        }
        let father_no = match (f.father_no.trim(), new_father_born) {
            // A father not yet in the register joins the mother's household.
            ("", Some(born)) => {
                let father = PersonRecord {
                    person_no: String::new(),
                    name: bounded_name(&f.father_name)?,
                    sex: Sex::Male,
                    birth_date: born,
                    id_number: None,
                    household_no: mother.household_no.clone(),
                    region_code: mother.region_code.clone(),
                    marital_status: MaritalStatus::NotStated,
                    mother_no: None,
                    father_no: None,
                    residence: Residence::Resident,
                    phone: None,
                    death_date: None,
                    relation: None,
                };
                let no = tx.register_person(father, "web")?;
                registered(tx, &no, "registered")?;
                Some(no)
            }
            ("", None) => None,
            (no, _) => {
                // Same answer for a number nobody has, one outside the area and
                // one that is not a man: nothing about the register leaks.
                let father = tx.person(no)?.filter(|p| p.sex == Sex::Male);
                Some(
                    father
                        .ok_or_else(|| {
                            AppError::Invalid(
                                "本辖区找不到该父亲（请核对人员编号）/ no such father in your area (check the person number)"
                                    .into(),
                            )
                        })?
                        .person_no,
                )
            }
        };
        let child = PersonRecord {
            person_no: String::new(),
            name: child_name,
            sex,
            birth_date,
            id_number: None,
            household_no: mother.household_no.clone(),
            region_code: mother.region_code.clone(),
            marital_status: MaritalStatus::Unmarried,
            mother_no: Some(mother.person_no.clone()),
            father_no,
            residence: Residence::Resident,
            phone: None,
            death_date: None,
            relation: None,
        };
        let no = tx.record_birth(child, "web")?;
        registered(tx, &no, "birth")?;
        Ok(no)
    })
}

/// A birth posted through the API on the mother: the child as the client
/// describes them, numbered by the register (a client never chooses a number),
/// in the mother's area (the `Tx` checks household, village and parents).
pub fn record_birth_api(
    store: &Store,
    actor: &Actor,
    mother_no: &str,
    mut child: PersonRecord,
) -> Result<String, AppError> {
    if child.mother_no.as_deref() != Some(mother_no) {
        return Err(AppError::Invalid(
            "出生事件须提交在母亲名下 / post a birth on the child's mother".into(),
        ));
    }
    child.name = bounded_name(&child.name)?;
    store.write(actor, |tx| -> Result<String, AppError> {
        tx.person(mother_no)?
            .ok_or_else(|| StoreError::NoPerson(mother_no.to_string()))?;
        let no = tx.record_birth(child, "api")?;
        tx.audit(AuditNote {
            action: AuditAction::CREATE,
            record: RecordKind::PERSON,
            record_id: &no,
            fields: "birth api",
        })?;
        Ok(no)
    })
}

/// Longest name a form may give a person.
pub const MAX_NAME_CHARS: usize = 50;

fn bounded_name(s: &str) -> Result<String, AppError> {
    let t = s.trim();
    if t.chars().count() > MAX_NAME_CHARS || t.chars().any(char::is_control) {
        return Err(AppError::Invalid(format!(
            "姓名过长或含控制字符（最多 {MAX_NAME_CHARS} 个字）/ the name is too long or holds control characters (at most {MAX_NAME_CHARS})"
        )));
    }
    Ok(t.to_string())
}
