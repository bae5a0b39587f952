//! What is sent: which audit events become webhook deliveries, and the JSON body of one.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use stint_api::{AccessRequest, RequestState};

use crate::audit::AuditRecord;
use crate::model::wire::state_to_api;
use crate::model::{AuditEvent, Request};

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
    /// For drift of a group membership: the membership concerned (absent otherwise, so
    /// bodies about assignments are as they were before group grants).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub membership: Option<MembershipRef>,
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

/// One person's membership of one Identity Center group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MembershipRef {
    pub group_id: String,
    pub user_id: String,
}

/// The typed event a record holds. A record that does not decode (written by a broker
/// that knew other kinds) is not delivered: its shape is unknown to receivers too.
fn event_of(record: &AuditRecord) -> Option<AuditEvent> {
    match AuditEvent::decode(&record.kind, &record.data) {
        Ok(event) => Some(event),
        Err(e) => {
            tracing::warn!(seq = record.seq, error = %e, "audit event not understood; not delivered");
            None
        }
    }
}

/// Whether an audit event is delivered: a request event of interest, or drift.
pub fn is_delivered(record: &AuditRecord) -> bool {
    event_of(record).is_some_and(|e| e.delivered())
}

impl Notice {
    /// The notice for an audit event, with the request it concerns as it is now.
    pub fn new(record: &AuditRecord, request: Option<&Request>, broker: &str) -> Notice {
        let event = event_of(record);
        let event = event.as_ref();
        let drift = event.and_then(AuditEvent::drift);
        let membership_drift = event.and_then(AuditEvent::membership_drift);
        Notice {
            seq: record.seq,
            kind: record.kind.clone(),
            at: record.at,
            actor: record.actor.clone(),
            state: event.and_then(AuditEvent::state).map(state_to_api),
            detail: event.and_then(AuditEvent::detail).map(str::to_owned),
            drift: drift.is_some() || membership_drift.is_some(),
            alert: event.is_some_and(AuditEvent::alert),
            assignment: drift.map(|d| AssignmentRef {
                principal_id: d.principal_id.clone(),
                account_id: d.account_id.clone(),
                permission_set_arn: d.permission_set_arn.clone(),
            }),
            membership: membership_drift.map(|d| MembershipRef {
                group_id: d.group_id.clone(),
                user_id: d.user_id.clone(),
            }),
            request: request.map(Request::to_api),
            broker: broker.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AuditKind;
    use crate::model::audit::golden_tests::fixture_lines;

    fn record(kind: &str, data: &str) -> AuditRecord {
        AuditRecord {
            seq: 7,
            at: DateTime::parse_from_rfc3339("2026-03-02T09:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
            actor: "stint".into(),
            kind: kind.into(),
            request_id: None,
            data: data.into(),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    /// A record of the kind as the broker stores it (its committed fixture).
    fn stored(kind: AuditKind) -> AuditRecord {
        let line = fixture_lines(kind).into_iter().next().unwrap();
        record(kind.as_str(), &line)
    }

    #[test]
    fn request_outcomes_and_drift_are_delivered_internal_steps_are_not() {
        for kind in [
            AuditKind::Requested,
            AuditKind::Approved,
            AuditKind::Active,
            AuditKind::Ended,
            AuditKind::Revoked,
            AuditKind::Failed,
            AuditKind::AssignmentOperationOverdue,
        ] {
            assert!(is_delivered(&stored(kind)), "{kind}");
        }
        for kind in [
            AuditKind::Activating,
            AuditKind::Ending,
            AuditKind::RetryScheduled,
            AuditKind::AssignmentCreateStarted,
            AuditKind::Login,
        ] {
            assert!(!is_delivered(&stored(kind)), "{kind}");
        }
        assert!(is_delivered(&stored(AuditKind::AssignmentRemovedOutside)));
    }

    #[test]
    fn a_record_that_does_not_decode_is_not_delivered() {
        assert!(!is_delivered(&record("requested", "{}")));
        assert!(!is_delivered(&record("no_such_kind", r#"{"drift":true}"#)));
    }

    #[test]
    fn drift_names_its_assignment() {
        let r = stored(AuditKind::LeakedAssignmentFound);
        let n = Notice::new(&r, None, "https://stint.example");
        assert!(n.drift && n.alert);
        assert_eq!(n.assignment.unwrap().account_id, "333333333333");
        assert!(n.detail.unwrap().contains("deleting it"));
        assert_eq!(n.state, Some(RequestState::Ended));
        assert_eq!(n.kind, "leaked_assignment_found");
        assert_eq!(n.seq, 7);
        assert_eq!(n.broker, "https://stint.example");
    }

    #[test]
    fn membership_drift_names_its_membership_and_no_assignment() {
        let r = stored(AuditKind::LeakedMembershipFound);
        let n = Notice::new(&r, None, "https://stint.example");
        assert!(n.drift && n.alert && n.assignment.is_none());
        let m = n.membership.clone().unwrap();
        assert_eq!(
            (m.group_id.as_str(), m.user_id.as_str()),
            ("g-oncall-admins", "u-alice")
        );
        assert!(n.detail.unwrap().contains("removing it"));
        assert!(is_delivered(&stored(AuditKind::MembershipRemovedOutside)));
        assert!(!is_delivered(&stored(AuditKind::MembershipCreated)));
        assert!(!is_delivered(&stored(AuditKind::MembershipRetryScheduled)));
        // A body about an assignment has no membership key at all, as before.
        let body = serde_json::to_value(Notice::new(
            &stored(AuditKind::LeakedAssignmentFound),
            None,
            "https://stint.example",
        ))
        .unwrap();
        assert!(body.get("membership").is_none(), "{body}");
    }

    #[test]
    fn a_request_event_carries_its_state_and_detail_and_no_assignment() {
        let n = Notice::new(&stored(AuditKind::Rejected), None, "https://stint.example");
        assert_eq!(n.state, Some(RequestState::Rejected));
        assert_eq!(
            n.detail.as_deref(),
            Some("rejected by bob: not during the freeze")
        );
        assert!(!n.drift && !n.alert && n.assignment.is_none());
    }
}
