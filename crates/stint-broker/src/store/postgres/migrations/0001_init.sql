-- Stint broker schema, PostgreSQL.

-- Requests and the grants they become: one record.
CREATE TABLE requests (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    requester_id TEXT NOT NULL,
    requester_name TEXT NOT NULL,
    requester_display TEXT NOT NULL,
    account_id TEXT NOT NULL,
    account_name TEXT NOT NULL,
    permission_set_arn TEXT NOT NULL,
    permission_set_name TEXT NOT NULL,
    permission_set_description TEXT,
    session_duration_secs BIGINT NOT NULL,
    state TEXT NOT NULL,
    failed_from TEXT,
    reason TEXT NOT NULL,
    ticket TEXT,
    duration_secs BIGINT NOT NULL,
    start_at TIMESTAMPTZ NOT NULL,
    end_at TIMESTAMPTZ NOT NULL,
    pending_end_at TIMESTAMPTZ,
    approval_required BOOLEAN NOT NULL,
    approver_groups TEXT NOT NULL,
    approval_deadline TIMESTAMPTZ,
    decided_by_id TEXT,
    decided_by_name TEXT,
    decided_by_display TEXT,
    decision_comment TEXT,
    outcome TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    -- When the next time-driven step is due (approval deadline, start, end).
    next_due_at TIMESTAMPTZ,
    version BIGINT NOT NULL DEFAULT 0
);

CREATE INDEX requests_due ON requests (next_due_at) WHERE next_due_at IS NOT NULL;
CREATE INDEX requests_tuple ON requests (requester_id, account_id, permission_set_arn, state);
CREATE INDEX requests_state ON requests (state);
CREATE INDEX requests_requester ON requests (requester_id, id);

-- Who may approve each request, for the "awaiting my approval" listing.
CREATE TABLE request_approver_groups (
    request_id BIGINT NOT NULL REFERENCES requests (id),
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
    PRIMARY KEY (principal_id, account_id, permission_set_arn)
);

CREATE INDEX assignments_due ON assignments (next_check_at) WHERE next_check_at IS NOT NULL;
CREATE INDEX assignments_woken ON assignments (wake) WHERE wake;

-- The append-only, hash-chained audit log. `data` is text, not jsonb: the hash covers the
-- exact bytes, and jsonb would reorder keys.
CREATE TABLE audit_events (
    seq BIGINT PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    request_id BIGINT,
    data TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

CREATE INDEX audit_events_request ON audit_events (request_id, seq) WHERE request_id IS NOT NULL;

-- The chain's head. Appending locks this row (SELECT ... FOR UPDATE), which serialises
-- appends across replicas so the chain never forks.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- History is not edited by mistake; the hash chain catches anyone who drops these.
CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
