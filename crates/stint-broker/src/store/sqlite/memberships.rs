//! The `memberships` table: group-membership targets, converged like assignments (the same
//! columns, leases and wake flag), keyed by (group, user).

use chrono::{DateTime, Utc};
use sqlx::{Row, SqliteConnection, SqlitePool};

use super::super::StoreError;
use super::super::rows::{REQUEST_COLUMNS, converged_from_row, request_from_row};
use super::super::time::to_sqlite;
use crate::model::{MembershipKey, Request, Target, Tuple};

pub(super) const COLUMNS: &str = "group_id, user_id, actual, origin, step, operation_id, attempt, polls, \
    op_started_at, deadline, leaked, next_check_at, claimed_by, claimed_until, version, updated_at";

/// What makes a membership "managed": present or in flight, suspected leaked, or needed.
const MANAGED: &str = "m.actual <> 'absent' OR m.leaked = 1 \
    OR EXISTS (SELECT 1 FROM requests r WHERE r.requester_id = m.user_id AND r.group_id = m.group_id \
        AND r.state IN ('activating', 'active'))";

pub(super) fn from_row(row: &sqlx::sqlite::SqliteRow) -> Result<Tuple, StoreError> {
    let key = MembershipKey {
        group_id: row.try_get("group_id")?,
        user_id: row.try_get("user_id")?,
    };
    converged_from_row(row, Target::GroupMembership(key))
}

pub(super) async fn get(
    pool: &SqlitePool,
    key: &MembershipKey,
) -> Result<Option<Tuple>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM memberships WHERE group_id = ? AND user_id = ?"
    ))
    .bind(&key.group_id)
    .bind(&key.user_id)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub(super) async fn requests_on(
    pool: &SqlitePool,
    key: &MembershipKey,
) -> Result<Vec<Request>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {REQUEST_COLUMNS} FROM requests WHERE requester_id = ? AND group_id = ? \
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
    conn: &mut SqliteConnection,
    now: DateTime<Utc>,
    owner: &str,
    until: DateTime<Utc>,
    limit: u32,
) -> Result<Vec<Tuple>, StoreError> {
    let rows = sqlx::query(&format!(
        "UPDATE memberships SET claimed_by = ?, claimed_until = ?, wake = 0, version = version + 1 \
         WHERE rowid IN (SELECT rowid FROM memberships \
             WHERE (claimed_until IS NULL AND (wake = 1 OR next_check_at <= ?)) OR claimed_until <= ? \
             ORDER BY next_check_at LIMIT ?) \
         RETURNING {COLUMNS}"
    ))
    .bind(owner)
    .bind(to_sqlite(until))
    .bind(to_sqlite(now))
    .bind(to_sqlite(now))
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(from_row).collect()
}

pub(super) async fn release_all(pool: &SqlitePool) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE memberships SET claimed_by = NULL, claimed_until = NULL, wake = 1, version = version + 1 \
         WHERE claimed_by IS NOT NULL",
    )
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn managed(pool: &SqlitePool) -> Result<Vec<Tuple>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM memberships m WHERE {MANAGED} ORDER BY m.group_id, m.user_id"
    ))
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}
