//! The store's session and replay-guard methods, on SQLite and on PostgreSQL (when
//! `STINT_TEST_POSTGRES_URL` names a server; `scripts/with-postgres.sh` sets it), and the
//! replay guard shared by two brokers on one database.

use chrono::{DateTime, Duration, Utc};
use stint_broker::audit::{AuditFilter, verify};
use stint_broker::auth::SessionToken;
use stint_broker::model::audit::{Login, Logout};
use stint_broker::model::{AuditEvent, NewEvent, Person};
use stint_broker::store::{self, SessionRecord, Store, time_truncate};

use crate::support::auth_broker::{AUDIENCE, AuthBroker, Options, assert_refused};
use crate::support::identity::identity_request;

fn t0() -> DateTime<Utc> {
    time_truncate(
        DateTime::parse_from_rfc3339("2026-03-02T09:00:00.123456789Z")
            .unwrap()
            .with_timezone(&Utc),
    )
}

fn session(
    token: &SessionToken,
    name: &str,
    email: Option<&str>,
    groups: &[&str],
) -> SessionRecord {
    SessionRecord {
        id: format!("session-{name}-{}", uuid::Uuid::new_v4()),
        token_hash: token.hash(),
        person: Person {
            user_id: format!("u-{name}"),
            user_name: name.to_owned(),
            display_name: format!("{name} (display)"),
        },
        email: email.map(str::to_owned),
        groups: groups.iter().map(|g| (*g).to_owned()).collect(),
        created_at: t0(),
        expires_at: t0() + Duration::hours(1),
        revoked_at: None,
    }
}

fn event(kind: &str, actor: &str, at: DateTime<Utc>) -> NewEvent {
    let session_id = format!("{actor}-session");
    let event = match kind {
        "login" => AuditEvent::Login(Login {
            session_id,
            user_id: format!("u-{actor}"),
            groups: vec![],
            expires_at: at,
            sts_endpoint: "https://sts.amazonaws.com".into(),
        }),
        _ => AuditEvent::Logout(Logout { session_id }),
    };
    NewEvent {
        at,
        actor: actor.to_owned(),
        request_id: None,
        event,
    }
}

