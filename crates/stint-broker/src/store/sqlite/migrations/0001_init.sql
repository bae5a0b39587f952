-- Stint broker schema, SQLite. Times are UTC text, fixed width to the microsecond
-- (2026-01-01T10:00:00.000000Z), so comparing them as text compares the times.

-- Requests and the grants they become: one record.
CREATE TABLE requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    requester_id TEXT NOT NULL,
    requester_name TEXT NOT NULL,
    requester_display TEXT NOT NULL,
    account_id TEXT NOT NULL,
    account_name TEXT NOT NULL,
    permission_set_arn TEXT NOT NULL,
    permission_set_name TEXT NOT NULL,
    permission_set_description TEXT,
    session_duration_secs INTEGER NOT NULL,
    state TEXT NOT NULL,
    failed_from TEXT,
    reason TEXT NOT NULL,
    ticket TEXT,
    duration_secs INTEGER NOT NULL,
    start_at TEXT NOT NULL,
    end_at TEXT NOT NULL,
    pending_end_at TEXT,
    approval_required INTEGER NOT NULL,
    approver_groups TEXT NOT NULL,
    approval_deadline TEXT,
    decided_by_id TEXT,
    decided_by_name TEXT,
    decided_by_display TEXT,
    decision_comment TEXT,
    outcome TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    -- When the next time-driven step is due (approval deadline, start, end).
    next_due_at TEXT,
    version INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX requests_due ON requests (next_due_at) WHERE next_due_at IS NOT NULL;
CREATE INDEX requests_tuple ON requests (requester_id, account_id, permission_set_arn, state);
CREATE INDEX requests_state ON requests (state);
CREATE INDEX requests_requester ON requests (requester_id, id);

-- Who may approve each request, for the "awaiting my approval" listing.
CREATE TABLE request_approver_groups (
    request_id INTEGER NOT NULL REFERENCES requests (id),
    group_name TEXT NOT NULL,
    PRIMARY KEY (request_id, group_name)
);
CREATE INDEX request_approver_groups_group ON request_approver_groups (group_name, request_id);

-- One row per (principal, account, permission set): what Identity Center holds, as far as
-- Stint knows, and the operation converging it.
CREATE TABLE assignments (
    principal_type TEXT NOT NULL,
    principal_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    permission_set_arn TEXT NOT NULL,
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
    PRIMARY KEY (principal_id, account_id, permission_set_arn)
);

CREATE INDEX assignments_due ON assignments (next_check_at) WHERE next_check_at IS NOT NULL;
CREATE INDEX assignments_woken ON assignments (wake) WHERE wake = 1;

-- The append-only, hash-chained audit log.
CREATE TABLE audit_events (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    request_id INTEGER,
    data TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

CREATE INDEX audit_events_request ON audit_events (request_id, seq) WHERE request_id IS NOT NULL;

-- The chain's head: the last seq and hash. Appends update it in the same transaction.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- History is not edited by mistake; the hash chain catches anyone who drops these.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
