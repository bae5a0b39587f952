//! An account assignment's steps, and what every kind shares (absent, present, retries).

use super::*;

// Absent.

#[test]
fn a_needed_absent_target_begins_its_addition_with_a_look() {
    let out = commits(&assignment(), true, false, Seen::Nothing);
    assert_eq!(
        (out.next.actual, out.next.step),
        (Actual::Creating, Some(Step::Check))
    );
    assert_eq!(
        out.next.deadline,
        Some(now() + chrono::Duration::seconds(600))
    );
    assert_eq!(out.next.op_started_at, Some(now()));
    assert_eq!((out.flow, out.fresh), (Flow::Continue, false));
    assert!(out.events.is_empty());
}

#[test]
fn an_absent_target_nobody_needs_rests_unclaimed() {
    let mut t = assignment();
    t.claimed_by = Some("node-a".into());
    let out = commits(&t, false, false, Seen::Nothing);
    assert_eq!(out.next.actual, Actual::Absent);
    assert_eq!((out.next.claimed_by, out.next.next_check_at), (None, None));
    assert_eq!(out.flow, Flow::Done);
}

// An assignment's creation.

#[test]
fn a_creation_looks_before_it_asks() {
    let t = at_step(assignment(), Actual::Creating, Some(Step::Check));
    assert_eq!(asks(&t, true, false, Seen::Nothing), Ask::Look);
}

#[test]
fn an_assignment_found_at_the_look_is_standing_and_never_stints() {
    let t = at_step(assignment(), Actual::Creating, Some(Step::Check));
    let out = commits(&t, true, false, Seen::Looked(Ok(true)));
    assert_eq!(out.next.actual, Actual::Present);
    assert_eq!(out.next.origin, Some(Origin::Standing));
    assert_eq!(kinds(&out), [AuditKind::StandingAssignmentFound]);
}

#[test]
fn an_assignment_found_after_a_doubtful_creation_is_adopted_as_stints() {
    let mut t = at_step(assignment(), Actual::Creating, Some(Step::Check));
    t.leaked = true;
    let out = commits(&t, true, false, Seen::Looked(Ok(true)));
    assert_eq!(out.next.origin, Some(Origin::Stint));
    assert!(!out.next.leaked);
    assert_eq!(kinds(&out), [AuditKind::AssignmentAdopted]);
}

#[test]
fn an_assignment_not_found_commits_the_call_before_making_it() {
    let t = at_step(assignment(), Actual::Creating, Some(Step::Check));
    let out = commits(&t, true, false, Seen::Looked(Ok(false)));
    assert_eq!(out.next.step, Some(Step::Call));
    assert!(out.fresh, "the call step was committed in this run");
    assert_eq!(kinds(&out), [AuditKind::AssignmentCreateRequested]);
    assert_eq!(out.flow, Flow::Continue);
}

#[test]
fn a_creation_nobody_needs_any_more_is_abandoned_without_a_call() {
    let t = at_step(assignment(), Actual::Creating, Some(Step::Check));
    let out = commits(&t, false, false, Seen::Nothing);
    assert_eq!(out.next.actual, Actual::Absent);
    assert_eq!(kinds(&out), [AuditKind::AssignmentCreateAbandoned]);
}

#[test]
fn a_fresh_call_step_calls_at_once() {
    let t = at_step(assignment(), Actual::Creating, Some(Step::Call));
    assert_eq!(asks(&t, true, true, Seen::Nothing), Ask::Create);
}

#[test]
fn a_resumed_call_step_looks_first_and_adopts_what_exists() {
    let t = at_step(assignment(), Actual::Creating, Some(Step::Call));
    assert_eq!(asks(&t, true, false, Seen::Nothing), Ask::Look);
    assert_eq!(asks(&t, true, false, Seen::Looked(Ok(false))), Ask::Create);
    let out = commits(&t, true, false, Seen::Looked(Ok(true)));
    assert_eq!(out.next.origin, Some(Origin::Stint));
    assert_eq!(kinds(&out), [AuditKind::AssignmentAdopted]);
}

#[test]
fn a_call_step_no_longer_needed_looks_and_abandons_what_is_not_there() {
    let t = at_step(assignment(), Actual::Creating, Some(Step::Call));
    assert_eq!(asks(&t, false, true, Seen::Nothing), Ask::Look);
    let out = commits(&t, false, true, Seen::Looked(Ok(false)));
    assert_eq!(out.next.actual, Actual::Absent);
    assert_eq!(kinds(&out), [AuditKind::AssignmentCreateAbandoned]);
}

#[test]
fn an_accepted_creation_is_followed_from_poll_initial() {
    let t = at_step(assignment(), Actual::Creating, Some(Step::Call));
    let out = commits(&t, true, false, Seen::Started(Ok("op-7".into())));
    assert_eq!(out.next.step, Some(Step::Poll));
    assert_eq!(out.next.operation_id.as_deref(), Some("op-7"));
    assert_eq!(out.next.claimed_by, None);
    assert_eq!(
        out.next.next_check_at,
        Some(now() + chrono::Duration::seconds(2))
    );
    assert_eq!(kinds(&out), [AuditKind::AssignmentCreateStarted]);
    assert_eq!(out.flow, Flow::Done);
}

