//! The shape of Stint's broker API: every type that crosses the wire between the broker
//! and its clients (CLI, desktop app), and the stable error codes.
//!
//! JSON fields are camelCase; enum values are snake_case; times are RFC 3339 in UTC;
//! durations are whole seconds. Nothing here knows about HTTP, storage or AWS SDKs.
#![forbid(unsafe_code)]

mod activity;
mod admin;
mod audit;
mod blank;
mod error;
mod events;
mod explain;
mod identity;
mod request;
mod request_set;
pub mod routes;
pub mod rules;
mod whole;

pub use activity::{ActivityEvent, ActivityPage, ActivityQuery};
pub use admin::{Health, PolicySummary, Readiness};
pub use audit::{AuditEvent, AuditQuery, AuditVerification};
pub use error::{ApiError, ErrorCode};
pub use events::{BrokerEvent, EventKind};
pub use explain::{ApproverExplanation, ExplainQuery, Explanation, RuleRef};
pub use identity::{AuthAwsRequest, AuthConfig, Me, Persona, SessionGrant, SignedHeader, UserRef};
pub use request::{
    AccessRequest, AccountRef, CreateRequest, Decision, Eligibility, EligibleAccess, EligibleGroup,
    ExtendRequest, Grant, GrantScope, GrantsQuery, GroupAccessRef, GroupRef, HistoryEntry,
    ListRequestsQuery, Page, PermissionSetRef, RequestScope, RequestState,
};
pub use request_set::{CreateRequestSet, FailedTarget, RequestSet};

/// The API's version prefix; every route but `/healthz`, `/metrics` and `/openapi.json` lives under it.
pub const API_PREFIX: &str = "/v1";

/// The header a client signs into its `sts:GetCallerIdentity` request to name the broker it
/// is meant for, so a signed request captured by one broker cannot be replayed to another.
pub const AUDIENCE_HEADER: &str = "x-stint-broker";
