//! The request lifecycle driven end to end through the HTTP API, as in `api_lifecycle.rs`,
//! for what happens to assignments: one shared by overlapping grants, standing access that
//! survives, every grant ending correct under 30% injected faults, and a forced failure that
//! fails the grant and is repaired by reconciliation.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;
use stint_api::{RequestState, routes};
use stint_sim::{ApiFaults, ForceFailed};

use crate::support::api::{Api, Options, eventually};
use crate::support::api_calls::{DEV, POWER, kinds, minutes};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overlapping_grants_share_one_assignment_and_standing_access_survives() {
    let api = Api::start(Options::default()).await;
    let alice = api.login("alice").await;

    let first = api.request(&alice, DEV, POWER, 600).await;
    api.wait_state(&alice, first.id, RequestState::Active).await;
    let second = api.request(&alice, DEV, POWER, 1800).await;
    api.wait_state(&alice, second.id, RequestState::Active)
        .await;
    api.clock.jump(minutes(11));
    api.wait_state(&alice, first.id, RequestState::Ended).await;
    assert!(
        api.holds_grant(&second),
        "ending the first grant removed the second's access"
    );
    assert_eq!(
        api.fetch(&alice, second.id).await.state,
        RequestState::Active
    );
    api.clock.jump(minutes(20));
    api.wait_state(&alice, second.id, RequestState::Ended).await;
    assert!(!api.holds_grant(&second));
    assert_eq!(api.accepted("CreateAccountAssignment", &first), 1);
    assert_eq!(api.accepted("DeleteAccountAssignment", &first), 1);

    // An assignment someone made outside Stint is standing access: a grant of the same
    // tuple comes and goes, the assignment stays.
    let key = stint_broker::idc::AssignmentKey {
        principal_type: stint_broker::idc::PrincipalType::User,
        principal_id: first.requester.user_id.clone(),
        account_id: first.account.id.clone(),
        permission_set_arn: first.permission_set.arn.clone(),
    };
    use stint_broker::idc::IdentityCenter;
    api.idc
        .create_assignment(&key)
        .await
        .expect("outside create");
    eventually("the outside assignment", || async {
        api.holds_grant(&first)
    })
    .await;
    let third = api.request(&alice, DEV, POWER, 600).await;
    api.wait_state(&alice, third.id, RequestState::Active).await;
    api.clock.jump(minutes(11));
    api.wait_state(&alice, third.id, RequestState::Ended).await;
    assert!(api.holds_grant(&third), "standing access was deleted");
    assert!(
        kinds(&api.fetch(&alice, third.id).await).contains(&"standing_assignment_found".to_owned())
    );
    assert_eq!(api.accepted("DeleteAccountAssignment", &first), 1);
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_grant_ends_correct_with_thirty_percent_faults() {
    let api = Api::start(Options {
        faults: ApiFaults {
            throttle_rate: 0.15,
            error_rate: 0.15,
            ..ApiFaults::default()
        },
        ..Options::default()
    })
    .await;
    // Conflicts come from the simulator itself: operations on one permission set in one
    // account overlap while another is IN_PROGRESS.
    let people = ["alice", "carol", "bob", "grace", "dave", "erin"];
    let mut grants = Vec::new();
    for name in people {
        let token = api.login(name).await;
        // Everyone may use the sandbox without approval.
        grants.push((
            token.clone(),
            api.request(&token, "sandbox", POWER, 600).await,
        ));
        grants.push((
            token.clone(),
            api.request(&token, "sandbox", "AdministratorAccess", 900)
                .await,
        ));
        if matches!(name, "alice" | "carol") {
            grants.push((token.clone(), api.request(&token, DEV, POWER, 1200).await));
        }
    }
    for (token, g) in &grants {
        api.wait_state(token, g.id, RequestState::Active).await;
        assert!(api.holds_grant(g), "{} active without access", g.id);
    }
    api.clock.jump(minutes(25));
    for (token, g) in &grants {
        api.wait_state(token, g.id, RequestState::Ended).await;
    }
    for (_, g) in &grants {
        assert!(!api.holds_grant(g), "{} kept access", g.id);
        assert_eq!(
            api.accepted("CreateAccountAssignment", g),
            1,
            "{} created more than once",
            g.id
        );
        assert_eq!(
            api.accepted("DeleteAccountAssignment", g),
            1,
            "{} deleted more than once",
            g.id
        );
    }
    let calls = api.sim.calls_since(0).calls;
    let refused: Vec<&str> = calls
        .iter()
        .filter(|c| c.outcome != "ok")
        .map(|c| c.outcome.as_str())
        .collect();
    assert!(!refused.is_empty(), "no fault was injected");
    let total = calls.iter().filter(|c| c.api == "sso_admin").count();
    eprintln!(
        "{} of {total} sso-admin calls refused: {refused:?}",
        refused.len()
    );
    let (status, metrics) = api
        .call(reqwest::Method::GET, routes::METRICS, None, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let text = metrics.as_str().unwrap();
    assert!(
        text.contains("stint_retries_total{reason="),
        "no retry counted:\n{text}"
    );
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forced_failure_fails_the_grant_and_reconciliation_repairs_it() {
    let api = Api::start(Options {
        reconcile_interval: Duration::from_secs(2),
        ..Options::default()
    })
    .await;
    let alice = api.login("alice").await;
    let dave = api.login("dave").await;
    let force = |n: u32| {
        let mut faults = api.sim.faults();
        faults.sso_admin.force_failed = Some(ForceFailed::Next(n));
        api.sim.set_faults(faults).expect("faults accepted");
    };

    // A creation that ends FAILED: the request fails, with its audit event, and no access.
    force(1);
    let c = api.request(&alice, DEV, POWER, 600).await;
    api.wait_state(&alice, c.id, RequestState::Failed).await;
    let failed = api.fetch(&alice, c.id).await;
    assert!(
        kinds(&failed).contains(&"assignment_create_failed".to_owned()),
        "{:?}",
        kinds(&failed)
    );
    assert!(failed.outcome.is_some());
    assert!(!api.holds_grant(&c));

    // A deletion that ends FAILED: access may still be there.
    let g = api.request(&alice, DEV, POWER, 600).await;
    api.wait_state(&alice, g.id, RequestState::Active).await;
    force(1);
    api.clock.jump(minutes(11));
    api.wait_state(&alice, g.id, RequestState::Failed).await;
    let failed = api.fetch(&alice, g.id).await;
    assert!(
        kinds(&failed).contains(&"revocation_failed".to_owned()),
        "{:?}",
        kinds(&failed)
    );
    // The auditor finds the failure in the audit log.
    let (status, audit) = api
        .get(
            &dave,
            &format!("/v1/audit?requestId={}&kind=revocation_failed", g.id),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{audit}");
    assert_eq!(audit["items"].as_array().unwrap().len(), 1, "{audit}");
    // Reconciliation finds the assignment left behind, removes it, and repairs the request
    // (failed is final but for this repair).
    eventually("reconciliation to repair the failed revocation", || async {
        api.fetch(&alice, g.id).await.state == RequestState::Ended
    })
    .await;
    assert!(
        !api.holds_grant(&g),
        "reconciliation did not take the access back"
    );
    let kinds = kinds(&api.fetch(&alice, g.id).await);
    assert!(
        kinds.contains(&"leaked_assignment_found".to_owned()),
        "{kinds:?}"
    );
    assert!(kinds.contains(&"repaired".to_owned()), "{kinds:?}");
    let (_, verify) = api.get(&dave, routes::AUDIT_VERIFY).await;
    assert_eq!(verify["ok"], Value::Bool(true), "{verify}");
    api.stop().await;
}
