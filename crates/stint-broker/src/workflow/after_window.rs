//! Use of a grant's credentials after its window: recorded as one audit event per finding,
//! on the request, so the webhook, the event stream and the request's history carry it.

use serde_json::Value;

use super::types::{BROKER_ACTOR, NewEvent, Request};
use super::{Engine, EngineError};
use crate::store::{Change, StoreError};

/// The audit event kind of a finding. The webhook delivers it with `alert: true`; the
/// event stream tells the request's approvers and auditors.
pub const ACTIVITY_AFTER_WINDOW: &str = "activity_after_window";

impl Engine {
    /// Records a finding about `request`: `data` says what was seen (the request's state
    /// and `alert` are added). Returns the audit seq, or `None` when the request changed
    /// since it was read — another replica's watch recorded a finding, or the engine moved
    /// it on — so the caller looks again next time instead of recording twice.
    pub async fn flag_use_after_window(
        &self,
        request: &Request,
        mut data: Value,
    ) -> Result<Option<i64>, EngineError> {
        if let Some(map) = data.as_object_mut() {
            map.insert("state".into(), request.state.as_str().into());
            map.insert("alert".into(), true.into());
        }
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
                kind: ACTIVITY_AFTER_WINDOW.into(),
                request_id: Some(request.id),
                data,
            }],
        };
        match self.commit(&change).await {
            Ok(seq) => Ok(seq),
            Err(StoreError::Conflict) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}
