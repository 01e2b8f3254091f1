//! The events of daily work entered by hand, in a form or through the API: death,
//! marriage, divorce, moving out and in, a change of household, a correction, and
//! a birth (with a mother or father not yet in the register entered alongside).
//!
//! Each use case is one transaction through the kernel's `Tx`, with its audit
//! entry: a birth whose father cannot be found leaves no new mother behind. The
//! `Tx` checks the writer's area against the person and every value written, and
//! the register's rules; what is checked here is what only a form knows (which
//! spelling a field was typed in, that a new mother is plausibly old enough).

use crate::duplicates::{self, Duplicate};
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
    parse_date(s.trim()).map_err(|e| AppError::Invalid(crate::error::field_message(zh, en, &e)))
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
    /// Or a spouse entered new (marriage): joins the person's household.
    pub spouse_name: String,
    pub spouse_birth_date: String,
    pub spouse_id_number: String,
    /// "1" once the user has seen a warning and still saves.
    pub confirm: String,
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
    /// "1" once the user has seen the likely duplicates and still saves.
    pub confirm: String,
}

/// What a form that checks for duplicates did: saved (the new person number or
/// event number), or stopped to show what the entry may repeat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved<T> {
    Done(T),
    /// Nothing was written: the user confirms (the form's hidden `confirm`) or stops.
    Check(Vec<Duplicate>),
}

