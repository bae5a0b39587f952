//! Storage behind one trait, with a SQLite backend (one file, the default) and a PostgreSQL
//! backend (several broker replicas). Both are one [`SqlStore`] (`sql_store.rs`): its SQL is
//! written once; a backend keeps its pool, its way of beginning a writing transaction, its
//! claim statement and its `migrations/`.
//!
//! The engine reads rows, decides, and writes back a [`Change`]: every row it updates is
//! checked against the version it read (optimistic concurrency), and the change's audit
//! events are appended to the hash chain in the same transaction. Tuples whose side effects
//! are in flight are additionally held by a lease (`claimed_by`, `claimed_until`), so no two
//! workers or replicas call Identity Center for the same tuple at once.

mod auth_tables;
mod fault;
mod postgres;
mod reads;
mod rows;
mod session;
mod sql_store;
mod sqlite;
mod statement;
mod status;
mod time;
mod watched;
mod webhook_cursor;
mod writes;

pub use fault::WriteFault;
pub use postgres::PostgresStore;
pub use session::{AuthPurge, SessionRecord};
pub use sql_store::SqlStore;
pub use sqlite::SqliteStore;
pub use status::{DatabaseStatus, status};
pub use time::truncate as time_truncate;
pub use watched::FAULT_MEMORY;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::audit::{AuditFilter, AuditRecord};
use crate::auth::TokenHash;
use crate::model::{NewEvent, NewRequest, Request, RequestId, State, Target, Tuple};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A row changed since it was read; reload and decide again.
    #[error("the record changed while it was being updated; try again")]
    Conflict,
    /// Carries the URL's scheme only: the rest may hold a password.
    #[error(
        "database URLs starting with {0:?} are not supported: use sqlite://PATH or postgres://..."
    )]
    UnsupportedUrl(String),
    #[error("the database holds a value the broker cannot read: {0}")]
    Corrupt(String),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// Which backend a store is; SQLite is served by one broker process only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// One atomic write: request and tuple updates (each checked against the version it was
/// read at, and bumped by one), tuples to wake, and the audit events that describe it.
#[derive(Debug, Clone, Default)]
pub struct Change {
    /// When the change was decided (the clock's now).
    pub at: DateTime<Utc>,
    pub requests: Vec<Request>,
    pub tuple: Option<Tuple>,
    /// Make these tuples due now, creating their rows if they do not exist.
    pub wake: Vec<Target>,
    pub events: Vec<NewEvent>,
}

impl Change {
    pub fn is_empty(&self) -> bool {
        self.requests.is_empty()
            && self.tuple.is_none()
            && self.wake.is_empty()
            && self.events.is_empty()
    }
}

/// Which requests a listing returns. Newest first; `before` is the cursor (an id).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestFilter {
    /// Only this requester's.
    pub requester_id: Option<String>,
    /// Only requests waiting for a decision (pending, or with an extension awaiting
    /// approval) that members of these groups may approve, and not made by `not_requester`.
    pub approvable_by: Option<(Vec<String>, String)>,
    pub states: Vec<State>,
    pub account_id: Option<String>,
    pub before: Option<RequestId>,
    pub limit: u32,
}

