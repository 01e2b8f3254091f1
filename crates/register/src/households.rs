//! 户: the household events of daily work. Changing the head (户主变更), splitting
//! members off into a household of their own (分户), merging one household into
//! another (合户). Each member who moves gets a 户变更 event, and every member whose
//! relation to the head changes a 与户主关系变更 event; all of one form in one
//! transaction with its audit entry. The relations follow from what the register
//! knows (parents, spouses), as [`suggest_relation`] proposes them; the form shows
//! the proposal and the user may change any of them.

use crate::error::AppError;
use renkou_domain::event::EventKind;
use renkou_domain::{parse_date, Date, PersonRecord, Relation, Sex};
use renkou_store::{Actor, AuditAction, AuditNote, RecordKind, Store};
use std::collections::HashMap;

fn rel(code: u8) -> Option<Relation> {
    Relation::from_code(code)
}

/// The relation of `member` to `head` that the register's links imply (GB/T 4761):
/// the head, spouse (妻/夫), child (子/女), parent (父亲/母亲), grandchild (孙子/孙女),
/// child's spouse (儿媳/女婿), sibling (兄/弟/姐姐/妹妹); `None` when the register
/// does not say. `spouses` maps a person to the spouse of their marriage in force.
pub fn suggest_relation(
    member: &PersonRecord,
    head: &PersonRecord,
    all: &[PersonRecord],
    spouses: &HashMap<String, String>,
) -> Option<Relation> {
    let male = member.sex == Sex::Male;
    if member.person_no == head.person_no {
        return Some(Relation::HEAD);
    }
    let spouse_of = |a: &str, b: &str| spouses.get(a).is_some_and(|s| s == b);
    if spouse_of(&member.person_no, &head.person_no)
        || spouse_of(&head.person_no, &member.person_no)
    {
        return rel(if male { 11 } else { 12 });
    }
    let parent_is = |p: &PersonRecord, no: &str| {
        p.mother_no.as_deref() == Some(no) || p.father_no.as_deref() == Some(no)
    };
    let head_spouse = spouses.get(&head.person_no).cloned();
    let child_of_head = |p: &PersonRecord| {
        parent_is(p, &head.person_no) || head_spouse.as_deref().is_some_and(|s| parent_is(p, s))
    };
    if child_of_head(member) {
        return rel(if male { 20 } else { 30 });
    }
    if parent_is(head, &member.person_no) {
        return rel(if male { 51 } else { 52 });
    }
    let by_no = |no: &str| all.iter().find(|p| p.person_no == no);
    let parents = [member.mother_no.as_deref(), member.father_no.as_deref()];
    if parents
        .iter()
        .flatten()
        .filter_map(|n| by_no(n))
        .any(child_of_head)
    {
        return rel(if male { 41 } else { 42 });
    }
    if let Some(s) = spouses.get(&member.person_no).and_then(|s| by_no(s)) {
        if child_of_head(s) {
            return rel(if male { 28 } else { 38 });
        }
    }
    let shares_parent = [head.mother_no.as_deref(), head.father_no.as_deref()]
        .iter()
        .flatten()
        .any(|n| parents.contains(&Some(*n)));
    if shares_parent {
        let older = member.birth_date < head.birth_date;
        return rel(match (male, older) {
            (true, true) => 71,
            (true, false) => 73,
            (false, true) => 75,
            (false, false) => 77,
        });
    }
    None
}

/// The spouse of each of `persons` by their marriage in force.
pub fn spouses(
    store: &Store,
    persons: &[PersonRecord],
) -> Result<HashMap<String, String>, AppError> {
    let mut out = HashMap::new();
    for p in persons {
        let events = store.person_events(&p.person_no)?;
        let numbered: Vec<(i64, &EventKind)> =
            events.iter().map(|e| (e.seq, &e.event.kind)).collect();
        if let Some(s) = renkou_domain::event::spouse_of(&numbered) {
            out.insert(p.person_no.clone(), s);
        }
    }
    Ok(out)
}

