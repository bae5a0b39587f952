//! `GET /v1/events` over real HTTP: a requester hears of their requests' changes and an
//! approver of new and decided requests they may approve, in order; another user hears
//! nothing of either; `Last-Event-ID` resumes without loss or duplicates; a stream ends
//! when its session expires or is logged out, and when the broker shuts down.
//!
//! The engine's scheduler does not run here: every change comes from a command, so each
//! event is known before it is awaited.

use std::time::Duration;

use serde_json::json;
use stint_api::{BrokerEvent, EventKind, RequestState, routes};

use crate::support::api::{Api, Options, WAIT};
use crate::support::event_stream::EventReader;

async fn next(stream: &mut EventReader, who: &str) -> BrokerEvent {
    let event = stream
        .next(WAIT)
        .await
        .unwrap_or_else(|| panic!("{who} got no event"));
    let parsed = event.broker_event();
    assert_eq!(
        event.id.as_deref(),
        Some(parsed.seq.to_string().as_str()),
        "the SSE id is the audit seq"
    );
    parsed
}

fn quiet() -> Options {
    Options {
        run_engine: false,
        ..Options::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requesters_and_approvers_hear_what_concerns_them_in_order() {
    let api = Api::start(quiet()).await;
    let alice = api.login("alice").await;
    let bob = api.login("bob").await;
    let carol = api.login("carol").await;
    let mut alice_events = api.events(&alice, None).await;
    let mut bob_events = api.events(&bob, None).await;
    let mut carol_events = api.events(&carol, None).await;

    // A new request: alice hears her own, bob hears one to approve.
    let r = api.request(&alice, "prod", "PowerUserAccess", 3600).await;
    let a1 = next(&mut alice_events, "alice").await;
    assert_eq!(
        (a1.kind, a1.request.id, a1.request.state),
        (EventKind::RequestChanged, r.id, RequestState::Pending)
    );
    let b1 = next(&mut bob_events, "bob").await;
    assert_eq!(
        (b1.kind, b1.request.id, b1.request.state),
        (EventKind::ApprovalChanged, r.id, RequestState::Pending)
    );
    assert_eq!(a1.seq, b1.seq);

    // bob approves: alice learns at once; bob hears it was decided.
    api.act(&bob, routes::APPROVE, r.id, json!({ "comment": "ok" }))
        .await;
    let a2 = next(&mut alice_events, "alice").await;
    assert_eq!(
        (a2.kind, a2.request.state),
        (EventKind::RequestChanged, RequestState::Approved)
    );
    assert_eq!(a2.request.decided_by.as_ref().unwrap().user_name, "bob");
    let b2 = next(&mut bob_events, "bob").await;
    assert_eq!(
        (b2.kind, b2.request.state),
        (EventKind::ApprovalChanged, RequestState::Approved)
    );

    // An extension that needs approval goes to both; its approval too.
    api.act(&alice, routes::EXTEND, r.id, json!({ "bySecs": 1800 }))
        .await;
    let a3 = next(&mut alice_events, "alice").await;
    assert!(a3.request.pending_end_at.is_some());
    let b3 = next(&mut bob_events, "bob").await;
    assert_eq!((b3.kind, b3.request.id), (EventKind::ApprovalChanged, r.id));
    api.act(&bob, routes::APPROVE, r.id, json!({})).await;
    let a4 = next(&mut alice_events, "alice").await;
    assert_eq!(a4.request.pending_end_at, None);
    assert_eq!(a4.request.duration_secs, 5400);
    next(&mut bob_events, "bob").await;

    // An auto-approved request has no approvers: only alice hears of it.
    let auto = api.request(&alice, "dev", "PowerUserAccess", 600).await;
    let a5 = next(&mut alice_events, "alice").await;
    assert_eq!(
        (a5.request.id, a5.request.state),
        (auto.id, RequestState::Approved)
    );

    let seqs = [a1.seq, a2.seq, a3.seq, a4.seq, a5.seq];
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "out of order: {seqs:?}"
    );

    // carol heard nothing of alice's requests: the first thing her stream carries is her own.
    let mine = api.request(&carol, "staging", "ReadOnlyAccess", 600).await;
    let c1 = next(&mut carol_events, "carol").await;
    assert_eq!(
        (c1.kind, c1.request.id),
        (EventKind::RequestChanged, mine.id)
    );
    // carol's request waits for approval by sre-leads: bob hears of it, alice does not.
    let b6 = next(&mut bob_events, "bob").await;
    assert_eq!(b6.request.id, mine.id);
    let marker = api.request(&alice, "dev", "PowerUserAccess", 600).await;
    assert_eq!(next(&mut alice_events, "alice").await.request.id, marker.id);

    // Idle streams carry keep-alive comments.
    assert!(
        carol_events
            .next(Duration::from_millis(2500))
            .await
            .is_none()
    );
    assert!(carol_events.comments > 0, "no keep-alive comment in 2.5s");

    // Shutting down ends open streams rather than waiting on them.
    api.stop().await;
    assert!(alice_events.closes_within(WAIT).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn last_event_id_resumes_without_loss_or_duplicates() {
    let api = Api::start(quiet()).await;
    let alice = api.login("alice").await;
    let mut first = api.events(&alice, None).await;
    let mut seen = Vec::new();
    for account in ["dev", "staging", "prod", "dev"] {
        let set = if account == "dev" {
            "PowerUserAccess"
        } else {
            "ReadOnlyAccess"
        };
        api.request(&alice, account, set, 600).await;
        seen.push(next(&mut first, "alice").await);
    }
    drop(first);

    // Reconnect after the first event: the other three, exactly, then what comes next.
    let mut resumed = api.events(&alice, Some(&seen[0].seq.to_string())).await;
    for want in &seen[1..] {
        let got = next(&mut resumed, "alice").await;
        assert_eq!((got.seq, got.request.id), (want.seq, want.request.id));
    }
    let later = api.request(&alice, "sandbox", "PowerUserAccess", 600).await;
    let got = next(&mut resumed, "alice").await;
    assert_eq!(got.request.id, later.id);
    assert!(got.seq > seen[3].seq);

    // Reconnect after the last: nothing old is sent again.
    let mut caught_up = api.events(&alice, Some(&got.seq.to_string())).await;
    let newest = api
        .request(&alice, "sandbox", "AdministratorAccess", 600)
        .await;
    let first_after = next(&mut caught_up, "alice").await;
    assert_eq!(first_after.request.id, newest.id);

    // A Last-Event-ID that is not one: refused with the error shape.
    let response = api
        .http
        .get(format!("{}{}", api.url, routes::EVENTS))
        .bearer_auth(&alice)
        .header("Last-Event-ID", "yesterday")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "invalid_input");
    drop((resumed, caught_up));
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_ends_with_its_session() {
    let api = Api::start(quiet()).await;
    let short = api.short_login("alice", chrono::Duration::minutes(5)).await;
    let mut expiring = api.events(&short, None).await;
    assert!(!expiring.closes_within(Duration::from_millis(500)).await);
    api.clock.jump(chrono::Duration::minutes(6));
    assert!(
        expiring.closes_within(WAIT).await,
        "the stream outlived its session"
    );

    let token = api.login("bob").await;
    let mut logged_out = api.events(&token, None).await;
    api.resolver.end(&token);
    assert!(
        logged_out.closes_within(WAIT).await,
        "the stream outlived a logout"
    );
    let (status, body) = api.get(&token, routes::EVENTS).await;
    assert_eq!(status, 401, "{body}");
    api.stop().await;
}
