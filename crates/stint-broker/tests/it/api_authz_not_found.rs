//! What a caller may not see answers 404, as if it did not exist, and bad input says why.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use stint_api::routes;

use crate::support::api::{Api, Options};

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
