//! 事件: the events that change the register. They are the truth; a person's current
//! state is [`fold`]ed from them, and the store's current-state tables are a cache of
//! that fold (a store test checks they always agree).

use crate::codes::{MaritalStatus, Relation, Residence};
use crate::date::Date;
use crate::person::{Field, FieldError, PersonRecord};
use crate::region::RegionCode;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// What happened to a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
// Unknown fields are refused: an API client's typo must not be dropped silently.
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum EventKind {
    /// 建档: the person entered the register from a source (an imported file).
    Registered {
        #[serde(with = "crate::person::as_cells")]
        person: PersonRecord,
    },
    /// 出生: a birth, the child entering the register.
    Birth {
        #[serde(with = "crate::person::as_cells")]
        person: PersonRecord,
    },
    /// 死亡
    Death { date: Date },
    /// 结婚: `status` is one of the married codes (20-23).
    Marriage {
        date: Date,
        status: MaritalStatus,
        spouse_no: Option<String>,
    },
    /// 离婚
    Divorce { date: Date },
    /// 迁出 / 外出: the person now lives elsewhere (流出).
    MoveOut {
        date: Date,
        destination: Option<String>,
    },
    /// 迁入 / 返回: the person lives here (again): resident, or inflow for someone
    /// registered elsewhere; may come with a new village and household.
    MoveIn {
        date: Date,
        residence: Residence,
        origin: Option<String>,
        region_code: Option<RegionCode>,
        household_no: Option<String>,
    },
    /// 户变更: the person joins another household.
    HouseholdChange {
        date: Date,
        household_no: String,
        region_code: Option<RegionCode>,
    },
    /// 更正: one field was wrong; `reason` says why (孩次错报, 出生漏报补报, …).
    Correction {
        field: Field,
        old: String,
        new: String,
        reason: String,
    },
    /// 与户主关系变更: the person's relation to the head of their household
    /// changed (a new head, a split, a merge); `None` when it is not known.
    RelationChange {
        date: Date,
        relation: Option<Relation>,
    },
    /// 注销: the record was entered by mistake (a birth saved twice, a person who
    /// does not exist). The person keeps their history but counts nowhere from
    /// this event on, until the void is revoked. The state it sets is kept beside
    /// the person (`persons.voided_by`), see [`voided_by`].
    Void { reason: String },
    /// 撤销: the person's event `seq` (of kind `revoked`) was entered by mistake.
    /// `changes` put back the values it replaced (the register computes them);
    /// revoking a [`EventKind::Void`] puts the person back.
    Revoke {
        seq: i64,
        /// The revoked event's kind (`as_str`); filled in by the register.
        #[serde(default)]
        revoked: String,
        reason: String,
        #[serde(default)]
        changes: Vec<Change>,
    },
}

/// One field put back by a [`EventKind::Revoke`]: from `old` (now) to `new`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    pub field: Field,
    pub old: String,
    pub new: String,
}

