//! Scans beside attested facts (证明材料扫描件): the document a fact was attested on
//! (a 残疾人证, a 收养登记证, a household register page), uploaded as PDF, JPEG or
//! PNG, kept in the database with its SHA-256 (`benefit_fact_scans`), listed beside
//! the fact and downloadable — only inside the reader's area, like the fact.
//!
//! What a file is comes from its first bytes, not from what the browser claims,
//! and must agree with its name's extension; anything else is refused, as is a file
//! over [`MAX_BYTES`]. An upload is one transaction with its audit entry; a
//! download is logged as a view.

use crate::error::Error;
use renkou_domain::RegionCode;
use renkou_store::{Actor, AuditAction, AuditNote, Conn, RecordKind, Store, StoreError, Value};
use sha2::{Digest, Sha256};

/// The audit log's name for a scan.
pub const SCAN: RecordKind = RecordKind::new(
    "benefit_fact_scan",
    "证明材料扫描件",
    "scan of a fact's document",
);

/// The largest scan accepted: 10 MiB (a phone photo of a certificate is 2-5 MB).
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// The kinds of file a scan may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanKind {
    Pdf,
    Jpeg,
    Png,
}

impl ScanKind {
    /// What the bytes are, by their signature.
    pub fn sniff(bytes: &[u8]) -> Option<ScanKind> {
        if bytes.starts_with(b"%PDF-") {
            Some(ScanKind::Pdf)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ScanKind::Jpeg)
        } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
            Some(ScanKind::Png)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ScanKind::Pdf => "application/pdf",
            ScanKind::Jpeg => "image/jpeg",
            ScanKind::Png => "image/png",
        }
    }

    fn extensions(self) -> &'static [&'static str] {
        match self {
            ScanKind::Pdf => &["pdf"],
            ScanKind::Jpeg => &["jpg", "jpeg"],
            ScanKind::Png => &["png"],
        }
    }
}

/// A stored scan without its bytes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ScanInfo {
    pub id: i64,
    pub fact_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub region_code: String,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Checks a file: its kind by content, agreeing with the name's extension, and
/// its size.
pub fn check(file_name: &str, bytes: &[u8]) -> Result<ScanKind, Error> {
    if bytes.is_empty() {
        return Err(Error::Invalid(format!(
            "{file_name}：文件是空的 / {file_name}: the file is empty"
        )));
    }
    if bytes.len() > MAX_BYTES {
        return Err(Error::Invalid(format!(
            "{file_name}：文件超过 10 MB / {file_name}: the file is larger than 10 MB"
        )));
    }
    let kind = ScanKind::sniff(bytes).ok_or_else(|| {
        Error::Invalid(format!(
            "{file_name}：只接受 PDF、JPEG 或 PNG 文件 / {file_name}: only PDF, JPEG or PNG files are accepted"
        ))
    })?;
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if !kind.extensions().contains(&ext.as_str()) {
        return Err(Error::Invalid(format!(
            "{file_name}：文件内容是 {}，与扩展名不符 / {file_name}: the content is {}, which its name does not say",
            kind.content_type(),
            kind.content_type()
        )));
    }
    Ok(kind)
}

fn fact_region(c: &mut dyn Conn, fact_id: i64) -> Result<Option<(String, String)>, StoreError> {
    Ok(c.query_one(
        "SELECT person_no, region_code FROM benefit_facts WHERE id = $1",
        &[fact_id.into()],
    )?
    .and_then(|r| Some((r[0].text()?, r[1].text()?))))
}

/// Stores a scan beside fact `fact_id` of the writer's area; returns its id.
pub fn upload(
    store: &Store,
    actor: &Actor,
    fact_id: i64,
    file_name: &str,
    bytes: &[u8],
) -> Result<i64, Error> {
    let kind = check(file_name, bytes)?;
    let sha = hex(&Sha256::digest(bytes));
    let name: String = file_name.chars().take(120).collect();
    store.write(actor, |tx| {
        let (_, region) = fact_region(tx.conn(), fact_id)?
            .ok_or_else(|| Error::Invalid(format!("找不到证明事实 {fact_id} / no attested fact {fact_id}")))?;
        let code = RegionCode::parse(&region)?;
        if !tx.actor().can_read(&code) {
            return Err(Error::Invalid(format!("找不到证明事实 {fact_id} / no attested fact {fact_id}")));
        }
        if !tx.actor().can_write(&code) {
            return Err(Error::Store(StoreError::Forbidden));
        }
        let by = tx.actor().username.clone();
        let id = tx
            .conn()
            .query_one(
                "INSERT INTO benefit_fact_scans (fact_id, file_name, content_type, size, sha256, content, region_code, uploaded_by, uploaded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                &[
                    fact_id.into(),
                    name.as_str().into(),
                    kind.content_type().into(),
                    (bytes.len() as i64).into(),
                    sha.as_str().into(),
                    Value::Bytes(bytes.to_vec()),
                    region.as_str().into(),
                    by.into(),
                    renkou_store::now().into(),
                ],
            )?
            .and_then(|r| r[0].int())
            .ok_or_else(|| StoreError::Corrupt("benefit_fact_scans.id".into()))?;
        tx.audit(AuditNote {
            action: AuditAction::CREATE,
            record: SCAN,
            record_id: &id.to_string(),
            fields: &format!("fact={fact_id};type={};size={};sha256={sha}", kind.content_type(), bytes.len()),
        })?;
        Ok(id)
    })
}

