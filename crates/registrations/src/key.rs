//! The county's certificate key: 32 random bytes (64 hex digits) in a file outside
//! the database and the repository, readable by its owner only. It signs the
//! verification code printed on a certificate (HMAC-SHA-256), so nobody without it
//! can make a code the public page accepts.
//!
//! Where: `RENKOU_CERTIFICATE_KEY_FILE`, else beside the audit key
//! (`certificates-<audit key's file name>`), created on first use. Tests make their
//! own with [`CertificateKey::from_bytes`] or a temporary file.

use crate::error::Error;
use crate::rules::{parse_code, signed_payload, TAG_HEX};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

#[derive(Clone)]
pub struct CertificateKey {
    bytes: [u8; 32],
    /// The first 8 hex digits of SHA-256 of the key: names it without revealing it.
    pub id: String,
}

impl std::fmt::Debug for CertificateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CertificateKey({})", self.id)
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The key file for a store whose audit key lives at `audit_key_path`.
pub fn path_for(audit_key_path: &Path) -> PathBuf {
    if let Some(p) = std::env::var_os("RENKOU_CERTIFICATE_KEY_FILE") {
        return p.into();
    }
    let name = audit_key_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "audit.key".into());
    audit_key_path.with_file_name(format!("certificates-{name}"))
}

impl CertificateKey {
    pub fn from_bytes(bytes: [u8; 32]) -> CertificateKey {
        let id = hex(&Sha256::digest(bytes))[..8].to_string();
        CertificateKey { bytes, id }
    }

    /// Reads the key at `path`, creating it when the file does not exist.
    pub fn load_or_create(path: &Path) -> Result<CertificateKey, Error> {
        let err = |why: String| Error::Key {
            path: path.display().to_string(),
            why,
        };
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
                }
                let mut b = [0u8; 32];
                rand::Rng::fill(&mut rand::rng(), &mut b[..]);
                write_private(path, hex(&b).as_bytes()).map_err(|e| err(e.to_string()))?;
                hex(&b)
            }
            Err(e) => return Err(err(e.to_string())),
        };
        let raw = unhex(text.trim())
            .filter(|k| k.len() == 32)
            .ok_or_else(|| err("不是 64 位十六进制数".into()))?;
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(&raw);
        Ok(CertificateKey::from_bytes(bytes))
    }

    fn mac(&self, certificate_id: i64, version: i64) -> Hmac<Sha256> {
        let mut m =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.bytes).expect("HMAC takes any key length");
        m.update(signed_payload(certificate_id, version).as_bytes());
        m
    }

    /// The code printed on version `version` of certificate `certificate_id`.
    pub fn code(&self, certificate_id: i64, version: i64) -> String {
        let tag = hex(&self.mac(certificate_id, version).finalize().into_bytes());
        format!("{certificate_id}-{version}-{}", &tag[..TAG_HEX])
    }

    /// The (certificate, version) a code names, when its tag is this key's
    /// (compared in constant time); `None` for anything else.
    pub fn verify(&self, code: &str) -> Option<(i64, i64)> {
        let (id, version, tag) = parse_code(code)?;
        let raw = unhex(tag)?;
        self.mac(id, version)
            .verify_truncated_left(&raw)
            .ok()
            .map(|_| (id, version))
    }
}

#[cfg(unix)]
fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(data)
}

#[cfg(not(unix))]
fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_verifies_under_its_key_only_and_not_altered() {
        let k = CertificateKey::from_bytes([7; 32]);
        let code = k.code(12, 1);
        assert_eq!(k.verify(&code), Some((12, 1)));
        // Another key, another certificate, another version, a flipped digit.
        assert_eq!(CertificateKey::from_bytes([8; 32]).verify(&code), None);
        let tag = code.rsplit('-').next().unwrap();
        assert_eq!(k.verify(&format!("13-1-{tag}")), None);
        assert_eq!(k.verify(&format!("12-2-{tag}")), None);
        let mut flipped = code.clone().into_bytes();
        let last = flipped.len() - 1;
        flipped[last] = if flipped[last] == b'0' { b'1' } else { b'0' };
        assert_eq!(k.verify(&String::from_utf8(flipped).unwrap()), None);
    }

    #[test]
    fn a_key_file_is_created_once_and_read_back() {
        let dir = std::env::temp_dir().join(format!("renkou-cert-key-{}", std::process::id()));
        let path = dir.join("k.key");
        let _ = std::fs::remove_file(&path);
        let a = CertificateKey::load_or_create(&path).unwrap();
        let b = CertificateKey::load_or_create(&path).unwrap();
        assert_eq!(a.code(1, 1), b.code(1, 1));
        std::fs::write(&path, "not hex").unwrap();
        assert!(CertificateKey::load_or_create(&path).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
