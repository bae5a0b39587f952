//! An Identity Center assignment Stint converges, and what a grant is given through.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Who an assignment is for. Stint grants go to users; standing assignments may name groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PrincipalType {
    User,
    Group,
}

/// One Identity Center account assignment: the unit AWS creates and deletes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AssignmentKey {
    pub principal_type: PrincipalType,
    pub principal_id: String,
    pub account_id: String,
    pub permission_set_arn: String,
}

/// One person in one Identity Center group: the unit a group grant adds and removes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MembershipKey {
    pub group_id: String,
    pub user_id: String,
}

/// What a grant is given through: the unit Stint converges in Identity Center. Each place
/// that must treat the two kinds differently is a `match` the compiler points at.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    /// A (user, account, permission set) account assignment, created and deleted through
    /// asynchronous sso-admin operations.
    AccountAssignment(AssignmentKey),
    /// A (group, user) membership in Identity Store, which changes at once.
    GroupMembership(MembershipKey),
}

impl Target {
    /// The Identity Center user the target gives access to (a group principal, for a
    /// standing group assignment).
    pub fn principal_id(&self) -> &str {
        match self {
            Target::AccountAssignment(k) => &k.principal_id,
            Target::GroupMembership(k) => &k.user_id,
        }
    }
}

/// Names the target in logs: which assignment or membership, never anything secret.
impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::AccountAssignment(k) => write!(
                f,
                "assignment of {} for {} in {}",
                k.permission_set_arn, k.principal_id, k.account_id
            ),
            Target::GroupMembership(k) => {
                write!(f, "membership of {} in group {}", k.user_id, k.group_id)
            }
        }
    }
}

/// What Identity Center holds for a tuple, as far as Stint knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actual {
    Absent,
    Creating,
    Present,
    Deleting,
}

impl Actual {
    pub fn as_str(self) -> &'static str {
        match self {
            Actual::Absent => "absent",
            Actual::Creating => "creating",
            Actual::Present => "present",
            Actual::Deleting => "deleting",
        }
    }

    pub fn parse(s: &str) -> Option<Actual> {
        [
            Actual::Absent,
            Actual::Creating,
            Actual::Present,
            Actual::Deleting,
        ]
        .into_iter()
        .find(|a| a.as_str() == s)
    }
}

/// Who made an assignment that exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Stint created it, and deletes it when no grant needs it.
    Stint,
    /// It was there before Stint needed it: never deleted.
    Standing,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Stint => "stint",
            Origin::Standing => "standing",
        }
    }

    pub fn parse(s: &str) -> Option<Origin> {
        match s {
            "stint" => Some(Origin::Stint),
            "standing" => Some(Origin::Standing),
            _ => None,
        }
    }
}

/// Where an operation on a tuple is. Each step is committed before the call it announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Creating: list the tuple's assignments first, to find standing access.
    Check,
    /// The create or delete call is about to be made, or was made and its result not
    /// recorded. Resuming lists first, then adopts what exists or calls again.
    Call,
    /// The call returned an operation id; its status is being polled.
    Poll,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Check => "check",
            Step::Call => "call",
            Step::Poll => "poll",
        }
    }

    pub fn parse(s: &str) -> Option<Step> {
        match s {
            "check" => Some(Step::Check),
            "call" => Some(Step::Call),
            "poll" => Some(Step::Poll),
            _ => None,
        }
    }
}

/// One target (an account assignment or a group membership) and its convergence state.
/// Both kinds keep the same invariants; a membership has no asynchronous operation, so
/// its `step` is never `Poll` and `operation_id`, `polls` stay empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tuple {
    pub key: Target,
    pub actual: Actual,
    pub origin: Option<Origin>,
    pub step: Option<Step>,
    pub operation_id: Option<String>,
    /// Retryable failures of the operation in flight.
    pub attempt: u32,
    /// Status polls of the operation in flight.
    pub polls: u32,
    pub op_started_at: Option<DateTime<Utc>>,
    /// When the operation in flight is given up.
    pub deadline: Option<DateTime<Utc>>,
    /// Stint may have left this assignment in place although no grant needs it: a deletion
    /// failed or a creation ended in doubt. Reconciliation keeps checking until it is gone.
    pub leaked: bool,
    pub next_check_at: Option<DateTime<Utc>>,
    pub claimed_by: Option<String>,
    pub claimed_until: Option<DateTime<Utc>>,
    pub version: i64,
    pub updated_at: DateTime<Utc>,
}

impl Tuple {
    pub fn absent(key: Target, now: DateTime<Utc>) -> Self {
        Tuple {
            key,
            actual: Actual::Absent,
            origin: None,
            step: None,
            operation_id: None,
            attempt: 0,
            polls: 0,
            op_started_at: None,
            deadline: None,
            leaked: false,
            next_check_at: None,
            claimed_by: None,
            claimed_until: None,
            version: 0,
            updated_at: now,
        }
    }
}