/// An audit event that concerns a request, for the change feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestEventRef {
    pub seq: i64,
    pub request_id: RequestId,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    fn backend(&self) -> Backend;

    /// Commits one harmless write (the audit head row rewritten as it is), so a database
    /// that takes no writes (read-only, or full) fails here as any write would;
    /// [`StoreError::write_fault`] says which. For `/healthz` and the start.
    async fn check_writes(&self) -> Result<(), StoreError>;

    /// The last write that failed because the database takes none (read-only, full), if
    /// it failed less than [`FAULT_MEMORY`] ago. Kept by the wrapper [`open`] returns.
    fn recent_write_fault(&self) -> Option<WriteFault> {
        None
    }

    /// Writes a new request and its first events (their `request_id` is set to the new id).
    /// Returns the request and the last audit seq.
    async fn insert_request(
        &self,
        request: &NewRequest,
        events: Vec<NewEvent>,
    ) -> Result<(Request, i64), StoreError>;

    /// Writes the members of a request set and their first events in one transaction, in
    /// order; the first member's id becomes every member's `set_id` (and the `set_id` of
    /// their `requested` events). `events[i]` belong to `requests[i]`. Returns the members
    /// and the last audit seq.
    async fn insert_request_set(
        &self,
        requests: &[NewRequest],
        events: Vec<Vec<NewEvent>>,
    ) -> Result<(Vec<Request>, i64), StoreError>;

    /// Applies a change atomically. [`StoreError::Conflict`] when any row's version moved.
    /// Returns the last audit seq written, if any event was.
    async fn commit(&self, change: &Change) -> Result<Option<i64>, StoreError>;

    async fn request(&self, id: RequestId) -> Result<Option<Request>, StoreError>;
    async fn list_requests(&self, filter: &RequestFilter) -> Result<Vec<Request>, StoreError>;
    /// The members of a request set, in id order (empty when there is no such set).
    async fn requests_in_set(&self, set_id: RequestId) -> Result<Vec<Request>, StoreError>;
    /// The requests of one tuple that are not final, and failed ones that may still hold
    /// access (failed while ending).
    async fn requests_on_tuple(&self, target: &Target) -> Result<Vec<Request>, StoreError>;
    /// Requests whose time-driven step is due, earliest first.
    async fn due_requests(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Request>, StoreError>;
    async fn count_by_state(&self) -> Result<Vec<(State, i64)>, StoreError>;

    async fn tuple(&self, target: &Target) -> Result<Option<Tuple>, StoreError>;
    /// Claims up to `limit` due tuples (woken, or past `next_check_at`) whose lease is free
    /// or expired, for `owner` until `until`. Each claim bumps the tuple's version and clears
    /// its wake flag. PostgreSQL skips rows another replica is claiming at the same moment.
    async fn claim_due_tuples(
        &self,
        now: DateTime<Utc>,
        owner: &str,
        until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Tuple>, StoreError>;
    /// Drops every lease (SQLite at start: one process owns the file, and a lease left by
    /// a crashed run of it must not delay resuming).
    async fn release_all_claims(&self) -> Result<(), StoreError>;
    /// Every tuple Stint manages (assignments, then memberships): not absent, suspected
    /// leaked, or needed by a request.
    async fn managed_tuples(&self) -> Result<Vec<Tuple>, StoreError>;
    /// The group memberships Stint manages. Reconciliation asks Identity Store about each
    /// (there is no listing of one user's memberships by group that would be cheaper).
    async fn managed_memberships(&self) -> Result<Vec<Tuple>, StoreError>;
    /// The (account, permission set) pairs of the assignments Stint manages, in order: how
    /// reconciliation walks them one pair at a time, never holding every tuple at once.
    async fn managed_pairs(&self) -> Result<Vec<(String, String)>, StoreError>;
    /// The tuples Stint manages in one (account, permission set) pair.
    async fn managed_tuples_of(
        &self,
        account_id: &str,
        permission_set_arn: &str,
    ) -> Result<Vec<Tuple>, StoreError>;
    /// The earliest time anything is due (now if a tuple is woken).
    async fn next_due(&self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, StoreError>;

    /// Events after `after_seq`, in order, for verification.
    async fn audit_chain(&self, after_seq: i64, limit: u32)
    -> Result<Vec<AuditRecord>, StoreError>;
    /// The seq and hash of the last event, as the head row records them.
    async fn audit_head(&self) -> Result<(i64, String), StoreError>;
    async fn audit_events(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>, StoreError>;
    /// Events about requests after `after_seq`, in order: the change feed.
    async fn request_events_after(
        &self,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<RequestEventRef>, StoreError>;

    /// Stores a new broker session and appends its audit events, in one transaction.
    /// Returns the last audit seq written, if any event was.
    async fn insert_session(
        &self,
        session: &SessionRecord,
        events: Vec<NewEvent>,
    ) -> Result<Option<i64>, StoreError>;
    /// The session whose token hashes to `token_hash`, live or not.
    async fn session_by_token_hash(
        &self,
        token_hash: &TokenHash,
    ) -> Result<Option<SessionRecord>, StoreError>;
    /// Revokes the session if it is live at `at`, appending `events` in the same
    /// transaction. `false` (and nothing written) when there was no live session.
    async fn revoke_session(
        &self,
        token_hash: &TokenHash,
        at: DateTime<Utc>,
        events: Vec<NewEvent>,
    ) -> Result<bool, StoreError>;
    /// Remembers a used identity-request signature (by `key`, a hash of it) until `until`.
    /// `false` when it was already remembered: the request is a replay. Atomic across
    /// replicas sharing the database.
    async fn remember_signature(&self, key: &str, until: DateTime<Utc>)
    -> Result<bool, StoreError>;
    /// Deletes sessions expired or revoked by `now` and signatures remembered until before
    /// `now`.
    async fn purge_auth(&self, now: DateTime<Utc>) -> Result<AuthPurge, StoreError>;

    /// Takes or renews the webhook notifier's lease for `owner` until `until`, for the
    /// receiver whose URL hashes to `url_hash`, and returns the last audit seq handled for
    /// it; `None` while another process holds an unexpired lease. The first claim for a
    /// receiver (or for a different one) starts it at the audit head: a new receiver is sent
    /// what happens from then on, not the whole history.
    async fn webhook_claim(
        &self,
        owner: &str,
        url_hash: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Option<i64>, StoreError>;
    /// Records that every event up to `seq` was delivered or passed over, and renews the
    /// lease until `until`. `false` (nothing written) when `owner` no longer holds it.
    async fn webhook_advance(
        &self,
        owner: &str,
        seq: i64,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Gives the lease up, so another process takes over at once.
    async fn webhook_release(&self, owner: &str) -> Result<(), StoreError>;
}

/// Opens the store a URL names: `sqlite://PATH` (created if missing) or `postgres://...`.
/// Runs the backend's migrations. The store is [`watched`]: it remembers its last write
/// fault ([`Store::recent_write_fault`]).
pub async fn open(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    let store: Arc<dyn Store> = if url.starts_with("sqlite:") {
        Arc::new(SqliteStore::open(url).await?)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Arc::new(PostgresStore::open(url).await?)
    } else {
        return Err(StoreError::UnsupportedUrl(
            url.split(':').next().unwrap_or_default().to_string(),
        ));
    };
    Ok(Arc::new(watched::Watched::new(store)))
}
