//! Accounts: passwords (argon2id) and their policy, logging in with a lockout that
//! an attacker cannot turn against the owner, first-login password change, and the
//! demo county's one account per role.
//!
//! Lockout. Five wrong passwords for one account from one address lock that
//! account *from that address* for fifteen minutes: the owner at another desk still
//! logs in, so nobody can lock the administrator out by guessing. An attempt is
//! counted before its password is checked, so parallel guesses cannot all be
//! tried before the lock applies. Unknown user names are counted and locked the
//! same way, so "locked" says nothing about which accounts exist. A distributed
//! guess (many addresses) still locks the account as a whole after
//! [`MAX_FAILED_LOGINS_ANYWHERE`] failures.

use crate::error::AppError;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use renkou_domain::account::Role;
use renkou_domain::RegionCode;
use renkou_store::accounts::Account;
use renkou_store::{Actor, AuditAction, AuditNote, RecordKind, Store};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failed logins for one account from one address before that address is locked
/// out of it, and for how long.
pub const MAX_FAILED_LOGINS: usize = 5;
pub const LOCKOUT_MINUTES: i64 = 15;
/// Failed logins from anywhere before the account itself is locked.
pub const MAX_FAILED_LOGINS_ANYWHERE: i64 = 100;
pub const MIN_PASSWORD_CHARS: usize = 8;

/// Passwords too common to accept, whatever their length: the most frequent
/// ones in published leaks of Chinese and international sites (lower case).
const COMMON_PASSWORDS: &[&str] = &[
    "12345678",
    "123456789",
    "1234567890",
    "87654321",
    "11111111",
    "00000000",
    "88888888",
    "66666666",
    "12341234",
    "11223344",
    "password",
    "password1",
    "passw0rd",
    "iloveyou",
    "qwertyui",
    "qwerty123",
    "1qaz2wsx",
    "1q2w3e4r",
    "abc12345",
    "abcd1234",
    "a1234567",
    "aa123456",
    "qq123456",
    "woaini1314",
    "woaini520",
    "5201314520",
    "admin123",
    "admin888",
    "administrator",
    "12qwaszx",
    "zxcvbnm1",
    "asdfghjk",
    "123qweasd",
    "123123123",
    "147258369",
    "159357456",
    "789456123",
    "520520520",
    "13141314",
    "dragon123",
    "sunshine",
    "princess",
    "football",
    "baseball",
    "welcome1",
    "letmein1",
    "trustno1",
    "changeme",
    "renkou123",
    "renkou-demo",
    "jihua123",
    "weijian123",
    "computer",
    "internet",
];

/// Attempts per (user name, address) in the lockout window; see the module docs.
#[derive(Default)]
pub struct LoginGuard {
    failures: Mutex<HashMap<(String, String), Vec<Instant>>>,
}

impl LoginGuard {
    fn window() -> Duration {
        Duration::from_secs(LOCKOUT_MINUTES as u64 * 60)
    }

    /// Counts an attempt before its password is checked; `Err(minutes)` when the
    /// address is locked out of the account.
    fn begin(&self, username: &str, address: &str) -> Result<(), i64> {
        let Ok(mut map) = self.failures.lock() else {
            return Err(LOCKOUT_MINUTES);
        };
        let now = Instant::now();
        if map.len() > 100_000 {
            // Forget idle entries rather than grow without bound under a flood.
            map.retain(|_, v| {
                v.last()
                    .is_some_and(|t| now.duration_since(*t) < Self::window())
            });
        }
        let v = map
            .entry((username.to_lowercase(), address.to_string()))
            .or_default();
        v.retain(|t| now.duration_since(*t) < Self::window());
        if v.len() >= MAX_FAILED_LOGINS {
            let left =
                Self::window().saturating_sub(now.duration_since(v[v.len() - MAX_FAILED_LOGINS]));
            return Err((left.as_secs().div_ceil(60) as i64).max(1));
        }
        v.push(now);
        Ok(())
    }

    /// A success forgets this address's failures for the account.
    fn succeeded(&self, username: &str, address: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(&(username.to_lowercase(), address.to_string()));
        }
    }
}

