//! The webhook notifier's cursor and lease on PostgreSQL. Replicas race for the one row;
//! `FOR UPDATE` makes each claim see the lease as the last committed claim left it.

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Row};

use super::super::StoreError;
use super::super::time::truncate;

pub(super) async fn claim(
    pool: &PgPool,
    owner: &str,
    url_hash: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Option<i64>, StoreError> {
    let now = truncate(now);
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO webhook_cursor (id, url_hash, seq, updated_at) \
         SELECT 1, $1, seq, $2 FROM audit_head WHERE id = 1 ON CONFLICT (id) DO NOTHING",
    )
    .bind(url_hash)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let row = sqlx::query(
        "SELECT url_hash, seq, leased_by, leased_until FROM webhook_cursor WHERE id = 1 FOR UPDATE",
    )
    .fetch_one(&mut *tx)
    .await?;
    let leased_by: Option<String> = row.try_get("leased_by")?;
    let leased_until: Option<DateTime<Utc>> = row.try_get("leased_until")?;
    let held_elsewhere = leased_by.as_deref().is_some_and(|by| by != owner)
        && leased_until.is_some_and(|until| until > now);
    if held_elsewhere {
        return Ok(None);
    }
    let stored_hash: String = row.try_get("url_hash")?;
    let seq: i64 = if stored_hash == url_hash {
        row.try_get("seq")?
    } else {
        sqlx::query("SELECT seq FROM audit_head WHERE id = 1")
            .fetch_one(&mut *tx)
            .await?
            .try_get("seq")?
    };
    sqlx::query(
        "UPDATE webhook_cursor SET url_hash = $1, seq = $2, leased_by = $3, leased_until = $4, \
         updated_at = $5 WHERE id = 1",
    )
    .bind(url_hash)
    .bind(seq)
    .bind(owner)
    .bind(truncate(until))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(seq))
}

pub(super) async fn advance(
    pool: &PgPool,
    owner: &str,
    seq: i64,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE webhook_cursor SET seq = GREATEST(seq, $1), leased_until = $2, updated_at = $3 \
         WHERE id = 1 AND leased_by = $4",
    )
    .bind(seq)
    .bind(truncate(until))
    .bind(truncate(now))
    .bind(owner)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub(super) async fn release(pool: &PgPool, owner: &str) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE webhook_cursor SET leased_by = NULL, leased_until = NULL \
         WHERE id = 1 AND leased_by = $1",
    )
    .bind(owner)
    .execute(pool)
    .await?;
    Ok(())
}
