//! The hash of one event: SHA-256 over a canonical, length-prefixed encoding of the previous
//! hash and every field, so no two different events can encode the same.

use chrono::{DateTime, SecondsFormat, Utc};
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Timestamps are hashed (and stored) at microsecond precision, the finest PostgreSQL keeps.
pub fn canonical_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub fn event_hash(
    prev_hash: &str,
    seq: i64,
    at: DateTime<Utc>,
    actor: &str,
    kind: &str,
    request_id: Option<i64>,
    data: &str,
) -> String {
    let mut hasher = Sha256::new();
    let mut field = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_be_bytes());
        hasher.update(bytes);
    };
    field(b"stint-audit-v1");
    field(prev_hash.as_bytes());
    field(seq.to_string().as_bytes());
    field(canonical_time(at).as_bytes());
    field(actor.as_bytes());
    field(kind.as_bytes());
    match request_id {
        Some(id) => field(format!("r{id}").as_bytes()),
        None => field(b"-"),
    }
    field(data.as_bytes());
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-01T10:00:00.123456Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn every_field_changes_the_hash() {
        let base = event_hash(GENESIS_HASH, 1, at(), "alice", "requested", Some(1), "{}");
        let variants = [
            event_hash(
                &"1".repeat(64),
                1,
                at(),
                "alice",
                "requested",
                Some(1),
                "{}",
            ),
            event_hash(GENESIS_HASH, 2, at(), "alice", "requested", Some(1), "{}"),
            event_hash(
                GENESIS_HASH,
                1,
                at() + chrono::Duration::microseconds(1),
                "alice",
                "requested",
                Some(1),
                "{}",
            ),
            event_hash(GENESIS_HASH, 1, at(), "bob", "requested", Some(1), "{}"),
            event_hash(GENESIS_HASH, 1, at(), "alice", "approved", Some(1), "{}"),
            event_hash(GENESIS_HASH, 1, at(), "alice", "requested", Some(2), "{}"),
            event_hash(GENESIS_HASH, 1, at(), "alice", "requested", None, "{}"),
            event_hash(
                GENESIS_HASH,
                1,
                at(),
                "alice",
                "requested",
                Some(1),
                "{\"a\":1}",
            ),
        ];
        for (i, v) in variants.iter().enumerate() {
            assert_ne!(&base, v, "variant {i} hashed like the original");
        }
        assert_eq!(base.len(), 64);
    }

    #[test]
    fn field_boundaries_are_unambiguous() {
        // "ab" + "c" must not hash like "a" + "bc".
        let one = event_hash(GENESIS_HASH, 1, at(), "ab", "c", None, "{}");
        let two = event_hash(GENESIS_HASH, 1, at(), "a", "bc", None, "{}");
        assert_ne!(one, two);
    }
}
