//! Accounts, sessions and API tokens. The store keeps only hashes of secrets:
//! passwords are hashed by the application (argon2id) before they get here, session
//! and API tokens are stored as SHA-256 of the token.

use crate::error::{Result, StoreError};
use crate::value::Value;
use crate::Store;
use chrono::{DateTime, Utc};
use renkou_domain::account::Role;
use renkou_domain::RegionCode;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub region: RegionCode,
    #[serde(skip)]
    pub password_hash: String,
    pub must_change_password: bool,
    pub disabled: bool,
    pub failed_logins: i64,
    pub locked_until: Option<DateTime<Utc>>,
}

const COLS: &str = "id, username, display_name, role, region_code, password_hash, \
     must_change_password, disabled, failed_logins, locked_until";

fn to_account(r: &[Value]) -> Result<Account> {
    let bad = |w: &str| StoreError::Corrupt(format!("users.{w}"));
    Ok(Account {
        id: r[0].int().ok_or_else(|| bad("id"))?,
        username: r[1].text().unwrap_or_default(),
        display_name: r[2].text().unwrap_or_default(),
        role: Role::parse(r[3].as_str().unwrap_or_default()).ok_or_else(|| bad("role"))?,
        region: RegionCode::parse(r[4].as_str().unwrap_or_default())
            .map_err(|_| bad("region_code"))?,
        password_hash: r[5].text().unwrap_or_default(),
        must_change_password: r[6].int().unwrap_or(1) != 0,
        disabled: r[7].int().unwrap_or(0) != 0,
        failed_logins: r[8].int().unwrap_or(0),
        locked_until: r[9].time(),
    })
}

/// SHA-256 of a secret token, hex.
pub fn token_hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(token.as_bytes()))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Store {
    pub fn create_account(
        &self,
        username: &str,
        display_name: &str,
        role: Role,
        region: &RegionCode,
        password_hash: &str,
    ) -> Result<Account> {
        self.transaction(|c| {
            create_account_in(c, username, display_name, role, region, password_hash)
        })?;
        self.account_by_name(username)?
            .ok_or_else(|| StoreError::Corrupt("account vanished".into()))
    }
}

fn create_account_in(
    c: &mut dyn crate::conn::Conn,
    username: &str,
    display_name: &str,
    role: Role,
    region: &RegionCode,
    password_hash: &str,
) -> Result<()> {
    if crate::regions::region(c, region)?.is_none() {
        return Err(StoreError::Invalid(format!(
            "区划 {region} 不存在 / region {region} does not exist"
        )));
    }
    if c.query_one(
        "SELECT 1 FROM users WHERE username = $1",
        &[username.into()],
    )?
    .is_some()
    {
        return Err(StoreError::Invalid(format!(
            "用户名 {username} 已存在 / user {username} already exists"
        )));
    }
    c.exec(
        "INSERT INTO users (username, display_name, role, region_code, password_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            username.into(),
            display_name.into(),
            role.as_str().into(),
            region.as_str().into(),
            password_hash.into(),
            crate::now().into(),
        ],
    )?;
    Ok(())
}

impl Store {
    pub fn account_by_name(&self, username: &str) -> Result<Option<Account>> {
        self.with(|c| {
            c.query_one(
                &format!("SELECT {COLS} FROM users WHERE username = $1"),
                &[username.into()],
            )?
            .as_deref()
            .map(to_account)
            .transpose()
        })
    }

    pub fn account(&self, id: i64) -> Result<Option<Account>> {
        self.with(|c| {
            c.query_one(
                &format!("SELECT {COLS} FROM users WHERE id = $1"),
                &[Value::Int(id)],
            )?
            .as_deref()
            .map(to_account)
            .transpose()
        })
    }

    pub fn accounts(&self) -> Result<Vec<Account>> {
        self.with(|c| {
            c.query(&format!("SELECT {COLS} FROM users ORDER BY username"), &[])?
                .iter()
                .map(|r| to_account(r))
                .collect()
        })
    }

    /// When each account last logged in, from the audit log (accounts that never
    /// did are absent).
    pub fn last_logins(&self) -> Result<std::collections::HashMap<String, DateTime<Utc>>> {
        self.with(|c| {
            Ok(c.query(
                "SELECT username, MAX(at) FROM audit_log WHERE action = 'login' GROUP BY username",
                &[],
            )?
            .iter()
            .filter_map(|r| Some((r[0].text()?, r[1].time()?)))
            .collect())
        })
    }

    pub fn set_password(&self, id: i64, password_hash: &str, must_change: bool) -> Result<()> {
        self.with(|c| set_password_in(c, id, password_hash, must_change))
    }

