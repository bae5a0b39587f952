-- The outbound webhook notifier's place in the audit log. One row: the receiver it belongs
-- to (the SHA-256 of its URL, which may carry a token), the last audit seq delivered or
-- passed over, and the broker process delivering now (a lease, so one process at a time).
CREATE TABLE webhook_cursor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    url_hash TEXT NOT NULL,
    seq INTEGER NOT NULL,
    leased_by TEXT,
    leased_until TEXT,
    updated_at TEXT NOT NULL
);
