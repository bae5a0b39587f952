//! `stint-broker serve`, wired: config → store → AWS SDK config and the Identity Center
//! adapter → directory snapshot → policy → engine → router → the HTTP edge (limits, TLS).
//! [`run`] runs it all. Shutdown stops accepting, ends event streams, lets requests and
//! assignment calls in flight finish, and gives up after [`SHUTDOWN_GRACE`].

mod run;

pub use run::signals;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use aws_config::{BehaviorVersion, Region};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::activity::{ActivitySource, LogsInsightsActivity, NoActivity};
use crate::api::{self, AppParts, AppState, Directory, DirectorySnapshot, EventSettings};
use crate::auth::{self, AuthSettings, AuthState, Authenticator, CallerResolver, StsClient};
use crate::clock::{SharedClock, SystemClock};
use crate::config::Config;
use crate::edge::{Edge, EdgeMetrics, EdgeSettings, TlsError, TlsFiles};
use crate::idc::{AwsIdentityCenter, IdcError, IdcSettings, IdentityCenter};
use crate::policy::{LoadError, Policy, PolicyHandle, ReloadError};
use crate::store::{self, StoreError};
use crate::webhook::{Notifier, NotifierParts, WebhookSettings};
use crate::workflow::{Engine, EngineError, EngineSettings};

/// How long a shutdown may take before the broker stops waiting: assignment calls in flight
/// that have not finished by then resume on the next start.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// How often expired sessions and spent signatures are purged.
const SESSION_PURGE_EVERY: Duration = Duration::from_secs(600);

/// How many times the first directory read is tried before the broker starts without it
/// (and keeps trying in the background, see `run::load_directory`).
const STARTUP_ATTEMPTS: u32 = 3;

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot open the database {url}: {source}")]
    Store {
        url: String,
        #[source]
        source: StoreError,
    },
    #[error("cannot set up the Identity Center client: {0}")]
    Adapter(IdcError),
    #[error(
        "cannot read the organization from Identity Center: {0}\n(check the broker's AWS credentials and region, and AWS_ENDPOINT_URL if it points at a simulator)"
    )]
    Directory(IdcError),
    /// Every problem, one `file:line:col: error: ...` per line.
    #[error(
        "{0}\nthe broker did not start: fix the policy file (`stint-broker check`) and start it again"
    )]
    Policy(String),
    /// The database answers but takes no writes (read-only, full), or a first write failed.
    #[error("{}", writes_problem(.0))]
    Writes(StoreError),
    #[error("the engine refused its settings: {0}")]
    Engine(#[from] EngineError),
    #[error(
        "{0}\n(fix http.tls_cert_file / http.tls_key_file, or remove both to serve plain HTTP behind a TLS proxy)"
    )]
    Tls(#[from] TlsError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("the HTTP server failed: {0}")]
    Http(std::io::Error),
    #[error("a broker task failed: {0}")]
    Task(String),
}

fn writes_problem(e: &StoreError) -> String {
    match e.write_fault() {
        Some(fault) => format!("the broker did not start: {fault}"),
        None => format!("the broker did not start: its first write to the database failed: {e}"),
    }
}

/// What `serve` prints once it is running.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Ready {
    /// Always `ready`.
    pub event: &'static str,
    /// Where the API answers now.
    pub url: String,
    /// The address bound.
    pub listen: SocketAddr,
}

/// Overrides of the config for one run.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// Listen here instead of `config.listen` (port 0 picks a free one).
    pub listen: Option<SocketAddr>,
    /// The identity store found at start, when the config names no access portal URL:
    /// clients are told the portal's default address for it.
    pub identity_store_id: Option<String>,
    /// How outbound webhooks are delivered (tests shorten the retries).
    pub webhooks: WebhookSettings,
}

/// Everything built from the config, ready to serve.
pub struct Broker {
    pub state: AppState,
    pub engine: Engine,
    pub listener: TcpListener,
    pub ready: Ready,
    directory_refresh: Duration,
    shutdown: CancellationToken,
    authentication: axum::Router,
    authenticator: Arc<Authenticator>,
    notifier: Notifier,
    edge: Edge,
    /// How often ended grants are checked for use after the window; `None`: never.
    activity_watch: Option<Duration>,
}

impl std::fmt::Debug for Broker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Broker")
            .field("ready", &self.ready)
            .finish_non_exhaustive()
    }
}

/// The URL a listener is reached at (`https` when `tls`); an unspecified address
/// (0.0.0.0) on loopback.
pub fn local_url(addr: SocketAddr, tls: bool) -> String {
    let ip = if addr.ip().is_unspecified() {
        std::net::IpAddr::from([127, 0, 0, 1])
    } else {
        addr.ip()
    };
    let scheme = if tls { "https" } else { "http" };
    format!("{scheme}://{}", SocketAddr::new(ip, addr.port()))
}

/// The AWS SDK configuration: credentials from the default chain, the region from the
/// config, endpoints as the SDK finds them (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_SSO_ADMIN`
/// and friends), so the demo points it at the simulator without special code paths.
pub async fn sdk_config(config: &Config) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(config.identity_center.region.clone()))
        .load()
        .await
}

