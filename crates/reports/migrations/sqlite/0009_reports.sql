-- The reports domain: the county's own versions of the report templates, and the
-- archive of every generated report.

-- A template is never updated in place: saving one adds a version; the newest
-- version of a kind is the one used (none: the shipped default).
CREATE TABLE report_templates (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    kind                TEXT NOT NULL,
    body                TEXT NOT NULL,
    created_by          TEXT NOT NULL,
    created_at          TEXT NOT NULL
);
CREATE INDEX report_templates_kind ON report_templates(kind, id);

-- register_version: the highest event number the figures were computed from (a
-- report regenerated "as of" it gives the same figures). template_id NULL: the
-- shipped default. content: the file itself; sha256 its hash in hex.
-- status: drafted | submitted | received.
CREATE TABLE report_archive (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    kind                TEXT NOT NULL,
    region_code         TEXT NOT NULL REFERENCES regions(code),
    period              TEXT NOT NULL,
    format              TEXT NOT NULL,
    register_version    INTEGER NOT NULL,
    template_id         INTEGER REFERENCES report_templates(id),
    generated_by        TEXT NOT NULL,
    generated_at        TEXT NOT NULL,
    file_name           TEXT NOT NULL,
    sha256              TEXT NOT NULL,
    size                INTEGER NOT NULL,
    content             BLOB NOT NULL,
    status              TEXT NOT NULL DEFAULT 'drafted',
    status_by           TEXT,
    status_at           TEXT
);
CREATE INDEX report_archive_region ON report_archive(region_code, id);