/// The password every demo account starts with; it must be changed at first login.
pub const DEMO_PASSWORD: &str = "renkou-demo";

pub fn hash_password(password: &str) -> Result<String, AppError> {
    let mut bytes = [0u8; 16];
    rand::Rng::fill(&mut rand::rng(), &mut bytes);
    let salt = SaltString::encode_b64(&bytes)
        .map_err(|e| AppError::Invalid(format!("password salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Invalid(format!("password hashing: {e}")))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Checks a new password against the policy; the message says what to change.
pub fn check_new_password(username: &str, password: &str) -> Result<(), AppError> {
    let invalid = |m: &str| Err(AppError::Invalid(m.to_string()));
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AppError::Invalid(format!(
            "密码至少 {MIN_PASSWORD_CHARS} 个字符 / the password needs at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    if password.chars().count() > 128 {
        return invalid("密码最多 128 个字符 / the password may have at most 128 characters");
    }
    if password.trim() != password || password.chars().any(char::is_control) {
        return invalid("密码首尾不能有空格，也不能含控制字符 / the password may not begin or end with spaces or hold control characters");
    }
    let lower = password.to_lowercase();
    if lower == username.to_lowercase()
        || password == DEMO_PASSWORD
        || lower.contains(&username.to_lowercase()) && username.len() >= 4
    {
        return invalid("密码不能与用户名或初始密码相同或包含用户名 / the password must differ from (and not contain) the user name and the initial password");
    }
    if COMMON_PASSWORDS.contains(&lower.as_str()) {
        return invalid("这个密码太常见，容易被猜中，请换一个 / this password is too common and easily guessed; choose another");
    }
    let distinct: std::collections::HashSet<char> = password.chars().collect();
    let classes = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if distinct.len() < 4 || classes < 2 {
        return invalid("密码须包含至少两类字符（字母、数字、符号），且不能由少数几个字符重复组成 / the password needs at least two kinds of character (letters, digits, symbols) and not just a few characters repeated");
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginError {
    #[error("用户名或密码错误 / wrong user name or password")]
    Wrong,
    #[error("账户已锁定，请 {0} 分钟后再试 / the account is locked; try again in {0} minutes")]
    Locked(i64),
    #[error("账户已停用 / the account is disabled")]
    Disabled,
}

/// Checks a login from `address`, counting it against the lockout first, and
/// writes the outcome to the audit log. A failed login of a name nobody has is
/// logged without the name (it may be a password typed into the wrong field).
pub fn login(
    store: &Store,
    guard: &LoginGuard,
    username: &str,
    password: &str,
    address: &str,
) -> Result<Result<(Account, Session), LoginError>, AppError> {
    let account = store.account_by_name(username)?;
    let shown = match &account {
        Some(a) => a.username.clone(),
        None => "（未知账户）".to_string(),
    };
    let audit = |action: AuditAction, fields: &str| {
        store.audit(
            &Actor {
                username: shown.clone(),
                address: address.to_string(),
                scope: None,
            },
            AuditNote {
                action,
                record: RecordKind::SESSION,
                record_id: &shown,
                fields,
            },
        )
    };
    if let Err(minutes) = guard.begin(username, address) {
        audit(AuditAction::LOGIN_LOCKED, "address")?;
        return Ok(Err(LoginError::Locked(minutes)));
    }
    let Some(account) = account else {
        // Same work as a real check, so timing does not reveal which names exist.
        let _ = verify_password(password, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$8PJvZ0iIoNZ8N2LZmkGxGmJ3aIuE0bHXrh4gzLRVQbQ");
        audit(AuditAction::LOGIN_FAILED, "")?;
        return Ok(Err(LoginError::Wrong));
    };
    let now = chrono::Utc::now();
    if let Some(until) = account.locked_until.filter(|u| *u > now) {
        audit(AuditAction::LOGIN_LOCKED, "account")?;
        return Ok(Err(LoginError::Locked(
            ((until - now).num_seconds() + 59) / 60,
        )));
    }
    if !verify_password(password, &account.password_hash) {
        let until = now + chrono::Duration::minutes(LOCKOUT_MINUTES);
        store.record_failed_login(account.id, MAX_FAILED_LOGINS_ANYWHERE, until)?;
        audit(AuditAction::LOGIN_FAILED, "")?;
        return Ok(Err(LoginError::Wrong));
    }
    if account.disabled {
        audit(AuditAction::LOGIN_FAILED, "disabled")?;
        return Ok(Err(LoginError::Disabled));
    }
    guard.succeeded(username, address);
    store.record_successful_login(account.id)?;
    let session = Session {
        token: random_token(),
        csrf: random_token(),
    };
    let expires = chrono::Utc::now() + chrono::Duration::hours(SESSION_HOURS);
    let who = Actor {
        username: account.username.clone(),
        address: address.to_string(),
        scope: None,
    };
    store.write(&who, |tx| {
        tx.create_session(&session.token, account.id, &session.csrf, expires)?;
        tx.audit(AuditNote {
            action: AuditAction::LOGIN,
            record: RecordKind::SESSION,
            record_id: &account.username,
            fields: "",
        })
    })?;
    Ok(Ok((account, session)))
}

/// How long a session lasts.
pub const SESSION_HOURS: i64 = 8;

/// A new session's secrets: the cookie's token and the forms' CSRF token (the
/// store keeps only the token's hash).
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub csrf: String,
}

fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::Rng::fill(&mut rand::rng(), &mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Ends a session, audited.
pub fn logout(store: &Store, actor: &Actor, token: &str) -> Result<(), AppError> {
    store.write(actor, |tx| {
        tx.end_session(token)?;
        tx.audit(AuditNote {
            action: AuditAction::LOGOUT,
            record: RecordKind::SESSION,
            record_id: &actor.username,
            fields: "",
        })?;
        Ok::<_, AppError>(())
    })
}

/// Creates an account with an initial password that must be changed at first
/// login, as the server's operator (the command line, the demo).
pub fn add_user(
    store: &Store,
    username: &str,
    display_name: &str,
    role: Role,
    region: &RegionCode,
    password: &str,
) -> Result<Account, AppError> {
    create_account(
        store,
        &Actor::operator("setup"),
        username,
        display_name,
        role,
        region,
        password,
    )
}

fn check_account_fields(
    username: &str,
    display_name: &str,
    role: Role,
    region: &RegionCode,
) -> Result<(), AppError> {
    if username.trim().is_empty()
        || username.contains(char::is_whitespace)
        || username.chars().count() > 32
        || username.chars().any(char::is_control)
    {
        return Err(AppError::Invalid(
            "用户名须为一个词，最多 32 个字符 / the user name must be one word of at most 32 characters".into(),
        ));
    }
    if display_name.chars().count() > 50 || display_name.chars().any(char::is_control) {
        return Err(AppError::Invalid(
            "显示名称最多 50 个字 / the display name may have at most 50 characters".into(),
        ));
    }
    if region.level() > role.scope_level()
        || (role.scope_level() != region.level()
            && role != Role::CountyAdmin
            && role != Role::CountyStatistician)
    {
        return Err(AppError::Invalid(format!(
            "{}的范围应为一个{} / a {} is scoped to a {}",
            role.name_zh(),
            role.scope_level().name_zh(),
            role.as_str(),
            role.scope_level().as_str()
        )));
    }
    Ok(())
}

fn audit_account(
    tx: &mut renkou_store::Tx<'_>,
    action: AuditAction,
    username: &str,
    fields: &str,
) -> renkou_store::Result<i64> {
    tx.audit(AuditNote {
        action,
        record: RecordKind::ACCOUNT,
        record_id: username,
        fields,
    })
}

/// Creates an account (the administrator's page, the command line), audited.
/// The initial password must be changed at first login; it is checked against
/// the policy unless the operator sets it at the command line.
pub fn create_account(
    store: &Store,
    actor: &Actor,
    username: &str,
    display_name: &str,
    role: Role,
    region: &RegionCode,
    password: &str,
) -> Result<Account, AppError> {
    let username = username.trim();
    check_account_fields(username, display_name, role, region)?;
    if actor.scope.is_some() {
        check_new_password(username, password)?;
    }
    let hash = hash_password(password)?;
    store.write(actor, |tx| {
        tx.create_account(username, display_name.trim(), role, region, &hash)?;
        audit_account(
            tx,
            AuditAction::CREATE,
            username,
            &format!("role={} region={region}", role.as_str()),
        )?;
        Ok::<_, AppError>(())
    })?;
    store
        .account_by_name(username)?
        .ok_or_else(|| AppError::Invalid("account vanished".into()))
}

fn account_named(store: &Store, username: &str) -> Result<Account, AppError> {
    store
        .account_by_name(username)?
        .ok_or_else(|| AppError::Invalid(format!("没有账户 {username} / no account {username}")))
}

/// Whether `actor` may manage `account`: the county administrator (or the
/// operator) manages accounts whose area lies inside theirs.
fn may_manage(actor: &Actor, account: &Account) -> Result<(), AppError> {
    if actor
        .scope
        .as_ref()
        .is_some_and(|s| !s.role.manages_accounts() || !s.region.contains(&account.region))
    {
        return Err(AppError::Invalid(
            "无权管理该账户 / you may not manage this account".into(),
        ));
    }
    Ok(())
}

/// Resets an account's password to a temporary one that must be changed at the
/// next login; ends its sessions. Audited.
pub fn reset_password(
    store: &Store,
    actor: &Actor,
    username: &str,
    temporary: &str,
) -> Result<(), AppError> {
    let a = account_named(store, username)?;
    may_manage(actor, &a)?;
    if actor.scope.is_some() {
        check_new_password(username, temporary)?;
    }
    let hash = hash_password(temporary)?;
    store.write(actor, |tx| {
        tx.set_password(a.id, &hash, true)?;
        audit_account(tx, AuditAction::RESET_PASSWORD, &a.username, "")?;
        Ok::<_, AppError>(())
    })
}

/// Disables an account (its sessions end and its tokens are revoked) or enables
/// it again. Audited. Nobody disables their own account.
pub fn set_disabled(
    store: &Store,
    actor: &Actor,
    username: &str,
    disabled: bool,
) -> Result<(), AppError> {
    let a = account_named(store, username)?;
    may_manage(actor, &a)?;
    if disabled && actor.scope.is_some() && a.username == actor.username {
        return Err(AppError::Invalid(
            "不能停用自己的账户 / you cannot disable your own account".into(),
        ));
    }
    store.write(actor, |tx| {
        tx.set_disabled(a.id, disabled)?;
        let action = if disabled {
            AuditAction::DISABLE
        } else {
            AuditAction::ENABLE
        };
        audit_account(tx, action, &a.username, "")?;
        Ok::<_, AppError>(())
    })
}

/// How long a new API token lives unless said otherwise.
pub const TOKEN_DAYS: i64 = 90;

/// Creates an API token for an account, valid for `days`; returns the token
/// (shown once, stored only as its hash). Audited.
pub fn create_token(
    store: &Store,
    actor: &Actor,
    username: &str,
    name: &str,
    days: i64,
) -> Result<String, AppError> {
    let a = account_named(store, username)?;
    may_manage(actor, &a)?;
    if !(1..=366).contains(&days) {
        return Err(AppError::Invalid(
            "令牌有效期应为 1 到 366 天 / a token lives 1 to 366 days".into(),
        ));
    }
    let mut b = [0u8; 32];
    rand::Rng::fill(&mut rand::rng(), &mut b);
    let token: String = b.iter().map(|x| format!("{x:02x}")).collect();
    let expires = chrono::Utc::now() + chrono::Duration::days(days);
    store.write(actor, |tx| {
        let id = tx.create_api_token(a.id, name, &token, expires)?;
        audit_account(
            tx,
            AuditAction::TOKEN,
            &a.username,
            &format!("token={id} created days={days}"),
        )?;
        Ok::<_, AppError>(())
    })?;
    Ok(token)
}

/// Revokes one API token of an account. Audited.
pub fn revoke_token(
    store: &Store,
    actor: &Actor,
    username: &str,
    id: i64,
) -> Result<bool, AppError> {
    let a = account_named(store, username)?;
    may_manage(actor, &a)?;
    store.write(actor, |tx| {
        let done = tx.revoke_api_token(a.id, id)?;
        if done {
            audit_account(
                tx,
                AuditAction::TOKEN,
                &a.username,
                &format!("token={id} revoked"),
            )?;
        }
        Ok::<_, AppError>(done)
    })
}

/// Sets a new password chosen by the account's owner (checked against the
/// policy) and ends the account's sessions. Audited.
pub fn change_password(
    store: &Store,
    actor: &Actor,
    account: &Account,
    new_password: &str,
) -> Result<(), AppError> {
    check_new_password(&account.username, new_password)?;
    let hash = hash_password(new_password)?;
    store.write(actor, |tx| {
        // The owner's own change: not an administrator's act.
        tx.conn().exec(
            "UPDATE users SET password_hash = $2, must_change_password = 0, failed_logins = 0, locked_until = NULL WHERE id = $1",
            &[renkou_store::Value::Int(account.id), hash.as_str().into()],
        )?;
        tx.conn().exec(
            "DELETE FROM sessions WHERE user_id = $1",
            &[renkou_store::Value::Int(account.id)],
        )?;
        audit_account(tx, AuditAction::UPDATE, &account.username, "password")?;
        Ok::<_, AppError>(())
    })
}

/// The demo county's accounts: one per role, all with [`DEMO_PASSWORD`].
pub fn demo_accounts(store: &Store) -> Result<Vec<(String, Role, RegionCode)>, AppError> {
    let regions = store.regions()?;
    let first = |level| {
        regions
            .iter()
            .find(|r| r.level() == level && r.valid_to.is_none())
            .map(|r| r.code.clone())
            .ok_or_else(|| {
                AppError::Invalid("演示县缺少区划 / the demo county has no regions".into())
            })
    };
    let county = first(renkou_domain::RegionLevel::County)?;
    let town = first(renkou_domain::RegionLevel::Township)?;
    let village = regions
        .iter()
        .find(|r| {
            r.level() == renkou_domain::RegionLevel::Village
                && town.contains(&r.code)
                && r.valid_to.is_none()
        })
        .map(|r| r.code.clone())
        .ok_or_else(|| AppError::Invalid("演示县缺少村 / the demo county has no village".into()))?;
    let wanted = [
        (
            "admin",
            "县管理员（演示）",
            Role::CountyAdmin,
            county.clone(),
        ),
        (
            "tongji",
            "县统计员（演示）",
            Role::CountyStatistician,
            county,
        ),
        (
            "xiangzhen",
            "乡镇工作人员（演示）",
            Role::TownshipStaff,
            town,
        ),
        (
            "cunzhuanggan",
            "村专干（演示）",
            Role::VillageWorker,
            village,
        ),
    ];
    let mut out = Vec::new();
    for (name, display, role, region) in wanted {
        if store.account_by_name(name)?.is_none() {
            add_user(store, name, display, role, &region, DEMO_PASSWORD)?;
        }
        out.push((name.to_string(), role, region));
    }
    Ok(out)
}

/// An account as the administrator's list shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AccountRow {
    pub account: Account,
    pub last_login: Option<chrono::DateTime<chrono::Utc>>,
}

/// The accounts `actor` manages (inside their area), with when each last logged
/// in. Anyone who does not manage accounts is refused.
pub fn list(store: &Store, actor: &Actor) -> Result<Vec<AccountRow>, AppError> {
    if actor
        .scope
        .as_ref()
        .is_some_and(|s| !s.role.manages_accounts())
    {
        return Err(renkou_store::StoreError::Forbidden.into());
    }
    let last = store.last_logins()?;
    Ok(store
        .accounts()?
        .into_iter()
        .filter(|a| may_manage(actor, a).is_ok())
        .map(|account| AccountRow {
            last_login: last.get(&account.username).copied(),
            account,
        })
        .collect())
}

/// One account `actor` manages, or `None` (as if it did not exist) when it lies
/// outside their area or they manage no accounts.
pub fn managed(store: &Store, actor: &Actor, username: &str) -> Result<Option<Account>, AppError> {
    Ok(store
        .account_by_name(username)?
        .filter(|a| may_manage(actor, a).is_ok()))
}
