//! The one `Store` both SQL backends share. A backend is its pool (`Db`): how a connection
//! and a writing transaction are had, and the one statement only it can write (a claim
//! that skips rows another replica is claiming). Every read, write, version check, lock
//! order and audit append is in `reads/`, `writes.rs`, `auth_tables.rs` and
//! `webhook_cursor.rs`, written once with `?` placeholders (`statement.rs`).

use std::ops::DerefMut;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::reads::tuples::{ASSIGNMENTS, ClaimSql, Claimable, MEMBERSHIPS};
use super::reads::{audit, requests, tuples};
use super::statement::{Dialect, Statement};
use super::{
    AuthPurge, Backend, Change, RequestEventRef, RequestFilter, SessionRecord, Store, StoreError,
    auth_tables, webhook_cursor, writes,
};
use crate::audit::{AuditFilter, AuditRecord};
use crate::auth::TokenHash;
use crate::model::{NewEvent, NewRequest, Request, RequestId, State, Target, Tuple};

/// What a backend supplies: its pool's connections and transactions, and its claim SQL.
#[async_trait]
pub(super) trait Db: Send + Sync + 'static {
    type Conn: Dialect;
    /// A pooled connection, for reads and single-statement writes.
    type Pooled: DerefMut<Target = Self::Conn> + Send;
    /// A transaction that writes.
    type Tx: DerefMut<Target = Self::Conn> + Send;
    const BACKEND: Backend;
    async fn connection(&self) -> Result<Self::Pooled, StoreError>;
    async fn begin(&self) -> Result<Self::Tx, StoreError>;
    async fn commit(tx: Self::Tx) -> Result<(), StoreError>;
    /// The statement that claims due rows of `table`: it binds the owner, the lease's
    /// end, now, now and the limit, and returns `table.columns`.
    fn claim_sql(table: &Claimable) -> String;
}

/// A store on one SQL database.
pub struct SqlStore<P> {
    pool: P,
    claims: ClaimSql,
}

/// The store on a backend's pool (its migrations already run).
pub(super) fn on<P: Db>(pool: P) -> SqlStore<P> {
    let claims = ClaimSql {
        assignments: P::claim_sql(&ASSIGNMENTS),
        memberships: P::claim_sql(&MEMBERSHIPS),
    };
    SqlStore { pool, claims }
}

