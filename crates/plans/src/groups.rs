//! Leading groups (领导小组): a group of an area, and its members with their duty
//! (组长, 副组长, 成员, 联络员), post and, when they have one, their account.

use crate::error::Error;
use crate::rules::{self, Duty};
use crate::tables::{self, Group, PlanTables, PLAN_GROUP};
use renkou_domain::RegionCode;
use renkou_store::{Actor, AuditAction, AuditNote, Store, StoreError};

/// A group the actor may see (`None` outside their area, as for an id nobody has).
pub fn group(store: &Store, actor: &Actor, id: i64) -> Result<Option<Group>, Error> {
    Ok(store
        .group(id)?
        .filter(|g| RegionCode::parse(&g.region_code).is_ok_and(|c| actor.can_read(&c))))
}

/// The groups of `area`, which must lie in the actor's.
pub fn list(store: &Store, actor: &Actor, area: &RegionCode) -> Result<Vec<Group>, Error> {
    if !actor.can_read(area) {
        return Err(Error::NotFound);
    }
    Ok(store.groups_in(area)?)
}

/// Sets up a leading group of `region`, with its audit entry.
pub fn create(store: &Store, actor: &Actor, region: &RegionCode, name: &str) -> Result<i64, Error> {
    if !actor.can_write(region) {
        return Err(Error::NotFound);
    }
    let name = rules::text("小组名称", name, 100)?;
    rules::check_words("小组名称", &name)?;
    Ok(store.write(actor, |tx| {
        let id = tables::insert_group(tx, region, &name)?;
        tx.audit(AuditNote {
            action: AuditAction::CREATE,
            record: PLAN_GROUP,
            record_id: &id.to_string(),
            fields: &format!("region={region}"),
        })?;
        Ok::<_, StoreError>(id)
    })?)
}

/// A member to add.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct NewMember {
    pub name: String,
    /// leader | deputy | member | liaison (or 组长…)
    pub duty: String,
    /// The member's post, e.g. 镇长.
    #[serde(default)]
    pub position: String,
    /// The member's account, if any.
    #[serde(default)]
    pub username: Option<String>,
}

/// Adds a member to a group of the actor's area, with its audit entry.
pub fn add_member(
    store: &Store,
    actor: &Actor,
    group_id: i64,
    m: &NewMember,
) -> Result<i64, Error> {
    let g = group(store, actor, group_id)?.ok_or(Error::NotFound)?;
    let region = RegionCode::parse(&g.region_code).map_err(|_| Error::NotFound)?;
    if !actor.can_write(&region) {
        return Err(Error::NotFound);
    }
    let name = rules::text("姓名", &m.name, 50)?;
    let duty = Duty::parse(&m.duty)?;
    let position = if m.position.trim().is_empty() {
        String::new()
    } else {
        rules::text("职务", &m.position, 50)?
    };
    let username = match m.username.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(u) => {
            let a = store
                .account_by_name(u)?
                .filter(|a| !a.disabled)
                .ok_or_else(|| {
                    Error::Invalid(format!(
                        "账号“{}”不存在 / no account \"{}\"",
                        rules::cut(u),
                        rules::cut(u)
                    ))
                })?;
            Some(a.username)
        }
    };
    Ok(store.write(actor, |tx| {
        let id = tables::insert_member(
            tx,
            group_id,
            &name,
            duty.code(),
            &position,
            username.as_deref(),
        )?;
        tx.audit(AuditNote {
            action: AuditAction::UPDATE,
            record: PLAN_GROUP,
            record_id: &group_id.to_string(),
            fields: &format!("member={id} duty={}", duty.code()),
        })?;
        Ok::<_, StoreError>(id)
    })?)
}
