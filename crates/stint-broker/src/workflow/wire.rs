//! A request's history in the API's wire types (the model's own conversions are in
//! `model::wire`).

use stint_api::{AccessRequest, HistoryEntry};

use super::queries::RequestDetails;
use crate::audit::AuditRecord;
use crate::model::AuditEvent;
pub use crate::model::wire::{state_from_api, state_to_api};

/// One audit event as a history step; `None` for events that carry no request state.
pub fn history_entry(record: &AuditRecord) -> Option<HistoryEntry> {
    let event = AuditEvent::decode(&record.kind, &record.data).ok()?;
    Some(HistoryEntry {
        at: record.at,
        actor: record.actor.clone(),
        kind: record.kind.clone(),
        state: state_to_api(event.state()?),
        detail: event.detail().map(str::to_string),
    })
}

impl RequestDetails {
    /// The request with its history.
    pub fn to_api(&self) -> AccessRequest {
        let mut out = self.request.to_api();
        out.history = Some(self.events.iter().filter_map(history_entry).collect());
        out
    }
}
