//! Sessions and used signatures on SQLite.

use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqlitePool};

use super::super::time::{from_sqlite, opt_from_sqlite, opt_to_sqlite, to_sqlite, truncate};
use super::super::writes::append_events;
use super::super::{AuthPurge, SessionRecord, StoreError};
use crate::auth::TokenHash;
use crate::model::{NewEvent, Person};

const SESSION_COLUMNS: &str = "id, token_hash, user_id, user_name, display_name, email, group_names, \
    created_at, expires_at, revoked_at";

fn session_from_row(row: &SqliteRow) -> Result<SessionRecord, StoreError> {
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
        created_at: from_sqlite(&row.try_get::<String, _>("created_at")?)?,
        expires_at: from_sqlite(&row.try_get::<String, _>("expires_at")?)?,
        revoked_at: opt_from_sqlite(row.try_get("revoked_at")?)?,
    })
}

pub(super) async fn insert(
    pool: &SqlitePool,
    s: &SessionRecord,
    events: &[NewEvent],
) -> Result<Option<i64>, StoreError> {
    let groups = serde_json::to_string(&s.groups)
        .map_err(|e| StoreError::Corrupt(format!("session groups: {e}")))?;
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    sqlx::query(
        "INSERT INTO sessions (id, token_hash, user_id, user_name, display_name, email, group_names, \
         created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&s.id)
    .bind(s.token_hash.as_str())
    .bind(&s.person.user_id)
    .bind(&s.person.user_name)
    .bind(&s.person.display_name)
    .bind(s.email.as_deref())
    .bind(&groups)
    .bind(to_sqlite(truncate(s.created_at)))
    .bind(to_sqlite(truncate(s.expires_at)))
    .bind(opt_to_sqlite(s.revoked_at.map(truncate)))
    .execute(&mut *tx)
    .await?;
    let seq = append_events(&mut *tx, events).await?;
    tx.commit().await?;
    Ok(seq)
}

pub(super) async fn by_token_hash(
    pool: &SqlitePool,
    token_hash: &TokenHash,
) -> Result<Option<SessionRecord>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {SESSION_COLUMNS} FROM sessions WHERE token_hash = ?"
    ))
    .bind(token_hash.as_str())
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(session_from_row).transpose()
}

pub(super) async fn revoke(
    pool: &SqlitePool,
    token_hash: &TokenHash,
    at: DateTime<Utc>,
    events: &[NewEvent],
) -> Result<bool, StoreError> {
    let at = to_sqlite(truncate(at));
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let done = sqlx::query(
        "UPDATE sessions SET revoked_at = ? \
         WHERE token_hash = ? AND revoked_at IS NULL AND expires_at > ?",
    )
    .bind(&at)
    .bind(token_hash.as_str())
    .bind(&at)
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
    pool: &SqlitePool,
    key: &str,
    until: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO used_signatures (key, until) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
    )
    .bind(key)
    .bind(to_sqlite(truncate(until)))
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub(super) async fn purge(pool: &SqlitePool, now: DateTime<Utc>) -> Result<AuthPurge, StoreError> {
    let now = to_sqlite(truncate(now));
    let sessions = sqlx::query("DELETE FROM sessions WHERE expires_at <= ? OR revoked_at <= ?")
        .bind(&now)
        .bind(&now)
        .execute(pool)
        .await?
        .rows_affected();
    let signatures = sqlx::query("DELETE FROM used_signatures WHERE until < ?")
        .bind(&now)
        .execute(pool)
        .await?
        .rows_affected();
    Ok(AuthPurge {
        sessions,
        signatures,
    })
}
