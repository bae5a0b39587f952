//! Reading rows into the model, once for both backends: a row's columns are read through
//! `Columns`, which each backend's row type implements; only times differ (SQLite keeps
//! them as text, see `time.rs`; PostgreSQL as `timestamptz`).

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;

use super::StoreError;
use super::time::{from_sqlite, opt_from_sqlite};
use crate::audit::AuditRecord;
use crate::idc::{AssignmentKey, PrincipalType};
use crate::model::{
    AccountInfo, Actual, GroupInfo, MembershipKey, Origin, PermissionSetInfo, Person, Request,
    State, Step, Target, Tuple,
};

/// A row whose columns can be read as the model's types.
pub(super) trait Columns {
    fn value<T: Column>(&self, column: &str) -> Result<T, StoreError>;
}

impl Columns for SqliteRow {
    fn value<T: Column>(&self, column: &str) -> Result<T, StoreError> {
        T::from_sqlite(self, column)
    }
}

impl Columns for PgRow {
    fn value<T: Column>(&self, column: &str) -> Result<T, StoreError> {
        T::from_postgres(self, column)
    }
}

/// A type a column is read as, from either backend.
pub(super) trait Column: Sized {
    fn from_sqlite(row: &SqliteRow, column: &str) -> Result<Self, StoreError>;
    fn from_postgres(row: &PgRow, column: &str) -> Result<Self, StoreError>;
}

/// Types both drivers decode the same way.
macro_rules! same_in_both {
    ($($t:ty),*) => {$(
        impl Column for $t {
            fn from_sqlite(row: &SqliteRow, column: &str) -> Result<Self, StoreError> {
                Ok(row.try_get(column)?)
            }
            fn from_postgres(row: &PgRow, column: &str) -> Result<Self, StoreError> {
                Ok(row.try_get(column)?)
            }
        }
    )*};
}

same_in_both!(String, Option<String>, i64, Option<i64>, bool);

impl Column for DateTime<Utc> {
    fn from_sqlite(row: &SqliteRow, column: &str) -> Result<Self, StoreError> {
        from_sqlite(&row.try_get::<String, _>(column)?)
    }
    fn from_postgres(row: &PgRow, column: &str) -> Result<Self, StoreError> {
        Ok(row.try_get(column)?)
    }
}

impl Column for Option<DateTime<Utc>> {
    fn from_sqlite(row: &SqliteRow, column: &str) -> Result<Self, StoreError> {
        opt_from_sqlite(row.try_get(column)?)
    }
    fn from_postgres(row: &PgRow, column: &str) -> Result<Self, StoreError> {
        Ok(row.try_get(column)?)
    }
}

pub(super) const REQUEST_COLUMNS: &str = "id, requester_id, requester_name, requester_display, account_id, account_name, \
    permission_set_arn, permission_set_name, permission_set_description, session_duration_secs, state, failed_from, \
    reason, ticket, duration_secs, start_at, end_at, pending_end_at, approval_required, approver_groups, \
    approval_deadline, decided_by_id, decided_by_name, decided_by_display, decision_comment, outcome, created_at, \
    updated_at, next_due_at, version, group_id, group_name, set_id";

pub(super) const TUPLE_COLUMNS: &str = "principal_type, principal_id, account_id, permission_set_arn, actual, origin, step, \
    operation_id, attempt, polls, op_started_at, deadline, leaked, next_check_at, claimed_by, claimed_until, \
    version, updated_at";

pub(super) const MEMBERSHIP_COLUMNS: &str = "group_id, user_id, actual, origin, step, operation_id, attempt, \
    polls, op_started_at, deadline, leaked, next_check_at, claimed_by, claimed_until, version, updated_at";

pub(super) const AUDIT_COLUMNS: &str = "seq, at, actor, kind, request_id, data, prev_hash, hash";

pub(super) fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("unknown {what} {value:?}"))
}

