//! `/openapi.json`: generated from the handlers and the `stint-api` types, it lists exactly
//! the routes of `stint_api::routes`, each authenticated one with its bearer security and
//! its 401, and every schema it refers to is defined.

use serde_json::Value;
use stint_api::routes;

use crate::support::api::{Api, Options};

fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if key == "$ref" {
                    if let Some(r) = v.as_str() {
                        out.push(r);
                    }
                } else {
                    refs(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_document_covers_every_route_and_nothing_else() {
    let api = Api::start(Options {
        run_engine: false,
        ..Options::default()
    })
    .await;
    let (status, doc) = api
        .call(reqwest::Method::GET, routes::OPENAPI, None, None)
        .await;
    assert_eq!(status, 200);
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["info"]["title"], "Stint broker API");

    let paths = doc["paths"].as_object().expect("paths");
    let mut operation_ids = Vec::new();
    for (method, route) in routes::ENDPOINTS {
        let operation = &paths
            .get(*route)
            .unwrap_or_else(|| panic!("{route} is not in the document"))[method.to_lowercase()];
        assert!(
            operation.is_object(),
            "{method} {route} is not in the document"
        );
        assert!(
            operation["summary"].is_string() || operation["description"].is_string(),
            "{method} {route} is undocumented"
        );
        operation_ids.push(
            operation["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {route} has no operationId"))
                .to_owned(),
        );
        let responses = operation["responses"].as_object().expect("responses");
        assert!(
            responses.keys().any(|s| s.starts_with('2')),
            "{method} {route} has no success response"
        );
        let secured = operation["security"]
            .as_array()
            .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
        if routes::PUBLIC.contains(route) {
            assert!(!secured, "{method} {route} is public but asks for a token");
        } else {
            assert!(secured, "{method} {route} does not declare bearer auth");
            assert!(responses.contains_key("401"), "{method} {route} has no 401");
        }
        // Every documented error is the one error shape.
        for (status, response) in responses {
            if status.starts_with('4') || status.starts_with('5') {
                let schema = &response["content"]["application/json"]["schema"]["$ref"];
                assert_eq!(
                    schema, "#/components/schemas/ApiError",
                    "{method} {route} {status}"
                );
            }
        }
    }
    // Client generators name functions after these: they must be unique.
    let mut unique = operation_ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        operation_ids.len(),
        "repeated operationId in {operation_ids:?}"
    );
    let documented: usize = paths
        .values()
        .map(|p| {
            p.as_object()
                .unwrap()
                .keys()
                .filter(|k| *k != "parameters")
                .count()
        })
        .sum();
    assert_eq!(
        documented,
        routes::ENDPOINTS.len(),
        "the document has operations that are not routes"
    );

    // Every reference resolves, so generated clients get whole types.
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(
        found.len() > 30,
        "suspiciously few references: {}",
        found.len()
    );
    for r in found {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected reference {r}"));
        assert!(schemas.contains_key(name), "{r} is not defined");
    }
    for name in [
        "AccessRequest",
        "ApiError",
        "ErrorCode",
        "BrokerEvent",
        "Explanation",
        "Me",
    ] {
        assert!(schemas.contains_key(name), "{name} is not in the document");
    }
    // The error codes clients branch on are all listed.
    let codes = &schemas["ErrorCode"]["enum"];
    for code in [
        "unauthenticated",
        "self_approval",
        "no_approver",
        "invalid_state",
    ] {
        assert!(
            codes.as_array().unwrap().iter().any(|c| c == code),
            "{code} missing from {codes}"
        );
    }
    let security = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!(security["type"], "http");
    assert_eq!(security["scheme"], "bearer");
    api.stop().await;
}

fn operation<'a>(doc: &'a Value, method: &str, route: &str) -> &'a Value {
    &doc["paths"][route][method]
}

fn param<'a>(operation: &'a Value, name: &str) -> &'a Value {
    operation["parameters"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == name))
        .unwrap_or_else(|| panic!("no parameter {name} in {operation}"))
}

/// The bounds the broker enforces are the ones the document states (tests/it/api_contract.rs
/// holds the broker to them): schemathesis generates requests from these.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_states_the_bounds_the_broker_enforces() {
    let api = Api::start(Options {
        run_engine: false,
        ..Options::default()
    })
    .await;
    let (_, doc) = api
        .call(reqwest::Method::GET, routes::OPENAPI, None, None)
        .await;
    for (route, max) in [
        (routes::REQUESTS, 500),
        (routes::GRANTS, 500),
        (routes::AUDIT, 1000),
        (routes::ACTIVITY, 1000),
    ] {
        let limit = &param(operation(&doc, "get", route), "limit")["schema"];
        assert_eq!(limit["minimum"], 1, "{route}: {limit}");
        assert_eq!(limit["maximum"], max, "{route}: {limit}");
    }
    let grants_scope = &param(operation(&doc, "get", routes::GRANTS), "scope")["schema"];
    let scope_schema = match grants_scope["$ref"].as_str() {
        Some(r) => &doc["components"]["schemas"][r.rsplit('/').next().unwrap()],
        None => grants_scope,
    };
    let scopes = scope_schema["enum"].as_array().cloned().unwrap_or_else(|| {
        // `Option<GrantScope>` is a oneOf of null and the reference.
        let text = grants_scope.to_string();
        assert!(text.contains("GrantScope"), "{grants_scope}");
        doc["components"]["schemas"]["GrantScope"]["enum"]
            .as_array()
            .cloned()
            .unwrap()
    });
    assert_eq!(scopes, vec![Value::from("mine"), Value::from("all")]);

    let state = param(operation(&doc, "get", routes::REQUESTS), "state");
    assert_eq!(state["explode"], false, "{state}");
    assert_eq!(state["schema"]["minItems"], 1, "{state}");

    let body = |route: &str| operation(&doc, "post", route)["requestBody"].clone();
    for route in [routes::APPROVE, routes::CANCEL, routes::REVOKE] {
        assert_eq!(
            body(route)["required"],
            false,
            "{route}: the body may be left out"
        );
    }
    let reject = body(routes::REJECT);
    assert_ne!(reject["required"], false, "{reject}");
    let rejection = &doc["components"]["schemas"]["Rejection"];
    assert_eq!(
        rejection["required"],
        serde_json::json!(["comment"]),
        "{rejection}"
    );
    assert_eq!(
        rejection["properties"]["comment"]["minLength"], 1,
        "{rejection}"
    );

    let create = &doc["components"]["schemas"]["CreateRequest"]["properties"];
    assert_eq!(
        create["durationSecs"]["minimum"],
        stint_api::rules::MIN_DURATION_SECS,
        "{create}"
    );
    assert_eq!(
        create["durationSecs"]["maximum"],
        stint_api::rules::MAX_DURATION_SECS,
        "{create}"
    );
    assert_eq!(
        create["reason"]["maxLength"],
        stint_api::rules::MAX_REASON_CHARS,
        "{create}"
    );
    let extend = &doc["components"]["schemas"]["ExtendRequest"]["properties"];
    assert_eq!(extend["bySecs"]["minimum"], 1, "{extend}");
    api.stop().await;
}
