//! Group grants through the real `stint-broker serve` process, SIGKILLed and restarted on
//! the same database (SQLite, and PostgreSQL under `scripts/with-postgres.sh`), with its
//! Identity Store calls going to `stint-sim` over HTTP:
//!
//! 1. two grants sharing one membership, killed just before the first one's window closes:
//!    the membership stays for the second, and goes once when that one ends;
//! 2. a membership present in Identity Store before the grant (standing) survives the
//!    grant's end with a kill around it;
//! 3. a removal that failed until its deadline leaves a leaked membership behind; killed,
//!    and restarted with Identity Store answering again, the broker's reconciliation finds
//!    the leak (drift), removes it and ends the grant.

use std::time::Duration;

use chrono::Utc;
use stint_api::RequestState;
use stint_sim::{ApiFaults, Faults, World};

use crate::support::databases::databases;
use crate::support::group_scene::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_as_one_of_two_overlapping_grants_ends_keeps_the_shared_membership() {
    for db in databases().await {
        let mut s = Scene::start(&db, World::demo(), "alice", &[]).await;
        let first = s.ask("first of two").await;
        s.wait_state(first.id, RequestState::Active, "the first grant active")
            .await;
        tokio::time::sleep(Duration::from_secs(15)).await;
        let second = s.ask("second of two").await;
        s.wait_state(second.id, RequestState::Active, "the second grant active")
            .await;
        assert_eq!(s.memberships("alice").len(), 1);
        assert_eq!(
            s.calls("CreateGroupMembership").len(),
            1,
            "one membership, shared"
        );

        // The first window closes while no broker runs.
        s.until_before_end(first.id, chrono::Duration::milliseconds(300))
            .await;
        s.kill("just before the first window closes").await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        s.restart().await;
        s.wait_state(first.id, RequestState::Ended, "the first grant ended")
            .await;
        assert_eq!(
            s.request(second.id).await.state,
            RequestState::Active,
            "{}",
            s.db
        );
        assert_eq!(
            s.memberships("alice").len(),
            1,
            "{}: ending one grant took the membership the other needs",
            s.db
        );
        assert!(s.calls("DeleteGroupMembership").is_empty(), "{}", s.db);
        assert_eq!(s.count(first.id, "membership_delete_requested").await, 0);

        // The second one's end takes it back, once.
        s.wait_state(second.id, RequestState::Ended, "the second grant ended")
            .await;
        assert!(s.memberships("alice").is_empty(), "{}", s.db);
        assert_eq!(s.calls("DeleteGroupMembership").len(), 1, "{}", s.db);
        assert_eq!(s.calls("CreateGroupMembership").len(), 1, "{}", s.db);
        s.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_around_the_end_of_a_grant_on_standing_membership_never_removes_it() {
    for db in databases().await {
        let mut s = Scene::start(&db, world(&["carol"]), "carol", &[]).await;
        let standing = s.memberships("carol");
        assert_eq!(standing.len(), 1);
        assert_eq!(standing[0].origin, "world");

        let r = s.ask("already on call").await;
        s.wait_state(r.id, RequestState::Active, "active").await;
        assert_eq!(s.count(r.id, "standing_membership_found").await, 1);
        s.kill("while the grant on standing membership is active")
            .await;
        s.restart().await;
        s.until_before_end(r.id, chrono::Duration::milliseconds(300))
            .await;
        s.kill("just before its window closes").await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        s.restart().await;
        s.wait_state(r.id, RequestState::Ended, "ended").await;
        // Past a reconciliation pass after the end, too.
        tokio::time::sleep(Duration::from_secs(6)).await;
        assert_eq!(
            s.memberships("carol"),
            standing,
            "{}: standing membership removed",
            s.db
        );
        assert!(s.calls("DeleteGroupMembership").is_empty(), "{}", s.db);
        assert!(s.calls("CreateGroupMembership").is_empty(), "{}", s.db);
        s.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_membership_leaked_before_a_sigkill_is_found_and_removed_after_the_restart() {
    for db in databases().await {
        let mut s = Scene::start(
            &db,
            World::demo(),
            "alice",
            &[("side_effect_deadline", "\"10s\"")],
        )
        .await;
        let r = s.ask("removal will fail").await;
        s.wait_state(r.id, RequestState::Active, "active").await;

        // Identity Store fails every call from just before the window closes: the removal
        // is retried until its deadline, given up, and the membership is left behind.
        s.until_before_end(r.id, chrono::Duration::seconds(2)).await;
        s.sim
            .set_faults(Faults {
                identitystore: ApiFaults {
                    error_rate: 1.0,
                    ..ApiFaults::default()
                },
                ..Faults::default()
            })
            .unwrap();
        let failed = s
            .wait_state(r.id, RequestState::Failed, "the removal given up")
            .await;
        assert!(failed.end_at <= Utc::now());
        assert_eq!(s.accepted("DeleteGroupMembership"), 0);
        assert_eq!(s.memberships("alice").len(), 1);
        assert_eq!(s.count(r.id, "membership_delete_failed").await, 1);

        s.kill("with the leaked membership recorded").await;
        s.sim.set_faults(Faults::default()).unwrap();
        s.restart().await;
        // Reconciliation runs as the broker starts and every 5 s after.
        s.wait(r.id, RequestState::Ended, "the leak taken back", true)
            .await;
        assert!(
            s.memberships("alice").is_empty(),
            "{}: leaked membership kept",
            s.db
        );
        assert_eq!(s.accepted("DeleteGroupMembership"), 1, "{}", s.db);
        let kinds = s.audit_kinds(r.id).await;
        let pos = |k: &str| kinds.iter().position(|h| h == k);
        let (Some(found), Some(deleted), Some(repaired)) = (
            pos("leaked_membership_found"),
            pos("membership_deleted"),
            pos("repaired"),
        ) else {
            panic!("{}: no drift, removal or repair in {kinds:?}", s.db);
        };
        assert!(found < deleted && deleted < repaired, "{kinds:?}");
        let drift = &s.audit(r.id).await[found];
        assert_eq!(drift.data["drift"], true, "{}", drift.data);
        assert_eq!(drift.data["alert"], true, "{}", drift.data);
        assert_eq!(s.count(r.id, "leaked_membership_found").await, 1);
        s.finish().await;
    }
}
