//! The shapes of the `/_sim` control API, shared by its HTTP handlers, by
//! [`crate::RunningSim`]'s direct methods, and by other crates' tests that read the JSON
//! (deserialize `GET /_sim/calls` into [`CallPage`], and so on). Fields are camelCase.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One call the simulator received that changes something or hands out a secret: every
/// sso-admin create or delete, and every GetRoleCredentials, RegisterClient,
/// StartDeviceAuthorization, CreateToken and Logout. Calls refused by fault injection are
/// recorded too, with the error as the outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallRecord {
    /// Starts at 1 and increases by one per recorded call.
    pub seq: u64,
    /// `sso_admin`, `sso_oidc` or `sso`.
    pub api: String,
    /// The AWS operation name, e.g. `CreateAccountAssignment`.
    pub operation: String,
    /// Key fields of the request (never a secret): account, permission set, principal,
    /// grant type, request id...
    pub fields: BTreeMap<String, String>,
    /// The simulator clock when the call was handled.
    pub sim_time: DateTime<Utc>,
    /// Wall-clock arrival, in microseconds since the Unix epoch.
    pub wall_time_micros: i64,
    /// `ok`, or the AWS error code returned.
    pub outcome: String,
}

/// `GET /_sim/calls?since=N`: the calls with `seq > N`, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallPage {
    pub calls: Vec<CallRecord>,
    /// The highest seq recorded so far (0 if none): pass it as `since` next time.
    pub last_seq: u64,
}

/// `GET /_sim/clock` and the answer to `POST /_sim/clock/advance`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClockState {
    pub now: DateTime<Utc>,
    pub now_epoch_millis: i64,
    /// How far the clock has been advanced beyond real time.
    pub offset_seconds: f64,
}

/// `POST /_sim/device/approve`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceApproval {
    /// The `XXXX-XXXX` code shown to the person, or the device code itself.
    #[serde(default)]
    pub user_code: Option<String>,
    #[serde(default)]
    pub device_code: Option<String>,
    pub user_name: String,
    /// Deny instead of approve.
    #[serde(default)]
    pub deny: bool,
}

/// The answer to a device approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceDecision {
    pub user_code: String,
    pub user_name: String,
    /// `approved` or `denied`.
    pub status: String,
}

/// `POST /_sim/authorize/approve`: act as the person on the browser sign-in page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizeApproval {
    /// The whole `.../authorize?response_type=code&client_id=...` URL the client opens.
    pub authorize_url: String,
    pub user_name: String,
    /// Deny instead of approve.
    #[serde(default)]
    pub deny: bool,
}

/// The answer to a browser sign-in decision: where the browser is sent next. The caller
/// follows it (a GET) to deliver the code to the client's loopback listener.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizeDecision {
    /// `redirect_uri?code=...&state=...`, or `redirect_uri?error=access_denied&state=...`.
    pub redirect_to: String,
    /// Empty when denied.
    pub user_name: String,
    /// `approved` or `denied`.
    pub status: String,
}

/// `GET /_sim/assignments`: what exists now, and every create/delete operation so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssignmentsSnapshot {
    pub assignments: Vec<AssignmentView>,
    pub operations: Vec<OperationView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssignmentView {
    pub account_id: String,
    pub account_name: String,
    pub permission_set_arn: String,
    pub permission_set_name: String,
    /// `USER` or `GROUP`.
    pub principal_type: String,
    pub principal_id: String,
    /// User name or group display name.
    pub principal_name: String,
    /// `world` (standing, from the world file) or `api` (created by a call).
    pub origin: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationView {
    pub request_id: String,
    /// `create` or `delete`.
    pub kind: String,
    pub account_id: String,
    pub permission_set_arn: String,
    pub principal_type: String,
    pub principal_id: String,
    /// `IN_PROGRESS`, `SUCCEEDED` or `FAILED`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub completes_at: DateTime<Utc>,
}

/// `GET /_sim/memberships`: who is in which group now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MembershipsSnapshot {
    pub memberships: Vec<MembershipView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MembershipView {
    pub membership_id: String,
    pub group_id: String,
    pub group_name: String,
    pub user_id: String,
    pub user_name: String,
    /// `world` (standing, from the world file) or `api` (created by a call).
    pub origin: String,
}

/// `GET /_sim/cloudtrail`: every trail record so far, delivered to the log group or not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrailSnapshot {
    pub log_group: String,
    pub delivery_delay_seconds: f64,
    pub events: Vec<TrailRecordView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrailRecordView {
    /// When Logs Insights queries can see it (sim clock).
    pub delivered_at: DateTime<Utc>,
    pub delivered: bool,
    /// The CloudTrail record itself (`eventVersion`, `userIdentity`, `eventName`...).
    pub record: serde_json::Value,
}

/// Why a control request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Gone(String),
}
