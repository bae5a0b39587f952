//! What a failed call or a slow operation leads to: a retry after backoff, following an
//! operation Stint started past its deadline, or giving up (alerted).

use chrono::{DateTime, Utc};

use super::{Flow, at};
use crate::idc::IdcError;
use crate::model::audit::{
    GaveUp, MembershipGaveUp, MembershipRetry, MembershipStep, Overdue, RetryScheduled,
};
use crate::model::{Actual, AssignmentKey, AuditEvent, AuditKind, Origin, Step, Target, Tuple};
use crate::workflow::backoff::{exponential, full_jitter, to_chrono};
use crate::workflow::settle::Failure;
use crate::workflow::{Engine, EngineError};

/// The reason a failed call is retried, as metrics and retry events name it.
pub(super) fn retry_reason(e: &IdcError) -> &'static str {
    match e {
        IdcError::Throttled(_) => "throttled",
        IdcError::Conflict(_) => "conflict",
        IdcError::Unavailable(_) => "unavailable",
        IdcError::NotFound(_) => "not_found",
        IdcError::AccessDenied(_) => "access_denied",
        IdcError::Other(_) => "other",
    }
}

impl Engine {
    /// Identity Center reports the operation Stint started still in progress: look again
    /// later. Past the deadline (Identity Center slow, or the broker down for longer) that
    /// is not a failure: the operation is Stint's own and may yet succeed, and declaring it
    /// failed would record a revocation that did not fail and, once it lands, a drift that
    /// is not one. So it is followed to its end at the slowest poll rate, and alerted once.
    pub(super) async fn poll_later(
        &self,
        t: &mut Tuple,
        mut next: Tuple,
    ) -> Result<Flow, EngineError> {
        let now = self.now();
        let settings = &self.inner.settings;
        let mut events = Vec::new();
        let wait = if t.deadline.is_some_and(|d| now >= d) {
            if let Target::AccountAssignment(key) = &t.key {
                events.push(self.overdue(t, key, &mut next));
            }
            settings.poll_max
        } else if t.deadline.is_none() {
            settings.poll_max
        } else {
            next.polls = t.polls.saturating_add(1);
            exponential(settings.poll_initial, settings.poll_max, next.polls)
        };
        self.release(&mut next, Some(now + to_chrono(wait)));
        self.then(t, next, events, None, Flow::Done).await
    }

    /// The operation Stint started outlived its deadline without an answer either way: the
    /// alert, once (the deadline is spent; the operation is followed until it ends). Only
    /// assignments have operations to follow.
    fn overdue(&self, t: &Tuple, key: &AssignmentKey, next: &mut Tuple) -> AuditEvent {
        next.deadline = None;
        let kind = AuditKind::AssignmentOperationOverdue.as_str();
        let detail = if t.actual == Actual::Deleting {
            "the deletion Stint asked for has not completed by its deadline: access remains until it does"
        } else {
            "the creation Stint asked for has not completed by its deadline"
        };
        self.inner.metrics.count_failure(kind);
        tracing::warn!(
            tuple = %t.key,
            operation = t.operation_id.as_deref().unwrap_or_default(),
            "{detail}"
        );
        AuditEvent::AssignmentOperationOverdue(Overdue {
            at: at(key, t),
            operation_id: t.operation_id.clone(),
            detail: detail.to_string(),
            alert: true,
        })
    }

    /// A call failed: retry it after a jittered backoff, or give up at the deadline or on an
    /// error that retrying cannot fix.
    pub(super) async fn failed_call(
        &self,
        t: &mut Tuple,
        mut next: Tuple,
        op: &'static str,
        error: IdcError,
    ) -> Result<Flow, EngineError> {
        let now = self.now();
        let reason = retry_reason(&error);
        if !error.is_retryable() {
            return self.give_up(t, next, &format!("{op}: {error}")).await;
        }
        // Asking the status of an operation Stint started is never given up for a
        // transient error: until the answer comes, nobody knows whether it failed.
        let asking_status = t.step == Some(Step::Poll) && t.operation_id.is_some();
        let mut events = Vec::new();
        if t.deadline.is_some_and(|d| now >= d) {
            if !asking_status {
                return self
                    .give_up(
                        t,
                        next,
                        &format!("{op} kept failing until the deadline: {error}"),
                    )
                    .await;
            }
            if let Target::AccountAssignment(key) = &t.key {
                events.push(self.overdue(t, key, &mut next));
            }
        }
        let settings = &self.inner.settings;
        next.attempt = t.attempt.saturating_add(1);
        let wait = full_jitter(settings.retry_base, settings.retry_cap, next.attempt);
        let retry_at = now + to_chrono(wait);
        self.release(&mut next, Some(retry_at));
        self.inner.metrics.count_retry(reason);
        events.push(retry_event(t, op, reason, &error, next.attempt, retry_at));
        self.then(t, next, events, None, Flow::Done).await
    }

    /// The operation in flight cannot succeed. A failed creation leaves the tuple absent
    /// but suspect (the create may yet land), a failed deletion leaves it present and
    /// leaked; reconciliation checks both until Identity Center agrees.
    pub(super) async fn give_up(
        &self,
        t: &mut Tuple,
        mut next: Tuple,
        reason: &str,
    ) -> Result<Flow, EngineError> {
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
        self.release(&mut next, None);
        let deleting = t.actual == Actual::Deleting;
        let ev = gave_up_event(t, deleting, reason);
        let failure = if deleting {
            next.actual = Actual::Present;
            next.origin = Some(Origin::Stint);
            Failure::Delete(reason.to_string())
        } else {
            next.actual = Actual::Absent;
            next.origin = None;
            Failure::Create(reason.to_string())
        };
        let kind = ev.kind().as_str();
        self.inner.metrics.count_failure(kind);
        tracing::warn!(tuple = %t.key, reason, "{kind}");
        self.then(t, next, vec![ev], Some(failure), Flow::Done)
            .await
    }
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
            at: MembershipStep::new(key, t.actual, None),
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
                at: MembershipStep::new(key, t.actual, None),
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
