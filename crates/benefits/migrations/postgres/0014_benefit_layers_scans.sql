-- The county's parameter layers in the database, and scans beside attested facts.

-- One layer per change (a provincial or county top-up, a value changed from a
-- date), on top of the shipped national baseline (version 1): layer N here is
-- version N + 1. Never updated or deleted: the text is the layer file as parsed,
-- so a version can be rebuilt exactly and a run's receipt names the version it used.
CREATE TABLE benefit_parameter_layers (
    id              BIGSERIAL PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    title           TEXT NOT NULL,
    -- The layer in the parameter file format (TOML).
    layer_toml      TEXT NOT NULL,
    effective_from  DATE,
    recorded_by     TEXT NOT NULL,
    recorded_at     TIMESTAMPTZ NOT NULL
);

-- A scan of the document behind an attested fact (PDF, JPEG or PNG), kept with
-- its SHA-256; region_code is the fact's, for the reader's area.
CREATE TABLE benefit_fact_scans (
    id              BIGSERIAL PRIMARY KEY,
    fact_id         BIGINT NOT NULL REFERENCES benefit_facts(id),
    file_name       TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    size            BIGINT NOT NULL,
    sha256          TEXT NOT NULL,
    content         BYTEA NOT NULL,
    region_code     TEXT NOT NULL,
    uploaded_by     TEXT NOT NULL,
    uploaded_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX benefit_fact_scans_fact ON benefit_fact_scans(fact_id);
