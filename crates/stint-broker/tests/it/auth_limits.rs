//! Sign-in abuse over real HTTP, against stint-sim's STS: `POST /v1/auth/aws` answers 429
//! with `Retry-After` past the configured burst, refused sign-ins add a bounded number of
//! audit rows however many there are (and the chain still verifies), and only the signed
//! headers reach STS.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use stint_api::SignedHeader;
use stint_broker::audit::AuditFilter;
use stint_broker::config::SignInLimits;
use stint_broker::model::AuditKind;
use stint_sim::{RunningSim, World};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::support::auth_broker::{AUDIENCE, AuthBroker, Options};
use crate::support::identity::{Signing, baseline_credentials, identity_request};

async fn demo_sim() -> RunningSim {
    stint_sim::spawn(World::demo())
        .await
        .expect("simulator starts")
}

async fn broker_with(sim: &RunningSim, limits: SignInLimits, extra_sts: Vec<String>) -> AuthBroker {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("stint.db").display());
    let options = Options {
        sign_in_limits: Some(limits),
        extra_sts,
        ..Options::default()
    };
    AuthBroker::start_with(sim, sim, &db, Some(dir), options).await
}

async fn refused_rows(broker: &AuthBroker) -> Vec<serde_json::Value> {
    broker
        .store
        .audit_events(&AuditFilter {
            kind: Some(AuditKind::LoginRefused.as_str().to_owned()),
            limit: 1000,
            ..AuditFilter::default()
        })
        .await
        .expect("audit events")
        .into_iter()
        .map(|r| serde_json::from_str(&r.data).expect("JSON data"))
        .collect()
}

#[tokio::test]
async fn past_the_burst_the_answer_is_429_with_retry_after() {
    let sim = demo_sim().await;
    let broker = broker_with(
        &sim,
        SignInLimits {
            per_address_burst: 3,
            per_address_per_minute: 6,
            ..SignInLimits::default()
        },
        Vec::new(),
    )
    .await;
    let url = format!("{}{}", broker.url, stint_api::routes::AUTH_AWS);
    for _ in 0..3 {
        let req = identity_request(&sim, "alice", AUDIENCE).await;
        let answer = broker.http.post(&url).json(&req).send().await.unwrap();
        assert_eq!(answer.status(), 200);
    }
    let req = identity_request(&sim, "alice", AUDIENCE).await;
    let answer = broker.http.post(&url).json(&req).send().await.unwrap();
    assert_eq!(answer.status(), 429);
    assert_eq!(answer.headers()["retry-after"], "10");
    let body: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited");
    assert!(body["message"].as_str().unwrap().contains("this address"));

    // Tokens come back with the (broker's) clock.
    broker.clock.advance(chrono::Duration::seconds(10));
    let req = identity_request(&sim, "alice", AUDIENCE).await;
    let answer = broker.http.post(&url).json(&req).send().await.unwrap();
    assert_eq!(answer.status(), 200);
}

