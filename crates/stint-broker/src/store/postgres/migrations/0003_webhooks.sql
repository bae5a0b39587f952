-- The outbound webhook notifier's place in the audit log. One row: the receiver it belongs
-- to (the SHA-256 of its URL, which may carry a token), the last audit seq delivered or
-- passed over, and the replica delivering now (a lease, so one replica at a time).
CREATE TABLE webhook_cursor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    url_hash TEXT NOT NULL,
    seq BIGINT NOT NULL,
    leased_by TEXT,
    leased_until TIMESTAMPTZ,
    updated_at TIMESTAMPTZ NOT NULL
);
