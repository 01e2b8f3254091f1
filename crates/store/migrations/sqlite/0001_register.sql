-- The population register on SQLite. Dates are ISO-8601 TEXT (they sort and compare
-- correctly as text); timestamps are RFC 3339 TEXT.
CREATE TABLE regions (
    code            TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    level           TEXT NOT NULL,
    parent_code     TEXT REFERENCES regions(code) DEFERRABLE INITIALLY DEFERRED,
    valid_from      TEXT,
    valid_to        TEXT,
    successor_code  TEXT REFERENCES regions(code) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX regions_parent ON regions(parent_code);

CREATE TABLE imports (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT NOT NULL,
    file_name       TEXT NOT NULL,
    source          TEXT,
    recorded_by     TEXT NOT NULL,
    started_at      TEXT NOT NULL,
    finished_at     TEXT,
    rows_read       INTEGER NOT NULL DEFAULT 0,
    rows_new        INTEGER NOT NULL DEFAULT 0,
    rows_unchanged  INTEGER NOT NULL DEFAULT 0,
    rows_corrected  INTEGER NOT NULL DEFAULT 0,
    rows_skipped    INTEGER NOT NULL DEFAULT 0
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
    sex             INTEGER NOT NULL,
    birth_date      TEXT NOT NULL,
    id_number       TEXT,
    household_no    TEXT NOT NULL REFERENCES households(household_no),
    region_code     TEXT NOT NULL REFERENCES regions(code),
    marital_status  INTEGER NOT NULL,
    mother_no       TEXT,
    father_no       TEXT,
    residence       TEXT NOT NULL,
    phone           TEXT,
    death_date      TEXT,
    extra           TEXT,
    last_event      INTEGER NOT NULL
);
CREATE INDEX persons_region ON persons(region_code);
CREATE INDEX persons_household ON persons(household_no);
CREATE INDEX persons_mother ON persons(mother_no);
CREATE INDEX persons_id_number ON persons(id_number);

-- The truth: append-only.
CREATE TABLE events (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    person_no       TEXT NOT NULL REFERENCES persons(person_no) DEFERRABLE INITIALLY DEFERRED,
    kind            TEXT NOT NULL,
    occurred_on     TEXT,
    payload         TEXT NOT NULL,
    recorded_by     TEXT NOT NULL,
    recorded_at     TEXT NOT NULL,
    source          TEXT NOT NULL,
    import_id       INTEGER REFERENCES imports(id)
);
CREATE INDEX events_person ON events(person_no, seq);

CREATE TABLE quality_issues (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    person_no       TEXT NOT NULL REFERENCES persons(person_no) DEFERRABLE INITIALLY DEFERRED,
    kind            TEXT NOT NULL,
    message         TEXT NOT NULL,
    import_id       INTEGER REFERENCES imports(id),
    status          TEXT NOT NULL DEFAULT 'open',
    created_at      TEXT NOT NULL,
    UNIQUE (person_no, kind)
);

CREATE TABLE source_births (
    source              TEXT NOT NULL,
    record_id           TEXT NOT NULL,
    child_name          TEXT,
    child_sex           INTEGER NOT NULL,
    birth_date          TEXT NOT NULL,
    reported_birth_order INTEGER,
    mother_name         TEXT,
    mother_id_number    TEXT,
    mother_birth_date   TEXT,
    father_name         TEXT,
    father_id_number    TEXT,
    region_code         TEXT REFERENCES regions(code),
    place               TEXT,
    extra               TEXT,
    revision            INTEGER NOT NULL,
    import_id           INTEGER REFERENCES imports(id),
    PRIMARY KEY (source, record_id)
);
CREATE INDEX source_births_mother ON source_births(mother_id_number);

-- Each change of a source record on re-import: what it said before and after.
CREATE TABLE source_birth_revisions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    source          TEXT NOT NULL,
    record_id       TEXT NOT NULL,
    revision        INTEGER NOT NULL,
    old_payload     TEXT NOT NULL,
    new_payload     TEXT NOT NULL,
    import_id       INTEGER REFERENCES imports(id),
    recorded_at     TEXT NOT NULL
);

-- Cells of columns an interchange file had that the register does not know.
CREATE TABLE import_extra_columns (
    import_id       INTEGER NOT NULL REFERENCES imports(id),
    column_name     TEXT NOT NULL,
    PRIMARY KEY (import_id, column_name)
);
