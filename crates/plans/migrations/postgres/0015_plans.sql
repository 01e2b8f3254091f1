-- The work-plans domain: leading groups and their members, plans with tasks and
-- progress notes, and the activities held with their figures.

CREATE TABLE plan_groups (
    id                  BIGSERIAL PRIMARY KEY,
    region_code         TEXT NOT NULL REFERENCES regions(code),
    name                TEXT NOT NULL,
    created_by          TEXT NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX plan_groups_region ON plan_groups(region_code);

-- duty: leader (组长) | deputy (副组长) | member (成员) | liaison (联络员).
-- position: the member's post in words (镇长, 卫健办主任). username: the account,
-- when the member has one.
CREATE TABLE plan_group_members (
    id                  BIGSERIAL PRIMARY KEY,
    group_id            BIGINT NOT NULL REFERENCES plan_groups(id),
    name                TEXT NOT NULL,
    duty                TEXT NOT NULL,
    position            TEXT NOT NULL,
    username            TEXT,
    created_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX plan_group_members_group ON plan_group_members(group_id);

-- kind: campaign (专项行动, 百日攻坚) | self_inspection (自查) | routine (日常工作).
CREATE TABLE plans (
    id                  BIGSERIAL PRIMARY KEY,
    region_code         TEXT NOT NULL REFERENCES regions(code),
    group_id            BIGINT REFERENCES plan_groups(id),
    name                TEXT NOT NULL,
    kind                TEXT NOT NULL,
    starts_on           DATE NOT NULL,
    ends_on             DATE NOT NULL,
    created_by          TEXT NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX plans_region ON plans(region_code);

-- A task has an owner (an account) and a deadline, never a number to reach:
-- status open | done.
CREATE TABLE plan_tasks (
    id                  BIGSERIAL PRIMARY KEY,
    plan_id             BIGINT NOT NULL REFERENCES plans(id),
    title               TEXT NOT NULL,
    kind                TEXT NOT NULL,
    owner               TEXT NOT NULL,
    due_on              DATE NOT NULL,
    status              TEXT NOT NULL DEFAULT 'open',
    done_at             TIMESTAMPTZ,
    created_by          TEXT NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX plan_tasks_plan ON plan_tasks(plan_id);
CREATE INDEX plan_tasks_owner ON plan_tasks(owner, status, due_on);

CREATE TABLE plan_task_notes (
    id                  BIGSERIAL PRIMARY KEY,
    task_id             BIGINT NOT NULL REFERENCES plan_tasks(id),
    note                TEXT NOT NULL,
    created_by          TEXT NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX plan_task_notes_task ON plan_task_notes(task_id);

-- kind: training (培训) | publicity (宣传品发放) | meeting (会议).
-- attendance: people who took part (trainings, meetings); materials: pieces
-- handed out (publicity).
CREATE TABLE plan_activities (
    id                  BIGSERIAL PRIMARY KEY,
    region_code         TEXT NOT NULL REFERENCES regions(code),
    plan_id             BIGINT REFERENCES plans(id),
    kind                TEXT NOT NULL,
    held_on             DATE NOT NULL,
    title               TEXT NOT NULL,
    attendance          BIGINT NOT NULL DEFAULT 0,
    materials           BIGINT NOT NULL DEFAULT 0,
    created_by          TEXT NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX plan_activities_region ON plan_activities(region_code, held_on);
