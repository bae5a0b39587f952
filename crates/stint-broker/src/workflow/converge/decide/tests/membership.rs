//! A group membership's steps.

use super::*;

// A group membership.

#[test]
fn a_membership_is_looked_up_then_added_in_one_call() {
    let t = at_step(membership(), Actual::Creating, Some(Step::Check));
    assert_eq!(asks(&t, true, false, Seen::Nothing), Ask::Look);
    let out = commits(&t, true, false, Seen::Looked(Ok(false)));
    assert_eq!(kinds(&out), [AuditKind::MembershipCreateRequested]);
    assert!(out.fresh);
    let t = out.next;
    assert_eq!(asks(&t, true, true, Seen::Nothing), Ask::Create);
    let out = commits(&t, true, false, Seen::Changed(Ok(Some("m-1".into()))));
    assert_eq!(out.next.actual, Actual::Present);
    assert_eq!(out.next.origin, Some(Origin::Stint));
    match &out.events[..] {
        [AuditEvent::MembershipCreated(made)] => {
            assert_eq!(made.membership_id.as_deref(), Some("m-1"))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_user_already_in_the_group_is_standing_membership() {
    let t = at_step(membership(), Actual::Creating, Some(Step::Check));
    let out = commits(&t, true, false, Seen::Looked(Ok(true)));
    assert_eq!(out.next.origin, Some(Origin::Standing));
    assert_eq!(kinds(&out), [AuditKind::StandingMembershipFound]);
}

#[test]
fn a_resumed_addition_adopts_the_membership_it_made() {
    let t = at_step(membership(), Actual::Creating, Some(Step::Call));
    assert_eq!(asks(&t, true, false, Seen::Nothing), Ask::Look);
    let out = commits(&t, true, false, Seen::Looked(Ok(true)));
    assert_eq!(out.next.origin, Some(Origin::Stint));
    assert_eq!(kinds(&out), [AuditKind::MembershipAdopted]);
}

#[test]
fn a_removal_is_one_call_and_a_missing_user_or_group_counts_as_gone() {
    let t = at_step(membership(), Actual::Deleting, Some(Step::Call));
    assert_eq!(asks(&t, false, true, Seen::Nothing), Ask::Delete);
    let out = commits(&t, false, false, Seen::Changed(Ok(None)));
    assert_eq!(out.next.actual, Actual::Absent);
    assert_eq!(kinds(&out), [AuditKind::MembershipDeleted]);
    let gone = Seen::Changed(Err(IdcError::NotFound("no such group".into())));
    assert_eq!(
        kinds(&commits(&t, false, false, gone)),
        [AuditKind::MembershipAlreadyGone]
    );
}

#[test]
fn a_resumed_removal_looks_first_and_keeps_a_membership_needed_again() {
    let t = at_step(membership(), Actual::Deleting, Some(Step::Call));
    assert_eq!(asks(&t, false, false, Seen::Nothing), Ask::Look);
    let out = commits(&t, true, false, Seen::Looked(Ok(true)));
    assert_eq!(out.next.actual, Actual::Present);
    assert_eq!(kinds(&out), [AuditKind::MembershipDeleteAbandoned]);
}

#[test]
fn a_membership_removal_given_up_is_leaked_with_its_own_kind() {
    let t = past_deadline(at_step(membership(), Actual::Deleting, Some(Step::Call)));
    let out = commits(&t, false, false, Seen::Changed(Err(throttled())));
    assert_eq!(out.next.actual, Actual::Present);
    assert!(out.next.leaked);
    assert_eq!(kinds(&out), [AuditKind::MembershipDeleteFailed]);
    let t = at_step(membership(), Actual::Deleting, Some(Step::Call));
    let out = commits(&t, false, false, Seen::Changed(Err(throttled())));
    assert_eq!(kinds(&out), [AuditKind::MembershipRetryScheduled]);
}
