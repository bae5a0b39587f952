//! What the OpenAPI document allows, the broker accepts, and what it forbids, the broker
//! refuses (issue 9; found by the schemathesis run in tests/python/test_openapi_contract.py,
//! which this pins down one finding at a time): whole numbers written with a fraction of
//! zero, an empty `startAt` (for a request and a request set), bodies that are JSON but not objects, page limits outside the
//! documented range, `state=` naming no state, and the bodies approve, cancel and revoke may
//! leave out.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use stint_api::{RequestState, routes};
use stint_broker::clock::Clock;

use crate::support::api::{Api, Options};

fn refused(status: StatusCode, body: &Value, says: &str) {
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "invalid_input", "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains(says), "{message:?} lacks {says:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_numbers_with_a_zero_fraction_and_an_empty_start_are_accepted() {
    let api = Api::start(Options::default()).await;
    let alice = api.login("alice").await;

    // JSON Schema counts 3600.0 as an integer; JavaScript and many encoders write it so.
    // An empty startAt is a form left empty: the window opens now.
    let r = api
        .request_with(
            &alice,
            json!({
                "account": "dev",
                "permissionSet": "PowerUserAccess",
                "durationSecs": 3600.0,
                "startAt": "",
                "reason": "incident response",
            }),
        )
        .await;
    assert_eq!(r.duration_secs, 3600);
    let now = api.clock.now();
    assert!(
        (r.start_at - now).num_seconds().abs() < 5,
        "an empty startAt did not start now: {} vs {now}",
        r.start_at
    );
    api.wait_state(&alice, r.id, RequestState::Active).await;
    let extended = api
        .act(&alice, routes::EXTEND, r.id, json!({"bySecs": 600.0}))
        .await;
    assert_eq!(
        (extended.end_at - r.end_at).num_seconds(),
        600,
        "{extended:?}"
    );

    // A fraction, a negative number or a string is still refused, saying what it takes.
    for by in [json!(1.5), json!(-60), json!("600")] {
        let (status, body) = api
            .post(
                &alice,
                &routes::with_id(routes::EXTEND, r.id),
                json!({ "bySecs": by }),
            )
            .await;
        refused(status, &body, "whole number");
    }
    let (status, body) = api
        .post(
            &alice,
            routes::REQUESTS,
            json!({
                "account": "dev",
                "permissionSet": "PowerUserAccess",
                "durationSecs": 3600,
                "startAt": "tomorrow",
                "reason": "incident response",
            }),
        )
        .await;
    refused(status, &body, "RFC 3339");

    // A request set takes its window the same way.
    let (status, body) = api
        .post(
            &alice,
            routes::REQUEST_SETS,
            json!({
                "ou": "Workloads",
                "permissionSet": "ReadOnlyAccess",
                "durationSecs": 600.0,
                "startAt": "",
                "reason": "compare the three environments",
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["members"][0]["durationSecs"], 600, "{body}");
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_must_be_a_json_object_and_decisions_may_leave_it_out() {
    let api = Api::start(Options::default()).await;
    let alice = api.login("alice").await;
    let bob = api.login("bob").await;
    let pending = api.request(&alice, "prod", "ReadOnlyAccess", 3600).await;
    assert_eq!(pending.state, RequestState::Pending);

    // serde reads an array as a struct's fields in order; the document allows objects only.
    let approve = routes::with_id(routes::APPROVE, pending.id);
    for body in [json!([]), json!(["looks fine"]), json!(5), json!("ok")] {
        let (status, answer) = api.post(&bob, &approve, body.clone()).await;
        refused(status, &answer, "JSON object");
    }
    let (status, answer) = api
        .post(
            &alice,
            routes::REQUESTS,
            json!(["dev", "PowerUserAccess", 3600, null, "incident", null]),
        )
        .await;
    refused(
        status,
        &answer,
        "the request body is not what this endpoint takes",
    );
    assert_eq!(
        api.fetch(&alice, pending.id).await.state,
        RequestState::Pending
    );

    // No body at all is an empty decision.
    let (status, answer) = api.call(Method::POST, &approve, Some(&bob), None).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["state"], "approved", "{answer}");
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_limits_and_state_filters_outside_the_document_are_refused() {
    let api = Api::start(Options::default()).await;
    let alice = api.login("alice").await;
    let erin = api.login("erin").await;
    let r = api.request(&alice, "dev", "PowerUserAccess", 3600).await;
    api.wait_state(&alice, r.id, RequestState::Active).await;

    for (who, path, max) in [
        (&alice, routes::REQUESTS, 500),
        (&alice, routes::GRANTS, 500),
        (&erin, routes::AUDIT, 1000),
    ] {
        for limit in [0u64, max + 1, 2_147_483_648] {
            let (status, body) = api.get(who, &format!("{path}?limit={limit}")).await;
            refused(status, &body, &format!("1 to {max}"));
        }
        let (status, body) = api.get(who, &format!("{path}?limit={max}")).await;
        assert_eq!(status, StatusCode::OK, "{path}?limit={max}: {body}");
    }

    let (status, body) = api
        .get(&alice, &format!("{}?state=active,ended", routes::REQUESTS))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["items"].as_array().unwrap().len(), 1, "{body}");
    for bad in ["", "active,", "active,,approved", "granted"] {
        let (status, body) = api
            .get(&alice, &format!("{}?state={bad}", routes::REQUESTS))
            .await;
        refused(status, &body, "is not a request state");
    }
    // A cursor is given by the broker: blank is the first page, spaces are not a cursor.
    let (status, body) = api
        .get(&alice, &format!("{}?cursor=", routes::REQUESTS))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = api
        .get(&alice, &format!("{}?cursor=%20", routes::REQUESTS))
        .await;
    refused(status, &body, "cursor");
    api.stop().await;
}