async fn sessions_story(name: &str, store: &dyn Store) {
    let alice_token = SessionToken::generate();
    let bob_token = SessionToken::generate();
    let alice = session(
        &alice_token,
        "alice",
        Some("alice@example.com"),
        &["engineers", "everyone"],
    );
    let bob = session(&bob_token, "bob", None, &[]);

    let seq = store
        .insert_session(&alice, vec![event("login", "alice", t0())])
        .await
        .unwrap();
    assert_eq!(
        seq,
        Some(1),
        "{name}: the login event is appended with the session"
    );
    assert_eq!(store.insert_session(&bob, Vec::new()).await.unwrap(), None);

    // Found by the hash of its token, exactly as stored; nothing by another hash.
    let found = store
        .session_by_token_hash(&alice_token.hash())
        .await
        .unwrap()
        .expect("alice's session");
    assert_eq!(found, alice, "{name}");
    assert_eq!(
        store
            .session_by_token_hash(&bob_token.hash())
            .await
            .unwrap(),
        Some(bob.clone()),
        "{name}"
    );
    let stranger = SessionToken::generate();
    assert_eq!(
        store.session_by_token_hash(&stranger.hash()).await.unwrap(),
        None
    );
    // A second session may not reuse a token hash.
    assert!(
        store.insert_session(&alice, Vec::new()).await.is_err(),
        "{name}"
    );

    // Revoking is once only, and writes its events only when it happens.
    let at = t0() + Duration::minutes(10);
    assert!(
        store
            .revoke_session(&alice_token.hash(), at, vec![event("logout", "alice", at)])
            .await
            .unwrap()
    );
    assert!(
        !store
            .revoke_session(&alice_token.hash(), at, vec![event("logout", "alice", at)])
            .await
            .unwrap(),
        "{name}: revoked twice"
    );
    let revoked = store
        .session_by_token_hash(&alice_token.hash())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(revoked.revoked_at, Some(at));
    assert!(!revoked.is_live(at));
    // An expired session cannot be revoked either.
    assert!(
        !store
            .revoke_session(
                &bob_token.hash(),
                t0() + Duration::hours(2),
                vec![event("logout", "bob", at)]
            )
            .await
            .unwrap()
    );
    assert!(
        !store
            .revoke_session(&stranger.hash(), at, Vec::new())
            .await
            .unwrap()
    );
    let logouts = store
        .audit_events(&AuditFilter {
            kind: Some("logout".into()),
            limit: 10,
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(
        logouts.len(),
        1,
        "{name}: only the revocation that happened is audited"
    );

    // Purging keeps live sessions and drops revoked and expired ones.
    let carol_token = SessionToken::generate();
    let mut carol = session(&carol_token, "carol", None, &["engineers"]);
    carol.expires_at = t0() + Duration::hours(3);
    store.insert_session(&carol, Vec::new()).await.unwrap();
    let purged = store
        .purge_auth(t0() + Duration::minutes(30))
        .await
        .unwrap();
    assert_eq!(
        (purged.sessions, purged.signatures),
        (1, 0),
        "{name}: alice (revoked) goes"
    );
    assert!(
        store
            .session_by_token_hash(&bob_token.hash())
            .await
            .unwrap()
            .is_some()
    );
    let purged = store.purge_auth(t0() + Duration::hours(1)).await.unwrap();
    assert_eq!(purged.sessions, 1, "{name}: bob expired exactly now");
    assert!(
        store
            .session_by_token_hash(&carol_token.hash())
            .await
            .unwrap()
            .is_some()
    );

    // The audit chain still verifies with the authentication events in it.
    let verification = verify(store).await.unwrap();
    assert!(verification.ok(), "{name}: {:?}", verification.first_bad);
    assert_eq!(verification.events, 2);
}

async fn signatures_story(name: &str, store: &dyn Store) {
    let until = t0() + Duration::minutes(6);
    assert!(
        store.remember_signature("sig-a", until).await.unwrap(),
        "{name}"
    );
    assert!(
        !store.remember_signature("sig-a", until).await.unwrap(),
        "{name}: a replay"
    );
    assert!(
        store
            .remember_signature("sig-b", until + Duration::minutes(1))
            .await
            .unwrap()
    );
    // Still remembered at its last moment, gone after.
    assert_eq!(
        store.purge_auth(until).await.unwrap().signatures,
        0,
        "{name}"
    );
    assert!(!store.remember_signature("sig-a", until).await.unwrap());
    let purged = store
        .purge_auth(until + Duration::seconds(1))
        .await
        .unwrap();
    assert_eq!(purged.signatures, 1, "{name}");
    assert!(
        !store.remember_signature("sig-b", until).await.unwrap(),
        "{name}: b is kept"
    );
    assert!(
        store.remember_signature("sig-a", until).await.unwrap(),
        "{name}: forgotten"
    );
}

#[tokio::test]
async fn session_storage_on_every_backend() {
    for db in crate::support::databases::databases().await {
        let store = store::open(&db.url).await.expect("store opens");
        sessions_story(db.name, store.as_ref()).await;
        signatures_story(db.name, store.as_ref()).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_replays_have_one_winner_on_every_backend() {
    for db in crate::support::databases::databases().await {
        let store = store::open(&db.url).await.expect("store opens");
        let until = t0() + Duration::minutes(6);
        let attempts: Vec<_> = (0..8)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move { store.remember_signature("same", until).await.unwrap() })
            })
            .collect();
        let mut fresh = 0;
        for attempt in attempts {
            if attempt.await.unwrap() {
                fresh += 1;
            }
        }
        assert_eq!(fresh, 1, "{}: exactly one attempt wins", db.name);
    }
}

#[tokio::test]
async fn a_request_accepted_by_one_broker_is_refused_by_another_on_the_same_database() {
    let sim = stint_sim::spawn(stint_sim::World::demo()).await.unwrap();
    for db in crate::support::databases::databases().await {
        let first = AuthBroker::start_with(&sim, &sim, &db.url, None, Options::default()).await;
        let second = AuthBroker::start_with(&sim, &sim, &db.url, None, Options::default()).await;
        let req = identity_request(&sim, "alice", AUDIENCE).await;
        let (status, body) = first.login(&req).await;
        assert_eq!(status, 200, "{}: {body}", db.name);
        assert_refused(
            &second.login(&req).await,
            401,
            "identity_rejected",
            "already used",
        );
        // The session the first made is good at the second.
        let token = body["token"].as_str().unwrap();
        use stint_broker::auth::CallerResolver;
        let caller = second.authenticator.resolve(token).await.unwrap();
        assert_eq!(caller.person.user_name, "alice", "{}", db.name);
    }
}
