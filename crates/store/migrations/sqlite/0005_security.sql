-- The audit chain becomes keyed (HMAC-SHA-256 with the county's audit key, kept
-- outside the database): key_id names the key an entry was signed with; NULL for
-- entries chained with plain SHA-256 before keys existed.
ALTER TABLE audit_log ADD COLUMN key_id TEXT;

-- API tokens expire (NULL: made before they did, treated as expired 90 days
-- after this migration by the application) and say when they were last used.
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
ALTER TABLE api_tokens ADD COLUMN last_used_at TEXT;
