//! The request lifecycle driven end to end through the HTTP API: the broker's router over
//! real TCP, the engine behind it, the production AWS adapter, and `stint-sim`. Every
//! scenario of issue 3's first acceptance point; state is checked through the API and in
//! the simulator (its assignments and its call log). The broker's clock is the wall clock
//! plus an offset the test moves forward, so windows of minutes pass in an instant while
//! Identity Center's asynchronous operations run in real time.

use reqwest::StatusCode;
use serde_json::json;
use stint_api::{RequestState, routes};

use crate::support::api::{Api, Options};
use crate::support::api_calls::{DEV, POWER, PROD, kinds, minutes};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alice_requests_bob_approves_and_access_ends_on_time() {
    let api = Api::start(Options::default()).await;
    let alice = api.login("alice").await;
    let bob = api.login("bob").await;

    let r = api.request(&alice, PROD, POWER, 600).await;
    assert_eq!(r.state, RequestState::Pending);
    assert!(r.approval_required);
    assert!(r.approval_deadline.is_some());
    assert_eq!(r.account.id, "333333333333");
    assert!(!api.holds_grant(&r), "access before approval");

    // bob sees it waiting for him; alice does not see it as hers to approve.
    let (status, page) = api.get(&bob, "/v1/requests?scope=approvable").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == r.id)
    );
    let (_, page) = api.get(&alice, "/v1/requests?scope=approvable").await;
    assert!(page["items"].as_array().unwrap().is_empty(), "{page}");

    let approved = api
        .act(
            &bob,
            routes::APPROVE,
            r.id,
            json!({ "comment": "go ahead" }),
        )
        .await;
    assert_eq!(approved.decided_by.as_ref().unwrap().user_name, "bob");
    assert_eq!(approved.decision_comment.as_deref(), Some("go ahead"));
    api.wait_state(&alice, r.id, RequestState::Active).await;
    assert!(api.holds_grant(&r), "active without the assignment");

    // The grant is listed with its end while it is active.
    let (status, grants) = api.get(&alice, routes::GRANTS).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(grants["items"][0]["requestId"], r.id, "{grants}");

    api.clock.jump(minutes(10));
    api.wait_state(&alice, r.id, RequestState::Ended).await;
    assert!(!api.holds_grant(&r), "the assignment outlived the grant");
    assert_eq!(api.accepted("CreateAccountAssignment", &r), 1);
    assert_eq!(api.accepted("DeleteAccountAssignment", &r), 1);
    let ended = api.fetch(&alice, r.id).await;
    let kinds = kinds(&ended);
    for kind in [
        "requested",
        "approved",
        "activating",
        "assignment_created",
        "active",
        "ending",
        "assignment_deleted",
        "ended",
    ] {
        assert!(kinds.contains(&kind.to_owned()), "no {kind} in {kinds:?}");
    }
    let (_, grants) = api.get(&alice, routes::GRANTS).await;
    assert!(grants["items"].as_array().unwrap().is_empty(), "{grants}");
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_approval_reject_cancel_and_approval_timeout() {
    let api = Api::start(Options::default()).await;
    let alice = api.login("alice").await;
    let carol = api.login("carol").await;
    let bob = api.login("bob").await;

    // Up to 4h of PowerUserAccess in dev needs nobody's approval.
    let auto = api.request(&alice, DEV, POWER, 3600).await;
    assert_eq!(auto.state, RequestState::Approved);
    assert!(!auto.approval_required);
    api.wait_state(&alice, auto.id, RequestState::Active).await;
    assert!(api.holds_grant(&auto));
    let history = kinds(&api.fetch(&alice, auto.id).await);
    assert!(history.contains(&"auto_approved".to_owned()), "{history:?}");

    // Rejected, cancelled and expired requests never touch Identity Center.
    let creates = api.calls("CreateAccountAssignment");
    let rejected = api.request(&carol, PROD, POWER, 3600).await;
    let (status, body) = api
        .post(
            &bob,
            &routes::with_id(routes::REJECT, rejected.id),
            json!({}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a rejection needs a comment: {body}"
    );
    assert_eq!(body["code"], "invalid_input");
    let r = api
        .act(
            &bob,
            routes::REJECT,
            rejected.id,
            json!({ "comment": "use ReadOnlyAccess" }),
        )
        .await;
    assert_eq!(r.state, RequestState::Rejected);
    assert!(r.outcome.unwrap().contains("use ReadOnlyAccess"));

    let cancelled = api.request(&carol, PROD, POWER, 3600).await;
    let (status, body) = api
        .post(
            &bob,
            &routes::with_id(routes::CANCEL, cancelled.id),
            json!({}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "only the requester cancels: {body}"
    );
    let r = api
        .act(&carol, routes::CANCEL, cancelled.id, json!({}))
        .await;
    assert_eq!(r.state, RequestState::Cancelled);

    let expiring = api.request(&carol, PROD, POWER, 3600).await;
    let deadline = expiring.approval_deadline.expect("a deadline");
    // The demo policy's approval timeout is 4h.
    assert_eq!((deadline - expiring.created_at).num_hours(), 4);
    api.clock.jump(chrono::Duration::hours(4) + minutes(1));
    api.wait_state(&carol, expiring.id, RequestState::Expired)
        .await;
    // A late approval finds nothing to approve.
    let (status, body) = api
        .post(
            &bob,
            &routes::with_id(routes::APPROVE, expiring.id),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "invalid_state");

    assert_eq!(api.calls("CreateAccountAssignment"), creates);
    // The auto-approved grant (1h) ended in the jump.
    api.wait_state(&alice, auto.id, RequestState::Ended).await;
    assert!(!api.holds_grant(&auto));
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_by_the_requester_and_by_an_approver() {
    let api = Api::start(Options::default()).await;
    let alice = api.login("alice").await;
    let carol = api.login("carol").await;
    let bob = api.login("bob").await;

    let mine = api.request(&alice, DEV, POWER, 3600).await;
    api.wait_state(&alice, mine.id, RequestState::Active).await;
    let r = api
        .act(
            &alice,
            routes::REVOKE,
            mine.id,
            json!({ "comment": "done" }),
        )
        .await;
    assert!(matches!(
        r.state,
        RequestState::Ending | RequestState::Ended
    ));
    api.wait_state(&alice, mine.id, RequestState::Ended).await;
    assert!(!api.holds_grant(&mine));

    let theirs = api.request(&carol, PROD, POWER, 3600).await;
    api.act(&bob, routes::APPROVE, theirs.id, json!({})).await;
    api.wait_state(&carol, theirs.id, RequestState::Active)
        .await;
    assert!(api.holds_grant(&theirs));
    // alice is neither its requester, an approver of it, nor an admin: she cannot even see it.
    let (status, body) = api
        .post(
            &alice,
            &routes::with_id(routes::REVOKE, theirs.id),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    api.act(
        &bob,
        routes::REVOKE,
        theirs.id,
        json!({ "comment": "incident closed" }),
    )
    .await;
    api.wait_state(&carol, theirs.id, RequestState::Ended).await;
    assert!(!api.holds_grant(&theirs));
    let history = api.fetch(&carol, theirs.id).await.history.unwrap();
    let revoked = history
        .iter()
        .find(|h| h.kind == "revoked")
        .expect("a revoked step");
    assert_eq!(revoked.actor, "bob");
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extended_in_place_and_again_with_approval() {
    let api = Api::start(Options::default()).await;
    let alice = api.login("alice").await;
    let bob = api.login("bob").await;

    // Within the self-service rule: extended at once, and access outlives the first end.
    // carol's grant of the same length is the witness that the scheduler got past it.
    let carol = api.login("carol").await;
    let dev = api.request(&alice, DEV, POWER, 600).await;
    let witness = api.request(&carol, DEV, POWER, 600).await;
    api.wait_state(&alice, dev.id, RequestState::Active).await;
    api.wait_state(&carol, witness.id, RequestState::Active)
        .await;
    let first_end = api.fetch(&alice, dev.id).await.end_at;
    let (status, body) = api
        .post(
            &bob,
            &routes::with_id(routes::EXTEND, dev.id),
            json!({ "bySecs": 600 }),
        )
        .await;
    // bob may not even see alice's auto-approved dev grant.
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let extended = api
        .act(
            &alice,
            routes::EXTEND,
            dev.id,
            json!({ "bySecs": 1200, "reason": "still on it" }),
        )
        .await;
    assert_eq!(extended.end_at, first_end + minutes(20));
    assert_eq!(extended.pending_end_at, None);
    api.clock.jump(minutes(15));
    api.wait_state(&carol, witness.id, RequestState::Ended)
        .await;
    assert_eq!(api.fetch(&alice, dev.id).await.state, RequestState::Active);
    assert!(api.holds_grant(&dev), "access ended at the old end");
    // Beyond the longest rule (8h): refused, and nothing changes.
    let (status, body) = api
        .post(
            &alice,
            &routes::with_id(routes::EXTEND, dev.id),
            json!({ "bySecs": 9 * 3600 }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "invalid_input");
    api.clock.jump(minutes(20));
    api.wait_state(&alice, dev.id, RequestState::Ended).await;
    assert!(!api.holds_grant(&dev));

    // In prod every length needs approval: the new end waits for bob.
    let prod = api.request(&alice, PROD, POWER, 3600).await;
    api.act(&bob, routes::APPROVE, prod.id, json!({})).await;
    api.wait_state(&alice, prod.id, RequestState::Active).await;
    let before = api.fetch(&alice, prod.id).await;
    let asked = api
        .act(&alice, routes::EXTEND, prod.id, json!({ "bySecs": 3600 }))
        .await;
    assert_eq!(asked.end_at, before.end_at, "extended before approval");
    assert_eq!(asked.pending_end_at, Some(before.end_at + minutes(60)));
    let (_, page) = api.get(&bob, "/v1/requests?scope=approvable").await;
    assert!(
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == prod.id),
        "{page}"
    );
    let (status, body) = api
        .post(
            &alice,
            &routes::with_id(routes::APPROVE, prod.id),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["code"], "self_approval");
    let approved = api.act(&bob, routes::APPROVE, prod.id, json!({})).await;
    assert_eq!(approved.end_at, before.end_at + minutes(60));
    assert_eq!(approved.pending_end_at, None);
    assert_eq!(approved.state, RequestState::Active);
    let kinds = kinds(&api.fetch(&alice, prod.id).await);
    assert!(
        kinds.contains(&"extension_requested".to_owned()),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&"extension_approved".to_owned()),
        "{kinds:?}"
    );
    api.act(&alice, routes::REVOKE, prod.id, json!({})).await;
    api.wait_state(&alice, prod.id, RequestState::Ended).await;
    api.stop().await;
}
