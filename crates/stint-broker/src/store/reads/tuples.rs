//! Reading and claiming targets (assignment and membership rows): one by key, the due ones
//! claimed under a lease, the managed ones reconciliation walks, and when anything is next
//! due. Only the claim's SQL is the backend's own (`Db::claim_sql`).

use chrono::{DateTime, Utc};

use super::super::StoreError;
use super::super::rows::{
    Columns, MEMBERSHIP_COLUMNS, TUPLE_COLUMNS, count, membership_from_row, tuple_from_row,
};
use super::super::statement::{Dialect, Statement};
use crate::idc::AssignmentKey;
use crate::model::{MembershipKey, Target, Tuple};

/// A table of targets a claim takes rows from: its key (for joins) and the columns a
/// claim returns.
#[derive(Debug, Clone, Copy)]
pub(in super::super) struct Claimable {
    pub table: &'static str,
    pub keys: &'static [&'static str],
    pub columns: &'static str,
}

pub(in super::super) const ASSIGNMENTS: Claimable = Claimable {
    table: "assignments",
    keys: &["principal_id", "account_id", "permission_set_arn"],
    columns: TUPLE_COLUMNS,
};

pub(in super::super) const MEMBERSHIPS: Claimable = Claimable {
    table: "memberships",
    keys: &["group_id", "user_id"],
    columns: MEMBERSHIP_COLUMNS,
};

/// What makes an assignment (`a`) managed: present or in flight, suspected leaked, or
/// needed by a request.
const MANAGED_ASSIGNMENT: &str = "a.actual <> 'absent' OR a.leaked \
    OR EXISTS (SELECT 1 FROM requests r WHERE r.requester_id = a.principal_id \
        AND r.account_id = a.account_id AND r.permission_set_arn = a.permission_set_arn \
        AND r.state IN ('activating', 'active'))";

/// The same for a membership (`m`).
const MANAGED_MEMBERSHIP: &str = "m.actual <> 'absent' OR m.leaked \
    OR EXISTS (SELECT 1 FROM requests r WHERE r.requester_id = m.user_id AND r.group_id = m.group_id \
        AND r.state IN ('activating', 'active'))";

pub(in super::super) async fn by_target<C: Dialect>(
    conn: &mut C,
    target: &Target,
) -> Result<Option<Tuple>, StoreError> {
    match target {
        Target::AccountAssignment(key) => assignment(conn, key).await,
        Target::GroupMembership(key) => membership(conn, key).await,
    }
}

async fn assignment<C: Dialect>(
    conn: &mut C,
    key: &AssignmentKey,
) -> Result<Option<Tuple>, StoreError> {
    let row = conn
        .fetch_optional(
            Statement::new(format!(
                "SELECT {TUPLE_COLUMNS} FROM assignments \
                 WHERE principal_id = ? AND account_id = ? AND permission_set_arn = ?"
            ))
            .text(Some(&key.principal_id))
            .text(Some(&key.account_id))
            .text(Some(&key.permission_set_arn)),
        )
        .await?;
    row.as_ref().map(tuple_from_row).transpose()
}

async fn membership<C: Dialect>(
    conn: &mut C,
    key: &MembershipKey,
) -> Result<Option<Tuple>, StoreError> {
    let row = conn
        .fetch_optional(
            Statement::new(format!(
                "SELECT {MEMBERSHIP_COLUMNS} FROM memberships WHERE group_id = ? AND user_id = ?"
            ))
            .text(Some(&key.group_id))
            .text(Some(&key.user_id)),
        )
        .await?;
    row.as_ref().map(membership_from_row).transpose()
}

/// The SQL of one claim on each table, as the backend writes it; both bind the owner, the
/// lease's end, now (twice) and the limit, in that order.
pub(in super::super) struct ClaimSql {
    pub assignments: String,
    pub memberships: String,
}

/// Claims due rows of one table.
async fn claim<C: Dialect>(
    conn: &mut C,
    sql: &str,
    decode: fn(&C::Row) -> Result<Tuple, StoreError>,
    (now, owner, until): (DateTime<Utc>, &str, DateTime<Utc>),
    limit: u32,
) -> Result<Vec<Tuple>, StoreError> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let rows = conn
        .fetch_all(
            Statement::new(sql)
                .text(Some(owner))
                .time(until)
                .time(now)
                .time(now)
                .int(i64::from(limit)),
        )
        .await?;
    rows.iter().map(decode).collect()
}

/// Claims up to `limit` due targets inside the caller's transaction. Memberships take at
/// most half the batch first, so a burst of assignments never holds back a membership's
/// removal; assignments then take the room left, and memberships whatever assignments did
/// not need.
pub(in super::super) async fn claim_due<C: Dialect>(
    conn: &mut C,
    sql: &ClaimSql,
    (now, owner, until): (DateTime<Utc>, &str, DateTime<Utc>),
    limit: u32,
) -> Result<Vec<Tuple>, StoreError> {
    let lease = (now, owner, until);
    let half = limit.div_ceil(2);
    let mut claimed = claim(conn, &sql.memberships, membership_from_row, lease, half).await?;
    let memberships_filled = count(&claimed) == half;
    let room = limit.saturating_sub(count(&claimed));
    claimed.extend(claim(conn, &sql.assignments, tuple_from_row, lease, room).await?);
    let room = limit.saturating_sub(count(&claimed));
    if memberships_filled && room > 0 {
        claimed.extend(claim(conn, &sql.memberships, membership_from_row, lease, room).await?);
    }
    Ok(claimed)
}

