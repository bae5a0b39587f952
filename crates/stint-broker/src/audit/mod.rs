//! The append-only, hash-chained audit log. Every decision and side effect is an event,
//! written in the same transaction as the state change it describes; each event's hash
//! covers its predecessor's, so editing, inserting or deleting a row breaks the chain at
//! that row and [`verify`] names it.
//!
//! The chain proves history was not rewritten by someone who cannot recompute it. Someone
//! with write access to the database could rewrite every hash after a change; anchoring the
//! head hash elsewhere (a log shipper, a ticket) closes that gap.

mod chain;
mod verify;

pub use chain::{GENESIS_HASH, canonical_time, event_hash};
pub use verify::{Verification, verify, verify_records};

use chrono::{DateTime, Utc};

/// One stored event, exactly as the database holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub kind: String,
    pub request_id: Option<i64>,
    /// The event's JSON, as the exact text that was hashed.
    pub data: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditRecord {
    /// The hash this record should carry given its content and predecessor.
    pub fn expected_hash(&self) -> String {
        event_hash(
            &self.prev_hash,
            self.seq,
            self.at,
            &self.actor,
            &self.kind,
            self.request_id,
            &self.data,
        )
    }

    pub fn to_api(&self) -> stint_api::AuditEvent {
        stint_api::AuditEvent {
            seq: self.seq,
            at: self.at,
            actor: self.actor.clone(),
            kind: self.kind.clone(),
            request_id: self.request_id,
            data: serde_json::from_str(&self.data).unwrap_or(serde_json::Value::Null),
            hash: self.hash.clone(),
        }
    }
}

/// Which events an audit query returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub request_id: Option<i64>,
    pub actor: Option<String>,
    pub kind: Option<String>,
    /// Events with a seq greater than this.
    pub after: Option<i64>,
    pub limit: u32,
}
