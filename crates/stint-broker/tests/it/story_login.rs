//! The whole story through the real sign-in, on SQLite and on PostgreSQL (when
//! `STINT_TEST_POSTGRES_URL` names a server; scripts/with-postgres.sh sets it): the broker
//! exactly as `serve` wires it, in front of `stint-sim`. alice and bob sign in with signed
//! GetCallerIdentity requests; alice asks for ReadOnlyAccess in prod and bob approves; the
//! assignment appears in Identity Center and alice's portal GetRoleCredentials works; the
//! window ends, the assignment goes and GetRoleCredentials is refused again. The request's
//! history tells all of it, `stint-broker audit verify` finds the chain intact, and the
//! policy's webhook receiver got every step, signed.

use std::time::Duration;

use serde_json::json;
use stint_api::{AccessRequest, RequestState};

use crate::support::client::{BrokerClient, eventually, try_role_credentials};
use crate::support::databases::databases;
use crate::support::full_broker::{AUDIENCE, FullBroker, WEBHOOK_SECRET};
use crate::support::webhook_receiver::Receiver;

const PROD: &str = "333333333333";
const WAIT: Duration = Duration::from_secs(90);

/// alice's assignment of ReadOnlyAccess in prod, as the simulator holds it.
fn alice_holds_prod(sim: &stint_sim::RunningSim) -> bool {
    sim.assignments().assignments.iter().any(|a| {
        a.principal_name == "alice"
            && a.account_id == PROD
            && a.permission_set_name == "ReadOnlyAccess"
            && a.origin == "api"
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alice_asks_bob_approves_access_comes_and_goes() {
    for db in databases().await {
        story(db.name, &db.url).await;
    }
}

async fn story(backend: &str, db_url: &str) {
    let sim = crate::support::slow_provisioning_sim().await;
    let receiver = Receiver::start().await;
    let hook = receiver.url("story");
    let broker = FullBroker::start(&sim, db_url, Some(&hook)).await;
    let api = BrokerClient::new(&broker.url);

    let alice = api.login(&sim, "alice", AUDIENCE).await;
    let bob = api.login(&sim, "bob", AUDIENCE).await;
    let (status, me) = api.get(&alice, "/v1/me").await;
    assert_eq!(status, 200, "{backend}: {me}");
    assert_eq!(me["user"]["userName"], "alice");
    assert!(
        me["groups"]
            .as_array()
            .unwrap()
            .contains(&json!("engineers"))
    );

    // Before any grant, the portal refuses alice ReadOnlyAccess in prod.
    let refused = try_role_credentials(&sim, &alice.sso_token, PROD, "ReadOnlyAccess").await;
    assert_eq!(refused, Err("ForbiddenException".to_owned()), "{backend}");

    let created = api
        .create(
            &alice,
            json!({
                "account": "prod",
                "permissionSet": "ReadOnlyAccess",
                "durationSecs": 3600,
                "reason": "look at the checkout latency alarm",
            }),
        )
        .await;
    assert_eq!(created.state, RequestState::Pending, "{backend}");
    let id = created.id;

    // bob sees it waiting for him, and approves.
    let (status, waiting) = api.get(&bob, "/v1/requests?scope=approvable").await;
    assert_eq!(status, 200, "{waiting}");
    assert!(
        waiting["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == id),
        "{backend}: {waiting}"
    );
    // alice cannot approve her own request.
    let (status, body) = api
        .post(&alice, &format!("/v1/requests/{id}/approve"), json!({}))
        .await;
    assert_eq!(status, 403, "{backend}: {body}");
    api.act(&bob, id, "approve", "go ahead").await;

    eventually("the grant to become active", WAIT, || async {
        api.request(&alice, id).await.state == RequestState::Active
    })
    .await;
    assert!(
        alice_holds_prod(&sim),
        "{backend}: no assignment in Identity Center"
    );
    let creds = try_role_credentials(&sim, &alice.sso_token, PROD, "ReadOnlyAccess").await;
    assert!(creds.is_ok(), "{backend}: GetRoleCredentials {creds:?}");
    let (status, grants) = api.get(&alice, "/v1/grants").await;
    assert_eq!(status, 200);
    assert_eq!(grants["items"][0]["requestId"], id, "{backend}: {grants}");

    // The window closes (the broker's clock jumps past it).
    broker.clock.jump(chrono::Duration::seconds(3601));
    eventually("the grant to end", WAIT, || async {
        api.request(&alice, id).await.state == RequestState::Ended
    })
    .await;
    assert!(
        !alice_holds_prod(&sim),
        "{backend}: the assignment outlived the window"
    );
    let refused = try_role_credentials(&sim, &alice.sso_token, PROD, "ReadOnlyAccess").await;
    assert_eq!(refused, Err("ForbiddenException".to_owned()), "{backend}");

    // The history tells the whole story, in order, with who did each step.
    let done: AccessRequest = api.request(&alice, id).await;
    let history = done
        .history
        .clone()
        .expect("one request comes with its history");
    let steps: Vec<(String, String)> = history
        .iter()
        .filter(|h| !h.kind.contains("assignment"))
        .map(|h| (h.kind.clone(), h.actor.clone()))
        .collect();
    let expect = [
        ("requested", "alice"),
        ("approved", "bob"),
        ("activating", "stint"),
        ("active", "stint"),
        ("ending", "stint"),
        ("ended", "stint"),
    ];
    let mut at = 0;
    for (kind, actor) in expect {
        let found = steps[at..]
            .iter()
            .position(|(k, a)| k == kind && a == actor)
            .unwrap_or_else(|| panic!("{backend}: no {kind} by {actor} in order in {steps:?}"));
        at += found + 1;
    }
    let states: Vec<RequestState> = history.iter().map(|h| h.state).collect();
    assert_eq!(states.first(), Some(&RequestState::Pending));
    assert_eq!(states.last(), Some(&RequestState::Ended));
    assert_eq!(done.decided_by.unwrap().user_name, "bob");
    assert_eq!(done.decision_comment.as_deref(), Some("go ahead"));
    // The Identity Center calls are part of it, too.
    assert!(
        history.iter().any(|h| h.kind == "assignment_created"),
        "{backend}: {history:?}"
    );
    assert!(history.iter().any(|h| h.kind == "assignment_deleted"));

    // Exactly one accepted create and one accepted delete reached Identity Center.
    let calls = sim.calls_since(0).calls;
    let accepted = |op: &str| {
        calls
            .iter()
            .filter(|c| {
                c.operation == op && c.outcome == "ok" && c.fields.values().any(|v| v == PROD)
            })
            .count()
    };
    assert_eq!(accepted("CreateAccountAssignment"), 1, "{backend}");
    assert_eq!(accepted("DeleteAccountAssignment"), 1, "{backend}");

    // The policy's webhook got each step, signed with the broker's secret.
    let expected_kinds = ["requested", "approved", "active", "ended"];
    eventually("the webhooks of the story", WAIT, || async {
        let kinds: Vec<String> = receiver
            .accepted()
            .iter()
            .map(|d| d.notice().kind)
            .collect();
        expected_kinds
            .iter()
            .all(|k| kinds.iter().any(|got| got == k))
    })
    .await;
    for delivery in receiver.accepted() {
        assert!(delivery.signed_with(WEBHOOK_SECRET), "{backend}");
        let notice = delivery.notice();
        assert_eq!(notice.request.as_ref().map(|r| r.id), Some(id));
    }
    let seqs = receiver.accepted_seqs();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{backend}: {seqs:?}");

    // Signing out ends the sessions.
    assert_eq!(api.logout(&alice).await, 204);
    assert_eq!(api.logout(&bob).await, 204);
    assert_eq!(api.get(&alice, "/v1/me").await.0, 401);

    let config = broker.config_path();
    let _dir = broker.stop().await;
    let verify = tokio::process::Command::new(env!("CARGO_BIN_EXE_stint-broker"))
        .args(["audit", "verify", "--config", config.to_str().unwrap()])
        .env_remove("STINT_DATABASE_URL")
        .output()
        .await
        .unwrap();
    let out = String::from_utf8_lossy(&verify.stdout);
    assert!(
        verify.status.success(),
        "{backend}: {out}{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    assert!(out.starts_with("ok: "), "{backend}: {out}");
}
