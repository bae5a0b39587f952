//! One step of the convergence: what the tuple's recorded state and the grants' need lead
//! to, with the Identity Center call it takes.

use super::{Flow, at};
use crate::idc::{IdcError, OperationId, OperationStatus};
use crate::model::audit::{Adopted, CallRequested, CallStarted, Completed, Deleted, Explained};
use crate::model::{Actual, AssignmentKey, AuditEvent, Origin, Step, Target, Tuple};
use crate::workflow::backoff::to_chrono;
use crate::workflow::{Engine, EngineError};

impl Engine {
    /// One step of the convergence, of whichever kind the target is.
    pub(super) async fn step(
        &self,
        t: &mut Tuple,
        desired: bool,
        fresh: &mut bool,
    ) -> Result<Flow, EngineError> {
        match t.key.clone() {
            Target::AccountAssignment(key) => self.step_assignment(t, &key, desired, fresh).await,
            Target::GroupMembership(key) => self.step_membership(t, &key, desired, fresh).await,
        }
    }

    /// One step of an account assignment's convergence.
    async fn step_assignment(
        &self,
        t: &mut Tuple,
        key: &AssignmentKey,
        desired: bool,
        fresh: &mut bool,
    ) -> Result<Flow, EngineError> {
        let now = self.now();
        let settings = &self.inner.settings;
        let mut next = t.clone();
        match (t.actual, t.step) {
            (Actual::Absent, _) => self.step_absent(t, desired).await,
            (Actual::Creating, None | Some(Step::Check)) => {
                if !desired {
                    return self.abandon_create(t, key, next).await;
                }
                match self.listed(key).await {
                    Ok(true) if t.leaked => {
                        // Left behind by an earlier creation that ended in doubt: Stint's own.
                        next.actual = Actual::Present;
                        next.origin = Some(Origin::Stint);
                        next.step = None;
                        next.leaked = false;
                        let ev = AuditEvent::AssignmentAdopted(Adopted::Converged(Explained {
                            at: at(key, t),
                            detail: "the assignment an earlier attempt asked for exists".into(),
                        }));
                        self.then(t, next, vec![ev], None, Flow::Continue).await
                    }
                    Ok(true) => {
                        next.actual = Actual::Present;
                        next.origin = Some(Origin::Standing);
                        next.step = None;
                        next.leaked = false;
                        let ev = AuditEvent::StandingAssignmentFound(Explained {
                            at: at(key, t),
                            detail: "the user already holds this assignment and Stint did not create it: it will never be deleted by Stint".into(),
                        });
                        self.then(t, next, vec![ev], None, Flow::Continue).await
                    }
                    Ok(false) => {
                        next.step = Some(Step::Call);
                        *fresh = true;
                        let ev = AuditEvent::AssignmentCreateRequested(CallRequested {
                            at: at(key, t),
                            attempt: t.attempt + 1,
                        });
                        self.then(t, next, vec![ev], None, Flow::Continue).await
                    }
                    Err(e) => self.failed_call(t, next, "list_assignments", e).await,
                }
            }
            (Actual::Creating, Some(Step::Call)) => {
                if !*fresh || !desired {
                    match self.listed(key).await {
                        Ok(true) => {
                            next.actual = Actual::Present;
                            next.origin = Some(Origin::Stint);
                            next.step = None;
                            next.operation_id = None;
                            let ev = AuditEvent::AssignmentAdopted(Adopted::Converged(Explained {
                                at: at(key, t),
                                detail: "the assignment Stint had asked for exists".into(),
                            }));
                            return self.then(t, next, vec![ev], None, Flow::Continue).await;
                        }
                        Ok(false) if !desired => return self.abandon_create(t, key, next).await,
                        Ok(false) => {}
                        Err(e) => return self.failed_call(t, next, "list_assignments", e).await,
                    }
                }
                *fresh = false;
                match self
                    .call("create_assignment", self.inner.idc.create_assignment(key))
                    .await
                {
                    Ok(OperationId(op)) => {
                        next.step = Some(Step::Poll);
                        next.operation_id = Some(op.clone());
                        next.polls = 0;
                        let check = now + to_chrono(settings.poll_initial);
                        self.release(&mut next, Some(check));
                        let ev = AuditEvent::AssignmentCreateStarted(CallStarted {
                            at: at(key, t),
                            operation_id: op,
                            attempt: t.attempt + 1,
                        });
                        self.then(t, next, vec![ev], None, Flow::Done).await
                    }
                    Err(e) => self.failed_call(t, next, "create_assignment", e).await,
                }
            }
            (Actual::Creating, Some(Step::Poll)) => {
                let Some(op) = t.operation_id.clone() else {
                    next.step = Some(Step::Call);
                    return self.then(t, next, vec![], None, Flow::Continue).await;
                };
                match self
                    .call(
                        "creation_status",
                        self.inner.idc.creation_status(&OperationId(op.clone())),
                    )
                    .await
                {
                    Ok(OperationStatus::Succeeded) => {
                        next.actual = Actual::Present;
                        next.origin = Some(Origin::Stint);
                        next.step = None;
                        next.operation_id = None;
                        next.attempt = 0;
                        next.leaked = false;
                        let took = t.op_started_at.map(|s| (now - s).num_milliseconds());
                        let ev = AuditEvent::AssignmentCreated(Completed {
                            at: at(key, t),
                            operation_id: Some(op),
                            took_ms: took,
                        });
                        self.then(t, next, vec![ev], None, Flow::Continue).await
                    }
                    Ok(OperationStatus::Failed { reason }) => {
                        self.give_up(t, next, &format!("the creation failed: {reason}"))
                            .await
                    }
                    Ok(OperationStatus::InProgress) => self.poll_later(t, next).await,
                    Err(IdcError::NotFound(_)) => {
                        // Identity Center forgot the operation: find out what exists instead.
                        next.step = Some(Step::Call);
                        next.operation_id = None;
                        *fresh = false;
                        self.then(t, next, vec![], None, Flow::Continue).await
                    }
                    Err(e) => self.failed_call(t, next, "creation_status", e).await,
                }
            }
            (Actual::Present, _) => {
                if let Some(kept) = self.keep_if_kept(t, desired).await {
                    return kept;
                }
                self.begin(&mut next, Actual::Deleting, Step::Call, now);
                *fresh = true;
                let ev = AuditEvent::AssignmentDeleteRequested(CallRequested {
                    at: at(key, t),
                    attempt: 1,
                });
                self.then(t, next, vec![ev], None, Flow::Continue).await
            }
            (Actual::Deleting, None | Some(Step::Check) | Some(Step::Call)) => {
                if desired && *fresh {
                    // Nothing was called yet: keep the assignment for the grant that needs it.
                    return self.keep_present(t, key, next).await;
                }
                if !*fresh || desired {
                    match self.listed(key).await {
                        Ok(false) => {
                            return self.gone(t, key, next, None).await;
                        }
                        Ok(true) if desired => return self.keep_present(t, key, next).await,
                        Ok(true) => {}
                        Err(e) => return self.failed_call(t, next, "list_assignments", e).await,
                    }
                }
                *fresh = false;
                match self
                    .call("delete_assignment", self.inner.idc.delete_assignment(key))
                    .await
                {
                    Ok(OperationId(op)) => {
                        next.step = Some(Step::Poll);
                        next.operation_id = Some(op.clone());
                        next.polls = 0;
                        let check = now + to_chrono(settings.poll_initial);
                        self.release(&mut next, Some(check));
                        let ev = AuditEvent::AssignmentDeleteStarted(CallStarted {
                            at: at(key, t),
                            operation_id: op,
                            attempt: t.attempt + 1,
                        });
                        self.then(t, next, vec![ev], None, Flow::Done).await
                    }
                    Err(IdcError::NotFound(_)) => self.gone(t, key, next, None).await,
                    Err(e) => self.failed_call(t, next, "delete_assignment", e).await,
                }
            }
            (Actual::Deleting, Some(Step::Poll)) => {
                let Some(op) = t.operation_id.clone() else {
                    next.step = Some(Step::Call);
                    return self.then(t, next, vec![], None, Flow::Continue).await;
                };
                match self
                    .call(
                        "deletion_status",
                        self.inner.idc.deletion_status(&OperationId(op.clone())),
                    )
                    .await
                {
                    Ok(OperationStatus::Succeeded) => self.gone(t, key, next, Some(op)).await,
                    Ok(OperationStatus::Failed { reason }) => {
                        self.give_up(t, next, &format!("the deletion failed: {reason}"))
                            .await
                    }
                    Ok(OperationStatus::InProgress) => self.poll_later(t, next).await,
                    Err(IdcError::NotFound(_)) => {
                        next.step = Some(Step::Call);
                        next.operation_id = None;
                        *fresh = false;
                        self.then(t, next, vec![], None, Flow::Continue).await
                    }
                    Err(e) => self.failed_call(t, next, "deletion_status", e).await,
                }
            }
        }
    }

