//! The authorization matrix: every endpoint × {no token, an expired token, the requester,
//! an approver, an auditor, an admin, a requester approving their own request}, each cell
//! asserting the exact status and error code. The table is checked against
//! `stint_api::routes::ENDPOINTS`, so a route added without a row fails this test.
//!
//! The people (demo world and policy): alice is an engineer and the requester; bob leads
//! SRE and approves production; dave audits; erin administers Stint. The last column is
//! bob acting on his *own* request (break-glass AdministratorAccess in prod, which only
//! another SRE lead may approve): being an approver is no exemption.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use stint_api::routes;

use crate::support::api::{Api, Options};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    NoToken,
    Expired,
    Requester,
    Approver,
    Auditor,
    Admin,
    SelfApprover,
}

const COLUMNS: [Who; 7] = [
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
enum Target {
    Nothing,
    /// Waiting for approval.
    Pending,
    /// Approved; its window is not open yet (the engine does not run here).
    Approved,
    /// alice's request set (ReadOnlyAccess in prod and staging), waiting for approval.
    PendingSet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Expect {
    status: u16,
    code: Option<&'static str>,
}

const fn ok(status: u16) -> Expect {
    Expect { status, code: None }
}

const fn err(status: u16, code: &'static str) -> Expect {
    Expect {
        status,
        code: Some(code),
    }
}

const UNAUTH: Expect = err(401, "unauthenticated");
const FORBIDDEN: Expect = err(403, "forbidden");

struct Row {
    method: &'static str,
    route: &'static str,
    query: &'static str,
    target: Target,
    body: Option<fn() -> Value>,
    /// In the order of [`COLUMNS`].
    expect: [Expect; 7],
}

fn no_body() -> Value {
    json!({})
}

fn reject_body() -> Value {
    json!({ "comment": "not today" })
}

fn extend_body() -> Value {
    json!({ "bySecs": 600 })
}

fn create_set_body() -> Value {
    json!({
        "accounts": ["prod", "staging"],
        "permissionSet": "PowerUserAccess",
        "durationSecs": 3600,
        "reason": "compare the two",
    })
}

fn create_body() -> Value {
    json!({
        "account": "prod",
        "permissionSet": "PowerUserAccess",
        "durationSecs": 3600,
        "reason": "deploy the fix",
    })
}

/// Everyone signed in gets `e`; no token or an expired one gets 401.
const fn signed_in(e: Expect) -> [Expect; 7] {
    [UNAUTH, UNAUTH, e, e, e, e, e]
}

/// Auditors and admins only.
const AUDITORS: [Expect; 7] = [
    UNAUTH,
    UNAUTH,
    FORBIDDEN,
    FORBIDDEN,
    ok(200),
    ok(200),
    FORBIDDEN,
];

/// Public: every column, with or without a token.
const PUBLIC: [Expect; 7] = [ok(200); 7];

fn table() -> Vec<Row> {
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
const AUTH_ROUTES: [&str; 3] = [routes::AUTH_CONFIG, routes::AUTH_AWS, routes::AUTH_LOGOUT];

#[test]
fn every_endpoint_has_a_row() {
    let table = table();
    for (method, route) in routes::ENDPOINTS {
        if AUTH_ROUTES.contains(route) {
            continue;
        }
        assert!(
            table
                .iter()
                .any(|r| r.method == *method && r.route == *route),
            "{method} {route} has no row in the authorization matrix"
        );
    }
    for r in &table {
        assert!(
            routes::ENDPOINTS.contains(&(r.method, r.route)),
            "{} {} is not an endpoint",
            r.method,
            r.route
        );
    }
}

struct People {
    alice: String,
    bob: String,
    grace: String,
    dave: String,
    erin: String,
    expired: String,
}

/// A fresh request for a cell: alice's PowerUserAccess in prod, or, for the last column,
/// bob's break-glass AdministratorAccess in prod. Approved ones are approved by grace.
async fn target(api: &Api, p: &People, who: Who, target: Target) -> Option<i64> {
    if target == Target::Nothing {
        return None;
    }
    if target == Target::PendingSet {
        let (status, set) = api
            .post(&p.alice, routes::REQUEST_SETS, create_set_body())
            .await;
        assert_eq!(status, StatusCode::CREATED, "{set}");
        return set["id"].as_i64();
    }
    let request = if who == Who::SelfApprover {
        api.request_with(
            &p.bob,
            json!({
                "account": "prod",
                "permissionSet": "AdministratorAccess",
                "durationSecs": 1800,
                "reason": "break glass",
                "ticket": "INC-77",
            }),
        )
        .await
    } else {
        api.request(&p.alice, "prod", "PowerUserAccess", 3600).await
    };
    if target == Target::Approved {
        api.act(&p.grace, routes::APPROVE, request.id, json!({}))
            .await;
    }
    Some(request.id)
}

async fn cell(api: &Api, p: &People, row: &Row, who: Who) -> (u16, Value) {
    let token = match who {
        Who::NoToken => None,
        Who::Expired => Some(p.expired.as_str()),
        Who::Requester => Some(p.alice.as_str()),
        Who::Approver | Who::SelfApprover => Some(p.bob.as_str()),
        Who::Auditor => Some(p.dave.as_str()),
        Who::Admin => Some(p.erin.as_str()),
    };
    let path = match target(api, p, who, row.target).await {
        Some(id) => format!("{}{}", routes::with_id(row.route, id), row.query),
        None => format!("{}{}", row.route, row.query),
    };
    let method = Method::from_bytes(row.method.as_bytes()).unwrap();
    if row.route == routes::EVENTS {
        // A stream: the status and content type are the answer; the body never ends.
        let mut request = api.http.get(format!("{}{path}", api.url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        if status == 200 {
            let content_type = response.headers()["content-type"].to_str().unwrap();
            assert!(
                content_type.starts_with("text/event-stream"),
                "{content_type}"
            );
            return (status, Value::Null);
        }
        return (status, response.json().await.unwrap());
    }
    let (status, body) = api.call(method, &path, token, row.body.map(|b| b())).await;
    (status.as_u16(), body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_for_every_kind_of_caller() {
    let api = Api::start(Options {
        run_engine: false,
        ..Options::default()
    })
    .await;
    let people = People {
        alice: api.login("alice").await,
        bob: api.login("bob").await,
        grace: api.login("grace").await,
        dave: api.login("dave").await,
        erin: api.login("erin").await,
        expired: api.expired_login("alice").await,
    };
    let mut failures = Vec::new();
    let mut cells = 0;
    for row in table() {
        for (who, expect) in COLUMNS.iter().zip(row.expect) {
            let (status, body) = cell(&api, &people, &row, *who).await;
            cells += 1;
            let code = body.get("code").and_then(Value::as_str);
            let good = status == expect.status
                && match expect.code {
                    Some(want) => code == Some(want),
                    None => true,
                };
            if !good {
                failures.push(format!(
                    "{} {}{} as {who:?}: expected {} {:?}, got {status} {body}",
                    row.method, row.route, row.query, expect.status, expect.code
                ));
            }
            if status >= 400 {
                // The one error shape: a stable code and a sentence, nothing else.
                let keys: Vec<&String> = body
                    .as_object()
                    .map(|o| o.keys().collect())
                    .unwrap_or_default();
                assert_eq!(
                    keys,
                    ["code", "message"],
                    "{} {} as {who:?}: {body}",
                    row.method,
                    row.route
                );
                assert!(!body["message"].as_str().unwrap().is_empty());
            }
        }
    }
    assert!(cells >= 24 * 7, "only {cells} cells ran");
    assert!(
        failures.is_empty(),
        "{} of {cells} cells differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_cannot_be_seen_is_not_found_and_bad_input_says_why() {
    let api = Api::start(Options {
        run_engine: false,
        ..Options::default()
    })
    .await;
    let alice = api.login("alice").await;
    let carol = api.login("carol").await;
    let mine = api.request(&alice, "prod", "PowerUserAccess", 3600).await;
    // carol is an engineer too, but neither requester nor approver of alice's request:
    // to her it does not exist, exactly like a request that does not.
    let (status, hidden) = api
        .get(&carol, &routes::with_id(routes::REQUEST, mine.id))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, missing) = api
        .get(&carol, &routes::with_id(routes::REQUEST, 999_999))
        .await;
    assert_eq!(hidden["code"], missing["code"]);
    assert_eq!(
        hidden["message"]
            .as_str()
            .unwrap()
            .replace(&mine.id.to_string(), "N"),
        missing["message"].as_str().unwrap().replace("999999", "N")
    );

    let cases: [(Method, String, Option<Value>, u16, &str); 8] = [
        (
            Method::GET,
            "/v1/requests/abc".into(),
            None,
            400,
            "invalid_input",
        ),
        (
            Method::GET,
            "/v1/requests?state=sleeping".into(),
            None,
            400,
            "invalid_input",
        ),
        (
            Method::GET,
            "/v1/requests?cursor=zzz".into(),
            None,
            400,
            "invalid_input",
        ),
        (
            Method::GET,
            "/v1/grants?scope=approvable".into(),
            None,
            400,
            "invalid_input",
        ),
        (
            Method::POST,
            routes::REQUESTS.into(),
            Some(json!({ "account": "prod" })),
            400,
            "invalid_input",
        ),
        (
            Method::POST,
            routes::REQUESTS.into(),
            Some(json!({
                "account": "prod", "permissionSet": "PowerUserAccess",
                "durationSecs": 3600, "reason": "x", "ticket": "JIRA 12"
            })),
            400,
            "ticket_required",
        ),
        (
            Method::GET,
            "/v1/nothing-here".into(),
            None,
            404,
            "not_found",
        ),
        (
            Method::DELETE,
            routes::REQUESTS.into(),
            None,
            405,
            "invalid_input",
        ),
    ];
    for (method, path, body, status, code) in cases {
        let (got, answer) = api.call(method.clone(), &path, Some(&alice), body).await;
        assert_eq!(got.as_u16(), status, "{method} {path}: {answer}");
        assert_eq!(answer["code"], code, "{method} {path}: {answer}");
    }
    // Not eligible: the refusal says what she may request instead.
    let (status, body) = api
        .post(
            &alice,
            routes::REQUESTS,
            json!({ "account": "staging", "permissionSet": "AdministratorAccess",
                    "durationSecs": 3600, "reason": "x" }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["code"], "not_eligible");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("you may request"),
        "{body}"
    );
    api.stop().await;
}
