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
//!    the audit log, and the grant becomes active and then ends;
//! 3. two grants sharing one membership, killed just before the first one's window closes:
//!    the membership stays for the second, and goes once when that one ends;
//! 4. a membership present in Identity Store before the grant (standing) survives the
//!    grant's end with a kill around it;
//! 5. a removal that failed until its deadline leaves a leaked membership behind; killed,
//!    and restarted with Identity Store answering again, the broker's reconciliation finds
//!    the leak (drift), removes it and ends the grant.

use std::time::Duration;

use chrono::Utc;
use serde_json::json;
use stint_api::{AccessRequest, AuditEvent, Page, RequestState};
use stint_sim::{ApiFaults, CallRecord, Faults, MembershipView, RunningSim, World};

use crate::support::client::{BrokerClient, Session, eventually};
use crate::support::databases::{TestDb, databases};
use crate::support::full_broker::AUDIENCE;
use crate::support::process::{BrokerProcess, ProcessSetup, SELF_SERVICE_POLICY};

const GROUP: &str = "oncall-admins";
const WINDOW_SECS: u32 = 60;
/// How long the sim holds an identitystore call open: long enough to see the step's
/// intent (or its change) and kill the broker before the call is answered.
const HOLD_MS: u64 = 5_000;
/// The longest any step here may take: on PostgreSQL a killed broker's tuple lease (60 s)
/// must run out before the restarted one may take the tuple.
const WAIT: Duration = Duration::from_secs(240);

/// Everyone may have the oncall-admins group for up to 8 h without approval; dave audits.
fn policy() -> String {
    format!(
        "{SELF_SERVICE_POLICY}
[[eligibility]]
name = \"oncall-for-everyone\"
groups = [\"everyone\"]
grantable_groups = [\"{GROUP}\"]
max_duration = \"8h\"
approval_required = false
"
    )
}

/// The demo world, with `standing` already in oncall-admins when it starts.
fn world(standing: &[&str]) -> World {
    let members: Vec<String> = standing.iter().map(|u| format!("\"{u}\"")).collect();
    let text = stint_sim::DEMO_WORLD_TOML.replacen(
        &format!("name = \"{GROUP}\"\ndescription = \"On-call incident access: AdministratorAccess in prod and staging\"\nmembers = []"),
        &format!("name = \"{GROUP}\"\ndescription = \"On-call incident access: AdministratorAccess in prod and staging\"\nmembers = [{}]", members.join(", ")),
        1,
    );
    assert!(
        standing.is_empty() || text != stint_sim::DEMO_WORLD_TOML,
        "the demo world's {GROUP} entry changed: update this test's world()"
    );
    World::from_toml_str(&text, "demo.toml").unwrap()
}

/// One broker installation on one database, the sim it talks to, and who is signed in.
struct Scene {
    db: &'static str,
    sim: RunningSim,
    setup: ProcessSetup,
    broker: BrokerProcess,
    api: BrokerClient,
    /// Asks for access.
    requester: Session,
    /// Reads the audit log.
    auditor: Session,
}

impl Scene {
    async fn start(
        db: &TestDb,
        world: World,
        requester: &str,
        overrides: &[(&str, &str)],
    ) -> Scene {
        eprintln!("on {}", db.name);
        let sim = stint_sim::spawn(world).await.unwrap();
        let setup = ProcessSetup::new(&sim, &db.url, &policy(), overrides);
        let broker = setup.spawn().await;
        let api = BrokerClient::new(&broker.url);
        let requester = api.login(&sim, requester, AUDIENCE).await;
        let auditor = api.login(&sim, "dave", AUDIENCE).await;
        Scene {
            db: db.name,
            sim,
            setup,
            broker,
            api,
            requester,
            auditor,
        }
    }

    async fn ask(&self, reason: &str) -> AccessRequest {
        let r = self
            .api
            .create(
                &self.requester,
                json!({ "group": GROUP, "durationSecs": WINDOW_SECS, "reason": reason }),
            )
            .await;
        assert_eq!(r.state, RequestState::Approved, "self-service");
        r
    }

    async fn request(&self, id: i64) -> AccessRequest {
        self.api.request(&self.requester, id).await
    }

    /// Waits until request `id` is in `state`; fails at once if it fails.
    async fn wait_state(&self, id: i64, state: RequestState, what: &str) -> AccessRequest {
        self.wait(id, state, what, state == RequestState::Failed)
            .await
    }

    async fn wait(
        &self,
        id: i64,
        state: RequestState,
        what: &str,
        failed_ok: bool,
    ) -> AccessRequest {
        eventually(&format!("{}: {what}", self.db), WAIT, || async {
            let now = self.request(id).await.state;
            assert!(
                now != RequestState::Failed || failed_ok,
                "{}: request {id} failed\n{}",
                self.db,
                self.broker.output()
            );
            now == state
        })
        .await;
        self.request(id).await
    }

    /// The audit events about request `id`, oldest first, as an auditor reads them.
    async fn audit(&self, id: i64) -> Vec<AuditEvent> {
        let (status, body) = self
            .api
            .get(
                &self.auditor,
                &format!("/v1/audit?requestId={id}&limit=1000"),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let page: Page<AuditEvent> = serde_json::from_value(body).unwrap();
        page.items
    }

    async fn audit_kinds(&self, id: i64) -> Vec<String> {
        self.audit(id).await.into_iter().map(|e| e.kind).collect()
    }

    async fn count(&self, id: i64, kind: &str) -> usize {
        self.audit_kinds(id)
            .await
            .iter()
            .filter(|k| *k == kind)
            .count()
    }

    /// Waits until request `id` has an audit event of `kind`.
    async fn wait_event(&self, id: i64, kind: &str) {
        eventually(
            &format!("{}: {kind} on request {id}", self.db),
            WAIT,
            || async { self.count(id, kind).await > 0 },
        )
        .await;
    }

    /// `user`'s memberships of the group.
    fn memberships(&self, user: &str) -> Vec<MembershipView> {
        self.sim
            .memberships()
            .memberships
            .into_iter()
            .filter(|m| m.group_name == GROUP && m.user_name == user)
            .collect()
    }

    /// The calls to `op` the sim has answered so far, with their outcome.
    fn calls(&self, op: &str) -> Vec<CallRecord> {
        self.sim
            .calls_since(0)
            .calls
            .into_iter()
            .filter(|c| c.operation == op)
            .collect()
    }

    fn accepted(&self, op: &str) -> usize {
        self.calls(op).iter().filter(|c| c.outcome == "ok").count()
    }

    async fn kill(&mut self, why: &str) {
        self.broker.kill9().await;
        eprintln!("{}: SIGKILL {why}", self.db);
    }

    async fn restart(&mut self) {
        self.broker = self.setup.spawn().await;
        self.api = self.api.at(&self.broker.url);
    }

    /// Sleeps until `lead` before request `id`'s window closes.
    async fn until_before_end(&self, id: i64, lead: chrono::Duration) {
        let end = self.request(id).await.end_at;
        let wait = (end - Utc::now() - lead).to_std().unwrap_or_default();
        tokio::time::sleep(wait).await;
    }

    /// Stops the broker cleanly and checks the audit chain end to end.
    async fn finish(mut self) {
        let status = self.broker.terminate().await;
        assert!(status.success(), "{}", self.broker.output());
        let (ok, out) = self.setup.audit_verify().await;
        assert!(ok && out.starts_with("ok: "), "{}: {out}", self.db);
    }
}

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
