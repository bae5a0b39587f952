//! The authorization matrix: a row per endpoint, with what each kind of caller gets (the exact
//! status and error code), and the request bodies the rows send.
//!
//! The people (demo world and policy): alice is an engineer and the requester; bob leads
//! SRE and approves production; dave audits; erin administers Stint. The last column is
//! bob acting on his *own* request (break-glass AdministratorAccess in prod, which only
//! another SRE lead may approve): being an approver is no exemption.

use serde_json::{Value, json};
use stint_api::routes;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    NoToken,
    Expired,
    Requester,
    Approver,
    Auditor,
    Admin,
    SelfApprover,
}

pub const COLUMNS: [Who; 7] = [
    Who::NoToken,
    Who::Expired,
    Who::Requester,
    Who::Approver,
    Who::Auditor,
    Who::Admin,
    Who::SelfApprover,
];

/// The request a cell acts on, made fresh for each cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Nothing,
    /// Waiting for approval.
    Pending,
    /// Approved; its window is not open yet (the engine does not run here).
    Approved,
    /// alice's request set (ReadOnlyAccess in prod and staging), waiting for approval.
    PendingSet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expect {
    pub status: u16,
    pub code: Option<&'static str>,
}

pub const fn ok(status: u16) -> Expect {
    Expect { status, code: None }
}

pub const fn err(status: u16, code: &'static str) -> Expect {
    Expect {
        status,
        code: Some(code),
    }
}

pub const UNAUTH: Expect = err(401, "unauthenticated");
pub const FORBIDDEN: Expect = err(403, "forbidden");

pub struct Row {
    pub method: &'static str,
    pub route: &'static str,
    pub query: &'static str,
    pub target: Target,
    pub body: Option<fn() -> Value>,
    /// In the order of [`COLUMNS`].
    pub expect: [Expect; 7],
}

pub fn no_body() -> Value {
    json!({})
}

pub fn reject_body() -> Value {
    json!({ "comment": "not today" })
}

pub fn extend_body() -> Value {
    json!({ "bySecs": 600 })
}

pub fn create_set_body() -> Value {
    json!({
        "accounts": ["prod", "staging"],
        "permissionSet": "PowerUserAccess",
        "durationSecs": 3600,
        "reason": "compare the two",
    })
}

pub fn create_body() -> Value {
    json!({
        "account": "prod",
        "permissionSet": "PowerUserAccess",
        "durationSecs": 3600,
        "reason": "deploy the fix",
    })
}

/// Everyone signed in gets `e`; no token or an expired one gets 401.
pub const fn signed_in(e: Expect) -> [Expect; 7] {
    [UNAUTH, UNAUTH, e, e, e, e, e]
}

/// Auditors and admins only.
pub const AUDITORS: [Expect; 7] = [
    UNAUTH,
    UNAUTH,
    FORBIDDEN,
    FORBIDDEN,
    ok(200),
    ok(200),
    FORBIDDEN,
];

/// Public: every column, with or without a token.
pub const PUBLIC: [Expect; 7] = [ok(200); 7];

