//! An account assignment's steps. Identity Center changes an assignment through an
//! operation: a `call` step asks for it, a `poll` step follows it to its end.

use super::{
    Ask, Flow, Next, Seen, Situation, absent, at, begin, kept, release, retry, took_ms, unasked,
};
use crate::backoff::to_chrono;
use crate::idc::{IdcError, OperationStatus};
use crate::model::audit::{Adopted, CallRequested, CallStarted, Completed, Deleted, Explained};
use crate::model::{Actual, AssignmentKey, AuditEvent, Origin, Step, Tuple};

pub(super) fn decide(s: &Situation<'_>, key: &AssignmentKey, seen: Seen) -> Next {
    let t = s.t;
    let mut next = t.clone();
    match (t.actual, t.step) {
        (Actual::Absent, _) => absent(s),
        (Actual::Creating, None | Some(Step::Check)) => {
            if !s.desired {
                return abandon_create(s, key);
            }
            match seen {
                Seen::Nothing => Next::Ask(Ask::Look),
                Seen::Looked(Ok(true)) if t.leaked => {
                    // Left behind by an earlier creation that ended in doubt: Stint's own.
                    next.actual = Actual::Present;
                    next.origin = Some(Origin::Stint);
                    next.step = None;
                    next.leaked = false;
                    let ev = AuditEvent::AssignmentAdopted(Adopted::Converged(Explained {
                        at: at(key, t),
                        detail: "the assignment an earlier attempt asked for exists".into(),
                    }));
                    Next::commit(next, vec![ev], Flow::Continue)
                }
                Seen::Looked(Ok(true)) => {
                    next.actual = Actual::Present;
                    next.origin = Some(Origin::Standing);
                    next.step = None;
                    next.leaked = false;
                    let ev = AuditEvent::StandingAssignmentFound(Explained {
                        at: at(key, t),
                        detail: "the user already holds this assignment and Stint did not create it: it will never be deleted by Stint".into(),
                    });
                    Next::commit(next, vec![ev], Flow::Continue)
                }
                Seen::Looked(Ok(false)) => {
                    next.step = Some(Step::Call);
                    let ev = AuditEvent::AssignmentCreateRequested(CallRequested {
                        at: at(key, t),
                        attempt: t.attempt + 1,
                    });
                    Next::call_next(next, ev)
                }
                Seen::Looked(Err(e)) => retry::failed_call(s, next, "list_assignments", e),
                other => unasked(s, &other),
            }
        }
        (Actual::Creating, Some(Step::Call)) => match seen {
            // Resumed, or no longer needed: the creation may have been made already.
            Seen::Nothing if !s.fresh || !s.desired => Next::Ask(Ask::Look),
            Seen::Nothing | Seen::Looked(Ok(false)) if s.desired => Next::Ask(Ask::Create),
            Seen::Looked(Ok(false)) => abandon_create(s, key),
            Seen::Looked(Ok(true)) => {
                next.actual = Actual::Present;
                next.origin = Some(Origin::Stint);
                next.step = None;
                next.operation_id = None;
                let ev = AuditEvent::AssignmentAdopted(Adopted::Converged(Explained {
                    at: at(key, t),
                    detail: "the assignment Stint had asked for exists".into(),
                }));
                Next::commit(next, vec![ev], Flow::Continue)
            }
            Seen::Looked(Err(e)) => retry::failed_call(s, next, "list_assignments", e),
            Seen::Started(Ok(op)) => {
                follow(s, &mut next, &op);
                let ev = AuditEvent::AssignmentCreateStarted(CallStarted {
                    at: at(key, t),
                    operation_id: op,
                    attempt: t.attempt + 1,
                });
                Next::commit(next, vec![ev], Flow::Done)
            }
            Seen::Started(Err(e)) => retry::failed_call(s, next, "create_assignment", e),
            other => unasked(s, &other),
        },
        (Actual::Creating, Some(Step::Poll)) => {
            let Some(op) = t.operation_id.clone() else {
                next.step = Some(Step::Call);
                return Next::commit(next, vec![], Flow::Continue);
            };
            match seen {
                Seen::Nothing => Next::Ask(Ask::Status(op)),
                Seen::Status(Ok(OperationStatus::Succeeded)) => {
                    next.actual = Actual::Present;
                    next.origin = Some(Origin::Stint);
                    next.step = None;
                    next.operation_id = None;
                    next.attempt = 0;
                    next.leaked = false;
                    let ev = AuditEvent::AssignmentCreated(Completed {
                        at: at(key, t),
                        operation_id: Some(op),
                        took_ms: took_ms(s),
                    });
                    Next::commit(next, vec![ev], Flow::Continue)
                }
                Seen::Status(Ok(OperationStatus::Failed { reason })) => {
                    retry::give_up(s, next, &format!("the creation failed: {reason}"))
                }
                Seen::Status(Ok(OperationStatus::InProgress)) => retry::poll_later(s, next),
                Seen::Status(Err(IdcError::NotFound(_))) => forgotten(next),
                Seen::Status(Err(e)) => retry::failed_call(s, next, "creation_status", e),
                other => unasked(s, &other),
            }
        }
        (Actual::Present, _) => {
            if let Some(kept) = kept(s) {
                return kept;
            }
            begin(s, &mut next, Actual::Deleting, Step::Call);
            let ev = AuditEvent::AssignmentDeleteRequested(CallRequested {
                at: at(key, t),
                attempt: 1,
            });
            Next::call_next(next, ev)
        }
        (Actual::Deleting, None | Some(Step::Check) | Some(Step::Call)) => match seen {
            // Nothing was called yet: keep the assignment for the grant that needs it.
            Seen::Nothing if s.desired && s.fresh => keep_present(s, key),
            Seen::Nothing if !s.fresh => Next::Ask(Ask::Look),
            Seen::Nothing => Next::Ask(Ask::Delete),
            Seen::Looked(Ok(false)) => gone(s, key, None),
            Seen::Looked(Ok(true)) if s.desired => keep_present(s, key),
            Seen::Looked(Ok(true)) => Next::Ask(Ask::Delete),
            Seen::Looked(Err(e)) => retry::failed_call(s, next, "list_assignments", e),
            Seen::Started(Ok(op)) => {
                follow(s, &mut next, &op);
                let ev = AuditEvent::AssignmentDeleteStarted(CallStarted {
                    at: at(key, t),
                    operation_id: op,
                    attempt: t.attempt + 1,
                });
                Next::commit(next, vec![ev], Flow::Done)
            }
            Seen::Started(Err(IdcError::NotFound(_))) => gone(s, key, None),
            Seen::Started(Err(e)) => retry::failed_call(s, next, "delete_assignment", e),
            other => unasked(s, &other),
        },
        (Actual::Deleting, Some(Step::Poll)) => {
            let Some(op) = t.operation_id.clone() else {
                next.step = Some(Step::Call);
                return Next::commit(next, vec![], Flow::Continue);
            };
            match seen {
                Seen::Nothing => Next::Ask(Ask::Status(op)),
                Seen::Status(Ok(OperationStatus::Succeeded)) => gone(s, key, Some(op)),
                Seen::Status(Ok(OperationStatus::Failed { reason })) => {
                    retry::give_up(s, next, &format!("the deletion failed: {reason}"))
                }
                Seen::Status(Ok(OperationStatus::InProgress)) => retry::poll_later(s, next),
                Seen::Status(Err(IdcError::NotFound(_))) => forgotten(next),
                Seen::Status(Err(e)) => retry::failed_call(s, next, "deletion_status", e),
                other => unasked(s, &other),
            }
        }
    }
}

