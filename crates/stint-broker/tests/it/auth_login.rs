//! Signing in to the broker over real HTTP, against stint-sim's STS and Identity Center,
//! with requests signed exactly as the real client signs them: who gets a session, and
//! every way a signed identity request is refused.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aws_credential_types::Credentials;
use stint_api::{Persona, SessionGrant};
use stint_broker::audit::AuditFilter;
use stint_broker::auth::{AuthError, CallerResolver, SessionToken};
use stint_broker::model::AuditKind;
use stint_sim::{ApiFaults, Faults, RunningSim, World};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

use crate::support::auth_broker::{AUDIENCE, AuthBroker, Options, SESSION_TTL, assert_refused};
use crate::support::identity::{
    Signing, baseline_credentials, device_login, identity_request, role_credentials,
};

async fn demo_sim() -> RunningSim {
    stint_sim::spawn(World::demo())
        .await
        .expect("simulator starts")
}

async fn sim_with(edit: impl FnOnce(&str) -> String) -> RunningSim {
    let text = edit(stint_sim::DEMO_WORLD_TOML);
    let world = World::from_toml_str(&text, "edited-demo.toml").expect("edited world is valid");
    stint_sim::spawn(world).await.expect("simulator starts")
}

async fn events_of_kind(broker: &AuthBroker, kind: &str) -> Vec<stint_broker::audit::AuditRecord> {
    broker
        .store
        .audit_events(&AuditFilter {
            kind: Some(kind.to_owned()),
            limit: 100,
            ..AuditFilter::default()
        })
        .await
        .expect("audit events")
}

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
async fn alice_gets_a_session_with_her_groups_and_personas() {
    let sim = demo_sim().await;
    let broker = AuthBroker::start(&sim).await;

    let config = broker.auth_config().await;
    assert_eq!(config.audience, AUDIENCE);
    assert_eq!(config.start_url, sim.start_url());
    assert_eq!(config.sso_region, sim.region());
    assert_eq!(config.baseline_account_id, "222222222222");
    assert_eq!(config.baseline_role_name, "StintBaseline");

    let (status, body) = broker
        .login(&identity_request(&sim, "alice", AUDIENCE).await)
        .await;
    assert_eq!(status, 200, "{body}");
    let grant: SessionGrant = serde_json::from_value(body).expect("a SessionGrant");
    assert!(grant.token.starts_with("stint_"));
    let alice = sim.world().user_by_name("alice").expect("alice");
    assert_eq!(grant.me.user.user_id, alice.user_id);
    assert_eq!(grant.me.user.user_name, "alice");
    assert_eq!(grant.me.user.display_name, "Alice Adams");
    assert_eq!(grant.me.email.as_deref(), Some("alice@example.com"));
    assert_eq!(grant.me.groups, ["engineers", "everyone"]);
    assert_eq!(grant.me.personas, [Persona::Requester]);
    let now = stint_broker::store::time_truncate(sim.now());
    let expected_expiry = broker_now(&broker) + chrono::Duration::from_std(SESSION_TTL).unwrap();
    assert_eq!(grant.expires_at, expected_expiry);
    assert!(grant.expires_at > now);

    // The token is what every other endpoint resolves to alice.
    let caller = broker
        .authenticator
        .resolve(&grant.token)
        .await
        .expect("a live session");
    assert_eq!(caller.person.user_name, "alice");
    assert_eq!(caller.person.user_id, alice.user_id);
    assert_eq!(caller.groups, ["engineers", "everyone"]);
    assert_eq!(caller.session_expires_at, grant.expires_at);

    // The database holds the token's hash, not the token.
    let token = SessionToken::parse(&grant.token).expect("well formed");
    let stored = broker
        .store
        .session_by_token_hash(&token.hash())
        .await
        .unwrap()
        .expect("stored by hash");
    assert_ne!(stored.token_hash.as_str(), grant.token);
    assert_eq!(stored.id, caller.session_id);

    // An audit event says who signed in, with the session's public id only.
    let logins = events_of_kind(&broker, AuditKind::Login.as_str()).await;
    assert_eq!(logins.len(), 1);
    assert_eq!(logins[0].actor, "alice");
    assert!(
        logins[0].data.contains(&caller.session_id),
        "{}",
        logins[0].data
    );
    assert!(!logins[0].data.contains(&grant.token));
    assert!(!logins[0].data.contains(token.hash().as_str()));

    // A second person gets their own session and groups.
    let (status, body) = broker
        .login(&identity_request(&sim, "dave", AUDIENCE).await)
        .await;
    assert_eq!(status, 200, "{body}");
    let grant: SessionGrant = serde_json::from_value(body).unwrap();
    assert_eq!(grant.me.groups, ["everyone", "security-auditors"]);
    assert!(grant.me.personas.contains(&Persona::Auditor));
}

