-- Group-membership grants (issue 14). A request may add its requester to an Identity
-- Center group instead of creating an account assignment: `group_id` and `group_name` name
-- the group (both NULL for an assignment; the request's account and permission set are
-- then empty, as a group gives whatever it is assigned).
ALTER TABLE requests ADD COLUMN group_id TEXT;
ALTER TABLE requests ADD COLUMN group_name TEXT;
CREATE INDEX requests_membership ON requests (requester_id, group_id, state) WHERE group_id IS NOT NULL;

-- One row per (group, user) membership Stint converges: the same convergence columns as
-- `assignments`. A membership changes at once, so `operation_id` and `polls` stay empty.
CREATE TABLE memberships (
    group_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    actual TEXT NOT NULL,
    origin TEXT,
    step TEXT,
    operation_id TEXT,
    attempt BIGINT NOT NULL DEFAULT 0,
    polls BIGINT NOT NULL DEFAULT 0,
    op_started_at TIMESTAMPTZ,
    deadline TIMESTAMPTZ,
    leaked BOOLEAN NOT NULL DEFAULT FALSE,
    wake BOOLEAN NOT NULL DEFAULT FALSE,
    next_check_at TIMESTAMPTZ,
    claimed_by TEXT,
    claimed_until TIMESTAMPTZ,
    version BIGINT NOT NULL DEFAULT 0,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (group_id, user_id)
);

CREATE INDEX memberships_due ON memberships (next_check_at) WHERE next_check_at IS NOT NULL;
CREATE INDEX memberships_woken ON memberships (wake) WHERE wake;
