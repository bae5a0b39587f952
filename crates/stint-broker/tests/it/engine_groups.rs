//! Group-membership grants through the engine, on a manual clock in front of the fake
//! Identity Center, on SQLite and PostgreSQL: the lifecycle, overlapping grants sharing one
//! membership, standing membership kept, throttling and conflicts retried, a removal given
//! up and then reconciled, a membership an external IdP's sync removed put back (drift), a
//! non-retryable failure, and a crash in the middle of the add call.

use std::time::Duration;

use chrono::Duration as Span;
use stint_broker::idc::IdcError;
use stint_broker::model::{Actual, Origin, State, Target};

use crate::support::databases::*;
use crate::support::engine::fake_idc::member_key;
use crate::support::engine::*;

fn alice_member() -> stint_broker::idc::MembershipKey {
    member_key("u-alice")
}

fn alice_target() -> Target {
    Target::GroupMembership(alice_member())
}

async fn kinds(h: &Harness, id: i64) -> Vec<String> {
    h.engine
        .request_details(id)
        .await
        .unwrap()
        .events
        .iter()
        .map(|e| e.kind.clone())
        .collect()
}

async fn state(h: &Harness, id: i64) -> State {
    h.engine.request(id).await.unwrap().state
}

fn assert_has(history: &[String], wanted: &[&str]) {
    for kind in wanted {
        assert!(
            history.iter().any(|k| k == kind),
            "no {kind} in {history:?}"
        );
    }
}

async fn assert_chain_intact(h: &Harness) {
    let v = h.engine.verify_audit().await.unwrap();
    assert!(
        v.ok(),
        "{}: audit chain broken: {:?}",
        h.db.name,
        v.first_bad
    );
}

#[tokio::test]
async fn a_group_grant_adds_the_member_for_its_window_and_removes_them_after() {
    for db in databases().await {
        let h = Harness::new(db).await;
        let r = h
            .engine
            .create(&alice(), group_grant(60, true))
            .await
            .unwrap();
        assert_eq!(r.state, State::Pending);
        assert_eq!(r.target(), alice_target());
        h.drive(Span::minutes(5)).await;
        assert!(!h.idc.is_member(&alice_member()), "added before approval");

        h.engine.approve(r.id, &bob(), None).await.unwrap();
        h.drive(Span::seconds(5)).await;
        let active = h.engine.request(r.id).await.unwrap();
        assert_eq!(active.state, State::Active, "{}", h.db.name);
        assert_eq!(active.group.as_ref().unwrap().name, "oncall-admins");
        assert!(h.idc.is_member(&alice_member()));
        let t = h.store.tuple(&alice_target()).await.unwrap().unwrap();
        assert_eq!((t.actual, t.origin), (Actual::Present, Some(Origin::Stint)));

        h.drive(Span::minutes(59)).await;
        assert_eq!(state(&h, r.id).await, State::Active, "ended early");
        h.drive(Span::minutes(2)).await;
        assert_eq!(state(&h, r.id).await, State::Ended);
        assert!(
            !h.idc.is_member(&alice_member()),
            "membership outlived the window"
        );
        assert_eq!(h.idc.member_calls("add_membership", &alice_member()), 1);
        assert_eq!(h.idc.member_calls("remove_membership", &alice_member()), 1);
        assert_eq!(h.idc.calls("create_assignment", None), 0);

        let history = kinds(&h, r.id).await;
        assert_has(
            &history,
            &[
                "requested",
                "approved",
                "activating",
                "membership_create_requested",
                "membership_created",
                "active",
                "ending",
                "membership_delete_requested",
                "membership_deleted",
                "ended",
            ],
        );
        // Each step is committed before the call it announces.
        let pos = |k: &str| history.iter().position(|h| h == k).unwrap();
        assert!(pos("membership_create_requested") < pos("membership_created"));
        assert!(pos("membership_delete_requested") < pos("membership_deleted"));
        let api = h.engine.request_details(r.id).await.unwrap().to_api();
        assert_eq!(api.state, stint_api::RequestState::Ended);
        assert_chain_intact(&h).await;
        assert!(h.idc.member_overlaps().is_empty());
    }
}

