//! One step of a group membership's convergence. The invariants are an assignment's, but
//! Identity Store changes a membership at once, so there is no operation to poll: a
//! `call` step is the add or remove itself, and its answer is final.
//!
//! Every step is committed before its call: `creating/check` looks the membership up first
//! (a user already in the group is standing membership, never removed by Stint);
//! `creating/call` and `deleting/call`, found on resume (`fresh` false), look again and adopt
//! what exists instead of calling blind. Adding a user already in the group and removing one
//! who is gone count as done (the adapter maps AWS's answers).

use super::Flow;
use crate::idc::{IdcError, MembershipId};
use crate::model::audit::{
    MembershipAdopted, MembershipCall, MembershipChanged, MembershipExplained, MembershipStep,
};
use crate::model::{Actual, AuditEvent, MembershipKey, Origin, Step, Tuple};
use crate::workflow::{Engine, EngineError};

/// The membership an event is about; `apply` completes it with the tuple's new state.
fn at(key: &MembershipKey, t: &Tuple) -> MembershipStep {
    MembershipStep::new(key, t.actual, None)
}

fn explained(key: &MembershipKey, t: &Tuple, detail: &str) -> MembershipExplained {
    MembershipExplained {
        at: at(key, t),
        detail: detail.to_string(),
    }
}

impl Engine {
    pub(super) async fn step_membership(
        &self,
        t: &mut Tuple,
        key: &MembershipKey,
        desired: bool,
        fresh: &mut bool,
    ) -> Result<Flow, EngineError> {
        let now = self.now();
        let mut next = t.clone();
        match (t.actual, t.step) {
            (Actual::Absent, _) => self.step_absent(t, desired).await,
            (Actual::Creating, None | Some(Step::Check)) => {
                if !desired {
                    return self.abandon_add(t, key, next).await;
                }
                match self.is_member(key).await {
                    Ok(true) if t.leaked => {
                        // Left behind by an earlier addition that ended in doubt: Stint's own.
                        next.actual = Actual::Present;
                        next.origin = Some(Origin::Stint);
                        next.step = None;
                        next.leaked = false;
                        let ev = AuditEvent::MembershipAdopted(MembershipAdopted::Converged(
                            explained(key, t, "the membership an earlier attempt asked for exists"),
                        ));
                        self.then(t, next, vec![ev], None, Flow::Continue).await
                    }
                    Ok(true) => {
                        next.actual = Actual::Present;
                        next.origin = Some(Origin::Standing);
                        next.step = None;
                        next.leaked = false;
                        let ev = AuditEvent::StandingMembershipFound(explained(
                            key,
                            t,
                            "the user is already in this group and Stint did not add them: Stint will never remove them",
                        ));
                        self.then(t, next, vec![ev], None, Flow::Continue).await
                    }
                    Ok(false) => {
                        next.step = Some(Step::Call);
                        *fresh = true;
                        let ev = AuditEvent::MembershipCreateRequested(MembershipCall {
                            at: at(key, t),
                            attempt: t.attempt + 1,
                        });
                        self.then(t, next, vec![ev], None, Flow::Continue).await
                    }
                    Err(e) => self.failed_call(t, next, "get_membership", e).await,
                }
            }
            (Actual::Creating, Some(Step::Call | Step::Poll)) => {
                if !*fresh || !desired {
                    // Resumed: the addition may have been made before the broker stopped.
                    match self.is_member(key).await {
                        Ok(true) => {
                            next.actual = Actual::Present;
                            next.origin = Some(Origin::Stint);
                            next.step = None;
                            let ev = AuditEvent::MembershipAdopted(MembershipAdopted::Converged(
                                explained(key, t, "the membership Stint had asked for exists"),
                            ));
                            return self.then(t, next, vec![ev], None, Flow::Continue).await;
                        }
                        Ok(false) if !desired => return self.abandon_add(t, key, next).await,
                        Ok(false) => {}
                        Err(e) => return self.failed_call(t, next, "get_membership", e).await,
                    }
                }
                *fresh = false;
                match self
                    .call("add_membership", self.inner.idc.add_membership(key))
                    .await
                {
                    Ok(MembershipId(id)) => {
                        next.actual = Actual::Present;
                        next.origin = Some(Origin::Stint);
                        next.step = None;
                        next.attempt = 0;
                        next.leaked = false;
                        let ev = AuditEvent::MembershipCreated(MembershipChanged {
                            at: at(key, t),
                            membership_id: Some(id),
                            took_ms: t.op_started_at.map(|s| (now - s).num_milliseconds()),
                        });
                        self.then(t, next, vec![ev], None, Flow::Continue).await
                    }
                    Err(e) => self.failed_call(t, next, "add_membership", e).await,
                }
            }
            (Actual::Present, _) => {
                if let Some(kept) = self.keep_if_kept(t, desired).await {
                    return kept;
                }
                self.begin(&mut next, Actual::Deleting, Step::Call, now);
                *fresh = true;
                let ev = AuditEvent::MembershipDeleteRequested(MembershipCall {
                    at: at(key, t),
                    attempt: 1,
                });
                self.then(t, next, vec![ev], None, Flow::Continue).await
            }
            (Actual::Deleting, _) => {
                if desired && *fresh {
                    // Nothing was called yet: keep the membership for the grant that needs it.
                    return self.keep_membership(t, key, next).await;
                }
                if !*fresh || desired {
                    match self.is_member(key).await {
                        Ok(false) => return self.membership_gone(t, key, next, false).await,
                        Ok(true) if desired => return self.keep_membership(t, key, next).await,
                        Ok(true) => {}
                        Err(e) => return self.failed_call(t, next, "get_membership", e).await,
                    }
                }
                *fresh = false;
                match self
                    .call("remove_membership", self.inner.idc.remove_membership(key))
                    .await
                {
                    Ok(()) => self.membership_gone(t, key, next, true).await,
                    // The group or the user is gone, and the membership with them.
                    Err(IdcError::NotFound(_)) => self.membership_gone(t, key, next, false).await,
                    Err(e) => self.failed_call(t, next, "remove_membership", e).await,
                }
            }
        }
    }

