//! Free text is text (issue 9): a reason, ticket or comment with a control character is
//! refused with a 400 that names the field, before anything is recorded; line breaks and
//! tabs pass where text may span lines; lengths count characters, not bytes. The bounds
//! on a window's length and start come from `stint_api::rules` too.

use reqwest::StatusCode;
use serde_json::{Value, json};
use stint_api::{RequestState, routes};
use stint_broker::clock::Clock;

use crate::support::api::{Api, Options};

const ESC_OSC: &str = "fix \u{1b}]0;pwned\u{7} now";

fn create(reason: &str, ticket: Option<&str>) -> Value {
    json!({
        "account": "prod",
        "permissionSet": "PowerUserAccess",
        "durationSecs": 600,
        "reason": reason,
        "ticket": ticket,
    })
}

fn refused(status: StatusCode, body: &Value, says: &[&str]) {
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "invalid_input", "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    for fragment in says {
        assert!(message.contains(fragment), "{message:?} lacks {fragment:?}");
    }
}

async fn my_requests(api: &Api, token: &str) -> usize {
    let (status, page) = api.get(token, routes::REQUESTS).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"].as_array().unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_characters_are_refused_naming_the_field() {
    let api = Api::start(Options::default()).await;
    let alice = api.login("alice").await;
    let bob = api.login("bob").await;

    let (status, body) = api
        .post(&alice, routes::REQUESTS, create(ESC_OSC, None))
        .await;
    refused(status, &body, &["reason", "U+001B", "character 5"]);
    // A ticket that would also fail the policy's pattern is refused for what it holds.
    let (status, body) = api
        .post(
            &alice,
            routes::REQUESTS,
            create("on call", Some("INC-1\u{1b}[2J")),
        )
        .await;
    refused(status, &body, &["ticket", "U+001B"]);
    let (status, body) = api
        .post(
            &alice,
            routes::REQUESTS,
            create("on call", Some("INC-1\nINC-2")),
        )
        .await;
    refused(status, &body, &["ticket", "U+000A", "one line"]);
    for c in ['\u{7}', '\r', '\u{9b}', '\u{7f}'] {
        let (status, body) = api
            .post(&alice, routes::REQUESTS, create(&format!("a{c}b"), None))
            .await;
        refused(status, &body, &["reason", "control character"]);
    }
    assert_eq!(
        my_requests(&api, &alice).await,
        0,
        "a refused request was recorded"
    );

    // Line breaks and tabs are text in a reason.
    let paragraph = "INC-7 latency\n\tcheck the load balancer";
    let r = api.request_with(&alice, create(paragraph, None)).await;
    assert_eq!(r.reason, paragraph);

    // Comments: on reject, approve, cancel and revoke alike, and the request is untouched.
    let reject = routes::with_id(routes::REJECT, r.id);
    let (status, body) = api.post(&bob, &reject, json!({ "comment": ESC_OSC })).await;
    refused(status, &body, &["comment", "U+001B"]);
    let approve = routes::with_id(routes::APPROVE, r.id);
    let (status, body) = api
        .post(&bob, &approve, json!({ "comment": "ok\u{1b}[1A" }))
        .await;
    refused(status, &body, &["comment"]);
    let cancel = routes::with_id(routes::CANCEL, r.id);
    let (status, body) = api
        .post(&alice, &cancel, json!({ "comment": "oops\u{7}" }))
        .await;
    refused(status, &body, &["comment", "U+0007"]);
    let revoke = routes::with_id(routes::REVOKE, r.id);
    let (status, body) = api
        .post(&alice, &revoke, json!({ "comment": "\u{1b}c" }))
        .await;
    refused(status, &body, &["comment"]);
    assert_eq!(api.fetch(&alice, r.id).await.state, RequestState::Pending);
    let rejected = api
        .act(
            &bob,
            routes::REJECT,
            r.id,
            json!({ "comment": "not now,\nsee INC-7" }),
        )
        .await;
    assert_eq!(
        rejected.decision_comment.as_deref(),
        Some("not now,\nsee INC-7")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lengths_count_characters_and_windows_keep_their_bounds() {
    let api = Api::start(Options::default()).await;
    let alice = api.login("alice").await;

    // 2000 two-byte characters is 4000 bytes, and allowed.
    let accents = "é".repeat(2000);
    let r = api.request_with(&alice, create(&accents, None)).await;
    assert_eq!(r.reason.chars().count(), 2000);
    let (status, body) = api
        .post(&alice, routes::REQUESTS, create(&"é".repeat(2001), None))
        .await;
    refused(
        status,
        &body,
        &["reason", "2001 characters", "2000 characters"],
    );
    let (status, body) = api
        .post(&alice, routes::REQUESTS, create("   ", None))
        .await;
    refused(status, &body, &["a reason is required"]);

    let mut short = create("on call", None);
    short["durationSecs"] = json!(59);
    let (status, body) = api.post(&alice, routes::REQUESTS, short).await;
    refused(status, &body, &["durationSecs", "at least 1m"]);
    let mut far = create("on call", None);
    far["startAt"] = json!((api.clock.now() + chrono::Duration::days(31)).to_rfc3339());
    let (status, body) = api.post(&alice, routes::REQUESTS, far).await;
    refused(status, &body, &["startAt", "30d"]);
}
