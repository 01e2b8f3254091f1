-- Report schedules: a report (kind, region, period kind, format) the server makes
-- on a day of each month, quarter or year for the period just ended; the runs
-- made (one per schedule and period: a restarted server never makes one twice);
-- and the notices on the home pages of the people a report is for.

-- period_kind: monthly | quarterly | yearly. day: 1..28 of the month after the
-- period ends. active 0: removed (kept for the runs that name it).
CREATE TABLE report_schedules (
    id                  BIGSERIAL PRIMARY KEY,
    kind                TEXT NOT NULL,
    region_code         TEXT NOT NULL REFERENCES regions(code),
    period_kind         TEXT NOT NULL,
    format              TEXT NOT NULL,
    day                 INTEGER NOT NULL,
    created_by          TEXT NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL,
    starts_on           DATE NOT NULL,
    active              INTEGER NOT NULL DEFAULT 1
);

-- Who a scheduled report is for: an account (username), or every account of a
-- role whose area lies in region_code.
CREATE TABLE report_schedule_recipients (
    id                  BIGSERIAL PRIMARY KEY,
    schedule_id         BIGINT NOT NULL REFERENCES report_schedules(id),
    username            TEXT,
    role                TEXT,
    region_code         TEXT REFERENCES regions(code)
);
CREATE INDEX report_schedule_recipients_schedule ON report_schedule_recipients(schedule_id);

CREATE TABLE report_schedule_runs (
    schedule_id         BIGINT NOT NULL REFERENCES report_schedules(id),
    period              TEXT NOT NULL,
    report_id           BIGINT REFERENCES report_archive(id),
    made_at             TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (schedule_id, period)
);

-- what: made (a scheduled report is ready) | submitted | received (a report's
-- state changed). opened_at: set when the account opens the report.
CREATE TABLE report_notices (
    id                  BIGSERIAL PRIMARY KEY,
    report_id           BIGINT NOT NULL REFERENCES report_archive(id),
    username            TEXT NOT NULL,
    what                TEXT NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL,
    opened_at           TIMESTAMPTZ
);
CREATE INDEX report_notices_user ON report_notices(username, opened_at);
