//! Every store [`open`](super::open) returns is wrapped in [`Watched`], which remembers
//! when a write last failed because the database takes no writes (read-only, full). On a
//! full disk, a small write can still fit where a real one does not (a failed transaction
//! leaves room at the end of SQLite's WAL), so `/healthz` asks this as well as making its
//! own write: it reports the failure for [`FAULT_MEMORY`] after the last one.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{
    AuthPurge, Backend, Change, RequestEventRef, RequestFilter, SessionRecord, Store, StoreError,
    WriteFault,
};
use crate::audit::{AuditFilter, AuditRecord};
use crate::auth::TokenHash;
use crate::model::{NewEvent, NewRequest, Request, RequestId, State, Target, Tuple};

/// How long a write that failed for want of write access or space is reported.
pub const FAULT_MEMORY: Duration = Duration::from_secs(30);

pub struct Watched {
    inner: Arc<dyn Store>,
    last_fault: Mutex<Option<(Instant, WriteFault)>>,
}

impl Watched {
    pub fn new(inner: Arc<dyn Store>) -> Watched {
        Watched {
            inner,
            last_fault: Mutex::new(None),
        }
    }

    fn seen<T>(&self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        if let Err(e) = &result {
            if let Some(fault) = e.write_fault() {
                let mut last = self.last_fault.lock().unwrap_or_else(|p| p.into_inner());
                *last = Some((Instant::now(), fault));
            }
        }
        result
    }
}

#[async_trait]
impl Store for Watched {
    fn backend(&self) -> Backend {
        self.inner.backend()
    }

    fn recent_write_fault(&self) -> Option<WriteFault> {
        let last = self.last_fault.lock().unwrap_or_else(|p| p.into_inner());
        last.as_ref()
            .filter(|(at, _)| at.elapsed() < FAULT_MEMORY)
            .map(|(_, fault)| fault.clone())
    }

    async fn check_writes(&self) -> Result<(), StoreError> {
        self.seen(self.inner.check_writes().await)
    }

    async fn insert_request(
        &self,
        request: &NewRequest,
        events: Vec<NewEvent>,
    ) -> Result<(Request, i64), StoreError> {
        self.seen(self.inner.insert_request(request, events).await)
    }

    async fn insert_request_set(
        &self,
        requests: &[NewRequest],
        events: Vec<Vec<NewEvent>>,
    ) -> Result<(Vec<Request>, i64), StoreError> {
        self.seen(self.inner.insert_request_set(requests, events).await)
    }

    async fn commit(&self, change: &Change) -> Result<Option<i64>, StoreError> {
        self.seen(self.inner.commit(change).await)
    }

    async fn request(&self, id: RequestId) -> Result<Option<Request>, StoreError> {
        self.inner.request(id).await
    }

    async fn list_requests(&self, filter: &RequestFilter) -> Result<Vec<Request>, StoreError> {
        self.inner.list_requests(filter).await
    }

    async fn requests_in_set(&self, set_id: RequestId) -> Result<Vec<Request>, StoreError> {
        self.inner.requests_in_set(set_id).await
    }

    async fn requests_on_tuple(&self, key: &Target) -> Result<Vec<Request>, StoreError> {
        self.inner.requests_on_tuple(key).await
    }

    async fn due_requests(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Request>, StoreError> {
        self.inner.due_requests(now, limit).await
    }

    async fn count_by_state(&self) -> Result<Vec<(State, i64)>, StoreError> {
        self.inner.count_by_state().await
    }

    async fn tuple(&self, key: &Target) -> Result<Option<Tuple>, StoreError> {
        self.inner.tuple(key).await
    }

    async fn claim_due_tuples(
        &self,
        now: DateTime<Utc>,
        owner: &str,
        until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Tuple>, StoreError> {
        self.seen(self.inner.claim_due_tuples(now, owner, until, limit).await)
    }

    async fn release_all_claims(&self) -> Result<(), StoreError> {
        self.seen(self.inner.release_all_claims().await)
    }

    async fn managed_tuples(&self) -> Result<Vec<Tuple>, StoreError> {
        self.inner.managed_tuples().await
    }

    async fn managed_memberships(&self) -> Result<Vec<Tuple>, StoreError> {
        self.inner.managed_memberships().await
    }

    async fn managed_pairs(&self) -> Result<Vec<(String, String)>, StoreError> {
        self.inner.managed_pairs().await
    }

    async fn managed_tuples_of(
        &self,
        account_id: &str,
        permission_set_arn: &str,
    ) -> Result<Vec<Tuple>, StoreError> {
        self.inner
            .managed_tuples_of(account_id, permission_set_arn)
            .await
    }

    async fn next_due(&self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.inner.next_due(now).await
    }

    async fn audit_chain(
        &self,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        self.inner.audit_chain(after_seq, limit).await
    }

    async fn audit_head(&self) -> Result<(i64, String), StoreError> {
        self.inner.audit_head().await
    }

    async fn audit_events(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>, StoreError> {
        self.inner.audit_events(filter).await
    }

    async fn request_events_after(
        &self,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<RequestEventRef>, StoreError> {
        self.inner.request_events_after(after_seq, limit).await
    }

    async fn insert_session(
        &self,
        session: &SessionRecord,
        events: Vec<NewEvent>,
    ) -> Result<Option<i64>, StoreError> {
        self.seen(self.inner.insert_session(session, events).await)
    }

    async fn session_by_token_hash(
        &self,
        token_hash: &TokenHash,
    ) -> Result<Option<SessionRecord>, StoreError> {
        self.inner.session_by_token_hash(token_hash).await
    }

    async fn revoke_session(
        &self,
        token_hash: &TokenHash,
        at: DateTime<Utc>,
        events: Vec<NewEvent>,
    ) -> Result<bool, StoreError> {
        self.seen(self.inner.revoke_session(token_hash, at, events).await)
    }

    async fn remember_signature(
        &self,
        key: &str,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.seen(self.inner.remember_signature(key, until).await)
    }

    async fn purge_auth(&self, now: DateTime<Utc>) -> Result<AuthPurge, StoreError> {
        self.seen(self.inner.purge_auth(now).await)
    }

    async fn webhook_claim(
        &self,
        owner: &str,
        url_hash: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Option<i64>, StoreError> {
        self.seen(self.inner.webhook_claim(owner, url_hash, now, until).await)
    }

    async fn webhook_advance(
        &self,
        owner: &str,
        seq: i64,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.seen(self.inner.webhook_advance(owner, seq, now, until).await)
    }

    async fn webhook_release(&self, owner: &str) -> Result<(), StoreError> {
        self.seen(self.inner.webhook_release(owner).await)
    }
}