/// The birth form with its duplicate check: unless `confirm` is set, a birth of
/// the same mother within 30 days, or a new mother who looks like a person
/// already in the village, stops the form with the list; nothing is written.
pub fn record_birth_checked(
    store: &Store,
    actor: &Actor,
    village: &RegionCode,
    f: &BirthInput,
) -> Result<Saved<String>, AppError> {
    if f.confirm.trim() != "1" {
        let birth_date = form_date(&f.birth_date, "出生日期", "birth date")?;
        let mut found = Vec::new();
        if !f.mother_no.trim().is_empty() {
            found.extend(duplicates::births_near(
                store,
                actor,
                f.mother_no.trim(),
                birth_date,
            )?);
        } else if !f.mother_name.trim().is_empty() {
            let born = parse_date(f.mother_birth_date.trim()).ok();
            let id = f.mother_id_number.trim().to_uppercase();
            found.extend(duplicates::same_person(
                store,
                actor,
                village,
                &f.mother_name,
                born,
                (!id.is_empty()).then_some(id.as_str()),
            )?);
        }
        if !found.is_empty() {
            return Ok(Saved::Check(found));
        }
    }
    record_birth_form(store, actor, village, f).map(Saved::Done)
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

fn id_of(s: &str) -> Result<Option<IdNumber>, AppError> {
    match s.trim() {
        "" => Ok(None),
        v => Ok(Some(
            IdNumber::parse(v).map_err(|e| AppError::Invalid(e.to_string()))?,
        )),
    }
}

/// The relation to the head of a spouse joining the household of `partner`
/// (GB/T 4761): the head's wife or husband, a son's wife (儿媳), a daughter's
/// husband (女婿); unknown otherwise.
pub fn spouse_relation(
    partner: Option<renkou_domain::Relation>,
    sex: Sex,
) -> Option<renkou_domain::Relation> {
    use renkou_domain::Relation;
    let code = partner.map(|r| r.code().parse::<u8>().unwrap_or(0))?;
    let c = match (code, sex) {
        (2, Sex::Female) => 12,
        (2, Sex::Male) => 11,
        (20..=27 | 29, _) => 38,
        (30..=37 | 39, _) => 28,
        _ => return None,
    };
    Relation::from_code(c)
}

fn not_married(p: &PersonRecord, zh: &str) -> Result<(), AppError> {
    if p.marital_status.is_married() {
        return Err(AppError::Invalid(format!(
            "{zh}当前登记为已婚，请先登记离婚或更正婚姻状况 / {zh} is registered as married"
        )));
    }
    Ok(())
}

/// Records both sides of a marriage in the open transaction.
fn marry_both(
    tx: &mut renkou_store::Tx<'_>,
    a: &str,
    b: &str,
    date: Date,
    status: MaritalStatus,
) -> Result<i64, AppError> {
    let seq = tx.record_event(
        a,
        EventKind::Marriage {
            date,
            status,
            spouse_no: Some(b.to_string()),
        },
        "web",
    )?;
    tx.record_event(
        b,
        EventKind::Marriage {
            date,
            status,
            spouse_no: Some(a.to_string()),
        },
        "web",
    )?;
    for no in [a, b] {
        tx.audit(AuditNote {
            action: AuditAction::UPDATE,
            record: RecordKind::PERSON,
            record_id: no,
            fields: "marriage",
        })?;
    }
    Ok(seq)
}

/// The marriage form: the spouse picked from the register, or entered new (they
/// join the person's household with the relation that follows), or not named.
/// Both records get the marriage, the spouse and the marital status, in one
/// transaction. A new spouse who looks like a person already in the village stops
/// the form unless `confirm` is set. Returns the person's marriage event.
pub fn record_marriage(
    store: &Store,
    actor: &Actor,
    person_no: &str,
    f: &EventInput,
) -> Result<Saved<i64>, AppError> {
    let date = form_date(&f.date, "日期", "date")?;
    let status = MaritalStatus::parse(if f.status.is_empty() { "21" } else { &f.status })
        .map_err(|e| AppError::Invalid(e.to_string()))?;
    let p = store
        .person(person_no)?
        .filter(|p| actor.can_read(&p.region_code))
        .ok_or_else(|| StoreError::NoPerson(person_no.to_string()))?;
    let spouse_no = f.spouse_no.trim();
    if !spouse_no.is_empty() {
        return store
            .write(actor, |tx| {
                let spouse = tx.person(spouse_no)?.ok_or_else(|| {
                    AppError::Invalid(
                        "本辖区找不到该配偶（请核对人员编号）/ no such spouse in your area".into(),
                    )
                })?;
                if spouse.person_no == p.person_no {
                    return Err(AppError::Invalid(
                        "配偶不能是本人 / a person cannot be their own spouse".into(),
                    ));
                }
                not_married(&p, "本人")?;
                not_married(&spouse, "配偶")?;
                marry_both(tx, &p.person_no, &spouse.person_no, date, status)
            })
            .map(Saved::Done);
    }
    if f.spouse_name.trim().is_empty() {
        let kind = event_from_form("marriage", &p, f)?;
        return record_event(store, actor, person_no, kind, "web").map(Saved::Done);
    }
    let born = form_date(&f.spouse_birth_date, "配偶出生日期", "spouse's birth date")?;
    let id_number = id_of(&f.spouse_id_number)?;
    let sex = match p.sex {
        Sex::Female => Sex::Male,
        Sex::Male => Sex::Female,
        other => other,
    };
    if f.confirm.trim() != "1" {
        let id = id_number.as_ref().map(|i| i.to_string());
        let found = duplicates::same_person(
            store,
            actor,
            &p.region_code,
            &f.spouse_name,
            Some(born),
            id.as_deref(),
        )?;
        if !found.is_empty() {
            return Ok(Saved::Check(found));
        }
    }
    let spouse = PersonRecord {
        person_no: String::new(),
        name: bounded_name(&f.spouse_name)?,
        sex,
        birth_date: born,
        id_number,
        household_no: p.household_no.clone(),
        region_code: p.region_code.clone(),
        marital_status: MaritalStatus::NotStated,
        mother_no: None,
        father_no: None,
        residence: Residence::Resident,
        phone: None,
        death_date: None,
        relation: spouse_relation(p.relation, sex),
    };
    store
        .write(actor, |tx| {
            not_married(&p, "本人")?;
            let no = tx.register_person(spouse, "web")?;
            tx.audit(AuditNote {
                action: AuditAction::CREATE,
                record: RecordKind::PERSON,
                record_id: &no,
                fields: "registered",
            })?;
            marry_both(tx, &p.person_no, &no, date, status)
        })
        .map(Saved::Done)
}

/// What the move-in form sends: a person coming from elsewhere (迁入), into an
/// existing household of the village or a new one of their own, possibly
/// marrying a person of the register (a bride marrying in).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct MoveInInput {
    pub name: String,
    pub sex: String,
    pub birth_date: String,
    pub id_number: String,
    pub phone: String,
    pub date: String,
    pub origin: String,
    pub residence: String,
    /// Empty: a new household with this person as its head.
    pub household_no: String,
    pub relation: String,
    /// Marrying in: the spouse in the register (their household is joined when
    /// no household is given).
    pub spouse_no: String,
    pub status: String,
    pub confirm: String,
}

