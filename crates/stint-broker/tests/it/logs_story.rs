//! Everything `stint-broker serve` prints, stdout and stderr, with `STINT_LOG=trace`,
//! through a whole story: alice and bob sign in (and a replayed sign-in is refused), alice
//! follows her event stream, asks for access, bob approves, the grant activates, alice
//! takes role credentials from the portal, the window closes and the access goes, webhooks
//! are delivered, both sign out, the broker stops. None of it may hold a session token (or
//! its hash), an SSO access token, a secret key, an AWS session token, a SigV4 signature or
//! `Authorization` value, the webhook secret, a webhook signature, or the token in the
//! webhook URL's path.

use std::time::Duration;

use futures::StreamExt;
use regex::Regex;
use serde_json::json;
use stint_api::{AuthAwsRequest, RequestState, SessionGrant};
use stint_broker::auth::SessionToken;
use stint_sim::RunningSim;

use crate::support::client::{BrokerClient, Session, eventually, try_role_credentials};
use crate::support::full_broker::{AUDIENCE, WEBHOOK_SECRET, policy_text};
use crate::support::identity::{
    BASELINE_ACCOUNT, BASELINE_ROLE, Signing, device_login, header, role_credentials, signature,
};
use crate::support::process::ProcessSetup;
use crate::support::webhook_receiver::Receiver;

const WAIT: Duration = Duration::from_secs(180);
const HOOK_TOKEN: &str = "hook-path-token-7f3a9c2e5b1d";

/// The secrets seen during the story, by what they are.
#[derive(Default)]
struct Secrets(Vec<(String, String)>);

impl Secrets {
    fn add(&mut self, what: impl Into<String>, value: impl Into<String>) {
        let (what, value) = (what.into(), value.into());
        assert!(value.len() >= 16, "{what} is too short to search for");
        self.0.push((what, value));
    }

    fn signed(&mut self, what: &str, req: &AuthAwsRequest) {
        self.add(format!("{what} signature"), signature(req));
        self.add(
            format!("{what} Authorization header"),
            header(req, "authorization").unwrap(),
        );
        if let Some(token) = header(req, "x-amz-security-token") {
            self.add(format!("{what} x-amz-security-token"), token);
        }
    }

    fn session(&mut self, who: &str, token: &str) {
        self.add(format!("{who}'s session token"), token);
        let parsed = SessionToken::parse(token).expect("a well-formed token");
        self.add(
            format!("{who}'s session token hash"),
            parsed.hash().as_str(),
        );
        self.add(
            format!("{who}'s session token body"),
            token.trim_start_matches("stint_"),
        );
    }

    fn assert_absent(&self, text: &str) {
        for (what, value) in &self.0 {
            if let Some(line) = text.lines().find(|l| l.contains(value.as_str())) {
                let shown: String = line
                    .replace(value.as_str(), "<SECRET>")
                    .chars()
                    .take(400)
                    .collect();
                panic!("{what} appears in the broker's output: {shown}");
            }
        }
    }
}

