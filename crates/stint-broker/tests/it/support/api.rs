//! Shared by the API tests: the broker's router served over real TCP on port 0, in front of
//! the real engine, the real AWS adapter and `stint-sim`, with the demo policy. Sessions come
//! from a test resolver (a map of tokens to callers) standing in for the authentication
//! module; the end-to-end tests go through the real sign-in. What tests do through it is in
//! `api_calls.rs`, its event stream in `event_stream.rs`.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use aws_config::{BehaviorVersion, Region};
use aws_credential_types::Credentials;

use stint_broker::activity::{ActivitySource, LogsInsightsActivity, NoActivity};
use stint_broker::api::{self, AppParts, AppState, Directory, DirectorySnapshot, EventSettings};
use stint_broker::auth::{AuthError, Caller, CallerResolver};
use stint_broker::clock::Clock;
use stint_broker::idc::{AwsIdentityCenter, IdcSettings, IdentityCenter};
use stint_broker::model::Person;
use stint_broker::policy::PolicyHandle;
use stint_broker::store;
use stint_broker::workflow::{Engine, EngineSettings};
use stint_sim::{ApiFaults, Faults, RunningSim};

use tokio_util::sync::CancellationToken;

/// Generous: the machine is shared and slow; waits end as soon as their condition holds.
pub const WAIT: Duration = Duration::from_secs(90);

pub const DEMO_POLICY: &str = include_str!("../../../demo/policies.toml");

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

pub use super::jump_clock::JumpClock;

/// Sessions by token, as the authentication module would hold them.
pub struct TestResolver {
    sessions: Mutex<HashMap<String, Caller>>,
    clock: JumpClock,
}

#[async_trait]
impl CallerResolver for TestResolver {
    async fn resolve(&self, token: &str) -> Result<Caller, AuthError> {
        let caller = self
            .sessions
            .lock()
            .unwrap()
            .get(token)
            .cloned()
            .ok_or_else(|| AuthError::Unauthenticated("unknown session token".into()))?;
        if caller.session_expires_at <= self.clock.now() {
            return Err(AuthError::Unauthenticated("the session has expired".into()));
        }
        Ok(caller)
    }
}

impl TestResolver {
    pub fn end(&self, token: &str) {
        self.sessions.lock().unwrap().remove(token);
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    /// Run the engine's scheduler (activations, expirations, reconciliation).
    pub run_engine: bool,
    pub faults: ApiFaults,
    pub reconcile_interval: Duration,
    pub events: EventSettings,
    /// Read session activity from the simulator's trail through Logs Insights, each
    /// reading within this deadline; `None`: activity is not configured.
    pub activity_timeout: Option<Duration>,
    /// The database's URL; `None`: a SQLite file in the test's temp dir.
    pub database: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            run_engine: true,
            faults: ApiFaults::default(),
            reconcile_interval: Duration::from_secs(60),
            events: EventSettings {
                keep_alive: Duration::from_secs(1),
                session_check: Duration::from_millis(300),
                ..EventSettings::default()
            },
            activity_timeout: None,
            database: None,
        }
    }
}

fn engine_settings(reconcile_interval: Duration) -> EngineSettings {
    EngineSettings {
        node_id: "api-test".into(),
        retry_deadline: Duration::from_secs(60),
        retry_base: Duration::from_millis(50),
        retry_cap: Duration::from_millis(800),
        poll_initial: Duration::from_millis(100),
        poll_max: Duration::from_millis(500),
        reconcile_interval,
        lease: Duration::from_secs(20),
        call_timeout: Duration::from_secs(8),
        batch: 16,
        concurrency: 8,
        change_poll: Duration::from_millis(200),
    }
}

