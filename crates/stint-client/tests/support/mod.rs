//! A simulator and a client core pointed at it, sharing one clock.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use aws_config::{BehaviorVersion, Region};
use stint_client::clock::Clock;
use stint_client::sso::{LoginFlow, LoginHooks, LoginProgress};
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
            .login(
                LoginFlow::DeviceCode,
                LoginHooks {
                    open_browser: Some(&open),
                    on_progress: &progress,
                },
            )
            .await
    }

    /// Signs in as `user` through the browser flow: the "browser" approves the authorize
    /// URL on the simulator's sign-in page as `user` (or denies it) and follows the
    /// redirect to the client's loopback listener. Returns the login's outcome and the
    /// page the browser was shown at the end.
    pub async fn browser_login(
        &self,
        stint: &Stint,
        user: &str,
        deny: bool,
    ) -> (
        stint_client::Result<stint_client::sso::SsoToken>,
        BrowserVisit,
    ) {
        let visit = BrowserVisit::default();
        let open = |url: &str| {
            visit.follow(&self.sim, url, user, deny);
            Ok(())
        };
        let progress = |_: LoginProgress| {};
        let result = stint
            .login(
                LoginFlow::Browser,
                LoginHooks {
                    open_browser: Some(&open),
                    on_progress: &progress,
                },
            )
            .await;
        (result, visit)
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

/// What a scripted browser did: the authorize URL it was sent to, and the loopback page
/// it was shown after the redirect.
#[derive(Debug, Clone, Default)]
pub struct BrowserVisit {
    pub authorize_url: Arc<Mutex<Option<String>>>,
    pub redirect_to: Arc<Mutex<Option<String>>>,
    pub final_page: Arc<Mutex<Option<(u16, String)>>>,
}

impl BrowserVisit {
    /// Approves (or denies) `url` as `user` on the simulator and follows the redirect in
    /// the background, as a browser does after the opener returned.
    pub fn follow(&self, sim: &RunningSim, url: &str, user: &str, deny: bool) {
        *self.authorize_url.lock().unwrap() = Some(url.to_owned());
        let decision = if deny {
            sim.deny_authorization(url)
        } else {
            sim.approve_authorization(url, user)
        }
        .expect("the simulator accepts the authorize URL");
        *self.redirect_to.lock().unwrap() = Some(decision.redirect_to.clone());
        let page = self.final_page.clone();
        tokio::spawn(async move {
            let response = reqwest::get(&decision.redirect_to)
                .await
                .expect("the loopback listener answers");
            let status = response.status().as_u16();
            let body = response.text().await.unwrap_or_default();
            *page.lock().unwrap() = Some((status, body));
        });
    }

    pub fn authorize_url(&self) -> String {
        self.authorize_url
            .lock()
            .unwrap()
            .clone()
            .expect("the browser was opened")
    }

    pub fn redirect_to(&self) -> String {
        self.redirect_to
            .lock()
            .unwrap()
            .clone()
            .expect("the sign-in was decided")
    }

    /// The loopback page; waits briefly, as it is fetched in the background.
    pub async fn final_page(&self) -> (u16, String) {
        for _ in 0..100 {
            if let Some(page) = self.final_page.lock().unwrap().clone() {
                return page;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("the browser never got the loopback page")
    }
}
