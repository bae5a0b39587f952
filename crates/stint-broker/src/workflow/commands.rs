//! What people ask the engine to do. The API layer has authenticated the caller and asked
//! the policy; these still enforce the rules that must never break: nobody approves their
//! own request, only the requester cancels, only the requester, an approver or an admin
//! revokes, a rejection says why, and a request nobody could approve is refused.

use std::time::Duration;

use chrono::{DateTime, Utc};
use stint_api::rules::TextField;

use super::machine::{event, next_due, transition};
use super::{Engine, EngineError};
use crate::backoff::to_chrono;
use crate::model::audit::{
    Approved, Commented, ExtensionRejected, ExtensionRequested, Moved, Rejected, RequestStep,
    Requested,
};
use crate::model::{
    AccountInfo, Actor, AuditEvent, BROKER_ACTOR, GroupInfo, NewEvent, NewRequest,
    PermissionSetInfo, Request, RequestId, State, Target,
};
use crate::store::{Change, StoreError};

/// How often a command re-reads and retries when the request changed under it.
const CONFLICT_RETRIES: usize = 8;

/// What the policy decided about a new request, passed in as data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalDecision {
    pub approval_required: bool,
    /// Groups whose members may approve (and revoke). Required when approval is.
    pub approver_groups: Vec<String>,
    /// A pending request expires when nobody decides within this.
    pub approval_timeout: Option<Duration>,
}

/// A new request for access, checked by the policy: an account assignment, or, with
/// `group` set, membership of that group (`account` and `permission_set` then empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGrant {
    pub account: AccountInfo,
    pub permission_set: PermissionSetInfo,
    pub group: Option<GroupInfo>,
    pub duration: Duration,
    /// When the window should open; now if absent or past.
    pub start_at: Option<DateTime<Utc>>,
    pub reason: String,
    pub ticket: Option<String>,
    pub decision: ApprovalDecision,
}

/// Free text is text: the one rule, from `stint-api`, that clients check too.
fn check_text(field: TextField, text: &str) -> Result<(), EngineError> {
    stint_api::rules::check_text(field, text).map_err(|p| EngineError::InvalidInput(p.to_string()))
}

