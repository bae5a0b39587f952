//! The engine against an in-memory Identity Center, with time driven by a `ManualClock`.
//! Every scenario runs on SQLite, and on PostgreSQL when `STINT_TEST_POSTGRES_URL` is set.

use std::time::Duration;

use chrono::Duration as Span;
use futures::StreamExt;
use stint_api::ErrorCode;
use stint_broker::audit::AuditFilter;
use stint_broker::idc::IdcError;
use stint_broker::model::{Actor, Actual, Origin, State, Target};
use stint_broker::workflow::{EngineError, ListQuery, Scope};

use crate::support::databases::*;
use crate::support::engine::fake_idc::key_for;
use crate::support::engine::*;

fn alice_key() -> stint_broker::idc::AssignmentKey {
    key_for("u-alice", PROD)
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

/// The ids of the requests `who` may decide on now.
async fn approvable(h: &Harness, who: &Actor) -> Vec<i64> {
    let page = h
        .engine
        .list(
            who,
            ListQuery {
                scope: Scope::Approvable,
                states: vec![],
                account_id: None,
                cursor: None,
                limit: None,
            },
        )
        .await
        .unwrap();
    page.items.iter().map(|i| i.id).collect()
}

async fn assert_chain_intact(h: &Harness) {
    let v = h.engine.verify_audit().await.unwrap();
    assert!(
        v.ok(),
        "{}: audit chain broken: {:?}",
        h.db.name,
        v.first_bad
    );
    assert!(v.events > 0);
}

#[tokio::test]
async fn approve_activate_and_end_on_schedule() {
    for db in databases().await {
        let h = Harness::new(db).await;
        let r = h.engine.create(&alice(), grant(60, true)).await.unwrap();
        assert_eq!(r.state, State::Pending);
        h.drive(Span::minutes(5)).await;
        assert_eq!(
            state(&h, r.id).await,
            State::Pending,
            "started without approval"
        );
        assert_eq!(h.idc.calls("create_assignment", None), 0);

        let approved = h
            .engine
            .approve(r.id, &bob(), Some("go ahead".into()))
            .await
            .unwrap();
        assert_eq!(approved.state, State::Approved);
        assert_eq!(approved.decided_by.unwrap().user_name, "bob");

        h.drive(Span::seconds(5)).await;
        let active = h.engine.request(r.id).await.unwrap();
        assert_eq!(active.state, State::Active, "{}", h.db.name);
        assert!(h.idc.has(&alice_key()));
        assert_eq!(active.end_at - active.start_at, Span::minutes(60));

        h.drive(Span::minutes(59)).await;
        assert_eq!(state(&h, r.id).await, State::Active, "ended early");
        h.drive(Span::minutes(2)).await;
        let ended = h.engine.request(r.id).await.unwrap();
        assert_eq!(ended.state, State::Ended);
        assert!(!h.idc.has(&alice_key()), "access outlived the window");
        assert_eq!(h.idc.calls("create_assignment", Some(&alice_key())), 1);
        assert_eq!(h.idc.calls("delete_assignment", Some(&alice_key())), 1);

        let history = kinds(&h, r.id).await;
        for kind in [
            "requested",
            "approved",
            "activating",
            "assignment_create_started",
            "assignment_created",
            "active",
            "ending",
            "assignment_delete_started",
            "assignment_deleted",
            "ended",
        ] {
            assert!(
                history.contains(&kind.to_string()),
                "no {kind} in {history:?}"
            );
        }
        let api = h.engine.request_details(r.id).await.unwrap().to_api();
        assert_eq!(api.state, stint_api::RequestState::Ended);
        assert!(api.history.unwrap().len() >= 8);
        assert_chain_intact(&h).await;
    }
}

#[tokio::test]
async fn auto_approved_request_activates_at_once() {
    for db in databases().await {
        let h = Harness::new(db).await;
        let r = h.engine.create(&alice(), grant(30, false)).await.unwrap();
        assert_eq!(r.state, State::Approved);
        assert!(kinds(&h, r.id).await.contains(&"auto_approved".to_string()));
        h.drive(Span::seconds(2)).await;
        assert_eq!(state(&h, r.id).await, State::Active);
        assert!(h.idc.has(&alice_key()));
    }
}

#[tokio::test]
async fn a_scheduled_start_waits_for_its_time() {
    for db in databases().await {
        let h = Harness::new(db).await;
        let mut g = grant(30, false);
        g.start_at = Some(h.now() + Span::hours(2));
        let r = h.engine.create(&alice(), g).await.unwrap();
        h.drive(Span::minutes(119)).await;
        assert_eq!(state(&h, r.id).await, State::Approved);
        assert!(!h.idc.has(&alice_key()));
        h.drive(Span::minutes(2)).await;
        assert_eq!(state(&h, r.id).await, State::Active);
    }
}

#[tokio::test]
async fn reject_needs_a_comment_and_grants_nothing() {
    for db in databases().await {
        let h = Harness::new(db).await;
        let r = h.engine.create(&alice(), grant(60, true)).await.unwrap();
        let err = h.engine.reject(r.id, &bob(), None).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput);
        let err = h
            .engine
            .reject(r.id, &bob(), Some("  ".into()))
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput);
        let rejected = h
            .engine
            .reject(r.id, &bob(), Some("use the read-only role".into()))
            .await
            .unwrap();
        assert_eq!(rejected.state, State::Rejected);
        assert!(rejected.outcome.unwrap().contains("read-only"));
        h.drive(Span::hours(2)).await;
        assert_eq!(state(&h, r.id).await, State::Rejected);
        assert_eq!(h.idc.calls("create_assignment", None), 0);
        let err = h.engine.approve(r.id, &bob(), None).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidState);
    }
}

