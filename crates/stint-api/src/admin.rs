use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /v1/admin/reload`: the policy now in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct PolicySummary {
    pub eligibility_rules: u32,
    pub approval_rules: u32,
    /// Each warning as `file:line:col: warning: ...`.
    pub warnings: Vec<String>,
}

/// `GET /readyz` when ready.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct Readiness {
    /// `ready`: a policy is in force, resolved against the organization read from Identity
    /// Center.
    pub status: String,
    /// When the directory (organization, permission sets, approver groups) was last read.
    pub directory_read_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct Health {
    /// `ok` when the broker can reach its database.
    pub status: String,
    /// The storage backend: `sqlite` or `postgres`.
    pub database: String,
}
