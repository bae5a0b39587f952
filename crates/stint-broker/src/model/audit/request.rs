//! The payloads of events about a request's life. Each carries the state the request is in
//! right after the event, so a request's history reads from its events alone.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::State;

/// What every event that moves or changes a request carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestStep {
    /// The request's state after the event.
    pub state: State,
    /// The state it left, when the event is a transition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<State>,
    /// The event's explanation in a sentence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A request was made (`requested`): everything it asked for, as it was asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requested {
    pub state: State,
    pub account_id: String,
    pub account_name: String,
    pub permission_set: String,
    pub permission_set_arn: String,
    /// For a group-membership grant: the group's id (the account and permission set are
    /// then empty). Absent for an account assignment, as before group grants existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// The group's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    pub duration_secs: u32,
    pub start_at: DateTime<Utc>,
    pub reason: String,
    pub ticket: Option<String>,
    pub approval_required: bool,
    pub approver_groups: Vec<String>,
    pub approval_deadline: Option<DateTime<Utc>>,
    /// For a member of a request set: the set's id (its first member's). Absent for a
    /// request on its own, as before sets existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_id: Option<i64>,
}

/// A pending request was approved: the window it got (a late approval moves it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approved {
    #[serde(flatten)]
    pub step: RequestStep,
    pub start_at: DateTime<Utc>,
    pub end_at: DateTime<Utc>,
}

/// A pending request was rejected, with the approver's comment (required).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejected {
    #[serde(flatten)]
    pub step: RequestStep,
    pub comment: String,
}

/// A request was cancelled or a grant revoked, with the optional comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commented {
    #[serde(flatten)]
    pub step: RequestStep,
    pub comment: Option<String>,
}

/// The end of a request's window moved (`extended`, `extension_approved`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moved {
    #[serde(flatten)]
    pub step: RequestStep,
    pub old_end_at: DateTime<Utc>,
    pub end_at: DateTime<Utc>,
}

/// An extension waits for approval: the end now and the end it asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionRequested {
    #[serde(flatten)]
    pub step: RequestStep,
    pub end_at: DateTime<Utc>,
    pub asked_end_at: DateTime<Utc>,
}

/// An extension was refused: the end it had asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionRejected {
    #[serde(flatten)]
    pub step: RequestStep,
    pub asked_end_at: DateTime<Utc>,
}

impl super::AuditEvent {
    /// Marks a `requested` event as a set member's: the store learns the set's id (its
    /// first member's) only as it writes the set. Other events are left as they are.
    pub fn mark_set(&mut self, set_id: i64) {
        if let super::AuditEvent::Requested(requested) = self {
            requested.set_id = Some(set_id);
        }
    }
}
