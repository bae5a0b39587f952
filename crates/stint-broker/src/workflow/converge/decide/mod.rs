//! What a tuple's next step is, decided without doing it: `decide` reads the tuple's
//! recorded state, whether a grant needs the target, and what Identity Center last
//! answered, and returns either a question to ask Identity Center or the tuple's next
//! state with its events. It does no I/O and reads no clock, so every branch is unit-tested
//! (`tests.rs`); the driver (`super`) asks, commits and loops.
//!
//! `assignment.rs` and `membership.rs` hold each kind's steps, `retry.rs` what a failed
//! call or a slow operation leads to; the steps that are the same for both kinds are here.

mod assignment;
mod membership;
mod retry;
#[cfg(test)]
mod tests;

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::backoff::to_chrono;
use crate::idc::{IdcError, OperationStatus};
use crate::model::audit::AssignmentStep;
use crate::model::{Actual, AssignmentKey, AuditEvent, Origin, Step, Target, Tuple};
use crate::workflow::settings::EngineSettings;
use crate::workflow::settle::Failure;

pub(super) use retry::retry_reason;

/// Everything a decision depends on.
pub(super) struct Situation<'a> {
    pub t: &'a Tuple,
    /// Some grant on the tuple is activating or active.
    pub desired: bool,
    /// The tuple's `call` step was committed in this run and its call not yet made: no
    /// need to look before calling. False on resume, when the call may have been made.
    pub fresh: bool,
    pub now: DateTime<Utc>,
    pub settings: &'a EngineSettings,
    /// The retry delay for an attempt (`backoff::full_jitter`; fixed in tests).
    pub jitter: fn(Duration, Duration, u32) -> Duration,
}

/// A question for Identity Center, about the tuple's target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Ask {
    /// Does the target exist now?
    Look,
    /// Create the assignment, or add the membership.
    Create,
    /// Delete the assignment, or remove the membership.
    Delete,
    /// The status of the operation Stint started (assignments only).
    Status(String),
}

/// What Identity Center answered to the last `Ask` (`Nothing` before the first).
#[derive(Debug)]
pub(super) enum Seen {
    Nothing,
    Looked(Result<bool, IdcError>),
    /// An assignment's creation or deletion was accepted as this operation.
    Started(Result<String, IdcError>),
    /// A membership was added (with its id) or removed.
    Changed(Result<Option<String>, IdcError>),
    Status(Result<OperationStatus, IdcError>),
}

/// Whether the driver takes another step after committing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flow {
    /// Take the next step now.
    Continue,
    /// The claim was released (or lost); this run is over.
    Done,
}

/// What the driver counts and logs besides the audit events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Tally {
    /// A call failed and is tried again (the reason as metrics name it).
    Retry(&'static str),
    /// An alerted failure: its audit kind and what happened.
    Failure { kind: &'static str, detail: String },
}

/// The tuple's next state, to commit with its events.
#[derive(Debug)]
pub(super) struct Outcome {
    pub next: Tuple,
    pub events: Vec<AuditEvent>,
    pub failure: Option<Failure>,
    pub flow: Flow,
    /// The next step is a call committed just now (see `Situation::fresh`).
    pub fresh: bool,
    pub tallies: Vec<Tally>,
}

#[derive(Debug)]
pub(super) enum Next {
    Ask(Ask),
    // Boxed: an outcome is large, and a decision is made a few times a step.
    Commit(Box<Outcome>),
}

impl Next {
    fn commit(next: Tuple, events: Vec<AuditEvent>, flow: Flow) -> Next {
        Next::Commit(Box::new(Outcome {
            next,
            events,
            failure: None,
            flow,
            fresh: false,
            tallies: Vec::new(),
        }))
    }

    /// A commit whose next step is the call it announces.
    fn call_next(next: Tuple, event: AuditEvent) -> Next {
        Next::Commit(Box::new(Outcome {
            next,
            events: vec![event],
            failure: None,
            flow: Flow::Continue,
            fresh: true,
            tallies: Vec::new(),
        }))
    }
}

/// The tuple's next step, of whichever kind its target is.
pub(super) fn decide(s: &Situation<'_>, seen: Seen) -> Next {
    match &s.t.key {
        Target::AccountAssignment(key) => assignment::decide(s, key, seen),
        Target::GroupMembership(key) => membership::decide(s, key, seen),
    }
}

/// The assignment an event is about; the driver completes it with the tuple's new state
/// and the request it is told to.
fn at(key: &AssignmentKey, t: &Tuple) -> AssignmentStep {
    AssignmentStep::new(key, t.actual, None)
}

/// An answer that is not to the question the step asks: the driver's mistake. The tuple
/// is left for its next check, when the step starts over with what it asks.
fn unasked(s: &Situation<'_>, seen: &Seen) -> Next {
    debug_assert!(false, "an answer to a question not asked: {seen:?}");
    let mut next = s.t.clone();
    release(&mut next, Some(s.now));
    Next::commit(next, vec![], Flow::Done)
}

/// Absent: a grant needs the target, so its addition begins with a look; or none does,
/// and the tuple rests.
fn absent(s: &Situation<'_>) -> Next {
    let mut next = s.t.clone();
    if s.desired {
        begin(s, &mut next, Actual::Creating, Step::Check);
        next.origin = None;
        Next::commit(next, vec![], Flow::Continue)
    } else {
        next.step = None;
        rest(next)
    }
}

/// Present and kept, with nothing to call: a grant needs it, or it is standing (never
/// removed by Stint), or a removal already failed (reconciliation schedules the next
/// attempt). `None` when its removal should begin.
fn kept(s: &Situation<'_>) -> Option<Next> {
    let t = s.t;
    let mut next = t.clone();
    if s.desired || t.origin == Some(Origin::Standing) {
        next.leaked = false;
        next.step = None;
        Some(rest(next))
    } else if t.leaked {
        Some(rest(next))
    } else {
        None
    }
}

/// Nothing to do until the next change or check.
fn rest(mut next: Tuple) -> Next {
    release(&mut next, None);
    Next::commit(next, vec![], Flow::Done)
}

/// Gives up the claim, to be looked at again at `check_at` (or at the next change).
pub(super) fn release(next: &mut Tuple, check_at: Option<DateTime<Utc>>) {
    next.claimed_by = None;
    next.claimed_until = None;
    next.next_check_at = check_at;
}

/// The bookkeeping a new addition or removal starts with: no operation, no attempt or
/// poll yet, and the retry deadline counted from now.
fn begin(s: &Situation<'_>, next: &mut Tuple, actual: Actual, step: Step) {
    next.actual = actual;
    next.step = Some(step);
    next.operation_id = None;
    next.attempt = 0;
    next.polls = 0;
    next.op_started_at = Some(s.now);
    next.deadline = Some(s.now + to_chrono(s.settings.retry_deadline));
}

/// Milliseconds since the operation in flight began.
fn took_ms(s: &Situation<'_>) -> Option<i64> {
    s.t.op_started_at
        .map(|start| (s.now - start).num_milliseconds())
}
