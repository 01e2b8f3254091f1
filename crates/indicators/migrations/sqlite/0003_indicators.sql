-- Targets (目标值) per indicator, region and year, and user-defined indicators.

-- Versioned: setting a target supersedes the current row (superseded_at set) and
-- inserts a new one, so every earlier value stays with who set it and when.
-- direction: lower | higher | band (band_low..band_high is good; value is the
-- point shown as "the target").
CREATE TABLE indicator_targets (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    indicator           TEXT NOT NULL,
    region_code         TEXT NOT NULL REFERENCES regions(code),
    year                INTEGER NOT NULL,
    direction           TEXT NOT NULL,
    value               REAL NOT NULL,
    band_low            REAL,
    band_high           REAL,
    note                TEXT NOT NULL DEFAULT '',
    set_by              TEXT NOT NULL,
    set_at              TEXT NOT NULL,
    superseded_at       TEXT,
    superseded_by       TEXT
);
CREATE UNIQUE INDEX indicator_targets_current
    ON indicator_targets(region_code, year, indicator) WHERE superseded_at IS NULL;
CREATE INDEX indicator_targets_key ON indicator_targets(indicator, region_code, year);

-- definition: the JSON of renkou_stats::UserIndicatorDef. Retired indicators
-- keep their row (targets and exports may name them).
CREATE TABLE user_indicators (
    code                TEXT PRIMARY KEY,
    definition          TEXT NOT NULL,
    created_by          TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    updated_by          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    retired             INTEGER NOT NULL DEFAULT 0
);
