//! The engine's listings (filters and pages) and its change feed, against an in-memory Identity
//! Center with time driven by a `ManualClock`. Every scenario runs on SQLite, and on PostgreSQL
//! when `STINT_TEST_POSTGRES_URL` is set.

use std::time::Duration;

use chrono::Duration as Span;
use futures::StreamExt;
use stint_api::ErrorCode;
use stint_broker::model::State;
use stint_broker::workflow::{ListQuery, Scope};

use crate::support::databases::*;
use crate::support::engine::*;

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
