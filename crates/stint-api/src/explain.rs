use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::identity::UserRef;

/// Query of `GET /v1/explain`: why can (not) this user request this access?
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, IntoParams)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ExplainQuery {
    /// User name; the caller if absent.
    pub user: Option<String>,
    /// Account id or name; with `permissionSet`, asks about an account assignment.
    #[serde(default)]
    pub account: String,
    /// Permission set name.
    #[serde(default)]
    pub permission_set: String,
    /// Group display name: asks about membership of a grantable group instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

/// A policy rule, named the way the policy file names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct RuleRef {
    /// `eligibility` or `approval`.
    pub kind: String,
    /// The rule's `name` in the policy file.
    pub name: String,
    /// Line of the rule in the policy file.
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct Explanation {
    pub user: String,
    /// Empty when the question was about a group.
    pub account: String,
    /// Empty when the question was about a group.
    pub permission_set: String,
    /// The group asked about, when the question was about group membership.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    pub allowed: bool,
    pub approval_required: bool,
    pub max_duration_secs: Option<u32>,
    /// Eligibility rules that matched.
    pub matched: Vec<RuleRef>,
    /// Groups whose members could approve, when approval is needed.
    pub approver_groups: Vec<String>,
    /// One sentence per reason, in the order they were found.
    pub reasons: Vec<String>,
}

/// `GET /v1/requests/{id}/approvers`: who may approve request N.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct ApproverExplanation {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub request_id: i64,
    pub rules: Vec<RuleRef>,
    pub groups: Vec<String>,
    /// Members of those groups, less the requester.
    pub users: Vec<UserRef>,
}
