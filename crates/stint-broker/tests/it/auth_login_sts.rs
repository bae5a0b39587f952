//! Signing in to the broker over real HTTP against stint-sim's STS, with requests signed
//! exactly as the real client signs them: every way a signed identity request is refused
//! (hosts off the allow-list, redirects, another audience, skewed times, replays, tampering,
//! another role's credentials), and an STS that is down or slow.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use stint_broker::model::AuditKind;
use stint_sim::{ApiFaults, Faults};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

use crate::support::auth_broker::{AUDIENCE, AuthBroker, Options, assert_refused};
use crate::support::auth_broker::{demo_sim, events_of_kind};
use crate::support::identity::{
    Signing, baseline_credentials, device_login, identity_request, role_credentials,
};

/// A TCP listener that counts the connections it accepts and answers each with `reply`.
struct Recorder {
    url: String,
    connections: Arc<AtomicUsize>,
}

async fn recorder(reply: String) -> Recorder {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            let _ = stream.write_all(reply.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
    });
    Recorder { url, connections }
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_host_not_on_the_allow_list_is_never_contacted() {
    let sim = demo_sim().await;
    let broker = AuthBroker::start(&sim).await;
    let elsewhere = recorder("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".into()).await;
    let creds = baseline_credentials(&sim, "alice").await;

    let req = Signing::new(&sim, AUDIENCE)
        .url(format!("{}/", elsewhere.url))
        .sign(&creds);
    let answer = broker.login(&req).await;
    assert_refused(
        &answer,
        401,
        "identity_rejected",
        "is not an STS endpoint this broker may call",
    );
    let message = answer.1["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("allowed: {}", sim.url())),
        "{message}"
    );

    // The simulator itself under another name is another host, too.
    let other_name = sim.url().replace("127.0.0.1", "localhost");
    let req = Signing::new(&sim, AUDIENCE)
        .url(format!("{other_name}/"))
        .sign(&creds);
    assert_refused(
        &broker.login(&req).await,
        401,
        "identity_rejected",
        "is not an STS endpoint",
    );

    // The recorder would have seen a connection: it sees ours.
    assert_eq!(
        elsewhere.connections.load(Ordering::SeqCst),
        0,
        "the broker connected"
    );
    let _ = tokio::net::TcpStream::connect(elsewhere.url.trim_start_matches("http://")).await;
    wait_for("the recorder to count a connection", || {
        elsewhere.connections.load(Ordering::SeqCst) == 1
    })
    .await;

    let refused = events_of_kind(&broker, AuditKind::LoginRefused.as_str()).await;
    assert_eq!(refused.len(), 2);
    assert_eq!(refused[0].actor, "anonymous");
    assert!(
        refused[0].data.contains("is not an STS endpoint"),
        "{}",
        refused[0].data
    );
}

#[tokio::test]
async fn an_allowed_endpoint_that_redirects_is_not_followed() {
    let sim = demo_sim().await;
    let target = recorder("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".into()).await;
    let redirector = recorder(format!(
        "HTTP/1.1 307 Temporary Redirect\r\nLocation: {}/\r\nContent-Length: 0\r\n\r\n",
        target.url
    ))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("stint.db").display());
    let options = Options {
        extra_sts: vec![redirector.url.clone()],
        ..Options::default()
    };
    let broker = AuthBroker::start_with(&sim, &sim, &db, Some(dir), options).await;
    let creds = baseline_credentials(&sim, "alice").await;
    let req = Signing::new(&sim, AUDIENCE)
        .url(format!("{}/", redirector.url))
        .sign(&creds);
    assert_refused(
        &broker.login(&req).await,
        503,
        "unavailable",
        "redirect, which the broker does not follow",
    );
    assert_eq!(redirector.connections.load(Ordering::SeqCst), 1);
    assert_eq!(
        target.connections.load(Ordering::SeqCst),
        0,
        "the redirect was followed"
    );
}

#[tokio::test]
async fn a_request_signed_for_another_broker_is_refused() {
    let sim = demo_sim().await;
    let broker = AuthBroker::start(&sim).await;
    let creds = baseline_credentials(&sim, "alice").await;
    let req = Signing::new(&sim, "https://other-broker.example").sign(&creds);
    assert_refused(
        &broker.login(&req).await,
        401,
        "identity_rejected",
        "signed for the broker \"https://other-broker.example\", not this one",
    );
}

#[tokio::test]
async fn an_audience_header_outside_the_signature_is_refused() {
    let sim = demo_sim().await;
    let broker = AuthBroker::start(&sim).await;
    let creds = baseline_credentials(&sim, "alice").await;
    let mut signing = Signing::new(&sim, AUDIENCE);
    signing.sign_audience = false;
    let req = signing.sign(&creds);
    assert_refused(
        &broker.login(&req).await,
        401,
        "identity_rejected",
        "x-stint-broker header is not signed",
    );

    let mut signing = Signing::new(&sim, AUDIENCE);
    signing.audience = None;
    let req = signing.sign(&creds);
    assert_refused(
        &broker.login(&req).await,
        401,
        "identity_rejected",
        "no x-stint-broker header",
    );
}

