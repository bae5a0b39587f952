//! A sample event of every audit kind for the golden tests, and the small builders they share;
//! a membership's samples are in `golden_samples_membership.rs`.

use chrono::{DateTime, Utc};

use super::golden_samples_membership::membership_samples;
use super::*;
use crate::model::{Actual, AssignmentKey, PrincipalType};

pub(super) fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

pub(super) fn step(state: State, from: Option<State>, detail: Option<&str>) -> RequestStep {
    RequestStep {
        state,
        from,
        detail: detail.map(str::to_owned),
    }
}

pub(super) fn key() -> AssignmentKey {
    AssignmentKey {
        principal_type: PrincipalType::User,
        principal_id: "u-alice".into(),
        account_id: "333333333333".into(),
        permission_set_arn: "arn:aws:sso:::permissionSet/ssoins-1/ps-admin".into(),
    }
}

pub(super) fn on(actual: Actual, state: Option<State>) -> AssignmentStep {
    AssignmentStep::new(&key(), actual, state)
}

pub(super) fn drift(detail: &str, alert: bool, state: Option<State>, recorded: Actual) -> Drift {
    Drift {
        detail: detail.into(),
        drift: true,
        alert,
        state,
        principal_id: "u-alice".into(),
        account_id: "333333333333".into(),
        permission_set_arn: "arn:aws:sso:::permissionSet/ssoins-1/ps-admin".into(),
        recorded,
        in_identity_center: recorded == Actual::Absent,
        grants_needing_it: vec![7],
    }
}

/// At least one event of every kind, as the broker builds them.
pub(super) fn samples() -> Vec<AuditEvent> {
    let mut all = assignment_and_request_samples();
    all.extend(membership_samples());
    all
}