#[tokio::test]
async fn nobody_approves_their_own_request_or_one_outside_their_groups() {
    for db in databases().await {
        let h = Harness::new(db).await;
        // Alice is also an approver here, and still may not approve her own request.
        let mut g = grant(60, true);
        g.decision.approver_groups = vec!["engineers".into(), "sre-leads".into()];
        let r = h.engine.create(&alice(), g).await.unwrap();
        let err = h.engine.approve(r.id, &alice(), None).await.unwrap_err();
        assert!(matches!(err, EngineError::SelfApproval(_)));
        assert_eq!(err.code(), ErrorCode::SelfApproval);

        let r2 = h.engine.create(&alice(), grant(60, true)).await.unwrap();
        let err = h.engine.approve(r2.id, &carol(), None).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::Forbidden);
        assert_eq!(state(&h, r2.id).await, State::Pending);

        // A request nobody could approve is refused when made.
        let mut g = grant(60, true);
        g.decision.approver_groups.clear();
        let err = h.engine.create(&alice(), g).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::NoApprover);
    }
}

#[tokio::test]
async fn cancel_by_the_requester_only_and_only_before_it_starts() {
    for db in databases().await {
        let h = Harness::new(db).await;
        let r = h.engine.create(&alice(), grant(60, true)).await.unwrap();
        let err = h.engine.cancel(r.id, &bob(), None).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::Forbidden);
        let c = h.engine.cancel(r.id, &alice(), None).await.unwrap();
        assert_eq!(c.state, State::Cancelled);

        let mut g = grant(60, false);
        g.start_at = Some(h.now() + Span::hours(1));
        let approved = h.engine.create(&alice(), g).await.unwrap();
        assert_eq!(
            h.engine
                .cancel(approved.id, &alice(), None)
                .await
                .unwrap()
                .state,
            State::Cancelled
        );
        h.drive(Span::hours(3)).await;
        assert_eq!(h.idc.calls("create_assignment", None), 0);

        let active = h.engine.create(&alice(), grant(60, false)).await.unwrap();
        h.drive(Span::seconds(5)).await;
        let err = h
            .engine
            .cancel(active.id, &alice(), None)
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidState);
    }
}

#[tokio::test]
async fn unanswered_requests_expire_at_the_approval_deadline() {
    for db in databases().await {
        let h = Harness::new(db).await;
        let r = h.engine.create(&alice(), grant(60, true)).await.unwrap();
        h.drive(Span::minutes(59)).await;
        assert_eq!(state(&h, r.id).await, State::Pending);
        h.drive(Span::minutes(2)).await;
        let expired = h.engine.request(r.id).await.unwrap();
        assert_eq!(expired.state, State::Expired);
        assert!(expired.outcome.unwrap().contains("approval deadline"));
        let err = h.engine.approve(r.id, &bob(), None).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidState);
    }
}