/// The broker API over TCP, the engine behind it, and the simulator behind that.
pub struct Api {
    pub url: String,
    pub sim: RunningSim,
    pub idc: Arc<AwsIdentityCenter>,
    pub engine: Engine,
    pub clock: JumpClock,
    pub resolver: Arc<TestResolver>,
    pub http: reqwest::Client,
    pub dir: tempfile::TempDir,
    /// The activity source the API reads (the simulator's trail, or none).
    pub activity: Arc<dyn ActivitySource>,
    /// Every CloudWatch Logs operation the activity adapter called, in order.
    pub logs_calls: Arc<Mutex<Vec<&'static str>>>,
    stop: CancellationToken,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Api {
    pub async fn start(options: Options) -> Api {
        let sim = stint_sim::spawn(stint_sim::World::demo())
            .await
            .expect("simulator starts");
        let mut faults = options.faults.clone();
        faults.provisioning_delay = Some(Duration::from_millis(300));
        sim.set_faults(Faults {
            seed: Some(7),
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
        let dir = tempfile::tempdir().unwrap();
        let policy_path = dir.path().join("policies.toml");
        std::fs::write(&policy_path, DEMO_POLICY).unwrap();

        // Directory reads go through the adapter; retry them past injected faults.
        let (organization, permission_sets) = loop {
            if let Ok(found) = api::fetch_organization(idc.as_ref()).await {
                break found;
            }
        };
        let names = api::grantable_group_names_in(&policy_path);
        let grantable = loop {
            if let Ok(found) = api::fetch_grantable_groups(idc.as_ref(), &names).await {
                break found;
            }
        };
        let (policy, _) =
            PolicyHandle::load(&policy_path, &organization, &permission_sets, &grantable)
                .expect("demo policy");
        let groups = api::approver_groups(&policy.in_force().expect("loaded"));
        let members = loop {
            if let Ok(m) = api::fetch_members(idc.as_ref(), &groups).await {
                break m;
            }
        };
        let clock = JumpClock::default();
        let db_url = options
            .database
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("stint.db").display()));
        let engine = Engine::new(
            store::open(&db_url).await.expect("store"),
            idc.clone() as Arc<dyn IdentityCenter>,
            Arc::new(clock.clone()),
            engine_settings(options.reconcile_interval),
        )
        .await
        .expect("engine");
        let resolver = Arc::new(TestResolver {
            sessions: Mutex::new(HashMap::new()),
            clock: clock.clone(),
        });
        let logs_calls: Arc<Mutex<Vec<&'static str>>> = Arc::default();
        let activity: Arc<dyn ActivitySource> = match options.activity_timeout {
            None => Arc::new(NoActivity),
            Some(timeout) => {
                let calls = logs_calls.clone();
                let trail = sim.world().cloudtrail();
                Arc::new(
                    LogsInsightsActivity::new(
                        &sdk,
                        &trail.log_group,
                        timeout,
                        trail.delivery_delay,
                    )
                    .with_observer(move |call| calls.lock().unwrap().push(call.operation)),
                )
            }
        };
        let stop = CancellationToken::new();
        let state = AppState::new(AppParts {
            engine: engine.clone(),
            policy: Arc::new(policy),
            directory: Arc::new(Directory::new(DirectorySnapshot {
                organization,
                permission_sets,
                members,
                taken_at: None,
            })),
            idc: idc.clone() as Arc<dyn IdentityCenter>,
            resolver: resolver.clone() as Arc<dyn CallerResolver>,
            clock: Arc::new(clock.clone()),
            events: options.events.clone(),
            activity: activity.clone(),
            shutdown: stop.clone(),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let mut tasks = Vec::new();
        let app = api::router(state);
        let server_stop = stop.clone();
        tasks.push(tokio::spawn(async move {
            api::serve(listener, app, server_stop.cancelled_owned())
                .await
                .expect("server");
        }));
        if options.run_engine {
            let runner = engine.clone();
            let engine_stop = stop.clone();
            tasks.push(tokio::spawn(async move {
                runner
                    .run(engine_stop.cancelled_owned())
                    .await
                    .expect("engine run");
            }));
        }
        Api {
            url,
            sim,
            idc,
            engine,
            clock,
            resolver,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
            dir,
            activity,
            logs_calls,
            stop,
            tasks,
        }
    }

    pub fn policy_path(&self) -> std::path::PathBuf {
        self.dir.path().join("policies.toml")
    }

    async fn person(&self, user_name: &str) -> (Person, Option<String>, Vec<String>) {
        let user = loop {
            if let Ok(found) = self.idc.find_user(user_name).await {
                break found.expect("a demo user");
            }
        };
        let groups = loop {
            if let Ok(groups) = self.idc.user_groups(&user.user_id).await {
                break groups;
            }
        };
        (
            Person {
                user_id: user.user_id,
                user_name: user.user_name,
                display_name: user.display_name,
            },
            user.email,
            groups.into_iter().map(|g| g.display_name).collect(),
        )
    }

    fn add_session(&self, token: &str, caller: Caller) {
        self.resolver
            .sessions
            .lock()
            .unwrap()
            .insert(token.to_owned(), caller);
    }

    /// A session for a demo user, as signing in would make it.
    pub async fn login(&self, user_name: &str) -> String {
        let (person, email, groups) = self.person(user_name).await;
        let token = format!("test-{user_name}-{}", uuid::Uuid::new_v4().simple());
        self.add_session(
            &token,
            Caller {
                person,
                email,
                groups,
                session_id: format!("s-{user_name}"),
                session_expires_at: self.clock.now() + chrono::Duration::hours(24),
            },
        );
        token
    }

    /// A session that expired a minute ago.
    pub async fn expired_login(&self, user_name: &str) -> String {
        let (person, email, groups) = self.person(user_name).await;
        let token = format!("expired-{user_name}-{}", uuid::Uuid::new_v4().simple());
        self.add_session(
            &token,
            Caller {
                person,
                email,
                groups,
                session_id: format!("s-expired-{user_name}"),
                session_expires_at: self.clock.now() - chrono::Duration::minutes(1),
            },
        );
        token
    }

    /// A session ending `after` from now on the broker's clock.
    pub async fn short_login(&self, user_name: &str, after: chrono::Duration) -> String {
        let (person, email, groups) = self.person(user_name).await;
        let token = format!("short-{user_name}-{}", uuid::Uuid::new_v4().simple());
        self.add_session(
            &token,
            Caller {
                person,
                email,
                groups,
                session_id: format!("s-short-{user_name}"),
                session_expires_at: self.clock.now() + after,
            },
        );
        token
    }

    pub async fn stop(mut self) {
        self.stop.cancel();
        for task in self.tasks.drain(..) {
            task.await.expect("task");
        }
        let v = self.engine.verify_audit().await.expect("verify");
        assert!(v.ok(), "audit chain broken: {:?}", v.first_bad);
    }
}
