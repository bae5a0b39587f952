use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::identity::UserRef;

/// Where a request is in its life. See DESIGN.md's lifecycle diagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
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

impl RequestState {
    /// No further transition can happen (except a reconcile repair of `Failed`).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            RequestState::Ended
                | RequestState::Rejected
                | RequestState::Cancelled
                | RequestState::Expired
                | RequestState::Failed
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RequestState::Pending => "pending",
            RequestState::Approved => "approved",
            RequestState::Activating => "activating",
            RequestState::Active => "active",
            RequestState::Ending => "ending",
            RequestState::Ended => "ended",
            RequestState::Rejected => "rejected",
            RequestState::Cancelled => "cancelled",
            RequestState::Expired => "expired",
            RequestState::Failed => "failed",
        }
    }
}

impl std::fmt::Display for RequestState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct AccountRef {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct PermissionSetRef {
    pub name: String,
    pub arn: String,
    pub description: Option<String>,
    /// How long role credentials issued for this permission set stay valid. They outlive
    /// the grant if it ends first: AWS cannot end a session early.
    pub session_duration_secs: u32,
}

/// One thing the caller may request: `GET /v1/eligibility` returns a list of these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct EligibleAccess {
    pub account: AccountRef,
    pub permission_set: PermissionSetRef,
    pub max_duration_secs: u32,
    pub approval_required: bool,
    pub ticket_required: bool,
    /// When set, a ticket must match this regular expression.
    pub ticket_pattern: Option<String>,
    /// The longest window that needs no approval, when a rule waives it for shorter
    /// windows than `maxDurationSecs` (absent from brokers that predate it).
    #[serde(default)]
    pub max_without_approval_secs: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct Eligibility {
    pub items: Vec<EligibleAccess>,
    /// Groups the caller may request membership of for a time (absent from brokers that
    /// predate group grants).
    #[serde(default)]
    pub groups: Vec<EligibleGroup>,
}

/// One (account, permission set) membership of a group gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct GroupAccessRef {
    pub account: AccountRef,
    /// Permission set name.
    pub permission_set: String,
}

/// A group whose membership the caller may request, and what it gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct EligibleGroup {
    /// The group's display name.
    pub name: String,
    /// The group's account assignments: what its members may use.
    pub gives: Vec<GroupAccessRef>,
    pub max_duration_secs: u32,
    pub approval_required: bool,
    pub max_without_approval_secs: Option<u32>,
    pub ticket_required: bool,
    pub ticket_pattern: Option<String>,
    /// An external IdP provisions the group: its next sync may end a membership early.
    pub external_idp: bool,
}

/// `POST /v1/requests`: an account and permission set, or a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct CreateRequest {
    /// Account id or account name (empty when asking for a group).
    #[serde(default)]
    pub account: String,
    /// Permission set name (empty when asking for a group).
    #[serde(default)]
    pub permission_set: String,
    /// A grantable group's display name: asks for membership of it for the window,
    /// instead of an account assignment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub group: Option<String>,
    /// `rules::MIN_DURATION_SECS` to `rules::MAX_DURATION_SECS`; the policy may allow less.
    #[serde(with = "crate::whole::u32")]
    #[cfg_attr(feature = "ts", ts(as = "u32"))]
    #[schema(minimum = 60, maximum = 2592000)]
    pub duration_secs: u32,
    /// When the window should open; now if absent, null or empty.
    #[serde(default, with = "crate::blank::optional_time")]
    #[cfg_attr(feature = "ts", ts(as = "Option<DateTime<Utc>>"))]
    pub start_at: Option<DateTime<Utc>>,
    /// Why, for the approver: 1 to 2,000 characters, no control characters but line
    /// breaks and tabs, not only spaces.
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*$"
    )]
    pub reason: String,
    /// A reference such as `INC-123`: one line, up to 2,000 characters. The policy may
    /// require one or hold it to a pattern.
    #[schema(max_length = 2000, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    pub ticket: Option<String>,
}

/// Body of approve, reject, cancel and revoke. Reject requires a comment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    /// Up to 2,000 characters, no control characters but line breaks and tabs.
    #[schema(
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*$"
    )]
    pub comment: Option<String>,
}

/// `POST /v1/requests/{id}/extend`: lengthen the window in place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct ExtendRequest {
    /// How much longer, in seconds; the policy decides how long the whole window may be.
    #[serde(with = "crate::whole::u32")]
    #[cfg_attr(feature = "ts", ts(as = "u32"))]
    #[schema(minimum = 1)]
    pub by_secs: u32,
    /// Up to 2,000 characters, no control characters but line breaks and tabs.
    #[schema(
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*$"
    )]
    pub reason: Option<String>,
}

/// One step in a request's history, as shown to people (the audit log holds the rest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    /// User name, or `stint` for the broker's own steps.
    pub actor: String,
    /// A short event name, for example `approved` or `assignment_created`.
    pub kind: String,
    pub state: RequestState,
    pub detail: Option<String>,
}

/// An Identity Center group a grant adds its requester to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct GroupRef {
    pub id: String,
    /// The group's display name.
    pub name: String,
    /// What membership gives: the group's account assignments as the broker last read
    /// them (at start, on reload and on each directory refresh). Empty when the broker
    /// does not know them (the group is no longer grantable, or in a webhook notice).
    #[serde(default)]
    pub gives: Vec<GroupAccessRef>,
}

