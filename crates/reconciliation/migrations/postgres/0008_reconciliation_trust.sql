-- How far to trust a reconciliation, and the models a county has reviewed.
-- trust: JSON (workflow::Trust): pairs decided automatically and in review,
-- duplicates linked to their birth, twins kept apart, the fits' checks and whether
-- they fell back to the shipped defaults, which model was used.
-- models: both linkage models of the run (SavedModels JSON), so a reviewed run can
-- become the county's model and any duplicate be explained as it was scored.
ALTER TABLE reconciliations ADD COLUMN trust TEXT;
ALTER TABLE reconciliations ADD COLUMN models TEXT;

-- A county's reviewed linkage models: used by its reconciliations instead of a fit
-- on each run's records (unless asked to refit).
CREATE TABLE linkage_models (
    county_code         TEXT PRIMARY KEY REFERENCES regions(code),
    models              TEXT NOT NULL,
    reconciliation_id   BIGINT REFERENCES reconciliations(id),
    saved_by            TEXT NOT NULL,
    saved_at            TIMESTAMPTZ NOT NULL
);
