//! The engine's account assignments: shared and standing ones, retries, failures, reconciliation
//! and resuming after a restart or crash, against an in-memory Identity Center with time driven by
//! a `ManualClock`. Every scenario runs on SQLite, and on PostgreSQL when `STINT_TEST_POSTGRES_URL`
//! is set.

use std::time::Duration;

use chrono::Duration as Span;
use stint_broker::audit::AuditFilter;
use stint_broker::idc::IdcError;
use stint_broker::model::{Actual, Origin, State, Target};

use crate::support::databases::*;
use crate::support::engine::inspect::*;
use crate::support::engine::*;

#[tokio::test]
async fn overlapping_grants_share_one_assignment() {
    for db in databases().await {
        let h = Harness::new(db).await;
        let first = h.engine.create(&alice(), grant(60, false)).await.unwrap();
        h.drive(Span::minutes(30)).await;
        let second = h.engine.create(&alice(), grant(60, false)).await.unwrap();
        h.drive(Span::seconds(5)).await;
        assert_eq!(state(&h, second.id).await, State::Active);
        assert_eq!(
            h.idc.calls("create_assignment", None),
            1,
            "the tuple is shared"
        );

        // The first window closes: its grant ends, the access stays for the second.
        h.drive(Span::minutes(31)).await;
        assert_eq!(state(&h, first.id).await, State::Ended);
        assert_eq!(state(&h, second.id).await, State::Active);
        assert!(
            h.idc.has(&alice_key()),
            "ending the first grant took the second's access"
        );
        assert_eq!(h.idc.calls("delete_assignment", None), 0);
        let ended = h.engine.request(first.id).await.unwrap();
        assert!(
            ended
                .outcome
                .unwrap()
                .contains(&format!("request {}", second.id))
        );

        // The second closes: now the assignment goes.
        h.drive(Span::minutes(31)).await;
        assert_eq!(state(&h, second.id).await, State::Ended);
        assert!(!h.idc.has(&alice_key()));
        assert_eq!(h.idc.calls("delete_assignment", None), 1);
    }
}

#[tokio::test]
async fn a_grant_starting_during_a_deletion_waits_then_creates_again() {
    for db in databases().await {
        let h = Harness::new(db).await;
        let first = h.engine.create(&alice(), grant(10, false)).await.unwrap();
        h.drive(Span::seconds(5)).await;
        // Identity Center is slow to delete: the deletion is still in progress when a new
        // grant of the same tuple opens.
        h.idc.set_polls_before_done(1000);
        h.drive(Span::minutes(10)).await;
        let t = h
            .store
            .tuple(&Target::AccountAssignment(alice_key()))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(t.actual, Actual::Deleting);
        assert_eq!(state(&h, first.id).await, State::Ending);
        let second = h.engine.create(&alice(), grant(10, false)).await.unwrap();
        h.drive(Span::seconds(20)).await;
        assert_eq!(
            state(&h, second.id).await,
            State::Activating,
            "did not wait for the deletion"
        );
        assert_eq!(h.idc.calls("create_assignment", None), 1);

        // The deletion completes; the first grant ends, the tuple is created again.
        h.idc.set_polls_before_done(1);
        h.idc.finish_operations();
        h.drive(Span::seconds(20)).await;
        assert_eq!(state(&h, first.id).await, State::Ended);
        assert_eq!(state(&h, second.id).await, State::Active);
        assert!(h.idc.has(&alice_key()));
        assert_eq!(h.idc.calls("create_assignment", None), 2);
    }
}

#[tokio::test]
async fn standing_access_is_never_deleted() {
    for db in databases().await {
        let h = Harness::new(db).await;
        h.idc.add_outside(&alice_key());
        let r = h.engine.create(&alice(), grant(30, false)).await.unwrap();
        h.drive(Span::seconds(5)).await;
        assert_eq!(state(&h, r.id).await, State::Active);
        assert_eq!(h.idc.calls("create_assignment", None), 0);
        let t = h
            .store
            .tuple(&Target::AccountAssignment(alice_key()))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(t.origin, Some(Origin::Standing));
        assert!(
            kinds(&h, r.id)
                .await
                .contains(&"standing_assignment_found".to_string())
        );

        h.drive(Span::minutes(31)).await;
        assert_eq!(state(&h, r.id).await, State::Ended);
        assert!(h.idc.has(&alice_key()), "standing access was removed");
        assert_eq!(h.idc.calls("delete_assignment", None), 0);

        // Revoking a grant on standing access does not remove it either, nor does reconciling.
        let r2 = h.engine.create(&alice(), grant(30, false)).await.unwrap();
        h.drive(Span::seconds(5)).await;
        h.engine.revoke(r2.id, &alice(), None).await.unwrap();
        h.drive(Span::seconds(5)).await;
        h.engine.reconcile().await.unwrap();
        h.drive(Span::seconds(5)).await;
        assert_eq!(state(&h, r2.id).await, State::Ended);
        assert!(h.idc.has(&alice_key()));
        assert_eq!(h.idc.calls("delete_assignment", None), 0);
    }
}

