//! The sessions and used-signatures tables, once for both backends.

use chrono::{DateTime, Utc};

use super::rows::Columns;
use super::statement::{Dialect, Statement};
use super::writes::append_events;
use super::{AuthPurge, SessionRecord, StoreError};
use crate::auth::TokenHash;
use crate::model::{NewEvent, Person};

const SESSION_COLUMNS: &str = "id, token_hash, user_id, user_name, display_name, email, group_names, \
    created_at, expires_at, revoked_at";

fn session_from_row(row: &impl Columns) -> Result<SessionRecord, StoreError> {
    let groups: String = row.value("group_names")?;
    Ok(SessionRecord {
        id: row.value("id")?,
        token_hash: TokenHash::from_stored(row.value("token_hash")?),
        person: Person {
            user_id: row.value("user_id")?,
            user_name: row.value("user_name")?,
            display_name: row.value("display_name")?,
        },
        email: row.value("email")?,
        groups: serde_json::from_str(&groups)
            .map_err(|e| StoreError::Corrupt(format!("session groups: {e}")))?,
        created_at: row.value("created_at")?,
        expires_at: row.value("expires_at")?,
        revoked_at: row.value("revoked_at")?,
    })
}

/// Inserts the session and appends its events, inside the caller's transaction.
pub(super) async fn insert<C: Dialect>(
    conn: &mut C,
    s: &SessionRecord,
    events: &[NewEvent],
) -> Result<Option<i64>, StoreError> {
    let groups = serde_json::to_string(&s.groups)
        .map_err(|e| StoreError::Corrupt(format!("session groups: {e}")))?;
    conn.execute(
        Statement::new(
            "INSERT INTO sessions (id, token_hash, user_id, user_name, display_name, email, \
             group_names, created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .text(Some(&s.id))
        .text(Some(s.token_hash.as_str()))
        .text(Some(&s.person.user_id))
        .text(Some(&s.person.user_name))
        .text(Some(&s.person.display_name))
        .text(s.email.as_deref())
        .text(Some(&groups))
        .time(s.created_at)
        .time(s.expires_at)
        .time(s.revoked_at),
    )
    .await?;
    append_events(conn, events).await
}

pub(super) async fn by_token_hash<C: Dialect>(
    conn: &mut C,
    token_hash: &TokenHash,
) -> Result<Option<SessionRecord>, StoreError> {
    let row = conn
        .fetch_optional(
            Statement::new(format!(
                "SELECT {SESSION_COLUMNS} FROM sessions WHERE token_hash = ?"
            ))
            .text(Some(token_hash.as_str())),
        )
        .await?;
    row.as_ref().map(session_from_row).transpose()
}

/// Revokes a session live at `at` and appends the events, inside the caller's
/// transaction; `false` and nothing written when there is none.
pub(super) async fn revoke<C: Dialect>(
    conn: &mut C,
    token_hash: &TokenHash,
    at: DateTime<Utc>,
    events: &[NewEvent],
) -> Result<bool, StoreError> {
    let changed = conn
        .execute(
            Statement::new(
                "UPDATE sessions SET revoked_at = ? \
                 WHERE token_hash = ? AND revoked_at IS NULL AND expires_at > ?",
            )
            .time(at)
            .text(Some(token_hash.as_str()))
            .time(at),
        )
        .await?;
    if changed != 1 {
        return Ok(false);
    }
    append_events(conn, events).await?;
    Ok(true)
}

pub(super) async fn remember_signature<C: Dialect>(
    conn: &mut C,
    key: &str,
    until: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let added = conn
        .execute(
            Statement::new(
                "INSERT INTO used_signatures (key, until) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
            )
            .text(Some(key))
            .time(until),
        )
        .await?;
    Ok(added == 1)
}

pub(super) async fn purge<C: Dialect>(
    conn: &mut C,
    now: DateTime<Utc>,
) -> Result<AuthPurge, StoreError> {
    let sessions = conn
        .execute(
            Statement::new("DELETE FROM sessions WHERE expires_at <= ? OR revoked_at <= ?")
                .time(now)
                .time(now),
        )
        .await?;
    let signatures = conn
        .execute(Statement::new("DELETE FROM used_signatures WHERE until < ?").time(now))
        .await?;
    Ok(AuthPurge {
        sessions,
        signatures,
    })
}
