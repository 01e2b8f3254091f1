//! Errors of the registrations domain, in words an office worker can act on,
//! naming records by number, never a person by name.

use renkou_store::StoreError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A form field that does not parse or is missing: (field, what is wrong).
    #[error("{0}：{1}")]
    Field(&'static str, String),
    #[error("只有县级账户可以设定登记簿起始编号")]
    CountyOnly,
    #[error("{office} {year} 年的登记簿已有登记，起始编号不能再改")]
    SequenceInUse { office: String, year: i32 },
    #[error("光荣证编号 {0} 已登记")]
    DuplicateCertificate(String),
    /// No such record, or one outside the reader's area (the same answer).
    #[error("找不到该记录")]
    NotFound,
    #[error("光荣证已注销，不能再换发或注销")]
    Revoked,
    #[error("证书密钥文件 {path} 无法使用：{why}")]
    Key { path: String, why: String },
}