/// The session activity source `[activity]` names: Logs Insights over the trail's log
/// group in its region, or [`NoActivity`] when no log group is set.
pub async fn activity_source(config: &Config) -> Arc<dyn ActivitySource> {
    let a = &config.activity;
    let Some(log_group) = &a.log_group else {
        return Arc::new(NoActivity);
    };
    let region = a
        .region
        .clone()
        .unwrap_or_else(|| config.identity_center.region.clone());
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region))
        .load()
        .await;
    Arc::new(LogsInsightsActivity::new(
        &sdk,
        log_group,
        a.query_timeout,
        a.delivery_lag,
    ))
}

async fn with_retries<T, F, Fut>(what: &str, mut call: F) -> Result<T, IdcError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, IdcError>>,
{
    let mut pause = Duration::from_millis(500);
    let mut attempt = 1;
    loop {
        match call().await {
            Ok(value) => return Ok(value),
            Err(e) if e.is_retryable() && attempt < STARTUP_ATTEMPTS => {
                tracing::warn!(error = %e, attempt, "{what} failed; trying again");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(8));
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// The policy resolved against the organization read from Identity Center, and the
/// directory snapshot. When Identity Center cannot be read (throttling, an outage), the
/// broker starts without them: the engine runs the schedule from the database, and what
/// needs the policy answers 503 `directory_unavailable` until the background load succeeds.
/// A policy file that does not parse, or does not resolve against an organization that was
/// read, still stops the start: that is the operator's to fix.
async fn first_directory(
    idc: &dyn IdentityCenter,
    policy_path: &std::path::Path,
    clock: &SharedClock,
) -> Result<(Arc<PolicyHandle>, Arc<Directory>), ServeError> {
    // Parse problems need no directory to be found, so they are reported at once.
    let parsed = Policy::load(policy_path)
        .map_err(|e| ServeError::Policy(policy_problems(&ReloadError::Load(e))))?;
    for warning in &parsed.warnings {
        tracing::warn!(%warning, "policy warning");
    }
    let (organization, permission_sets) =
        match with_retries("reading the organization", || api::fetch_organization(idc)).await {
            Ok(found) => found,
            Err(e) => return Ok(start_without_directory(policy_path, &e)),
        };
    let names = parsed.policy.grantable_group_names();
    let grantable = match with_retries("reading the grantable groups", || {
        api::fetch_grantable_groups(idc, &names)
    })
    .await
    {
        Ok(found) => found,
        Err(e) => return Ok(start_without_directory(policy_path, &e)),
    };
    let (policy, summary) =
        PolicyHandle::load(policy_path, &organization, &permission_sets, &grantable)
            .map_err(|e| ServeError::Policy(policy_problems(&e)))?;
    for warning in summary.warnings.iter().skip(parsed.warnings.len()) {
        tracing::warn!(%warning, "policy warning");
    }
    tracing::info!(
        file = %policy_path.display(),
        eligibility_rules = summary.eligibility_rules,
        approval_rules = summary.approval_rules,
        "policy loaded"
    );
    let groups = policy
        .in_force()
        .map(|p| api::approver_groups(&p))
        .unwrap_or_default();
    let members = match with_retries("reading the approver groups", || {
        api::fetch_members(idc, &groups)
    })
    .await
    {
        Ok(members) => members,
        Err(e) => return Ok(start_without_directory(policy_path, &e)),
    };
    let directory = Directory::new(DirectorySnapshot {
        organization,
        permission_sets,
        members,
        taken_at: Some(clock.now()),
    });
    Ok((Arc::new(policy), Arc::new(directory)))
}

fn start_without_directory(
    policy_path: &std::path::Path,
    error: &IdcError,
) -> (Arc<PolicyHandle>, Arc<Directory>) {
    tracing::warn!(
        %error,
        "Identity Center cannot be read yet: starting without the directory. Revocations and other scheduled steps run from the database; sign-in and requests answer 503 directory_unavailable until it is read (tried again with backoff; GET /readyz tells)"
    );
    (
        Arc::new(PolicyHandle::pending(policy_path)),
        Arc::new(Directory::default()),
    )
}

fn policy_problems(e: &ReloadError) -> String {
    match e {
        ReloadError::Load(LoadError::Invalid(d)) | ReloadError::Unresolved(d) => d.to_string(),
        ReloadError::Load(read @ LoadError::Read { .. }) => read.to_string(),
    }
}

impl Broker {
    /// Builds everything `serve` runs, with the production Identity Center adapter.
    pub async fn build(config: &Config, options: ServeOptions) -> Result<Broker, ServeError> {
        let sdk = sdk_config(config).await;
        let idc = AwsIdentityCenter::new(
            &sdk,
            IdcSettings {
                instance_arn: config.identity_center.instance_arn.clone(),
                identity_store_id: config.identity_center.identity_store_id.clone(),
                ..IdcSettings::default()
            },
        )
        .map_err(ServeError::Adapter)?;
        let mut options = options;
        if options.identity_store_id.is_none() {
            let instance = with_retries("finding the Identity Center instance", || async {
                idc.instance().await.cloned()
            })
            .await
            .map_err(ServeError::Directory)?;
            options.identity_store_id = Some(instance.identity_store_id);
        }
        Self::build_with(config, options, Arc::new(idc), Arc::new(SystemClock)).await
    }

    /// Builds on a given Identity Center and clock (tests).
    pub async fn build_with(
        config: &Config,
        options: ServeOptions,
        idc: Arc<dyn IdentityCenter>,
        clock: SharedClock,
    ) -> Result<Broker, ServeError> {
        let store =
            store::open(config.database_url.expose())
                .await
                .map_err(|source| match source.write_fault() {
                    Some(_) => ServeError::Writes(source),
                    None => ServeError::Store {
                        url: config.database_url.redacted(),
                        source,
                    },
                })?;
        tracing::info!(database = %config.database_url, "database ready");

        let policy_path = config.policy_path();
        let (policy, directory) = first_directory(idc.as_ref(), &policy_path, &clock).await?;

        let engine = Engine::new(
            store.clone(),
            idc.clone(),
            clock.clone(),
            EngineSettings {
                retry_deadline: config.side_effect_deadline,
                reconcile_interval: config.reconcile_interval,
                ..EngineSettings::default()
            },
        )
        .await?;

        let shutdown = CancellationToken::new();
        let authenticator = authenticator(config, &options, &store, &idc, &clock)?;
        let authentication = auth::routes(AuthState {
            authenticator: authenticator.clone(),
            personas: policy.clone(),
        });
        let notifier = {
            let policy = policy.clone();
            Notifier::new(NotifierParts {
                store: store.clone(),
                target: Arc::new(move || {
                    policy
                        .in_force()
                        .and_then(|p| p.policy.settings.webhook_url.clone())
                }),
                secret: config.webhook_secret.clone(),
                clock: clock.clone(),
                owner: engine.settings().node_id.clone(),
                broker: config.public_url.clone(),
                settings: options.webhooks.clone(),
                wake: Some(engine.head()),
            })
            .map_err(|e| ServeError::Task(e.to_string()))?
        };
        let resolver: Arc<dyn CallerResolver> = authenticator.clone();
        let state = AppState::new(AppParts {
            engine: engine.clone(),
            policy,
            directory,
            idc,
            resolver,
            clock,
            events: EventSettings {
                max_per_session: config.http.max_event_streams_per_session,
                ..EventSettings::default()
            },
            activity: activity_source(config).await,
            shutdown: shutdown.clone(),
        });
        if let Some(p) = state.policy().in_force() {
            state
                .metrics()
                .policy_loaded(Some((p.policy.eligibility.len(), p.policy.approval.len())));
        }

        let tls = match config.tls_files() {
            Some((cert, key)) => Some(TlsFiles::load(&cert, &key)?),
            None => None,
        };
        let edge = Edge {
            settings: EdgeSettings::from_config(&config.http),
            tls,
            metrics: Arc::new(EdgeMetrics::default()),
        };
        {
            let metrics = edge.metrics.clone();
            state
                .metrics()
                .also_render(Arc::new(move |out: &mut String| metrics.render(out)));
            let sign_in = authenticator.clone();
            state
                .metrics()
                .also_render(Arc::new(move |out: &mut String| {
                    sign_in.limiter().render(out);
                }));
        }

        let addr = options.listen.unwrap_or(config.listen);
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::Bind { addr, source })?;
        let listen = listener
            .local_addr()
            .map_err(|source| ServeError::Bind { addr, source })?;
        Ok(Broker {
            state,
            engine,
            listener,
            ready: Ready {
                event: "ready",
                url: local_url(listen, edge.tls.is_some()),
                listen,
            },
            directory_refresh: config.reconcile_interval,
            shutdown,
            authentication,
            authenticator,
            notifier,
            edge,
            activity_watch: (config.activity.log_group.is_some()
                && !config.activity.watch_interval.is_zero())
            .then_some(config.activity.watch_interval),
        })
    }
}

/// How callers are recognised: sessions made by `POST /v1/auth/aws` from a signed
/// `sts:GetCallerIdentity` of the caller's baseline role.
fn authenticator(
    config: &Config,
    options: &ServeOptions,
    store: &Arc<dyn store::Store>,
    idc: &Arc<dyn IdentityCenter>,
    clock: &SharedClock,
) -> Result<Arc<Authenticator>, ServeError> {
    let mut settings = AuthSettings::from_config(config);
    if let Some(id) = &options.identity_store_id {
        settings = settings.with_identity_store(id);
    }
    let sts = StsClient::new(settings.sts_timeout)
        .map_err(|e| ServeError::Task(format!("cannot build the STS client: {e}")))?;
    Ok(Arc::new(Authenticator::new(
        settings,
        store.clone(),
        idc.clone(),
        clock.clone(),
        sts,
    )))
}