    pub fn set_disabled(&self, id: i64, disabled: bool) -> Result<()> {
        self.with(|c| set_disabled_in(c, id, disabled))
    }
}

fn set_password_in(
    c: &mut dyn crate::conn::Conn,
    id: i64,
    password_hash: &str,
    must_change: bool,
) -> Result<()> {
    c.exec(
        "UPDATE users SET password_hash = $2, must_change_password = $3, failed_logins = 0, locked_until = NULL WHERE id = $1",
        &[Value::Int(id), password_hash.into(), Value::Int(must_change as i64)],
    )?;
    // A new password ends every session of the account.
    c.exec("DELETE FROM sessions WHERE user_id = $1", &[Value::Int(id)])?;
    Ok(())
}

fn set_disabled_in(c: &mut dyn crate::conn::Conn, id: i64, disabled: bool) -> Result<()> {
    c.exec(
        "UPDATE users SET disabled = $2 WHERE id = $1",
        &[Value::Int(id), Value::Int(disabled as i64)],
    )?;
    if disabled {
        c.exec("DELETE FROM sessions WHERE user_id = $1", &[Value::Int(id)])?;
        c.exec(
            "UPDATE api_tokens SET revoked = 1 WHERE user_id = $1",
            &[Value::Int(id)],
        )?;
    }
    Ok(())
}

/// The account changes only the county's administrator (or the server's
/// operator) makes, each in the caller's transaction with its audit entry.
impl crate::Tx<'_> {
    /// Opens a session of the actor's own account (logging in).
    pub fn create_session(
        &mut self,
        token: &str,
        user_id: i64,
        csrf_token: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        self.conn().exec(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
            &[
                token_hash(token).into(),
                Value::Int(user_id),
                csrf_token.into(),
                crate::now().into(),
                expires_at.into(),
            ],
        )?;
        Ok(())
    }

    /// Ends a session (logging out).
    pub fn end_session(&mut self, token: &str) -> Result<()> {
        self.conn().exec(
            "DELETE FROM sessions WHERE token_hash = $1",
            &[token_hash(token).into()],
        )?;
        Ok(())
    }

    fn may_manage(&self) -> Result<()> {
        match &self.actor().scope {
            Some(s) if !s.role.manages_accounts() => Err(StoreError::Forbidden),
            _ => Ok(()),
        }
    }

    pub fn create_account(
        &mut self,
        username: &str,
        display_name: &str,
        role: Role,
        region: &RegionCode,
        password_hash: &str,
    ) -> Result<()> {
        self.may_manage()?;
        if let Some(area) = self.actor().area() {
            if !area.contains(region) {
                return Err(StoreError::OutsideArea(format!(
                    "区划 {region} 不在您的辖区内 / region {region} is outside your area"
                )));
            }
        }
        create_account_in(
            self.conn(),
            username,
            display_name,
            role,
            region,
            password_hash,
        )
    }

    pub fn set_password(&mut self, id: i64, password_hash: &str, must_change: bool) -> Result<()> {
        self.may_manage()?;
        set_password_in(self.conn(), id, password_hash, must_change)
    }

    pub fn set_disabled(&mut self, id: i64, disabled: bool) -> Result<()> {
        self.may_manage()?;
        set_disabled_in(self.conn(), id, disabled)
    }

    pub fn create_api_token(
        &mut self,
        user_id: i64,
        name: &str,
        token: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<i64> {
        self.may_manage()?;
        self.conn()
            .query_one(
                "INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                &[
                    Value::Int(user_id),
                    name.into(),
                    token_hash(token).into(),
                    crate::now().into(),
                    expires_at.into(),
                ],
            )?
            .and_then(|r| r[0].int())
            .ok_or_else(|| StoreError::Corrupt("api_tokens id".into()))
    }

    pub fn revoke_api_token(&mut self, user_id: i64, id: i64) -> Result<bool> {
        self.may_manage()?;
        Ok(self.conn().exec(
            "UPDATE api_tokens SET revoked = 1 WHERE id = $1 AND user_id = $2 AND revoked = 0",
            &[Value::Int(id), Value::Int(user_id)],
        )? > 0)
    }
}

impl Store {
    /// Records a failed login; locks the account until `lock_until` once `max`
    /// failures have been reached. Returns the failures so far.
    pub fn record_failed_login(&self, id: i64, max: i64, lock_until: DateTime<Utc>) -> Result<i64> {
        self.transaction(|c| {
            c.exec(
                "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1",
                &[Value::Int(id)],
            )?;
            let n = c
                .query_one(
                    "SELECT failed_logins FROM users WHERE id = $1",
                    &[Value::Int(id)],
                )?
                .and_then(|r| r[0].int())
                .unwrap_or(0);
            if n >= max {
                c.exec(
                    "UPDATE users SET locked_until = $2, failed_logins = 0 WHERE id = $1",
                    &[Value::Int(id), lock_until.into()],
                )?;
            }
            Ok(n)
        })
    }