#[test]
fn a_succeeded_creation_is_stints_with_how_long_it_took() {
    let t = polling(assignment(), Actual::Creating);
    assert_eq!(
        asks(&t, true, false, Seen::Nothing),
        Ask::Status("op-1".into())
    );
    let out = commits(
        &t,
        true,
        false,
        Seen::Status(Ok(OperationStatus::Succeeded)),
    );
    assert_eq!(out.next.actual, Actual::Present);
    assert_eq!(out.next.origin, Some(Origin::Stint));
    assert_eq!(out.next.operation_id, None);
    match &out.events[..] {
        [AuditEvent::AssignmentCreated(done)] => {
            assert_eq!(done.took_ms, Some(60_000));
            assert_eq!(done.operation_id.as_deref(), Some("op-1"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_poll_step_without_its_operation_goes_back_to_the_call() {
    let t = at_step(assignment(), Actual::Creating, Some(Step::Poll));
    let out = commits(&t, true, false, Seen::Nothing);
    assert_eq!(out.next.step, Some(Step::Call));
    assert!(
        !out.fresh,
        "the call may have been made: it must look first"
    );
}

#[test]
fn an_operation_identity_center_forgot_is_looked_for_instead() {
    let t = polling(assignment(), Actual::Creating);
    let out = commits(
        &t,
        true,
        false,
        Seen::Status(Err(IdcError::NotFound("no such request".into()))),
    );
    assert_eq!(out.next.step, Some(Step::Call));
    assert_eq!(out.next.operation_id, None);
    assert!(!out.fresh);
}

#[test]
fn an_operation_in_progress_is_polled_with_growing_waits() {
    let mut t = polling(assignment(), Actual::Creating);
    t.polls = 2;
    let out = commits(
        &t,
        true,
        false,
        Seen::Status(Ok(OperationStatus::InProgress)),
    );
    assert_eq!(out.next.polls, 3);
    assert_eq!(
        out.next.next_check_at,
        Some(now() + chrono::Duration::seconds(16))
    );
    assert!(out.events.is_empty());
    assert_eq!(out.flow, Flow::Done);
}

#[test]
fn an_operation_past_its_deadline_is_followed_at_the_slowest_rate_and_alerted_once() {
    let t = past_deadline(polling(assignment(), Actual::Deleting));
    let out = commits(
        &t,
        false,
        false,
        Seen::Status(Ok(OperationStatus::InProgress)),
    );
    assert_eq!(out.next.deadline, None, "the alert is not raised again");
    assert_eq!(
        out.next.next_check_at,
        Some(now() + chrono::Duration::seconds(30))
    );
    assert_eq!(out.next.actual, Actual::Deleting, "not declared failed");
    assert_eq!(kinds(&out), [AuditKind::AssignmentOperationOverdue]);
    assert!(matches!(
        &out.tallies[..],
        [Tally::Failure {
            kind: "assignment_operation_overdue",
            ..
        }]
    ));
}

#[test]
fn a_failed_creation_leaves_the_tuple_absent_but_suspect() {
    let t = polling(assignment(), Actual::Creating);
    let failed = OperationStatus::Failed {
        reason: "the permission set is being provisioned".into(),
    };
    let out = commits(&t, true, false, Seen::Status(Ok(failed)));
    assert_eq!(out.next.actual, Actual::Absent);
    assert!(out.next.leaked);
    assert_eq!(out.next.operation_id, None);
    assert!(matches!(out.failure, Some(Failure::Create(ref r)) if r.contains("being provisioned")));
    assert_eq!(kinds(&out), [AuditKind::AssignmentCreateFailed]);
}

// Retries.

#[test]
fn a_transient_failure_is_retried_after_backoff() {
    let mut t = at_step(assignment(), Actual::Creating, Some(Step::Call));
    t.attempt = 2;
    let out = commits(&t, true, false, Seen::Started(Err(throttled())));
    assert_eq!(out.next.attempt, 3);
    assert_eq!(out.next.step, Some(Step::Call), "the same step, later");
    assert_eq!(
        out.next.next_check_at,
        Some(now() + chrono::Duration::seconds(8))
    );
    assert_eq!(out.tallies, [Tally::Retry("throttled")]);
    match &out.events[..] {
        [AuditEvent::RetryScheduled(retry)] => {
            assert_eq!(retry.operation, "create_assignment");
            assert_eq!(retry.attempt, 3);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_failure_retrying_cannot_fix_is_given_up_at_once() {
    let t = at_step(assignment(), Actual::Creating, Some(Step::Call));
    let denied = IdcError::AccessDenied("not allowed".into());
    let out = commits(&t, true, false, Seen::Started(Err(denied)));
    assert_eq!(kinds(&out), [AuditKind::AssignmentCreateFailed]);
    assert!(
        matches!(out.failure, Some(Failure::Create(ref r)) if r.starts_with("create_assignment:"))
    );
}

#[test]
fn a_call_that_keeps_failing_is_given_up_at_the_deadline() {
    let t = past_deadline(at_step(assignment(), Actual::Deleting, Some(Step::Call)));
    let out = commits(&t, false, false, Seen::Started(Err(throttled())));
    assert_eq!(out.next.actual, Actual::Present, "access may remain");
    assert!(out.next.leaked);
    assert!(
        matches!(out.failure, Some(Failure::Delete(ref r)) if r.contains("kept failing until the deadline"))
    );
    assert_eq!(kinds(&out), [AuditKind::AssignmentDeleteFailed]);
}

#[test]
fn asking_an_operations_status_is_never_given_up_for_a_transient_error() {
    let t = past_deadline(polling(assignment(), Actual::Deleting));
    let out = commits(&t, false, false, Seen::Status(Err(throttled())));
    assert!(out.failure.is_none());
    assert_eq!(out.next.operation_id.as_deref(), Some("op-1"));
    assert_eq!(
        kinds(&out),
        [
            AuditKind::AssignmentOperationOverdue,
            AuditKind::RetryScheduled
        ]
    );
}

#[test]
fn a_deletion_given_up_after_it_was_accepted_keeps_its_operation() {
    let t = polling(assignment(), Actual::Deleting);
    let failed = OperationStatus::Failed {
        reason: "internal".into(),
    };
    let out = commits(&t, false, false, Seen::Status(Ok(failed)));
    assert_eq!(out.next.operation_id.as_deref(), Some("op-1"));
    assert_eq!(out.next.actual, Actual::Present);
    assert!(out.next.leaked);
}

// Present.

#[test]
fn a_present_target_a_grant_needs_rests() {
    let t = present(assignment(), Origin::Stint);
    let out = commits(&t, true, false, Seen::Nothing);
    assert_eq!(out.next.actual, Actual::Present);
    assert_eq!(out.flow, Flow::Done);
    assert!(out.events.is_empty());
}

#[test]
fn a_standing_target_is_never_removed() {
    for t in [
        present(assignment(), Origin::Standing),
        present(membership(), Origin::Standing),
    ] {
        let out = commits(&t, false, false, Seen::Nothing);
        assert_eq!(out.next.actual, Actual::Present);
        assert!(out.events.is_empty());
    }
}

#[test]
fn a_leaked_target_waits_for_reconciliation() {
    let mut t = present(assignment(), Origin::Stint);
    t.leaked = true;
    let out = commits(&t, false, false, Seen::Nothing);
    assert_eq!(out.next.actual, Actual::Present);
    assert!(out.next.leaked);
    assert_eq!(out.flow, Flow::Done);
}

#[test]
fn stints_target_nobody_needs_commits_its_removal_first() {
    let t = present(assignment(), Origin::Stint);
    let out = commits(&t, false, false, Seen::Nothing);
    assert_eq!(
        (out.next.actual, out.next.step),
        (Actual::Deleting, Some(Step::Call))
    );
    assert!(out.fresh);
    assert_eq!(kinds(&out), [AuditKind::AssignmentDeleteRequested]);
}

// An assignment's deletion.

#[test]
fn a_fresh_deletion_calls_at_once_or_is_kept_for_a_grant_that_needs_it_again() {
    let t = at_step(assignment(), Actual::Deleting, Some(Step::Call));
    assert_eq!(asks(&t, false, true, Seen::Nothing), Ask::Delete);
    let out = commits(&t, true, true, Seen::Nothing);
    assert_eq!(out.next.actual, Actual::Present);
    assert_eq!(kinds(&out), [AuditKind::AssignmentDeleteAbandoned]);
}

#[test]
fn a_resumed_deletion_looks_first() {
    let t = at_step(assignment(), Actual::Deleting, Some(Step::Call));
    assert_eq!(asks(&t, false, false, Seen::Nothing), Ask::Look);
    assert_eq!(asks(&t, false, false, Seen::Looked(Ok(true))), Ask::Delete);
    let out = commits(&t, false, false, Seen::Looked(Ok(false)));
    assert_eq!(out.next.actual, Actual::Absent);
    assert_eq!(kinds(&out), [AuditKind::AssignmentAlreadyGone]);
    let out = commits(&t, true, false, Seen::Looked(Ok(true)));
    assert_eq!(kinds(&out), [AuditKind::AssignmentDeleteAbandoned]);
}

#[test]
fn a_deletion_of_what_is_gone_is_already_gone_and_a_completed_one_deleted() {
    let t = at_step(assignment(), Actual::Deleting, Some(Step::Call));
    let gone = Seen::Started(Err(IdcError::NotFound("gone".into())));
    assert_eq!(
        kinds(&commits(&t, false, true, gone)),
        [AuditKind::AssignmentAlreadyGone]
    );
    let t = polling(assignment(), Actual::Deleting);
    let out = commits(
        &t,
        false,
        false,
        Seen::Status(Ok(OperationStatus::Succeeded)),
    );
    assert_eq!(out.next.actual, Actual::Absent);
    assert!(!out.next.leaked);
    assert_eq!(kinds(&out), [AuditKind::AssignmentDeleted]);
}
