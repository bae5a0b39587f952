//! The broker's authentication routes served over real HTTP on a free port, in front of
//! `stint-sim` (STS and Identity Center), with a `ManualClock` and a real store; the demo
//! simulator the sign-in tests start, and the audit events they read back.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use aws_config::{BehaviorVersion, Region};
use aws_credential_types::Credentials;
use stint_api::AuthAwsRequest;
use stint_broker::audit::AuditFilter;
use stint_broker::auth::{AuthSettings, AuthState, Authenticator, StsClient, routes};
use stint_broker::clock::ManualClock;
use stint_broker::config::Config;
use stint_broker::idc::{AwsIdentityCenter, IdcSettings, IdentityCenter};
use stint_broker::policy::PolicyHandle;
use stint_broker::store::{self, Store};
use stint_sim::{RunningSim, World};
use tokio::sync::oneshot;

/// What the test broker calls itself in `x-stint-broker`.
pub const AUDIENCE: &str = "https://stint.test.example";
/// The test broker's session lifetime.
pub const SESSION_TTL: Duration = Duration::from_secs(3600);

/// How a test broker differs from the default.
#[derive(Debug, Clone)]
pub struct Options {
    /// More allowed STS endpoints (`http://127.0.0.1:PORT`).
    pub extra_sts: Vec<String>,
    pub sts_timeout: Duration,
    /// Sign-in limits other than the defaults.
    pub sign_in_limits: Option<stint_broker::config::SignInLimits>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            extra_sts: Vec::new(),
            sts_timeout: stint_broker::auth::DEFAULT_STS_TIMEOUT,
            sign_in_limits: None,
        }
    }
}

pub struct AuthBroker {
    /// Base URL, `http://127.0.0.1:PORT`.
    pub url: String,
    pub clock: ManualClock,
    pub store: Arc<dyn Store>,
    pub authenticator: Arc<Authenticator>,
    pub http: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    _dir: Option<tempfile::TempDir>,
}

/// An Identity Center adapter signed with the simulator's operator keys: the broker's own.
pub async fn sim_identity_center(sim: &RunningSim) -> AwsIdentityCenter {
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
    AwsIdentityCenter::new(&sdk, IdcSettings::default()).expect("Identity Center adapter")
}

/// The broker's auth settings for the simulator: its STS is the only allowed endpoint.
/// `extra_sts` are more allowed endpoints (`http://127.0.0.1:PORT`).
pub fn settings_for(sts: &RunningSim, extra_sts: &[String]) -> AuthSettings {
    let mut hosts = vec![format!("\"{}\"", sts.url())];
    hosts.extend(extra_sts.iter().map(|h| format!("\"{h}\"")));
    let text = format!(
        r#"
audience = "{AUDIENCE}"
session_ttl = "1h"

[identity_center]
region = "{region}"
start_url = "{start}"
baseline_account = "222222222222"
baseline_permission_set = "StintBaseline"
sts_hosts = [{hosts}]
max_signing_skew = "5m"
"#,
        region = sts.region(),
        start = sts.start_url(),
        hosts = hosts.join(", "),
    );
    let config = Config::from_toml("auth-test.toml", &text, Vec::new(), PathBuf::from("."))
        .expect("test config is valid");
    AuthSettings::from_config(&config)
}

