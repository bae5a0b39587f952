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
/// `GET` with [`crate::ActivityQuery`] → [`crate::ActivityPage`]: the CloudTrail events of
/// the request's role session (same visibility as the request).
pub const ACTIVITY: &str = "/v1/requests/{id}/activity";
/// `POST` [`crate::CreateRequestSet`] → [`crate::RequestSet`] (201): one permission set in
/// several accounts, approved once. Approve, reject, cancel, extend and revoke any member
/// (`/v1/requests/{id}/...`) to decide every member.
pub const REQUEST_SETS: &str = "/v1/request-sets";
/// `GET` → [`crate::RequestSet`]; `{id}` is the set's id (its first member's).
pub const REQUEST_SET: &str = "/v1/request-sets/{id}";
/// `GET` with [`crate::GrantsQuery`] → `Page<Grant>`: active grants (the caller's; all for
/// auditors and admins with `scope=all`).
pub const GRANTS: &str = "/v1/grants";
/// `GET` with [`crate::ExplainQuery`] → [`crate::Explanation`].
pub const EXPLAIN: &str = "/v1/explain";
/// `GET` with [`crate::AuditQuery`] → `Page<AuditEvent>` (auditors and admins); a page's
/// `nextCursor` is the `after` of the next.
pub const AUDIT: &str = "/v1/audit";
/// `GET` → [`crate::AuditVerification`] (auditors and admins).
pub const AUDIT_VERIFY: &str = "/v1/audit/verify";
/// `POST`: reload the policy file (admins). 200 with the new policy's summary
/// ([`crate::PolicySummary`]), or 400
/// with the problems (the old policy stays).
pub const ADMIN_RELOAD: &str = "/v1/admin/reload";
/// `GET`: server-sent events, one [`crate::BrokerEvent`] per `data:`; honours `Last-Event-ID`.
pub const EVENTS: &str = "/v1/events";
/// `GET`, public: the OpenAPI document.
pub const OPENAPI: &str = "/openapi.json";
/// `GET`, public: liveness and database reachability ([`crate::Health`]).
pub const HEALTHZ: &str = "/healthz";
/// `GET`, public: readiness ([`crate::Readiness`]): 200 once the broker has read the
/// organization from Identity Center and a policy is in force, 503 until then.
pub const READYZ: &str = "/readyz";
/// `GET`, public: Prometheus text.
pub const METRICS: &str = "/metrics";

/// Every endpoint: (HTTP method, route). Tests walk this list, so an endpoint added here
/// without a handler, an OpenAPI entry or an authorization rule fails them.
pub const ENDPOINTS: &[(&str, &str)] = &[
    ("GET", AUTH_CONFIG),
    ("POST", AUTH_AWS),
    ("POST", AUTH_LOGOUT),
    ("GET", ME),
    ("GET", ELIGIBILITY),
    ("POST", REQUESTS),
    ("GET", REQUESTS),
    ("GET", REQUEST),
    ("POST", APPROVE),
    ("POST", REJECT),
    ("POST", CANCEL),
    ("POST", REVOKE),
    ("POST", EXTEND),
    ("GET", APPROVERS),
    ("GET", ACTIVITY),
    ("POST", REQUEST_SETS),
    ("GET", REQUEST_SET),
    ("GET", GRANTS),
    ("GET", EXPLAIN),
    ("GET", AUDIT),
    ("GET", AUDIT_VERIFY),
    ("POST", ADMIN_RELOAD),
    ("GET", EVENTS),
    ("GET", OPENAPI),
    ("GET", HEALTHZ),
    ("GET", READYZ),
    ("GET", METRICS),
];

/// Routes anyone may call without a session.
pub const PUBLIC: &[&str] = &[AUTH_CONFIG, AUTH_AWS, OPENAPI, HEALTHZ, READYZ, METRICS];

/// Fills `{id}` in one of the request routes.
pub fn with_id(route: &str, id: i64) -> String {
    route.replace("{id}", &id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_constant_is_an_endpoint() {
        // A route added as a constant but left out of ENDPOINTS would escape every test
        // that walks the list; read this file's own constants to catch that.
        let source = include_str!("routes.rs");
        let declared: Vec<&str> = source
            .lines()
            .filter_map(|l| l.strip_prefix("pub const "))
            .filter(|l| l.contains(": &str = \"/"))
            .filter_map(|l| l.split('"').nth(1))
            .collect();
        assert!(declared.len() >= 20, "found only {declared:?}");
        for route in &declared {
            assert!(
                ENDPOINTS.iter().any(|(_, r)| r == route),
                "{route} is not in ENDPOINTS"
            );
        }
        for (method, route) in ENDPOINTS {
            assert!(matches!(*method, "GET" | "POST"), "{method} {route}");
            assert!(declared.contains(route), "{route} is not a route constant");
        }
        for route in PUBLIC {
            assert!(declared.contains(route));
        }
    }

    #[test]
    fn with_id_fills_the_placeholder() {
        assert_eq!(with_id(APPROVE, 42), "/v1/requests/42/approve");
    }
}
