-- The audit chain becomes keyed (HMAC-SHA-256 with the county's audit key, kept
-- outside the database): key_id names the key an entry was signed with; NULL for
-- entries chained with plain SHA-256 before keys existed.
ALTER TABLE audit_log ADD COLUMN key_id TEXT;
