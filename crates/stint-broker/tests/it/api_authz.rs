//! The authorization matrix: every endpoint × {no token, an expired token, the requester,
//! an approver, an auditor, an admin, a requester approving their own request}, each cell
//! asserting the exact status and error code. The table (`support/authz_matrix.rs`) is checked
//! against `stint_api::routes::ENDPOINTS`, so a route added without a row fails this test.
//!
//! The people (demo world and policy): alice is an engineer and the requester; bob leads
//! SRE and approves production; dave audits; erin administers Stint. The last column is
//! bob acting on his *own* request (break-glass AdministratorAccess in prod, which only
//! another SRE lead may approve): being an approver is no exemption.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use stint_api::routes;

use crate::support::api::{Api, Options};
use crate::support::authz_matrix::*;

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
