//! What the store keeps of broker sessions and of the signed identity requests already
//! used. A session is found by the SHA-256 of its token; the token itself is never stored.

use chrono::{DateTime, Utc};

use crate::auth::TokenHash;
use crate::model::Person;

/// One broker session, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// A random, non-secret handle for logs and audit events.
    pub id: String,
    pub token_hash: TokenHash,
    pub person: Person,
    pub email: Option<String>,
    /// Identity Center group names at sign-in.
    pub groups: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl SessionRecord {
    /// Usable at `now`: not revoked and not expired.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

/// What one purge removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuthPurge {
    pub sessions: u64,
    pub signatures: u64,
}