/// What a household form sends: the date, the new head, and per member
/// `move_<no>=1` (split: who leaves) and `rel_<no>=<code>` (the relation to the
/// head after the change; empty: unknown).
#[derive(Debug, Clone, Default)]
pub struct HouseholdInput {
    pub date: Date,
    pub head: String,
    pub moving: Vec<String>,
    pub relations: HashMap<String, Option<Relation>>,
}

impl HouseholdInput {
    /// Reads the form's fields.
    pub fn from_form(f: &HashMap<String, String>) -> Result<HouseholdInput, AppError> {
        let date = parse_date(f.get("date").map(String::as_str).unwrap_or("").trim())
            .map_err(|e| AppError::Invalid(crate::error::field_message("日期", "date", &e)))?;
        let mut relations = HashMap::new();
        let mut moving = Vec::new();
        for (k, v) in f {
            if let Some(no) = k.strip_prefix("rel_") {
                let r = match v.trim() {
                    "" => None,
                    c => Some(Relation::parse(c).map_err(|e| AppError::Invalid(e.to_string()))?),
                };
                relations.insert(no.to_string(), r);
            } else if let Some(no) = k.strip_prefix("move_") {
                if v == "1" {
                    moving.push(no.to_string());
                }
            }
        }
        moving.sort();
        Ok(HouseholdInput {
            date,
            head: f
                .get("head")
                .cloned()
                .unwrap_or_default()
                .trim()
                .to_string(),
            moving,
            relations,
        })
    }
}

fn audit_household(
    tx: &mut renkou_store::Tx<'_>,
    household: &str,
    what: &str,
) -> Result<(), AppError> {
    tx.audit(AuditNote {
        action: AuditAction::UPDATE,
        record: RecordKind::HOUSEHOLD,
        record_id: household,
        fields: what,
    })?;
    Ok(())
}

/// Gives each of `members` the relation `f` names for them (when it differs).
fn set_relations(
    tx: &mut renkou_store::Tx<'_>,
    members: &[PersonRecord],
    f: &HouseholdInput,
    head: &str,
) -> Result<(), AppError> {
    for m in members {
        let want = if m.person_no == head {
            Some(Relation::HEAD)
        } else {
            match f.relations.get(&m.person_no) {
                Some(r) => *r,
                None => m.relation,
            }
        };
        if want == Some(Relation::HEAD) && m.person_no != head {
            return Err(AppError::Invalid(
                "一户只能有一位户主 / a household has one head".into(),
            ));
        }
        let now = tx.person(&m.person_no)?.and_then(|p| p.relation);
        if now != want {
            tx.record_event(
                &m.person_no,
                EventKind::RelationChange {
                    date: f.date,
                    relation: want,
                },
                "web",
            )?;
        }
    }
    Ok(())
}

fn members_of(
    store: &Store,
    actor: &Actor,
    household: &str,
) -> Result<Vec<PersonRecord>, AppError> {
    let members: Vec<PersonRecord> = store
        .household_members(household)?
        .into_iter()
        .filter(|p| actor.can_read(&p.region_code))
        .collect();
    if members.is_empty() {
        return Err(AppError::Invalid(format!(
            "本辖区找不到户 {household} / no household {household} in your area"
        )));
    }
    Ok(members)
}

/// 户主变更: `f.head`, a member, becomes the head; every member's relation to the
/// head is set as `f` gives it.
pub fn change_head(
    store: &Store,
    actor: &Actor,
    household: &str,
    f: &HouseholdInput,
) -> Result<(), AppError> {
    let members = members_of(store, actor, household)?;
    if !members.iter().any(|m| m.person_no == f.head) {
        return Err(AppError::Invalid(
            "新户主须是本户成员 / the new head must be a member".into(),
        ));
    }
    store.write(actor, |tx| {
        set_relations(tx, &members, f, &f.head)?;
        audit_household(tx, household, &format!("head={}", f.head))
    })
}