#[tokio::test]
async fn throttling_server_errors_and_conflicts_are_retried() {
    for db in databases().await {
        let h = Harness::new(db).await;
        h.idc.fail_next(
            "create_assignment",
            [
                IdcError::Throttled("Rate exceeded".into()),
                IdcError::Unavailable("HTTP 503".into()),
                IdcError::Conflict("operation in progress".into()),
            ],
        );
        h.idc.fail_next(
            "list_assignments",
            [IdcError::Unavailable("HTTP 500".into())],
        );
        h.idc.fail_next(
            "creation_status",
            [IdcError::Throttled("Rate exceeded".into())],
        );
        let r = h.engine.create(&alice(), grant(30, false)).await.unwrap();
        h.drive(Span::minutes(1)).await;
        assert_eq!(state(&h, r.id).await, State::Active, "{}", h.db.name);
        assert!(h.idc.has(&alice_key()));

        h.idc.fail_next(
            "delete_assignment",
            [
                IdcError::Conflict("operation in progress".into()),
                IdcError::Throttled("Rate exceeded".into()),
            ],
        );
        h.idc.fail_next(
            "deletion_status",
            [IdcError::Unavailable("HTTP 502".into())],
        );
        h.drive(Span::minutes(31)).await;
        assert_eq!(state(&h, r.id).await, State::Ended);
        assert!(!h.idc.has(&alice_key()));

        let metrics = h.engine.metrics();
        assert!(metrics.retries("throttled") >= 3);
        assert!(metrics.retries("conflict") >= 2);
        assert!(metrics.retries("unavailable") >= 3);
        let retries = h
            .engine
            .audit(AuditFilter {
                kind: Some("retry_scheduled".into()),
                ..AuditFilter::default()
            })
            .await
            .unwrap();
        assert!(retries.len() >= 8, "{} retry events", retries.len());
        let text = h.engine.render_metrics().await.unwrap();
        assert!(text.contains("stint_retries_total{reason=\"throttled\"}"));
        assert!(text.contains("stint_requests{state=\"ended\"} 1"));
        assert_chain_intact(&h).await;
    }
}

#[tokio::test]
async fn a_failed_creation_fails_the_request_with_an_audit_event() {
    for db in databases().await {
        let h = Harness::new(db).await;
        h.idc.fail_creations(1);
        let r = h.engine.create(&alice(), grant(30, false)).await.unwrap();
        h.drive(Span::seconds(10)).await;
        let failed = h.engine.request(r.id).await.unwrap();
        assert_eq!(failed.state, State::Failed);
        assert!(failed.outcome.unwrap().contains("could not be provisioned"));
        let history = kinds(&h, r.id).await;
        assert!(history.contains(&"assignment_create_failed".to_string()));
        assert!(history.contains(&"failed".to_string()));
        assert!(!h.idc.has(&alice_key()));

        // Reconciliation checks the doubtful tuple and clears it; a new request works.
        let report = h.engine.reconcile().await.unwrap();
        assert_eq!(report.drift.get("leak_cleared"), Some(&1));
        let again = h.engine.create(&alice(), grant(30, false)).await.unwrap();
        h.drive(Span::seconds(10)).await;
        assert_eq!(state(&h, again.id).await, State::Active);
    }
}

#[tokio::test]
async fn a_failed_deletion_is_alerted_and_repaired_by_reconciliation() {
    for db in databases().await {
        let h = Harness::new(db).await;
        let r = h.engine.create(&alice(), grant(30, false)).await.unwrap();
        h.drive(Span::seconds(5)).await;
        h.idc.fail_deletions(1);
        h.drive(Span::minutes(31)).await;
        let failed = h.engine.request(r.id).await.unwrap();
        assert_eq!(failed.state, State::Failed);
        assert_eq!(failed.failed_from, Some(State::Ending));
        assert!(
            h.idc.has(&alice_key()),
            "the fake deletion failed, so access is still there"
        );
        let t = h
            .store
            .tuple(&Target::AccountAssignment(alice_key()))
            .await
            .unwrap()
            .unwrap();
        assert!(t.leaked);
        assert!(
            kinds(&h, r.id)
                .await
                .contains(&"revocation_failed".to_string())
        );

        // Reconciliation finds the leak, alerts, and deletes it; the request is repaired.
        let report = h.engine.reconcile().await.unwrap();
        assert_eq!(report.drift.get("leaked_assignment_found"), Some(&1));
        h.drive(Span::seconds(10)).await;
        assert!(
            !h.idc.has(&alice_key()),
            "reconciliation did not take the access back"
        );
        let repaired = h.engine.request(r.id).await.unwrap();
        assert_eq!(repaired.state, State::Ended);
        let history = kinds(&h, r.id).await;
        assert!(history.contains(&"leaked_assignment_found".to_string()));
        assert!(history.contains(&"repaired".to_string()));
        assert_eq!(h.engine.metrics().drift("leaked_assignment_found"), 1);
        assert_chain_intact(&h).await;
    }
}

