//! The webhook notifier's cursor and lease on SQLite.

use chrono::{DateTime, Utc};
use sqlx::{Row, SqlitePool};

use super::super::StoreError;
use super::super::time::{opt_from_sqlite, to_sqlite, truncate};

pub(super) async fn claim(
    pool: &SqlitePool,
    owner: &str,
    url_hash: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Option<i64>, StoreError> {
    let now = truncate(now);
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    sqlx::query(
        "INSERT INTO webhook_cursor (id, url_hash, seq, updated_at) \
         SELECT 1, ?, seq, ? FROM audit_head WHERE id = 1 ON CONFLICT (id) DO NOTHING",
    )
    .bind(url_hash)
    .bind(to_sqlite(now))
    .execute(&mut *tx)
    .await?;
    let row = sqlx::query(
        "SELECT c.url_hash, c.seq, c.leased_by, c.leased_until, h.seq AS head \
         FROM webhook_cursor c, audit_head h WHERE c.id = 1 AND h.id = 1",
    )
    .fetch_one(&mut *tx)
    .await?;
    let leased_by: Option<String> = row.try_get("leased_by")?;
    let leased_until = opt_from_sqlite(row.try_get("leased_until")?)?;
    let held_elsewhere = leased_by.as_deref().is_some_and(|by| by != owner)
        && leased_until.is_some_and(|until| until > now);
    if held_elsewhere {
        return Ok(None);
    }
    let stored_hash: String = row.try_get("url_hash")?;
    let seq: i64 = if stored_hash == url_hash {
        row.try_get("seq")?
    } else {
        row.try_get("head")?
    };
    sqlx::query(
        "UPDATE webhook_cursor SET url_hash = ?, seq = ?, leased_by = ?, leased_until = ?, \
         updated_at = ? WHERE id = 1",
    )
    .bind(url_hash)
    .bind(seq)
    .bind(owner)
    .bind(to_sqlite(truncate(until)))
    .bind(to_sqlite(now))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(seq))
}

pub(super) async fn advance(
    pool: &SqlitePool,
    owner: &str,
    seq: i64,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE webhook_cursor SET seq = max(seq, ?), leased_until = ?, updated_at = ? \
         WHERE id = 1 AND leased_by = ?",
    )
    .bind(seq)
    .bind(to_sqlite(truncate(until)))
    .bind(to_sqlite(truncate(now)))
    .bind(owner)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub(super) async fn release(pool: &SqlitePool, owner: &str) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE webhook_cursor SET leased_by = NULL, leased_until = NULL \
         WHERE id = 1 AND leased_by = ?",
    )
    .bind(owner)
    .execute(pool)
    .await?;
    Ok(())
}
