-- Accounts, sessions, API tokens, the audit log and background jobs.

-- role: county_admin | county_statistician | township_staff | village_worker.
-- region_code: the account's scope; every read and write is checked against it.
CREATE TABLE users (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    username            TEXT NOT NULL UNIQUE,
    display_name        TEXT NOT NULL,
    role                TEXT NOT NULL,
    region_code         TEXT NOT NULL REFERENCES regions(code),
    password_hash       TEXT NOT NULL,
    must_change_password INTEGER NOT NULL DEFAULT 1,
    disabled            INTEGER NOT NULL DEFAULT 0,
    failed_logins       INTEGER NOT NULL DEFAULT 0,
    locked_until        TEXT,
    created_at          TEXT NOT NULL
);

-- Only a hash of the session token is stored: a copied database opens no session.
CREATE TABLE sessions (
    token_hash          TEXT PRIMARY KEY,
    user_id             INTEGER NOT NULL REFERENCES users(id),
    csrf_token          TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    expires_at          TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id             INTEGER NOT NULL REFERENCES users(id),
    name                TEXT NOT NULL,
    token_hash          TEXT NOT NULL UNIQUE,
    created_at          TEXT NOT NULL,
    revoked             INTEGER NOT NULL DEFAULT 0
);

-- Append-only and hash-chained: hash = SHA-256 over the previous entry's hash and
-- this entry's fields, so an edited or deleted entry breaks the chain.
CREATE TABLE audit_log (
    seq                 INTEGER PRIMARY KEY AUTOINCREMENT,
    at                  TEXT NOT NULL,
    username            TEXT NOT NULL,
    action              TEXT NOT NULL,
    record_type         TEXT NOT NULL,
    record_id           TEXT NOT NULL,
    fields              TEXT NOT NULL,
    address             TEXT NOT NULL,
    prev_hash           TEXT NOT NULL,
    hash                TEXT NOT NULL
);
CREATE INDEX audit_log_record ON audit_log(record_type, record_id);
CREATE INDEX audit_log_user ON audit_log(username, seq);
