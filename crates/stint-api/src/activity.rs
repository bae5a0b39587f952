//! Session activity: the CloudTrail events of a grant's role session, read from the
//! organization trail (`GET /v1/requests/{id}/activity`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// One CloudTrail event made with the grant's role session, or a console sign-in to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct ActivityEvent {
    /// CloudTrail's `eventID`.
    pub event_id: String,
    pub event_time: DateTime<Utc>,
    /// `s3.amazonaws.com`, `signin.amazonaws.com`...
    pub event_source: String,
    /// `ListBuckets`, `ConsoleLogin`...
    pub event_name: String,
    /// `AwsApiCall` or `AwsConsoleSignIn`.
    pub event_type: String,
    pub aws_region: String,
    pub source_ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub read_only: Option<bool>,
    /// Set when AWS refused the call (`AccessDenied`...).
    pub error_code: Option<String>,
    /// The role session as CloudTrail names it.
    pub arn: String,
    /// When the credentials that made the call were issued (`sessionContext.attributes.creationDate`).
    pub session_issued_at: Option<DateTime<Utc>>,
    /// The call's `requestParameters`, as compact JSON, when it had any.
    pub request_parameters: Option<String>,
    /// Made after the grant ended, with credentials issued during it (they stay valid until
    /// their own expiry).
    pub after_window: bool,
}

/// A page of activity, with what it can and cannot show yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct ActivityPage {
    /// Oldest first.
    pub items: Vec<ActivityEvent>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
    /// When the trail was read.
    pub as_of: DateTime<Utc>,
    /// CloudTrail delivers events late: those of the last this-many seconds before
    /// `asOf` may not be here yet.
    pub delivery_lag_secs: u32,
    /// The role session the events belong to: the session ARN
    /// (`arn:aws:sts::<account>:assumed-role/AWSReservedSSO_<permission set>_<suffix>/<user>`)
    /// with Identity Center's random suffix written as `*`.
    pub role_session: String,
    /// The window's start; absent when the request never became active.
    pub window_start: Option<DateTime<Utc>>,
    /// The window's end (past or planned).
    pub window_end: Option<DateTime<Utc>>,
    /// Credentials issued in the window may be used until this time at the latest (the
    /// window's end plus the permission set's session duration); activity is read up to it.
    pub watched_until: Option<DateTime<Utc>>,
    /// How many events on this page were made after the window ended.
    pub after_window_count: u32,
}

/// Query string of `GET /v1/requests/{id}/activity`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, IntoParams)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ActivityQuery {
    /// Opaque cursor from a previous page (its `nextCursor`); empty for the first page.
    #[param(pattern = r"^(-?[0-9]{1,11}\.[A-Za-z0-9-]{1,128})?$")]
    pub cursor: Option<String>,
    /// Events per page, 1–1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}
