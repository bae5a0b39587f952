//! What the API writes to the log: one line per request with its method, route template,
//! status, latency and the caller's user name — and never a session token, whether it
//! came in a header that was accepted, refused, or held by an event stream.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use stint_api::routes;

use crate::support::api::{Api, Options};
use crate::support::own_process;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[test]
fn request_lines_name_the_route_and_the_user_but_never_a_token() {
    own_process::run_alone(ALONE, &[], &[]);
}

const ALONE: &str = "api_logs::request_lines_alone";

/// Installs the global tracing subscriber: alone in its own process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by request_lines_name_the_route_and_the_user_but_never_a_token, alone"]
async fn request_lines_alone() {
    own_process::assert_alone(ALONE);
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_env_filter("debug")
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    let api = Api::start(Options::default()).await;
    let alice = api.login("alice").await;
    let bob = api.login("bob").await;
    let expired = api.expired_login("carol").await;
    let mut stream = api.events(&alice, None).await;
    let r = api.request(&alice, "prod", "PowerUserAccess", 600).await;
    api.act(&bob, routes::APPROVE, r.id, json!({ "comment": "ok" }))
        .await;
    api.wait_state(&alice, r.id, stint_api::RequestState::Active)
        .await;
    assert!(stream.next(Duration::from_secs(30)).await.is_some());
    let (status, _) = api.get(&expired, routes::ME).await;
    assert_eq!(status, 401);
    let (status, _) = api
        .call(
            reqwest::Method::GET,
            routes::ME,
            Some("not-a-session-token-1234"),
            None,
        )
        .await;
    assert_eq!(status, 401);
    api.act(&alice, routes::REVOKE, r.id, json!({})).await;
    api.wait_state(&alice, r.id, stint_api::RequestState::Ended)
        .await;
    drop(stream);
    api.stop().await;

    let log = captured.text();
    assert!(
        log.lines().any(|l| l.contains("method=POST")
            && l.contains("route=/v1/requests/{id}/approve")
            && l.contains("status=200")
            && l.contains("user=\"bob\"")
            && l.contains("latency_ms=")),
        "no request line for bob's approval in:\n{log}"
    );
    assert!(log.contains("route=/v1/me status=401"), "{log}");
    for secret in [
        alice.as_str(),
        bob.as_str(),
        expired.as_str(),
        "not-a-session-token-1234",
    ] {
        assert!(!log.contains(secret), "a session token is in the log");
    }
    let op = api_common_secret();
    assert!(
        !log.contains(&op),
        "the operator's secret key is in the log"
    );
    assert!(
        !log.to_lowercase().contains("authorization: bearer"),
        "{log}"
    );
}

/// The demo operator's secret key (the broker's AWS credentials in these tests).
fn api_common_secret() -> String {
    stint_sim::World::demo().operators()[0]
        .secret_access_key
        .expose()
        .to_owned()
}
