-- Reconciliation (核对): sources of births with their area and period, the
-- reconciliations of a source against the register, and their items with review.

-- A source is a name under which births were imported (source_births.source), with
-- what kind of source it is and which area and period it covers.
CREATE TABLE sources (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT NOT NULL UNIQUE,
    -- hospital | hukou | ledger | other
    kind            TEXT NOT NULL,
    region_code     TEXT NOT NULL REFERENCES regions(code),
    period_from     TEXT NOT NULL,
    period_to       TEXT NOT NULL,
    file_name       TEXT NOT NULL,
    import_id       INTEGER REFERENCES imports(id),
    rows            INTEGER NOT NULL DEFAULT 0,
    imported_by     TEXT NOT NULL,
    imported_at     TEXT NOT NULL
);

CREATE TABLE reconciliations (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    source_id       INTEGER NOT NULL REFERENCES sources(id),
    region_code     TEXT NOT NULL REFERENCES regions(code),
    period_from     TEXT NOT NULL,
    period_to       TEXT NOT NULL,
    register_births INTEGER NOT NULL,
    source_births   INTEGER NOT NULL,
    -- The linkage model used, as JSON, so any item can be explained later exactly
    -- as it was scored.
    model           TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL
);

-- One item per register birth and per source record of the reconciliation (a
-- matched pair is one item holding both).
CREATE TABLE reconciliation_items (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    reconciliation_id   INTEGER NOT NULL REFERENCES reconciliations(id),
    class               TEXT NOT NULL,
    source_record_id    TEXT,
    person_no           TEXT REFERENCES persons(person_no),
    -- For a duplicate: the record of the same source it repeats.
    duplicate_of        TEXT,
    match_probability   REAL,
    match_weight        REAL,
    -- Comma-separated DiffField names; empty when nothing differs.
    diffs               TEXT NOT NULL DEFAULT '',
    -- The village the item belongs to (the register's when matched), for grouping
    -- and for scope checks.
    village_code        TEXT NOT NULL,
    status              TEXT NOT NULL DEFAULT 'open',
    assigned_to         TEXT,
    reviewed_by         TEXT,
    reviewed_at         TEXT,
    note                TEXT,
    -- The correction event a fix wrote.
    event_seq           INTEGER REFERENCES events(seq)
);
CREATE INDEX reconciliation_items_rec ON reconciliation_items(reconciliation_id, village_code);
CREATE INDEX reconciliation_items_assigned ON reconciliation_items(assigned_to);