impl EventKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            EventKind::Registered { .. } => "registered",
            EventKind::Birth { .. } => "birth",
            EventKind::Death { .. } => "death",
            EventKind::Marriage { .. } => "marriage",
            EventKind::Divorce { .. } => "divorce",
            EventKind::MoveOut { .. } => "move_out",
            EventKind::MoveIn { .. } => "move_in",
            EventKind::HouseholdChange { .. } => "household_change",
            EventKind::Correction { .. } => "correction",
            EventKind::RelationChange { .. } => "relation_change",
            EventKind::Void { .. } => "void",
            EventKind::Revoke { .. } => "revoke",
        }
    }

    pub fn name_zh(&self) -> &'static str {
        match self {
            EventKind::Registered { .. } => "建档",
            EventKind::Birth { .. } => "出生",
            EventKind::Death { .. } => "死亡",
            EventKind::Marriage { .. } => "结婚",
            EventKind::Divorce { .. } => "离婚",
            EventKind::MoveOut { .. } => "迁出",
            EventKind::MoveIn { .. } => "迁入",
            EventKind::HouseholdChange { .. } => "户变更",
            EventKind::Correction { .. } => "更正",
            EventKind::RelationChange { .. } => "与户主关系变更",
            EventKind::Void { .. } => "注销",
            EventKind::Revoke { .. } => "撤销",
        }
    }

    pub fn name_en(&self) -> &'static str {
        EventKind::code_name_en(self.as_str()).unwrap_or("")
    }

    /// The Chinese name of an event kind given by its code (`as_str`), for lists
    /// that read the kind without the event.
    pub fn code_name_zh(code: &str) -> Option<&'static str> {
        Some(match code {
            "registered" => "建档",
            "birth" => "出生",
            "death" => "死亡",
            "marriage" => "结婚",
            "divorce" => "离婚",
            "move_out" => "迁出",
            "move_in" => "迁入",
            "household_change" => "户变更",
            "correction" => "更正",
            "relation_change" => "与户主关系变更",
            "void" => "注销",
            "revoke" => "撤销",
            _ => return None,
        })
    }

    /// [`EventKind::code_name_zh`] for an English page.
    pub fn code_name_en(code: &str) -> Option<&'static str> {
        Some(match code {
            "registered" => "registered",
            "birth" => "birth",
            "death" => "death",
            "marriage" => "marriage",
            "divorce" => "divorce",
            "move_out" => "moved out",
            "move_in" => "moved in",
            "household_change" => "household change",
            "correction" => "correction",
            "relation_change" => "relation to head changed",
            "void" => "void",
            "revoke" => "revocation",
            _ => return None,
        })
    }

    /// The fields of a person this event sets.
    pub fn fields(&self) -> Vec<Field> {
        match self {
            EventKind::Registered { .. } | EventKind::Birth { .. } => Field::ALL.to_vec(),
            EventKind::Death { .. } => vec![Field::DeathDate],
            EventKind::Marriage { .. } | EventKind::Divorce { .. } => vec![Field::MaritalStatus],
            EventKind::MoveOut { .. } => vec![Field::Residence],
            EventKind::MoveIn {
                region_code,
                household_no,
                ..
            } => {
                let mut v = vec![Field::Residence];
                if region_code.is_some() {
                    v.push(Field::RegionCode);
                }
                if household_no.is_some() {
                    v.push(Field::HouseholdId);
                }
                v
            }
            EventKind::HouseholdChange { region_code, .. } => {
                let mut v = vec![Field::HouseholdId];
                if region_code.is_some() {
                    v.push(Field::RegionCode);
                }
                v
            }
            EventKind::Correction { field, .. } => vec![*field],
            EventKind::RelationChange { .. } => vec![Field::Relation],
            EventKind::Void { .. } => Vec::new(),
            EventKind::Revoke { changes, .. } => changes.iter().map(|c| c.field).collect(),
        }
    }

    /// The day the event took effect, where it has one.
    pub fn occurred_on(&self) -> Option<Date> {
        match self {
            EventKind::Registered { .. }
            | EventKind::Correction { .. }
            | EventKind::Void { .. }
            | EventKind::Revoke { .. } => None,
            EventKind::Birth { person } => Some(person.birth_date),
            EventKind::Death { date }
            | EventKind::Marriage { date, .. }
            | EventKind::Divorce { date }
            | EventKind::MoveOut { date, .. }
            | EventKind::MoveIn { date, .. }
            | EventKind::HouseholdChange { date, .. }
            | EventKind::RelationChange { date, .. } => Some(*date),
        }
    }
}

