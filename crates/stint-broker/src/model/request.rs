//! A request for access and the people around it. The wire types of `stint-api` are
//! converted to and from these at the edge (`workflow/wire.rs`), so the database and the
//! engine never depend on the API's shape.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::tuple::{AssignmentKey, MembershipKey, PrincipalType, Target};

/// A request's id; people type it (`stint approve 42`).
pub type RequestId = i64;

/// Where a request is in its life (DESIGN.md's lifecycle diagram).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Pending,
    Approved,
    Activating,
    Active,
    Ending,
    Ended,
    Rejected,
    Cancelled,
    Expired,
    Failed,
}

impl State {
    pub const ALL: [State; 10] = [
        State::Pending,
        State::Approved,
        State::Activating,
        State::Active,
        State::Ending,
        State::Ended,
        State::Rejected,
        State::Cancelled,
        State::Expired,
        State::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Approved => "approved",
            State::Activating => "activating",
            State::Active => "active",
            State::Ending => "ending",
            State::Ended => "ended",
            State::Rejected => "rejected",
            State::Cancelled => "cancelled",
            State::Expired => "expired",
            State::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|state| state.as_str() == s)
    }

    /// Nothing more happens to the request (a reconcile repair of `Failed` aside).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            State::Ended | State::Rejected | State::Cancelled | State::Expired | State::Failed
        )
    }

    /// The request wants its assignment to exist.
    pub fn needs_assignment(self) -> bool {
        matches!(self, State::Activating | State::Active)
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A person as Identity Center knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub user_id: String,
    pub user_name: String,
    pub display_name: String,
}

/// Who is calling a command. The API layer has authenticated them and asked the policy;
/// the engine still enforces the invariants that must never break (self-approval, who may
/// cancel or revoke).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub person: Person,
    /// Identity Center group names.
    pub groups: Vec<String>,
    /// Stint administrators may revoke any grant.
    pub admin: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountInfo {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionSetInfo {
    pub arn: String,
    pub name: String,
    pub description: Option<String>,
    pub session_duration_secs: u32,
}

/// An Identity Center group a grant adds its requester to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupInfo {
    pub id: String,
    /// The group's display name, as the policy names it.
    pub name: String,
}

/// A request for access and, once approved, the grant it becomes: one record.
///
/// A grant is given through one target: an account assignment (`account` and
/// `permission_set`), or, when `group` is set, membership of that group. A group gives
/// whatever the group is assigned, in as many accounts as it is, so a group grant has no
/// account or permission set of its own: both are empty, and [`Request::target`] is what
/// every side effect is decided from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub id: RequestId,
    pub requester: Person,
    pub account: AccountInfo,
    pub permission_set: PermissionSetInfo,
    /// The group a group-membership grant adds the requester to.
    pub group: Option<GroupInfo>,
    /// The request set this request belongs to: the id of the set's first member. The
    /// members of a set are one permission set in several accounts, asked for at once and
    /// decided together (`workflow/commands.rs`); each converges its own tuple.
    pub set_id: Option<RequestId>,
    pub state: State,
    /// For `Failed`: the state it failed from (`activating` or `ending`). A failed ending
    /// means access may still be in place, which reconciliation keeps trying to remove.
    pub failed_from: Option<State>,
    pub reason: String,
    pub ticket: Option<String>,
    pub duration_secs: u32,
    /// Requested start; the actual start once active. `end_at = start_at + duration_secs`.
    pub start_at: DateTime<Utc>,
    pub end_at: DateTime<Utc>,
    /// An extension waiting for approval: the end time it asks for.
    pub pending_end_at: Option<DateTime<Utc>>,
    pub approval_required: bool,
    /// Groups whose members may approve (and revoke), fixed when the request was made.
    pub approver_groups: Vec<String>,
    pub approval_deadline: Option<DateTime<Utc>>,
    pub decided_by: Option<Person>,
    pub decision_comment: Option<String>,
    pub outcome: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When the next time-driven step is due: approval deadline, start or end.
    pub next_due_at: Option<DateTime<Utc>>,
    /// Optimistic concurrency: every write checks and bumps it.
    pub version: i64,
}

impl Request {
    /// What this request grants access through.
    pub fn target(&self) -> Target {
        match &self.group {
            Some(group) => Target::GroupMembership(MembershipKey {
                group_id: group.id.clone(),
                user_id: self.requester.user_id.clone(),
            }),
            None => Target::AccountAssignment(AssignmentKey {
                principal_type: PrincipalType::User,
                principal_id: self.requester.user_id.clone(),
                account_id: self.account.id.clone(),
                permission_set_arn: self.permission_set.arn.clone(),
            }),
        }
    }

    /// What the grant gives, in a few words: "prod / ReadOnlyAccess" or "group oncall-admins".
    pub fn target_label(&self) -> String {
        match &self.group {
            Some(group) => format!("group {}", group.name),
            None => format!("{} / {}", self.account.name, self.permission_set.name),
        }
    }
}

/// A request as it is first written; the store gives it its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRequest {
    pub requester: Person,
    pub account: AccountInfo,
    pub permission_set: PermissionSetInfo,
    pub group: Option<GroupInfo>,
    pub state: State,
    pub reason: String,
    pub ticket: Option<String>,
    pub duration_secs: u32,
    pub start_at: DateTime<Utc>,
    pub end_at: DateTime<Utc>,
    pub approval_required: bool,
    pub approver_groups: Vec<String>,
    pub approval_deadline: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub next_due_at: Option<DateTime<Utc>>,
}

/// The actor name of the broker's own steps.
pub const BROKER_ACTOR: &str = "stint";