/// Signs `user` in as the real client does, noting every secret on the way.
async fn login(
    sim: &RunningSim,
    api: &BrokerClient,
    user: &str,
    secrets: &mut Secrets,
) -> (Session, AuthAwsRequest) {
    let sso_token = device_login(sim, user).await;
    secrets.add(format!("{user}'s SSO access token"), sso_token.clone());
    let creds = role_credentials(sim, &sso_token, BASELINE_ACCOUNT, BASELINE_ROLE).await;
    secrets.add(
        format!("{user}'s baseline secret key"),
        creds.secret_access_key(),
    );
    secrets.add(
        format!("{user}'s baseline session token"),
        creds.session_token().unwrap(),
    );
    let signed = Signing::new(sim, AUDIENCE).sign(&creds);
    secrets.signed(&format!("{user}'s identity request"), &signed);
    let response = reqwest::Client::new()
        .post(format!("{}{}", api.base, stint_api::routes::AUTH_AWS))
        .json(&signed)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let grant: SessionGrant = response.json().await.unwrap();
    secrets.session(user, &grant.token);
    (
        Session {
            user: user.into(),
            sso_token,
            token: grant.token,
        },
        signed,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_story_at_trace_leaves_no_secret_in_the_output() {
    let sim = crate::support::slow_provisioning_sim().await;
    let mut secrets = Secrets::default();
    secrets.add(
        "the broker's AWS secret key",
        sim.operator_credentials().secret_access_key.expose(),
    );
    secrets.add("the webhook secret", WEBHOOK_SECRET);
    secrets.add("the webhook URL's token", HOOK_TOKEN);

    let receiver = Receiver::start().await;
    let hook = receiver.url(HOOK_TOKEN);
    let db = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}", db.path().join("stint.db").display());
    let mut setup = ProcessSetup::new(&sim, &db_url, &policy_text(Some(&hook)), &[]);
    setup.log_filter = "trace".into();
    let mut broker = setup.spawn().await;
    let api = BrokerClient::new(&broker.url);

    let (alice, alice_signed) = login(&sim, &api, "alice", &mut secrets).await;
    let (bob, _) = login(&sim, &api, "bob", &mut secrets).await;
    // A replayed sign-in and a made-up token are refused, and logged.
    let replay = reqwest::Client::new()
        .post(format!("{}{}", api.base, stint_api::routes::AUTH_AWS))
        .json(&alice_signed)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 401);
    let made_up = Session {
        user: "mallory".into(),
        sso_token: String::new(),
        token: format!("stint_{}", "A".repeat(43)),
    };
    secrets.add("a made-up session token", made_up.token.clone());
    assert_eq!(api.get(&made_up, "/v1/me").await.0, 401);

    // alice follows her event stream while the story runs.
    let stream = reqwest::Client::new()
        .get(format!("{}/v1/events", api.base))
        .bearer_auth(&alice.token)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let streamed = tokio::spawn(async move {
        let mut body = stream.bytes_stream();
        let mut text = String::new();
        while let Some(Ok(chunk)) = body.next().await {
            text.push_str(&String::from_utf8_lossy(&chunk));
            if text.contains("\"state\":\"ended\"") {
                break;
            }
        }
        text
    });

    let request = api
        .create(
            &alice,
            json!({
                "account": "prod",
                "permissionSet": "ReadOnlyAccess",
                "durationSecs": 60,
                "reason": "read the payment service's logs",
            }),
        )
        .await;
    api.act(&bob, request.id, "approve", "ok").await;
    eventually("the grant to be active", WAIT, || async {
        api.request(&alice, request.id).await.state == RequestState::Active
    })
    .await;
    // alice uses her access: role credentials straight from the portal.
    let access_key = try_role_credentials(&sim, &alice.sso_token, "333333333333", "ReadOnlyAccess")
        .await
        .expect("alice holds ReadOnlyAccess in prod");
    let creds = role_credentials(&sim, &alice.sso_token, "333333333333", "ReadOnlyAccess").await;
    secrets.add("alice's prod secret key", creds.secret_access_key());
    secrets.add("alice's prod session token", creds.session_token().unwrap());
    assert!(access_key.starts_with("ASIA"));

    eventually("the window to close and the access to go", WAIT, || async {
        api.request(&alice, request.id).await.state == RequestState::Ended
    })
    .await;
    let events = tokio::time::timeout(WAIT, streamed).await.unwrap().unwrap();
    assert!(events.contains("\"state\":\"active\""), "{events}");
    eventually("the webhooks of the story", WAIT, || async {
        receiver
            .accepted()
            .iter()
            .any(|d| d.notice().kind == "ended")
    })
    .await;
    for delivery in receiver.deliveries() {
        secrets.add(
            format!("the webhook signature of event {:?}", delivery.seq_header),
            delivery.signature.clone().unwrap(),
        );
    }
    assert_eq!(api.logout(&alice).await, 204);
    assert_eq!(api.logout(&bob).await, 204);
    assert_eq!(api.get(&alice, "/v1/me").await.0, 401);
    let status = broker.terminate().await;
    assert!(status.success());

    let output = broker.output();
    // The capture saw the story at every level, from the broker and its libraries.
    for expected in [
        "\"event\":\"ready\"",
        " TRACE ",
        " DEBUG ",
        "signed in",
        "sign-in refused",
        "request created",
        "delivering webhooks",
        "signed out",
        "stint_broker",
        "sqlx",
        "stopped",
    ] {
        assert!(output.contains(expected), "the output lacks {expected:?}");
    }
    secrets.assert_absent(&output);
    // Nor anything shaped like a signature, an AWS session token or a bearer token.
    let shapes = [
        Regex::new(r"Signature=[0-9a-fA-F]{64}").unwrap(),
        Regex::new(r"sha256=[0-9a-f]{64}").unwrap(),
        Regex::new(r"(?i)x-amz-security-token\W{1,6}[A-Za-z0-9+/=]{16}").unwrap(),
        Regex::new(r"(?i)bearer\W{1,3}[A-Za-z0-9_\-]{16}").unwrap(),
        Regex::new(r"stint_[A-Za-z0-9_\-]{43}").unwrap(),
        Regex::new(r"(?i)x-amz-sso_bearer_token\W{1,6}[A-Za-z0-9]").unwrap(),
    ];
    for line in output.lines() {
        for shape in &shapes {
            assert!(
                !shape.is_match(line),
                "{shape} matches a line of the output: {}",
                &line[..line.len().min(300)]
            );
        }
    }
}
