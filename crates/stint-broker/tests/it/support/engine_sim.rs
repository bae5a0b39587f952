//! A world for running the engine against `stint-sim` over real HTTP, through the production
//! AWS adapter and the real AWS SDK clients: engines (one per replica) on the wall clock, the
//! accounts and permission sets they grant, and the simulator's call log to count side effects.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use aws_config::{BehaviorVersion, Region};
use aws_credential_types::Credentials;
use stint_broker::clock::SystemClock;
use stint_broker::idc::{
    AssignmentKey, AwsIdentityCenter, IdcSettings, IdentityCenter, PrincipalType,
};
use stint_broker::model::{AccountInfo, Actor, GroupInfo, PermissionSetInfo, Person, State};
use stint_broker::store;
use stint_broker::workflow::{ApprovalDecision, Engine, EngineSettings, NewGrant, NewGrantSet};
use stint_sim::{ApiFaults, Faults, RunningSim};
use tokio_util::sync::CancellationToken;

use crate::support::databases::TestDb;

pub const WAIT: Duration = Duration::from_secs(90);

pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if check().await {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub fn settings(node: &str) -> EngineSettings {
    EngineSettings {
        node_id: node.into(),
        retry_deadline: Duration::from_secs(60),
        retry_base: Duration::from_millis(50),
        retry_cap: Duration::from_millis(800),
        poll_initial: Duration::from_millis(100),
        poll_max: Duration::from_millis(500),
        reconcile_interval: Duration::from_secs(2),
        lease: Duration::from_secs(20),
        call_timeout: Duration::from_secs(8),
        batch: 16,
        concurrency: 8,
        change_poll: Duration::from_millis(200),
    }
}

/// The simulator, the adapter pointed at it, and engines on one database.
pub struct World {
    pub sim: RunningSim,
    pub idc: Arc<AwsIdentityCenter>,
    pub engines: Vec<Engine>,
    pub stop: CancellationToken,
    pub tasks: Vec<tokio::task::JoinHandle<()>>,
    pub _db: TestDb,
    pub prod: AccountInfo,
    pub dev: AccountInfo,
    pub power: PermissionSetInfo,
    pub read_only: PermissionSetInfo,
}

pub async fn world(db: TestDb, replicas: usize, faults: ApiFaults) -> World {
    let sim = stint_sim::spawn(stint_sim::World::demo())
        .await
        .expect("simulator starts");
    let mut faults = faults;
    faults.provisioning_delay = Some(Duration::from_millis(300));
    sim.set_faults(Faults {
        seed: Some(42),
        sso_admin: faults,
        ..Faults::default()
    })
    .expect("faults accepted");
    let op = sim.operator_credentials();
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(sim.region().to_owned()))
        .endpoint_url(sim.url())
        .credentials_provider(Credentials::new(
            op.access_key_id,
            op.secret_access_key.expose(),
            None,
            None,
            "stint-sim-operator",
        ))
        .load()
        .await;
    let idc = Arc::new(
        AwsIdentityCenter::new(
            &sdk,
            IdcSettings {
                instance_arn: Some(sim.instance_arn().to_owned()),
                identity_store_id: Some(sim.identity_store_id().to_owned()),
                ..IdcSettings::default()
            },
        )
        .expect("adapter"),
    );
    // Directory reads go through the same adapter; retry them past injected faults.
    let org = loop {
        if let Ok(org) = idc.organization().await {
            break org;
        }
    };
    let sets = loop {
        if let Ok(sets) = idc.permission_sets().await {
            break sets;
        }
    };
    let account = |name: &str| {
        let a = org.account(name).expect("demo account");
        AccountInfo {
            id: a.id.clone(),
            name: a.name.clone(),
        }
    };
    let set = |name: &str| {
        let s = sets
            .iter()
            .find(|s| s.name == name)
            .expect("demo permission set");
        PermissionSetInfo {
            arn: s.arn.clone(),
            name: s.name.clone(),
            description: s.description.clone(),
            session_duration_secs: s.session_duration.as_secs() as u32,
        }
    };
    let stop = CancellationToken::new();
    let mut engines = Vec::new();
    let mut tasks = Vec::new();
    for i in 0..replicas {
        let engine = Engine::new(
            store::open(&db.url).await.expect("store"),
            idc.clone() as Arc<dyn IdentityCenter>,
            Arc::new(SystemClock),
            settings(&format!("replica-{i}")),
        )
        .await
        .expect("engine");
        let runner = engine.clone();
        let stop = stop.clone();
        tasks.push(tokio::spawn(async move {
            runner
                .run(stop.cancelled_owned())
                .await
                .expect("engine run");
        }));
        engines.push(engine);
    }
    World {
        prod: account("prod"),
        dev: account("dev"),
        power: set("PowerUserAccess"),
        read_only: set("ReadOnlyAccess"),
        sim,
        idc,
        engines,
        stop,
        tasks,
        _db: db,
    }
}

impl World {
    pub fn engine(&self) -> &Engine {
        &self.engines[0]
    }

