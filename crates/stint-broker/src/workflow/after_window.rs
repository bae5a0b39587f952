//! Use of a grant's credentials after its window: recorded as one audit event per finding,
//! on the request, so the webhook, the event stream and the request's history carry it.

use super::{Engine, EngineError};
use crate::model::audit::ActivityAfterWindow;
use crate::model::{AuditEvent, AuditKind, BROKER_ACTOR, NewEvent, Request};
use crate::store::{Change, StoreError};

/// The audit event kind of a finding. The webhook delivers it with `alert: true`; the
/// event stream tells the request's approvers and auditors.
pub const ACTIVITY_AFTER_WINDOW: &str = AuditKind::ActivityAfterWindow.as_str();

/// What a finding says was seen; the engine adds the request's state and the alert.
pub type Finding = ActivityAfterWindow;

impl Engine {
    /// Records a finding about `request`: `finding` says what was seen (the request's state
    /// and `alert` are set here). Returns the audit seq, or `None` when the request changed
    /// since it was read — another replica's watch recorded a finding, or the engine moved
    /// it on — so the caller looks again next time instead of recording twice.
    pub async fn flag_use_after_window(
        &self,
        request: &Request,
        mut finding: Finding,
    ) -> Result<Option<i64>, EngineError> {
        finding.state = request.state;
        finding.alert = true;
        let now = self.now();
        let change = Change {
            at: now,
            // Written unchanged: only its version moves, which is what makes two watches
            // (replicas) that read the same version record one finding, not two.
            requests: vec![request.clone()],
            tuple: None,
            wake: Vec::new(),
            events: vec![NewEvent {
                at: now,
                actor: BROKER_ACTOR.into(),
                request_id: Some(request.id),
                event: AuditEvent::ActivityAfterWindow(finding),
            }],
        };
        match self.commit(&change).await {
            Ok(seq) => Ok(seq),
            Err(StoreError::Conflict) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}
