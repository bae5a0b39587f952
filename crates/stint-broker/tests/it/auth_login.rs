//! Signing in to the broker over real HTTP, against stint-sim's STS and Identity Center,
//! with requests signed exactly as the real client signs them: who gets a session and who
//! does not, its expiry, logout and purge, and clear errors for malformed bodies and tokens.

use std::time::Duration;

use aws_credential_types::Credentials;
use stint_api::{Persona, SessionGrant};
use stint_broker::auth::{AuthError, CallerResolver, SessionToken};
use stint_broker::model::AuditKind;
use stint_sim::{RunningSim, World};

use crate::support::auth_broker::{AUDIENCE, AuthBroker, Options, SESSION_TTL, assert_refused};
use crate::support::auth_broker::{demo_sim, events_of_kind};
use crate::support::identity::{Signing, identity_request};

async fn sim_with(edit: impl FnOnce(&str) -> String) -> RunningSim {
    let text = edit(stint_sim::DEMO_WORLD_TOML);
    let world = World::from_toml_str(&text, "edited-demo.toml").expect("edited world is valid");
    stint_sim::spawn(world).await.expect("simulator starts")
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
