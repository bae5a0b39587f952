//! Sessions and used signatures on PostgreSQL.

use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};

use super::super::time::truncate;
use super::super::writes::append_events;
use super::super::{AuthPurge, SessionRecord, StoreError};
use crate::auth::TokenHash;
use crate::model::{NewEvent, Person};

const SESSION_COLUMNS: &str = "id, token_hash, user_id, user_name, display_name, email, group_names, \
    created_at, expires_at, revoked_at";

fn session_from_row(row: &PgRow) -> Result<SessionRecord, StoreError> {
    let groups: String = row.try_get("group_names")?;
    Ok(SessionRecord {
        id: row.try_get("id")?,
        token_hash: TokenHash::from_stored(row.try_get("token_hash")?),
        person: Person {
            user_id: row.try_get("user_id")?,
            user_name: row.try_get("user_name")?,
            display_name: row.try_get("display_name")?,
        },
        email: row.try_get("email")?,
        groups: serde_json::from_str(&groups)
            .map_err(|e| StoreError::Corrupt(format!("session groups: {e}")))?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

pub(super) async fn insert(
    pool: &PgPool,
    s: &SessionRecord,
    events: &[NewEvent],
) -> Result<Option<i64>, StoreError> {
    let groups = serde_json::to_string(&s.groups)
        .map_err(|e| StoreError::Corrupt(format!("session groups: {e}")))?;
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO sessions (id, token_hash, user_id, user_name, display_name, email, group_names, \
         created_at, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&s.id)
    .bind(s.token_hash.as_str())
    .bind(&s.person.user_id)
    .bind(&s.person.user_name)
    .bind(&s.person.display_name)
    .bind(s.email.as_deref())
    .bind(&groups)
    .bind(truncate(s.created_at))
    .bind(truncate(s.expires_at))
    .bind(s.revoked_at.map(truncate))
    .execute(&mut *tx)
    .await?;
    let seq = append_events(&mut *tx, events).await?;
    tx.commit().await?;
    Ok(seq)
}

pub(super) async fn by_token_hash(
    pool: &PgPool,
    token_hash: &TokenHash,
) -> Result<Option<SessionRecord>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {SESSION_COLUMNS} FROM sessions WHERE token_hash = $1"
    ))
    .bind(token_hash.as_str())
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(session_from_row).transpose()
}

pub(super) async fn revoke(
    pool: &PgPool,
    token_hash: &TokenHash,
    at: DateTime<Utc>,
    events: &[NewEvent],
) -> Result<bool, StoreError> {
    let at = truncate(at);
    let mut tx = pool.begin().await?;
    let done = sqlx::query(
        "UPDATE sessions SET revoked_at = $1 \
         WHERE token_hash = $2 AND revoked_at IS NULL AND expires_at > $1",
    )
    .bind(at)
    .bind(token_hash.as_str())
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    append_events(&mut *tx, events).await?;
    tx.commit().await?;
    Ok(true)
}

pub(super) async fn remember_signature(
    pool: &PgPool,
    key: &str,
    until: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO used_signatures (key, until) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
    )
    .bind(key)
    .bind(truncate(until))
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub(super) async fn purge(pool: &PgPool, now: DateTime<Utc>) -> Result<AuthPurge, StoreError> {
    let now = truncate(now);
    let sessions = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR revoked_at <= $1")
        .bind(now)
        .execute(pool)
        .await?
        .rows_affected();
    let signatures = sqlx::query("DELETE FROM used_signatures WHERE until < $1")
        .bind(now)
        .execute(pool)
        .await?
        .rows_affected();
    Ok(AuthPurge {
        sessions,
        signatures,
    })
}
