-- Source births kept as the source wrote them: a cell the typed column cannot hold
-- (an ID number with a wrong check digit, a 15-digit number, a date that cannot
-- exist, a village the region tree does not know) is kept in its raw_ column, and
-- flags names why (comma-separated SourceFlag names). A birth date may be missing
-- (then raw_birth_date holds what was written, if anything). SQLite cannot drop a
-- NOT NULL, so the table is rebuilt; nothing refers to it.
CREATE TABLE source_births_new (
    source              TEXT NOT NULL,
    record_id           TEXT NOT NULL,
    child_name          TEXT,
    child_sex           INTEGER NOT NULL,
    birth_date          TEXT,
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
    raw_child_sex       TEXT,
    raw_birth_date      TEXT,
    raw_birth_order     TEXT,
    raw_mother_id_number TEXT,
    raw_mother_birth_date TEXT,
    raw_father_id_number TEXT,
    raw_region_code     TEXT,
    flags               TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (source, record_id)
);
INSERT INTO source_births_new (source, record_id, child_name, child_sex, birth_date, reported_birth_order,
    mother_name, mother_id_number, mother_birth_date, father_name, father_id_number, region_code, place,
    extra, revision, import_id)
SELECT source, record_id, child_name, child_sex, birth_date, reported_birth_order,
    mother_name, mother_id_number, mother_birth_date, father_name, father_id_number, region_code, place,
    extra, revision, import_id FROM source_births;
DROP TABLE source_births;
ALTER TABLE source_births_new RENAME TO source_births;
CREATE INDEX source_births_mother ON source_births(mother_id_number);
