use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::request::AccessRequest;

/// Why an event was sent to this caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// One of the caller's own requests changed state (or was extended).
    RequestChanged,
    /// A new request the caller may approve, or one they could approve that was decided.
    ApprovalChanged,
    /// The organization trail shows a grant's credentials used after its window ended:
    /// sent to the request's approvers, auditors and admins.
    UsedAfterWindow,
}

/// One `data:` payload of the `/v1/events` server-sent-events stream. The SSE `id` is
/// the audit sequence number, so a client that reconnects with `Last-Event-ID` resumes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct BrokerEvent {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub seq: i64,
    pub kind: EventKind,
    pub request: AccessRequest,
}