impl AuthBroker {
    /// STS and Identity Center both from `sim`, a SQLite store in a temp dir.
    pub async fn start(sim: &RunningSim) -> AuthBroker {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("stint.db").display());
        Self::start_with(sim, sim, &url, Some(dir), Options::default()).await
    }

    /// STS from `sts`, users and groups from `directory`, the store at `db_url`.
    pub async fn start_with(
        sts: &RunningSim,
        directory: &RunningSim,
        db_url: &str,
        dir: Option<tempfile::TempDir>,
        options: Options,
    ) -> AuthBroker {
        let store = store::open(db_url).await.expect("store opens");
        let idc = sim_identity_center(directory).await;
        let org = idc.organization().await.expect("organization");
        let sets = idc.permission_sets().await.expect("permission sets");
        let policy_path = PathBuf::from(
            std::env::var("CARGO_MANIFEST_DIR")
                .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned()),
        )
        .join("demo/policies.toml");
        let names = stint_broker::api::grantable_group_names_in(&policy_path);
        let grantable = stint_broker::api::fetch_grantable_groups(&idc, &names)
            .await
            .expect("grantable groups");
        let (policy, _) =
            PolicyHandle::load(policy_path, &org, &sets, &grantable).expect("demo policy loads");
        let clock = ManualClock::new(sts.now());
        let mut settings = settings_for(sts, &options.extra_sts);
        settings.sts_timeout = options.sts_timeout;
        if let Some(limits) = options.sign_in_limits {
            settings.sign_in_limits = limits;
        }
        let sts_client = StsClient::new(settings.sts_timeout).expect("STS client");
        let authenticator = Arc::new(Authenticator::new(
            settings,
            store.clone(),
            Arc::new(idc) as Arc<dyn IdentityCenter>,
            Arc::new(clock.clone()),
            sts_client,
        ));
        let router = routes(AuthState {
            authenticator: authenticator.clone(),
            personas: Arc::new(policy),
        });
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            // Through the broker's own edge, which tells the routes the client address.
            stint_broker::edge::serve(
                listener,
                router,
                stint_broker::edge::Edge::default(),
                async {
                    let _ = rx.await;
                },
            )
            .await
            .expect("auth routes serve");
        });
        AuthBroker {
            url: format!("http://{addr}"),
            clock,
            store,
            authenticator,
            http: reqwest::Client::new(),
            shutdown: Some(tx),
            _dir: dir,
        }
    }

    /// `POST /v1/auth/aws`: status and JSON body.
    pub async fn login(&self, req: &AuthAwsRequest) -> (u16, serde_json::Value) {
        let response = self
            .http
            .post(format!("{}{}", self.url, stint_api::routes::AUTH_AWS))
            .json(req)
            .send()
            .await
            .expect("the broker answers");
        let status = response.status().as_u16();
        (status, response.json().await.expect("a JSON body"))
    }

    /// `POST /v1/auth/logout` with a bearer token: status and body text.
    pub async fn logout(&self, token: &str) -> (u16, String) {
        let response = self
            .http
            .post(format!("{}{}", self.url, stint_api::routes::AUTH_LOGOUT))
            .bearer_auth(token)
            .send()
            .await
            .expect("the broker answers");
        let status = response.status().as_u16();
        (status, response.text().await.expect("a body"))
    }

    /// `GET /v1/auth/config`.
    pub async fn auth_config(&self) -> stint_api::AuthConfig {
        self.http
            .get(format!("{}{}", self.url, stint_api::routes::AUTH_CONFIG))
            .send()
            .await
            .expect("the broker answers")
            .json()
            .await
            .expect("an AuthConfig")
    }
}

impl Drop for AuthBroker {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Asserts a refusal's status, code, and that its message says `says`.
pub fn assert_refused(answer: &(u16, serde_json::Value), status: u16, code: &str, says: &str) {
    let (got_status, body) = answer;
    assert_eq!(*got_status, status, "{body}");
    assert_eq!(body["code"], code, "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains(says), "expected {says:?} in {message:?}");
}

pub async fn demo_sim() -> RunningSim {
    stint_sim::spawn(World::demo())
        .await
        .expect("simulator starts")
}

pub async fn events_of_kind(
    broker: &AuthBroker,
    kind: &str,
) -> Vec<stint_broker::audit::AuditRecord> {
    broker
        .store
        .audit_events(&AuditFilter {
            kind: Some(kind.to_owned()),
            limit: 100,
            ..AuditFilter::default()
        })
        .await
        .expect("audit events")
}