#[tokio::test]
async fn signing_times_beyond_the_skew_are_refused_either_way() {
    let sim = demo_sim().await;
    let broker = AuthBroker::start(&sim).await;
    let creds = baseline_credentials(&sim, "alice").await;
    let base = Signing::new(&sim, AUDIENCE);
    let stale = base.shifted(-6 * 60).sign(&creds);
    assert_refused(
        &broker.login(&stale).await,
        401,
        "identity_rejected",
        "before the broker's clock",
    );
    let future = base.shifted(6 * 60).sign(&creds);
    assert_refused(
        &broker.login(&future).await,
        401,
        "identity_rejected",
        "after the broker's clock",
    );
    // Within the skew is fine.
    let fresh = base.shifted(-4 * 60).sign(&creds);
    assert_eq!(broker.login(&fresh).await.0, 200);
}

#[tokio::test]
async fn an_accepted_request_cannot_be_replayed() {
    let sim = demo_sim().await;
    let broker = AuthBroker::start(&sim).await;
    let req = identity_request(&sim, "alice", AUDIENCE).await;
    assert_eq!(broker.login(&req).await.0, 200);
    assert_refused(
        &broker.login(&req).await,
        401,
        "identity_rejected",
        "already used",
    );
    // Once past the skew it is refused as stale, and its record can go.
    broker.clock.advance(chrono::Duration::minutes(7));
    assert_refused(
        &broker.login(&req).await,
        401,
        "identity_rejected",
        "before the broker's clock",
    );
    let purged = broker.authenticator.purge_expired().await.unwrap();
    assert_eq!(purged.signatures, 1);
}

#[tokio::test]
async fn a_tampered_body_or_header_is_refused_by_sts() {
    let sim = demo_sim().await;
    let broker = AuthBroker::start(&sim).await;
    let creds = baseline_credentials(&sim, "alice").await;

    // Requests signed in the same second with the same keys are the same request (and a
    // replay); each one here is signed at its own second.
    // The same two parameters in another order: allowed by the broker, not by the signature.
    let base = Signing::new(&sim, AUDIENCE);
    let mut req = base.shifted(-1).sign(&creds);
    req.body = "Version=2011-06-15&Action=GetCallerIdentity".into();
    assert_refused(
        &broker.login(&req).await,
        401,
        "identity_rejected",
        "STS refused the signed identity request with SignatureDoesNotMatch",
    );

    let mut req = base.shifted(-2).sign(&creds);
    let content_type = req
        .headers
        .iter_mut()
        .find(|h| h.name == "content-type")
        .expect("a signed content-type");
    content_type.value = "application/x-www-form-urlencoded".into();
    assert_refused(
        &broker.login(&req).await,
        401,
        "identity_rejected",
        "STS refused the signed identity request with SignatureDoesNotMatch",
    );

    // A body asking for anything but GetCallerIdentity never reaches STS.
    let mut req = base.shifted(-3).sign(&creds);
    req.body = "Action=GetCallerIdentity&Version=2011-06-15&Extra=1".into();
    assert_refused(
        &broker.login(&req).await,
        401,
        "identity_rejected",
        "must be exactly",
    );
}

#[tokio::test]
async fn credentials_of_another_role_do_not_prove_identity() {
    let sim = demo_sim().await;
    let broker = AuthBroker::start(&sim).await;
    // alice's standing ReadOnlyAccess in dev is real, but it is not the baseline.
    let token = device_login(&sim, "alice").await;
    let creds = role_credentials(&sim, &token, "555555555555", "ReadOnlyAccess").await;
    let req = Signing::new(&sim, AUDIENCE).sign(&creds);
    assert_refused(
        &broker.login(&req).await,
        401,
        "identity_rejected",
        "in account 555555555555, not the baseline account",
    );

    let refused = events_of_kind(&broker, AuditKind::LoginRefused.as_str()).await;
    assert_eq!(refused.len(), 1);
    assert!(
        refused[0].data.contains("555555555555"),
        "{}",
        refused[0].data
    );
}

#[tokio::test]
async fn an_sts_outage_is_unavailable_not_a_refusal() {
    let sim = demo_sim().await;
    let broker = AuthBroker::start(&sim).await;
    let creds = baseline_credentials(&sim, "alice").await;
    // Each request is signed at its own second, so none is a replay of another.
    let base = Signing::new(&sim, AUDIENCE);
    for (offset, faults, says) in [
        (
            -1,
            ApiFaults {
                error_rate: 1.0,
                ..ApiFaults::default()
            },
            "STS failed with HTTP 503",
        ),
        (
            -2,
            ApiFaults {
                throttle_rate: 1.0,
                ..ApiFaults::default()
            },
            "STS is throttling",
        ),
    ] {
        sim.set_faults(Faults {
            sts: faults,
            ..Faults::default()
        })
        .unwrap();
        let req = base.shifted(offset).sign(&creds);
        assert_refused(&broker.login(&req).await, 503, "unavailable", says);
    }
    sim.set_faults(Faults::default()).unwrap();
    let req = base.shifted(-3).sign(&creds);
    assert_eq!(broker.login(&req).await.0, 200);
}

#[tokio::test]
async fn a_slow_sts_times_out_as_unavailable() {
    let sim = demo_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("stint.db").display());
    let options = Options {
        sts_timeout: Duration::from_millis(300),
        ..Options::default()
    };
    let broker = AuthBroker::start_with(&sim, &sim, &db, Some(dir), options).await;
    let creds = baseline_credentials(&sim, "alice").await;
    sim.set_faults(Faults {
        sts: ApiFaults {
            latency_ms: 3_000,
            ..ApiFaults::default()
        },
        ..Faults::default()
    })
    .unwrap();
    let req = Signing::new(&sim, AUDIENCE).sign(&creds);
    assert_refused(
        &broker.login(&req).await,
        503,
        "unavailable",
        "did not answer in time",
    );
}
