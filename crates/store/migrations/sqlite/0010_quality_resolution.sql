-- A data-quality issue is resolved by a person with a reason, kept beside it: who,
-- when and why. A resolved issue stays resolved when a later scan finds the same
-- fact again (the list keeps each person and kind once).
ALTER TABLE quality_issues ADD COLUMN resolved_by TEXT;
ALTER TABLE quality_issues ADD COLUMN resolved_at TEXT;
ALTER TABLE quality_issues ADD COLUMN resolution TEXT;
