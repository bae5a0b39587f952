//! The broker client's protocol habits, each against a few lines of HTTP server: one
//! re-authentication and retry on `unauthenticated` (never a loop), errors decoded from
//! `{code, message}`, and an event stream that resumes with `Last-Event-ID`. The broker
//! itself is tested with this client in the end-to-end tests.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Utc;
use futures::StreamExt;
use futures::future::BoxFuture;
use stint_api::{
    AccessRequest, AccountRef, ApiError, AuthAwsRequest, BrokerEvent, ErrorCode, EventKind, Me,
    PermissionSetRef, RequestState, SessionGrant, UserRef, routes,
};
use stint_client::Error;
use stint_client::broker::{BrokerClient, BrokerClientParts, EventStreamItem, IdentitySigner};
use stint_client::clock::SystemClock;
use stint_client::store::{MemoryStore, Vault};

struct FixedSigner;

impl IdentitySigner for FixedSigner {
    fn signed_identity<'a>(
        &'a self,
        audience: &'a str,
    ) -> BoxFuture<'a, stint_client::Result<AuthAwsRequest>> {
        let audience = audience.to_owned();
        Box::pin(async move {
            Ok(AuthAwsRequest {
                method: "POST".into(),
                url: "https://sts.us-east-1.amazonaws.com/".into(),
                headers: vec![stint_api::SignedHeader {
                    name: "x-stint-broker".into(),
                    value: audience,
                }],
                body: "Action=GetCallerIdentity&Version=2011-06-15".into(),
            })
        })
    }
}

#[derive(Default)]
struct Server {
    logins: AtomicUsize,
    me_calls: AtomicUsize,
    /// Tokens the server accepts.
    valid: Mutex<Vec<String>>,
    /// `Last-Event-ID` of each event-stream connection.
    resumed_from: Mutex<Vec<Option<String>>>,
    audience_seen: Mutex<Option<String>>,
    /// Refuse every token, new ones included.
    refuse_all: std::sync::atomic::AtomicBool,
}

fn me() -> Me {
    Me {
        user: UserRef {
            user_id: "u-alice".into(),
            user_name: "alice".into(),
            display_name: "Alice Adams".into(),
        },
        email: None,
        groups: vec!["engineers".into()],
        personas: vec![],
    }
}

fn unauthenticated() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(ApiError::new(
            ErrorCode::Unauthenticated,
            "The session has expired.",
        )),
    )
        .into_response()
}

fn bearer(headers: &HeaderMap) -> String {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_owned()
}

async fn login(State(s): State<Arc<Server>>, Json(req): Json<AuthAwsRequest>) -> Response {
    let n = s.logins.fetch_add(1, Ordering::SeqCst) + 1;
    *s.audience_seen.lock().unwrap() = req
        .headers
        .iter()
        .find(|h| h.name == "x-stint-broker")
        .map(|h| h.value.clone());
    let token = format!("token-{n}");
    s.valid.lock().unwrap().push(token.clone());
    Json(SessionGrant {
        token,
        expires_at: Utc::now() + chrono::Duration::hours(1),
        me: me(),
    })
    .into_response()
}

async fn auth_config() -> Response {
    Json(stint_api::AuthConfig {
        audience: "stint-from-config".into(),
        start_url: "https://d-1.awsapps.com/start".into(),
        sso_region: "us-east-1".into(),
        baseline_account_id: "222222222222".into(),
        baseline_role_name: "StintBaseline".into(),
    })
    .into_response()
}

async fn me_handler(State(s): State<Arc<Server>>, headers: HeaderMap) -> Response {
    s.me_calls.fetch_add(1, Ordering::SeqCst);
    if !s.refuse_all.load(Ordering::SeqCst) && s.valid.lock().unwrap().contains(&bearer(&headers)) {
        Json(me()).into_response()
    } else {
        unauthenticated()
    }
}

async fn eligibility() -> Response {
    (
        StatusCode::FORBIDDEN,
        Json(ApiError::new(
            ErrorCode::Forbidden,
            "Only members may list eligibility.",
        )),
    )
        .into_response()
}

fn request(id: i64, state: RequestState) -> AccessRequest {
    let now = Utc::now();
    AccessRequest {
        id,
        requester: me().user,
        account: AccountRef {
            id: "333333333333".into(),
            name: "prod".into(),
        },
        permission_set: PermissionSetRef {
            name: "AdministratorAccess".into(),
            arn: "arn:aws:sso:::permissionSet/ssoins-1/ps-1".into(),
            description: None,
            session_duration_secs: 3600,
        },
        set_id: None,
        group: None,
        state,
        reason: "incident".into(),
        ticket: None,
        duration_secs: 3600,
        start_at: now,
        end_at: now + chrono::Duration::hours(1),
        pending_end_at: None,
        approval_required: true,
        approval_deadline: None,
        decided_by: None,
        decision_comment: None,
        outcome: None,
        created_at: now,
        updated_at: now,
        history: None,
    }
}

fn sse(events: &[(i64, RequestState)]) -> String {
    events
        .iter()
        .map(|(seq, state)| {
            let event = BrokerEvent {
                seq: *seq,
                kind: EventKind::RequestChanged,
                request: request(7, *state),
            };
            format!(
                ": keep-alive\n\nid: {seq}\ndata: {}\n\n",
                serde_json::to_string(&event).unwrap()
            )
        })
        .collect()
}