/// Records a person moving in from elsewhere: registered in `village`, their
/// 迁入 event, the household they join (or found) with their relation to its head,
/// and, for a person marrying in, the marriage on both records; one transaction.
/// Birth date and sex come from the ID number when left empty. A likely duplicate
/// (same ID number, or same name and birth date in the village) stops the form
/// unless `confirm` is set. Returns the new person number.
pub fn record_move_in(
    store: &Store,
    actor: &Actor,
    village: &RegionCode,
    f: &MoveInInput,
) -> Result<Saved<String>, AppError> {
    let id_number = id_of(&f.id_number)?;
    let birth_date = match (f.birth_date.trim(), &id_number) {
        ("", Some(id)) => id.birth_date(),
        (s, _) => form_date(s, "出生日期", "birth date")?,
    };
    let sex = match (f.sex.trim(), &id_number) {
        ("", Some(id)) => id.sex(),
        (s, _) => Sex::parse(s).map_err(|e| AppError::Invalid(e.to_string()))?,
    };
    let date = form_date(&f.date, "迁入日期", "date moved in")?;
    let residence = Residence::parse(if f.residence.is_empty() {
        "resident"
    } else {
        &f.residence
    })
    .map_err(|e| AppError::Invalid(e.to_string()))?;
    let name = bounded_name(&f.name)?;
    if name.is_empty() {
        return Err(AppError::Invalid("请填写姓名 / a name is required".into()));
    }
    let spouse = match f.spouse_no.trim() {
        "" => None,
        no => Some(
            store
                .person(no)?
                .filter(|s| actor.can_read(&s.region_code))
                .ok_or_else(|| {
                    AppError::Invalid(
                        "本辖区找不到该配偶（请核对人员编号）/ no such spouse in your area".into(),
                    )
                })?,
        ),
    };
    let household_no = match (f.household_no.trim(), &spouse) {
        ("", Some(s)) => s.household_no.clone(),
        (h, _) => h.to_string(),
    };
    if !household_no.is_empty() {
        let members = store.household_members(&household_no)?;
        if !members.iter().any(|m| m.region_code == *village) {
            return Err(AppError::Invalid(format!(
                "户编号 {household_no} 不是本村的户 / household {household_no} is not of this village"
            )));
        }
    }
    let relation = match f.relation.trim() {
        "" if household_no.is_empty() => Some(renkou_domain::Relation::HEAD),
        "" => spouse
            .as_ref()
            .and_then(|s| spouse_relation(s.relation, sex)),
        r => Some(renkou_domain::Relation::parse(r).map_err(|e| AppError::Invalid(e.to_string()))?),
    };
    let status = MaritalStatus::parse(if f.status.is_empty() { "21" } else { &f.status })
        .map_err(|e| AppError::Invalid(e.to_string()))?;
    if f.confirm.trim() != "1" {
        let id = id_number.as_ref().map(|i| i.to_string());
        let found = duplicates::same_person(
            store,
            actor,
            village,
            &name,
            Some(birth_date),
            id.as_deref(),
        )?;
        if !found.is_empty() {
            return Ok(Saved::Check(found));
        }
    }
    let text = |s: &str, max: usize, zh: &str| -> Result<Option<String>, AppError> {
        let t = s.trim();
        if t.chars().count() > max || t.chars().any(char::is_control) {
            return Err(AppError::Invalid(format!("{zh}过长 / {zh} is too long")));
        }
        Ok((!t.is_empty()).then(|| t.to_string()))
    };
    let person = PersonRecord {
        person_no: String::new(),
        name,
        sex,
        birth_date,
        id_number,
        household_no,
        region_code: village.clone(),
        marital_status: MaritalStatus::NotStated,
        mother_no: None,
        father_no: None,
        residence,
        phone: text(&f.phone, 40, "联系电话")?,
        death_date: None,
        relation,
    };
    let origin = text(&f.origin, 100, "来源地")?;
    store
        .write(actor, |tx| {
            let no = tx.register_person(person, "web")?;
            tx.record_event(
                &no,
                EventKind::MoveIn {
                    date,
                    residence,
                    origin,
                    region_code: None,
                    household_no: None,
                },
                "web",
            )?;
            tx.audit(AuditNote {
                action: AuditAction::CREATE,
                record: RecordKind::PERSON,
                record_id: &no,
                fields: "move_in",
            })?;
            if let Some(s) = &spouse {
                let s = tx
                    .person(&s.person_no)?
                    .ok_or_else(|| StoreError::NoPerson(s.person_no.clone()))?;
                not_married(&s, "配偶")?;
                marry_both(tx, &no, &s.person_no, date, status)?;
            }
            Ok(no)
        })
        .map(Saved::Done)
}
