//! An approver decides: approving or rejecting a pending request, or an extension
//! waiting for approval. Nobody decides their own request.

use stint_api::rules::TextField;

use super::{
    Effect, bug, check_text, checked_comment, groups_list, may_approve, secs_between, trimmed,
};
use crate::model::audit::{Approved, ExtensionRejected, Moved, Rejected};
use crate::model::{Actor, AuditEvent, Request, RequestId, State};
use crate::workflow::machine::{event, next_due, transition};
use crate::workflow::{Engine, EngineError};

impl Engine {
    /// Approves a pending request, or an extension waiting for approval.
    pub async fn approve(
        &self,
        id: RequestId,
        actor: &Actor,
        comment: Option<String>,
    ) -> Result<Request, EngineError> {
        let comment = checked_comment(comment)?;
        self.update_request(id, |r, now| {
            if r.requester.user_id == actor.person.user_id {
                return Err(EngineError::SelfApproval(groups_list(r)));
            }
            if !may_approve(actor, r) {
                return Err(EngineError::Forbidden(format!(
                    "you may not approve request {id}: it needs a member of {}",
                    groups_list(r)
                )));
            }
            let who = actor.person.user_name.as_str();
            match (r.state, r.pending_end_at) {
                (State::Pending, _) => {
                    if r.start_at < now {
                        // Approved late: the window opens now and keeps its full length.
                        r.start_at = now;
                        r.end_at = now + chrono::Duration::seconds(i64::from(r.duration_secs));
                    }
                    r.decided_by = Some(actor.person.clone());
                    r.decision_comment = comment.clone();
                    let (start_at, end_at) = (r.start_at, r.end_at);
                    let e = transition(r, State::Approved, now, who, comment.as_deref(), |step| {
                        AuditEvent::Approved(Approved {
                            step,
                            start_at,
                            end_at,
                        })
                    })
                    .map_err(bug)?;
                    Ok(Effect::event(e))
                }
                (State::Approved | State::Activating | State::Active, Some(new_end)) => {
                    let old_end = r.end_at;
                    if new_end > r.end_at {
                        r.end_at = new_end;
                        r.duration_secs = secs_between(r.start_at, new_end);
                    }
                    r.pending_end_at = None;
                    r.updated_at = now;
                    r.next_due_at = next_due(r);
                    let end_at = r.end_at;
                    Ok(Effect::event(event(
                        r,
                        now,
                        who,
                        comment.as_deref(),
                        |step| {
                            AuditEvent::ExtensionApproved(Moved {
                                step,
                                old_end_at: old_end,
                                end_at,
                            })
                        },
                    )))
                }
                (state, _) => Err(EngineError::InvalidState {
                    id,
                    state,
                    action: "approved",
                }),
            }
        })
        .await
    }

    /// Rejects a pending request, or an extension waiting for approval. A comment is required.
    pub async fn reject(
        &self,
        id: RequestId,
        actor: &Actor,
        comment: Option<String>,
    ) -> Result<Request, EngineError> {
        let Some(comment) = trimmed(comment) else {
            return Err(EngineError::InvalidInput(
                "a rejection needs a comment: tell the requester why".into(),
            ));
        };
        check_text(TextField::Comment, &comment)?;
        self.update_request(id, |r, now| {
            if r.requester.user_id == actor.person.user_id {
                return Err(EngineError::Forbidden(format!(
                    "request {id} is yours: cancel it instead of rejecting it"
                )));
            }
            if !may_approve(actor, r) {
                return Err(EngineError::Forbidden(format!(
                    "you may not decide request {id}: it needs a member of {}",
                    groups_list(r)
                )));
            }
            let who = actor.person.user_name.as_str();
            match (r.state, r.pending_end_at) {
                (State::Pending, _) => {
                    r.decided_by = Some(actor.person.clone());
                    r.decision_comment = Some(comment.clone());
                    let detail = format!("rejected by {who}: {comment}");
                    let e = transition(r, State::Rejected, now, who, Some(&detail), |step| {
                        AuditEvent::Rejected(Rejected {
                            step,
                            comment: comment.clone(),
                        })
                    })
                    .map_err(bug)?;
                    Ok(Effect::event(e))
                }
                (State::Approved | State::Activating | State::Active, Some(asked)) => {
                    r.pending_end_at = None;
                    r.updated_at = now;
                    Ok(Effect::event(event(r, now, who, Some(&comment), |step| {
                        AuditEvent::ExtensionRejected(ExtensionRejected {
                            step,
                            asked_end_at: asked,
                        })
                    })))
                }
                (state, _) => Err(EngineError::InvalidState {
                    id,
                    state,
                    action: "rejected",
                }),
            }
        })
        .await
    }
}
