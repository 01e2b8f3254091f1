//! Accounts: passwords (argon2id), logging in with lockout after repeated failures,
//! first-login password change, and the demo county's one account per role.

use crate::error::AppError;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use renkou_domain::account::Role;
use renkou_domain::RegionCode;
use renkou_store::accounts::Account;
use renkou_store::audit::AuditRecord;
use renkou_store::Store;

/// Failed logins before an account is locked, and for how long.
pub const MAX_FAILED_LOGINS: i64 = 5;
pub const LOCKOUT_MINUTES: i64 = 15;
pub const MIN_PASSWORD_CHARS: usize = 8;

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
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AppError::Invalid(format!(
            "密码至少 {MIN_PASSWORD_CHARS} 个字符 / the password needs at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    if password == username || password == DEMO_PASSWORD {
        return Err(AppError::Invalid(
            "密码不能与用户名或初始密码相同 / the password must differ from the user name and the initial password".into(),
        ));
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

/// Checks a login; records failures (locking the account after
/// [`MAX_FAILED_LOGINS`]) and writes both outcomes to the audit log.
pub fn login(
    store: &Store,
    username: &str,
    password: &str,
    address: &str,
) -> Result<Result<Account, LoginError>, AppError> {
    let audit = |action: &str| {
        store.audit(&AuditRecord {
            username,
            action,
            record_type: "session",
            record_id: username,
            fields: "",
            address,
        })
    };
    let Some(account) = store.account_by_name(username)? else {
        // Same work as a real check, so timing does not reveal which names exist.
        let _ = verify_password(password, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$8PJvZ0iIoNZ8N2LZmkGxGmJ3aIuE0bHXrh4gzLRVQbQ");
        audit("login_failed")?;
        return Ok(Err(LoginError::Wrong));
    };
    let now = chrono::Utc::now();
    if let Some(until) = account.locked_until.filter(|u| *u > now) {
        audit("login_locked")?;
        return Ok(Err(LoginError::Locked(
            ((until - now).num_seconds() + 59) / 60,
        )));
    }
    if account.disabled {
        audit("login_failed")?;
        return Ok(Err(LoginError::Disabled));
    }
    if !verify_password(password, &account.password_hash) {
        let until = now + chrono::Duration::minutes(LOCKOUT_MINUTES);
        let n = store.record_failed_login(account.id, MAX_FAILED_LOGINS, until)?;
        audit("login_failed")?;
        if n >= MAX_FAILED_LOGINS {
            return Ok(Err(LoginError::Locked(LOCKOUT_MINUTES)));
        }
        return Ok(Err(LoginError::Wrong));
    }
    store.record_successful_login(account.id)?;
    audit("login")?;
    Ok(Ok(account))
}

/// Creates an account with an initial password that must be changed at first login.
pub fn add_user(
    store: &Store,
    username: &str,
    display_name: &str,
    role: Role,
    region: &RegionCode,
    password: &str,
) -> Result<Account, AppError> {
    if username.trim().is_empty() || username.contains(char::is_whitespace) {
        return Err(AppError::Invalid(
            "用户名不能为空或含空格 / the user name must be one word".into(),
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
    let hash = hash_password(password)?;
    Ok(store.create_account(username, display_name, role, region, &hash)?)
}

/// Sets a new password (checked against the policy) and ends the account's sessions.
pub fn change_password(
    store: &Store,
    account: &Account,
    new_password: &str,
) -> Result<(), AppError> {
    check_new_password(&account.username, new_password)?;
    let hash = hash_password(new_password)?;
    store.set_password(account.id, &hash, false)?;
    Ok(())
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
