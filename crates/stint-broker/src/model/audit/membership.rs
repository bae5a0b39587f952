//! The payloads of events about an Identity Center group membership Stint grants: the
//! tuple worker's steps and what reconciliation finds. They mirror the assignment events,
//! without an operation to follow (a membership changes at once).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{Actual, MembershipKey, State};

/// Which membership a tuple worker's event is about, and where things stand after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipStep {
    pub group_id: String,
    pub user_id: String,
    /// What Identity Store holds after the event, as far as Stint knows.
    pub membership: Actual,
    /// The state of the request the event is told in the history of, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<State>,
}

impl MembershipStep {
    pub fn new(key: &MembershipKey, membership: Actual, state: Option<State>) -> Self {
        MembershipStep {
            group_id: key.group_id.clone(),
            user_id: key.user_id.clone(),
            membership,
            state,
        }
    }
}

/// A step explained in a sentence (adopted, standing found, abandoned).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipExplained {
    #[serde(flatten)]
    pub at: MembershipStep,
    pub detail: String,
}

/// An add or remove call is about to be made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipCall {
    #[serde(flatten)]
    pub at: MembershipStep,
    pub attempt: u32,
}

/// The membership was added or removed, or there was nothing left to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipChanged {
    #[serde(flatten)]
    pub at: MembershipStep,
    /// Identity Store's id of the membership added (a membership made again gets a new one).
    pub membership_id: Option<String>,
    /// From the first attempt; unknown for one resumed from an old record.
    pub took_ms: Option<i64>,
}

/// A call failed and is retried after a backoff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipRetry {
    #[serde(flatten)]
    pub at: MembershipStep,
    pub operation: String,
    pub reason: String,
    pub error: String,
    pub attempt: u32,
    pub retry_at: DateTime<Utc>,
}

/// The change in flight was given up (alerted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipGaveUp {
    #[serde(flatten)]
    pub at: MembershipStep,
    pub reason: String,
    pub alert: bool,
}

/// Reconciliation found Identity Store differing from what Stint recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipDrift {
    pub detail: String,
    /// Always true: what tells a drift apart.
    pub drift: bool,
    pub alert: bool,
    /// The state of the first request on the membership, if any.
    pub state: Option<State>,
    pub group_id: String,
    pub user_id: String,
    /// What Stint had recorded.
    pub recorded: Actual,
    pub in_identity_center: bool,
    /// The requests that need the membership.
    pub grants_needing_it: Vec<i64>,
}

/// `membership_adopted`: by the tuple worker, or by reconciliation as a drift.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MembershipAdopted {
    Drift(MembershipDrift),
    Converged(MembershipExplained),
}
