//! Moving a tuple's requests along as its assignment appears or goes, or cannot: a pure
//! function of the tuple's new state, committed by the tuple worker with that state.

use chrono::{DateTime, Utc};

use super::machine::transition;
use crate::model::audit::RequestStep;
use crate::model::{
    Actual, AuditEvent, BROKER_ACTOR, NewEvent, Origin, Request, State, Target, Tuple,
};

/// Why requests on a tuple cannot have what they want.
#[derive(Debug, Clone)]
pub(super) enum Failure {
    /// The assignment could not be created: activating and active requests fail.
    Create(String),
    /// The assignment could not be deleted: ending requests fail (access may remain).
    Delete(String),
}

/// Moves the tuple's requests along given the tuple's new state. Returns the requests that
/// changed and their events.
pub(super) fn settle(
    t: &Tuple,
    requests: &mut [Request],
    failure: Option<&Failure>,
    now: DateTime<Utc>,
) -> (Vec<Request>, Vec<NewEvent>) {
    let mut changed = Vec::new();
    let mut events = Vec::new();
    // The words for what the grant is given through, in the requests' history.
    let (thing, standing) = match t.key {
        Target::AccountAssignment(_) => (
            "assignment",
            "the user already holds this assignment (standing access)",
        ),
        Target::GroupMembership(_) => (
            "group membership",
            "the user is already in this group (standing membership)",
        ),
    };
    let mut push =
        |r: &mut Request, to: State, kind: fn(RequestStep) -> AuditEvent, detail: &str| {
            match transition(r, to, now, BROKER_ACTOR, Some(detail), kind) {
                Ok(e) => {
                    events.push(e);
                    changed.push(r.clone());
                }
                Err(e) => tracing::error!(error = %e, "workflow bug"),
            }
        };
    if let Some(Failure::Create(reason)) = failure {
        for r in requests.iter_mut() {
            if r.state.needs_assignment() {
                let detail = format!("Identity Center could not create the {thing}: {reason}");
                push(r, State::Failed, AuditEvent::Failed, &detail);
            }
        }
    }
    let needs: Vec<i64> = requests
        .iter()
        .filter(|r| r.state.needs_assignment())
        .map(|r| r.id)
        .collect();
    for r in requests.iter_mut() {
        match r.state {
            State::Activating if t.actual == Actual::Present => {
                // The window runs from when access actually exists, for its full length.
                r.start_at = now;
                r.end_at = now + chrono::Duration::seconds(i64::from(r.duration_secs));
                let detail = match t.origin {
                    Some(Origin::Standing) => standing.to_string(),
                    _ => format!("the {thing} is in place"),
                };
                push(r, State::Active, AuditEvent::Active, &detail);
            }
            State::Ending => {
                if let Some(other) = needs.iter().find(|id| **id != r.id) {
                    let detail = format!(
                        "grant ended; the {thing} stays because request {other} still needs it"
                    );
                    push(r, State::Ended, AuditEvent::Ended, &detail);
                } else if t.actual == Actual::Absent {
                    let detail = format!("grant ended and the {thing} was removed");
                    push(r, State::Ended, AuditEvent::Ended, &detail);
                } else if t.actual == Actual::Present && t.origin == Some(Origin::Standing) {
                    let detail = format!("grant ended; the user's standing {thing} was kept");
                    push(r, State::Ended, AuditEvent::Ended, &detail);
                } else if let Some(Failure::Delete(reason)) = failure {
                    let detail = format!(
                        "Stint could not remove the {thing} ({reason}); reconciliation keeps trying"
                    );
                    push(r, State::Failed, AuditEvent::RevocationFailed, &detail);
                }
            }
            State::Failed if r.failed_from == Some(State::Ending) => {
                if t.actual == Actual::Absent && t.step.is_none() {
                    let detail =
                        format!("the {thing} left in place by an earlier failure was removed");
                    push(r, State::Ended, AuditEvent::Repaired, &detail);
                } else if !needs.is_empty() && t.actual == Actual::Present {
                    let detail = format!("the {thing} left in place is now held by another grant");
                    push(r, State::Ended, AuditEvent::Repaired, &detail);
                }
            }
            _ => {}
        }
    }
    (changed, events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AccountInfo, PermissionSetInfo, Person};
    use crate::model::{AssignmentKey, PrincipalType, Target};

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn key() -> AssignmentKey {
        AssignmentKey {
            principal_type: PrincipalType::User,
            principal_id: "u-alice".into(),
            account_id: "333333333333".into(),
            permission_set_arn: "arn:ps".into(),
        }
    }

    fn request(id: i64, state: State) -> Request {
        Request {
            id,
            requester: Person {
                user_id: "u-alice".into(),
                user_name: "alice".into(),
                display_name: "Alice".into(),
            },
            account: AccountInfo {
                id: "333333333333".into(),
                name: "prod".into(),
            },
            permission_set: PermissionSetInfo {
                arn: "arn:ps".into(),
                name: "PowerUserAccess".into(),
                description: None,
                session_duration_secs: 3600,
            },
            group: None,
            set_id: None,
            state,
            failed_from: None,
            reason: "debug".into(),
            ticket: None,
            duration_secs: 3600,
            start_at: now(),
            end_at: now(),
            pending_end_at: None,
            approval_required: false,
            approver_groups: vec![],
            approval_deadline: None,
            decided_by: None,
            decision_comment: None,
            outcome: None,
            created_at: now(),
            updated_at: now(),
            next_due_at: None,
            version: 1,
        }
    }

    fn tuple(actual: Actual, origin: Option<Origin>) -> Tuple {
        let mut t = Tuple::absent(Target::AccountAssignment(key()), now());
        t.actual = actual;
        t.origin = origin;
        t
    }

    #[test]
    fn ending_a_shared_assignment_keeps_it_for_the_other_grant() {
        let t = tuple(Actual::Present, Some(Origin::Stint));
        let mut reqs = vec![request(1, State::Ending), request(2, State::Active)];
        let (changed, events) = settle(&t, &mut reqs, None, now());
        assert_eq!(changed.len(), 1);
        assert_eq!(changed[0].id, 1);
        assert_eq!(changed[0].state, State::Ended);
        assert!(
            events[0]
                .event
                .detail()
                .is_some_and(|d| d.contains("request 2"))
        );
    }

    #[test]
    fn ending_waits_while_stints_own_assignment_is_present() {
        let t = tuple(Actual::Present, Some(Origin::Stint));
        let mut reqs = vec![request(1, State::Ending)];
        let (changed, _) = settle(&t, &mut reqs, None, now());
        assert!(changed.is_empty());
    }

    #[test]
    fn standing_access_ends_the_grant_without_removal() {
        let t = tuple(Actual::Present, Some(Origin::Standing));
        let mut reqs = vec![request(1, State::Ending), request(2, State::Activating)];
        let (changed, _) = settle(&t, &mut reqs, None, now());
        let states: Vec<_> = changed.iter().map(|r| (r.id, r.state)).collect();
        assert!(states.contains(&(2, State::Active)));
        assert!(states.contains(&(1, State::Ended)));
    }

    #[test]
    fn a_failed_deletion_fails_the_ending_grant_and_a_later_removal_repairs_it() {
        let t = tuple(Actual::Present, Some(Origin::Stint));
        let mut reqs = vec![request(1, State::Ending)];
        let (changed, _) = settle(&t, &mut reqs, Some(&Failure::Delete("boom".into())), now());
        assert_eq!(changed[0].state, State::Failed);
        assert_eq!(changed[0].failed_from, Some(State::Ending));

        let gone = tuple(Actual::Absent, None);
        let mut reqs = changed;
        let (changed, events) = settle(&gone, &mut reqs, None, now());
        assert_eq!(changed[0].state, State::Ended);
        assert_eq!(events[0].event.kind(), crate::model::AuditKind::Repaired);
    }

    #[test]
    fn a_failed_creation_fails_every_grant_that_needed_it() {
        let t = tuple(Actual::Absent, None);
        let mut reqs = vec![request(1, State::Activating), request(2, State::Active)];
        let (changed, _) = settle(&t, &mut reqs, Some(&Failure::Create("nope".into())), now());
        assert!(changed.iter().all(|r| r.state == State::Failed));
        assert_eq!(changed.len(), 2);
    }
}
