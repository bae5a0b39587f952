//! One story over the `Store` trait, run on SQLite in a temp dir and on PostgreSQL when
//! `STINT_TEST_POSTGRES_URL` names a server (scripts/with-postgres.sh starts one).

use std::sync::Arc;

use chrono::Duration as Span;
use stint_broker::audit::AuditFilter;
use stint_broker::model::audit::{AssignmentStep, CallStarted, RequestStep, Requested};
use stint_broker::model::{
    AccountInfo, Actual, AuditEvent, AuditKind, NewEvent, NewRequest, PermissionSetInfo, State,
    Step, Target,
};
use stint_broker::store::{self, Change, RequestFilter, Store, StoreError};

use crate::support::databases::*;
use crate::support::engine::fake_idc::{PS_ARN, key_for};
use crate::support::engine::*;

fn new_request(user: &str, state: State) -> NewRequest {
    NewRequest {
        requester: person(user),
        account: AccountInfo {
            id: PROD.into(),
            name: "prod".into(),
        },
        permission_set: PermissionSetInfo {
            arn: PS_ARN.into(),
            name: "PowerUserAccess".into(),
            description: None,
            session_duration_secs: 3600,
        },
        group: None,
        state,
        reason: "story".into(),
        ticket: None,
        duration_secs: 3600,
        start_at: t0(),
        end_at: t0() + Span::hours(1),
        approval_required: state == State::Pending,
        approver_groups: vec!["sre-leads".into(), "security".into()],
        approval_deadline: Some(t0() + Span::minutes(30)),
        created_at: t0(),
        next_due_at: Some(t0() + Span::minutes(30)),
    }
}

/// An event of the kind (`requested`, an approval, or an Identity Center step), its text
/// not ASCII so the store is seen to keep it byte for byte.
fn event(kind: AuditKind) -> NewEvent {
    let note = "ünïcödé ✓".to_string();
    let event = match kind {
        AuditKind::Requested => AuditEvent::Requested(Requested {
            state: State::Pending,
            account_id: "111111111111".into(),
            account_name: "dev".into(),
            permission_set: "Admin".into(),
            permission_set_arn: "arn:ps".into(),
            group_id: None,
            group: None,
            duration_secs: 3600,
            start_at: t0(),
            reason: note,
            ticket: None,
            approval_required: true,
            approver_groups: vec![],
            approval_deadline: None,
            set_id: None,
        }),
        AuditKind::AssignmentCreateStarted => AuditEvent::AssignmentCreateStarted(CallStarted {
            at: AssignmentStep {
                principal_id: "u-alice".into(),
                account_id: "111111111111".into(),
                permission_set_arn: "arn:ps".into(),
                assignment: Actual::Creating,
                state: None,
            },
            operation_id: "op-1".into(),
            attempt: 1,
        }),
        _ => AuditEvent::AutoApproved(RequestStep {
            state: State::Approved,
            from: None,
            detail: Some(note),
        }),
    };
    NewEvent {
        at: t0(),
        actor: "alice".into(),
        request_id: None,
        event,
    }
}

