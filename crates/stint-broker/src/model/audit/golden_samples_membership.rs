//! A sample event of every group membership kind (`membership_*`) for the golden tests.

use super::golden_samples::*;
use super::*;
use crate::model::{Actual, MembershipKey};

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
pub(super) fn membership_samples() -> Vec<AuditEvent> {
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
