//! Reading requests: one by id, listings, those on a target, those due.

use chrono::{DateTime, Utc};

use super::super::RequestFilter;
use super::super::StoreError;
use super::super::rows::{Columns, REQUEST_COLUMNS, corrupt, request_from_row};
use super::super::statement::{Dialect, Statement};
use crate::idc::AssignmentKey;
use crate::model::{MembershipKey, Request, RequestId, State};

/// The requests a statement selects.
async fn all<C: Dialect>(conn: &mut C, statement: Statement) -> Result<Vec<Request>, StoreError> {
    let rows = conn.fetch_all(statement).await?;
    rows.iter().map(request_from_row).collect()
}

fn select(condition: &str) -> Statement {
    Statement::new(format!(
        "SELECT {REQUEST_COLUMNS} FROM requests WHERE {condition}"
    ))
}

/// Requests that still hold (or are about to hold) their target, and failed ones that may
/// still hold it because they failed while ending.
const ON_TARGET: &str = "(state IN ('activating', 'active', 'ending') \
    OR (state = 'failed' AND failed_from = 'ending')) ORDER BY id";

pub(in super::super) async fn by_id<C: Dialect>(
    conn: &mut C,
    id: RequestId,
) -> Result<Option<Request>, StoreError> {
    let row = conn.fetch_optional(select("id = ?").int(id)).await?;
    row.as_ref().map(request_from_row).transpose()
}

pub(in super::super) async fn list<C: Dialect>(
    conn: &mut C,
    filter: &RequestFilter,
) -> Result<Vec<Request>, StoreError> {
    let mut s = select("1 = 1");
    if let Some(requester) = &filter.requester_id {
        s = s.sql(" AND requester_id = ?").text(Some(requester));
    }
    if let Some((groups, not_requester)) = &filter.approvable_by {
        s = s
            .sql(" AND requester_id <> ?")
            .text(Some(not_requester))
            .sql(
                " AND (state = 'pending' OR (pending_end_at IS NOT NULL \
                 AND state IN ('approved', 'activating', 'active')))",
            )
            .sql(" AND id IN (SELECT request_id FROM request_approver_groups WHERE group_name IN ")
            .texts_in(groups)
            .sql(")");
    }
    if !filter.states.is_empty() {
        let states: Vec<&str> = filter.states.iter().map(|s| s.as_str()).collect();
        s = s.sql(" AND state IN ").texts_in(&states);
    }
    if let Some(account) = &filter.account_id {
        s = s.sql(" AND account_id = ?").text(Some(account));
    }
    if let Some(before) = filter.before {
        s = s.sql(" AND id < ?").int(before);
    }
    let s = s
        .sql(" ORDER BY id DESC LIMIT ?")
        .int(i64::from(filter.limit));
    all(conn, s).await
}

pub(in super::super) async fn in_set<C: Dialect>(
    conn: &mut C,
    set_id: RequestId,
) -> Result<Vec<Request>, StoreError> {
    all(conn, select("set_id = ? ORDER BY id").int(set_id)).await
}

pub(in super::super) async fn on_assignment<C: Dialect>(
    conn: &mut C,
    key: &AssignmentKey,
) -> Result<Vec<Request>, StoreError> {
    let s = select(&format!(
        "requester_id = ? AND account_id = ? AND permission_set_arn = ? AND group_id IS NULL \
         AND {ON_TARGET}"
    ))
    .text(Some(&key.principal_id))
    .text(Some(&key.account_id))
    .text(Some(&key.permission_set_arn));
    all(conn, s).await
}

pub(in super::super) async fn on_membership<C: Dialect>(
    conn: &mut C,
    key: &MembershipKey,
) -> Result<Vec<Request>, StoreError> {
    let s = select(&format!(
        "requester_id = ? AND group_id = ? AND {ON_TARGET}"
    ))
    .text(Some(&key.user_id))
    .text(Some(&key.group_id));
    all(conn, s).await
}

pub(in super::super) async fn due<C: Dialect>(
    conn: &mut C,
    now: DateTime<Utc>,
    limit: u32,
) -> Result<Vec<Request>, StoreError> {
    let s = select("next_due_at IS NOT NULL AND next_due_at <= ? ORDER BY next_due_at LIMIT ?")
        .time(now)
        .int(i64::from(limit));
    all(conn, s).await
}

pub(in super::super) async fn count_by_state<C: Dialect>(
    conn: &mut C,
) -> Result<Vec<(State, i64)>, StoreError> {
    let rows = conn
        .fetch_all(Statement::new(
            "SELECT state, COUNT(*) AS n FROM requests GROUP BY state",
        ))
        .await?;
    rows.iter()
        .map(|row| {
            let state: String = row.value("state")?;
            let n: i64 = row.value("n")?;
            Ok((
                State::parse(&state).ok_or_else(|| corrupt("state", &state))?,
                n,
            ))
        })
        .collect()
}
