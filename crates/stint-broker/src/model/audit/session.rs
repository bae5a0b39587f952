//! The payloads of signing in and out, and of the broker's own configuration changes. They
//! carry who, which session (by its public id), the groups granted and, for a refusal, the
//! reason; never a token, its hash, a signature or credentials. Field names are camelCase,
//! as they have been since these events were first written.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A session was opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Login {
    pub session_id: String,
    pub user_id: String,
    pub groups: Vec<String>,
    pub expires_at: DateTime<Utc>,
    pub sts_endpoint: String,
}

/// Refused sign-ins of one kind: the first in an interval (`count` 1, no repeat window),
/// or its repeats over the interval, aggregated by `auth::refusal_tally`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginRefused {
    /// The stable error code (`stint_api::ErrorCode`).
    pub code: String,
    pub reason: String,
    pub sts_endpoint: Option<String>,
    /// The client address the refusals came from.
    pub source: String,
    pub count: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeats_from: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeats_to: Option<DateTime<Utc>>,
}

/// A session was closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Logout {
    pub session_id: String,
}

/// The policy file was (re)loaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyReloaded {
    pub file: String,
    pub eligibility_rules: usize,
    pub approval_rules: usize,
    pub warnings: Vec<String>,
}
