//! The payloads of events about an Identity Center assignment: the tuple worker's steps and
//! what reconciliation finds.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{Actual, AssignmentKey, State};

/// Which assignment a tuple worker's event is about, and where things stand after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentStep {
    pub principal_id: String,
    pub account_id: String,
    pub permission_set_arn: String,
    /// What Identity Center holds after the event, as far as Stint knows.
    pub assignment: Actual,
    /// The state of the request the event is told in the history of, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<State>,
}

impl AssignmentStep {
    pub fn new(key: &AssignmentKey, assignment: Actual, state: Option<State>) -> Self {
        AssignmentStep {
            principal_id: key.principal_id.clone(),
            account_id: key.account_id.clone(),
            permission_set_arn: key.permission_set_arn.clone(),
            assignment,
            state,
        }
    }
}

/// A step explained in a sentence (adopted, standing found, abandoned).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explained {
    #[serde(flatten)]
    pub at: AssignmentStep,
    pub detail: String,
}

/// A create or delete call is about to be made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallRequested {
    #[serde(flatten)]
    pub at: AssignmentStep,
    pub attempt: u32,
}

/// Identity Center accepted a create or delete call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallStarted {
    #[serde(flatten)]
    pub at: AssignmentStep,
    pub operation_id: String,
    pub attempt: u32,
}

/// The operation ended as asked, or there was nothing left to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Completed {
    #[serde(flatten)]
    pub at: AssignmentStep,
    pub operation_id: Option<String>,
    /// From the start of the operation; unknown for one resumed from an old record.
    pub took_ms: Option<i64>,
}

/// `assignment_deleted`: seen by the tuple worker, or found late by reconciliation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Deleted {
    /// A deletion Stint had given up on completed after all.
    Late(LateDeletion),
    Completed(Completed),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LateDeletion {
    #[serde(flatten)]
    pub at: AssignmentStep,
    pub operation_id: String,
    /// Always true: what tells this shape apart.
    pub late: bool,
    pub detail: String,
}

/// The operation Stint started outlived its deadline (alerted once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overdue {
    #[serde(flatten)]
    pub at: AssignmentStep,
    pub operation_id: Option<String>,
    pub detail: String,
    pub alert: bool,
}

/// A call failed and is retried after a backoff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryScheduled {
    #[serde(flatten)]
    pub at: AssignmentStep,
    pub operation: String,
    pub reason: String,
    pub error: String,
    pub attempt: u32,
    pub retry_at: DateTime<Utc>,
}

/// The operation in flight was given up (alerted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GaveUp {
    #[serde(flatten)]
    pub at: AssignmentStep,
    pub reason: String,
    pub alert: bool,
}

/// Reconciliation found Identity Center differing from what Stint recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drift {
    pub detail: String,
    /// Always true: what tells a drift apart.
    pub drift: bool,
    pub alert: bool,
    /// The state of the first request on the tuple, if any.
    pub state: Option<State>,
    pub principal_id: String,
    pub account_id: String,
    pub permission_set_arn: String,
    /// What Stint had recorded.
    pub recorded: Actual,
    pub in_identity_center: bool,
    /// The requests that need the assignment.
    pub grants_needing_it: Vec<i64>,
}

/// `assignment_adopted`: by the tuple worker, or by reconciliation as a drift.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Adopted {
    Drift(Drift),
    Converged(Explained),
}
