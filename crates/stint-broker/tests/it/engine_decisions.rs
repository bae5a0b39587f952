//! The engine's approval, rejection, cancellation, expiry and schedule, against an in-memory
//! Identity Center with time driven by a `ManualClock`. Every scenario runs on SQLite, and on
//! PostgreSQL when `STINT_TEST_POSTGRES_URL` is set.

use chrono::Duration as Span;
use stint_api::ErrorCode;
use stint_broker::model::State;
use stint_broker::workflow::EngineError;

use crate::support::databases::*;
use crate::support::engine::inspect::*;
use crate::support::engine::*;

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
