//! A scene for the group SIGKILL tests: the real `stint-broker serve` process on a database
//! it is restarted on, a policy granting one group, and `stint-sim` answering its Identity
//! Store calls over HTTP.

use std::time::Duration;

use chrono::Utc;
use serde_json::json;
use stint_api::{AccessRequest, AuditEvent, Page, RequestState};
use stint_sim::{CallRecord, MembershipView, RunningSim, World};

use crate::support::client::{BrokerClient, Session, eventually};
use crate::support::databases::TestDb;
use crate::support::full_broker::AUDIENCE;
use crate::support::process::{BrokerProcess, ProcessSetup, SELF_SERVICE_POLICY};

pub const GROUP: &str = "oncall-admins";

pub const WINDOW_SECS: u32 = 60;

/// The longest any step here may take: on PostgreSQL a killed broker's tuple lease (60 s)
/// must run out before the restarted one may take the tuple.
pub const WAIT: Duration = Duration::from_secs(240);

/// Everyone may have the oncall-admins group for up to 8 h without approval; dave audits.
pub fn policy() -> String {
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
pub fn world(standing: &[&str]) -> World {
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
pub struct Scene {
    pub db: &'static str,
    pub sim: RunningSim,
    pub setup: ProcessSetup,
    pub broker: BrokerProcess,
    pub api: BrokerClient,
    /// Asks for access.
    pub requester: Session,
    /// Reads the audit log.
    pub auditor: Session,
}

impl Scene {
    pub async fn start(
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

    pub async fn ask(&self, reason: &str) -> AccessRequest {
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

    pub async fn request(&self, id: i64) -> AccessRequest {
        self.api.request(&self.requester, id).await
    }

    /// Waits until request `id` is in `state`; fails at once if it fails.
    pub async fn wait_state(&self, id: i64, state: RequestState, what: &str) -> AccessRequest {
        self.wait(id, state, what, state == RequestState::Failed)
            .await
    }

    pub async fn wait(
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
    pub async fn audit(&self, id: i64) -> Vec<AuditEvent> {
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

    pub async fn audit_kinds(&self, id: i64) -> Vec<String> {
        self.audit(id).await.into_iter().map(|e| e.kind).collect()
    }

    pub async fn count(&self, id: i64, kind: &str) -> usize {
        self.audit_kinds(id)
            .await
            .iter()
            .filter(|k| *k == kind)
            .count()
    }

    /// Waits until request `id` has an audit event of `kind`.
    pub async fn wait_event(&self, id: i64, kind: &str) {
        eventually(
            &format!("{}: {kind} on request {id}", self.db),
            WAIT,
            || async { self.count(id, kind).await > 0 },
        )
        .await;
    }

    /// `user`'s memberships of the group.
    pub fn memberships(&self, user: &str) -> Vec<MembershipView> {
        self.sim
            .memberships()
            .memberships
            .into_iter()
            .filter(|m| m.group_name == GROUP && m.user_name == user)
            .collect()
    }

    /// The calls to `op` the sim has answered so far, with their outcome.
    pub fn calls(&self, op: &str) -> Vec<CallRecord> {
        self.sim
            .calls_since(0)
            .calls
            .into_iter()
            .filter(|c| c.operation == op)
            .collect()
    }

    pub fn accepted(&self, op: &str) -> usize {
        self.calls(op).iter().filter(|c| c.outcome == "ok").count()
    }

    pub async fn kill(&mut self, why: &str) {
        self.broker.kill9().await;
        eprintln!("{}: SIGKILL {why}", self.db);
    }

    pub async fn restart(&mut self) {
        self.broker = self.setup.spawn().await;
        self.api = self.api.at(&self.broker.url);
    }

    /// Sleeps until `lead` before request `id`'s window closes.
    pub async fn until_before_end(&self, id: i64, lead: chrono::Duration) {
        let end = self.request(id).await.end_at;
        let wait = (end - Utc::now() - lead).to_std().unwrap_or_default();
        tokio::time::sleep(wait).await;
    }

    /// Stops the broker cleanly and checks the audit chain end to end.
    pub async fn finish(mut self) {
        let status = self.broker.terminate().await;
        assert!(status.success(), "{}", self.broker.output());
        let (ok, out) = self.setup.audit_verify().await;
        assert!(ok && out.starts_with("ok: "), "{}: {out}", self.db);
    }
}
