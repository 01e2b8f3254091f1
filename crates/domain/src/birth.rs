//! 出生记录: a live birth as one source (village ledger, hospital birth certificates,
//! household registration, birth registration service) reports it. Source records
//! are kept as the source said them — including its birth order — and never change
//! the register by themselves; reconciliation compares them with it.

use crate::codes::Sex;
use crate::date::Date;
use crate::id_number::IdNumber;
use crate::region::RegionCode;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceBirth {
    /// 记录编号: unique within the source.
    pub record_id: String,
    pub child_name: Option<String>,
    pub child_sex: Sex,
    pub birth_date: Date,
    /// 孩次 as this source reports it (not the register's derived order).
    pub reported_birth_order: Option<u32>,
    pub mother_name: Option<String>,
    pub mother_id_number: Option<IdNumber>,
    pub mother_birth_date: Option<Date>,
    pub father_name: Option<String>,
    pub father_id_number: Option<IdNumber>,
    pub region_code: Option<RegionCode>,
    pub place: Option<String>,
}
