//! 账户与角色: who may see and change what. An account's scope is a region; every
//! read and write is checked against it in the application layer.

use crate::region::RegionCode;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 县管理员: manages accounts and regions, sees and edits everything.
    CountyAdmin,
    /// 县统计员: reads everything, edits no personal record.
    CountyStatistician,
    /// 乡镇工作人员: reads and writes their township.
    TownshipStaff,
    /// 村专干: their village only.
    VillageWorker,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::CountyAdmin,
        Role::CountyStatistician,
        Role::TownshipStaff,
        Role::VillageWorker,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::CountyAdmin => "county_admin",
            Role::CountyStatistician => "county_statistician",
            Role::TownshipStaff => "township_staff",
            Role::VillageWorker => "village_worker",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Role::CountyAdmin => "县管理员",
            Role::CountyStatistician => "县统计员",
            Role::TownshipStaff => "乡镇工作人员",
            Role::VillageWorker => "村专干",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Role::CountyAdmin => "county administrator",
            Role::CountyStatistician => "county statistician",
            Role::TownshipStaff => "township staff",
            Role::VillageWorker => "village worker",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s || r.name_zh() == s)
    }

    /// The level of region an account of this role is scoped to.
    pub fn scope_level(self) -> crate::RegionLevel {
        match self {
            Role::CountyAdmin | Role::CountyStatistician => crate::RegionLevel::County,
            Role::TownshipStaff => crate::RegionLevel::Township,
            Role::VillageWorker => crate::RegionLevel::Village,
        }
    }

    pub fn edits_personal_records(self) -> bool {
        !matches!(self, Role::CountyStatistician)
    }

    pub fn manages_accounts(self) -> bool {
        matches!(self, Role::CountyAdmin)
    }
}

/// What an account may do, as the application checks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scope {
    pub role: Role,
    pub region: RegionCode,
}

impl Scope {
    /// Whether a record living in `code` is visible to this account.
    pub fn can_read(&self, code: &RegionCode) -> bool {
        self.region.contains(code)
    }

    pub fn can_write(&self, code: &RegionCode) -> bool {
        self.role.edits_personal_records() && self.can_read(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_follow_the_region_tree() {
        let village = RegionCode::parse("349901101201").unwrap();
        let other = RegionCode::parse("349901101202").unwrap();
        let worker = Scope {
            role: Role::VillageWorker,
            region: village.clone(),
        };
        assert!(worker.can_read(&village) && worker.can_write(&village));
        assert!(!worker.can_read(&other));
        let stat = Scope {
            role: Role::CountyStatistician,
            region: RegionCode::parse("349901000000").unwrap(),
        };
        assert!(stat.can_read(&other) && !stat.can_write(&other));
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
    }
}
