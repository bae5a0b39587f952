//! Reading the audit chain: in order for verification, filtered for people, and the
//! request events the change feed follows.

use super::super::rows::{AUDIT_COLUMNS, Columns, audit_from_row};
use super::super::statement::{Dialect, Statement};
use super::super::{RequestEventRef, StoreError};
use crate::audit::{AuditFilter, AuditRecord};

fn select(condition: &str) -> Statement {
    Statement::new(format!(
        "SELECT {AUDIT_COLUMNS} FROM audit_events WHERE {condition}"
    ))
}

async fn all<C: Dialect>(
    conn: &mut C,
    statement: Statement,
) -> Result<Vec<AuditRecord>, StoreError> {
    let rows = conn.fetch_all(statement).await?;
    rows.iter().map(audit_from_row).collect()
}

pub(in super::super) async fn chain<C: Dialect>(
    conn: &mut C,
    after_seq: i64,
    limit: u32,
) -> Result<Vec<AuditRecord>, StoreError> {
    let s = select("seq > ? ORDER BY seq LIMIT ?")
        .int(after_seq)
        .int(i64::from(limit));
    all(conn, s).await
}

pub(in super::super) async fn head<C: Dialect>(conn: &mut C) -> Result<(i64, String), StoreError> {
    let row = conn
        .fetch_one(Statement::new(
            "SELECT seq, hash FROM audit_head WHERE id = 1",
        ))
        .await?;
    Ok((row.value("seq")?, row.value("hash")?))
}

pub(in super::super) async fn events<C: Dialect>(
    conn: &mut C,
    filter: &AuditFilter,
) -> Result<Vec<AuditRecord>, StoreError> {
    let mut s = select("1 = 1");
    if let Some(id) = filter.request_id {
        s = s.sql(" AND request_id = ?").int(id);
    }
    if let Some(actor) = &filter.actor {
        s = s.sql(" AND actor = ?").text(Some(actor));
    }
    if let Some(kind) = &filter.kind {
        s = s.sql(" AND kind = ?").text(Some(kind));
    }
    if let Some(after) = filter.after {
        s = s.sql(" AND seq > ?").int(after);
    }
    let s = s.sql(" ORDER BY seq LIMIT ?").int(i64::from(filter.limit));
    all(conn, s).await
}

pub(in super::super) async fn request_events_after<C: Dialect>(
    conn: &mut C,
    after_seq: i64,
    limit: u32,
) -> Result<Vec<RequestEventRef>, StoreError> {
    let rows = conn
        .fetch_all(
            Statement::new(
                "SELECT seq, request_id FROM audit_events \
                 WHERE seq > ? AND request_id IS NOT NULL ORDER BY seq LIMIT ?",
            )
            .int(after_seq)
            .int(i64::from(limit)),
        )
        .await?;
    rows.iter()
        .map(|row| {
            Ok(RequestEventRef {
                seq: row.value("seq")?,
                request_id: row.value("request_id")?,
            })
        })
        .collect()
}
