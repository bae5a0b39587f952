-- Broker sessions and the replay guard of signed identity requests.

-- One row per broker session. The token itself is never stored: only its SHA-256 (hex),
-- so a copy of this table cannot be used to sign in.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL,
    user_name TEXT NOT NULL,
    display_name TEXT NOT NULL,
    email TEXT,
    -- Identity Center group names at sign-in, a JSON array.
    group_names TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX sessions_user ON sessions (user_id);

-- Signatures of identity requests already used, kept until they could no longer pass the
-- signing-time check. The key is the SHA-256 of the signature, not the signature. Replicas
-- share it, so a request accepted by one is refused by every other.
CREATE TABLE used_signatures (
    key TEXT PRIMARY KEY,
    until TIMESTAMPTZ NOT NULL
);
CREATE INDEX used_signatures_until ON used_signatures (until);
