//! The engine's revocation and extension (in place, with and without reapproval), against an
//! in-memory Identity Center with time driven by a `ManualClock`. Every scenario runs on SQLite,
//! and on PostgreSQL when `STINT_TEST_POSTGRES_URL` is set.

use std::time::Duration;

use chrono::Duration as Span;
use stint_api::ErrorCode;
use stint_broker::model::State;

use crate::support::databases::*;
use crate::support::engine::inspect::*;
use crate::support::engine::*;

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
