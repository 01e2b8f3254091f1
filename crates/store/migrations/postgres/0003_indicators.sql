-- Targets (目标值) per indicator, region and year, and user-defined indicators;
-- on PostgreSQL also the event tally and the person-number sequence.

-- Versioned: setting a target supersedes the current row (superseded_at set) and
-- inserts a new one, so every earlier value stays with who set it and when.
-- direction: lower | higher | band (band_low..band_high is good; value is the
-- point shown as "the target").
CREATE TABLE indicator_targets (
    id                  BIGSERIAL PRIMARY KEY,
    indicator           TEXT NOT NULL,
    region_code         TEXT NOT NULL REFERENCES regions(code),
    year                INTEGER NOT NULL,
    direction           TEXT NOT NULL,
    value               DOUBLE PRECISION NOT NULL,
    band_low            DOUBLE PRECISION,
    band_high           DOUBLE PRECISION,
    note                TEXT NOT NULL DEFAULT '',
    set_by              TEXT NOT NULL,
    set_at              TIMESTAMPTZ NOT NULL,
    superseded_at       TIMESTAMPTZ,
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
    created_at          TIMESTAMPTZ NOT NULL,
    updated_by          TEXT NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    retired             INTEGER NOT NULL DEFAULT 0
);

-- The number of events, kept by the database itself so that "has anything
-- changed?" is cheap: counting two million events takes a fifth of a second,
-- too long to ask before every indicator page. One row per inserting statement
-- (a form's event, or a whole import's COPY), appended, never updated, so
-- concurrent writers never wait on it; its sum always equals COUNT(*) of events
-- (events are never deleted) and commits or rolls back with them.
CREATE TABLE event_tally (
    id                  BIGSERIAL PRIMARY KEY,
    events              BIGINT NOT NULL
);
INSERT INTO event_tally (events) SELECT COUNT(*) FROM events;
CREATE FUNCTION renkou_tally_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO event_tally (events) SELECT COUNT(*) FROM new_events;
    RETURN NULL;
END
$$;
CREATE TRIGGER events_tally AFTER INSERT ON events
    REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION renkou_tally_events();

-- Numbers of persons entered in forms (W000000123). They used to be drawn from
-- the events' sequence, leaving a hole in the event numbers at every birth; the
-- new sequence starts above every number drawn so far, so none is reused.
CREATE SEQUENCE person_no_seq;
SELECT setval('person_no_seq', COALESCE((SELECT MAX(seq) FROM events), 0) + 1, false);