    pub fn record_successful_login(&self, id: i64) -> Result<()> {
        self.with(|c| {
            c.exec(
                "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1",
                &[Value::Int(id)],
            )?;
            Ok(())
        })
    }

    pub fn create_session(
        &self,
        token: &str,
        user_id: i64,
        csrf_token: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        self.with(|c| {
            c.exec(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
                &[
                    token_hash(token).into(),
                    Value::Int(user_id),
                    csrf_token.into(),
                    crate::now().into(),
                    expires_at.into(),
                ],
            )?;
            Ok(())
        })
    }

    /// The account and CSRF token of a live session.
    pub fn session(&self, token: &str) -> Result<Option<(Account, String)>> {
        let row = self.with(|c| {
            c.query_one(
                "SELECT user_id, csrf_token, expires_at FROM sessions WHERE token_hash = $1",
                &[token_hash(token).into()],
            )
        })?;
        let Some(r) = row else { return Ok(None) };
        if r[2].time().is_none_or(|t| t < crate::now()) {
            self.end_session(token)?;
            return Ok(None);
        }
        let Some(account) = self.account(r[0].int().unwrap_or(0))? else {
            return Ok(None);
        };
        if account.disabled {
            return Ok(None);
        }
        Ok(Some((account, r[1].text().unwrap_or_default())))
    }

    pub fn end_session(&self, token: &str) -> Result<()> {
        self.with(|c| {
            c.exec(
                "DELETE FROM sessions WHERE token_hash = $1",
                &[token_hash(token).into()],
            )?;
            Ok(())
        })
    }

    /// Creates an API token valid until `expires_at`.
    pub fn create_api_token(
        &self,
        user_id: i64,
        name: &str,
        token: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<i64> {
        self.with(|c| {
            c.query_one(
                "INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                &[
                    Value::Int(user_id),
                    name.into(),
                    token_hash(token).into(),
                    crate::now().into(),
                    expires_at.into(),
                ],
            )?
            .and_then(|r| r[0].int())
            .ok_or_else(|| StoreError::Corrupt("api_tokens id".into()))
        })
    }

    /// An account's tokens, newest first (never the token itself).
    pub fn api_tokens(&self, user_id: i64) -> Result<Vec<ApiToken>> {
        self.with(|c| {
            Ok(c.query(
                "SELECT id, name, created_at, expires_at, last_used_at, revoked FROM api_tokens WHERE user_id = $1 ORDER BY id DESC",
                &[Value::Int(user_id)],
            )?
            .into_iter()
            .map(|r| {
                let created_at = r[2].time().unwrap_or_default();
                ApiToken {
                    id: r[0].int().unwrap_or(0),
                    name: r[1].text().unwrap_or_default(),
                    created_at,
                    expires_at: r[3].time().unwrap_or(created_at + legacy_token_life()),
                    last_used_at: r[4].time(),
                    revoked: r[5].int().unwrap_or(0) != 0,
                }
            })
            .collect())
        })
    }

    /// The account an API token belongs to, if the token is live: not revoked, not
    /// expired, its account enabled and past its first-login password change.
    pub fn api_token_account(&self, token: &str) -> Result<Option<Account>> {
        let row = self.with(|c| {
            c.query_one(
                "SELECT id, user_id, created_at, expires_at FROM api_tokens WHERE token_hash = $1 AND revoked = 0",
                &[token_hash(token).into()],
            )
        })?;
        let Some(r) = row else { return Ok(None) };
        let created = r[2].time().unwrap_or_default();
        let expires = r[3].time().unwrap_or(created + legacy_token_life());
        let now = crate::now();
        if expires <= now {
            return Ok(None);
        }
        let (id, user) = (r[0].int().unwrap_or(0), r[1].int().unwrap_or(0));
        // When it was last used, to the minute (a write per request would be a lot).
        self.with(|c| {
            c.exec(
                "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $3)",
                &[Value::Int(id), now.into(), (now - chrono::Duration::minutes(1)).into()],
            )
        })?;
        Ok(self
            .account(user)?
            .filter(|a| !a.disabled && !a.must_change_password))
    }
}

/// Tokens made before tokens expired live this long from their creation.
fn legacy_token_life() -> chrono::Duration {
    chrono::Duration::days(90)
}

/// An API token as its owner and the administrator see it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked: bool,
}
