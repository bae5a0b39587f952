//! A simulator and a client core pointed at it, sharing one clock.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use aws_config::{BehaviorVersion, Region};
use stint_client::clock::Clock;
use stint_client::sso::{LoginHooks, LoginProgress};
use stint_client::store::{MemoryStore, SecretStore};
use stint_client::{Config, Paths, Stint, StintOptions};
use stint_sim::{RunningSim, SimClock, World};

pub const BASELINE_ACCOUNT: &str = "222222222222";
pub const BASELINE_ROLE: &str = "StintBaseline";
pub const DEV_ACCOUNT: &str = "555555555555";

/// The client reads the simulator's clock, so moving one moves both.
#[derive(Debug, Clone)]
pub struct SimTime(pub SimClock);

impl Clock for SimTime {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.now()
    }
}

pub struct Harness {
    pub sim: RunningSim,
    pub home: tempfile::TempDir,
    pub paths: Paths,
    pub store: MemoryStore,
    pub config: Config,
}

impl Harness {
    pub async fn start() -> Self {
        let sim = stint_sim::spawn(World::demo())
            .await
            .expect("simulator starts");
        let home = tempfile::tempdir().unwrap();
        let paths = Paths::under(home.path());
        let mut config = Config::default();
        config.identity_center.start_url = Some(sim.start_url());
        config.identity_center.sso_region = Some(sim.region().to_owned());
        config.identity_center.baseline_account_id = Some(BASELINE_ACCOUNT.into());
        config.identity_center.baseline_role_name = Some(BASELINE_ROLE.into());
        config.identity_center.audience = Some("stint-test".into());
        Self {
            sim,
            home,
            paths,
            store: MemoryStore::new(),
            config,
        }
    }

    /// A client core as a separate process would have it: its own SDK clients, the
    /// shared store and files.
    pub async fn client(&self) -> Stint {
        self.client_with(self.store.clone()).await
    }

    pub async fn client_with(&self, store: impl SecretStore) -> Stint {
        self.client_with_clock(store, Arc::new(SimTime(self.sim.clock())))
            .await
    }

    pub async fn client_with_clock(&self, store: impl SecretStore, clock: Arc<dyn Clock>) -> Stint {
        // The SDK's own endpoint override: the same mechanism AWS_ENDPOINT_URL uses.
        let sdk = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(self.sim.region().to_owned()))
            .endpoint_url(self.sim.url())
            .http_client(stint_client::endpoints::http_client())
            .no_credentials()
            .load()
            .await;
        Stint::open(StintOptions {
            config: self.config.clone(),
            paths: self.paths.clone(),
            store: Arc::new(store),
            clock,
            sdk: Some(sdk),
            http: None,
        })
        .await
        .expect("client opens")
    }

    /// Logs in as `user`, approving the device code the way a person on the verification
    /// page would.
    pub async fn login(
        &self,
        stint: &Stint,
        user: &str,
    ) -> stint_client::Result<stint_client::sso::SsoToken> {
        let opened = Mutex::new(Vec::<String>::new());
        let open = |url: &str| {
            opened.lock().unwrap().push(url.to_owned());
            Ok(())
        };
        let progress = |event: LoginProgress| {
            if let LoginProgress::Prompt(prompt) = event {
                self.sim
                    .approve_device(&prompt.user_code, user)
                    .expect("the simulator knows the code");
            }
        };
        stint
            .login(LoginHooks {
                open_browser: Some(&open),
                on_progress: &progress,
            })
            .await
    }

    /// How many recorded simulator calls match `operation` (and `field = value`).
    pub fn count_calls(&self, since: u64, operation: &str, field: Option<(&str, &str)>) -> usize {
        self.sim
            .calls_since(since)
            .calls
            .iter()
            .filter(|c| c.operation == operation && c.outcome == "ok")
            .filter(|c| field.is_none_or(|(k, v)| c.fields.get(k).map(String::as_str) == Some(v)))
            .count()
    }

    pub fn last_call(&self) -> u64 {
        self.sim.calls_since(0).last_seq
    }
}