/// An event with its provenance: who recorded it, when, and from which source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonEvent {
    pub person_no: String,
    pub kind: EventKind,
    /// Account name, or `import:<file>` for a bulk import.
    pub recorded_by: String,
    /// RFC 3339 timestamp.
    pub recorded_at: String,
    /// Where the fact came from: a file name, a form, a department.
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FoldError {
    #[error(
        "人员的第一个事件必须是建档或出生 / a person's first event must be registration or birth"
    )]
    NoStart,
    #[error("人员已建档，不能重复建档 / the person is already in the register")]
    AlreadyRegistered,
    #[error("人员已死亡 / the person is already dead")]
    AlreadyDead,
    #[error("死亡日期早于出生日期 / death date before birth date")]
    DeathBeforeBirth,
    #[error("更正原因不能为空 / a correction needs a reason")]
    MissingReason,
    #[error("更正的原值“{expected}”与当前值“{found}”不符 / correction's old value does not match the current one")]
    StaleCorrection { expected: String, found: String },
    #[error("婚姻状况{0}不是已婚代码 / marital status {0} is not a married code")]
    NotMarriedStatus(u8),
    #[error("当前不是已婚状态，不能登记离婚 / not married, cannot divorce")]
    NotMarried,
    #[error("注销和撤销须写明原因 / a void or a revocation needs a reason")]
    MissingVoidReason,
    #[error(transparent)]
    Field(#[from] FieldError),
}

/// Applies one event to the current state (None before the first event).
pub fn apply(state: Option<PersonRecord>, event: &EventKind) -> Result<PersonRecord, FoldError> {
    let mut p = match (state, event) {
        (None, EventKind::Registered { person } | EventKind::Birth { person }) => {
            return Ok(person.clone())
        }
        (None, _) => return Err(FoldError::NoStart),
        (Some(_), EventKind::Registered { .. } | EventKind::Birth { .. }) => {
            return Err(FoldError::AlreadyRegistered)
        }
        (Some(p), _) => p,
    };
    match event {
        EventKind::Registered { .. } | EventKind::Birth { .. } => unreachable!("handled above"),
        EventKind::Death { date } => {
            if p.death_date.is_some() {
                return Err(FoldError::AlreadyDead);
            }
            if *date < p.birth_date {
                return Err(FoldError::DeathBeforeBirth);
            }
            p.death_date = Some(*date);
        }
        EventKind::Marriage { status, .. } => {
            if !status.is_married() {
                return Err(FoldError::NotMarriedStatus(status.code()));
            }
            p.marital_status = *status;
        }
        EventKind::Divorce { .. } => {
            if !p.marital_status.is_married() {
                return Err(FoldError::NotMarried);
            }
            p.marital_status = MaritalStatus::Divorced;
        }
        EventKind::MoveOut { .. } => p.residence = Residence::Outflow,
        EventKind::MoveIn {
            residence,
            region_code,
            household_no,
            ..
        } => {
            p.residence = *residence;
            if let Some(r) = region_code {
                p.region_code = r.clone();
            }
            if let Some(h) = household_no {
                p.household_no = h.clone();
            }
        }
        EventKind::HouseholdChange {
            household_no,
            region_code,
            ..
        } => {
            p.household_no = household_no.clone();
            if let Some(r) = region_code {
                p.region_code = r.clone();
            }
        }
        EventKind::Correction {
            field,
            old,
            new,
            reason,
        } => {
            if reason.trim().is_empty() {
                return Err(FoldError::MissingReason);
            }
            let found = p.get(*field);
            if &found != old {
                return Err(FoldError::StaleCorrection {
                    expected: old.clone(),
                    found,
                });
            }
            p.set(*field, new)?;
        }
        EventKind::RelationChange { relation, .. } => p.relation = *relation,
        EventKind::Void { reason } => {
            if reason.trim().is_empty() {
                return Err(FoldError::MissingVoidReason);
            }
        }
        EventKind::Revoke {
            reason, changes, ..
        } => {
            if reason.trim().is_empty() {
                return Err(FoldError::MissingVoidReason);
            }
            for c in changes {
                let found = p.get(c.field);
                if found != c.old {
                    return Err(FoldError::StaleCorrection {
                        expected: c.old.clone(),
                        found,
                    });
                }
                p.set(c.field, &c.new)?;
            }
        }
    }
    Ok(p)
}

