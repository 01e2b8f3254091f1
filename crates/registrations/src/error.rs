//! Errors of the registrations domain, in words an office worker can act on,
//! naming the field or the record by number, never a person by name. Each message
//! is written "中文 / English" (the web pages show their language's half).

use renkou_store::StoreError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A form field that is missing or does not fit: (中文, English).
    #[error("{0} / {1}")]
    Field(&'static str, &'static str),
    #[error("区划代码 {0} 不在区划表中 / region code {0} is not in the region tree")]
    UnknownRegion(String),
    #[error("只有县级管理员可以设定登记簿起始编号 / only the county administrator can set where a book starts")]
    CountyOnly,
    #[error("{office} {year} 年的登记簿已有登记，起始编号不能再改 / the {year} book of {office} already holds registrations; its start cannot change")]
    SequenceInUse { office: String, year: i32 },
    #[error("光荣证编号 {0} 已登记 / certificate number {0} is already registered")]
    DuplicateCertificate(String),
    /// No such record, or one outside the reader's area (the same answer).
    #[error("找不到该记录 / no such record")]
    NotFound,
    #[error("光荣证已注销，不能再换发或注销 / the certificate is revoked; it cannot be replaced or revoked again")]
    Revoked,
    #[error(
        "证书密钥文件 {path} 无法使用：{why} / certificate key file {path} cannot be used: {why}"
    )]
    Key { path: String, why: String },
}