#[tokio::test]
async fn revoke_by_the_requester_and_by_an_approver() {
    for db in databases().await {
        let h = Harness::new(db).await;
        let r = h.engine.create(&alice(), grant(60, false)).await.unwrap();
        h.drive(Span::seconds(5)).await;
        assert!(h.idc.has(&alice_key()));
        let err = h.engine.revoke(r.id, &carol(), None).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::Forbidden);
        let revoked = h
            .engine
            .revoke(r.id, &alice(), Some("done".into()))
            .await
            .unwrap();
        assert_eq!(revoked.state, State::Ending);
        h.drive(Span::seconds(5)).await;
        assert_eq!(state(&h, r.id).await, State::Ended);
        assert!(!h.idc.has(&alice_key()));

        let r2 = h.engine.create(&alice(), grant(60, false)).await.unwrap();
        h.drive(Span::seconds(5)).await;
        assert!(h.idc.has(&alice_key()));
        h.engine.revoke(r2.id, &bob(), None).await.unwrap();
        h.drive(Span::seconds(5)).await;
        assert_eq!(state(&h, r2.id).await, State::Ended);
        assert!(!h.idc.has(&alice_key()));
        assert!(kinds(&h, r2.id).await.contains(&"revoked".to_string()));

        // An admin may revoke too; revoking a grant that has not started ends it.
        let mut g = grant(60, false);
        g.start_at = Some(h.now() + Span::hours(1));
        let r3 = h.engine.create(&alice(), g).await.unwrap();
        let ended = h.engine.revoke(r3.id, &erin_admin(), None).await.unwrap();
        assert_eq!(ended.state, State::Ended);
    }
}

#[tokio::test]
async fn extend_in_place_with_and_without_reapproval() {
    for db in databases().await {
        let h = Harness::new(db).await;
        let r = h.engine.create(&alice(), grant(60, false)).await.unwrap();
        h.drive(Span::seconds(5)).await;
        let before = h.engine.request(r.id).await.unwrap();
        let extended = h
            .engine
            .extend(r.id, &alice(), Duration::from_secs(1800), None, None)
            .await
            .unwrap();
        assert_eq!(extended.end_at, before.end_at + Span::minutes(30));
        assert_eq!(extended.state, State::Active);

        // The policy wants approval for this one: the end moves only once approved.
        let asked = h
            .engine
            .extend(
                r.id,
                &alice(),
                Duration::from_secs(600),
                Some("still debugging".into()),
                Some(vec!["sre-leads".into()]),
            )
            .await
            .unwrap();
        assert_eq!(asked.end_at, extended.end_at);
        assert_eq!(
            asked.pending_end_at,
            Some(extended.end_at + Span::minutes(10))
        );
        assert_eq!(
            approvable(&h, &bob()).await,
            vec![r.id],
            "the extension awaits bob's approval"
        );
        let err = h.engine.approve(r.id, &alice(), None).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::SelfApproval);
        let approved = h.engine.approve(r.id, &bob(), None).await.unwrap();
        assert_eq!(approved.end_at, extended.end_at + Span::minutes(10));
        assert_eq!(approved.pending_end_at, None);

        // Still active past the original end; ended after the new one.
        h.drive(Span::minutes(61)).await;
        assert_eq!(state(&h, r.id).await, State::Active);
        h.drive(Span::minutes(40)).await;
        assert_eq!(state(&h, r.id).await, State::Ended);
        assert!(!h.idc.has(&alice_key()));
        let history = kinds(&h, r.id).await;
        assert!(history.contains(&"extended".to_string()));
        assert!(history.contains(&"extension_requested".to_string()));
        assert!(history.contains(&"extension_approved".to_string()));

        let err = h
            .engine
            .extend(r.id, &alice(), Duration::from_secs(60), None, None)
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidState);
    }
}

/// A grant made without approval has no approvers of its own; when the policy wants
/// approval for the longer window, the groups it names now approve the extension.
#[tokio::test]
async fn extending_a_grant_made_without_approval_asks_the_groups_named_now() {
    for db in databases().await {
        let h = Harness::new(db).await;
        let mut self_service = grant(60, false);
        self_service.decision.approver_groups = vec![];
        let r = h.engine.create(&alice(), self_service).await.unwrap();
        h.drive(Span::seconds(5)).await;
        assert_eq!(state(&h, r.id).await, State::Active);
        assert!(approvable(&h, &bob()).await.is_empty());

        let err = h
            .engine
            .extend(r.id, &alice(), Duration::from_secs(600), None, Some(vec![]))
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::NoApprover, "{err}");

        let asked = h
            .engine
            .extend(
                r.id,
                &alice(),
                Duration::from_secs(600),
                Some("the migration runs long".into()),
                Some(vec!["sre-leads".into()]),
            )
            .await
            .unwrap();
        assert_eq!(asked.approver_groups, vec!["sre-leads".to_string()]);
        assert_eq!(
            approvable(&h, &bob()).await,
            vec![r.id],
            "bob may approve it now"
        );
        let approved = h.engine.approve(r.id, &bob(), None).await.unwrap();
        assert_eq!(approved.end_at, asked.end_at + Span::minutes(10));
        assert_eq!(approved.pending_end_at, None);
        assert!(approvable(&h, &bob()).await.is_empty());
    }
}

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

