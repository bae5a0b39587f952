//! Ending a request early: the requester cancels one that has not started; the
//! requester, an approver or an admin revokes a grant.

use super::{Effect, bug, checked_comment, groups_list, may_approve};
use crate::model::audit::Commented;
use crate::model::{Actor, AuditEvent, Request, RequestId, State};
use crate::workflow::machine::transition;
use crate::workflow::{Engine, EngineError};

impl Engine {
    /// The requester withdraws a request that has not started.
    pub async fn cancel(
        &self,
        id: RequestId,
        actor: &Actor,
        comment: Option<String>,
    ) -> Result<Request, EngineError> {
        let comment = checked_comment(comment)?;
        self.update_request(id, |r, now| {
            if r.requester.user_id != actor.person.user_id {
                return Err(EngineError::Forbidden(format!(
                    "only {} can cancel request {id}; an approver can reject or revoke it",
                    r.requester.user_name
                )));
            }
            if !matches!(r.state, State::Pending | State::Approved) {
                return Err(EngineError::InvalidState {
                    id,
                    state: r.state,
                    action: "cancelled (revoke an active grant instead)",
                });
            }
            let detail = format!("cancelled by {}", actor.person.user_name);
            let e = transition(
                r,
                State::Cancelled,
                now,
                &actor.person.user_name,
                Some(&detail),
                |step| {
                    AuditEvent::Cancelled(Commented {
                        step,
                        comment: comment.clone(),
                    })
                },
            )
            .map_err(bug)?;
            Ok(Effect::event(e))
        })
        .await
    }

    /// Ends a grant early (or one approved but not started). The requester, an approver of
    /// the request, or an admin may.
    pub async fn revoke(
        &self,
        id: RequestId,
        actor: &Actor,
        comment: Option<String>,
    ) -> Result<Request, EngineError> {
        let comment = checked_comment(comment)?;
        self.update_request(id, |r, now| {
            let allowed =
                r.requester.user_id == actor.person.user_id || may_approve(actor, r) || actor.admin;
            if !allowed {
                return Err(EngineError::Forbidden(format!(
                    "you may not revoke request {id}: only {}, a member of {} or an admin may",
                    r.requester.user_name,
                    groups_list(r)
                )));
            }
            let who = actor.person.user_name.as_str();
            let detail = format!("revoked by {who}");
            match r.state {
                State::Approved => {
                    let detail = format!("{detail} before it started");
                    let e = transition(r, State::Ended, now, who, Some(&detail), |step| {
                        AuditEvent::Revoked(Commented {
                            step,
                            comment: comment.clone(),
                        })
                    })
                    .map_err(bug)?;
                    Ok(Effect::event(e))
                }
                State::Activating | State::Active => {
                    r.end_at = now.max(r.start_at);
                    let key = r.target();
                    let e = transition(r, State::Ending, now, who, Some(&detail), |step| {
                        AuditEvent::Revoked(Commented {
                            step,
                            comment: comment.clone(),
                        })
                    })
                    .map_err(bug)?;
                    Ok(Effect::event(e).waking(key))
                }
                state => Err(EngineError::InvalidState {
                    id,
                    state,
                    action: "revoked",
                }),
            }
        })
        .await
    }
}