fn assignment_and_request_samples() -> Vec<AuditEvent> {
    use AuditEvent as E;
    let t0 = at("2026-03-02T09:00:00Z");
    let t1 = at("2026-03-02T10:00:00.123456Z");
    let t2 = at("2026-03-02T11:00:00Z");
    vec![
        E::Login(Login {
            session_id: "0d9c1c1e-5a7e-4f7b-9d55-3a3c7a0e5d10".into(),
            user_id: "u-alice".into(),
            groups: vec!["engineers".into(), "oncall".into()],
            expires_at: t2,
            sts_endpoint: "https://sts.eu-west-1.amazonaws.com".into(),
        }),
        E::LoginRefused(LoginRefused {
            code: "unauthorized".into(),
            reason: "the signed request was refused by STS".into(),
            sts_endpoint: Some("https://sts.eu-west-1.amazonaws.com".into()),
            source: "10.0.0.1".into(),
            count: 1,
            repeats_from: None,
            repeats_to: None,
        }),
        E::LoginRefused(LoginRefused {
            code: "rate_limited".into(),
            reason: "too many sign-ins".into(),
            sts_endpoint: None,
            source: "*".into(),
            count: 499,
            repeats_from: Some(t0),
            repeats_to: Some(t1),
        }),
        E::Logout(Logout {
            session_id: "0d9c1c1e-5a7e-4f7b-9d55-3a3c7a0e5d10".into(),
        }),
        E::PolicyReloaded(PolicyReloaded {
            file: "/etc/stint/policy.toml".into(),
            eligibility_rules: 3,
            approval_rules: 2,
            warnings: vec!["rule 2 names no approver group".into()],
        }),
        E::Requested(Requested {
            state: State::Pending,
            account_id: "333333333333".into(),
            account_name: "prod".into(),
            permission_set: "Admin".into(),
            permission_set_arn: "arn:aws:sso:::permissionSet/ssoins-1/ps-admin".into(),
            group_id: None,
            group: None,
            duration_secs: 3600,
            start_at: t0,
            reason: "INC-42: restart the payment workers".into(),
            ticket: Some("INC-42".into()),
            approval_required: true,
            approver_groups: vec!["oncall-leads".into()],
            approval_deadline: Some(t1),
            set_id: None,
        }),
        E::Requested(Requested {
            state: State::Pending,
            account_id: "444444444444".into(),
            account_name: "staging".into(),
            permission_set: "ReadOnly".into(),
            permission_set_arn: "arn:aws:sso:::permissionSet/ssoins-1/ps-ro".into(),
            group_id: None,
            group: None,
            duration_secs: 3600,
            start_at: t0,
            reason: "INC-43: compare the three environments".into(),
            ticket: Some("INC-43".into()),
            approval_required: true,
            approver_groups: vec!["sre-leads".into()],
            approval_deadline: Some(t1),
            set_id: Some(41),
        }),
        E::Requested(Requested {
            state: State::Pending,
            account_id: "333333333333".into(),
            account_name: "prod".into(),
            permission_set: "ReadOnly".into(),
            permission_set_arn: "arn:aws:sso:::permissionSet/ssoins-1/ps-ro".into(),
            group_id: None,
            group: None,
            duration_secs: 900,
            start_at: t0,
            reason: "look at the logs".into(),
            ticket: None,
            approval_required: false,
            approver_groups: vec![],
            approval_deadline: None,
            set_id: None,
        }),
        E::AutoApproved(step(
            State::Approved,
            None,
            Some("the policy lets this access be granted without approval"),
        )),
        E::Approved(Approved {
            step: step(State::Approved, Some(State::Pending), Some("go ahead")),
            start_at: t0,
            end_at: t2,
        }),
        E::Approved(Approved {
            step: step(State::Approved, Some(State::Pending), None),
            start_at: t0,
            end_at: t2,
        }),
        E::Rejected(Rejected {
            step: step(
                State::Rejected,
                Some(State::Pending),
                Some("rejected by bob: not during the freeze"),
            ),
            comment: "not during the freeze".into(),
        }),
        E::Cancelled(Commented {
            step: step(State::Cancelled, Some(State::Pending), Some("cancelled by alice")),
            comment: None,
        }),
        E::Expired(step(
            State::Expired,
            Some(State::Pending),
            Some("nobody decided before the approval deadline"),
        )),
        E::Activating(step(State::Activating, Some(State::Approved), Some("the window opened"))),
        E::Active(step(State::Active, Some(State::Activating), Some("the assignment is in place"))),
        E::Ending(step(State::Ending, Some(State::Active), Some("the window closed"))),
        E::Ended(step(
            State::Ended,
            Some(State::Ending),
            Some("grant ended and the assignment was removed"),
        )),
        E::Revoked(Commented {
            step: step(State::Ending, Some(State::Active), Some("revoked by bob")),
            comment: Some("done early".into()),
        }),
        E::Failed(step(
            State::Failed,
            Some(State::Activating),
            Some("Identity Center could not create the assignment: denied"),
        )),
        E::RevocationFailed(step(
            State::Failed,
            Some(State::Ending),
            Some("Stint could not remove the assignment (denied); reconciliation keeps trying"),
        )),
        E::Repaired(step(
            State::Ended,
            Some(State::Failed),
            Some("the assignment left in place by an earlier failure was removed"),
        )),
        E::Extended(Moved {
            step: step(State::Active, None, Some("the fix takes longer")),
            old_end_at: t1,
            end_at: t2,
        }),
        E::Extended(Moved {
            step: step(State::Pending, None, None),
            old_end_at: t1,
            end_at: t2,
        }),
        E::ExtensionRequested(ExtensionRequested {
            step: step(State::Active, None, Some("the fix takes longer")),
            end_at: t1,
            asked_end_at: t2,
        }),
        E::ExtensionApproved(Moved {
            step: step(State::Active, None, None),
            old_end_at: t1,
            end_at: t2,
        }),
        E::ExtensionRejected(ExtensionRejected {
            step: step(State::Active, None, Some("finish tomorrow")),
            asked_end_at: t2,
        }),
        E::AssignmentAdopted(Adopted::Converged(Explained {
            at: on(Actual::Present, Some(State::Activating)),
            detail: "the assignment Stint had asked for exists".into(),
        })),
        E::AssignmentAdopted(Adopted::Drift(drift(
            "the assignment an earlier attempt asked for exists and a grant needs it",
            false,
            Some(State::Activating),
            Actual::Absent,
        ))),
        E::StandingAssignmentFound(Explained {
            at: on(Actual::Present, Some(State::Activating)),
            detail: "the user already holds this assignment and Stint did not create it: it will never be deleted by Stint".into(),
        }),
        E::AssignmentCreateRequested(CallRequested {
            at: on(Actual::Creating, Some(State::Activating)),
            attempt: 1,
        }),
        E::AssignmentCreateStarted(CallStarted {
            at: on(Actual::Creating, Some(State::Activating)),
            operation_id: "op-create-1".into(),
            attempt: 1,
        }),
        E::AssignmentCreated(Completed {
            at: on(Actual::Present, Some(State::Activating)),
            operation_id: Some("op-create-1".into()),
            took_ms: Some(3012),
        }),
        E::AssignmentCreateAbandoned(Explained {
            at: on(Actual::Absent, None),
            detail: "no grant needs the assignment any more, and it does not exist".into(),
        }),
        E::AssignmentCreateFailed(GaveUp {
            at: on(Actual::Absent, Some(State::Activating)),
            reason: "create_assignment: access denied".into(),
            alert: true,
        }),
        E::AssignmentDeleteRequested(CallRequested {
            at: on(Actual::Deleting, Some(State::Ending)),
            attempt: 1,
        }),
        E::AssignmentDeleteStarted(CallStarted {
            at: on(Actual::Deleting, Some(State::Ending)),
            operation_id: "op-delete-1".into(),
            attempt: 1,
        }),
        E::AssignmentDeleted(Deleted::Completed(Completed {
            at: on(Actual::Absent, Some(State::Ending)),
            operation_id: Some("op-delete-1".into()),
            took_ms: None,
        })),
        E::AssignmentDeleted(Deleted::Late(LateDeletion {
            at: on(Actual::Absent, None),
            operation_id: "op-delete-1".into(),
            late: true,
            detail: "Identity Center completed the deletion Stint had asked for after Stint gave up on it".into(),
        })),
        E::AssignmentAlreadyGone(Completed {
            at: on(Actual::Absent, Some(State::Ending)),
            operation_id: None,
            took_ms: Some(15),
        }),
        E::AssignmentDeleteAbandoned(Explained {
            at: on(Actual::Present, Some(State::Activating)),
            detail: "a grant needs the assignment again before it was deleted".into(),
        }),
        E::AssignmentDeleteFailed(GaveUp {
            at: on(Actual::Present, Some(State::Ending)),
            reason: "the deletion failed: denied".into(),
            alert: true,
        }),
        E::AssignmentOperationOverdue(Overdue {
            at: on(Actual::Deleting, Some(State::Ending)),
            operation_id: Some("op-delete-1".into()),
            detail: "the deletion Stint asked for has not completed by its deadline: access remains until it does".into(),
            alert: true,
        }),
        E::RetryScheduled(RetryScheduled {
            at: on(Actual::Creating, Some(State::Activating)),
            operation: "create_assignment".into(),
            reason: "throttled".into(),
            error: "throttled: slow down".into(),
            attempt: 2,
            retry_at: t1,
        }),
        E::LeakedAssignmentFound(drift(
            "an assignment Stint made is still in place although no grant needs it: deleting it",
            true,
            Some(State::Ended),
            Actual::Present,
        )),
        E::AssignmentRemovedOutside(drift(
            "the assignment was deleted outside Stint",
            false,
            None,
            Actual::Present,
        )),
        E::AssignmentAddedOutside(drift(
            "the user was given this assignment outside Stint: it is standing access and Stint will not delete it",
            false,
            None,
            Actual::Absent,
        )),
        E::ActivityAfterWindow(ActivityAfterWindow {
            alert: true,
            state: State::Ended,
            detail: "1 call with this grant's credentials after it ended at 2026-03-02T10:00:00.123456+00:00, the first s3 ListBuckets at 2026-03-02T11:00:00+00:00".into(),
            count: 1,
            window_end: t1,
            account_id: "333333333333".into(),
            permission_set: "Admin".into(),
            user_name: "alice".into(),
            last_event_time: t2,
            last_event_id: "0f9e-ab".into(),
            events: vec![CallAfterWindow {
                event_time: t2,
                event_source: "s3.amazonaws.com".into(),
                event_name: "ListBuckets".into(),
                aws_region: "eu-west-1".into(),
                source_ip_address: Some("198.51.100.7".into()),
                event_id: "0f9e-ab".into(),
            }],
        }),
        E::LeakCleared(drift(
            "the assignment Stint could not account for is gone",
            false,
            Some(State::Ended),
            Actual::Absent,
        )),
    ]
}