#[tokio::test]
async fn listings_filter_and_page() {
    for db in databases().await {
        let h = Harness::new(db).await;
        let mut ids = Vec::new();
        for _ in 0..5 {
            ids.push(h.engine.create(&alice(), grant(60, true)).await.unwrap().id);
        }
        let carols = h.engine.create(&carol(), grant(60, false)).await.unwrap();
        h.engine.approve(ids[0], &bob(), None).await.unwrap();

        let page = h
            .engine
            .list(
                &alice(),
                ListQuery {
                    scope: Scope::Mine,
                    states: vec![],
                    account_id: None,
                    cursor: None,
                    limit: Some(2),
                },
            )
            .await
            .unwrap();
        assert_eq!(
            page.items.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![ids[4], ids[3]]
        );
        let next = h
            .engine
            .list(
                &alice(),
                ListQuery {
                    scope: Scope::Mine,
                    states: vec![],
                    account_id: None,
                    cursor: page.next_cursor.clone(),
                    limit: Some(2),
                },
            )
            .await
            .unwrap();
        assert_eq!(
            next.items.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![ids[2], ids[1]]
        );
        let last = h
            .engine
            .list(
                &alice(),
                ListQuery {
                    scope: Scope::Mine,
                    states: vec![],
                    account_id: None,
                    cursor: next.next_cursor.clone(),
                    limit: Some(2),
                },
            )
            .await
            .unwrap();
        assert_eq!(last.items.len(), 1);
        assert_eq!(last.next_cursor, None);

        let approvable = h
            .engine
            .list(
                &bob(),
                ListQuery {
                    scope: Scope::Approvable,
                    states: vec![],
                    account_id: None,
                    cursor: None,
                    limit: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(approvable.items.len(), 4);
        let none_for_carol = h
            .engine
            .list(
                &carol(),
                ListQuery {
                    scope: Scope::Approvable,
                    states: vec![],
                    account_id: None,
                    cursor: None,
                    limit: None,
                },
            )
            .await
            .unwrap();
        assert!(none_for_carol.items.is_empty());

        let all_approved = h
            .engine
            .list(
                &erin_admin(),
                ListQuery {
                    scope: Scope::All,
                    states: vec![State::Approved],
                    account_id: Some(PROD.into()),
                    cursor: None,
                    limit: None,
                },
            )
            .await
            .unwrap();
        let approved_ids: Vec<_> = all_approved.items.iter().map(|r| r.id).collect();
        assert_eq!(approved_ids, vec![carols.id, ids[0]]);

        h.drive(Span::seconds(5)).await;
        let grants = h.engine.active_grants(None, None, None).await.unwrap();
        assert_eq!(grants.items.len(), 2);
        let alices = h
            .engine
            .active_grants(Some("u-alice"), None, None)
            .await
            .unwrap();
        assert_eq!(alices.items.len(), 1);
        assert_eq!(alices.items[0].to_grant().user.user_name, "alice");

        let err = h
            .engine
            .list(
                &alice(),
                ListQuery {
                    scope: Scope::Mine,
                    states: vec![],
                    account_id: None,
                    cursor: Some("bogus".into()),
                    limit: None,
                },
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput);
    }
}

#[tokio::test]
async fn the_change_feed_delivers_each_change_after_a_cursor() {
    for db in databases().await {
        let h = Harness::new(db).await;
        let cursor = h.engine.change_cursor();
        let mut feed = Box::pin(h.engine.changes(cursor));
        let r = h.engine.create(&alice(), grant(60, true)).await.unwrap();
        let first = tokio::time::timeout(Duration::from_secs(10), feed.next())
            .await
            .expect("no change delivered")
            .unwrap()
            .unwrap();
        assert_eq!(first.request.id, r.id);
        assert_eq!(first.request.state, State::Pending);

        h.engine.approve(r.id, &bob(), None).await.unwrap();
        let second = tokio::time::timeout(Duration::from_secs(10), feed.next())
            .await
            .expect("approval not delivered")
            .unwrap()
            .unwrap();
        assert!(second.seq > first.seq);
        assert_eq!(second.request.state, State::Approved);

        // A subscriber that reconnects from the first seq sees the later change again.
        let mut resumed = Box::pin(h.engine.changes(first.seq));
        let again = tokio::time::timeout(Duration::from_secs(10), resumed.next())
            .await
            .expect("resume delivered nothing")
            .unwrap()
            .unwrap();
        assert_eq!(again.request.id, r.id);
        assert!(again.seq > first.seq);
    }
}