/// Why an event cannot be revoked.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RevokeError {
    #[error("找不到该人员的第 {0} 号事件 / person has no event {0}")]
    NoSuchEvent(i64),
    #[error("建档或出生不能撤销，请注销该记录 / a registration or birth is not revoked: void the record instead")]
    IsStart,
    #[error("撤销不能再撤销，请重新登记 / a revocation is not revoked: record the event again")]
    IsRevoke,
    #[error("该事件已撤销 / the event is already revoked")]
    AlreadyRevoked,
    #[error("只能撤销当前有效的注销 / only the void in force can be revoked")]
    NotTheVoid,
    #[error("该事件之后{0}又有变更，请先撤销后面的事件 / {0} changed again after this event: revoke the later event first")]
    ChangedLater(&'static str),
    #[error(transparent)]
    Fold(#[from] FoldError),
}

/// The events of one person with their sequence numbers, in order.
pub type Numbered<'a> = [(i64, &'a EventKind)];

/// Sequence numbers of the person's events that a later [`EventKind::Revoke`] undid.
pub fn revoked_seqs(events: &Numbered<'_>) -> Vec<i64> {
    events
        .iter()
        .filter_map(|(_, e)| match e {
            EventKind::Revoke { seq, .. } => Some(*seq),
            _ => None,
        })
        .collect()
}

/// The [`EventKind::Void`] in force on a person (its sequence number), if any:
/// the last void not revoked since.
pub fn voided_by(events: &Numbered<'_>) -> Option<i64> {
    let revoked = revoked_seqs(events);
    events
        .iter()
        .rev()
        .find(|(s, e)| matches!(e, EventKind::Void { .. }) && !revoked.contains(s))
        .map(|(s, _)| *s)
}

/// The spouse the person's marriage in force names: the last marriage not revoked
/// and not followed by a divorce (not revoked either).
pub fn spouse_of(events: &Numbered<'_>) -> Option<String> {
    let revoked = revoked_seqs(events);
    let mut spouse = None;
    for (s, e) in events {
        if revoked.contains(s) {
            continue;
        }
        match e {
            EventKind::Marriage { spouse_no, .. } => spouse = spouse_no.clone(),
            EventKind::Divorce { .. } => spouse = None,
            _ => {}
        }
    }
    spouse
}

/// The revocation of event `seq` among a person's `events`: the values it replaced
/// put back, for each field it set that no later event changed again. A field
/// changed again after it is refused (revoke the later event first), so a
/// revocation never undoes someone else's later work.
pub fn revocation(events: &Numbered<'_>, seq: i64, reason: &str) -> Result<EventKind, RevokeError> {
    let at = events
        .iter()
        .position(|(s, _)| *s == seq)
        .ok_or(RevokeError::NoSuchEvent(seq))?;
    let target = events[at].1;
    match target {
        EventKind::Registered { .. } | EventKind::Birth { .. } => return Err(RevokeError::IsStart),
        EventKind::Revoke { .. } => return Err(RevokeError::IsRevoke),
        _ => {}
    }
    if revoked_seqs(events).contains(&seq) {
        return Err(RevokeError::AlreadyRevoked);
    }
    if reason.trim().is_empty() {
        return Err(FoldError::MissingVoidReason.into());
    }
    if matches!(target, EventKind::Void { .. }) {
        if voided_by(events) != Some(seq) {
            return Err(RevokeError::NotTheVoid);
        }
        return Ok(EventKind::Revoke {
            seq,
            revoked: target.as_str().to_string(),
            reason: reason.trim().to_string(),
            changes: Vec::new(),
        });
    }
    let before = fold(events[..at].iter().map(|(_, e)| *e))?.ok_or(FoldError::NoStart)?;
    let after = apply(Some(before.clone()), target)?;
    let now = fold(events.iter().map(|(_, e)| *e))?.ok_or(FoldError::NoStart)?;
    let mut changes = Vec::new();
    for field in target.fields() {
        let (was, set) = (before.get(field), after.get(field));
        if was == set {
            continue;
        }
        // A later event that set this field again (even to the same value) is
        // someone's later work: it must be revoked first.
        let touched_later = events[at + 1..]
            .iter()
            .any(|(_, e)| e.fields().contains(&field));
        if touched_later || now.get(field) != set {
            return Err(RevokeError::ChangedLater(field.name_zh()));
        }
        changes.push(Change {
            field,
            old: set,
            new: was,
        });
    }
    Ok(EventKind::Revoke {
        seq,
        revoked: target.as_str().to_string(),
        reason: reason.trim().to_string(),
        changes,
    })
}

