//! What can go wrong with a plan.

use renkou_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A value that cannot be taken (empty, too long, unknown kind, bad date…).
    #[error("{0}")]
    Invalid(String),
    /// The region is outside the account's, or the record does not exist: the
    /// same answer for both.
    #[error("不在您的范围内或不存在 / not in your area or no such record")]
    NotFound,
    /// A task kind that is a quota.
    #[error("任务不能是指标（“{0}”）：任务是工作人员自己的工作（核查、培训、宣传、服务、会议、报表），不给居民的生育或避孕定数 / a task cannot be a quota (\"{0}\"): tasks are the staff's own work, never a number of residents' births or contraceptive procedures")]
    Quota(String),
    /// Words of the abolished control system or of a quota on residents.
    #[error("{field}中含有“{word}”：本系统依法不安排针对居民生育或避孕的指标和检查，生育和避孕由本人自主决定；可以安排宣传、培训、服务随访和数据核查 / the {field} contains \"{word}\": renkou plans no quota or check on residents' childbearing or contraception (their choice by law); plan publicity, trainings, services and data checks instead")]
    Forbidden { field: String, word: String },
}