    /// Whether the user is in the group now (`GetGroupMembershipId`).
    async fn is_member(&self, key: &MembershipKey) -> Result<bool, IdcError> {
        self.call("get_membership", self.inner.idc.membership(key))
            .await
            .map(|id| id.is_some())
    }

    async fn abandon_add(
        &self,
        t: &mut Tuple,
        key: &MembershipKey,
        mut next: Tuple,
    ) -> Result<Flow, EngineError> {
        next.actual = Actual::Absent;
        next.origin = None;
        next.step = None;
        let ev = AuditEvent::MembershipCreateAbandoned(explained(
            key,
            t,
            "no grant needs the membership any more, and it does not exist",
        ));
        self.then(t, next, vec![ev], None, Flow::Continue).await
    }

    async fn keep_membership(
        &self,
        t: &mut Tuple,
        key: &MembershipKey,
        mut next: Tuple,
    ) -> Result<Flow, EngineError> {
        next.actual = Actual::Present;
        next.origin = Some(Origin::Stint);
        next.step = None;
        let ev = AuditEvent::MembershipDeleteAbandoned(explained(
            key,
            t,
            "a grant needs the membership again before it was removed",
        ));
        self.then(t, next, vec![ev], None, Flow::Continue).await
    }

    /// The membership is gone: removed by the call Stint made, or found gone before it.
    async fn membership_gone(
        &self,
        t: &mut Tuple,
        key: &MembershipKey,
        mut next: Tuple,
        removed: bool,
    ) -> Result<Flow, EngineError> {
        let now = self.now();
        next.actual = Actual::Absent;
        next.origin = None;
        next.step = None;
        next.attempt = 0;
        next.leaked = false;
        let done = MembershipChanged {
            at: at(key, t),
            membership_id: None,
            took_ms: t.op_started_at.map(|s| (now - s).num_milliseconds()),
        };
        let ev = if removed {
            AuditEvent::MembershipDeleted(done)
        } else {
            AuditEvent::MembershipAlreadyGone(done)
        };
        self.then(t, next, vec![ev], None, Flow::Continue).await
    }
}
