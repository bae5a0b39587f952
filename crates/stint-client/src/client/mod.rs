//! [`Stint`]: the client core in one value. The CLI and the desktop app each hold one and
//! call the same methods; neither re-implements any of this. This file builds it; each
//! concern is a file of its own: `login` (the Identity Center session), `baseline` (proving
//! who the person is to the broker), `access` (what they hold or may request), `overview`
//! (everything `stint ls` shows, read in one place), `credentials`
//! (role credentials and why there are none), `console` and `profiles` (the AWS CLI's files).

mod access;
mod baseline;
mod console;
mod credentials;
mod login;
mod overview;
mod profiles;

pub use access::{AccessEntry, HeldRole};
pub use console::ConsoleRequest;
pub use overview::Overview;
pub use profiles::ProfileStyle;

use std::future::Future;
use std::sync::Arc;

use aws_config::SdkConfig;

use crate::broker::{BrokerClient, BrokerClientParts};
use crate::clock::{SharedClock, SystemClock};
use crate::config::{Config, SsoSettings};
use crate::credentials::CredentialCache;
use crate::endpoints::LazySdk;
use crate::error::{Error, Result};
use crate::lock::MachineLock;
use crate::paths::Paths;
use crate::portal::{Portal, PortalError};
use crate::sso::aws_cache::AwsCliTokenCache;
use crate::sso::{SsoSession, SsoToken};
use crate::store::{KeyringStore, SecretStore, Vault};

/// How to build a [`Stint`]. [`StintOptions::from_env`] is what the CLI uses.
pub struct StintOptions {
    pub config: Config,
    pub paths: Paths,
    pub store: Arc<dyn SecretStore>,
    pub clock: SharedClock,
    /// The AWS SDK configuration; loaded with [`crate::endpoints::sdk_config`] for the SSO region
    /// when `None`.
    pub sdk: Option<SdkConfig>,
    /// Shared HTTP client for the broker and the sign-in endpoint.
    pub http: Option<reqwest::Client>,
}

impl StintOptions {
    /// The configuration file, then `STINT_*` variables; the OS keyring; the wall clock.
    pub fn from_env() -> Result<Self> {
        let paths = Paths::from_env()?;
        let mut config = Config::load(&paths.config_file)?;
        config.apply_env(|name| std::env::var(name).ok())?;
        Ok(Self {
            config,
            paths,
            store: Arc::new(KeyringStore::new()),
            clock: Arc::new(SystemClock),
            sdk: None,
            http: None,
        })
    }
}

/// Everything but the broker, shared with the broker's identity signer.
struct Core {
    config: Config,
    paths: Paths,
    sso_settings: SsoSettings,
    clock: SharedClock,
    sdk: LazySdk,
    sso: SsoSession,
    portal: Portal,
    http: reqwest::Client,
    creds: CredentialCache,
    creds_lock: MachineLock,
    /// Separate from `creds_lock`: the broker authenticates with the baseline role while
    /// a credentials fetch may be waiting on the broker.
    baseline_lock: MachineLock,
}

#[derive(Clone)]
pub struct Stint {
    core: Arc<Core>,
    broker: Option<BrokerClient>,
}

impl std::fmt::Debug for Stint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stint")
            .field("sso", &self.core.sso_settings)
            .field(
                "broker",
                &self.broker.as_ref().map(|b| b.base_url().as_str()),
            )
            .finish_non_exhaustive()
    }
}

impl Stint {
    pub async fn open(options: StintOptions) -> Result<Self> {
        let StintOptions {
            config,
            paths,
            store,
            clock,
            sdk,
            http,
        } = options;
        let sso_settings = config.sso()?;
        let sdk = match sdk {
            Some(sdk) => LazySdk::preloaded(sdk),
            None => LazySdk::new(&sso_settings.region),
        };
        let http = match http {
            Some(http) => http,
            None => crate::http::default_client()?,
        };
        let vault = Vault::new(store);
        let aws_cache = config
            .preferences
            .write_aws_cli_cache
            .then(|| AwsCliTokenCache::new(&paths.aws_sso_cache_dir, &sso_settings.session_name));
        let sso = SsoSession::new(
            sso_settings.clone(),
            sdk.clone(),
            vault.clone(),
            &paths.cache_dir,
            clock.clone(),
            aws_cache,
        );
        let core = Arc::new(Core {
            portal: Portal::new(sdk.clone()),
            creds: CredentialCache::new(vault.clone(), &sso_settings.session_name),
            creds_lock: MachineLock::new(
                &paths.cache_dir,
                &format!("credentials-{}", sso_settings.session_name),
            ),
            baseline_lock: MachineLock::new(
                &paths.cache_dir,
                &format!("baseline-{}", sso_settings.session_name),
            ),
            sso,
            sso_settings,
            clock: clock.clone(),
            sdk,
            http: http.clone(),
            paths: paths.clone(),
            config: config.clone(),
        });
        let broker = match &config.broker_url {
            Some(url) => Some(BrokerClient::new(BrokerClientParts {
                base: url.clone(),
                http,
                vault,
                signer: Arc::new(baseline::BaselineSigner { core: core.clone() }),
                audience: config.identity_center.audience.clone(),
                sso_session: core.sso_settings.session_name.clone(),
                lock_dir: paths.cache_dir.clone(),
                clock,
            })),
            None => None,
        };
        Ok(Self { core, broker })
    }

    pub fn config(&self) -> &Config {
        &self.core.config
    }

    pub fn paths(&self) -> &Paths {
        &self.core.paths
    }

    pub fn sso_settings(&self) -> &SsoSettings {
        &self.core.sso_settings
    }

    /// The broker client, when a broker is configured.
    pub fn broker(&self) -> Result<&BrokerClient> {
        self.broker.as_ref().ok_or(Error::NotConfigured {
            what: "the broker URL",
        })
    }

    pub fn has_broker(&self) -> bool {
        self.broker.is_some()
    }
}

impl Core {
    /// Runs a portal call with a fresh token; when AWS rejects the token, renews it once
    /// and tries again.
    async fn with_token<T, F, Fut>(&self, call: F) -> Result<T, PortalError>
    where
        F: Fn(SsoToken) -> Fut,
        Fut: Future<Output = Result<T, PortalError>>,
    {
        let token = self.sso.access_token().await?;
        match call(token.clone()).await {
            Err(PortalError::TokenRejected) => {
                let renewed = self.sso.token_rejected(&token).await?;
                match call(renewed).await {
                    Err(PortalError::TokenRejected) => Err(PortalError::Other(Error::LoginExpired)),
                    other => other,
                }
            }
            other => other,
        }
    }
}

impl PortalError {
    fn into_error(self) -> Error {
        match self {
            PortalError::TokenRejected => Error::LoginExpired,
            PortalError::NoAccess => Error::protocol("SSO", "access denied"),
            PortalError::Other(e) => e,
        }
    }
}
