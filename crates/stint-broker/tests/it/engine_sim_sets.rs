//! The engine against `stint-sim` with request sets: three accounts approved once, and a
//! member Identity Center refuses named while the others stay active.

use stint_broker::idc::AssignmentKey;
use stint_broker::model::{AccountInfo, State};
use stint_sim::ApiFaults;

use crate::support::databases::{TestDb, databases};
use crate::support::engine_sim::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_three_account_set_is_approved_once_and_every_assignment_comes_and_goes() {
    for db in databases().await {
        three_accounts_approved_once(db).await;
    }
}

async fn three_accounts_approved_once(db: TestDb) {
    let w = world(db, 1, ApiFaults::default()).await;
    let alice = w.actor("alice", &["everyone", "engineers"]).await;
    let bob = w.actor("bob", &["everyone", "sre-leads"]).await;
    let accounts = vec![w.prod.clone(), staging(&w).await, w.dev.clone()];
    let keys: Vec<AssignmentKey> = accounts
        .iter()
        .map(|a| w.key(&alice, a, &w.power))
        .collect();

    let members = w
        .engine()
        .create_set(&alice, set_of(&w, &accounts, 6, true))
        .await
        .unwrap();
    assert_eq!(members.len(), 3);
    let set = members[0].id;
    assert!(members.iter().all(|m| m.set_id == Some(set)), "{members:?}");
    assert!(members.iter().all(|m| m.state == State::Pending));
    let err = w.engine().approve(set, &alice, None).await.unwrap_err();
    assert_eq!(err.code(), stint_api::ErrorCode::SelfApproval);

    // One approval, of the last member, approves the whole set.
    let approved = w
        .engine()
        .approve(members[2].id, &bob, Some("all three".into()))
        .await
        .unwrap();
    assert_eq!(approved.state, State::Approved);
    for m in &members {
        let now = w.engine().request(m.id).await.unwrap();
        // The engine runs meanwhile: approved, or already on its way to active.
        assert!(
            matches!(
                now.state,
                State::Approved | State::Activating | State::Active
            ),
            "member {} was left out: {}",
            m.id,
            now.state
        );
        assert_eq!(now.decided_by.as_ref().unwrap().user_name, "bob");
    }
    for m in &members {
        w.wait_state(m.id, State::Active).await;
    }
    for key in &keys {
        assert!(
            w.holds(key),
            "active without the assignment in {}",
            key.account_id
        );
    }
    for m in &members {
        w.wait_state(m.id, State::Ended).await;
    }
    for key in &keys {
        assert!(
            !w.holds(key),
            "the assignment in {} outlived the set",
            key.account_id
        );
        assert_eq!(w.accepted("CreateAccountAssignment", key), 1);
        assert_eq!(w.accepted("DeleteAccountAssignment", key), 1);
    }
    // Approved once: one approval event per member, all by bob, none asked twice.
    for m in &members {
        let kinds = w.kinds(m.id).await;
        assert_eq!(
            kinds.iter().filter(|k| *k == "approved").count(),
            1,
            "{kinds:?}"
        );
    }
    // The set's first events say which set they belong to.
    let details = w.engine().request_details(members[1].id).await.unwrap();
    let requested = details
        .events
        .iter()
        .find(|e| e.kind == "requested")
        .expect("a requested event");
    assert!(
        requested.data.contains(&format!("\"set_id\":{set}")),
        "{}",
        requested.data
    );
    w.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_identity_center_refuses_is_named_and_the_others_stay_active() {
    for db in databases().await {
        one_member_fails(db).await;
    }
}

async fn one_member_fails(db: TestDb) {
    let w = world(db, 1, ApiFaults::default()).await;
    let alice = w.actor("alice", &["everyone", "engineers"]).await;
    let bob = w.actor("bob", &["everyone", "sre-leads"]).await;
    // An account closed after the broker read the organization: Identity Center refuses
    // assignments in it.
    let gone = AccountInfo {
        id: "999999999999".into(),
        name: "closed".into(),
    };
    let accounts = vec![w.prod.clone(), gone, w.dev.clone()];
    let members = w
        .engine()
        .create_set(&alice, set_of(&w, &accounts, 600, false))
        .await
        .unwrap();
    let (prod, closed, dev) = (members[0].id, members[1].id, members[2].id);
    w.wait_state(prod, State::Active).await;
    w.wait_state(dev, State::Active).await;
    w.wait_state(closed, State::Failed).await;
    assert_eq!(w.state(prod).await, State::Active);
    assert_eq!(w.state(dev).await, State::Active);

    let set = stint_api::RequestSet::from_members(
        prod,
        w.engine()
            .request_set(prod)
            .await
            .unwrap()
            .iter()
            .map(|r| r.to_api())
            .collect(),
    );
    assert_eq!(set.state, stint_api::RequestState::Active);
    assert_eq!(set.failed.len(), 1, "{set:?}");
    assert_eq!(set.failed[0].account.name, "closed");
    assert!(
        set.failed[0]
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("could not create")),
        "{:?}",
        set.failed[0].detail
    );

    // One revoke, by an approver, ends every member still running.
    w.engine()
        .revoke(dev, &bob, Some("done".into()))
        .await
        .unwrap();
    w.wait_state(prod, State::Ended).await;
    w.wait_state(dev, State::Ended).await;
    assert_eq!(w.state(closed).await, State::Failed);
    assert!(!w.holds(&w.key(&alice, &w.prod, &w.power)));
    assert!(!w.holds(&w.key(&alice, &w.dev, &w.power)));
    w.finish().await;
}