    async fn abandon_create(
        &self,
        t: &mut Tuple,
        key: &AssignmentKey,
        mut next: Tuple,
    ) -> Result<Flow, EngineError> {
        next.actual = Actual::Absent;
        next.origin = None;
        next.step = None;
        next.operation_id = None;
        let ev = AuditEvent::AssignmentCreateAbandoned(Explained {
            at: at(key, t),
            detail: "no grant needs the assignment any more, and it does not exist".into(),
        });
        self.then(t, next, vec![ev], None, Flow::Continue).await
    }

    async fn keep_present(
        &self,
        t: &mut Tuple,
        key: &AssignmentKey,
        mut next: Tuple,
    ) -> Result<Flow, EngineError> {
        next.actual = Actual::Present;
        next.origin = Some(Origin::Stint);
        next.step = None;
        next.operation_id = None;
        let ev = AuditEvent::AssignmentDeleteAbandoned(Explained {
            at: at(key, t),
            detail: "a grant needs the assignment again before it was deleted".into(),
        });
        self.then(t, next, vec![ev], None, Flow::Continue).await
    }

    async fn gone(
        &self,
        t: &mut Tuple,
        key: &AssignmentKey,
        mut next: Tuple,
        op: Option<String>,
    ) -> Result<Flow, EngineError> {
        let now = self.now();
        next.actual = Actual::Absent;
        next.origin = None;
        next.step = None;
        next.operation_id = None;
        next.attempt = 0;
        next.leaked = false;
        let took = t.op_started_at.map(|s| (now - s).num_milliseconds());
        // Gone by the deletion Stint asked for, or found gone before it asked.
        let deleted = op.is_some();
        let done = Completed {
            at: at(key, t),
            operation_id: op,
            took_ms: took,
        };
        let ev = if deleted {
            AuditEvent::AssignmentDeleted(Deleted::Completed(done))
        } else {
            AuditEvent::AssignmentAlreadyGone(done)
        };
        self.then(t, next, vec![ev], None, Flow::Continue).await
    }
}
