//! The engine against `stint-sim` over real HTTP, through the production AWS adapter and the
//! real AWS SDK clients: the lifecycle scenarios, standing access, and forced FAILED operations
//! with reconciliation. The engine runs on the wall clock here, with windows of seconds, and the
//! simulator's call log shows exactly which side effects were made.

use std::time::Duration;

use stint_broker::idc::IdentityCenter;
use stint_broker::model::State;
use stint_sim::{ApiFaults, ForceFailed};

use crate::support::databases::sqlite_db;
use crate::support::engine_sim::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alice_requests_bob_approves_and_access_ends_on_time() {
    let w = world(sqlite_db().await, 1, ApiFaults::default()).await;
    let alice = w.actor("alice", &["everyone", "engineers"]).await;
    let bob = w.actor("bob", &["everyone", "sre-leads"]).await;
    let key = w.key(&alice, &w.prod, &w.power);

    let r = w
        .engine()
        .create(&alice, w.grant(&w.prod, &w.power, 3, true))
        .await
        .unwrap();
    assert_eq!(r.state, State::Pending);
    let err = w.engine().approve(r.id, &alice, None).await.unwrap_err();
    assert_eq!(err.code(), stint_api::ErrorCode::SelfApproval);
    w.engine()
        .approve(r.id, &bob, Some("ok".into()))
        .await
        .unwrap();
    w.wait_state(r.id, State::Active).await;
    assert!(
        w.holds(&key),
        "active without the assignment in Identity Center"
    );
    w.wait_state(r.id, State::Ended).await;
    assert!(!w.holds(&key), "the assignment outlived the grant");
    assert_eq!(w.accepted("CreateAccountAssignment", &key), 1);
    assert_eq!(w.accepted("DeleteAccountAssignment", &key), 1);
    let kinds = w.kinds(r.id).await;
    for kind in [
        "approved",
        "assignment_created",
        "active",
        "assignment_deleted",
        "ended",
    ] {
        assert!(kinds.contains(&kind.to_string()), "no {kind} in {kinds:?}");
    }
    w.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_approval_revoke_extend_reject_cancel_and_timeout() {
    let w = world(sqlite_db().await, 1, ApiFaults::default()).await;
    let alice = w.actor("alice", &["everyone", "engineers"]).await;
    let carol = w.actor("carol", &["everyone", "engineers"]).await;
    let bob = w.actor("bob", &["everyone", "sre-leads"]).await;
    let alice_key = w.key(&alice, &w.prod, &w.power);
    let carol_key = w.key(&carol, &w.prod, &w.power);

    // Auto-approved, revoked by the requester long before its end.
    let a = w
        .engine()
        .create(&alice, w.grant(&w.prod, &w.power, 600, false))
        .await
        .unwrap();
    assert_eq!(a.state, State::Approved);
    w.wait_state(a.id, State::Active).await;
    assert!(w.holds(&alice_key));
    w.engine().revoke(a.id, &alice, None).await.unwrap();
    w.wait_state(a.id, State::Ended).await;
    assert!(!w.holds(&alice_key));

    // Revoked by an approver.
    let c = w
        .engine()
        .create(&carol, w.grant(&w.prod, &w.power, 600, false))
        .await
        .unwrap();
    w.wait_state(c.id, State::Active).await;
    w.engine()
        .revoke(c.id, &bob, Some("incident closed".into()))
        .await
        .unwrap();
    w.wait_state(c.id, State::Ended).await;
    assert!(!w.holds(&carol_key));

    // Extended in place: still active past its first end.
    let e = w
        .engine()
        .create(&alice, w.grant(&w.prod, &w.power, 2, false))
        .await
        .unwrap();
    w.wait_state(e.id, State::Active).await;
    w.engine()
        .extend(e.id, &alice, Duration::from_secs(3), None, None)
        .await
        .unwrap();
    let end = w.engine().request(e.id).await.unwrap().end_at;
    eventually("the first end to pass", || async {
        chrono::Utc::now() > end - chrono::Duration::seconds(2)
    })
    .await;
    assert_eq!(w.state(e.id).await, State::Active);
    assert!(w.holds(&alice_key));
    w.wait_state(e.id, State::Ended).await;
    assert!(!w.holds(&alice_key));

    // Rejected, cancelled and expired requests never touch Identity Center.
    let creates = w.calls("CreateAccountAssignment");
    let rejected = w
        .engine()
        .create(&carol, w.grant(&w.prod, &w.power, 60, true))
        .await
        .unwrap();
    w.engine()
        .reject(rejected.id, &bob, Some("use ReadOnly".into()))
        .await
        .unwrap();
    let cancelled = w
        .engine()
        .create(&carol, w.grant(&w.prod, &w.power, 60, true))
        .await
        .unwrap();
    w.engine().cancel(cancelled.id, &carol, None).await.unwrap();
    let expired = w
        .engine()
        .create(&carol, w.grant(&w.prod, &w.power, 60, true))
        .await
        .unwrap();
    w.wait_state(expired.id, State::Expired).await;
    assert_eq!(w.state(rejected.id).await, State::Rejected);
    assert_eq!(w.state(cancelled.id).await, State::Cancelled);
    assert_eq!(w.calls("CreateAccountAssignment"), creates);
    w.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overlapping_grants_share_and_standing_access_survives() {
    let w = world(sqlite_db().await, 1, ApiFaults::default()).await;
    let alice = w.actor("alice", &["everyone", "engineers"]).await;
    let key = w.key(&alice, &w.prod, &w.power);

    // Two overlapping grants of one tuple: ending the first keeps access.
    let first = w
        .engine()
        .create(&alice, w.grant(&w.prod, &w.power, 3, false))
        .await
        .unwrap();
    w.wait_state(first.id, State::Active).await;
    let second = w
        .engine()
        .create(&alice, w.grant(&w.prod, &w.power, 8, false))
        .await
        .unwrap();
    w.wait_state(second.id, State::Active).await;
    w.wait_state(first.id, State::Ended).await;
    assert!(
        w.holds(&key),
        "ending the first grant removed the second's access"
    );
    assert_eq!(w.state(second.id).await, State::Active);
    w.wait_state(second.id, State::Ended).await;
    assert!(!w.holds(&key));
    assert_eq!(w.accepted("CreateAccountAssignment", &key), 1);
    assert_eq!(w.accepted("DeleteAccountAssignment", &key), 1);

    // A user assignment made outside Stint is standing access: never deleted.
    w.idc.create_assignment(&key).await.expect("outside create");
    eventually("the outside assignment", || async { w.holds(&key) }).await;
    let r = w
        .engine()
        .create(&alice, w.grant(&w.prod, &w.power, 2, false))
        .await
        .unwrap();
    w.wait_state(r.id, State::Active).await;
    w.wait_state(r.id, State::Ended).await;
    assert!(w.holds(&key), "standing access was deleted");
    assert!(
        w.kinds(r.id)
            .await
            .contains(&"standing_assignment_found".to_string())
    );
    assert_eq!(w.accepted("DeleteAccountAssignment", &key), 1);

    // Alice's group holds ReadOnlyAccess in dev; her own grant of it comes and goes, the
    // group's stays.
    let dev_key = w.key(&alice, &w.dev, &w.read_only);
    let d = w
        .engine()
        .create(&alice, w.grant(&w.dev, &w.read_only, 2, false))
        .await
        .unwrap();
    w.wait_state(d.id, State::Active).await;
    assert!(w.holds(&dev_key));
    w.wait_state(d.id, State::Ended).await;
    assert!(!w.holds(&dev_key));
    let group_kept = w.sim.assignments().assignments.iter().any(|a| {
        a.principal_type == "GROUP"
            && a.account_id == w.dev.id
            && a.permission_set_arn == w.read_only.arn
    });
    assert!(
        group_kept,
        "the engineers group lost its standing ReadOnlyAccess"
    );
    w.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forced_failures_fail_the_request_and_reconciliation_repairs() {
    let w = world(sqlite_db().await, 1, ApiFaults::default()).await;
    let alice = w.actor("alice", &["everyone", "engineers"]).await;
    let key = w.key(&alice, &w.prod, &w.power);
    let set_force = |n: Option<ForceFailed>| {
        let mut faults = w.sim.faults();
        faults.sso_admin.force_failed = n;
        w.sim.set_faults(faults).expect("faults accepted");
    };

    // A creation that ends FAILED: the request fails, with an audit event.
    set_force(Some(ForceFailed::Next(1)));
    let r = w
        .engine()
        .create(&alice, w.grant(&w.prod, &w.power, 60, false))
        .await
        .unwrap();
    w.wait_state(r.id, State::Failed).await;
    assert!(
        w.kinds(r.id)
            .await
            .contains(&"assignment_create_failed".to_string())
    );
    assert!(!w.holds(&key));

    // A deletion that ends FAILED: the request fails, access is still there, and
    // reconciliation removes it within its interval and repairs the request.
    let g = w
        .engine()
        .create(&alice, w.grant(&w.prod, &w.power, 2, false))
        .await
        .unwrap();
    w.wait_state(g.id, State::Active).await;
    set_force(Some(ForceFailed::Next(1)));
    w.wait_state(g.id, State::Failed).await;
    assert!(
        w.kinds(g.id)
            .await
            .contains(&"revocation_failed".to_string())
    );
    eventually("reconciliation to repair the failed revocation", || async {
        w.state(g.id).await == State::Ended
    })
    .await;
    assert!(
        !w.holds(&key),
        "reconciliation did not take the access back"
    );
    let kinds = w.kinds(g.id).await;
    assert!(
        kinds.contains(&"leaked_assignment_found".to_string()),
        "{kinds:?}"
    );
    assert!(kinds.contains(&"repaired".to_string()), "{kinds:?}");
    w.finish().await;
}
