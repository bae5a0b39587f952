//! `decide` branch by branch: what each recorded state, need and answer lead to.
//! `assignment.rs` and `membership.rs` hold each kind's cases; the helpers are here.

mod assignment;
mod membership;

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::*;
use crate::backoff::exponential;
use crate::model::{AuditKind, MembershipKey, PrincipalType};

pub(super) fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-01-01T10:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

/// The longest delay full jitter could choose, so retry times are exact.
pub(super) fn ceiling(base: Duration, cap: Duration, attempt: u32) -> Duration {
    exponential(base, cap, attempt)
}

pub(super) fn settings() -> EngineSettings {
    EngineSettings {
        retry_deadline: Duration::from_secs(600),
        retry_base: Duration::from_secs(1),
        retry_cap: Duration::from_secs(60),
        poll_initial: Duration::from_secs(2),
        poll_max: Duration::from_secs(30),
        ..EngineSettings::default()
    }
}

pub(super) fn assignment() -> Tuple {
    Tuple::absent(
        Target::AccountAssignment(AssignmentKey {
            principal_type: PrincipalType::User,
            principal_id: "u-alice".into(),
            account_id: "333333333333".into(),
            permission_set_arn: "arn:aws:sso:::permissionSet/ssoins-1/ps-1".into(),
        }),
        now(),
    )
}

pub(super) fn membership() -> Tuple {
    Tuple::absent(
        Target::GroupMembership(MembershipKey {
            group_id: "g-oncall".into(),
            user_id: "u-alice".into(),
        }),
        now(),
    )
}

/// `t` in the middle of an addition or removal begun a minute ago.
pub(super) fn at_step(mut t: Tuple, actual: Actual, step: Option<Step>) -> Tuple {
    t.actual = actual;
    t.step = step;
    t.origin = (actual == Actual::Deleting).then_some(Origin::Stint);
    t.op_started_at = Some(now() - chrono::Duration::seconds(60));
    t.deadline = Some(now() + chrono::Duration::seconds(540));
    t.claimed_by = Some("node-a".into());
    t
}

pub(super) fn polling(t: Tuple, actual: Actual) -> Tuple {
    let mut t = at_step(t, actual, Some(Step::Poll));
    t.operation_id = Some("op-1".into());
    t
}

pub(super) fn present(t: Tuple, origin: Origin) -> Tuple {
    let mut t = t;
    t.actual = Actual::Present;
    t.origin = Some(origin);
    t
}

pub(super) fn past_deadline(mut t: Tuple) -> Tuple {
    t.deadline = Some(now() - chrono::Duration::seconds(1));
    t
}

pub(super) fn decided(t: &Tuple, desired: bool, fresh: bool, seen: Seen) -> Next {
    let settings = settings();
    let s = Situation {
        t,
        desired,
        fresh,
        now: now(),
        settings: &settings,
        jitter: ceiling,
    };
    decide(&s, seen)
}

pub(super) fn asks(t: &Tuple, desired: bool, fresh: bool, seen: Seen) -> Ask {
    match decided(t, desired, fresh, seen) {
        Next::Ask(ask) => ask,
        Next::Commit(outcome) => panic!("committed instead of asking: {outcome:?}"),
    }
}

pub(super) fn commits(t: &Tuple, desired: bool, fresh: bool, seen: Seen) -> Outcome {
    match decided(t, desired, fresh, seen) {
        Next::Commit(outcome) => *outcome,
        Next::Ask(ask) => panic!("asked {ask:?} instead of committing"),
    }
}

pub(super) fn kinds(outcome: &Outcome) -> Vec<AuditKind> {
    outcome.events.iter().map(AuditEvent::kind).collect()
}

pub(super) fn throttled() -> IdcError {
    IdcError::Throttled("rate exceeded".into())
}

#[test]
#[should_panic(expected = "not asked")]
fn an_answer_to_a_question_not_asked_is_the_drivers_mistake() {
    let t = polling(assignment(), Actual::Creating);
    decided(&t, true, false, Seen::Looked(Ok(true)));
}
