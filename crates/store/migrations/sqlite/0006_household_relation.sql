-- 与户主关系 (GB/T 4761 code) of each person, where a source says it; and the
-- column mapping of an office's roster (花名册) files, remembered per area and
-- per set of headers so the next month's file maps the same way.
ALTER TABLE persons ADD COLUMN relation TEXT;

CREATE TABLE roster_mappings (
    area            TEXT NOT NULL,
    headers_key     TEXT NOT NULL,
    mapping         TEXT NOT NULL,
    updated_by      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (area, headers_key)
);