#[tokio::test]
async fn a_revoke_that_keeps_failing_gives_up_at_the_deadline_and_is_retried_by_reconcile() {
    for db in databases().await {
        let h = Harness::new(db).await;
        let r = h.engine.create(&alice(), grant(30, false)).await.unwrap();
        h.drive(Span::seconds(5)).await;
        h.idc.fail_always(
            "delete_assignment",
            IdcError::Throttled("Rate exceeded".into()),
        );
        h.engine.revoke(r.id, &alice(), None).await.unwrap();
        h.drive(Span::minutes(3)).await;
        assert_eq!(state(&h, r.id).await, State::Failed);
        assert!(h.idc.has(&alice_key()));
        let failed_events = h
            .engine
            .audit(AuditFilter {
                kind: Some("assignment_delete_failed".into()),
                ..AuditFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(failed_events.len(), 1);

        // Still failing: reconciliation tries again (and alerts again), and gives up again.
        h.engine.reconcile().await.unwrap();
        h.drive(Span::minutes(3)).await;
        assert!(h.idc.has(&alice_key()));
        // Identity Center recovers: the next reconciliation takes the access back.
        h.idc.clear_faults();
        h.engine.reconcile().await.unwrap();
        h.drive(Span::seconds(10)).await;
        assert!(!h.idc.has(&alice_key()));
        assert_eq!(state(&h, r.id).await, State::Ended);
        let leaks = h
            .engine
            .audit(AuditFilter {
                kind: Some("leaked_assignment_found".into()),
                ..AuditFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(leaks.len(), 2, "each time the leak is found it is alerted");
    }
}

#[tokio::test]
async fn reconciliation_recreates_an_assignment_deleted_outside() {
    for db in databases().await {
        let h = Harness::new(db).await;
        let r = h.engine.create(&alice(), grant(60, false)).await.unwrap();
        h.drive(Span::seconds(5)).await;
        h.idc.remove_outside(&alice_key());
        let report = h.engine.reconcile().await.unwrap();
        assert_eq!(report.drift.get("assignment_removed_outside"), Some(&1));
        h.drive(Span::seconds(5)).await;
        assert!(h.idc.has(&alice_key()));
        assert_eq!(state(&h, r.id).await, State::Active);
        assert_eq!(h.idc.calls("create_assignment", None), 2);
        // Nothing drifted since.
        let report = h.engine.reconcile().await.unwrap();
        assert_eq!(report.drift_total(), 0);
        assert_eq!(report.checked, 1);
    }
}

#[tokio::test]
async fn a_restart_resumes_what_was_in_flight() {
    for db in databases().await {
        let h = Harness::new(db).await;
        let r = h.engine.create(&alice(), grant(30, false)).await.unwrap();
        // Run until the create call has been made and its status not yet seen.
        h.settle().await;
        let t = h
            .store
            .tuple(&Target::AccountAssignment(alice_key()))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(t.actual, Actual::Creating);
        assert!(t.operation_id.is_some());
        // The broker stops; time passes; a new one starts on the same database.
        let restarted = h.another_engine("test-node-2").await;
        h.clock.advance(Span::minutes(1));
        drive_engine(&restarted, &h.store, &h.clock, Span::seconds(5)).await;
        assert_eq!(state(&h, r.id).await, State::Active);
        drive_engine(&restarted, &h.store, &h.clock, Span::minutes(30)).await;
        assert_eq!(state(&h, r.id).await, State::Ended);
        assert!(!h.idc.has(&alice_key()));
        assert_eq!(h.idc.calls("create_assignment", None), 1);
    }
}

#[tokio::test]
async fn a_crash_during_the_create_call_adopts_what_was_created() {
    for db in databases().await {
        let h = Harness::new(db).await;
        h.idc.hang_next_create();
        let r = h.engine.create(&alice(), grant(30, false)).await.unwrap();
        // The engine dies while the create call is in flight: the intent is recorded
        // without an operation id, and the assignment was in fact created.
        let engine = h.engine.clone();
        let stuck = tokio::spawn(async move { engine.run_until_idle().await });
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            if h.idc.calls("create_assignment", None) == 1 {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "create was never called"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        stuck.abort();
        let t = h
            .store
            .tuple(&Target::AccountAssignment(alice_key()))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(t.actual, Actual::Creating);
        assert_eq!(t.operation_id, None);
        assert!(t.claimed_by.is_some());

        // A new engine retakes the tuple when the dead one's lease runs out, lists, adopts.
        let restarted = h.another_engine("test-node-2").await;
        drive_engine(&restarted, &h.store, &h.clock, Span::minutes(1)).await;
        assert_eq!(state(&h, r.id).await, State::Active);
        assert_eq!(h.idc.calls("create_assignment", None), 1, "created twice");
        assert!(
            kinds(&h, r.id)
                .await
                .contains(&"assignment_adopted".to_string())
        );
        let t = h
            .store
            .tuple(&Target::AccountAssignment(alice_key()))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            t.origin,
            Some(Origin::Stint),
            "Stint's own assignment taken for standing"
        );
        drive_engine(&restarted, &h.store, &h.clock, Span::minutes(30)).await;
        assert!(!h.idc.has(&alice_key()));
    }
}