const COLS: &str =
    "id, fact_id, file_name, content_type, size, sha256, region_code, uploaded_by, uploaded_at";

fn to_info(r: &[Value]) -> Result<ScanInfo, StoreError> {
    let bad = || StoreError::Corrupt("benefit_fact_scans".into());
    Ok(ScanInfo {
        id: r[0].int().ok_or_else(bad)?,
        fact_id: r[1].int().ok_or_else(bad)?,
        file_name: r[2].text().ok_or_else(bad)?,
        content_type: r[3].text().ok_or_else(bad)?,
        size: r[4].int().ok_or_else(bad)?,
        sha256: r[5].text().ok_or_else(bad)?,
        region_code: r[6].text().ok_or_else(bad)?,
        uploaded_by: r[7].text().ok_or_else(bad)?,
        uploaded_at: r[8]
            .time()
            .map(|t| t.to_rfc3339())
            .or_else(|| r[8].text())
            .ok_or_else(bad)?,
    })
}

/// The scans of a person's facts (the caller has checked the person is in the
/// reader's area), oldest first.
pub fn scans_of_person(store: &Store, person_no: &str) -> Result<Vec<ScanInfo>, Error> {
    let rows = store.with(|c| {
        c.query(
            &format!(
                "SELECT {} FROM benefit_fact_scans s WHERE s.fact_id IN \
                 (SELECT id FROM benefit_facts WHERE person_no = $1) ORDER BY s.id",
                COLS.split(", ")
                    .map(|c| format!("s.{c}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            &[person_no.into()],
        )
    })?;
    Ok(rows.iter().map(|r| to_info(r)).collect::<Result<_, _>>()?)
}

/// A scan with its bytes, when it lies in the reader's area (`None` otherwise, as
/// for a scan that does not exist); the read is logged.
pub fn download(
    store: &Store,
    actor: &Actor,
    id: i64,
) -> Result<Option<(ScanInfo, Vec<u8>)>, Error> {
    let row = store.with(|c| {
        c.query_one(
            &format!("SELECT {COLS}, content FROM benefit_fact_scans WHERE id = $1"),
            &[id.into()],
        )
    })?;
    let Some(r) = row else { return Ok(None) };
    let info = to_info(&r)?;
    let Ok(code) = RegionCode::parse(&info.region_code) else {
        return Ok(None);
    };
    if !actor.can_read(&code) {
        return Ok(None);
    }
    let bytes = r[9].bytes().map(<[u8]>::to_vec).unwrap_or_default();
    store.audit_view(
        actor,
        SCAN,
        &id.to_string(),
        &format!("fact={}", info.fact_id),
    )?;
    Ok(Some((info, bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_what_its_bytes_say_and_its_name_must_agree() {
        assert_eq!(check("a.pdf", b"%PDF-1.7 ...").unwrap(), ScanKind::Pdf);
        assert_eq!(
            check("a.JPG", &[0xFF, 0xD8, 0xFF, 0xE0]).unwrap(),
            ScanKind::Jpeg
        );
        let png = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0];
        assert_eq!(check("scan.png", &png).unwrap(), ScanKind::Png);
        // A PNG named .pdf, an HTML page named .pdf, an empty file, a huge one.
        assert!(check("scan.pdf", &png).is_err());
        assert!(check("x.pdf", b"<html><script>").is_err());
        assert!(check("x.pdf", b"").is_err());
        let mut big = b"%PDF-".to_vec();
        big.resize(MAX_BYTES + 1, b' ');
        assert!(check("big.pdf", &big).is_err());
    }
}
