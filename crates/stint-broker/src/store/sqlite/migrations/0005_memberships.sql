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
    attempt INTEGER NOT NULL DEFAULT 0,
    polls INTEGER NOT NULL DEFAULT 0,
    op_started_at TEXT,
    deadline TEXT,
    leaked INTEGER NOT NULL DEFAULT 0,
    wake INTEGER NOT NULL DEFAULT 0,
    next_check_at TEXT,
    claimed_by TEXT,
    claimed_until TEXT,
    version INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (group_id, user_id)
);

CREATE INDEX memberships_due ON memberships (next_check_at) WHERE next_check_at IS NOT NULL;
CREATE INDEX memberships_woken ON memberships (wake) WHERE wake = 1;
