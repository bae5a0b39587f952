//! What a failed call or a slow operation leads to: a retry after backoff, following an
//! operation Stint started past its deadline, or giving up (alerted).

use chrono::{DateTime, Utc};

use super::{Flow, Next, Outcome, Situation, Tally, at, membership, release};
use crate::backoff::{exponential, to_chrono};
use crate::idc::IdcError;
use crate::model::audit::{GaveUp, MembershipGaveUp, MembershipRetry, Overdue, RetryScheduled};
use crate::model::{Actual, AssignmentKey, AuditEvent, AuditKind, Origin, Step, Target, Tuple};
use crate::workflow::settle::Failure;

/// The reason a failed call is retried, as metrics and retry events name it.
pub(in super::super) fn retry_reason(e: &IdcError) -> &'static str {
    match e {
        IdcError::Throttled(_) => "throttled",
        IdcError::Conflict(_) => "conflict",
        IdcError::Unavailable(_) => "unavailable",
        IdcError::NotFound(_) => "not_found",
        IdcError::AccessDenied(_) => "access_denied",
        IdcError::Other(_) => "other",
    }
}

fn waiting(next: Tuple, events: Vec<AuditEvent>, tallies: Vec<Tally>) -> Next {
    Next::Commit(Box::new(Outcome {
        next,
        events,
        failure: None,
        flow: Flow::Done,
        fresh: false,
        tallies,
    }))
}

/// Identity Center reports the operation Stint started still in progress: look again
/// later. Past the deadline (Identity Center slow, or the broker down for longer) that
/// is not a failure: the operation is Stint's own and may yet succeed, and declaring it
/// failed would record a revocation that did not fail and, once it lands, a drift that
/// is not one. So it is followed to its end at the slowest poll rate, and alerted once.
pub(super) fn poll_later(s: &Situation<'_>, mut next: Tuple) -> Next {
    let t = s.t;
    let settings = s.settings;
    let mut events = Vec::new();
    let mut tallies = Vec::new();
    let wait = if t.deadline.is_some_and(|d| s.now >= d) {
        if let Target::AccountAssignment(key) = &t.key {
            let (event, tally) = overdue(t, key, &mut next);
            events.push(event);
            tallies.push(tally);
        }
        settings.poll_max
    } else if t.deadline.is_none() {
        settings.poll_max
    } else {
        next.polls = t.polls.saturating_add(1);
        exponential(settings.poll_initial, settings.poll_max, next.polls)
    };
    release(&mut next, Some(s.now + to_chrono(wait)));
    waiting(next, events, tallies)
}

/// The operation Stint started outlived its deadline without an answer either way: the
/// alert, once (the deadline is spent; the operation is followed until it ends). Only
/// assignments have operations to follow.
fn overdue(t: &Tuple, key: &AssignmentKey, next: &mut Tuple) -> (AuditEvent, Tally) {
    next.deadline = None;
    let detail = if t.actual == Actual::Deleting {
        "the deletion Stint asked for has not completed by its deadline: access remains until it does"
    } else {
        "the creation Stint asked for has not completed by its deadline"
    };
    let tally = Tally::Failure {
        kind: AuditKind::AssignmentOperationOverdue.as_str(),
        detail: format!(
            "{detail} (operation {})",
            t.operation_id.as_deref().unwrap_or("unknown")
        ),
    };
    let event = AuditEvent::AssignmentOperationOverdue(Overdue {
        at: at(key, t),
        operation_id: t.operation_id.clone(),
        detail: detail.to_string(),
        alert: true,
    });
    (event, tally)
}