fn broker_now(broker: &AuthBroker) -> chrono::DateTime<chrono::Utc> {
    use stint_broker::clock::Clock;
    stint_broker::store::time_truncate(broker.clock.now())
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

fn operator(sim: &RunningSim) -> Credentials {
    let op = sim.operator_credentials();
    Credentials::new(
        op.access_key_id,
        op.secret_access_key.expose(),
        None,
        None,
        "operator",
    )
}

#[tokio::test]
async fn an_operator_key_is_not_a_person() {
    let sim = demo_sim().await;
    let broker = AuthBroker::start(&sim).await;
    let req = Signing::new(&sim, AUDIENCE).sign(&operator(&sim));
    assert_refused(
        &broker.login(&req).await,
        401,
        "identity_rejected",
        "in account 111111111111",
    );

    // Even a key in the baseline account is not an Identity Center role.
    let sim = sim_with(|w| {
        w.replacen(
            "account = \"111111111111\"\nrole",
            "account = \"222222222222\"\nrole",
            1,
        )
    })
    .await;
    let broker = AuthBroker::start(&sim).await;
    let req = Signing::new(&sim, AUDIENCE).sign(&operator(&sim));
    assert_refused(
        &broker.login(&req).await,
        401,
        "identity_rejected",
        "not an Identity Center role",
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
async fn a_user_identity_center_does_not_know_is_refused() {
    // mallory holds the baseline in the world STS answers for, but the directory the broker
    // asks (another Identity Center) has no such user: as after her account was deleted.
    let sts = sim_with(|w| {
        w.replacen(
            "[[groups]]",
            "[[users]]\nuser_name = \"mallory\"\ndisplay_name = \"Mallory Moss\"\nemail = \"mallory@example.com\"\n\n[[groups]]",
            1,
        )
        .replacen("\"erin\", \"grace\"]", "\"erin\", \"grace\", \"mallory\"]", 1)
    })
    .await;
    let directory = demo_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("stint.db").display());
    let broker = AuthBroker::start_with(&sts, &directory, &db, Some(dir), Options::default()).await;
    let req = identity_request(&sts, "mallory", AUDIENCE).await;
    assert_refused(
        &broker.login(&req).await,
        401,
        "identity_rejected",
        "Identity Center has no user named mallory",
    );
    let refused = events_of_kind(&broker, AuditKind::LoginRefused.as_str()).await;
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].actor, "mallory");
}

#[tokio::test]
async fn sessions_expire_with_the_clock() {
    let sim = demo_sim().await;
    let broker = AuthBroker::start(&sim).await;
    let (_, body) = broker
        .login(&identity_request(&sim, "alice", AUDIENCE).await)
        .await;
    let grant: SessionGrant = serde_json::from_value(body).unwrap();
    broker
        .clock
        .advance(chrono::Duration::from_std(SESSION_TTL).unwrap() - chrono::Duration::seconds(1));
    assert!(broker.authenticator.resolve(&grant.token).await.is_ok());
    broker.clock.advance(chrono::Duration::seconds(1));
    let err = broker
        .authenticator
        .resolve(&grant.token)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AuthError::Unauthenticated(m) if m.contains("expired") && m.contains("sign in again")),
        "{err:?}"
    );
    assert_eq!(err.code().http_status(), 401);

    let purged = broker.authenticator.purge_expired().await.unwrap();
    assert_eq!(purged.sessions, 1);
    let err = broker
        .authenticator
        .resolve(&grant.token)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AuthError::Unauthenticated(m) if m.contains("not known")),
        "{err:?}"
    );
}

