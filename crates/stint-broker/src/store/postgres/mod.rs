//! The PostgreSQL backend, for several broker replicas on one database. Conflicting writes
//! are caught by row versions; appends to the audit chain lock its head row, so replicas
//! never fork it; tuples are claimed with `FOR UPDATE SKIP LOCKED` plus a lease, so two
//! replicas never work on one tuple and a crashed replica's claims are retaken when their
//! lease runs out.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres, QueryBuilder, Row};

use super::time::truncate;
use super::{
    AuthPurge, Backend, Change, RequestEventRef, RequestFilter, SessionRecord, Store, StoreError,
};
use crate::audit::{AuditFilter, AuditRecord};
use crate::auth::TokenHash;
use crate::model::{NewEvent, NewRequest, Request, RequestId, State, Target, Tuple};

use super::rows::{
    AUDIT_COLUMNS, REQUEST_COLUMNS, TUPLE_COLUMNS, audit_from_row, corrupt, count,
    request_from_row, tuple_from_row,
};
use super::writes::{
    append_events, insert_request_row, read_request, update_request, update_tuple, wake_tuple,
};

mod memberships;
mod sessions;
mod webhooks;

pub(super) static MIGRATOR: sqlx::migrate::Migrator =
    sqlx::migrate!("src/store/postgres/migrations");

pub struct PostgresStore {
    pool: PgPool,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore").finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects to `postgres://...` and runs the migrations (replicas starting together
    /// are safe: sqlx serialises migrations with an advisory lock).
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(PostgresStore { pool })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

const TUPLE_COLUMNS_A: &str = "a.principal_type, a.principal_id, a.account_id, a.permission_set_arn, a.actual, \
    a.origin, a.step, a.operation_id, a.attempt, a.polls, a.op_started_at, a.deadline, a.leaked, a.next_check_at, \
    a.claimed_by, a.claimed_until, a.version, a.updated_at";

#[async_trait]
impl Store for PostgresStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn check_writes(&self) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn insert_request(
        &self,
        r: &NewRequest,
        mut events: Vec<NewEvent>,
    ) -> Result<(Request, i64), StoreError> {
        let mut tx = self.pool.begin().await?;
        let id = insert_request_row(&mut *tx, r, None).await?;
        for event in &mut events {
            event.request_id = Some(id);
        }
        let seq = append_events(&mut *tx, &events).await?.unwrap_or(0);
        let request = read_request(&mut *tx, id).await?;
        tx.commit().await?;
        Ok((request, seq))
    }