fn trimmed(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

fn may_approve(actor: &Actor, request: &Request) -> bool {
    actor
        .groups
        .iter()
        .any(|g| request.approver_groups.iter().any(|a| a == g))
}

fn groups_list(request: &Request) -> String {
    if request.approver_groups.is_empty() {
        "no group".to_string()
    } else {
        request.approver_groups.join(", ")
    }
}

/// What a command does to one request: its events and the tuples it makes due.
struct Effect {
    events: Vec<NewEvent>,
    wake: Vec<Target>,
}

impl Effect {
    fn event(event: NewEvent) -> Self {
        Effect {
            events: vec![event],
            wake: Vec::new(),
        }
    }

    fn waking(mut self, key: Target) -> Self {
        self.wake.push(key);
        self
    }
}

impl Engine {
    /// Reads the request, lets `decide` change it, commits; re-reads and decides again if
    /// the request changed in between. A member of a request set is decided with its set:
    /// `decide` runs on every member and the change commits them all at once; a member the
    /// action does not apply to (an `InvalidState` refusal: a failed member, say) is passed
    /// over, and the action is refused only when it applies to none. Returns the request
    /// asked about.
    async fn update_request<F>(&self, id: RequestId, mut decide: F) -> Result<Request, EngineError>
    where
        F: FnMut(&mut Request, DateTime<Utc>) -> Result<Effect, EngineError>,
    {
        for _ in 0..CONFLICT_RETRIES {
            let asked = self
                .inner
                .store
                .request(id)
                .await?
                .ok_or(EngineError::NotFound(id))?;
            let members = match asked.set_id {
                Some(set) => self.inner.store.requests_in_set(set).await?,
                None => Vec::new(),
            };
            let members = if members.iter().any(|m| m.id == id) {
                members
            } else {
                vec![asked.clone()]
            };
            let now = self.now();
            let mut change = Change {
                at: now,
                ..Change::default()
            };
            let mut refusal = None;
            for mut request in members {
                match decide(&mut request, now) {
                    Ok(effect) => {
                        change.events.extend(effect.events);
                        change.wake.extend(effect.wake);
                        change.requests.push(request);
                    }
                    Err(e @ EngineError::InvalidState { .. }) => {
                        if request.id == id {
                            refusal = Some(e);
                        }
                    }
                    Err(e) => return Err(e),
                }
            }
            if change.requests.is_empty() {
                return Err(refusal.unwrap_or(EngineError::NotFound(id)));
            }
            match self.commit(&change).await {
                Ok(_) => {
                    self.inner.wake.notify_one();
                    // The asked member as committed, or as read when the action passed it over.
                    return Ok(change.requests.into_iter().find(|r| r.id == id).map_or(
                        asked,
                        |mut r| {
                            r.version += 1;
                            r
                        },
                    ));
                }
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(EngineError::Busy(id))
    }

    /// Records a new request: `pending` when approval is required, else `approved` at once.
    pub async fn create(&self, actor: &Actor, grant: NewGrant) -> Result<Request, EngineError> {
        let (new, events) = self.prepare(actor, grant, self.now())?;
        let (request, seq) = self.inner.store.insert_request(&new, events).await?;
        self.published(seq);
        self.inner.wake.notify_one();
        Ok(request)
    }

    /// A new request checked and as it will be written, with its first events: for
    /// [`Engine::create`] and each member of a request set.
    pub(super) fn prepare(
        &self,
        actor: &Actor,
        grant: NewGrant,
        now: DateTime<Utc>,
    ) -> Result<(NewRequest, Vec<NewEvent>), EngineError> {
        let reason = grant.reason.trim().to_string();
        check_text(TextField::Reason, &reason)?;
        let ticket = trimmed(grant.ticket);
        if let Some(ticket) = &ticket {
            check_text(TextField::Ticket, ticket)?;
        }
        let duration_secs = u32::try_from(grant.duration.as_secs()).unwrap_or(u32::MAX);
        if duration_secs == 0 {
            return Err(EngineError::InvalidInput(
                "the duration must be at least one second".into(),
            ));
        }
        let decision = grant.decision;
        if decision.approval_required && decision.approver_groups.is_empty() {
            return Err(EngineError::NoApprover(format!(
                "nobody could approve {}: the policy names no approver group for it",
                match &grant.group {
                    Some(group) => format!("membership of group {}", group.name),
                    None => format!("{} in {}", grant.permission_set.name, grant.account.name),
                }
            )));
        }
        let start_at = crate::store::time_truncate(grant.start_at.unwrap_or(now).max(now));
        let end_at = start_at + chrono::Duration::seconds(i64::from(duration_secs));
        let approval_deadline = match (decision.approval_required, decision.approval_timeout) {
            (true, Some(timeout)) => Some(now + to_chrono(timeout)),
            _ => None,
        };
        let state = if decision.approval_required {
            State::Pending
        } else {
            State::Approved
        };
        let new = NewRequest {
            requester: actor.person.clone(),
            account: grant.account,
            permission_set: grant.permission_set,
            group: grant.group,
            state,
            reason,
            ticket,
            duration_secs,
            start_at,
            end_at,
            approval_required: decision.approval_required,
            approver_groups: decision.approver_groups,
            approval_deadline,
            created_at: now,
            next_due_at: if decision.approval_required {
                approval_deadline
            } else {
                Some(start_at)
            },
        };
        let mut events = vec![NewEvent {
            at: now,
            actor: actor.person.user_name.clone(),
            request_id: None,
            event: AuditEvent::Requested(Requested {
                state: State::Pending,
                account_id: new.account.id.clone(),
                account_name: new.account.name.clone(),
                permission_set: new.permission_set.name.clone(),
                permission_set_arn: new.permission_set.arn.clone(),
                group_id: new.group.as_ref().map(|g| g.id.clone()),
                group: new.group.as_ref().map(|g| g.name.clone()),
                duration_secs: new.duration_secs,
                start_at: new.start_at,
                reason: new.reason.clone(),
                ticket: new.ticket.clone(),
                approval_required: new.approval_required,
                approver_groups: new.approver_groups.clone(),
                approval_deadline: new.approval_deadline,
                set_id: None,
            }),
        }];
        if !new.approval_required {
            events.push(NewEvent {
                at: now,
                actor: BROKER_ACTOR.into(),
                request_id: None,
                event: AuditEvent::AutoApproved(RequestStep {
                    state: State::Approved,
                    from: None,
                    detail: Some(
                        "the policy lets this access be granted without approval".to_string(),
                    ),
                }),
            });
        }
        Ok((new, events))
    }

    /// Approves a pending request, or an extension waiting for approval.
    pub async fn approve(
        &self,
        id: RequestId,
        actor: &Actor,
        comment: Option<String>,
    ) -> Result<Request, EngineError> {
        let comment = trimmed(comment);
        if let Some(c) = &comment {
            check_text(TextField::Comment, c)?;
        }
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

    /// The requester withdraws a request that has not started.
    pub async fn cancel(
        &self,
        id: RequestId,
        actor: &Actor,
        comment: Option<String>,
    ) -> Result<Request, EngineError> {
        let comment = trimmed(comment);
        if let Some(c) = &comment {
            check_text(TextField::Comment, c)?;
        }
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
        let comment = trimmed(comment);
        if let Some(c) = &comment {
            check_text(TextField::Comment, c)?;
        }
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

fn secs_between(from: DateTime<Utc>, to: DateTime<Utc>) -> u32 {
    u32::try_from((to - from).num_seconds().max(1)).unwrap_or(u32::MAX)
}

/// An illegal transition inside a command is the engine's bug; it must not pass silently.
fn bug(e: super::machine::IllegalTransition) -> EngineError {
    tracing::error!(error = %e, "workflow bug");
    EngineError::InvalidState {
        id: e.id,
        state: e.from,
        action: "moved that way",
    }
}
