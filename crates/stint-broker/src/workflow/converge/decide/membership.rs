//! A group membership's steps. The invariants are an assignment's, but Identity Store
//! changes a membership at once, so there is no operation to poll: a `call` step is the
//! add or remove itself, and its answer is final.
//!
//! `creating/check` looks the membership up first (a user already in the group is
//! standing membership, never removed by Stint); `creating/call` and `deleting/call`,
//! found on resume (`fresh` false), look again and adopt what exists instead of calling
//! blind. Adding a user already in the group and removing one who is gone count as done
//! (the adapter maps AWS's answers).

use super::{Ask, Flow, Next, Seen, Situation, absent, begin, kept, retry, took_ms, unasked};
use crate::idc::IdcError;
use crate::model::audit::{
    MembershipAdopted, MembershipCall, MembershipChanged, MembershipExplained, MembershipStep,
};
use crate::model::{Actual, AuditEvent, MembershipKey, Origin, Step, Tuple};

/// The membership an event is about; the driver completes it with the tuple's new state.
pub(super) fn at(key: &MembershipKey, t: &Tuple) -> MembershipStep {
    MembershipStep::new(key, t.actual, None)
}

fn explained(key: &MembershipKey, t: &Tuple, detail: &str) -> MembershipExplained {
    MembershipExplained {
        at: at(key, t),
        detail: detail.to_string(),
    }
}

pub(super) fn decide(s: &Situation<'_>, key: &MembershipKey, seen: Seen) -> Next {
    let t = s.t;
    let mut next = t.clone();
    match (t.actual, t.step) {
        (Actual::Absent, _) => absent(s),
        (Actual::Creating, None | Some(Step::Check)) => {
            if !s.desired {
                return abandon_add(s, key);
            }
            match seen {
                Seen::Nothing => Next::Ask(Ask::Look),
                Seen::Looked(Ok(true)) if t.leaked => {
                    // Left behind by an earlier addition that ended in doubt: Stint's own.
                    next.actual = Actual::Present;
                    next.origin = Some(Origin::Stint);
                    next.step = None;
                    next.leaked = false;
                    let ev = AuditEvent::MembershipAdopted(MembershipAdopted::Converged(
                        explained(key, t, "the membership an earlier attempt asked for exists"),
                    ));
                    Next::commit(next, vec![ev], Flow::Continue)
                }
                Seen::Looked(Ok(true)) => {
                    next.actual = Actual::Present;
                    next.origin = Some(Origin::Standing);
                    next.step = None;
                    next.leaked = false;
                    let ev = AuditEvent::StandingMembershipFound(explained(
                        key,
                        t,
                        "the user is already in this group and Stint did not add them: Stint will never remove them",
                    ));
                    Next::commit(next, vec![ev], Flow::Continue)
                }
                Seen::Looked(Ok(false)) => {
                    next.step = Some(Step::Call);
                    let ev = AuditEvent::MembershipCreateRequested(MembershipCall {
                        at: at(key, t),
                        attempt: t.attempt + 1,
                    });
                    Next::call_next(next, ev)
                }
                Seen::Looked(Err(e)) => retry::failed_call(s, next, "get_membership", e),
                other => unasked(s, &other),
            }
        }
        (Actual::Creating, Some(Step::Call | Step::Poll)) => {
            match seen {
                // Resumed: the addition may have been made before the broker stopped.
                Seen::Nothing if !s.fresh || !s.desired => Next::Ask(Ask::Look),
                Seen::Nothing | Seen::Looked(Ok(false)) if s.desired => Next::Ask(Ask::Create),
                Seen::Looked(Ok(false)) => abandon_add(s, key),
                Seen::Looked(Ok(true)) => {
                    next.actual = Actual::Present;
                    next.origin = Some(Origin::Stint);
                    next.step = None;
                    let ev = AuditEvent::MembershipAdopted(MembershipAdopted::Converged(
                        explained(key, t, "the membership Stint had asked for exists"),
                    ));
                    Next::commit(next, vec![ev], Flow::Continue)
                }
                Seen::Looked(Err(e)) => retry::failed_call(s, next, "get_membership", e),
                Seen::Changed(Ok(id)) => {
                    next.actual = Actual::Present;
                    next.origin = Some(Origin::Stint);
                    next.step = None;
                    next.attempt = 0;
                    next.leaked = false;
                    let ev = AuditEvent::MembershipCreated(MembershipChanged {
                        at: at(key, t),
                        membership_id: id,
                        took_ms: took_ms(s),
                    });
                    Next::commit(next, vec![ev], Flow::Continue)
                }
                Seen::Changed(Err(e)) => retry::failed_call(s, next, "add_membership", e),
                other => unasked(s, &other),
            }
        }
        (Actual::Present, _) => {
            if let Some(kept) = kept(s) {
                return kept;
            }
            begin(s, &mut next, Actual::Deleting, Step::Call);
            let ev = AuditEvent::MembershipDeleteRequested(MembershipCall {
                at: at(key, t),
                attempt: 1,
            });
            Next::call_next(next, ev)
        }
        (Actual::Deleting, _) => match seen {
            // Nothing was called yet: keep the membership for the grant that needs it.
            Seen::Nothing if s.desired && s.fresh => keep_membership(s, key),
            Seen::Nothing if !s.fresh => Next::Ask(Ask::Look),
            Seen::Nothing => Next::Ask(Ask::Delete),
            Seen::Looked(Ok(false)) => gone(s, key, false),
            Seen::Looked(Ok(true)) if s.desired => keep_membership(s, key),
            Seen::Looked(Ok(true)) => Next::Ask(Ask::Delete),
            Seen::Looked(Err(e)) => retry::failed_call(s, next, "get_membership", e),
            Seen::Changed(Ok(_)) => gone(s, key, true),
            // The group or the user is gone, and the membership with them.
            Seen::Changed(Err(IdcError::NotFound(_))) => gone(s, key, false),
            Seen::Changed(Err(e)) => retry::failed_call(s, next, "remove_membership", e),
            other => unasked(s, &other),
        },
    }
}

fn abandon_add(s: &Situation<'_>, key: &MembershipKey) -> Next {
    let mut next = s.t.clone();
    next.actual = Actual::Absent;
    next.origin = None;
    next.step = None;
    let ev = AuditEvent::MembershipCreateAbandoned(explained(
        key,
        s.t,
        "no grant needs the membership any more, and it does not exist",
    ));
    Next::commit(next, vec![ev], Flow::Continue)
}

fn keep_membership(s: &Situation<'_>, key: &MembershipKey) -> Next {
    let mut next = s.t.clone();
    next.actual = Actual::Present;
    next.origin = Some(Origin::Stint);
    next.step = None;
    let ev = AuditEvent::MembershipDeleteAbandoned(explained(
        key,
        s.t,
        "a grant needs the membership again before it was removed",
    ));
    Next::commit(next, vec![ev], Flow::Continue)
}

/// The membership is gone: removed by the call Stint made, or found gone before it.
fn gone(s: &Situation<'_>, key: &MembershipKey, removed: bool) -> Next {
    let mut next = s.t.clone();
    next.actual = Actual::Absent;
    next.origin = None;
    next.step = None;
    next.attempt = 0;
    next.leaked = false;
    let done = MembershipChanged {
        at: at(key, s.t),
        membership_id: None,
        took_ms: took_ms(s),
    };
    let ev = if removed {
        AuditEvent::MembershipDeleted(done)
    } else {
        AuditEvent::MembershipAlreadyGone(done)
    };
    Next::commit(next, vec![ev], Flow::Continue)
}