async fn story(store: Arc<dyn Store>, name: &str) {
    // Requests: insert, read back exactly, and their first events carry the new id.
    let (a, seq) = store
        .insert_request(
            &new_request("alice", State::Pending),
            vec![event(AuditKind::Requested)],
        )
        .await
        .unwrap();
    assert_eq!(seq, 1, "{name}");
    assert_eq!(a.version, 0);
    let read = store.request(a.id).await.unwrap().unwrap();
    assert_eq!(read, a);
    assert_eq!(read.approver_groups, vec!["sre-leads", "security"]);
    let (b, _) = store
        .insert_request(
            &new_request("carol", State::Approved),
            vec![event(AuditKind::Requested)],
        )
        .await
        .unwrap();
    assert!(b.id > a.id);
    assert_eq!(store.request(9999).await.unwrap(), None);

    // A change commits atomically and bumps versions; a stale version is a conflict and
    // leaves nothing behind (not even its audit events).
    let mut a2 = a.clone();
    a2.state = State::Approved;
    a2.updated_at = t0() + Span::minutes(1);
    let seq = store
        .commit(&Change {
            at: t0(),
            requests: vec![a2.clone()],
            events: vec![event(AuditKind::Approved)],
            ..Change::default()
        })
        .await
        .unwrap();
    assert_eq!(seq, Some(3));
    let after = store.request(a.id).await.unwrap().unwrap();
    assert_eq!(after.state, State::Approved);
    assert_eq!(after.version, 1);
    let stale = store
        .commit(&Change {
            at: t0(),
            requests: vec![a2.clone()],
            events: vec![event(AuditKind::AutoApproved)],
            ..Change::default()
        })
        .await;
    assert!(
        matches!(stale, Err(StoreError::Conflict)),
        "{name}: {stale:?}"
    );
    assert_eq!(
        store.audit_head().await.unwrap().0,
        3,
        "a failed commit wrote events"
    );

    // Listing: filters and newest first.
    let mine = store
        .list_requests(&RequestFilter {
            requester_id: Some("u-alice".into()),
            limit: 10,
            ..RequestFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(mine.len(), 1);
    let all = store
        .list_requests(&RequestFilter {
            limit: 10,
            ..RequestFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(
        all.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![b.id, a.id]
    );
    let before = store
        .list_requests(&RequestFilter {
            before: Some(b.id),
            states: vec![State::Approved],
            limit: 10,
            ..RequestFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(before.iter().map(|r| r.id).collect::<Vec<_>>(), vec![a.id]);
    let (p, _) = store
        .insert_request(&new_request("alice", State::Pending), vec![])
        .await
        .unwrap();
    let approvable = store
        .list_requests(&RequestFilter {
            approvable_by: Some((vec!["security".into()], "u-bob".into())),
            limit: 10,
            ..RequestFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(
        approvable.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![p.id]
    );
    let own = store
        .list_requests(&RequestFilter {
            approvable_by: Some((vec!["security".into()], "u-alice".into())),
            limit: 10,
            ..RequestFilter::default()
        })
        .await
        .unwrap();
    assert!(
        own.is_empty(),
        "a requester's own request listed as approvable"
    );

    // The schedule: due requests and the earliest due time.
    let due = store
        .due_requests(t0() + Span::minutes(31), 10)
        .await
        .unwrap();
    assert_eq!(due.len(), 3);
    assert!(store.due_requests(t0(), 10).await.unwrap().is_empty());
    assert_eq!(
        store.next_due(t0()).await.unwrap(),
        Some(t0() + Span::minutes(30))
    );

    // Tuples: a wake creates the row and makes it due now; one owner claims it, a second
    // cannot until the lease runs out; a claim bumps the version.
    let key = Target::AccountAssignment(key_for("u-alice", PROD));
    store
        .commit(&Change {
            at: t0(),
            wake: vec![key.clone()],
            ..Change::default()
        })
        .await
        .unwrap();
    assert_eq!(store.next_due(t0()).await.unwrap(), Some(t0()));
    let claimed = store
        .claim_due_tuples(t0(), "node-a", t0() + Span::seconds(30), 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let t = &claimed[0];
    assert_eq!(t.key, key);
    assert_eq!(t.actual, Actual::Absent);
    assert_eq!(t.claimed_by.as_deref(), Some("node-a"));
    assert!(
        store
            .claim_due_tuples(
                t0() + Span::seconds(1),
                "node-b",
                t0() + Span::seconds(31),
                10
            )
            .await
            .unwrap()
            .is_empty(),
        "{name}: claimed twice"
    );
    // A wake while claimed is kept for after the claim.
    store
        .commit(&Change {
            at: t0(),
            wake: vec![key.clone()],
            ..Change::default()
        })
        .await
        .unwrap();
    let mut next = t.clone();
    next.actual = Actual::Creating;
    next.step = Some(Step::Call);
    next.operation_id = Some("op-1".into());
    next.deadline = Some(t0() + Span::minutes(10));
    next.claimed_by = None;
    next.claimed_until = None;
    next.next_check_at = Some(t0() + Span::seconds(5));
    store
        .commit(&Change {
            at: t0(),
            tuple: Some(next.clone()),
            events: vec![event(AuditKind::AssignmentCreateStarted)],
            ..Change::default()
        })
        .await
        .unwrap();
    let stored = store.tuple(&key).await.unwrap().unwrap();
    assert_eq!(stored.actual, Actual::Creating);
    assert_eq!(stored.step, Some(Step::Call));
    assert_eq!(stored.operation_id.as_deref(), Some("op-1"));
    assert_eq!(stored.version, t.version + 1);
    assert!(matches!(
        store
            .commit(&Change {
                at: t0(),
                tuple: Some(next.clone()),
                ..Change::default()
            })
            .await,
        Err(StoreError::Conflict)
    ));
    let again = store
        .claim_due_tuples(
            t0() + Span::seconds(1),
            "node-b",
            t0() + Span::seconds(31),
            10,
        )
        .await
        .unwrap();
    assert_eq!(again.len(), 1, "{name}: the wake during the claim was lost");
    // An expired lease is retaken by another owner.
    let retaken = store
        .claim_due_tuples(
            t0() + Span::seconds(40),
            "node-c",
            t0() + Span::seconds(70),
            10,
        )
        .await
        .unwrap();
    assert_eq!(retaken.len(), 1);
    assert_eq!(retaken[0].claimed_by.as_deref(), Some("node-c"));
    store.release_all_claims().await.unwrap();
    let managed = store.managed_tuples().await.unwrap();
    assert_eq!(managed.len(), 1);

    // Requests on the tuple: only those that are live (or failed while ending).
    let mut live = store.request(a.id).await.unwrap().unwrap();
    live.state = State::Active;
    store
        .commit(&Change {
            at: t0(),
            requests: vec![live],
            ..Change::default()
        })
        .await
        .unwrap();
    let on_tuple = store.requests_on_tuple(&key).await.unwrap();
    assert_eq!(
        on_tuple.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![a.id]
    );

    let counts = store.count_by_state().await.unwrap();
    assert!(counts.contains(&(State::Active, 1)));
    assert!(counts.contains(&(State::Approved, 1)));
    assert!(counts.contains(&(State::Pending, 1)));

    // The audit log: queries, the change feed and the chain.
    let events = store
        .audit_events(&AuditFilter {
            request_id: Some(a.id),
            limit: 100,
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind, "requested");
    let feed = store.request_events_after(0, 100).await.unwrap();
    assert_eq!(feed.len(), 2, "{feed:?}");
    let chain = store.audit_chain(0, 100).await.unwrap();
    assert_eq!(chain.len() as i64, store.audit_head().await.unwrap().0);
    assert!(chain[1].data.contains("ünïcödé"));
    let verified = stint_broker::audit::verify(store.as_ref()).await.unwrap();
    assert!(verified.ok(), "{name}: {:?}", verified.first_bad);
    assert_eq!(verified.events, chain.len() as i64);
}

#[tokio::test]
async fn the_store_story_holds_on_every_backend() {
    for db in databases().await {
        let store = store::open(&db.url).await.unwrap();
        story(store, db.name).await;
        // Opening again runs no migration twice and keeps the data.
        let reopened = store::open(&db.url).await.unwrap();
        assert!(reopened.audit_head().await.unwrap().0 > 0);
    }
}

#[tokio::test]
async fn unknown_database_urls_are_refused_without_echoing_them() {
    let err = store::open("mysql://root:hunter2@db/stint")
        .await
        .err()
        .unwrap();
    let message = err.to_string();
    assert!(message.contains("mysql"), "{message}");
    assert!(!message.contains("hunter2"), "{message}");
}
