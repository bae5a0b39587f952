//! Group grants through the real `stint-broker serve` process, SIGKILLed and restarted on
//! the same database (SQLite, and PostgreSQL under `scripts/with-postgres.sh`), with its
//! Identity Store calls going to `stint-sim` over HTTP:
//!
//! 1. killed while the grant's membership is being added, the step committed and its call
//!    held open by the sim, and 2. again while it is being removed at the window's end.
//!    Each twice over: held before the sim carries the call out (`latency_ms`: the kill
//!    drops it, so the restarted broker must make it), and held after the change was made,
//!    before its answer (`write_answer_delay_ms`: the restarted broker must find it made).
//!    Either way one membership is made and removed, each once in the call log and once in
//!    the audit log, and the grant becomes active and then ends.
//!
//! The ends of grants (shared, standing, leaked memberships) are in
//! `crash_kill9_groups_ending.rs`.

use std::time::Duration;

use stint_api::RequestState;
use stint_sim::{ApiFaults, Faults, World};

use crate::support::client::eventually;
use crate::support::databases::databases;
use crate::support::group_scene::*;

/// How long the sim holds an identitystore call open: long enough to see the step's
/// intent (or its change) and kill the broker before the call is answered.
const HOLD_MS: u64 = 5_000;

/// How the membership call in flight at the kill is held open.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Held {
    /// Before the sim carries it out (`latency_ms`): the kill drops it with its
    /// connection, and the restarted broker must make it.
    BeforeTheChange,
    /// After the sim made the change and logged it, before it answers
    /// (`write_answer_delay_ms`): the restarted broker must find the change made, and
    /// neither make it again nor record it as its own call's answer.
    AfterTheChange,
}

impl Held {
    fn faults(self) -> Faults {
        let identitystore = match self {
            Held::BeforeTheChange => ApiFaults {
                latency_ms: HOLD_MS,
                ..ApiFaults::default()
            },
            Held::AfterTheChange => ApiFaults {
                write_answer_delay_ms: HOLD_MS,
                ..ApiFaults::default()
            },
        };
        Faults {
            identitystore,
            ..Faults::default()
        }
    }
}

/// A group grant whose membership call is in flight at a SIGKILL when it is added and
/// again when it is removed, on each database.
async fn killed_with_membership_calls_in_flight(held: Held) {
    for db in databases().await {
        let mut s = Scene::start(&db, World::demo(), "alice", &[]).await;

        // 1. The addition: its intent is committed before the call, which is held; kill.
        s.sim.set_faults(held.faults()).unwrap();
        let r = s.ask("crash while adding").await;
        match held {
            Held::BeforeTheChange => s.wait_event(r.id, "membership_create_requested").await,
            Held::AfterTheChange => {
                eventually(&format!("{}: alice added", s.db), WAIT, || async {
                    !s.memberships("alice").is_empty()
                })
                .await
            }
        }
        s.kill("with CreateGroupMembership in flight").await;
        s.sim.set_faults(Faults::default()).unwrap();
        // Whatever the held call was going to do, it has done by now.
        tokio::time::sleep(Duration::from_millis(HOLD_MS + 1_000)).await;
        let landed = usize::from(held == Held::AfterTheChange);
        assert_eq!(
            (
                s.accepted("CreateGroupMembership"),
                s.memberships("alice").len()
            ),
            (landed, landed),
            "{}: a call held before the change is dropped with its connection",
            s.db
        );
        s.restart().await;
        s.wait_state(r.id, RequestState::Active, "active after the restart")
            .await;
        assert_eq!(s.memberships("alice").len(), 1, "{}", s.db);
        // Resumed, the broker looks before it calls: a membership that was made is
        // adopted, not asked for again.
        let creates = s.calls("CreateGroupMembership");
        assert_eq!(creates.len(), 1, "{}: {creates:?}", s.db);
        assert_eq!(creates[0].outcome, "ok");
        let made = s.count(r.id, "membership_created").await;
        let adopted = s.count(r.id, "membership_adopted").await;
        assert_eq!(
            (made, adopted),
            (1 - landed, landed),
            "{}: the addition recorded once: {:?}",
            s.db,
            s.audit_kinds(r.id).await
        );
        assert_eq!(s.count(r.id, "membership_create_requested").await, 1);
        assert_eq!(s.count(r.id, "active").await, 1);

        // 2. The removal at the window's end, held the same way; kill.
        s.until_before_end(r.id, chrono::Duration::seconds(2)).await;
        s.sim.set_faults(held.faults()).unwrap();
        match held {
            Held::BeforeTheChange => s.wait_event(r.id, "membership_delete_requested").await,
            Held::AfterTheChange => {
                eventually(&format!("{}: alice removed", s.db), WAIT, || async {
                    s.memberships("alice").is_empty()
                })
                .await
            }
        }
        s.kill("with the removal in flight").await;
        s.sim.set_faults(Faults::default()).unwrap();
        tokio::time::sleep(Duration::from_millis(HOLD_MS + 1_000)).await;
        assert_eq!(
            (
                s.accepted("DeleteGroupMembership"),
                s.memberships("alice").len()
            ),
            (landed, 1 - landed),
            "{}",
            s.db
        );
        s.restart().await;
        s.wait_state(r.id, RequestState::Ended, "ended after the restart")
            .await;
        assert!(
            s.memberships("alice").is_empty(),
            "{}: still a member",
            s.db
        );
        let deletes = s.calls("DeleteGroupMembership");
        assert_eq!(deletes.len(), 1, "{}: {deletes:?}", s.db);
        assert_eq!(deletes[0].outcome, "ok");
        let deleted = s.count(r.id, "membership_deleted").await;
        let gone = s.count(r.id, "membership_already_gone").await;
        assert_eq!(
            (deleted, gone),
            (1 - landed, landed),
            "{}: the removal recorded once: {:?}",
            s.db,
            s.audit_kinds(r.id).await
        );
        assert_eq!(s.count(r.id, "membership_delete_requested").await, 1);
        assert_eq!(s.count(r.id, "ended").await, 1);
        s.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_before_a_held_membership_call_is_carried_out_makes_it_once_after_restart() {
    killed_with_membership_calls_in_flight(Held::BeforeTheChange).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_before_a_membership_call_is_answered_adopts_its_change_after_restart() {
    killed_with_membership_calls_in_flight(Held::AfterTheChange).await;
}
