use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// One entry of the append-only, hash-chained audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub seq: i64,
    pub at: DateTime<Utc>,
    /// User name, or `stint` for the broker itself.
    pub actor: String,
    pub kind: String,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub request_id: Option<i64>,
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub data: serde_json::Value,
    /// Hex SHA-256 of the previous event's hash and this event's content.
    pub hash: String,
}

/// Query string of `GET /v1/audit`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, IntoParams)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub request_id: Option<i64>,
    pub actor: Option<String>,
    pub kind: Option<String>,
    /// Return events with `seq` greater than this.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub after: Option<i64>,
    /// Events per page, 1–1000 (default 200).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

/// Result of checking the chain end to end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct AuditVerification {
    pub ok: bool,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub events: i64,
    /// The first event whose hash does not follow from its predecessor.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub first_bad_seq: Option<i64>,
    pub problem: Option<String>,
}
