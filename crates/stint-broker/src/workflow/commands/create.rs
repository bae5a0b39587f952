//! Recording a new request: checked, as it will be written, with its first events.

use chrono::{DateTime, Utc};
use stint_api::rules::TextField;

use super::{NewGrant, check_text, trimmed};
use crate::backoff::to_chrono;
use crate::model::audit::{RequestStep, Requested};
use crate::model::{Actor, AuditEvent, BROKER_ACTOR, NewEvent, NewRequest, Request, State};
use crate::workflow::{Engine, EngineError};

impl Engine {
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
    pub(in crate::workflow) fn prepare(
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
}
