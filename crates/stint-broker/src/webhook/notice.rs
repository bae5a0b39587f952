//! What is sent: which audit events become webhook deliveries, and the JSON body of one.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use stint_api::{AccessRequest, RequestState};

use crate::audit::AuditRecord;
use crate::workflow::state_to_api;
use crate::workflow::types::{Request, State};

/// Audit event kinds about requests that are delivered. Steps in between (`activating`,
/// `ending`, Identity Center calls and retries) are not: they are the broker's business.
pub const REQUEST_KINDS: [&str; 18] = [
    "requested",
    "auto_approved",
    "approved",
    "rejected",
    "cancelled",
    "expired",
    "active",
    "ended",
    "revoked",
    "failed",
    "revocation_failed",
    "assignment_operation_overdue",
    "repaired",
    "extended",
    "extension_requested",
    "extension_approved",
    "extension_rejected",
    // Use of the grant's credentials after its window, seen in the organization trail.
    "activity_after_window",
];

/// The JSON body of one delivery. Field names are camelCase, like the rest of the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notice {
    /// The audit event's sequence number: unique and increasing. Deliveries are at least
    /// once, so receivers deduplicate on it (it is also the `X-Stint-Event-Seq` header).
    pub seq: i64,
    /// What happened: the audit event kind, such as `approved` or `ended`.
    pub kind: String,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Who did it: a user name, or `stint` for the broker itself.
    pub actor: String,
    /// The request's state right after the event, when the event concerns a request.
    pub state: Option<RequestState>,
    /// The event's explanation in a sentence, when it has one.
    pub detail: Option<String>,
    /// Reconciliation found Identity Center differing from what Stint expected.
    pub drift: bool,
    /// Someone should look: access may be in place that should not be.
    pub alert: bool,
    /// For drift: the assignment concerned.
    pub assignment: Option<AssignmentRef>,
    /// The request as it is when the notice is sent (its state may have moved on since
    /// the event; `state` is the state the event left it in).
    pub request: Option<AccessRequest>,
    /// The broker that sent it (its public URL).
    pub broker: String,
}

/// One Identity Center assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssignmentRef {
    pub principal_id: String,
    pub account_id: String,
    pub permission_set_arn: String,
}

fn data_of(record: &AuditRecord) -> Value {
    serde_json::from_str(&record.data).unwrap_or(Value::Null)
}

/// Whether an audit event is delivered: a request event of interest, or drift.
pub fn is_delivered(record: &AuditRecord) -> bool {
    REQUEST_KINDS.contains(&record.kind.as_str())
        || data_of(record).get("drift").and_then(Value::as_bool) == Some(true)
}

impl Notice {
    /// The notice for an audit event, with the request it concerns as it is now.
    pub fn new(record: &AuditRecord, request: Option<&Request>, broker: &str) -> Notice {
        let data = data_of(record);
        let text = |key: &str| data.get(key).and_then(Value::as_str).map(str::to_owned);
        let flag = |key: &str| data.get(key).and_then(Value::as_bool).unwrap_or(false);
        let drift = flag("drift");
        let assignment = match (
            text("principal_id"),
            text("account_id"),
            text("permission_set_arn"),
        ) {
            (Some(principal_id), Some(account_id), Some(permission_set_arn)) if drift => {
                Some(AssignmentRef {
                    principal_id,
                    account_id,
                    permission_set_arn,
                })
            }
            _ => None,
        };
        Notice {
            seq: record.seq,
            kind: record.kind.clone(),
            at: record.at,
            actor: record.actor.clone(),
            state: text("state")
                .as_deref()
                .and_then(State::parse)
                .map(state_to_api),
            detail: text("detail"),
            drift,
            alert: flag("alert"),
            assignment,
            request: request.map(Request::to_api),
            broker: broker.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(kind: &str, data: Value) -> AuditRecord {
        AuditRecord {
            seq: 7,
            at: DateTime::parse_from_rfc3339("2026-03-02T09:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
            actor: "stint".into(),
            kind: kind.into(),
            request_id: None,
            data: data.to_string(),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    #[test]
    fn request_outcomes_and_drift_are_delivered_internal_steps_are_not() {
        for kind in [
            "requested",
            "approved",
            "active",
            "ended",
            "revoked",
            "failed",
        ] {
            assert!(is_delivered(&record(kind, serde_json::json!({}))), "{kind}");
        }
        for kind in [
            "activating",
            "ending",
            "retry_scheduled",
            "create_assignment",
        ] {
            assert!(
                !is_delivered(&record(kind, serde_json::json!({}))),
                "{kind}"
            );
        }
        let drift = record(
            "assignment_removed_outside",
            serde_json::json!({"drift": true}),
        );
        assert!(is_delivered(&drift));
    }

    #[test]
    fn use_after_the_window_is_delivered_as_an_alert() {
        let r = record(
            "activity_after_window",
            serde_json::json!({"alert": true, "state": "ended", "detail": "1 call after it ended"}),
        );
        assert!(is_delivered(&r));
        let n = Notice::new(&r, None, "https://stint.example");
        assert!(n.alert && !n.drift);
        assert_eq!(n.state, Some(RequestState::Ended));
        assert_eq!(n.detail.as_deref(), Some("1 call after it ended"));
    }

    #[test]
    fn drift_names_its_assignment() {
        let r = record(
            "leaked_assignment_found",
            serde_json::json!({
                "drift": true, "alert": true, "detail": "deleting it",
                "principal_id": "u-1", "account_id": "333333333333", "permission_set_arn": "arn:ps",
            }),
        );
        let n = Notice::new(&r, None, "https://stint.example");
        assert!(n.drift && n.alert);
        assert_eq!(n.assignment.unwrap().account_id, "333333333333");
        assert_eq!(n.detail.as_deref(), Some("deleting it"));
        assert_eq!(n.state, None);
        assert_eq!(n.seq, 7);
        assert_eq!(n.broker, "https://stint.example");
    }
}
