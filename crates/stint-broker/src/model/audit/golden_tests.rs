//! Golden tests: every kind's stored bytes are committed in `tests/fixtures/audit/<kind>.jsonl`
//! (one stored `data` per line), and the code must write exactly those bytes and read them
//! back. A kind without a fixture, or a payload whose shape changed, fails here: a change
//! to stored bytes would break every webhook receiver and history reader that knows them.
//!
//! To add a kind's fixture: add its sample below and run the test with
//! `STINT_BLESS_AUDIT=1`; review the written line before committing it.

use std::collections::BTreeSet;
use std::path::PathBuf;

use chrono::{DateTime, Utc};

use super::*;
use crate::model::{Actual, AssignmentKey, MembershipKey, PrincipalType};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn step(state: State, from: Option<State>, detail: Option<&str>) -> RequestStep {
    RequestStep {
        state,
        from,
        detail: detail.map(str::to_owned),
    }
}

fn key() -> AssignmentKey {
    AssignmentKey {
        principal_type: PrincipalType::User,
        principal_id: "u-alice".into(),
        account_id: "333333333333".into(),
        permission_set_arn: "arn:aws:sso:::permissionSet/ssoins-1/ps-admin".into(),
    }
}

fn on(actual: Actual, state: Option<State>) -> AssignmentStep {
    AssignmentStep::new(&key(), actual, state)
}

