//! The real `stint-broker serve` process, SIGKILLed three times while assignments are being
//! created and deleted in `stint-sim` (each change takes two seconds to land), and
//! restarted on the same database each time:
//!
//! 1. while the first batch of grants is activating;
//! 2. when the first batch's windows close, while the second batch is activating;
//! 3. just before the second batch's windows close, so they close while no broker runs.
//!
//! Afterwards every grant is ended, Identity Center holds exactly the standing assignments
//! it started with, the call log shows exactly one accepted create and one accepted delete
//! per grant (never a delete before the window closed), every assignment was taken back
//! within the reconcile interval of its window's end, and the audit chain verifies.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::json;
use stint_api::{AccessRequest, RequestState};
use stint_sim::{ApiFaults, CallRecord, Faults, RunningSim, World};

use crate::support::client::{BrokerClient, Session, eventually};
use crate::support::full_broker::AUDIENCE;
use crate::support::process::{BrokerProcess, ProcessSetup, SELF_SERVICE_POLICY};

const USERS: [&str; 6] = ["alice", "bob", "carol", "dave", "erin", "grace"];
const ACCOUNTS: [&str; 6] = [
    "management",
    "identity",
    "prod",
    "staging",
    "dev",
    "sandbox",
];
const PERMISSION_SETS: [&str; 4] = [
    "ReadOnlyAccess",
    "PowerUserAccess",
    "AdministratorAccess",
    "BillingReadOnly",
];
const BATCH: usize = 8;
const WINDOW_SECS: u32 = 60;
const RECONCILE_SECS: i64 = 5;
const PROVISIONING: Duration = Duration::from_secs(2);
const WAIT: Duration = Duration::from_secs(240);

/// Grant `k`: its own (user, account, permission set), and its own (account, permission
/// set) pair, so no two grants queue behind each other in Identity Center.
fn ask(k: usize) -> (usize, serde_json::Value) {
    let user = k % USERS.len();
    let body = json!({
        "account": ACCOUNTS[k % ACCOUNTS.len()],
        "permissionSet": PERMISSION_SETS[(k / ACCOUNTS.len()) % PERMISSION_SETS.len()],
        "durationSecs": WINDOW_SECS,
        "reason": format!("crash test grant {k}"),
    });
    (user, body)
}

fn of(call: &CallRecord, r: &AccessRequest) -> bool {
    call.fields.get("principalId") == Some(&r.requester.user_id)
        && call.fields.get("accountId") == Some(&r.account.id)
        && call.fields.get("permissionSetArn") == Some(&r.permission_set.arn)
}

fn calls(sim: &RunningSim, op: &str) -> Vec<CallRecord> {
    sim.calls_since(0)
        .calls
        .into_iter()
        .filter(|c| c.operation == op)
        .collect()
}

/// Assignments the broker made that exist now.
fn stint_made(sim: &RunningSim) -> usize {
    sim.assignments()
        .assignments
        .iter()
        .filter(|a| a.origin == "api")
        .count()
}

fn wall(call: &CallRecord) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(call.wall_time_micros).unwrap()
}

struct Run {
    sim: RunningSim,
    setup: ProcessSetup,
    broker: BrokerProcess,
    api: BrokerClient,
    sessions: Vec<Session>,
    grants: Vec<(usize, i64)>,
    kills: usize,
}

impl Run {
    async fn create_batch(&mut self, from: usize) {
        for k in from..from + BATCH {
            let (user, body) = ask(k);
            let request = self.api.create(&self.sessions[user], body).await;
            assert_eq!(request.state, RequestState::Approved, "self-service");
            self.grants.push((user, request.id));
        }
    }

    async fn request(&self, (user, id): (usize, i64)) -> AccessRequest {
        self.api.request(&self.sessions[user], id).await
    }

    async fn states(&self, range: std::ops::Range<usize>) -> Vec<RequestState> {
        let mut out = Vec::new();
        for g in &self.grants[range] {
            out.push(self.request(*g).await.state);
        }
        out
    }

    async fn kill_and_restart(&mut self, why: &str) {
        self.broker.kill9().await;
        self.kills += 1;
        eprintln!("SIGKILL #{}: {why}", self.kills);
        self.broker = self.setup.spawn().await;
        self.api = self.api.at(&self.broker.url);
    }