#[tokio::test]
async fn overlapping_group_grants_share_one_membership() {
    for db in databases().await {
        let h = Harness::new(db).await;
        let short = h
            .engine
            .create(&alice(), group_grant(30, false))
            .await
            .unwrap();
        h.drive(Span::minutes(10)).await;
        let long = h
            .engine
            .create(&alice(), group_grant(60, false))
            .await
            .unwrap();
        h.drive(Span::seconds(5)).await;
        assert_eq!(state(&h, long.id).await, State::Active);
        assert_eq!(h.idc.member_calls("add_membership", &alice_member()), 1);

        // The first window closes: the membership stays for the second grant.
        h.drive(Span::minutes(21)).await;
        assert_eq!(state(&h, short.id).await, State::Ended);
        assert!(
            h.idc.is_member(&alice_member()),
            "ending one grant cut the other"
        );
        let ended = h.engine.request_details(short.id).await.unwrap().to_api();
        let said = ended
            .history
            .unwrap()
            .last()
            .unwrap()
            .detail
            .clone()
            .unwrap();
        assert!(said.contains(&format!("request {}", long.id)), "{said}");
        assert_eq!(h.idc.member_calls("remove_membership", &alice_member()), 0);

        h.drive(Span::minutes(60)).await;
        assert_eq!(state(&h, long.id).await, State::Ended);
        assert!(!h.idc.is_member(&alice_member()));
        assert_eq!(h.idc.member_calls("remove_membership", &alice_member()), 1);
        assert_chain_intact(&h).await;
    }
}

#[tokio::test]
async fn a_standing_membership_is_never_removed() {
    for db in databases().await {
        let h = Harness::new(db).await;
        h.idc.add_member_outside(&alice_member());
        let r = h
            .engine
            .create(&alice(), group_grant(30, false))
            .await
            .unwrap();
        h.drive(Span::seconds(5)).await;
        assert_eq!(state(&h, r.id).await, State::Active);
        assert_eq!(h.idc.member_calls("add_membership", &alice_member()), 0);
        let t = h.store.tuple(&alice_target()).await.unwrap().unwrap();
        assert_eq!(t.origin, Some(Origin::Standing));
        assert_has(&kinds(&h, r.id).await, &["standing_membership_found"]);

        h.drive(Span::minutes(31)).await;
        assert_eq!(state(&h, r.id).await, State::Ended);
        // Revoked early, and reconciled: still never removed.
        let again = h
            .engine
            .create(&alice(), group_grant(30, false))
            .await
            .unwrap();
        h.drive(Span::seconds(5)).await;
        h.engine.revoke(again.id, &alice(), None).await.unwrap();
        h.drive(Span::seconds(5)).await;
        h.engine.reconcile().await.unwrap();
        h.drive(Span::seconds(5)).await;
        assert_eq!(state(&h, again.id).await, State::Ended);
        assert!(
            h.idc.is_member(&alice_member()),
            "standing membership removed"
        );
        assert_eq!(h.idc.member_calls("remove_membership", &alice_member()), 0);
    }
}