/// A person's current state: the fold of their events in the order they were recorded.
pub fn fold<'a>(
    events: impl IntoIterator<Item = &'a EventKind>,
) -> Result<Option<PersonRecord>, FoldError> {
    let mut state = None;
    for e in events {
        state = Some(apply(state, e)?);
    }
    Ok(state)
}

/// The correction events that turn `old` into `new`, one per changed field.
pub fn corrections(old: &PersonRecord, new: &PersonRecord, reason: &str) -> Vec<EventKind> {
    old.diff(new)
        .into_iter()
        .map(|(field, old, new)| EventKind::Correction {
            field,
            old,
            new,
            reason: reason.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::Sex;

    fn person() -> PersonRecord {
        PersonRecord {
            person_no: "P1".into(),
            name: "测试甲".into(),
            sex: Sex::Female,
            birth_date: Date::from_ymd_opt(1990, 4, 2).unwrap(),
            id_number: None,
            household_no: "H1".into(),
            region_code: RegionCode::parse("349901101201").unwrap(),
            marital_status: MaritalStatus::Unmarried,
            mother_no: None,
            father_no: None,
            residence: Residence::Resident,
            phone: None,
            death_date: None,
            relation: None,
        }
    }

    fn day(y: i32, m: u32, d: u32) -> Date {
        Date::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_life_folds_to_its_state() {
        let events = vec![
            EventKind::Registered { person: person() },
            EventKind::Marriage {
                date: day(2012, 1, 1),
                status: MaritalStatus::FirstMarriage,
                spouse_no: None,
            },
            EventKind::MoveOut {
                date: day(2014, 3, 1),
                destination: Some("外省".into()),
            },
            EventKind::MoveIn {
                date: day(2016, 3, 1),
                residence: Residence::Resident,
                origin: None,
                region_code: Some(RegionCode::parse("349901101202").unwrap()),
                household_no: Some("H9".into()),
            },
            EventKind::Divorce {
                date: day(2018, 1, 1),
            },
            EventKind::Correction {
                field: Field::BirthDate,
                old: "1990-04-02".into(),
                new: "1990-04-20".into(),
                reason: "出生日期错报".into(),
            },
            EventKind::Death {
                date: day(2024, 1, 1),
            },
        ];
        let p = fold(&events).unwrap().unwrap();
        assert_eq!(p.marital_status, MaritalStatus::Divorced);
        assert_eq!(p.residence, Residence::Resident);
        assert_eq!(p.household_no, "H9");
        assert_eq!(p.region_code.as_str(), "349901101202");
        assert_eq!(p.birth_date, day(1990, 4, 20));
        assert_eq!(p.death_date, Some(day(2024, 1, 1)));
    }

    #[test]
    fn invalid_sequences_are_refused() {
        assert_eq!(
            fold(&[EventKind::Death {
                date: day(2024, 1, 1)
            }]),
            Err(FoldError::NoStart)
        );
        let reg = EventKind::Registered { person: person() };
        assert_eq!(
            fold(&[reg.clone(), reg.clone()]),
            Err(FoldError::AlreadyRegistered)
        );
        let no_reason = EventKind::Correction {
            field: Field::Name,
            old: "测试甲".into(),
            new: "测试乙".into(),
            reason: " ".into(),
        };
        assert_eq!(
            fold(&[reg.clone(), no_reason]),
            Err(FoldError::MissingReason)
        );
        assert_eq!(
            fold(&[
                reg,
                EventKind::Divorce {
                    date: day(2020, 1, 1)
                }
            ]),
            Err(FoldError::NotMarried)
        );
    }

    #[test]
    fn corrections_turn_old_into_new() {
        let old = person();
        let mut new = person();
        new.name = "测试乙".into();
        new.phone = Some("13800000000".into());
        let ev = corrections(&old, &new, "导入更正");
        assert_eq!(ev.len(), 2);
        let mut all = vec![EventKind::Registered { person: old }];
        all.extend(ev);
        assert_eq!(fold(&all).unwrap().unwrap(), new);
    }

    #[test]
    fn a_revocation_puts_back_what_the_event_replaced() {
        let reg = EventKind::Registered { person: person() };
        let married = EventKind::Marriage {
            date: day(2020, 1, 1),
            status: MaritalStatus::FirstMarriage,
            spouse_no: Some("P2".into()),
        };
        let died = EventKind::Death {
            date: day(2024, 1, 1),
        };
        let evs = [(1, &reg), (5, &married), (9, &died)];
        assert_eq!(spouse_of(&evs), Some("P2".into()));
        // The marriage was followed by nothing that touched the marital status.
        let r = revocation(&evs, 5, "登记错误").unwrap();
        let EventKind::Revoke { changes, .. } = &r else {
            panic!()
        };
        assert_eq!(
            changes,
            &vec![Change {
                field: Field::MaritalStatus,
                old: "21".into(),
                new: "10".into()
            }]
        );
        let all = [reg.clone(), married.clone(), died.clone(), r.clone()];
        let p = fold(&all).unwrap().unwrap();
        assert_eq!(p.marital_status, MaritalStatus::Unmarried);
        assert_eq!(p.death_date, Some(day(2024, 1, 1)));
        let evs2 = [(1, &reg), (5, &married), (9, &died), (10, &r)];
        assert_eq!(spouse_of(&evs2), None);
        assert_eq!(
            revocation(&evs2, 5, "again"),
            Err(RevokeError::AlreadyRevoked)
        );
        assert_eq!(revocation(&evs2, 10, "x"), Err(RevokeError::IsRevoke));
        assert_eq!(revocation(&evs2, 1, "x"), Err(RevokeError::IsStart));
        assert!(revocation(&evs2, 9, " ").is_err());
        // A divorce after the marriage: the marriage cannot be revoked first.
        let div = EventKind::Divorce {
            date: day(2022, 1, 1),
        };
        let evs3 = [(1, &reg), (5, &married), (7, &div)];
        assert_eq!(
            revocation(&evs3, 5, "x"),
            Err(RevokeError::ChangedLater("婚姻状况"))
        );
    }

    #[test]
    fn a_void_is_in_force_until_revoked() {
        let reg = EventKind::Registered { person: person() };
        let void = EventKind::Void {
            reason: "重复登记".into(),
        };
        let evs = [(1, &reg), (4, &void)];
        assert_eq!(voided_by(&evs), Some(4));
        let undo = revocation(&evs, 4, "注销错误").unwrap();
        assert!(
            matches!(&undo, EventKind::Revoke { changes, revoked, .. } if changes.is_empty() && revoked == "void")
        );
        let evs = [(1, &reg), (4, &void), (6, &undo)];
        assert_eq!(voided_by(&evs), None);
        assert_eq!(
            fold(&[reg.clone(), void.clone(), undo.clone()])
                .unwrap()
                .unwrap(),
            person()
        );
        assert_eq!(
            fold(&[reg, EventKind::Void { reason: "".into() }]),
            Err(FoldError::MissingVoidReason)
        );
    }

    #[test]
    fn events_serialize_with_a_kind_tag() {
        let e = EventKind::Death {
            date: day(2024, 1, 1),
        };
        let j = serde_json::to_string(&e).unwrap();
        assert_eq!(j, r#"{"kind":"death","date":"2024-01-01"}"#);
        assert_eq!(serde_json::from_str::<EventKind>(&j).unwrap(), e);
        let mut p = person();
        p.mother_no = Some("M\"1".into());
        p.death_date = Some(day(2024, 2, 29));
        let e = EventKind::Registered { person: p };
        let j = serde_json::to_string(&e).unwrap();
        assert!(
            j.starts_with(r#"{"kind":"registered","person":["P1","#),
            "{j}"
        );
        assert_eq!(serde_json::from_str::<EventKind>(&j).unwrap(), e);
    }
}