    async fn wait_all(&self, range: std::ops::Range<usize>, state: RequestState, what: &str) {
        eventually(what, WAIT, || async {
            let states = self.states(range.clone()).await;
            assert!(
                !states.contains(&RequestState::Failed),
                "a grant failed: {states:?}\n{}",
                self.broker.output()
            );
            states.iter().all(|s| *s == state)
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_while_access_comes_and_goes_loses_and_repeats_nothing() {
    let sim = stint_sim::spawn(World::demo()).await.unwrap();
    sim.set_faults(Faults {
        sso_admin: ApiFaults {
            provisioning_delay: Some(PROVISIONING),
            ..ApiFaults::default()
        },
        ..Faults::default()
    })
    .unwrap();
    let standing = sim.assignments().assignments;
    let db = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}", db.path().join("stint.db").display());
    let setup = ProcessSetup::new(
        &sim,
        &db_url,
        SELF_SERVICE_POLICY,
        &[
            ("reconcile_interval", &format!("\"{RECONCILE_SECS}s\"")),
            ("side_effect_deadline", "\"5m\""),
        ],
    );
    let broker = setup.spawn().await;
    let api = BrokerClient::new(&broker.url);
    let mut sessions = Vec::new();
    for user in USERS {
        sessions.push(api.login(&sim, user, AUDIENCE).await);
    }
    let mut run = Run {
        sim,
        setup,
        broker,
        api,
        sessions,
        grants: Vec::new(),
        kills: 0,
    };

    // 1. Killed while the first batch is being created.
    run.create_batch(0).await;
    eventually(
        "the first creations to reach Identity Center",
        WAIT,
        || async { !calls(&run.sim, "CreateAccountAssignment").is_empty() },
    )
    .await;
    assert!(stint_made(&run.sim) < BATCH, "nothing was in flight");
    run.kill_and_restart("first batch activating").await;
    run.wait_all(
        0..BATCH,
        RequestState::Active,
        "the first batch to be active",
    )
    .await;

    // 2. Killed as the first batch's windows close, with the second batch activating.
    let mut first_end = None::<DateTime<Utc>>;
    for g in &run.grants[..BATCH] {
        let end = run.request(*g).await.end_at;
        first_end = Some(first_end.map_or(end, |e| e.min(end)));
    }
    let first_end = first_end.unwrap();
    let lead = (first_end - Utc::now() - chrono::Duration::seconds(1))
        .to_std()
        .unwrap_or_default();
    tokio::time::sleep(lead).await;
    run.create_batch(BATCH).await;
    eventually("the first window to close", WAIT, || async {
        !calls(&run.sim, "DeleteAccountAssignment").is_empty()
    })
    .await;
    assert!(stint_made(&run.sim) > 0);
    run.kill_and_restart("first batch ending, second batch activating")
        .await;
    run.wait_all(
        BATCH..2 * BATCH,
        RequestState::Active,
        "the second batch to be active",
    )
    .await;

    // 3. Killed just before the second batch's windows close: they close while no broker
    // runs, and the restarted one must take the access back at once.
    let mut second_end = None::<DateTime<Utc>>;
    for g in &run.grants[BATCH..] {
        let end = run.request(*g).await.end_at;
        second_end = Some(second_end.map_or(end, |e| e.min(end)));
    }
    let lead = (second_end.unwrap() - Utc::now() - chrono::Duration::milliseconds(300))
        .to_std()
        .unwrap_or_default();
    tokio::time::sleep(lead).await;
    let deletes_before = calls(&run.sim, "DeleteAccountAssignment").len();
    run.broker.kill9().await;
    run.kills += 1;
    eprintln!("SIGKILL #3: the second batch's windows close while no broker runs");
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        stint_made(&run.sim),
        BATCH,
        "the second batch's access is still in place"
    );
    assert_eq!(
        calls(&run.sim, "DeleteAccountAssignment").len(),
        deletes_before,
        "nobody took access back while the broker was down"
    );
    run.broker = run.setup.spawn().await;
    run.api = run.api.at(&run.broker.url);
    run.wait_all(0..2 * BATCH, RequestState::Ended, "every grant to end")
        .await;

    // Identity Center holds what it held before Stint began, and nothing else.
    let now = run.sim.assignments().assignments;
    assert_eq!(now, standing, "assignments left behind");

    let creates = calls(&run.sim, "CreateAccountAssignment");
    let deletes = calls(&run.sim, "DeleteAccountAssignment");
    let mut lags = BTreeMap::new();
    for g in run.grants.clone() {
        let r = run.request(g).await;
        assert_eq!(r.state, RequestState::Ended);
        let accepted = |list: &[CallRecord]| -> Vec<CallRecord> {
            list.iter()
                .filter(|c| of(c, &r) && c.outcome == "ok")
                .cloned()
                .collect()
        };
        let made = accepted(&creates);
        let taken = accepted(&deletes);
        assert_eq!(made.len(), 1, "request {}: creates {made:?}", r.id);
        assert_eq!(taken.len(), 1, "request {}: deletes {taken:?}", r.id);
        // Never taken back early; taken back within the reconcile interval.
        let every_delete: Vec<&CallRecord> = deletes.iter().filter(|c| of(c, &r)).collect();
        for d in &every_delete {
            assert!(
                wall(d) >= r.end_at,
                "request {}: a delete at {} before the window closed at {}",
                r.id,
                wall(d),
                r.end_at
            );
        }
        assert!(wall(&made[0]) < wall(&taken[0]));
        let lag = wall(&taken[0]) - r.end_at;
        assert!(
            lag <= chrono::Duration::seconds(RECONCILE_SECS),
            "request {}: the assignment outlived its window by {lag}",
            r.id
        );
        lags.insert(r.id, lag.num_milliseconds());
    }
    eprintln!("delete lag after the window closed, ms by request: {lags:?}");

    let status = run.broker.terminate().await;
    assert!(status.success(), "{}", run.broker.output());
    let (ok, out) = run.setup.audit_verify().await;
    assert!(ok && out.starts_with("ok: "), "{out}");
}