#[tokio::test]
async fn throttling_errors_and_conflicts_on_memberships_are_retried() {
    for db in databases().await {
        let h = Harness::new(db).await;
        h.idc.fail_next(
            "add_membership",
            [
                IdcError::Throttled("Rate exceeded".into()),
                IdcError::Unavailable("HTTP 503".into()),
                IdcError::Conflict("CONCURRENT_MODIFICATION".into()),
            ],
        );
        h.idc.fail_next(
            "remove_membership",
            [IdcError::Throttled("Rate exceeded".into())],
        );
        let r = h
            .engine
            .create(&alice(), group_grant(10, false))
            .await
            .unwrap();
        h.drive(Span::seconds(30)).await;
        assert_eq!(state(&h, r.id).await, State::Active, "{}", h.db.name);
        assert_eq!(h.idc.member_calls("add_membership", &alice_member()), 4);
        h.drive(Span::minutes(11)).await;
        assert_eq!(state(&h, r.id).await, State::Ended);
        assert!(!h.idc.is_member(&alice_member()));
        let history = kinds(&h, r.id).await;
        let retries = history
            .iter()
            .filter(|k| *k == "membership_retry_scheduled")
            .count();
        assert_eq!(retries, 4, "{history:?}");
        assert!(h.idc.member_overlaps().is_empty());
    }
}

#[tokio::test]
async fn a_removal_given_up_is_alerted_and_reconciliation_takes_the_membership_back() {
    for db in databases().await {
        let h = Harness::new(db).await;
        let r = h
            .engine
            .create(&alice(), group_grant(10, false))
            .await
            .unwrap();
        h.drive(Span::seconds(5)).await;
        assert_eq!(state(&h, r.id).await, State::Active);
        h.idc.fail_always(
            "remove_membership",
            IdcError::Throttled("Rate exceeded".into()),
        );
        // Past the window and the retry deadline (two minutes in the harness).
        h.drive(Span::minutes(14)).await;
        let failed = h.engine.request(r.id).await.unwrap();
        assert_eq!(failed.state, State::Failed);
        assert_eq!(failed.failed_from, Some(State::Ending));
        assert!(h.idc.is_member(&alice_member()));
        let t = h.store.tuple(&alice_target()).await.unwrap().unwrap();
        assert!(t.leaked && t.actual == Actual::Present);
        assert_has(
            &kinds(&h, r.id).await,
            &["membership_delete_failed", "revocation_failed"],
        );

        // Identity Store answers again: reconciliation finds the leak and removes it.
        h.idc.clear_faults();
        let report = h.engine.reconcile().await.unwrap();
        assert_eq!(report.drift.get("leaked_membership_found"), Some(&1));
        h.drive(Span::seconds(30)).await;
        assert!(!h.idc.is_member(&alice_member()), "leaked membership kept");
        assert_eq!(state(&h, r.id).await, State::Ended);
        assert_has(
            &kinds(&h, r.id).await,
            &["leaked_membership_found", "repaired"],
        );
        assert_chain_intact(&h).await;
    }
}

#[tokio::test]
async fn a_membership_an_external_idp_removed_is_recorded_as_drift_and_added_again() {
    for db in databases().await {
        let h = Harness::new(db).await;
        let r = h
            .engine
            .create(&alice(), group_grant(60, false))
            .await
            .unwrap();
        h.drive(Span::seconds(5)).await;
        assert_eq!(state(&h, r.id).await, State::Active);

        // The IdP's SCIM sync does not know Stint's member and removes them.
        h.idc.remove_member_outside(&alice_member());
        let report = h.engine.reconcile().await.unwrap();
        assert_eq!(report.drift.get("membership_removed_outside"), Some(&1));
        h.drive(Span::seconds(10)).await;
        assert!(h.idc.is_member(&alice_member()), "not added again");
        assert_eq!(state(&h, r.id).await, State::Active);
        assert_eq!(h.idc.member_calls("add_membership", &alice_member()), 2);
        let drift = h
            .engine
            .request_details(r.id)
            .await
            .unwrap()
            .events
            .into_iter()
            .find(|e| e.kind == "membership_removed_outside")
            .expect("the drift is in the request's history");
        assert!(drift.data.contains("\"drift\":true"), "{}", drift.data);

        // A clean pass finds nothing.
        let clean = h.engine.reconcile().await.unwrap();
        assert_eq!(clean.drift_total(), 0, "{clean:?}");
        assert_eq!(clean.checked, 1);
        h.drive(Span::minutes(61)).await;
        assert!(!h.idc.is_member(&alice_member()));
    }
}

