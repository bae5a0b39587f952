//! The webhook notifier's cursor and lease (one row), once for both backends. Replicas
//! race for the row; on PostgreSQL the claim's `FOR UPDATE` makes each see the lease as the
//! last committed claim left it (SQLite's writing transaction already holds the file).

use chrono::{DateTime, Utc};

use super::StoreError;
use super::rows::Columns;
use super::statement::{Dialect, Statement};

/// Takes or renews the lease inside the caller's transaction; see `Store::webhook_claim`.
pub(super) async fn claim<C: Dialect>(
    conn: &mut C,
    owner: &str,
    url_hash: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Option<i64>, StoreError> {
    conn.execute(
        Statement::new(
            "INSERT INTO webhook_cursor (id, url_hash, seq, updated_at) \
             SELECT 1, ?, seq, ? FROM audit_head WHERE id = 1 ON CONFLICT (id) DO NOTHING",
        )
        .text(Some(url_hash))
        .time(now),
    )
    .await?;
    let lock = C::LOCK_ROW;
    let row = conn
        .fetch_one(Statement::new(format!(
            "SELECT url_hash, seq, leased_by, leased_until FROM webhook_cursor WHERE id = 1{lock}"
        )))
        .await?;
    let leased_by: Option<String> = row.value("leased_by")?;
    let leased_until: Option<DateTime<Utc>> = row.value("leased_until")?;
    let held_elsewhere = leased_by.as_deref().is_some_and(|by| by != owner)
        && leased_until.is_some_and(|until| until > now);
    if held_elsewhere {
        return Ok(None);
    }
    let stored_hash: String = row.value("url_hash")?;
    let seq: i64 = if stored_hash == url_hash {
        row.value("seq")?
    } else {
        let head = conn
            .fetch_one(Statement::new("SELECT seq FROM audit_head WHERE id = 1"))
            .await?;
        head.value("seq")?
    };
    conn.execute(
        Statement::new(
            "UPDATE webhook_cursor SET url_hash = ?, seq = ?, leased_by = ?, leased_until = ?, \
             updated_at = ? WHERE id = 1",
        )
        .text(Some(url_hash))
        .int(seq)
        .text(Some(owner))
        .time(until)
        .time(now),
    )
    .await?;
    Ok(Some(seq))
}

pub(super) async fn advance<C: Dialect>(
    conn: &mut C,
    owner: &str,
    seq: i64,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = conn
        .execute(
            Statement::new(
                "UPDATE webhook_cursor SET seq = CASE WHEN seq > ? THEN seq ELSE ? END, \
                 leased_until = ?, updated_at = ? WHERE id = 1 AND leased_by = ?",
            )
            .int(seq)
            .int(seq)
            .time(until)
            .time(now)
            .text(Some(owner)),
        )
        .await?;
    Ok(changed == 1)
}

pub(super) async fn release<C: Dialect>(conn: &mut C, owner: &str) -> Result<(), StoreError> {
    conn.execute(
        Statement::new(
            "UPDATE webhook_cursor SET leased_by = NULL, leased_until = NULL \
             WHERE id = 1 AND leased_by = ?",
        )
        .text(Some(owner)),
    )
    .await?;
    Ok(())
}
