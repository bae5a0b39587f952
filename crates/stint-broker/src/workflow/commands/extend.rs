//! Lengthening a request's window in place, at once or after an approver agrees.

use std::time::Duration;

use stint_api::rules::TextField;

use super::{Effect, check_text, secs_between, trimmed};
use crate::backoff::to_chrono;
use crate::model::audit::{ExtensionRequested, Moved};
use crate::model::{Actor, AuditEvent, Request, RequestId, State};
use crate::workflow::machine::{event, next_due};
use crate::workflow::{Engine, EngineError};

impl Engine {
    /// Lengthens a request's window in place by `by`. With `approval` (the policy says the
    /// new length needs it, and names these approver groups) an approved request's new end
    /// waits for an approver: the request's own approvers, or, for a grant that needed
    /// nobody's approval, the groups named now.
    pub async fn extend(
        &self,
        id: RequestId,
        actor: &Actor,
        by: Duration,
        reason: Option<String>,
        approval: Option<Vec<String>>,
    ) -> Result<Request, EngineError> {
        let reason = trimmed(reason);
        if let Some(reason) = &reason {
            check_text(TextField::Reason, reason)?;
        }
        if by.as_secs() == 0 {
            return Err(EngineError::InvalidInput(
                "an extension must add at least one second".into(),
            ));
        }
        let by = to_chrono(by);
        self.update_request(id, |r, now| {
            if r.requester.user_id != actor.person.user_id && !actor.admin {
                return Err(EngineError::Forbidden(format!(
                    "only {} can extend request {id}",
                    r.requester.user_name
                )));
            }
            let who = actor.person.user_name.as_str();
            let new_end = r.end_at + by;
            match r.state {
                State::Pending => {
                    let old_end = r.end_at;
                    r.end_at = new_end;
                    r.duration_secs = secs_between(r.start_at, new_end);
                    r.updated_at = now;
                    Ok(Effect::event(event(r, now, who, reason.as_deref(), |step| {
                        AuditEvent::Extended(Moved {
                            step,
                            old_end_at: old_end,
                            end_at: new_end,
                        })
                    })))
                }
                State::Approved | State::Activating | State::Active if approval.is_some() => {
                    if r.approver_groups.is_empty() {
                        r.approver_groups = approval.clone().unwrap_or_default();
                    }
                    if r.approver_groups.is_empty() {
                        return Err(EngineError::NoApprover(format!(
                            "nobody could approve extending request {id}: the policy names no approver group for it"
                        )));
                    }
                    r.pending_end_at = Some(new_end);
                    r.updated_at = now;
                    let end_at = r.end_at;
                    Ok(Effect::event(event(r, now, who, reason.as_deref(), |step| {
                        AuditEvent::ExtensionRequested(ExtensionRequested {
                            step,
                            end_at,
                            asked_end_at: new_end,
                        })
                    })))
                }
                State::Approved | State::Activating | State::Active => {
                    let old_end = r.end_at;
                    r.end_at = new_end;
                    r.duration_secs = secs_between(r.start_at, new_end);
                    r.updated_at = now;
                    r.next_due_at = next_due(r);
                    Ok(Effect::event(event(r, now, who, reason.as_deref(), |step| {
                        AuditEvent::Extended(Moved {
                            step,
                            old_end_at: old_end,
                            end_at: new_end,
                        })
                    })))
                }
                state => Err(EngineError::InvalidState {
                    id,
                    state,
                    action: "extended",
                }),
            }
        })
        .await
    }
}