/// A call failed: retry it after a jittered backoff, or give up at the deadline or on an
/// error that retrying cannot fix.
pub(super) fn failed_call(
    s: &Situation<'_>,
    mut next: Tuple,
    op: &'static str,
    error: IdcError,
) -> Next {
    let t = s.t;
    let reason = retry_reason(&error);
    if !error.is_retryable() {
        return give_up(s, next, &format!("{op}: {error}"));
    }
    // Asking the status of an operation Stint started is never given up for a
    // transient error: until the answer comes, nobody knows whether it failed.
    let asking_status = t.step == Some(Step::Poll) && t.operation_id.is_some();
    let mut events = Vec::new();
    let mut tallies = Vec::new();
    if t.deadline.is_some_and(|d| s.now >= d) {
        if !asking_status {
            return give_up(
                s,
                next,
                &format!("{op} kept failing until the deadline: {error}"),
            );
        }
        if let Target::AccountAssignment(key) = &t.key {
            let (event, tally) = overdue(t, key, &mut next);
            events.push(event);
            tallies.push(tally);
        }
    }
    next.attempt = t.attempt.saturating_add(1);
    let wait = (s.jitter)(s.settings.retry_base, s.settings.retry_cap, next.attempt);
    let retry_at = s.now + to_chrono(wait);
    release(&mut next, Some(retry_at));
    tallies.push(Tally::Retry(reason));
    events.push(retry_event(t, op, reason, &error, next.attempt, retry_at));
    waiting(next, events, tallies)
}

/// The operation in flight cannot succeed. A failed creation leaves the tuple absent
/// but suspect (the create may yet land), a failed deletion leaves it present and
/// leaked; reconciliation checks both until Identity Center agrees.
pub(super) fn give_up(s: &Situation<'_>, mut next: Tuple, reason: &str) -> Next {
    let t = s.t;
    // A deletion given up after Identity Center accepted it keeps the operation's id:
    // if the operation completes later, reconciliation asks its status before calling
    // the assignment's absence drift.
    let accepted = t.actual == Actual::Deleting && t.step == Some(Step::Poll);
    next.step = None;
    if !accepted {
        next.operation_id = None;
    }
    next.attempt = 0;
    next.leaked = true;
    release(&mut next, None);
    let deleting = t.actual == Actual::Deleting;
    let event = gave_up_event(t, deleting, reason);
    let failure = if deleting {
        next.actual = Actual::Present;
        next.origin = Some(Origin::Stint);
        Failure::Delete(reason.to_string())
    } else {
        next.actual = Actual::Absent;
        next.origin = None;
        Failure::Create(reason.to_string())
    };
    let tally = Tally::Failure {
        kind: event.kind().as_str(),
        detail: reason.to_string(),
    };
    Next::Commit(Box::new(Outcome {
        next,
        events: vec![event],
        failure: Some(failure),
        flow: Flow::Done,
        fresh: false,
        tallies: vec![tally],
    }))
}

/// `retry_scheduled` for an assignment, `membership_retry_scheduled` for a membership.
fn retry_event(
    t: &Tuple,
    op: &str,
    reason: &str,
    error: &IdcError,
    attempt: u32,
    retry_at: DateTime<Utc>,
) -> AuditEvent {
    match &t.key {
        Target::AccountAssignment(key) => AuditEvent::RetryScheduled(RetryScheduled {
            at: at(key, t),
            operation: op.to_string(),
            reason: reason.to_string(),
            error: error.to_string(),
            attempt,
            retry_at,
        }),
        Target::GroupMembership(key) => AuditEvent::MembershipRetryScheduled(MembershipRetry {
            at: membership::at(key, t),
            operation: op.to_string(),
            reason: reason.to_string(),
            error: error.to_string(),
            attempt,
            retry_at,
        }),
    }
}

/// The alerted event of a creation or deletion given up, of the target's kind.
fn gave_up_event(t: &Tuple, deleting: bool, reason: &str) -> AuditEvent {
    match &t.key {
        Target::AccountAssignment(key) => {
            let gave_up = GaveUp {
                at: at(key, t),
                reason: reason.to_string(),
                alert: true,
            };
            if deleting {
                AuditEvent::AssignmentDeleteFailed(gave_up)
            } else {
                AuditEvent::AssignmentCreateFailed(gave_up)
            }
        }
        Target::GroupMembership(key) => {
            let gave_up = MembershipGaveUp {
                at: membership::at(key, t),
                reason: reason.to_string(),
                alert: true,
            };
            if deleting {
                AuditEvent::MembershipDeleteFailed(gave_up)
            } else {
                AuditEvent::MembershipCreateFailed(gave_up)
            }
        }
    }
}