    pub async fn actor(&self, name: &str, groups: &[&str]) -> Actor {
        let user = loop {
            if let Ok(user) = self.idc.find_user(name).await {
                break user.expect("demo user");
            }
        };
        Actor {
            person: Person {
                user_id: user.user_id,
                user_name: user.user_name,
                display_name: user.display_name,
            },
            groups: groups.iter().map(|g| g.to_string()).collect(),
            admin: false,
        }
    }

    pub fn grant(
        &self,
        account: &AccountInfo,
        set: &PermissionSetInfo,
        secs: u64,
        approval: bool,
    ) -> NewGrant {
        NewGrant {
            account: account.clone(),
            permission_set: set.clone(),
            group: None,
            duration: Duration::from_secs(secs),
            start_at: None,
            reason: "incident response".into(),
            ticket: None,
            decision: ApprovalDecision {
                approval_required: approval,
                approver_groups: vec!["sre-leads".into()],
                approval_timeout: Some(Duration::from_secs(2)),
            },
        }
    }

    pub fn key(
        &self,
        actor: &Actor,
        account: &AccountInfo,
        set: &PermissionSetInfo,
    ) -> AssignmentKey {
        AssignmentKey {
            principal_type: PrincipalType::User,
            principal_id: actor.person.user_id.clone(),
            account_id: account.id.clone(),
            permission_set_arn: set.arn.clone(),
        }
    }

    /// What the simulator holds, read from its own state (not through the adapter).
    pub fn holds(&self, key: &AssignmentKey) -> bool {
        self.sim.assignments().assignments.iter().any(|a| {
            a.principal_type == "USER"
                && a.principal_id == key.principal_id
                && a.account_id == key.account_id
                && a.permission_set_arn == key.permission_set_arn
        })
    }

    /// Calls of `operation` for `key` the simulator accepted.
    pub fn accepted(&self, operation: &str, key: &AssignmentKey) -> usize {
        self.sim
            .calls_since(0)
            .calls
            .iter()
            .filter(|c| {
                c.operation == operation
                    && c.outcome == "ok"
                    && c.fields.get("principalId") == Some(&key.principal_id)
                    && c.fields.get("accountId") == Some(&key.account_id)
                    && c.fields.get("permissionSetArn") == Some(&key.permission_set_arn)
            })
            .count()
    }

    pub fn calls(&self, operation: &str) -> usize {
        self.sim
            .calls_since(0)
            .calls
            .iter()
            .filter(|c| c.operation == operation)
            .count()
    }

    pub async fn state(&self, id: i64) -> State {
        self.engine().request(id).await.expect("request").state
    }

    pub async fn wait_state(&self, id: i64, want: State) {
        eventually(&format!("request {id} to be {want}"), || async move {
            let got = self.state(id).await;
            assert!(
                got == want || !got.is_final(),
                "request {id} ended {got}, expected {want}: {:?}",
                self.engine().request(id).await.expect("request").outcome
            );
            got == want
        })
        .await;
    }

    pub async fn kinds(&self, id: i64) -> Vec<String> {
        self.engine()
            .request_details(id)
            .await
            .expect("details")
            .events
            .into_iter()
            .map(|e| e.kind)
            .collect()
    }

    pub async fn finish(self) {
        self.stop.cancel();
        for task in self.tasks {
            task.await.expect("engine task");
        }
        let v = self.engines[0].verify_audit().await.expect("verify");
        assert!(v.ok(), "audit chain broken: {:?}", v.first_bad);
        self.sim.shutdown().await.expect("sim stops");
    }

    pub async fn group(&self, name: &str) -> GroupInfo {
        let group = loop {
            if let Ok(group) = self.idc.find_group(name).await {
                break group.expect("demo group");
            }
        };
        GroupInfo {
            id: group.group_id,
            name: group.display_name,
        }
    }

    pub fn group_grant(&self, group: &GroupInfo, secs: u64) -> NewGrant {
        NewGrant {
            account: AccountInfo {
                id: String::new(),
                name: String::new(),
            },
            permission_set: PermissionSetInfo {
                arn: String::new(),
                name: String::new(),
                description: None,
                session_duration_secs: 0,
            },
            group: Some(group.clone()),
            ..self.grant(&self.prod, &self.power, secs, false)
        }
    }

    /// Whether the simulator holds the user in the group (read from its own state).
    pub fn member(&self, group: &str, user: &str) -> bool {
        self.sim
            .memberships()
            .memberships
            .iter()
            .any(|m| m.group_name == group && m.user_name == user)
    }
}

/// A request set of one permission set in three accounts, made with the account names the
/// simulator's organization has.
pub fn set_of(w: &World, accounts: &[AccountInfo], secs: u64, approval: bool) -> NewGrantSet {
    let one = w.grant(&w.prod, &w.power, secs, approval);
    NewGrantSet {
        accounts: accounts.to_vec(),
        permission_set: one.permission_set,
        duration: one.duration,
        start_at: None,
        reason: "compare the three environments".into(),
        ticket: None,
        decision: one.decision,
    }
}

pub async fn staging(w: &World) -> AccountInfo {
    let org = loop {
        if let Ok(org) = w.idc.organization().await {
            break org;
        }
    };
    let a = org.account("staging").expect("demo account");
    AccountInfo {
        id: a.id.clone(),
        name: a.name.clone(),
    }
}
