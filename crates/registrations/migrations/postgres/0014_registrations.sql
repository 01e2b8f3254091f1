-- Registrations: 生育登记 (birth registrations, a service record with no approval
-- step) with gap-free numbers per office and year, and the register of the
-- 独生子女父母光荣证 (only-child parents' certificates) already issued, with their
-- history and the public verifications of their QR codes.

-- The next number of an office's (a township's) book for a year. Taken and
-- advanced inside the registration's own transaction, so a rolled-back
-- registration gives its number back and two at once never share one. A county
-- may start a year's book where its paper book stopped (first_seq).
CREATE TABLE registration_sequences (
    office_code     TEXT NOT NULL REFERENCES regions(code),
    year            BIGINT NOT NULL,
    next_seq        BIGINT NOT NULL,
    first_seq       BIGINT NOT NULL,
    set_by          TEXT NOT NULL,
    set_at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (office_code, year)
);

CREATE TABLE birth_registrations (
    id              BIGSERIAL PRIMARY KEY,
    -- '349901101-2025-00012': office (9 digits), year, number in the year's book.
    number          TEXT NOT NULL UNIQUE,
    office_code     TEXT NOT NULL REFERENCES regions(code),
    year            BIGINT NOT NULL,
    seq             BIGINT NOT NULL,
    registered_on   DATE NOT NULL,
    -- couple | single_mother | single_father
    applicant       TEXT NOT NULL,
    mother_no       TEXT REFERENCES persons(person_no),
    father_no       TEXT REFERENCES persons(person_no),
    -- As the family declares it: married | unmarried | divorced | widowed | not_stated
    marriage        TEXT NOT NULL,
    -- Where the family lives (a village) and the address as given.
    residence_code  TEXT NOT NULL REFERENCES regions(code),
    address         TEXT NOT NULL,
    -- The children the register knew at registration (JSON: person_no, birth_date).
    children_known  TEXT NOT NULL,
    expected_on     DATE,
    born_on         DATE,
    child_no        TEXT REFERENCES persons(person_no),
    recorded_by     TEXT NOT NULL,
    recorded_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (office_code, year, seq)
);
CREATE INDEX birth_registrations_residence ON birth_registrations(residence_code);

-- A certificate as issued on paper (its own number and day), the holders and the
-- child; status valid | replaced | revoked. version counts the documents printed
-- for it: a QR code names the version it was printed with.
CREATE TABLE certificates (
    id              BIGSERIAL PRIMARY KEY,
    number          TEXT NOT NULL UNIQUE,
    issued_on       DATE NOT NULL,
    holder1_no      TEXT NOT NULL REFERENCES persons(person_no),
    holder2_no      TEXT REFERENCES persons(person_no),
    child_no        TEXT NOT NULL REFERENCES persons(person_no),
    region_code     TEXT NOT NULL REFERENCES regions(code),
    status          TEXT NOT NULL,
    version         BIGINT NOT NULL,
    recorded_by     TEXT NOT NULL,
    recorded_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX certificates_region ON certificates(region_code);

-- issued | replaced | revoked, with the day, the reason and who recorded it.
CREATE TABLE certificate_history (
    id              BIGSERIAL PRIMARY KEY,
    certificate_id  BIGINT NOT NULL REFERENCES certificates(id),
    action          TEXT NOT NULL,
    on_date         DATE NOT NULL,
    reason          TEXT NOT NULL,
    version         BIGINT NOT NULL,
    recorded_by     TEXT NOT NULL,
    recorded_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX certificate_history_cert ON certificate_history(certificate_id);

-- Every public verification of a QR code: when and what it found; no address and
-- nothing of the code itself beyond the certificate it named, when genuine.
CREATE TABLE certificate_verifications (
    id              BIGSERIAL PRIMARY KEY,
    at              TIMESTAMPTZ NOT NULL,
    certificate_id  BIGINT REFERENCES certificates(id),
    -- valid | replaced | revoked | forged
    outcome         TEXT NOT NULL
);
