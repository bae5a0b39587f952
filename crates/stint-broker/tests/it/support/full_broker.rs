//! The whole broker in this process, exactly as `stint-broker serve` wires it
//! (`server::Broker::build_with`): the real store, engine, API, sign-in, policy and webhook
//! notifier, the real AWS adapter pointed at `stint-sim`, and a clock that runs in real time
//! but can jump over a window instead of waiting it out.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use stint_broker::config::Config;
use stint_broker::idc::IdentityCenter;
use stint_broker::server::{Broker, ServeOptions};
use stint_broker::webhook::WebhookSettings;
use stint_sim::RunningSim;

use tokio_util::sync::CancellationToken;

use super::auth_broker::sim_identity_center;

/// What clients sign into `x-stint-broker` for the test brokers.
pub const AUDIENCE: &str = "https://stint.test.example";
pub const WEBHOOK_SECRET: &str = "story-webhook-secret-0123456789";
pub const DEMO_POLICY: &str = include_str!("../../../demo/policies.toml");

pub use super::jump_clock::JumpClock;

/// The broker's config file for a simulator and a database. `overrides` replace top-level
/// keys (values as TOML, such as `"\"30s\""`) or add new ones.
pub fn config_text(sim: &RunningSim, db_url: &str, overrides: &[(&str, &str)]) -> String {
    let mut top: Vec<(String, String)> = [
        ("listen", "\"127.0.0.1:0\"".to_owned()),
        ("public_url", "\"http://127.0.0.1:8700\"".to_owned()),
        ("audience", format!("\"{AUDIENCE}\"")),
        ("database_url", format!("\"{db_url}\"")),
        ("policy_file", "\"policies.toml\"".to_owned()),
        ("reconcile_interval", "\"5s\"".to_owned()),
        ("side_effect_deadline", "\"60s\"".to_owned()),
        ("webhook_secret", format!("\"{WEBHOOK_SECRET}\"")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    for (key, value) in overrides {
        match top.iter_mut().find(|(k, _)| k == key) {
            Some(entry) => entry.1 = (*value).to_owned(),
            None => top.push(((*key).to_owned(), (*value).to_owned())),
        }
    }
    let mut text: String = top.iter().map(|(k, v)| format!("{k} = {v}\n")).collect();
    text.push_str(&format!(
        r#"
[identity_center]
region = "{region}"
instance_arn = "{instance}"
identity_store_id = "{store}"
start_url = "{start}"
baseline_account = "222222222222"
baseline_permission_set = "StintBaseline"
sts_hosts = ["{sim}"]
"#,
        region = sim.region(),
        instance = sim.instance_arn(),
        store = sim.identity_store_id(),
        start = sim.start_url(),
        sim = sim.url(),
    ));
    text
}

/// The demo policy, sending webhooks to `webhook_url` when given.
pub fn policy_text(webhook_url: Option<&url::Url>) -> String {
    match webhook_url {
        Some(url) => DEMO_POLICY.replace(
            "# webhook_url = \"https://hooks.example.com/stint\"",
            &format!("webhook_url = \"{url}\""),
        ),
        None => DEMO_POLICY.to_owned(),
    }
}

pub struct FullBroker {
    pub url: String,
    pub clock: JumpClock,
    pub dir: tempfile::TempDir,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl FullBroker {
    pub async fn start(sim: &RunningSim, db_url: &str, webhook_url: Option<&url::Url>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("policies.toml"), policy_text(webhook_url)).unwrap();
        let text = config_text(sim, db_url, &[]);
        std::fs::write(dir.path().join("broker.toml"), &text).unwrap();
        let config = Config::from_toml("broker.toml", &text, Vec::new(), dir.path().to_path_buf())
            .expect("the test config is valid");
        let clock = JumpClock::default();
        let idc: Arc<dyn IdentityCenter> = Arc::new(sim_identity_center(sim).await);
        let broker = Broker::build_with(
            &config,
            ServeOptions {
                listen: Some("127.0.0.1:0".parse().unwrap()),
                identity_store_id: Some(sim.identity_store_id().to_owned()),
                webhooks: WebhookSettings {
                    retry_base: Duration::from_millis(50),
                    retry_cap: Duration::from_millis(500),
                    poll: Duration::from_millis(200),
                    ..WebhookSettings::default()
                },
            },
            idc,
            Arc::new(clock.clone()),
        )
        .await
        .expect("the broker builds");
        let url = broker.ready.url.clone();
        let stop = CancellationToken::new();
        let shutdown = stop.clone().cancelled_owned();
        let task = tokio::spawn(async move {
            broker
                .run(shutdown, futures::stream::pending())
                .await
                .expect("the broker runs and stops cleanly");
        });
        FullBroker {
            url,
            clock,
            dir,
            stop,
            task,
        }
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("broker.toml")
    }

    /// Stops as SIGTERM would, and waits. Returns the folder of its config and policy.
    pub async fn stop(self) -> tempfile::TempDir {
        self.stop.cancel();
        tokio::time::timeout(Duration::from_secs(60), self.task)
            .await
            .expect("the broker stops")
            .unwrap();
        self.dir
    }
}