async fn events(State(s): State<Arc<Server>>, headers: HeaderMap) -> Response {
    if !s.valid.lock().unwrap().contains(&bearer(&headers)) {
        return unauthenticated();
    }
    let last = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    s.resumed_from.lock().unwrap().push(last.clone());
    // The first connection sends two events and ends (a broker restart, say); a resumed
    // one sends what came after.
    let body = match last.as_deref() {
        None => sse(&[(5, RequestState::Pending), (6, RequestState::Approved)]),
        Some("6") => sse(&[(7, RequestState::Active)]),
        Some(_) => String::new(),
    };
    ([("content-type", "text/event-stream")], body).into_response()
}

async fn start(
    audience: Option<&str>,
) -> (Arc<Server>, BrokerClient, MemoryStore, tempfile::TempDir) {
    let server = Arc::new(Server::default());
    let app = axum::Router::new()
        .route(routes::AUTH_AWS, post(login))
        .route(routes::AUTH_CONFIG, get(auth_config))
        .route(routes::ME, get(me_handler))
        .route(routes::ELIGIBILITY, get(eligibility))
        .route(routes::EVENTS, get(events))
        .with_state(server.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let store = MemoryStore::new();
    let dir = tempfile::tempdir().unwrap();
    let client = BrokerClient::new(BrokerClientParts {
        base: url.parse().unwrap(),
        http: reqwest::Client::new(),
        vault: Vault::new(Arc::new(store.clone())),
        signer: Arc::new(FixedSigner),
        audience: audience.map(str::to_owned),
        sso_session: "stint".into(),
        lock_dir: dir.path().to_owned(),
        clock: Arc::new(SystemClock),
    });
    (server, client, store, dir)
}

#[tokio::test]
async fn an_expired_session_is_renewed_once_and_the_call_retried() {
    let (server, client, store, _dir) = start(Some("stint-prod")).await;
    assert_eq!(client.me().await.unwrap().user.user_name, "alice");
    assert_eq!(server.logins.load(Ordering::SeqCst), 1);
    assert_eq!(
        server.audience_seen.lock().unwrap().as_deref(),
        Some("stint-prod")
    );
    // The session is kept: a second call does not log in again.
    client.me().await.unwrap();
    assert_eq!(server.logins.load(Ordering::SeqCst), 1);
    assert!(
        store
            .keys()
            .iter()
            .any(|k| k.starts_with("broker-session:")),
        "{:?}",
        store.keys()
    );

    // The broker forgets the session; the client logs in again once and retries.
    server.valid.lock().unwrap().clear();
    client.me().await.unwrap();
    assert_eq!(server.logins.load(Ordering::SeqCst), 2);
    assert_eq!(server.me_calls.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn a_session_refused_twice_is_an_error_not_a_loop() {
    let (server, client, _store, _dir) = start(None).await;
    client.me().await.unwrap();
    assert_eq!(
        server.audience_seen.lock().unwrap().as_deref(),
        Some("stint-from-config"),
        "the audience comes from /v1/auth/config when not configured"
    );
    server.refuse_all.store(true, Ordering::SeqCst);
    let before = server.logins.load(Ordering::SeqCst);
    let err = client.me().await.unwrap_err();
    assert_eq!(err.api_code(), Some(ErrorCode::Unauthenticated), "{err:?}");
    assert!(err.to_string().contains("stint login"), "{err}");
    assert_eq!(server.logins.load(Ordering::SeqCst) - before, 1);
}

#[tokio::test]
async fn broker_errors_keep_their_code_and_message() {
    let (_server, client, _store, _dir) = start(Some("a")).await;
    let err = client.eligibility().await.unwrap_err();
    let Error::Broker(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.code, ErrorCode::Forbidden);
    assert_eq!(err.to_string(), "Only members may list eligibility.");
    assert_eq!(err.kind(), stint_client::ErrorKind::Forbidden);
}

#[tokio::test]
async fn the_event_stream_resumes_after_the_last_event_it_saw() {
    let (server, client, _store, _dir) = start(Some("a")).await;
    let mut stream = Box::pin(client.events(None));
    let mut seqs = Vec::new();
    let mut connections = 0;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while seqs.len() < 3 {
        let item = tokio::time::timeout_at(deadline, stream.next())
            .await
            .expect("events within 30 s");
        match item.unwrap().unwrap() {
            EventStreamItem::Connected => connections += 1,
            EventStreamItem::Event(e) => seqs.push(e.seq),
            EventStreamItem::Reconnecting { .. } => {}
        }
    }
    assert_eq!(seqs, vec![5, 6, 7]);
    assert_eq!(connections, 2);
    assert_eq!(
        *server.resumed_from.lock().unwrap(),
        vec![None, Some("6".to_owned())]
    );
}

#[tokio::test]
async fn an_unreachable_broker_is_unreachable() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on port 9 (discard) of loopback on these machines.
    let client = BrokerClient::new(BrokerClientParts {
        base: "http://127.0.0.1:9".parse().unwrap(),
        http: reqwest::Client::new(),
        vault: Vault::new(Arc::new(MemoryStore::new())),
        signer: Arc::new(FixedSigner),
        audience: Some("a".into()),
        sso_session: "stint".into(),
        lock_dir: dir.path().to_owned(),
        clock: Arc::new(SystemClock),
    });
    let err = client.me().await.unwrap_err();
    assert_eq!(err.kind(), stint_client::ErrorKind::Unreachable, "{err:?}");
    assert!(
        err.to_string()
            .starts_with("cannot reach the Stint broker at http://127.0.0.1:9"),
        "{err}"
    );
}