fn drift(detail: &str, alert: bool, state: Option<State>, recorded: Actual) -> Drift {
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

fn member(actual: Actual, state: Option<State>) -> MembershipStep {
    MembershipStep::new(
        &MembershipKey {
            group_id: "g-oncall-admins".into(),
            user_id: "u-alice".into(),
        },
        actual,
        state,
    )
}

fn membership_drift(
    detail: &str,
    alert: bool,
    state: Option<State>,
    recorded: Actual,
) -> MembershipDrift {
    MembershipDrift {
        detail: detail.into(),
        drift: true,
        alert,
        state,
        group_id: "g-oncall-admins".into(),
        user_id: "u-alice".into(),
        recorded,
        in_identity_center: recorded == Actual::Absent,
        grants_needing_it: vec![7],
    }
}

/// One event of every group-membership kind, as the broker builds them.
fn membership_samples() -> Vec<AuditEvent> {
    use AuditEvent as E;
    let t1 = at("2026-03-02T10:00:00.123456Z");
    vec![
        E::Requested(Requested {
            state: State::Pending,
            account_id: String::new(),
            account_name: String::new(),
            permission_set: String::new(),
            permission_set_arn: String::new(),
            group_id: Some("g-oncall-admins".into()),
            group: Some("oncall-admins".into()),
            duration_secs: 3600,
            start_at: t1,
            reason: "INC-77: page from the payments on-call".into(),
            ticket: None,
            approval_required: true,
            approver_groups: vec!["sre-leads".into()],
            approval_deadline: None,
            set_id: None,
        }),
        E::MembershipAdopted(MembershipAdopted::Converged(MembershipExplained {
            at: member(Actual::Present, Some(State::Activating)),
            detail: "the membership Stint had asked for exists".into(),
        })),
        E::MembershipAdopted(MembershipAdopted::Drift(membership_drift(
            "the membership an earlier attempt asked for exists and a grant needs it",
            false,
            Some(State::Activating),
            Actual::Absent,
        ))),
        E::StandingMembershipFound(MembershipExplained {
            at: member(Actual::Present, Some(State::Activating)),
            detail: "the user is already in this group and Stint did not add them: Stint will never remove them".into(),
        }),
        E::MembershipCreateRequested(MembershipCall {
            at: member(Actual::Creating, Some(State::Activating)),
            attempt: 1,
        }),
        E::MembershipCreated(MembershipChanged {
            at: member(Actual::Present, Some(State::Activating)),
            membership_id: Some("m-1".into()),
            took_ms: Some(42),
        }),
        E::MembershipCreateAbandoned(MembershipExplained {
            at: member(Actual::Absent, None),
            detail: "no grant needs the membership any more, and it does not exist".into(),
        }),
        E::MembershipCreateFailed(MembershipGaveUp {
            at: member(Actual::Absent, Some(State::Activating)),
            reason: "add_membership: access denied".into(),
            alert: true,
        }),
        E::MembershipDeleteRequested(MembershipCall {
            at: member(Actual::Deleting, Some(State::Ending)),
            attempt: 1,
        }),
        E::MembershipDeleted(MembershipChanged {
            at: member(Actual::Absent, Some(State::Ending)),
            membership_id: None,
            took_ms: Some(30),
        }),
        E::MembershipAlreadyGone(MembershipChanged {
            at: member(Actual::Absent, Some(State::Ending)),
            membership_id: None,
            took_ms: None,
        }),
        E::MembershipDeleteAbandoned(MembershipExplained {
            at: member(Actual::Present, Some(State::Activating)),
            detail: "a grant needs the membership again before it was removed".into(),
        }),
        E::MembershipDeleteFailed(MembershipGaveUp {
            at: member(Actual::Present, Some(State::Ending)),
            reason: "remove_membership kept failing until the deadline: throttled".into(),
            alert: true,
        }),
        E::MembershipRetryScheduled(MembershipRetry {
            at: member(Actual::Creating, Some(State::Activating)),
            operation: "add_membership".into(),
            reason: "throttled".into(),
            error: "throttled: slow down".into(),
            attempt: 2,
            retry_at: t1,
        }),
        E::LeakedMembershipFound(membership_drift(
            "a membership Stint made is still in place although no grant needs it: removing it",
            true,
            Some(State::Ended),
            Actual::Present,
        )),
        E::MembershipRemovedOutside(membership_drift(
            "the membership was removed outside Stint (an external IdP's sync, or a person) while a grant needs it: adding it again",
            false,
            Some(State::Active),
            Actual::Present,
        )),
        E::MembershipAddedOutside(membership_drift(
            "the user was added to this group outside Stint: it is standing membership and Stint will not remove it",
            false,
            None,
            Actual::Absent,
        )),
        E::MembershipLeakCleared(membership_drift(
            "the membership Stint could not account for is gone",
            false,
            Some(State::Ended),
            Actual::Absent,
        )),
    ]
}

/// At least one event of every kind, as the broker builds them.
fn samples() -> Vec<AuditEvent> {
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

fn fixture_path(kind: AuditKind) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/audit")
        .join(format!("{}.jsonl", kind.as_str()))
}

/// The committed stored `data` lines of a kind.
pub(crate) fn fixture_lines(kind: AuditKind) -> Vec<String> {
    std::fs::read_to_string(fixture_path(kind))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_kind_has_a_fixture_that_reads_back_to_the_same_bytes() {
    let mut missing = Vec::new();
    for kind in AuditKind::ALL.iter().copied() {
        let lines = fixture_lines(kind);
        if lines.is_empty() {
            missing.push(kind.as_str());
            continue;
        }
        for line in lines {
            let event = AuditEvent::decode(kind.as_str(), &line)
                .unwrap_or_else(|e| panic!("{kind} fixture does not decode: {e}\n{line}"));
            assert_eq!(event.kind(), kind, "{line}");
            assert_eq!(
                event.encode().unwrap(),
                line,
                "{kind} re-encoded differently"
            );
        }
    }
    assert!(
        missing.is_empty(),
        "kinds without a fixture in tests/fixtures/audit: {missing:?}"
    );
}

#[test]
fn every_kind_has_a_sample_and_each_sample_writes_a_committed_fixture() {
    let bless = std::env::var_os("STINT_BLESS_AUDIT").is_some();
    let mut kinds = BTreeSet::new();
    for event in samples() {
        let kind = event.kind();
        kinds.insert(kind.as_str());
        let line = event.encode().unwrap();
        let lines = fixture_lines(kind);
        if bless && !lines.contains(&line) {
            let mut text = lines.join("\n");
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(&line);
            text.push('\n');
            std::fs::create_dir_all(fixture_path(kind).parent().unwrap()).unwrap();
            std::fs::write(fixture_path(kind), text).unwrap();
            continue;
        }
        assert!(
            lines.contains(&line),
            "{kind}: the broker now writes\n{line}\nwhich no committed fixture holds"
        );
        assert_eq!(AuditEvent::decode(kind.as_str(), &line).unwrap(), event);
    }
    let all: BTreeSet<&str> = AuditKind::ALL.iter().map(|k| k.as_str()).collect();
    let unsampled: Vec<_> = all.difference(&kinds).collect();
    assert!(
        unsampled.is_empty(),
        "kinds without a sample: {unsampled:?}"
    );
}

#[test]
fn kinds_are_unique_and_parse_back() {
    let names: BTreeSet<&str> = AuditKind::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(names.len(), AuditKind::ALL.len());
    for kind in AuditKind::ALL.iter().copied() {
        assert_eq!(AuditKind::parse(kind.as_str()), Some(kind));
    }
    assert_eq!(AuditKind::parse("no_such_kind"), None);
}

#[test]
fn a_payload_of_the_wrong_shape_is_refused_with_its_kind() {
    let err = AuditEvent::decode("requested", r#"{"state":"pending"}"#).unwrap_err();
    assert_eq!(err.kind, "requested");
    assert!(AuditEvent::decode("no_such_kind", "{}").is_err());
    assert!(AuditEvent::decode("logout", "not json").is_err());
}

#[test]
fn the_two_shapes_of_one_kind_read_back_as_themselves() {
    let late = AuditEvent::decode(
        "assignment_deleted",
        &fixture_lines(AuditKind::AssignmentDeleted)
            .into_iter()
            .find(|l| l.contains("\"late\""))
            .expect("a late deletion fixture"),
    )
    .unwrap();
    assert!(matches!(
        late,
        AuditEvent::AssignmentDeleted(Deleted::Late(_))
    ));
    let drift = fixture_lines(AuditKind::AssignmentAdopted)
        .into_iter()
        .map(|l| AuditEvent::decode("assignment_adopted", &l).unwrap())
        .filter(|e| e.drift().is_some())
        .count();
    assert_eq!(drift, 1, "one adoption fixture is reconciliation's drift");
}

#[test]
fn questions_readers_ask_are_answered_from_the_payload() {
    let events = samples();
    let find = |kind: AuditKind| events.iter().find(|e| e.kind() == kind).unwrap();
    let leak = find(AuditKind::LeakedAssignmentFound);
    assert!(leak.alert() && leak.delivered());
    assert_eq!(leak.state(), Some(State::Ended));
    let overdue = find(AuditKind::AssignmentOperationOverdue);
    assert!(overdue.alert() && overdue.drift().is_none() && overdue.delivered());
    let created = find(AuditKind::AssignmentCreated);
    assert!(!created.delivered() && !created.alert());
    assert_eq!(created.state(), Some(State::Activating));
    let rejected = find(AuditKind::Rejected);
    assert_eq!(
        rejected.detail(),
        Some("rejected by bob: not during the freeze")
    );
    assert!(rejected.kind().changes_approval());
    assert_eq!(find(AuditKind::Login).state(), None);
    assert!(!find(AuditKind::Login).delivered());
    // Group memberships are asked the same questions.
    let leak = find(AuditKind::LeakedMembershipFound);
    assert!(leak.alert() && leak.delivered() && leak.drift().is_none());
    assert!(leak.membership_drift().is_some());
    let removed = find(AuditKind::MembershipRemovedOutside);
    assert!(removed.delivered() && !removed.alert());
    assert_eq!(removed.state(), Some(State::Active));
    let added = find(AuditKind::MembershipCreated);
    assert!(!added.delivered() && !added.alert());
    assert_eq!(added.state(), Some(State::Activating));
    let failed = find(AuditKind::MembershipDeleteFailed);
    assert!(failed.alert() && !failed.delivered());
}