pub fn table() -> Vec<Row> {
    let row = |method, route, query, target, body, expect| Row {
        method,
        route,
        query,
        target,
        body,
        expect,
    };
    use Target::*;
    vec![
        row("GET", routes::ME, "", Nothing, None, signed_in(ok(200))),
        row(
            "GET",
            routes::ELIGIBILITY,
            "",
            Nothing,
            None,
            signed_in(ok(200)),
        ),
        // Only engineers may ask for PowerUserAccess in prod.
        row(
            "POST",
            routes::REQUESTS,
            "",
            Nothing,
            Some(create_body),
            [
                UNAUTH,
                UNAUTH,
                ok(201),
                err(403, "not_eligible"),
                err(403, "not_eligible"),
                err(403, "not_eligible"),
                err(403, "not_eligible"),
            ],
        ),
        row(
            "GET",
            routes::REQUESTS,
            "",
            Nothing,
            None,
            signed_in(ok(200)),
        ),
        row(
            "GET",
            routes::REQUESTS,
            "?scope=approvable",
            Nothing,
            None,
            signed_in(ok(200)),
        ),
        row(
            "GET",
            routes::REQUESTS,
            "?scope=all",
            Nothing,
            None,
            AUDITORS,
        ),
        row(
            "GET",
            routes::REQUEST,
            "",
            Pending,
            None,
            signed_in(ok(200)),
        ),
        row(
            "POST",
            routes::APPROVE,
            "",
            Pending,
            Some(no_body),
            [
                UNAUTH,
                UNAUTH,
                err(403, "self_approval"),
                ok(200),
                FORBIDDEN,
                FORBIDDEN,
                err(403, "self_approval"),
            ],
        ),
        row(
            "POST",
            routes::REJECT,
            "",
            Pending,
            Some(reject_body),
            [
                UNAUTH,
                UNAUTH,
                FORBIDDEN,
                ok(200),
                FORBIDDEN,
                FORBIDDEN,
                FORBIDDEN,
            ],
        ),
        row(
            "POST",
            routes::CANCEL,
            "",
            Pending,
            Some(no_body),
            [
                UNAUTH,
                UNAUTH,
                ok(200),
                FORBIDDEN,
                FORBIDDEN,
                FORBIDDEN,
                ok(200),
            ],
        ),
        row(
            "POST",
            routes::REVOKE,
            "",
            Approved,
            Some(no_body),
            [
                UNAUTH,
                UNAUTH,
                ok(200),
                ok(200),
                FORBIDDEN,
                ok(200),
                ok(200),
            ],
        ),
        row(
            "POST",
            routes::EXTEND,
            "",
            Approved,
            Some(extend_body),
            [
                UNAUTH,
                UNAUTH,
                ok(200),
                FORBIDDEN,
                FORBIDDEN,
                FORBIDDEN,
                ok(200),
            ],
        ),
        // Only engineers may ask for PowerUserAccess in prod and staging.
        row(
            "POST",
            routes::REQUEST_SETS,
            "",
            Nothing,
            Some(create_set_body),
            [
                UNAUTH,
                UNAUTH,
                ok(201),
                err(403, "not_eligible"),
                err(403, "not_eligible"),
                err(403, "not_eligible"),
                err(403, "not_eligible"),
            ],
        ),
        row(
            "GET",
            routes::REQUEST_SET,
            "",
            PendingSet,
            None,
            signed_in(ok(200)),
        ),
        row(
            "GET",
            routes::APPROVERS,
            "",
            Pending,
            None,
            signed_in(ok(200)),
        ),
        // A pending request has no activity yet: 200 and an empty page whatever the trail.
        row(
            "GET",
            routes::ACTIVITY,
            "",
            Pending,
            None,
            signed_in(ok(200)),
        ),
        row("GET", routes::GRANTS, "", Nothing, None, signed_in(ok(200))),
        row("GET", routes::GRANTS, "?scope=all", Nothing, None, AUDITORS),
        row(
            "GET",
            routes::EXPLAIN,
            "?account=prod&permissionSet=PowerUserAccess",
            Nothing,
            None,
            signed_in(ok(200)),
        ),
        row(
            "GET",
            routes::EXPLAIN,
            "?user=carol&account=prod&permissionSet=PowerUserAccess",
            Nothing,
            None,
            AUDITORS,
        ),
        row("GET", routes::AUDIT, "", Nothing, None, AUDITORS),
        row("GET", routes::AUDIT_VERIFY, "", Nothing, None, AUDITORS),
        row(
            "POST",
            routes::ADMIN_RELOAD,
            "",
            Nothing,
            Some(no_body),
            [
                UNAUTH,
                UNAUTH,
                FORBIDDEN,
                FORBIDDEN,
                FORBIDDEN,
                ok(200),
                FORBIDDEN,
            ],
        ),
        row("GET", routes::EVENTS, "", Nothing, None, signed_in(ok(200))),
        row("GET", routes::OPENAPI, "", Nothing, None, PUBLIC),
        row("GET", routes::HEALTHZ, "", Nothing, None, PUBLIC),
        row("GET", routes::READYZ, "", Nothing, None, PUBLIC),
        row("GET", routes::METRICS, "", Nothing, None, PUBLIC),
    ]
}

/// Served by the authentication module, whose own tests hold its matrix.
pub const AUTH_ROUTES: [&str; 3] = [routes::AUTH_CONFIG, routes::AUTH_AWS, routes::AUTH_LOGOUT];
