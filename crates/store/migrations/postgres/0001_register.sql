-- The population register on PostgreSQL. Dates are DATE, timestamps TIMESTAMPTZ,
-- integers BIGINT (the store binds every integer as i64).
CREATE TABLE regions (
    code            TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    level           TEXT NOT NULL,
    parent_code     TEXT REFERENCES regions(code) DEFERRABLE INITIALLY DEFERRED,
    valid_from      DATE,
    valid_to        DATE,
    successor_code  TEXT REFERENCES regions(code) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX regions_parent ON regions(parent_code);

CREATE TABLE imports (
    id              BIGSERIAL PRIMARY KEY,
    kind            TEXT NOT NULL,
    file_name       TEXT NOT NULL,
    source          TEXT,
    recorded_by     TEXT NOT NULL,
    started_at      TIMESTAMPTZ NOT NULL,
    finished_at     TIMESTAMPTZ,
    rows_read       BIGINT NOT NULL DEFAULT 0,
    rows_new        BIGINT NOT NULL DEFAULT 0,
    rows_unchanged  BIGINT NOT NULL DEFAULT 0,
    rows_corrected  BIGINT NOT NULL DEFAULT 0,
    rows_skipped    BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE households (
    household_no    TEXT PRIMARY KEY,
    region_code     TEXT NOT NULL REFERENCES regions(code)
);
CREATE INDEX households_region ON households(region_code);

-- Current state of each person: always equal to the fold of their events.
CREATE TABLE persons (
    person_no       TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    sex             BIGINT NOT NULL,
    birth_date      DATE NOT NULL,
    id_number       TEXT,
    household_no    TEXT NOT NULL REFERENCES households(household_no),
    region_code     TEXT NOT NULL REFERENCES regions(code),
    marital_status  BIGINT NOT NULL,
    mother_no       TEXT,
    father_no       TEXT,
    residence       TEXT NOT NULL,
    phone           TEXT,
    death_date      DATE,
    extra           TEXT,
    last_event      BIGINT NOT NULL
);
CREATE INDEX persons_region ON persons(region_code);
CREATE INDEX persons_household ON persons(household_no);
CREATE INDEX persons_mother ON persons(mother_no);
CREATE INDEX persons_id_number ON persons(id_number);

-- The truth: append-only.
CREATE TABLE events (
    seq             BIGSERIAL PRIMARY KEY,
    person_no       TEXT NOT NULL REFERENCES persons(person_no) DEFERRABLE INITIALLY DEFERRED,
    kind            TEXT NOT NULL,
    occurred_on     DATE,
    payload         TEXT NOT NULL,
    recorded_by     TEXT NOT NULL,
    recorded_at     TIMESTAMPTZ NOT NULL,
    source          TEXT NOT NULL,
    import_id       BIGINT REFERENCES imports(id)
);
CREATE INDEX events_person ON events(person_no, seq);

CREATE TABLE quality_issues (
    id              BIGSERIAL PRIMARY KEY,
    person_no       TEXT NOT NULL REFERENCES persons(person_no) DEFERRABLE INITIALLY DEFERRED,
    kind            TEXT NOT NULL,
    message         TEXT NOT NULL,
    import_id       BIGINT REFERENCES imports(id),
    status          TEXT NOT NULL DEFAULT 'open',
    created_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (person_no, kind)
);

CREATE TABLE source_births (
    source              TEXT NOT NULL,
    record_id           TEXT NOT NULL,
    child_name          TEXT,
    child_sex           BIGINT NOT NULL,
    birth_date          DATE NOT NULL,
    reported_birth_order BIGINT,
    mother_name         TEXT,
    mother_id_number    TEXT,
    mother_birth_date   DATE,
    father_name         TEXT,
    father_id_number    TEXT,
    region_code         TEXT REFERENCES regions(code),
    place               TEXT,
    extra               TEXT,
    revision            BIGINT NOT NULL,
    import_id           BIGINT REFERENCES imports(id),
    PRIMARY KEY (source, record_id)
);
CREATE INDEX source_births_mother ON source_births(mother_id_number);

-- Each change of a source record on re-import: what it said before and after.
CREATE TABLE source_birth_revisions (
    id              BIGSERIAL PRIMARY KEY,
    source          TEXT NOT NULL,
    record_id       TEXT NOT NULL,
    revision        BIGINT NOT NULL,
    old_payload     TEXT NOT NULL,
    new_payload     TEXT NOT NULL,
    import_id       BIGINT REFERENCES imports(id),
    recorded_at     TIMESTAMPTZ NOT NULL
);

-- Cells of columns an interchange file had that the register does not know.
CREATE TABLE import_extra_columns (
    import_id       BIGINT NOT NULL REFERENCES imports(id),
    column_name     TEXT NOT NULL,
    PRIMARY KEY (import_id, column_name)
);