pub(in super::super) async fn release_all<C: Dialect>(conn: &mut C) -> Result<(), StoreError> {
    for table in [ASSIGNMENTS.table, MEMBERSHIPS.table] {
        conn.execute(Statement::new(format!(
            "UPDATE {table} SET claimed_by = NULL, claimed_until = NULL, wake = TRUE, \
             version = version + 1 WHERE claimed_by IS NOT NULL"
        )))
        .await?;
    }
    Ok(())
}

/// Every managed target: assignments, then memberships.
pub(in super::super) async fn managed<C: Dialect>(conn: &mut C) -> Result<Vec<Tuple>, StoreError> {
    let rows = conn
        .fetch_all(Statement::new(format!(
            "SELECT {TUPLE_COLUMNS} FROM assignments a WHERE {MANAGED_ASSIGNMENT} \
             ORDER BY a.account_id, a.permission_set_arn, a.principal_id"
        )))
        .await?;
    let mut managed = rows
        .iter()
        .map(tuple_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    managed.extend(managed_memberships(conn).await?);
    Ok(managed)
}

pub(in super::super) async fn managed_memberships<C: Dialect>(
    conn: &mut C,
) -> Result<Vec<Tuple>, StoreError> {
    let rows = conn
        .fetch_all(Statement::new(format!(
            "SELECT {MEMBERSHIP_COLUMNS} FROM memberships m WHERE {MANAGED_MEMBERSHIP} \
             ORDER BY m.group_id, m.user_id"
        )))
        .await?;
    rows.iter().map(membership_from_row).collect()
}

pub(in super::super) async fn managed_pairs<C: Dialect>(
    conn: &mut C,
) -> Result<Vec<(String, String)>, StoreError> {
    let rows = conn
        .fetch_all(Statement::new(format!(
            "SELECT DISTINCT a.account_id, a.permission_set_arn FROM assignments a \
             WHERE {MANAGED_ASSIGNMENT} ORDER BY a.account_id, a.permission_set_arn"
        )))
        .await?;
    rows.iter()
        .map(|row| Ok((row.value("account_id")?, row.value("permission_set_arn")?)))
        .collect()
}

pub(in super::super) async fn managed_of<C: Dialect>(
    conn: &mut C,
    account_id: &str,
    permission_set_arn: &str,
) -> Result<Vec<Tuple>, StoreError> {
    let rows = conn
        .fetch_all(
            Statement::new(format!(
                "SELECT {TUPLE_COLUMNS} FROM assignments a \
                 WHERE a.account_id = ? AND a.permission_set_arn = ? AND ({MANAGED_ASSIGNMENT}) \
                 ORDER BY a.principal_id"
            ))
            .text(Some(account_id))
            .text(Some(permission_set_arn)),
        )
        .await?;
    rows.iter().map(tuple_from_row).collect()
}

/// The earliest time anything is due: a request's step, a target's check, a lease's end;
/// now when a target is woken.
pub(in super::super) async fn next_due<C: Dialect>(
    conn: &mut C,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    let row = conn
        .fetch_one(Statement::new(
            "SELECT \
               (SELECT MIN(next_due_at) FROM requests WHERE next_due_at IS NOT NULL) AS requests_due, \
               (SELECT MIN(next_check_at) FROM assignments WHERE next_check_at IS NOT NULL AND claimed_until IS NULL) AS tuples_due, \
               (SELECT MIN(claimed_until) FROM assignments WHERE claimed_until IS NOT NULL) AS lease_due, \
               (SELECT MIN(next_check_at) FROM memberships WHERE next_check_at IS NOT NULL AND claimed_until IS NULL) AS memberships_due, \
               (SELECT MIN(claimed_until) FROM memberships WHERE claimed_until IS NOT NULL) AS membership_lease_due, \
               EXISTS (SELECT 1 FROM assignments WHERE wake AND claimed_until IS NULL) \
               OR EXISTS (SELECT 1 FROM memberships WHERE wake AND claimed_until IS NULL) AS woken",
        ))
        .await?;
    if row.value::<bool>("woken")? {
        return Ok(Some(now));
    }
    let mut due: Option<DateTime<Utc>> = None;
    for column in [
        "requests_due",
        "tuples_due",
        "lease_due",
        "memberships_due",
        "membership_lease_due",
    ] {
        if let Some(at) = row.value::<Option<DateTime<Utc>>>(column)? {
            due = Some(due.map_or(at, |d| d.min(at)));
        }
    }
    Ok(due)
}