impl<P: Db> std::fmt::Debug for SqlStore<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlStore")
            .field("backend", &P::BACKEND)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl<P: Db> Store for SqlStore<P> {
    fn backend(&self) -> Backend {
        P::BACKEND
    }

    async fn check_writes(&self) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        tx.execute(Statement::new(
            "UPDATE audit_head SET seq = seq WHERE id = 1",
        ))
        .await?;
        P::commit(tx).await
    }

    async fn insert_request(
        &self,
        r: &NewRequest,
        events: Vec<NewEvent>,
    ) -> Result<(Request, i64), StoreError> {
        let mut tx = self.pool.begin().await?;
        let out = writes::insert_request(&mut *tx, r, events).await?;
        P::commit(tx).await?;
        Ok(out)
    }

    async fn insert_request_set(
        &self,
        requests: &[NewRequest],
        events: Vec<Vec<NewEvent>>,
    ) -> Result<(Vec<Request>, i64), StoreError> {
        let mut tx = self.pool.begin().await?;
        let out = writes::insert_request_set(&mut *tx, requests, events).await?;
        P::commit(tx).await?;
        Ok(out)
    }

    async fn commit(&self, change: &Change) -> Result<Option<i64>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let seq = writes::apply(&mut *tx, change).await?;
        P::commit(tx).await?;
        Ok(seq)
    }

    async fn request(&self, id: RequestId) -> Result<Option<Request>, StoreError> {
        requests::by_id(&mut *self.pool.connection().await?, id).await
    }

    async fn list_requests(&self, filter: &RequestFilter) -> Result<Vec<Request>, StoreError> {
        requests::list(&mut *self.pool.connection().await?, filter).await
    }

    async fn requests_in_set(&self, set_id: RequestId) -> Result<Vec<Request>, StoreError> {
        requests::in_set(&mut *self.pool.connection().await?, set_id).await
    }

    async fn requests_on_tuple(&self, target: &Target) -> Result<Vec<Request>, StoreError> {
        let mut conn = self.pool.connection().await?;
        match target {
            Target::AccountAssignment(key) => requests::on_assignment(&mut *conn, key).await,
            Target::GroupMembership(key) => requests::on_membership(&mut *conn, key).await,
        }
    }

    async fn due_requests(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Request>, StoreError> {
        requests::due(&mut *self.pool.connection().await?, now, limit).await
    }

    async fn count_by_state(&self) -> Result<Vec<(State, i64)>, StoreError> {
        requests::count_by_state(&mut *self.pool.connection().await?).await
    }

    async fn tuple(&self, target: &Target) -> Result<Option<Tuple>, StoreError> {
        tuples::by_target(&mut *self.pool.connection().await?, target).await
    }

    async fn claim_due_tuples(
        &self,
        now: DateTime<Utc>,
        owner: &str,
        until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Tuple>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let claimed = tuples::claim_due(&mut *tx, &self.claims, (now, owner, until), limit).await?;
        P::commit(tx).await?;
        Ok(claimed)
    }

    async fn release_all_claims(&self) -> Result<(), StoreError> {
        tuples::release_all(&mut *self.pool.connection().await?).await
    }

    async fn managed_tuples(&self) -> Result<Vec<Tuple>, StoreError> {
        tuples::managed(&mut *self.pool.connection().await?).await
    }

    async fn managed_memberships(&self) -> Result<Vec<Tuple>, StoreError> {
        tuples::managed_memberships(&mut *self.pool.connection().await?).await
    }

    async fn managed_pairs(&self) -> Result<Vec<(String, String)>, StoreError> {
        tuples::managed_pairs(&mut *self.pool.connection().await?).await
    }

    async fn managed_tuples_of(
        &self,
        account_id: &str,
        permission_set_arn: &str,
    ) -> Result<Vec<Tuple>, StoreError> {
        let mut conn = self.pool.connection().await?;
        tuples::managed_of(&mut *conn, account_id, permission_set_arn).await
    }

    async fn next_due(&self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, StoreError> {
        tuples::next_due(&mut *self.pool.connection().await?, now).await
    }

    async fn audit_chain(
        &self,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        audit::chain(&mut *self.pool.connection().await?, after_seq, limit).await
    }

    async fn audit_head(&self) -> Result<(i64, String), StoreError> {
        audit::head(&mut *self.pool.connection().await?).await
    }

    async fn audit_events(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>, StoreError> {
        audit::events(&mut *self.pool.connection().await?, filter).await
    }

    async fn request_events_after(
        &self,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<RequestEventRef>, StoreError> {
        let mut conn = self.pool.connection().await?;
        audit::request_events_after(&mut *conn, after_seq, limit).await
    }

    async fn insert_session(
        &self,
        session: &SessionRecord,
        events: Vec<NewEvent>,
    ) -> Result<Option<i64>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let seq = auth_tables::insert(&mut *tx, session, &events).await?;
        P::commit(tx).await?;
        Ok(seq)
    }

    async fn session_by_token_hash(
        &self,
        token_hash: &TokenHash,
    ) -> Result<Option<SessionRecord>, StoreError> {
        auth_tables::by_token_hash(&mut *self.pool.connection().await?, token_hash).await
    }

    async fn revoke_session(
        &self,
        token_hash: &TokenHash,
        at: DateTime<Utc>,
        events: Vec<NewEvent>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let revoked = auth_tables::revoke(&mut *tx, token_hash, at, &events).await?;
        P::commit(tx).await?;
        Ok(revoked)
    }

    async fn remember_signature(
        &self,
        key: &str,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        auth_tables::remember_signature(&mut *self.pool.connection().await?, key, until).await
    }

    async fn purge_auth(&self, now: DateTime<Utc>) -> Result<AuthPurge, StoreError> {
        auth_tables::purge(&mut *self.pool.connection().await?, now).await
    }

    async fn webhook_claim(
        &self,
        owner: &str,
        url_hash: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Option<i64>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let seq = webhook_cursor::claim(&mut *tx, owner, url_hash, now, until).await?;
        P::commit(tx).await?;
        Ok(seq)
    }

    async fn webhook_advance(
        &self,
        owner: &str,
        seq: i64,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut conn = self.pool.connection().await?;
        webhook_cursor::advance(&mut *conn, owner, seq, now, until).await
    }

    async fn webhook_release(&self, owner: &str) -> Result<(), StoreError> {
        webhook_cursor::release(&mut *self.pool.connection().await?, owner).await
    }
}