#[tokio::test]
async fn logout_ends_the_session() {
    let sim = demo_sim().await;
    let broker = AuthBroker::start(&sim).await;
    let (_, body) = broker
        .login(&identity_request(&sim, "alice", AUDIENCE).await)
        .await;
    let grant: SessionGrant = serde_json::from_value(body).unwrap();
    let (_, other) = broker
        .login(&identity_request(&sim, "alice", AUDIENCE).await)
        .await;
    let other: SessionGrant = serde_json::from_value(other).unwrap();

    let (status, text) = broker.logout(&grant.token).await;
    assert_eq!(status, 204, "{text}");
    let err = broker
        .authenticator
        .resolve(&grant.token)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AuthError::Unauthenticated(m) if m.contains("signed out")),
        "{err:?}"
    );
    // Her other session is untouched.
    assert!(broker.authenticator.resolve(&other.token).await.is_ok());

    let (status, text) = broker.logout(&grant.token).await;
    assert_eq!(status, 401, "{text}");
    let body: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["code"], "unauthenticated");

    let response = broker
        .http
        .post(format!("{}{}", broker.url, stint_api::routes::AUTH_LOGOUT))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "unauthenticated");
    assert!(body["message"].as_str().unwrap().contains("Bearer"));

    let logouts = events_of_kind(&broker, AuditKind::Logout.as_str()).await;
    assert_eq!(logouts.len(), 1);
    assert_eq!(logouts[0].actor, "alice");

    // Revoked sessions are purged too.
    assert_eq!(
        broker.authenticator.purge_expired().await.unwrap().sessions,
        1
    );
}

#[tokio::test]
async fn malformed_bodies_and_tokens_get_clear_errors() {
    let sim = demo_sim().await;
    let broker = AuthBroker::start(&sim).await;
    let response = broker
        .http
        .post(format!("{}{}", broker.url, stint_api::routes::AUTH_AWS))
        .header("content-type", "application/json")
        .body("{\"method\": \"POST\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "invalid_input");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("signed identity request"),
        "{body}"
    );

    for token in ["", "Bearer", "stint_short", "not-a-token"] {
        let err = broker.authenticator.resolve(token).await.unwrap_err();
        assert!(
            matches!(&err, AuthError::Unauthenticated(m) if m.contains("not a Stint session token")),
            "{err:?}"
        );
    }
    let unknown = SessionToken::generate();
    let err = broker
        .authenticator
        .resolve(unknown.expose())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AuthError::Unauthenticated(m) if m.contains("not known")),
        "{err:?}"
    );
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

#[tokio::test]
async fn the_purge_timer_removes_expired_sessions() {
    let sim = demo_sim().await;
    let broker = AuthBroker::start(&sim).await;
    let (_, body) = broker
        .login(&identity_request(&sim, "alice", AUDIENCE).await)
        .await;
    let grant: SessionGrant = serde_json::from_value(body).unwrap();
    let hash = SessionToken::parse(&grant.token).unwrap().hash();

    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let authenticator = broker.authenticator.clone();
    let timer = tokio::spawn(async move {
        authenticator
            .purge_periodically(Duration::from_secs(600), async {
                let _ = stopped.await;
            })
            .await;
    });
    // Nothing is purged while the session lives, however often the timer fires.
    broker.clock.advance(chrono::Duration::minutes(30));
    tokio::task::yield_now().await;
    assert!(
        broker
            .store
            .session_by_token_hash(&hash)
            .await
            .unwrap()
            .is_some()
    );

    broker.clock.advance(chrono::Duration::hours(2));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while broker
        .store
        .session_by_token_hash(&hash)
        .await
        .unwrap()
        .is_some()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the timer did not purge the expired session"
        );
        // The clock woke the timer; let it run, and wake it again if it was between rounds.
        broker.clock.advance(chrono::Duration::minutes(10));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(30), timer)
        .await
        .expect("the timer stops on shutdown")
        .unwrap();
}