    async fn insert_request_set(
        &self,
        requests: &[NewRequest],
        events: Vec<Vec<NewEvent>>,
    ) -> Result<(Vec<Request>, i64), StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut set_id = None;
        let mut ids = Vec::with_capacity(requests.len());
        let mut all_events = Vec::new();
        for (r, events) in requests.iter().zip(events) {
            let id = insert_request_row(&mut *tx, r, set_id).await?;
            let set = *set_id.get_or_insert(id);
            ids.push(id);
            for mut event in events {
                event.request_id = Some(id);
                event.event.mark_set(set);
                all_events.push(event);
            }
        }
        if let Some(set) = set_id {
            // The first member learns its set's id, its own, once it has one.
            sqlx::query("UPDATE requests SET set_id = $1 WHERE id = $1")
                .bind(set)
                .execute(&mut *tx)
                .await?;
        }
        let seq = append_events(&mut *tx, &all_events).await?.unwrap_or(0);
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(read_request(&mut *tx, id).await?);
        }
        tx.commit().await?;
        Ok((out, seq))
    }

    async fn commit(&self, change: &Change) -> Result<Option<i64>, StoreError> {
        let mut tx = self.pool.begin().await?;
        // One lock order for every writer, so concurrent commits cannot deadlock.
        let mut requests: Vec<&Request> = change.requests.iter().collect();
        requests.sort_by_key(|r| r.id);
        for r in requests {
            update_request(&mut *tx, r).await?;
        }
        if let Some(t) = &change.tuple {
            update_tuple(&mut *tx, t).await?;
        }
        let mut wake: Vec<&Target> = change.wake.iter().collect();
        wake.sort();
        wake.dedup();
        for key in wake {
            wake_tuple(&mut *tx, key, change.at).await?;
        }
        let seq = append_events(&mut *tx, &change.events).await?;
        tx.commit().await?;
        Ok(seq)
    }

    async fn request(&self, id: RequestId) -> Result<Option<Request>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {REQUEST_COLUMNS} FROM requests WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(request_from_row).transpose()
    }

    async fn list_requests(&self, filter: &RequestFilter) -> Result<Vec<Request>, StoreError> {
        let mut q: QueryBuilder<Postgres> = QueryBuilder::new(format!(
            "SELECT {REQUEST_COLUMNS} FROM requests WHERE 1 = 1"
        ));
        if let Some(requester) = &filter.requester_id {
            q.push(" AND requester_id = ").push_bind(requester.clone());
        }
        if let Some((groups, not_requester)) = &filter.approvable_by {
            q.push(" AND requester_id <> ")
                .push_bind(not_requester.clone());
            q.push(" AND (state = 'pending' OR (pending_end_at IS NOT NULL AND state IN ('approved', 'activating', 'active')))");
            q.push(
                " AND id IN (SELECT request_id FROM request_approver_groups WHERE group_name IN (",
            );
            if groups.is_empty() {
                q.push("NULL");
            }
            let mut sep = q.separated(", ");
            for g in groups {
                sep.push_bind(g.clone());
            }
            q.push("))");
        }
        if !filter.states.is_empty() {
            q.push(" AND state IN (");
            let mut sep = q.separated(", ");
            for s in &filter.states {
                sep.push_bind(s.as_str());
            }
            q.push(")");
        }
        if let Some(account) = &filter.account_id {
            q.push(" AND account_id = ").push_bind(account.clone());
        }
        if let Some(before) = filter.before {
            q.push(" AND id < ").push_bind(before);
        }
        q.push(" ORDER BY id DESC LIMIT ")
            .push_bind(i64::from(filter.limit));
        let rows = q.build().fetch_all(&self.pool).await?;
        rows.iter().map(request_from_row).collect()
    }

    async fn requests_in_set(&self, set_id: RequestId) -> Result<Vec<Request>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {REQUEST_COLUMNS} FROM requests WHERE set_id = $1 ORDER BY id"
        ))
        .bind(set_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(request_from_row).collect()
    }

    async fn requests_on_tuple(&self, target: &Target) -> Result<Vec<Request>, StoreError> {
        let key = match target {
            Target::AccountAssignment(key) => key,
            Target::GroupMembership(key) => return memberships::requests_on(&self.pool, key).await,
        };
        let rows = sqlx::query(&format!(
            "SELECT {REQUEST_COLUMNS} FROM requests WHERE requester_id = $1 AND account_id = $2 \
             AND permission_set_arn = $3 AND group_id IS NULL AND (state IN ('activating', 'active', 'ending') \
             OR (state = 'failed' AND failed_from = 'ending')) ORDER BY id"
        ))
        .bind(&key.principal_id)
        .bind(&key.account_id)
        .bind(&key.permission_set_arn)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(request_from_row).collect()
    }

    async fn due_requests(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Request>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {REQUEST_COLUMNS} FROM requests WHERE next_due_at IS NOT NULL AND next_due_at <= $1 \
             ORDER BY next_due_at LIMIT $2"
        ))
        .bind(truncate(now))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(request_from_row).collect()
    }

    async fn count_by_state(&self) -> Result<Vec<(State, i64)>, StoreError> {
        let rows = sqlx::query("SELECT state, COUNT(*) AS n FROM requests GROUP BY state")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let state: String = row.try_get("state")?;
                let n: i64 = row.try_get("n")?;
                Ok((
                    State::parse(&state).ok_or_else(|| corrupt("state", &state))?,
                    n,
                ))
            })
            .collect()
    }

    async fn tuple(&self, target: &Target) -> Result<Option<Tuple>, StoreError> {
        let key = match target {
            Target::AccountAssignment(key) => key,
            Target::GroupMembership(key) => return memberships::get(&self.pool, key).await,
        };
        let row = sqlx::query(&format!(
            "SELECT {TUPLE_COLUMNS} FROM assignments WHERE principal_id = $1 AND account_id = $2 AND permission_set_arn = $3"
        ))
        .bind(&key.principal_id)
        .bind(&key.account_id)
        .bind(&key.permission_set_arn)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(tuple_from_row).transpose()
    }

    async fn claim_due_tuples(
        &self,
        now: DateTime<Utc>,
        owner: &str,
        until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Tuple>, StoreError> {
        let mut tx = self.pool.begin().await?;
        // Memberships take at most half the batch first, so a burst of assignments never
        // holds back a membership's removal; assignments then take the room left, and
        // memberships whatever assignments did not need.
        let half = limit.div_ceil(2);
        let mut claimed = memberships::claim_due(&mut tx, now, owner, until, half).await?;
        let room = limit.saturating_sub(count(&claimed));
        let rows = sqlx::query(&format!(
            "UPDATE assignments a SET claimed_by = $1, claimed_until = $2, wake = FALSE, version = a.version + 1 \
             FROM (SELECT principal_id, account_id, permission_set_arn FROM assignments \
                 WHERE (claimed_until IS NULL AND (wake OR next_check_at <= $3)) OR claimed_until <= $3 \
                 ORDER BY next_check_at NULLS FIRST LIMIT $4 FOR UPDATE SKIP LOCKED) due \
             WHERE a.principal_id = due.principal_id AND a.account_id = due.account_id \
                 AND a.permission_set_arn = due.permission_set_arn \
             RETURNING {TUPLE_COLUMNS_A}"
        ))
        .bind(owner)
        .bind(truncate(until))
        .bind(truncate(now))
        .bind(i64::from(room))
        .fetch_all(&mut *tx)
        .await?;
        let memberships_filled = count(&claimed) == half;
        for row in &rows {
            claimed.push(tuple_from_row(row)?);
        }
        let room = limit.saturating_sub(count(&claimed));
        if memberships_filled && room > 0 {
            claimed.extend(memberships::claim_due(&mut tx, now, owner, until, room).await?);
        }
        tx.commit().await?;
        Ok(claimed)
    }

    async fn release_all_claims(&self) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE assignments SET claimed_by = NULL, claimed_until = NULL, wake = TRUE, version = version + 1 \
             WHERE claimed_by IS NOT NULL",
        )
        .execute(&self.pool)
        .await?;
        memberships::release_all(&self.pool).await
    }

    async fn managed_tuples(&self) -> Result<Vec<Tuple>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {TUPLE_COLUMNS} FROM assignments a WHERE a.actual <> 'absent' OR a.leaked \
             OR EXISTS (SELECT 1 FROM requests r WHERE r.requester_id = a.principal_id \
                 AND r.account_id = a.account_id AND r.permission_set_arn = a.permission_set_arn \
                 AND r.state IN ('activating', 'active')) \
             ORDER BY a.account_id, a.permission_set_arn, a.principal_id"
        ))
        .fetch_all(&self.pool)
        .await?;
        let mut managed = rows
            .iter()
            .map(tuple_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        managed.extend(self.managed_memberships().await?);
        Ok(managed)
    }

    async fn managed_memberships(&self) -> Result<Vec<Tuple>, StoreError> {
        memberships::managed(&self.pool).await
    }

    async fn managed_pairs(&self) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT DISTINCT a.account_id, a.permission_set_arn FROM assignments a \
             WHERE a.actual <> 'absent' OR a.leaked \
             OR EXISTS (SELECT 1 FROM requests r WHERE r.requester_id = a.principal_id \
                 AND r.account_id = a.account_id AND r.permission_set_arn = a.permission_set_arn \
                 AND r.state IN ('activating', 'active')) \
             ORDER BY a.account_id, a.permission_set_arn",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get("account_id")?,
                    row.try_get("permission_set_arn")?,
                ))
            })
            .collect()
    }

    async fn managed_tuples_of(
        &self,
        account_id: &str,
        permission_set_arn: &str,
    ) -> Result<Vec<Tuple>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {TUPLE_COLUMNS} FROM assignments a \
             WHERE a.account_id = $1 AND a.permission_set_arn = $2 \
             AND (a.actual <> 'absent' OR a.leaked \
             OR EXISTS (SELECT 1 FROM requests r WHERE r.requester_id = a.principal_id \
                 AND r.account_id = a.account_id AND r.permission_set_arn = a.permission_set_arn \
                 AND r.state IN ('activating', 'active'))) \
             ORDER BY a.principal_id"
        ))
        .bind(account_id)
        .bind(permission_set_arn)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(tuple_from_row).collect()
    }

    async fn next_due(&self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, StoreError> {
        let row = sqlx::query(
            "SELECT \
               (SELECT MIN(next_due_at) FROM requests WHERE next_due_at IS NOT NULL) AS requests_due, \
               (SELECT MIN(next_check_at) FROM assignments WHERE next_check_at IS NOT NULL AND claimed_until IS NULL) AS tuples_due, \
               (SELECT MIN(claimed_until) FROM assignments WHERE claimed_until IS NOT NULL) AS lease_due, \
               EXISTS (SELECT 1 FROM assignments WHERE wake AND claimed_until IS NULL) AS woken",
        )
        .fetch_one(&self.pool)
        .await?;
        let woken: bool = row.try_get("woken")?;
        let (memberships_due, memberships_woken) = memberships::next_due(&self.pool).await?;
        if woken || memberships_woken {
            return Ok(Some(now));
        }
        let mut due: Option<DateTime<Utc>> = memberships_due;
        for column in ["requests_due", "tuples_due", "lease_due"] {
            if let Some(at) = row.try_get::<Option<DateTime<Utc>>, _>(column)? {
                due = Some(due.map_or(at, |d| d.min(at)));
            }
        }
        Ok(due)
    }

    async fn audit_chain(
        &self,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2"
        ))
        .bind(after_seq)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(audit_from_row).collect()
    }

    async fn audit_head(&self) -> Result<(i64, String), StoreError> {
        let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok((row.try_get("seq")?, row.try_get("hash")?))
    }

    async fn audit_events(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>, StoreError> {
        let mut q: QueryBuilder<Postgres> = QueryBuilder::new(format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_events WHERE 1 = 1"
        ));
        if let Some(id) = filter.request_id {
            q.push(" AND request_id = ").push_bind(id);
        }
        if let Some(actor) = &filter.actor {
            q.push(" AND actor = ").push_bind(actor.clone());
        }
        if let Some(kind) = &filter.kind {
            q.push(" AND kind = ").push_bind(kind.clone());
        }
        if let Some(after) = filter.after {
            q.push(" AND seq > ").push_bind(after);
        }
        q.push(" ORDER BY seq LIMIT ")
            .push_bind(i64::from(filter.limit));
        let rows = q.build().fetch_all(&self.pool).await?;
        rows.iter().map(audit_from_row).collect()
    }

    async fn request_events_after(
        &self,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<RequestEventRef>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, request_id FROM audit_events WHERE seq > $1 AND request_id IS NOT NULL ORDER BY seq LIMIT $2",
        )
        .bind(after_seq)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(RequestEventRef {
                    seq: row.try_get("seq")?,
                    request_id: row.try_get("request_id")?,
                })
            })
            .collect()
    }

    async fn insert_session(
        &self,
        session: &SessionRecord,
        events: Vec<NewEvent>,
    ) -> Result<Option<i64>, StoreError> {
        sessions::insert(&self.pool, session, &events).await
    }

    async fn session_by_token_hash(
        &self,
        token_hash: &TokenHash,
    ) -> Result<Option<SessionRecord>, StoreError> {
        sessions::by_token_hash(&self.pool, token_hash).await
    }

    async fn revoke_session(
        &self,
        token_hash: &TokenHash,
        at: DateTime<Utc>,
        events: Vec<NewEvent>,
    ) -> Result<bool, StoreError> {
        sessions::revoke(&self.pool, token_hash, at, &events).await
    }

    async fn remember_signature(
        &self,
        key: &str,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        sessions::remember_signature(&self.pool, key, until).await
    }

    async fn purge_auth(&self, now: DateTime<Utc>) -> Result<AuthPurge, StoreError> {
        sessions::purge(&self.pool, now).await
    }

    async fn webhook_claim(
        &self,
        owner: &str,
        url_hash: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Option<i64>, StoreError> {
        webhooks::claim(&self.pool, owner, url_hash, now, until).await
    }

    async fn webhook_advance(
        &self,
        owner: &str,
        seq: i64,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        webhooks::advance(&self.pool, owner, seq, now, until).await
    }

    async fn webhook_release(&self, owner: &str) -> Result<(), StoreError> {
        webhooks::release(&self.pool, owner).await
    }
}