/// A household number for a household split off with `head`: `H` and the head's
/// person number, with a suffix when that is taken.
fn new_household_no(store: &Store, head: &str) -> Result<String, AppError> {
    let base = format!("H{head}");
    for n in 0..100 {
        let no = if n == 0 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        if store.household_members(&no)?.is_empty() && !store.household_exists(&no)? {
            return Ok(no);
        }
    }
    Err(AppError::Invalid(
        "无法生成新户编号 / no household number left".into(),
    ))
}

/// 分户: the members `f.moving` leave for a new household headed by `f.head` (one
/// of them); their relations to the new head as `f` gives them. The old head
/// stays (change the head first to split them off). Returns the new household.
pub fn split(
    store: &Store,
    actor: &Actor,
    household: &str,
    f: &HouseholdInput,
) -> Result<String, AppError> {
    let members = members_of(store, actor, household)?;
    let moving: Vec<PersonRecord> = members
        .iter()
        .filter(|m| f.moving.contains(&m.person_no))
        .cloned()
        .collect();
    if moving.is_empty() || moving.len() != f.moving.len() {
        return Err(AppError::Invalid(
            "请选择分出的成员 / choose the members who leave".into(),
        ));
    }
    if moving.len() == members.len() {
        return Err(AppError::Invalid(
            "原户至少要留一人 / at least one member stays".into(),
        ));
    }
    if moving.iter().any(|m| m.relation == Some(Relation::HEAD)) {
        return Err(AppError::Invalid(
            "户主不能分出，请先变更户主 / the head cannot leave: change the head first".into(),
        ));
    }
    if !moving.iter().any(|m| m.person_no == f.head) {
        return Err(AppError::Invalid(
            "新户的户主须是分出的成员之一 / the new head must be one of those who leave".into(),
        ));
    }
    let new_no = new_household_no(store, &f.head)?;
    store.write(actor, |tx| {
        for m in &moving {
            tx.record_event(
                &m.person_no,
                EventKind::HouseholdChange {
                    date: f.date,
                    household_no: new_no.clone(),
                    region_code: None,
                },
                "web",
            )?;
        }
        set_relations(tx, &moving, f, &f.head)?;
        audit_household(tx, household, &format!("split={new_no}"))?;
        audit_household(tx, &new_no, &format!("split_from={household}"))?;
        Ok::<_, AppError>(())
    })?;
    Ok(new_no)
}

/// 合户: every member of `household` joins `into` (a household of the same
/// village), whose head stays the head; their relations to that head as `f` gives
/// them (the merged household's head gets one too).
pub fn merge(
    store: &Store,
    actor: &Actor,
    household: &str,
    into: &str,
    f: &HouseholdInput,
) -> Result<(), AppError> {
    if household == into {
        return Err(AppError::Invalid(
            "不能并入本户 / choose another household".into(),
        ));
    }
    let members = members_of(store, actor, household)?;
    let target = members_of(store, actor, into)?;
    if target[0].region_code != members[0].region_code {
        return Err(AppError::Invalid(
            "只能并入同村的户 / only a household of the same village".into(),
        ));
    }
    store.write(actor, |tx| {
        for m in &members {
            tx.record_event(
                &m.person_no,
                EventKind::HouseholdChange {
                    date: f.date,
                    household_no: into.to_string(),
                    region_code: None,
                },
                "web",
            )?;
        }
        for m in &members {
            let want = f.relations.get(&m.person_no).copied().flatten();
            if want == Some(Relation::HEAD) {
                return Err(AppError::Invalid(
                    "一户只能有一位户主 / a household has one head".into(),
                ));
            }
            if tx.person(&m.person_no)?.and_then(|p| p.relation) != want {
                tx.record_event(
                    &m.person_no,
                    EventKind::RelationChange {
                        date: f.date,
                        relation: want,
                    },
                    "web",
                )?;
            }
        }
        audit_household(tx, into, &format!("merge_from={household}"))?;
        audit_household(tx, household, &format!("merged_into={into}"))
    })
}
