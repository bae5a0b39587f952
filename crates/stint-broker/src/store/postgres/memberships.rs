//! The `memberships` table: group-membership targets, converged like assignments (the same
//! columns, leases and wake flag), keyed by (group, user). Claims skip rows another replica
//! is claiming at the same moment, as for assignments.

use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Row};

use super::super::StoreError;
use super::super::rows::{REQUEST_COLUMNS, converged_from_row, request_from_row};
use super::super::time::truncate;
use crate::model::{MembershipKey, Request, Target, Tuple};

const COLUMNS: &str = "group_id, user_id, actual, origin, step, operation_id, attempt, polls, \
    op_started_at, deadline, leaked, next_check_at, claimed_by, claimed_until, version, updated_at";

const COLUMNS_M: &str = "m.group_id, m.user_id, m.actual, m.origin, m.step, m.operation_id, m.attempt, \
    m.polls, m.op_started_at, m.deadline, m.leaked, m.next_check_at, m.claimed_by, m.claimed_until, \
    m.version, m.updated_at";

/// What makes a membership "managed": present or in flight, suspected leaked, or needed.
const MANAGED: &str = "m.actual <> 'absent' OR m.leaked \
    OR EXISTS (SELECT 1 FROM requests r WHERE r.requester_id = m.user_id AND r.group_id = m.group_id \
        AND r.state IN ('activating', 'active'))";

fn from_row(row: &PgRow) -> Result<Tuple, StoreError> {
    let key = MembershipKey {
        group_id: row.try_get("group_id")?,
        user_id: row.try_get("user_id")?,
    };
    converged_from_row(row, Target::GroupMembership(key))
}

pub(super) async fn get(pool: &PgPool, key: &MembershipKey) -> Result<Option<Tuple>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM memberships WHERE group_id = $1 AND user_id = $2"
    ))
    .bind(&key.group_id)
    .bind(&key.user_id)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub(super) async fn requests_on(
    pool: &PgPool,
    key: &MembershipKey,
) -> Result<Vec<Request>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {REQUEST_COLUMNS} FROM requests WHERE requester_id = $1 AND group_id = $2 \
         AND (state IN ('activating', 'active', 'ending') \
         OR (state = 'failed' AND failed_from = 'ending')) ORDER BY id"
    ))
    .bind(&key.user_id)
    .bind(&key.group_id)
    .fetch_all(pool)
    .await?;
    rows.iter().map(request_from_row).collect()
}

pub(super) async fn claim_due(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    owner: &str,
    until: DateTime<Utc>,
    limit: u32,
) -> Result<Vec<Tuple>, StoreError> {
    let rows = sqlx::query(&format!(
        "UPDATE memberships m SET claimed_by = $1, claimed_until = $2, wake = FALSE, version = m.version + 1 \
         FROM (SELECT group_id, user_id FROM memberships \
             WHERE (claimed_until IS NULL AND (wake OR next_check_at <= $3)) OR claimed_until <= $3 \
             ORDER BY next_check_at NULLS FIRST LIMIT $4 FOR UPDATE SKIP LOCKED) due \
         WHERE m.group_id = due.group_id AND m.user_id = due.user_id \
         RETURNING {COLUMNS_M}"
    ))
    .bind(owner)
    .bind(truncate(until))
    .bind(truncate(now))
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(from_row).collect()
}

pub(super) async fn release_all(pool: &PgPool) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE memberships SET claimed_by = NULL, claimed_until = NULL, wake = TRUE, version = version + 1 \
         WHERE claimed_by IS NOT NULL",
    )
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn managed(pool: &PgPool) -> Result<Vec<Tuple>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS_M} FROM memberships m WHERE {MANAGED} ORDER BY m.group_id, m.user_id"
    ))
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The earliest check or lease end among memberships, and whether one is woken.
pub(super) async fn next_due(pool: &PgPool) -> Result<(Option<DateTime<Utc>>, bool), StoreError> {
    let row = sqlx::query(
        "SELECT \
           (SELECT MIN(next_check_at) FROM memberships WHERE next_check_at IS NOT NULL AND claimed_until IS NULL) AS due, \
           (SELECT MIN(claimed_until) FROM memberships WHERE claimed_until IS NOT NULL) AS lease_due, \
           EXISTS (SELECT 1 FROM memberships WHERE wake AND claimed_until IS NULL) AS woken",
    )
    .fetch_one(pool)
    .await?;
    let due: Option<DateTime<Utc>> = row.try_get("due")?;
    let lease: Option<DateTime<Utc>> = row.try_get("lease_due")?;
    let earliest = match (due, lease) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    Ok((earliest, row.try_get("woken")?))
}
