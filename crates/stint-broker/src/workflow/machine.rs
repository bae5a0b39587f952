//! The request state machine: which transitions exist, what each schedules next, and the
//! audit event that records it. Commands, the scheduler and the tuple worker all move
//! requests through [`transition`], so no path can invent a transition the diagram lacks.

use crate::model::audit::RequestStep;
use crate::model::{AuditEvent, NewEvent, Request, State};
use chrono::{DateTime, Utc};

/// DESIGN.md's lifecycle, plus the reconcile repair of a failed ending.
pub fn allowed(from: State, to: State) -> bool {
    use State::*;
    matches!(
        (from, to),
        (Pending, Approved | Rejected | Cancelled | Expired)
            | (Approved, Activating | Cancelled | Ended)
            | (Activating, Active | Ending | Failed)
            | (Active, Ending | Failed)
            | (Ending, Ended | Failed)
            | (Failed, Ended)
    )
}

/// When the request's next time-driven step is due in its current state.
pub fn next_due(request: &Request) -> Option<DateTime<Utc>> {
    match request.state {
        State::Pending => request.approval_deadline,
        State::Approved => Some(request.start_at),
        State::Active => Some(request.end_at),
        _ => None,
    }
}

/// An audit event about a request: always carries the state after it, for the history.
/// `make` wraps the common step into the kind's payload (`AuditEvent::Expired`, or a
/// closure adding the kind's own fields).
pub fn event(
    request: &Request,
    at: DateTime<Utc>,
    actor: &str,
    detail: Option<&str>,
    make: impl FnOnce(RequestStep) -> AuditEvent,
) -> NewEvent {
    step_event(request, None, at, actor, detail, make)
}

fn step_event(
    request: &Request,
    from: Option<State>,
    at: DateTime<Utc>,
    actor: &str,
    detail: Option<&str>,
    make: impl FnOnce(RequestStep) -> AuditEvent,
) -> NewEvent {
    NewEvent {
        at,
        actor: actor.to_string(),
        request_id: Some(request.id),
        event: make(RequestStep {
            state: request.state,
            from,
            detail: detail.map(str::to_string),
        }),
    }
}

/// The engine tried a transition the state machine does not have: a bug, never user input.
#[derive(Debug, thiserror::Error)]
#[error("request {id}: no transition from {from} to {to}")]
pub struct IllegalTransition {
    pub id: i64,
    pub from: State,
    pub to: State,
}

/// Moves a request to `to`, reschedules it, and returns the event that records it.
pub fn transition(
    request: &mut Request,
    to: State,
    at: DateTime<Utc>,
    actor: &str,
    detail: Option<&str>,
    make: impl FnOnce(RequestStep) -> AuditEvent,
) -> Result<NewEvent, IllegalTransition> {
    if !allowed(request.state, to) {
        return Err(IllegalTransition {
            id: request.id,
            from: request.state,
            to,
        });
    }
    let from = request.state;
    request.state = to;
    request.updated_at = at;
    if to == State::Failed {
        request.failed_from = Some(from);
    }
    if to.is_final() || matches!(to, State::Ending) {
        // An extension nobody approved in time lapses with the grant.
        request.pending_end_at = None;
    }
    if to.is_final() {
        if let Some(detail) = detail {
            request.outcome = Some(detail.to_string());
        }
    }
    request.next_due_at = next_due(request);
    Ok(step_event(request, Some(from), at, actor, detail, make))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_diagram_and_nothing_else() {
        use State::*;
        let legal = [
            (Pending, Approved),
            (Pending, Rejected),
            (Pending, Cancelled),
            (Pending, Expired),
            (Approved, Activating),
            (Approved, Cancelled),
            (Approved, Ended),
            (Activating, Active),
            (Activating, Ending),
            (Activating, Failed),
            (Active, Ending),
            (Active, Failed),
            (Ending, Ended),
            (Ending, Failed),
            (Failed, Ended),
        ];
        for from in State::ALL {
            for to in State::ALL {
                assert_eq!(
                    allowed(from, to),
                    legal.contains(&(from, to)),
                    "{from} -> {to}"
                );
            }
        }
        for final_state in [Ended, Rejected, Cancelled, Expired] {
            assert!(State::ALL.iter().all(|to| !allowed(final_state, *to)));
        }
    }
}
