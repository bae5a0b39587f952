//! `http.max_event_streams_per_session`: a session holds at most that many `/v1/events`
//! streams open; one more is answered 429 `rate_limited` with `Retry-After`, another
//! session is not held back, and a stream that ends gives its slot back.

use std::time::Duration;

use stint_api::routes;

use crate::support::api::{Api, Options, WAIT};
use crate::support::client::eventually;

async fn open_stream(api: &Api, token: &str) -> reqwest::Response {
    api.http
        .get(format!("{}{}", api.url, routes::EVENTS))
        .bearer_auth(token)
        .header("accept", "text/event-stream")
        .timeout(Duration::from_secs(3600))
        .send()
        .await
        .expect("the broker answers")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_gets_429_past_its_stream_cap_and_the_slot_back_when_one_closes() {
    let mut options = Options {
        run_engine: false,
        ..Options::default()
    };
    options.events.max_per_session = 2;
    let api = Api::start(options).await;
    let alice = api.login("alice").await;
    let bob = api.login("bob").await;

    let first = api.events(&alice, None).await;
    let _second = api.events(&alice, None).await;
    let refused = open_stream(&api, &alice).await;
    assert_eq!(refused.status().as_u16(), 429);
    let retry_after: u64 = refused
        .headers()
        .get("retry-after")
        .expect("Retry-After is set")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited", "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("already has 2 event streams open")
            && message.contains("max_event_streams_per_session"),
        "{message}"
    );

    // Another person's session has its own slots.
    let _bob_stream = api.events(&bob, None).await;

    // Closing one of alice's streams gives its slot back (once the broker sees it gone).
    drop(first);
    eventually(
        "alice's closed stream to give its slot back",
        WAIT,
        || async { open_stream(&api, &alice).await.status().as_u16() == 200 },
    )
    .await;
    api.stop().await;
}
