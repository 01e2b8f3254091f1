-- Payment cycles (兑现发放): the bank accounts of beneficiaries as attested data, a
-- cycle for a program, an area and a period with one line per person, the month
-- slots each line pays (a slot belongs to at most one live cycle: a partial UNIQUE
-- index), the bank batch files exactly as written with their SHA-256, and every
-- import of the bank's results.

-- A bank account of a beneficiary, vouched for on a document (the bank card or
-- passbook, a 社保卡): never updated, a newer one supersedes an older one. For a
-- child's 育儿补贴 the holder is the parent or guardian.
CREATE TABLE benefit_accounts (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    person_no           TEXT NOT NULL REFERENCES persons(person_no),
    holder_name         TEXT NOT NULL,
    holder_id_number    TEXT NOT NULL,
    account_no          TEXT NOT NULL,
    bank                TEXT NOT NULL,
    as_of               TEXT NOT NULL,
    document            TEXT NOT NULL,
    region_code         TEXT NOT NULL REFERENCES regions(code),
    recorded_by         TEXT NOT NULL,
    recorded_at         TEXT NOT NULL
);
CREATE INDEX benefit_accounts_person ON benefit_accounts(person_no, id);

-- A payment cycle: drafted -> sent (to the bank) -> imported (results) -> closed,
-- each step with who and when.
CREATE TABLE benefit_cycles (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    program             TEXT NOT NULL,
    region_code         TEXT NOT NULL REFERENCES regions(code),
    -- 'YYYY-MM', both included.
    first_month         TEXT NOT NULL,
    last_month          TEXT NOT NULL,
    -- drafted | sent | imported | closed | discarded
    state               TEXT NOT NULL,
    persons             INTEGER NOT NULL,
    slots               INTEGER NOT NULL,
    -- Yuan as a decimal string: never a float.
    total               TEXT NOT NULL,
    -- Persons with months due but no attested bank account (JSON list of 人员编号):
    -- not in the batch, their months stay for a later cycle.
    without_account     TEXT NOT NULL,
    created_by          TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    sent_by             TEXT,
    sent_at             TEXT,
    imported_by         TEXT,
    imported_at         TEXT,
    closed_by           TEXT,
    closed_at           TEXT
);
CREATE INDEX benefit_cycles_region ON benefit_cycles(region_code, program);

-- One line per person of a cycle: the account it pays into, the months and the
-- amount (the sum of its slots), and the bank's result once imported.
CREATE TABLE benefit_cycle_lines (
    cycle_id            INTEGER NOT NULL REFERENCES benefit_cycles(id),
    -- 序号 in the bank file, from 1.
    line                INTEGER NOT NULL,
    person_no           TEXT NOT NULL REFERENCES persons(person_no),
    region_code         TEXT NOT NULL,
    account_id          INTEGER NOT NULL REFERENCES benefit_accounts(id),
    holder_name         TEXT NOT NULL,
    holder_id_number    TEXT NOT NULL,
    account_no          TEXT NOT NULL,
    months              INTEGER NOT NULL,
    amount              TEXT NOT NULL,
    -- NULL until the bank answers; paid | failed
    result              TEXT,
    reason              TEXT,
    result_file         TEXT,
    PRIMARY KEY (cycle_id, line)
);
CREATE INDEX benefit_cycle_lines_person ON benefit_cycle_lines(person_no);

-- The month slots a line pays. A slot is held by one live cycle at most; a failed
-- payment releases it for the next cycle.
CREATE TABLE benefit_cycle_slots (
    cycle_id            INTEGER NOT NULL REFERENCES benefit_cycles(id),
    line                INTEGER NOT NULL,
    person_no           TEXT NOT NULL,
    program             TEXT NOT NULL,
    month               TEXT NOT NULL,
    amount              TEXT NOT NULL,
    released            INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX benefit_cycle_slots_once ON benefit_cycle_slots(person_no, program, month) WHERE released = 0;
CREATE INDEX benefit_cycle_slots_line ON benefit_cycle_slots(cycle_id, line);

-- The bank batch files as written (bank_csv, bank_xlsx), with their SHA-256.
CREATE TABLE benefit_cycle_files (
    cycle_id            INTEGER NOT NULL REFERENCES benefit_cycles(id),
    kind                TEXT NOT NULL,
    file_name           TEXT NOT NULL,
    sha256              TEXT NOT NULL,
    content             BLOB NOT NULL,
    PRIMARY KEY (cycle_id, kind)
);

-- Every import of the bank's results, with what each class counted.
CREATE TABLE benefit_cycle_imports (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    cycle_id            INTEGER NOT NULL REFERENCES benefit_cycles(id),
    file_name           TEXT NOT NULL,
    sha256              TEXT NOT NULL,
    -- JSON: the counts and totals of each class, and the lines changed.
    summary             TEXT NOT NULL,
    imported_by         TEXT NOT NULL,
    imported_at         TEXT NOT NULL
);

-- A person's file (一人一卷) reads every run row and roster row of the person.
CREATE INDEX benefit_run_rows_person ON benefit_run_rows(person_no);
CREATE INDEX benefit_roster_person ON benefit_roster(person_no);
