//! An engine harness driven by a `ManualClock` in front of a fake Identity Center, and
//! people from the demo world.

pub mod fake_idc;
pub mod inspect;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use stint_broker::clock::{Clock, ManualClock};
use stint_broker::idc::IdentityCenter;
use stint_broker::model::{AccountInfo, Actor, GroupInfo, PermissionSetInfo, Person};
use stint_broker::store::{self, Store};
use stint_broker::workflow::{ApprovalDecision, Engine, EngineSettings, NewGrant};

use super::databases::TestDb;
use fake_idc::{FakeIdc, ONCALL_GROUP_ID, PS_ARN};

pub fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T09:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

pub fn person(name: &str) -> Person {
    let mut display = name.to_string();
    display[..1].make_ascii_uppercase();
    Person {
        user_id: format!("u-{name}"),
        user_name: name.into(),
        display_name: display,
    }
}

pub fn alice() -> Actor {
    Actor {
        person: person("alice"),
        groups: vec!["everyone".into(), "engineers".into()],
        admin: false,
    }
}

pub fn carol() -> Actor {
    Actor {
        person: person("carol"),
        groups: vec!["everyone".into(), "engineers".into()],
        admin: false,
    }
}

pub fn bob() -> Actor {
    Actor {
        person: person("bob"),
        groups: vec!["everyone".into(), "sre-leads".into()],
        admin: false,
    }
}

pub fn erin_admin() -> Actor {
    Actor {
        person: person("erin"),
        groups: vec!["everyone".into(), "stint-admins".into()],
        admin: true,
    }
}

pub const PROD: &str = "333333333333";

pub fn grant(minutes: u64, approval: bool) -> NewGrant {
    NewGrant {
        account: AccountInfo {
            id: PROD.into(),
            name: "prod".into(),
        },
        permission_set: PermissionSetInfo {
            arn: PS_ARN.into(),
            name: "PowerUserAccess".into(),
            description: Some("Everything but IAM".into()),
            session_duration_secs: 4 * 3600,
        },
        group: None,
        duration: Duration::from_secs(minutes * 60),
        start_at: None,
        reason: "investigate the checkout latency alarm".into(),
        ticket: Some("INC-1234".into()),
        decision: ApprovalDecision {
            approval_required: approval,
            approver_groups: vec!["sre-leads".into()],
            approval_timeout: Some(Duration::from_secs(3600)),
        },
    }
}

/// A grant of membership of the on-call admins group: no account or permission set of its
/// own (the group gives what it is assigned).
pub fn group_grant(minutes: u64, approval: bool) -> NewGrant {
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
        group: Some(GroupInfo {
            id: ONCALL_GROUP_ID.into(),
            name: "oncall-admins".into(),
        }),
        ..grant(minutes, approval)
    }
}

pub fn test_settings(node: &str) -> EngineSettings {
    EngineSettings {
        node_id: node.into(),
        retry_deadline: Duration::from_secs(120),
        retry_base: Duration::from_millis(200),
        retry_cap: Duration::from_secs(5),
        poll_initial: Duration::from_millis(200),
        poll_max: Duration::from_secs(2),
        reconcile_interval: Duration::from_secs(60),
        lease: Duration::from_secs(30),
        call_timeout: Duration::from_secs(5),
        batch: 16,
        concurrency: 4,
        change_poll: Duration::from_millis(200),
    }
}

/// An engine on a test database, a fake Identity Center, and a manual clock.
pub struct Harness {
    pub engine: Engine,
    pub clock: ManualClock,
    pub idc: FakeIdc,
    pub store: Arc<dyn Store>,
    pub db: TestDb,
}

impl Harness {
    pub async fn new(db: TestDb) -> Harness {
        let clock = ManualClock::new(t0());
        let idc = FakeIdc::new();
        let store = store::open(&db.url).await.unwrap();
        let engine = Engine::new(
            store.clone(),
            Arc::new(idc.clone()) as Arc<dyn IdentityCenter>,
            Arc::new(clock.clone()),
            test_settings("test-node-1"),
        )
        .await
        .unwrap();
        Harness {
            engine,
            clock,
            idc,
            store,
            db,
        }
    }

    /// A second engine on the same database and Identity Center (a restart, or a replica).
    pub async fn another_engine(&self, node: &str) -> Engine {
        let store = store::open(&self.db.url).await.unwrap();
        Engine::new(
            store,
            Arc::new(self.idc.clone()) as Arc<dyn IdentityCenter>,
            Arc::new(self.clock.clone()),
            test_settings(node),
        )
        .await
        .unwrap()
    }

    /// Runs everything due, jumping the clock from one due time to the next, until `by`
    /// has passed.
    pub async fn drive(&self, by: chrono::Duration) {
        drive_engine(&self.engine, &self.store, &self.clock, by).await;
    }

    /// Runs what is due now, without moving the clock.
    pub async fn settle(&self) {
        self.engine.run_until_idle().await.unwrap();
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}

pub async fn drive_engine(
    engine: &Engine,
    store: &Arc<dyn Store>,
    clock: &ManualClock,
    by: chrono::Duration,
) {
    let target = clock.now() + by;
    for _ in 0..100_000 {
        engine.run_until_idle().await.unwrap();
        match store.next_due(clock.now()).await.unwrap() {
            Some(due) if due <= target => {
                if due > clock.now() {
                    clock.set(due);
                }
            }
            _ => {
                clock.set(target);
                engine.run_until_idle().await.unwrap();
                return;
            }
        }
    }
    panic!("the schedule did not reach {target}");
}