/// The operation was accepted: follow it, first after `poll_initial`.
fn follow(s: &Situation<'_>, next: &mut Tuple, op: &str) {
    next.step = Some(Step::Poll);
    next.operation_id = Some(op.to_string());
    next.polls = 0;
    release(next, Some(s.now + to_chrono(s.settings.poll_initial)));
}

/// Identity Center forgot the operation: find out what exists instead (the call step
/// looks first, since this is not its first run).
fn forgotten(mut next: Tuple) -> Next {
    next.step = Some(Step::Call);
    next.operation_id = None;
    Next::commit(next, vec![], Flow::Continue)
}

fn abandon_create(s: &Situation<'_>, key: &AssignmentKey) -> Next {
    let mut next = s.t.clone();
    next.actual = Actual::Absent;
    next.origin = None;
    next.step = None;
    next.operation_id = None;
    let ev = AuditEvent::AssignmentCreateAbandoned(Explained {
        at: at(key, s.t),
        detail: "no grant needs the assignment any more, and it does not exist".into(),
    });
    Next::commit(next, vec![ev], Flow::Continue)
}

fn keep_present(s: &Situation<'_>, key: &AssignmentKey) -> Next {
    let mut next = s.t.clone();
    next.actual = Actual::Present;
    next.origin = Some(Origin::Stint);
    next.step = None;
    next.operation_id = None;
    let ev = AuditEvent::AssignmentDeleteAbandoned(Explained {
        at: at(key, s.t),
        detail: "a grant needs the assignment again before it was deleted".into(),
    });
    Next::commit(next, vec![ev], Flow::Continue)
}

/// Gone by the deletion Stint asked for (`op`), or found gone before it asked.
fn gone(s: &Situation<'_>, key: &AssignmentKey, op: Option<String>) -> Next {
    let mut next = s.t.clone();
    next.actual = Actual::Absent;
    next.origin = None;
    next.step = None;
    next.operation_id = None;
    next.attempt = 0;
    next.leaked = false;
    let deleted = op.is_some();
    let done = Completed {
        at: at(key, s.t),
        operation_id: op,
        took_ms: took_ms(s),
    };
    let ev = if deleted {
        AuditEvent::AssignmentDeleted(Deleted::Completed(done))
    } else {
        AuditEvent::AssignmentAlreadyGone(done)
    };
    Next::commit(next, vec![ev], Flow::Continue)
}