#[tokio::test]
async fn one_claimed_identity_is_limited_on_its_own() {
    let sim = demo_sim().await;
    let broker = broker_with(
        &sim,
        SignInLimits {
            per_identity_burst: 2,
            per_identity_per_minute: 1,
            ..SignInLimits::default()
        },
        Vec::new(),
    )
    .await;
    let creds = baseline_credentials(&sim, "alice").await;
    let signing = Signing::new(&sim, "https://another-broker.example");
    for _ in 0..2 {
        let (status, body) = broker.login(&signing.sign(&creds)).await;
        assert_eq!(status, 401, "{body}");
    }
    let (status, body) = broker.login(&signing.sign(&creds)).await;
    assert_eq!(status, 429, "{body}");
    assert!(body["message"].as_str().unwrap().contains("identity"));
    // Someone else, from the same address, is not held back.
    let (status, _) = broker
        .login(&identity_request(&sim, "bob", AUDIENCE).await)
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn many_refused_sign_ins_add_a_bounded_number_of_audit_rows() {
    let sim = demo_sim().await;
    let broker = broker_with(
        &sim,
        SignInLimits {
            per_address_burst: 150,
            per_address_per_minute: 60,
            per_identity_burst: 1000,
            per_identity_per_minute: 1000,
            refusal_interval: Duration::from_secs(60),
        },
        Vec::new(),
    )
    .await;
    let creds = baseline_credentials(&sim, "alice").await;
    // Signed for another broker: refused before STS is asked, as a scanner's would be.
    let signing = Signing::new(&sim, "https://another-broker.example");
    const N: usize = 300;
    let mut statuses = std::collections::BTreeMap::new();
    for _ in 0..N {
        let (status, _) = broker.login(&signing.sign(&creds)).await;
        *statuses.entry(status).or_insert(0) += 1;
    }
    assert_eq!(statuses.get(&401), Some(&150), "{statuses:?}");
    assert_eq!(statuses.get(&429), Some(&150), "{statuses:?}");

    // The first of each kind is written at once.
    let rows = refused_rows(&broker).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(
        rows.iter()
            .all(|r| r["count"] == 1 && r["source"] == "127.0.0.1")
    );

    // The repeats, once the interval ends: one row per kind with its count.
    broker.clock.advance(chrono::Duration::seconds(61));
    broker.authenticator.flush_refusals().await;
    let rows = refused_rows(&broker).await;
    assert!(rows.len() <= 4, "{} rows for {N} refusals", rows.len());
    let counted: u64 = rows.iter().map(|r| r["count"].as_u64().unwrap()).sum();
    assert_eq!(counted, N as u64);
    let throttled = rows
        .iter()
        .find(|r| r["code"] == "rate_limited" && r["count"] != 1)
        .expect("a row for the repeated 429s");
    assert_eq!(throttled["count"], 149);
    assert!(throttled["repeatsFrom"].is_string());

    let report = stint_broker::audit::verify(broker.store.as_ref())
        .await
        .expect("verify runs");
    assert!(report.ok(), "{report:?}");
}

/// An STS stand-in that keeps the raw bytes of each request and answers with an STS error.
async fn recording_sts() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let kept = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut raw = Vec::new();
            let mut buf = [0u8; 4096];
            // Headers and the short body arrive together; stop at the form body's end.
            while let Ok(Ok(n)) =
                tokio::time::timeout(Duration::from_millis(300), stream.read(&mut buf)).await
            {
                if n == 0 {
                    break;
                }
                raw.extend_from_slice(&buf[..n]);
                if raw.ends_with(b"Version=2011-06-15") {
                    break;
                }
            }
            kept.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&raw).to_lowercase());
            let body = "<ErrorResponse><Error><Code>AccessDenied</Code></Error></ErrorResponse>";
            let reply = format!(
                "HTTP/1.1 403 Forbidden\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(reply.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
    });
    (url, seen)
}

#[tokio::test]
async fn only_signed_headers_reach_sts() {
    let sim = demo_sim().await;
    let (sts, seen) = recording_sts().await;
    let broker = broker_with(&sim, SignInLimits::default(), vec![sts.clone()]).await;
    let creds = baseline_credentials(&sim, "alice").await;
    let mut req = Signing::new(&sim, AUDIENCE)
        .url(format!("{sts}/"))
        .sign(&creds);
    req.headers.push(SignedHeader {
        name: "x-amz-unsigned-steer".into(),
        value: "please-classify-differently".into(),
    });
    let (status, body) = broker.login(&req).await;
    assert_eq!(status, 401, "{body}");
    assert!(body["message"].as_str().unwrap().contains("AccessDenied"));

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    let raw = &seen[0];
    for signed in [
        "authorization:",
        "x-amz-date:",
        "x-stint-broker:",
        "x-amz-security-token:",
    ] {
        assert!(raw.contains(signed), "{signed} was forwarded: {raw}");
    }
    assert!(
        !raw.contains("x-amz-unsigned-steer") && !raw.contains("please-classify"),
        "an unsigned header reached STS: {raw}"
    );
}