#[tokio::test]
async fn a_refused_addition_fails_the_grant_and_leaves_nothing() {
    for db in databases().await {
        let h = Harness::new(db).await;
        h.idc.fail_next(
            "add_membership",
            [IdcError::AccessDenied("not authorized".into())],
        );
        let r = h
            .engine
            .create(&alice(), group_grant(10, false))
            .await
            .unwrap();
        h.drive(Span::seconds(10)).await;
        let failed = h.engine.request(r.id).await.unwrap();
        assert_eq!(failed.state, State::Failed);
        assert_eq!(failed.failed_from, Some(State::Activating));
        assert!(!h.idc.is_member(&alice_member()));
        assert_has(
            &kinds(&h, r.id).await,
            &["membership_create_failed", "failed"],
        );
        assert_eq!(h.idc.member_calls("add_membership", &alice_member()), 1);
    }
}

#[tokio::test]
async fn a_crash_during_the_add_call_adopts_the_membership_it_made() {
    for db in databases().await {
        let h = Harness::new(db).await;
        h.idc.hang_next_add();
        let r = h
            .engine
            .create(&alice(), group_grant(30, false))
            .await
            .unwrap();
        // The engine dies while the add call is in flight: the intent is committed and
        // the user was in fact added.
        let engine = h.engine.clone();
        let stuck = tokio::spawn(async move { engine.run_until_idle().await });
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while h.idc.member_calls("add_membership", &alice_member()) == 0 {
            assert!(
                tokio::time::Instant::now() < deadline,
                "add was never called"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        stuck.abort();
        let t = h.store.tuple(&alice_target()).await.unwrap().unwrap();
        assert_eq!(t.actual, Actual::Creating);
        assert!(t.claimed_by.is_some());

        // Another engine retakes the tuple when the lease runs out, looks, adopts.
        let restarted = h.another_engine("test-node-2").await;
        drive_engine(&restarted, &h.store, &h.clock, Span::minutes(1)).await;
        assert_eq!(state(&h, r.id).await, State::Active);
        assert_eq!(
            h.idc.member_calls("add_membership", &alice_member()),
            1,
            "added twice"
        );
        assert_has(&kinds(&h, r.id).await, &["membership_adopted"]);
        let t = h.store.tuple(&alice_target()).await.unwrap().unwrap();
        assert_eq!(
            t.origin,
            Some(Origin::Stint),
            "Stint's own taken for standing"
        );
        drive_engine(&restarted, &h.store, &h.clock, Span::minutes(30)).await;
        assert!(!h.idc.is_member(&alice_member()));
        assert_eq!(state(&h, r.id).await, State::Ended);
    }
}

#[tokio::test]
async fn group_and_assignment_grants_of_one_person_do_not_touch_each_other() {
    for db in databases().await {
        let h = Harness::new(db).await;
        let group = h
            .engine
            .create(&alice(), group_grant(10, false))
            .await
            .unwrap();
        let assignment = h.engine.create(&alice(), grant(30, false)).await.unwrap();
        h.drive(Span::seconds(5)).await;
        assert_eq!(state(&h, group.id).await, State::Active);
        assert_eq!(state(&h, assignment.id).await, State::Active);
        h.drive(Span::minutes(11)).await;
        assert_eq!(state(&h, group.id).await, State::Ended);
        assert_eq!(state(&h, assignment.id).await, State::Active);
        assert!(!h.idc.is_member(&alice_member()));
        assert_eq!(h.idc.calls("delete_assignment", None), 0);
        let managed = h.store.managed_tuples().await.unwrap();
        assert_eq!(managed.len(), 1, "{managed:?}");
        assert!(matches!(managed[0].key, Target::AccountAssignment(_)));
    }
}