/// A request for access and, once approved, the grant it becomes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct AccessRequest {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    pub requester: UserRef,
    /// Empty for a group-membership grant (see `group`).
    pub account: AccountRef,
    /// Empty for a group-membership grant (see `group`).
    pub permission_set: PermissionSetRef,
    /// The request set this request belongs to (several accounts asked for at once and
    /// decided together, `GET /v1/request-sets/{id}`); absent for a request on its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional, type = "number"))]
    pub set_id: Option<i64>,
    /// The group a group-membership grant adds the requester to: its members get what
    /// the group is assigned (absent for an account assignment, and from brokers that
    /// predate group grants).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub group: Option<GroupRef>,
    pub state: RequestState,
    pub reason: String,
    pub ticket: Option<String>,
    pub duration_secs: u32,
    /// When the window opens (requested start; actual once active).
    pub start_at: DateTime<Utc>,
    /// When the window closes.
    pub end_at: DateTime<Utc>,
    /// An extension waiting for an approver: the end it asks for. `endAt` holds until
    /// it is approved (absent from brokers that predate it).
    #[serde(default)]
    pub pending_end_at: Option<DateTime<Utc>>,
    pub approval_required: bool,
    /// A pending request expires unanswered at this time.
    pub approval_deadline: Option<DateTime<Utc>>,
    pub decided_by: Option<UserRef>,
    pub decision_comment: Option<String>,
    /// Why the request reached its final state, in a sentence.
    pub outcome: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Present when one request is fetched; absent in listings.
    pub history: Option<Vec<HistoryEntry>>,
}

/// An active grant: `GET /v1/grants`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct Grant {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub request_id: i64,
    pub user: UserRef,
    /// Empty for a group-membership grant (see `group`).
    pub account: AccountRef,
    /// Empty for a group-membership grant (see `group`).
    pub permission_set: PermissionSetRef,
    /// The group a group-membership grant adds the user to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub group: Option<GroupRef>,
    pub started_at: DateTime<Utc>,
    pub end_at: DateTime<Utc>,
}

/// What a grant is given through, in a few words: `prod/ReadOnlyAccess`, or
/// `group:oncall-admins` (as `stint request` takes it).
fn target_label(group: Option<&GroupRef>, account: &AccountRef, set: &PermissionSetRef) -> String {
    match group {
        Some(group) => format!("group:{}", group.name),
        None => format!("{}/{}", account.name, set.name),
    }
}

/// Whether a target gives the role (account id, permission set name): its own assignment,
/// or one of its group's.
fn gives_role(
    group: Option<&GroupRef>,
    account: &AccountRef,
    set: &PermissionSetRef,
    account_id: &str,
    permission_set: &str,
) -> bool {
    match group {
        Some(group) => group
            .gives
            .iter()
            .any(|a| a.account.id == account_id && a.permission_set == permission_set),
        None => account.id == account_id && set.name == permission_set,
    }
}

impl AccessRequest {
    /// What the request is for: `prod/ReadOnlyAccess` or `group:oncall-admins`.
    pub fn target_label(&self) -> String {
        target_label(self.group.as_ref(), &self.account, &self.permission_set)
    }

    /// Whether, once active, it gives this role (account id, permission set name).
    pub fn gives_role(&self, account_id: &str, permission_set: &str) -> bool {
        gives_role(
            self.group.as_ref(),
            &self.account,
            &self.permission_set,
            account_id,
            permission_set,
        )
    }
}

impl Grant {
    /// What the grant gives: `prod/ReadOnlyAccess` or `group:oncall-admins`.
    pub fn target_label(&self) -> String {
        target_label(self.group.as_ref(), &self.account, &self.permission_set)
    }

    /// Whether it gives this role (account id, permission set name): its assignment, or
    /// one its group is assigned.
    pub fn gives_role(&self, account_id: &str, permission_set: &str) -> bool {
        gives_role(
            self.group.as_ref(),
            &self.account,
            &self.permission_set,
            account_id,
            permission_set,
        )
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum RequestScope {
    /// Requests the caller made.
    #[default]
    Mine,
    /// Pending requests the caller may approve.
    Approvable,
    /// Every request (auditors and admins).
    All,
}

/// The scopes `GET /v1/grants` takes. It documents the parameter: the handler reads a
/// `RequestScope` and refuses `approvable`, which is for requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GrantScope {
    /// The caller's grants.
    Mine,
    /// Everyone's grants (auditors and admins).
    All,
}

/// Query string of `GET /v1/requests`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, IntoParams)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListRequestsQuery {
    #[serde(default)]
    pub scope: RequestScope,
    /// States to keep, comma-separated; every state when left out.
    #[param(value_type = Option<Vec<RequestState>>, style = Form, explode = false, min_items = 1)]
    pub state: Option<String>,
    /// Account id to keep.
    pub account: Option<String>,
    /// Opaque cursor from a previous page (its `nextCursor`); empty for the first page.
    #[param(pattern = r"^(r[1-9][0-9]{0,17})?$")]
    pub cursor: Option<String>,
    /// Requests per page, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

/// Query string of `GET /v1/grants`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, IntoParams)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct GrantsQuery {
    /// `mine` (the default) or `all` (auditors and admins).
    #[serde(default)]
    #[param(value_type = Option<GrantScope>)]
    pub scope: RequestScope,
    /// Opaque cursor from a previous page (its `nextCursor`); empty for the first page.
    #[param(pattern = r"^(r[1-9][0-9]{0,17})?$")]
    pub cursor: Option<String>,
    /// Grants per page, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}