pub(super) fn request_from_row(row: &impl Columns) -> Result<Request, StoreError> {
    let state: String = row.value("state")?;
    let failed_from: Option<String> = row.value("failed_from")?;
    let groups: String = row.value("approver_groups")?;
    let decided_by_id: Option<String> = row.value("decided_by_id")?;
    let decided_by = match decided_by_id {
        Some(user_id) => Some(Person {
            user_id,
            user_name: row
                .value::<Option<String>>("decided_by_name")?
                .unwrap_or_default(),
            display_name: row
                .value::<Option<String>>("decided_by_display")?
                .unwrap_or_default(),
        }),
        None => None,
    };
    let group = match row.value::<Option<String>>("group_id")? {
        Some(id) => Some(GroupInfo {
            id,
            name: row
                .value::<Option<String>>("group_name")?
                .unwrap_or_default(),
        }),
        None => None,
    };
    Ok(Request {
        id: row.value("id")?,
        group,
        set_id: row.value("set_id")?,
        requester: Person {
            user_id: row.value("requester_id")?,
            user_name: row.value("requester_name")?,
            display_name: row.value("requester_display")?,
        },
        account: AccountInfo {
            id: row.value("account_id")?,
            name: row.value("account_name")?,
        },
        permission_set: PermissionSetInfo {
            arn: row.value("permission_set_arn")?,
            name: row.value("permission_set_name")?,
            description: row.value("permission_set_description")?,
            session_duration_secs: u32::try_from(row.value::<i64>("session_duration_secs")?)
                .map_err(|_| StoreError::Corrupt("session duration out of range".into()))?,
        },
        state: State::parse(&state).ok_or_else(|| corrupt("state", &state))?,
        failed_from: failed_from
            .map(|s| State::parse(&s).ok_or_else(|| corrupt("state", &s)))
            .transpose()?,
        reason: row.value("reason")?,
        ticket: row.value("ticket")?,
        duration_secs: u32::try_from(row.value::<i64>("duration_secs")?)
            .map_err(|_| StoreError::Corrupt("duration out of range".into()))?,
        start_at: row.value("start_at")?,
        end_at: row.value("end_at")?,
        pending_end_at: row.value("pending_end_at")?,
        approval_required: row.value("approval_required")?,
        approver_groups: serde_json::from_str(&groups)
            .map_err(|e| StoreError::Corrupt(format!("approver groups: {e}")))?,
        approval_deadline: row.value("approval_deadline")?,
        decided_by,
        decision_comment: row.value("decision_comment")?,
        outcome: row.value("outcome")?,
        created_at: row.value("created_at")?,
        updated_at: row.value("updated_at")?,
        next_due_at: row.value("next_due_at")?,
        version: row.value("version")?,
    })
}

pub(super) fn tuple_from_row(row: &impl Columns) -> Result<Tuple, StoreError> {
    let principal_type: String = row.value("principal_type")?;
    let key = AssignmentKey {
        principal_type: match principal_type.as_str() {
            "USER" => PrincipalType::User,
            "GROUP" => PrincipalType::Group,
            other => return Err(corrupt("principal type", other)),
        },
        principal_id: row.value("principal_id")?,
        account_id: row.value("account_id")?,
        permission_set_arn: row.value("permission_set_arn")?,
    };
    converged_from_row(row, Target::AccountAssignment(key))
}

pub(super) fn membership_from_row(row: &impl Columns) -> Result<Tuple, StoreError> {
    let key = MembershipKey {
        group_id: row.value("group_id")?,
        user_id: row.value("user_id")?,
    };
    converged_from_row(row, Target::GroupMembership(key))
}

/// The convergence columns every target's row has, around the key already read.
pub(super) fn converged_from_row(row: &impl Columns, key: Target) -> Result<Tuple, StoreError> {
    let actual: String = row.value("actual")?;
    let origin: Option<String> = row.value("origin")?;
    let step: Option<String> = row.value("step")?;
    Ok(Tuple {
        key,
        actual: Actual::parse(&actual).ok_or_else(|| corrupt("assignment state", &actual))?,
        origin: origin
            .map(|o| Origin::parse(&o).ok_or_else(|| corrupt("origin", &o)))
            .transpose()?,
        step: step
            .map(|s| Step::parse(&s).ok_or_else(|| corrupt("step", &s)))
            .transpose()?,
        operation_id: row.value("operation_id")?,
        attempt: u32::try_from(row.value::<i64>("attempt")?).unwrap_or(u32::MAX),
        polls: u32::try_from(row.value::<i64>("polls")?).unwrap_or(u32::MAX),
        op_started_at: row.value("op_started_at")?,
        deadline: row.value("deadline")?,
        leaked: row.value("leaked")?,
        next_check_at: row.value("next_check_at")?,
        claimed_by: row.value("claimed_by")?,
        claimed_until: row.value("claimed_until")?,
        version: row.value("version")?,
        updated_at: row.value("updated_at")?,
    })
}

pub(super) fn audit_from_row(row: &impl Columns) -> Result<AuditRecord, StoreError> {
    Ok(AuditRecord {
        seq: row.value("seq")?,
        at: row.value("at")?,
        actor: row.value("actor")?,
        kind: row.value("kind")?,
        request_id: row.value("request_id")?,
        data: row.value("data")?,
        prev_hash: row.value("prev_hash")?,
        hash: row.value("hash")?,
    })
}

pub(super) fn count(tuples: &[Tuple]) -> u32 {
    u32::try_from(tuples.len()).unwrap_or(u32::MAX)
}

pub(super) fn principal_type_str(t: PrincipalType) -> &'static str {
    match t {
        PrincipalType::User => "USER",
        PrincipalType::Group => "GROUP",
    }
}
