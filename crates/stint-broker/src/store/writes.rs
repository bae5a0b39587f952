//! The writes every transaction is made of, once for both backends: the audit chain's
//! append, inserting and updating requests, and updating or waking a tuple. Version checks
//! (an update that changed no row is a `Conflict`) and the chain's order live here; the
//! backends only run the statements (`statement::Dialect`).

use chrono::{DateTime, Utc};

use super::rows::{Columns, REQUEST_COLUMNS, principal_type_str, request_from_row};
use super::statement::{Dialect, Statement};
use super::time::truncate;
use super::{Change, StoreError};
use crate::audit::event_hash;
use crate::model::{NewEvent, NewRequest, Origin, Request, RequestId, State, Step, Target, Tuple};

/// Appends events to the chain inside the caller's transaction. Returns the last seq.
pub(super) async fn append_events<C: Dialect>(
    conn: &mut C,
    events: &[NewEvent],
) -> Result<Option<i64>, StoreError> {
    if events.is_empty() {
        return Ok(None);
    }
    let lock = C::LOCK_ROW;
    let head = conn
        .fetch_one(Statement::new(format!(
            "SELECT seq, hash FROM audit_head WHERE id = 1{lock}"
        )))
        .await?;
    let mut seq: i64 = head.value("seq")?;
    let mut prev: String = head.value("hash")?;
    for event in events {
        seq += 1;
        let at = truncate(event.at);
        let kind = event.event.kind().as_str();
        let data = event
            .event
            .encode()
            .map_err(|e| StoreError::Corrupt(format!("audit data: {e}")))?;
        let hash = event_hash(&prev, seq, at, &event.actor, kind, event.request_id, &data);
        conn.execute(
            Statement::new(
                "INSERT INTO audit_events (seq, at, actor, kind, request_id, data, prev_hash, hash) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .int(seq)
            .time(at)
            .text(Some(&event.actor))
            .text(Some(kind))
            .int(event.request_id)
            .text(Some(&data))
            .text(Some(&prev))
            .text(Some(&hash)),
        )
        .await?;
        prev = hash;
    }
    conn.execute(
        Statement::new("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1")
            .int(seq)
            .text(Some(&prev)),
    )
    .await?;
    Ok(Some(seq))
}

fn approver_groups(groups: &[String]) -> Result<String, StoreError> {
    serde_json::to_string(groups).map_err(|e| StoreError::Corrupt(format!("approver groups: {e}")))
}

/// The index of the groups that may decide a request.
async fn index_approver_groups<C: Dialect>(
    conn: &mut C,
    id: RequestId,
    groups: &[String],
) -> Result<(), StoreError> {
    for group in groups {
        conn.execute(
            Statement::new(
                "INSERT INTO request_approver_groups (request_id, group_name) VALUES (?, ?) \
                 ON CONFLICT DO NOTHING",
            )
            .int(id)
            .text(Some(group)),
        )
        .await?;
    }
    Ok(())
}

/// Inserts one request row (and its approver-group index rows); returns its id.
pub(super) async fn insert_request_row<C: Dialect>(
    conn: &mut C,
    r: &NewRequest,
    set_id: Option<RequestId>,
) -> Result<RequestId, StoreError> {
    let row = conn
        .fetch_one(
            Statement::new(
                "INSERT INTO requests (requester_id, requester_name, requester_display, account_id, account_name, \
                 permission_set_arn, permission_set_name, permission_set_description, session_duration_secs, state, \
                 reason, ticket, duration_secs, start_at, end_at, approval_required, approver_groups, approval_deadline, \
                 created_at, updated_at, next_due_at, group_id, group_name, set_id) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            )
            .text(Some(&r.requester.user_id))
            .text(Some(&r.requester.user_name))
            .text(Some(&r.requester.display_name))
            .text(Some(&r.account.id))
            .text(Some(&r.account.name))
            .text(Some(&r.permission_set.arn))
            .text(Some(&r.permission_set.name))
            .text(r.permission_set.description.as_deref())
            .int(i64::from(r.permission_set.session_duration_secs))
            .text(Some(r.state.as_str()))
            .text(Some(&r.reason))
            .text(r.ticket.as_deref())
            .int(i64::from(r.duration_secs))
            .time(r.start_at)
            .time(r.end_at)
            .flag(r.approval_required)
            .text(Some(approver_groups(&r.approver_groups)?))
            .time(r.approval_deadline)
            .time(r.created_at)
            .time(r.created_at)
            .time(r.next_due_at)
            .text(r.group.as_ref().map(|g| g.id.as_str()))
            .text(r.group.as_ref().map(|g| g.name.as_str()))
            .int(set_id),
        )
        .await?;
    let id: i64 = row.value("id")?;
    index_approver_groups(conn, id, &r.approver_groups).await?;
    Ok(id)
}

pub(super) async fn read_request<C: Dialect>(
    conn: &mut C,
    id: RequestId,
) -> Result<Request, StoreError> {
    let row = conn
        .fetch_one(
            Statement::new(format!(
                "SELECT {REQUEST_COLUMNS} FROM requests WHERE id = ?"
            ))
            .int(id),
        )
        .await?;
    request_from_row(&row)
}

pub(super) async fn update_request<C: Dialect>(
    conn: &mut C,
    r: &Request,
) -> Result<(), StoreError> {
    let changed = conn
        .execute(
            Statement::new(
                "UPDATE requests SET state = ?, failed_from = ?, duration_secs = ?, start_at = ?, end_at = ?, \
                 pending_end_at = ?, approval_deadline = ?, decided_by_id = ?, decided_by_name = ?, \
                 decided_by_display = ?, decision_comment = ?, outcome = ?, updated_at = ?, next_due_at = ?, \
                 approver_groups = ?, version = version + 1 WHERE id = ? AND version = ?",
            )
            .text(Some(r.state.as_str()))
            .text(r.failed_from.map(State::as_str))
            .int(i64::from(r.duration_secs))
            .time(r.start_at)
            .time(r.end_at)
            .time(r.pending_end_at)
            .time(r.approval_deadline)
            .text(r.decided_by.as_ref().map(|p| p.user_id.as_str()))
            .text(r.decided_by.as_ref().map(|p| p.user_name.as_str()))
            .text(r.decided_by.as_ref().map(|p| p.display_name.as_str()))
            .text(r.decision_comment.as_deref())
            .text(r.outcome.as_deref())
            .time(r.updated_at)
            .time(r.next_due_at)
            .text(Some(approver_groups(&r.approver_groups)?))
            .int(r.id)
            .int(r.version),
        )
        .await?;
    if changed != 1 {
        return Err(StoreError::Conflict);
    }
    // Groups are added to a request only when an extension of a grant made without
    // approval asks for one; that is the only time the index needs new rows.
    if r.pending_end_at.is_some() {
        index_approver_groups(conn, r.id, &r.approver_groups).await?;
    }
    Ok(())
}

/// Writes a tuple's convergence state, if its version is still the one read.
pub(super) async fn update_tuple<C: Dialect>(conn: &mut C, t: &Tuple) -> Result<(), StoreError> {
    let (table, key_columns, key_values): (&str, &str, Vec<&str>) = match &t.key {
        Target::AccountAssignment(key) => (
            "assignments",
            "principal_id = ? AND account_id = ? AND permission_set_arn = ?",
            vec![&key.principal_id, &key.account_id, &key.permission_set_arn],
        ),
        Target::GroupMembership(key) => (
            "memberships",
            "group_id = ? AND user_id = ?",
            vec![&key.group_id, &key.user_id],
        ),
    };
    let mut statement = Statement::new(format!(
        "UPDATE {table} SET actual = ?, origin = ?, step = ?, operation_id = ?, attempt = ?, polls = ?, \
         op_started_at = ?, deadline = ?, leaked = ?, next_check_at = ?, claimed_by = ?, claimed_until = ?, \
         updated_at = ?, version = version + 1 \
         WHERE {key_columns} AND version = ?"
    ))
    .text(Some(t.actual.as_str()))
    .text(t.origin.map(Origin::as_str))
    .text(t.step.map(Step::as_str))
    .text(t.operation_id.as_deref())
    .int(i64::from(t.attempt))
    .int(i64::from(t.polls))
    .time(t.op_started_at)
    .time(t.deadline)
    .flag(t.leaked)
    .time(t.next_check_at)
    .text(t.claimed_by.as_deref())
    .time(t.claimed_until)
    .time(t.updated_at);
    for value in key_values {
        statement = statement.text(Some(value));
    }
    if conn.execute(statement.int(t.version)).await? == 1 {
        Ok(())
    } else {
        Err(StoreError::Conflict)
    }
}

/// Makes sure the target has a row, and marks it for the scheduler to look at now.
pub(super) async fn wake_tuple<C: Dialect>(
    conn: &mut C,
    target: &Target,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let statement = match target {
        Target::AccountAssignment(key) => Statement::new(
            "INSERT INTO assignments (principal_type, principal_id, account_id, permission_set_arn, actual, wake, updated_at) \
             VALUES (?, ?, ?, ?, 'absent', TRUE, ?) \
             ON CONFLICT (principal_id, account_id, permission_set_arn) DO UPDATE SET wake = TRUE",
        )
        .text(Some(principal_type_str(key.principal_type)))
        .text(Some(&key.principal_id))
        .text(Some(&key.account_id))
        .text(Some(&key.permission_set_arn)),
        Target::GroupMembership(key) => Statement::new(
            "INSERT INTO memberships (group_id, user_id, actual, wake, updated_at) \
             VALUES (?, ?, 'absent', TRUE, ?) \
             ON CONFLICT (group_id, user_id) DO UPDATE SET wake = TRUE",
        )
        .text(Some(&key.group_id))
        .text(Some(&key.user_id)),
    };
    conn.execute(statement.time(now)).await?;
    Ok(())
}

/// Inserts a request and its first events (their `request_id` set to the new id), inside
/// the caller's transaction; see `Store::insert_request`.
pub(super) async fn insert_request<C: Dialect>(
    conn: &mut C,
    r: &NewRequest,
    mut events: Vec<NewEvent>,
) -> Result<(Request, i64), StoreError> {
    let id = insert_request_row(conn, r, None).await?;
    for event in &mut events {
        event.request_id = Some(id);
    }
    let seq = append_events(conn, &events).await?.unwrap_or(0);
    Ok((read_request(conn, id).await?, seq))
}

/// Inserts a request set's members in order, inside the caller's transaction; see
/// `Store::insert_request_set`.
pub(super) async fn insert_request_set<C: Dialect>(
    conn: &mut C,
    requests: &[NewRequest],
    events: Vec<Vec<NewEvent>>,
) -> Result<(Vec<Request>, i64), StoreError> {
    let mut set_id = None;
    let mut ids = Vec::with_capacity(requests.len());
    let mut all_events = Vec::new();
    for (r, events) in requests.iter().zip(events) {
        let id = insert_request_row(conn, r, set_id).await?;
        let set = *set_id.get_or_insert(id);
        ids.push(id);
        for mut event in events {
            event.request_id = Some(id);
            event.event.mark_set(set);
            all_events.push(event);
        }
    }
    if let Some(set) = set_id {
        // The first member learns its set's id, its own, once it has one.
        conn.execute(
            Statement::new("UPDATE requests SET set_id = ? WHERE id = ?")
                .int(set)
                .int(set),
        )
        .await?;
    }
    let seq = append_events(conn, &all_events).await?.unwrap_or(0);
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(read_request(conn, id).await?);
    }
    Ok((out, seq))
}

/// Applies a change inside the caller's transaction; see `Store::commit`.
pub(super) async fn apply<C: Dialect>(
    conn: &mut C,
    change: &Change,
) -> Result<Option<i64>, StoreError> {
    // One lock order for every writer, so concurrent commits cannot deadlock.
    let mut requests: Vec<&Request> = change.requests.iter().collect();
    requests.sort_by_key(|r| r.id);
    for r in requests {
        update_request(conn, r).await?;
    }
    if let Some(t) = &change.tuple {
        update_tuple(conn, t).await?;
    }
    let mut wake: Vec<&Target> = change.wake.iter().collect();
    wake.sort();
    wake.dedup();
    for key in wake {
        wake_tuple(conn, key, change.at).await?;
    }
    append_events(conn, &change.events).await
}
