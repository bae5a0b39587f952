//! Every route of the broker API, in one place, so the broker's router and the clients
//! cannot drift apart. Paths with `{id}` take a request id.

/// `GET`, public: what a client needs to sign in (see [`crate::AuthConfig`]).
pub const AUTH_CONFIG: &str = "/v1/auth/config";
/// `POST` [`crate::AuthAwsRequest`] → [`crate::SessionGrant`].
pub const AUTH_AWS: &str = "/v1/auth/aws";
/// `POST`: ends the caller's broker session.
pub const AUTH_LOGOUT: &str = "/v1/auth/logout";
/// `GET` → [`crate::Me`].
pub const ME: &str = "/v1/me";
/// `GET` → [`crate::Eligibility`].
pub const ELIGIBILITY: &str = "/v1/eligibility";
/// `POST` [`crate::CreateRequest`] → [`crate::AccessRequest`] (201);
/// `GET` with [`crate::ListRequestsQuery`] → `Page<AccessRequest>`.
pub const REQUESTS: &str = "/v1/requests";
/// `GET` → [`crate::AccessRequest`] with its history.
pub const REQUEST: &str = "/v1/requests/{id}";
/// `POST` [`crate::Decision`] → [`crate::AccessRequest`].
pub const APPROVE: &str = "/v1/requests/{id}/approve";
/// `POST` [`crate::Decision`] (comment required) → [`crate::AccessRequest`].
pub const REJECT: &str = "/v1/requests/{id}/reject";
/// `POST` [`crate::Decision`] → [`crate::AccessRequest`].
pub const CANCEL: &str = "/v1/requests/{id}/cancel";
/// `POST` [`crate::Decision`] → [`crate::AccessRequest`].
pub const REVOKE: &str = "/v1/requests/{id}/revoke";
/// `POST` [`crate::ExtendRequest`] → [`crate::AccessRequest`].
pub const EXTEND: &str = "/v1/requests/{id}/extend";
/// `GET` → [`crate::ApproverExplanation`].
pub const APPROVERS: &str = "/v1/requests/{id}/approvers";
/// `GET` → `Page<Grant>`: active grants (the caller's; all for auditors with `scope=all`).
pub const GRANTS: &str = "/v1/grants";
/// `GET` with [`crate::ExplainQuery`] → [`crate::Explanation`].
pub const EXPLAIN: &str = "/v1/explain";
/// `GET` with [`crate::AuditQuery`] → `Page<AuditEvent>` (auditors and admins).
pub const AUDIT: &str = "/v1/audit";
/// `GET` → [`crate::AuditVerification`] (auditors and admins).
pub const AUDIT_VERIFY: &str = "/v1/audit/verify";
/// `POST`: reload the policy file (admins). 200 with the new policy's summary, or 400
/// with the problems (the old policy stays).
pub const ADMIN_RELOAD: &str = "/v1/admin/reload";
/// `GET`: server-sent events, one [`crate::BrokerEvent`] per `data:`; honours `Last-Event-ID`.
pub const EVENTS: &str = "/v1/events";
/// `GET`, public: the OpenAPI document.
pub const OPENAPI: &str = "/openapi.json";
/// `GET`, public: liveness and database reachability.
pub const HEALTHZ: &str = "/healthz";
/// `GET`, public: Prometheus text.
pub const METRICS: &str = "/metrics";

/// Fills `{id}` in one of the request routes.
pub fn with_id(route: &str, id: i64) -> String {
    route.replace("{id}", &id.to_string())
}
