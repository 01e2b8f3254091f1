-- Benefits on PostgreSQL (育儿补贴, 奖励扶助, 特别扶助): attested facts with their evidence, the
-- eligibility runs with one row per person considered and its receipt, and the
-- month ledger (one slot per person, program and month, paid at most once).

-- A fact the register does not hold, vouched for on a document: the household
-- registration type as of a date, no out-of-policy birth in 1973-2001, a
-- disability grade with its certificate, a legal adoption. Never updated: a newer
-- attestation of the same kind supersedes an older one.
CREATE TABLE benefit_facts (
    id              BIGSERIAL PRIMARY KEY,
    person_no       TEXT NOT NULL REFERENCES persons(person_no),
    -- household_registration | no_out_of_policy_birth | disability | legal_adoption
    kind            TEXT NOT NULL,
    -- agricultural | non_agricultural; the grade 1-4; the certificate number; 'yes'
    value           TEXT NOT NULL,
    -- The day the fact holds from (registration as of, certificate issued, adoption
    -- registered).
    as_of           DATE NOT NULL,
    -- The document: its title and number.
    document        TEXT NOT NULL,
    -- The person's region when it was recorded (for the reader's area).
    region_code     TEXT NOT NULL REFERENCES regions(code),
    recorded_by     TEXT NOT NULL,
    recorded_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX benefit_facts_person ON benefit_facts(person_no, kind);

-- An eligibility run: a program, an area, a year, the rule and parameter versions.
CREATE TABLE benefit_runs (
    id                  BIGSERIAL PRIMARY KEY,
    program             TEXT NOT NULL,
    region_code         TEXT NOT NULL REFERENCES regions(code),
    year                BIGINT NOT NULL,
    rule                TEXT NOT NULL,
    parameters_version  BIGINT NOT NULL,
    -- Every parameter value the run consulted, with its reference (JSON), once
    -- for all its rows.
    parameter_values    TEXT NOT NULL,
    considered          BIGINT NOT NULL,
    eligible            BIGINT NOT NULL,
    -- Yuan as a decimal string ('3600.00'): never a float.
    total               TEXT NOT NULL,
    created_by          TEXT NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX benefit_runs_region ON benefit_runs(region_code, program, year);

-- One row per person the run considered, with the receipt (JSON: rule version,
-- parameter values with their references, the facts that decided, why not and
-- the missing facts that would change it).
CREATE TABLE benefit_run_rows (
    run_id          BIGINT NOT NULL REFERENCES benefit_runs(id),
    person_no       TEXT NOT NULL REFERENCES persons(person_no),
    -- The person's region (the last month due, else their registration) for scope.
    region_code     TEXT NOT NULL,
    eligible        BIGINT NOT NULL,
    months          BIGINT NOT NULL,
    amount          TEXT NOT NULL,
    reason          TEXT NOT NULL,
    needs_review    BIGINT NOT NULL,
    receipt         TEXT NOT NULL,
    PRIMARY KEY (run_id, person_no)
);
CREATE INDEX benefit_run_rows_region ON benefit_run_rows(run_id, region_code);

-- The month ledger: one slot per person, program and month, whoever proposes it.
-- A run sets what is due (due_amount, NULL once no longer due); a payment fills
-- paid_* once, and never again.
CREATE TABLE benefit_slots (
    person_no       TEXT NOT NULL REFERENCES persons(person_no),
    program         TEXT NOT NULL,
    -- 'YYYY-MM'
    month           TEXT NOT NULL,
    -- The region responsible for the month (where the person was registered).
    region_code     TEXT NOT NULL,
    due_amount      TEXT,
    due_run_id      BIGINT REFERENCES benefit_runs(id),
    paid_amount     TEXT,
    paid_batch      TEXT,
    paid_by         TEXT,
    paid_at         TIMESTAMPTZ,
    UNIQUE (person_no, program, month)
);
CREATE INDEX benefit_slots_region ON benefit_slots(region_code, program, month);

-- The roster of a run as the offices work it: one row per eligible person, moving
-- proposed (村申报) → checked (乡镇审核) → notice (公示, from a day for a number of
-- days) → approved (县审批). An objection during the notice is recorded on the row
-- and resolved with a reason; every step is audited.
CREATE TABLE benefit_roster (
    run_id          BIGINT NOT NULL REFERENCES benefit_runs(id),
    person_no       TEXT NOT NULL REFERENCES persons(person_no),
    region_code     TEXT NOT NULL,
    -- proposed | checked | notice | approved
    state           TEXT NOT NULL,
    notice_from     DATE,
    notice_days     BIGINT,
    objection       TEXT,
    objection_by    TEXT,
    resolution      TEXT,
    resolved_by     TEXT,
    updated_by      TEXT NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (run_id, person_no)
);
CREATE INDEX benefit_roster_region ON benefit_roster(run_id, region_code, state);
