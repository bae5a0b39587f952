//! [`Stint`]: the client core in one value. The CLI and the desktop app each hold one and
//! call the same methods; neither re-implements any of this.

use std::future::Future;
use std::sync::Arc;

use aws_config::SdkConfig;
use futures::future::BoxFuture;
use serde::Serialize;
use stint_api::{
    AccessRequest, AuthAwsRequest, Grant, ListRequestsQuery, RequestScope, RequestState,
};

use crate::aws_files::{self, ManagedProfile, ProfilesReport, SsoSessionSection};
use crate::broker::{BrokerClient, BrokerClientParts, IdentitySigner};
use crate::clock::{SharedClock, SystemClock};
use crate::config::{Config, SsoSettings};
use crate::console;
use crate::credentials::{CachedCredentials, CredentialCache, RoleCredentials};
use crate::endpoints::{self, LazySdk};
use crate::error::{Error, Result};
use crate::identity::{self, CallerIdentity};
use crate::lock::MachineLock;
use crate::paths::Paths;
use crate::portal::{Portal, PortalAccount, PortalError};
use crate::secret::Secret;
use crate::sso::aws_cache::AwsCliTokenCache;
use crate::sso::{LoginHooks, LoginStatus, SsoSession, SsoToken};
use crate::store::{KeyringStore, SecretStore, Vault};
use crate::target::{ResolvedTarget, Target, is_account_id};

/// How to build a [`Stint`]. [`StintOptions::from_env`] is what the CLI uses.
pub struct StintOptions {
    pub config: Config,
    pub paths: Paths,
    pub store: Arc<dyn SecretStore>,
    pub clock: SharedClock,
    /// The AWS SDK configuration; loaded with [`endpoints::sdk_config`] for the SSO region
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

/// What `stint console` should open.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsoleRequest {
    /// A console service (`s3`, `ec2`, ...); the console home when `None`.
    pub service: Option<String>,
    /// The region; the preference, else the SSO region, when `None`.
    pub region: Option<String>,
    /// Use the access portal's shortcut link instead of a federation sign-in URL.
    pub portal: bool,
}

/// Which kind of profiles `stint setup profiles` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProfileStyle {
    /// `credential_process = stint credential-process ...`: goes through Stint (cache,
    /// grant checks, clear errors).
    #[default]
    Process,
    /// Native `sso_session` profiles: the AWS tools use Stint's shared login directly.
    Sso,
}

/// One account/permission set the person can use or request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessEntry {
    pub account_id: String,
    pub account_name: String,
    pub permission_set: String,
    /// Held now in Identity Center (standing, or an active grant).
    pub assigned: bool,
    /// Requestable through Stint.
    pub eligible: bool,
    /// The longest window policy allows, when requestable.
    pub max_duration_secs: Option<u32>,
    /// Whether a request needs someone's approval, when requestable.
    pub approval_required: Option<bool>,
}

/// What the broker says about a target, when the client must decide about credentials.
enum GrantCheck {
    NoBroker,
    Active(Grant),
    NotActive,
    Unknown(Error),
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
            None => default_http()?,
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
                signer: Arc::new(BaselineSigner { core: core.clone() }),
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

    // ---- login ---------------------------------------------------------------------

    /// Runs the device login (one per machine; see [`SsoSession::login`]).
    pub async fn login(&self, hooks: LoginHooks<'_>) -> Result<SsoToken> {
        let token = self.core.sso.login(hooks).await?;
        // What was cached under the previous login may belong to someone else.
        self.core.creds.clear().await?;
        if let Some(broker) = &self.broker {
            broker.forget_session().await?;
        }
        Ok(token)
    }

    /// Checks that Identity Center answers at the configured region (registering the
    /// OIDC client the logins will use).
    pub async fn check_identity_center(&self) -> Result<()> {
        self.core.sso.check().await
    }

    pub async fn status(&self) -> Result<LoginStatus> {
        self.core.sso.status().await
    }

    /// A usable SSO access token, renewed silently if needed; never prompts.
    pub async fn access_token(&self) -> Result<SsoToken> {
        self.core.sso.access_token().await
    }

    /// Ends the broker session and the portal session, and forgets every token and
    /// cached credential. Steps that need the network are best effort.
    pub async fn logout(&self) -> Result<()> {
        if let Some(broker) = &self.broker {
            if let Err(e) = broker.logout().await {
                tracing::debug!(error = %e, "broker logout failed");
            }
        }
        if let Some(token) = self.core.sso.forget().await? {
            if let Err(e) = self.core.portal.logout(&token).await {
                tracing::debug!(error = %e, "portal logout failed");
            }
        }
        self.core.creds.clear().await
    }

    // ---- the access portal -----------------------------------------------------------

    /// The accounts the person holds any role in right now.
    pub async fn portal_accounts(&self) -> Result<Vec<PortalAccount>> {
        let core = &self.core;
        core.with_token(|t| async move { core.portal.accounts(&t).await })
            .await
            .map_err(PortalError::into_error)
    }

    /// The roles (permission sets) the person holds in `account_id` right now.
    pub async fn portal_roles(&self, account_id: &str) -> Result<Vec<String>> {
        let core = &self.core;
        match core
            .with_token(|t| async move { core.portal.roles(&t, account_id).await })
            .await
        {
            Err(PortalError::NoAccess) => Ok(Vec::new()),
            other => other.map_err(PortalError::into_error),
        }
    }

    /// Everything the person holds now (portal) or may request (broker), merged.
    pub async fn access(&self) -> Result<Vec<AccessEntry>> {
        let mut entries: Vec<AccessEntry> = Vec::new();
        for account in self.portal_accounts().await? {
            for role in self.portal_roles(&account.id).await? {
                entries.push(AccessEntry {
                    account_id: account.id.clone(),
                    account_name: account.name.clone(),
                    permission_set: role,
                    assigned: true,
                    eligible: false,
                    max_duration_secs: None,
                    approval_required: None,
                });
            }
        }
        if let Some(broker) = &self.broker {
            for item in broker.eligibility().await?.items {
                match entries.iter_mut().find(|e| {
                    e.account_id == item.account.id && e.permission_set == item.permission_set.name
                }) {
                    Some(e) => {
                        e.eligible = true;
                        e.max_duration_secs = Some(item.max_duration_secs);
                        e.approval_required = Some(item.approval_required);
                    }
                    None => entries.push(AccessEntry {
                        account_id: item.account.id,
                        account_name: item.account.name,
                        permission_set: item.permission_set.name,
                        assigned: false,
                        eligible: true,
                        max_duration_secs: Some(item.max_duration_secs),
                        approval_required: Some(item.approval_required),
                    }),
                }
            }
        }
        entries.sort_by(|a, b| {
            (&a.account_name, &a.permission_set).cmp(&(&b.account_name, &b.permission_set))
        });
        Ok(entries)
    }

    /// Resolves an account name to its id, from the broker's eligibility list and the
    /// accounts the portal shows.
    pub async fn resolve(&self, target: &Target) -> Result<ResolvedTarget> {
        if let Some(id) = target.account_id() {
            return Ok(ResolvedTarget {
                account_id: id.to_owned(),
                account_name: id.to_owned(),
                permission_set: target.permission_set.clone(),
            });
        }
        let mut known: Vec<(String, String)> = Vec::new();
        if let Some(broker) = &self.broker {
            match broker.eligibility().await {
                Ok(e) => known.extend(e.items.into_iter().map(|i| (i.account.name, i.account.id))),
                Err(e) => tracing::debug!(error = %e, "eligibility not available for name lookup"),
            }
        }
        if !known
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case(&target.account))
        {
            known.extend(
                self.portal_accounts()
                    .await?
                    .into_iter()
                    .map(|a| (a.name, a.id)),
            );
        }
        let found = known
            .iter()
            .find(|(name, _)| name == &target.account)
            .or_else(|| {
                known
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case(&target.account))
            });
        match found {
            Some((name, id)) => Ok(ResolvedTarget {
                account_id: id.clone(),
                account_name: name.clone(),
                permission_set: target.permission_set.clone(),
            }),
            None => {
                let mut names: Vec<String> = known.into_iter().map(|(n, _)| n).collect();
                names.sort();
                names.dedup();
                Err(Error::UnknownAccount {
                    account: target.account.clone(),
                    known: names,
                })
            }
        }
    }

    // ---- credentials ------------------------------------------------------------------

    /// Role credentials for `target`, from the cache while they have more than five
    /// minutes left. For access held through Stint, the broker is asked whether the
    /// grant is active, so an ended window reads "access ended", not "Forbidden".
    pub async fn credentials(&self, target: &Target) -> Result<RoleCredentials> {
        let resolved = self.resolve(target).await?;
        self.credentials_for(&resolved).await
    }

    pub async fn credentials_for(&self, target: &ResolvedTarget) -> Result<RoleCredentials> {
        let core = &self.core;
        let (account, role) = (target.account_id.as_str(), target.permission_set.as_str());
        let mut check = None;
        if let Some(hit) = core.creds.get(account, role, core.clock.now()).await? {
            if hit.grant_ends_at.is_none() {
                return Ok(hit.credentials);
            }
            // From a Stint grant: a revoke ends it before its scheduled end, so ask.
            match self.grant_check(target).await {
                GrantCheck::NotActive => core.creds.remove(account, role).await?,
                // Unreachable broker: the window has not passed, so the cache stands.
                _ => return Ok(hit.credentials),
            }
            check = Some(GrantCheck::NotActive);
        }
        // Asked before taking the lock: authenticating to the broker needs the baseline
        // role's credentials, which take a lock of their own.
        let check = match check {
            Some(check) => check,
            None => self.grant_check(target).await,
        };
        let _guard = core.creds_lock.acquire(|| {}).await?;
        // Another process may have fetched them while we waited.
        if let Some(hit) = core.creds.get(account, role, core.clock.now()).await? {
            if hit.grant_ends_at.is_none() || !matches!(check, GrantCheck::NotActive) {
                return Ok(hit.credentials);
            }
        }
        let fetched = core
            .with_token(|t| async move { core.portal.role_credentials(&t, account, role).await })
            .await;
        match fetched {
            Ok(creds) => {
                let grant_ends_at = match &check {
                    GrantCheck::Active(grant) => Some(grant.end_at),
                    GrantCheck::NoBroker | GrantCheck::NotActive => None,
                    GrantCheck::Unknown(e) => {
                        // Not cached: without the broker we cannot tell when to stop.
                        tracing::debug!(error = %e, "broker not asked; credentials not cached");
                        return Ok(creds);
                    }
                };
                if matches!(check, GrantCheck::NotActive) {
                    if let Some(ending) = self.ending_request(target).await {
                        // The assignment is still being deleted: the window is over.
                        return Err(Error::AccessEnded {
                            request_id: ending.id,
                            target: target.label(),
                            ended_at: ending.end_at,
                        });
                    }
                }
                core.creds
                    .put(
                        CachedCredentials {
                            credentials: creds.clone(),
                            grant_ends_at,
                        },
                        core.clock.now(),
                    )
                    .await?;
                Ok(creds)
            }
            Err(PortalError::NoAccess) => Err(self.why_no_access(target).await),
            Err(e) => Err(e.into_error()),
        }
    }

    async fn grant_check(&self, target: &ResolvedTarget) -> GrantCheck {
        let Some(broker) = &self.broker else {
            return GrantCheck::NoBroker;
        };
        match broker.grants().await {
            Ok(grants) => grants
                .into_iter()
                .find(|g| {
                    g.account.id == target.account_id
                        && g.permission_set.name == target.permission_set
                })
                .map_or(GrantCheck::NotActive, GrantCheck::Active),
            Err(e) => GrantCheck::Unknown(e),
        }
    }

    /// The person's requests for `target`, newest first.
    async fn requests_for(&self, target: &ResolvedTarget) -> Result<Vec<AccessRequest>> {
        let broker = self.broker()?;
        let query = ListRequestsQuery {
            scope: RequestScope::Mine,
            account: Some(target.account_id.clone()),
            ..Default::default()
        };
        let mut requests: Vec<AccessRequest> = broker
            .all_requests(&query)
            .await?
            .into_iter()
            .filter(|r| {
                r.account.id == target.account_id && r.permission_set.name == target.permission_set
            })
            .collect();
        requests.sort_by_key(|r| std::cmp::Reverse(r.created_at));
        Ok(requests)
    }

    async fn ending_request(&self, target: &ResolvedTarget) -> Option<AccessRequest> {
        let requests = self.requests_for(target).await.ok()?;
        let newest = requests.into_iter().next()?;
        (newest.state == RequestState::Ending).then_some(newest)
    }

    /// The most useful explanation of why `target` has no credentials.
    async fn why_no_access(&self, target: &ResolvedTarget) -> Error {
        let no_access = || Error::NoAccess {
            target: target.label(),
        };
        let Some(broker) = &self.broker else {
            return no_access();
        };
        if let Ok(requests) = self.requests_for(target).await {
            if let Some(newest) = requests.first() {
                match newest.state {
                    RequestState::Pending
                    | RequestState::Approved
                    | RequestState::Activating
                    | RequestState::Active => {
                        return Error::NotApproved {
                            request_id: newest.id,
                            target: target.label(),
                            state: newest.state,
                        };
                    }
                    RequestState::Ending | RequestState::Ended => {
                        return Error::AccessEnded {
                            request_id: newest.id,
                            target: target.label(),
                            ended_at: newest.end_at,
                        };
                    }
                    _ => {}
                }
            }
        }
        match broker.eligibility().await {
            Ok(eligibility) => {
                let eligible = eligibility.items.iter().any(|i| {
                    i.account.id == target.account_id
                        && i.permission_set.name == target.permission_set
                });
                if eligible {
                    no_access()
                } else {
                    Error::NotEligible {
                        target: target.label(),
                        alternatives: eligibility
                            .items
                            .iter()
                            .map(|i| format!("{}/{}", i.account.name, i.permission_set.name))
                            .collect(),
                    }
                }
            }
            Err(_) => no_access(),
        }
    }

    /// Forgets the cached credentials of `target` (after a revoke, say).
    pub async fn forget_credentials(&self, target: &ResolvedTarget) -> Result<()> {
        self.core
            .creds
            .remove(&target.account_id, &target.permission_set)
            .await
    }

    // ---- console ------------------------------------------------------------------------

    /// A URL that opens the console as `target`. A federation URL signs its holder in:
    /// it is returned as a [`Secret`].
    pub async fn console_url(&self, target: &Target, request: &ConsoleRequest) -> Result<Secret> {
        let core = &self.core;
        let region = request
            .region
            .clone()
            .or_else(|| core.config.preferences.console_region.clone())
            .unwrap_or_else(|| core.sso_settings.region.clone());
        let destination = console::destination(&region, request.service.as_deref())?;
        let resolved = self.resolve(target).await?;
        if request.portal {
            return Ok(Secret::new(console::portal_shortcut(
                &core.sso_settings.start_url,
                &resolved.account_id,
                &resolved.permission_set,
                Some(&destination),
            )));
        }
        let creds = self.credentials_for(&resolved).await?;
        let federation =
            endpoints::federation_endpoint(core.sdk.get().await, &core.sso_settings.region)?;
        console::federation_url(
            &core.http,
            &federation,
            &creds,
            &core.sso_settings.start_url,
            &destination,
        )
        .await
    }

    // ---- identity --------------------------------------------------------------------------

    /// The signed `GetCallerIdentity` request the broker authenticates, for `audience`.
    pub async fn signed_identity(&self, audience: &str) -> Result<AuthAwsRequest> {
        self.core.signed_identity(audience).await
    }

    /// Who AWS says the person is, by sending the signed request to STS directly.
    pub async fn caller_identity(&self) -> Result<CallerIdentity> {
        let audience = self
            .core
            .config
            .identity_center
            .audience
            .clone()
            .unwrap_or_else(|| "stint".to_owned());
        let signed = self.core.signed_identity(&audience).await?;
        identity::send_to_sts(&self.core.http, &signed).await
    }

    // ---- AWS CLI files -----------------------------------------------------------------------

    /// Writes `target`'s credentials as profile `name` in the shared credentials file.
    pub async fn write_credentials_profile(
        &self,
        name: &str,
        target: &Target,
    ) -> Result<RoleCredentials> {
        aws_files::validate_profile_name(name)?;
        let creds = self.credentials(target).await?;
        let lock = MachineLock::new(&self.core.paths.cache_dir, "aws-credentials-file");
        let _guard = lock.acquire(|| {}).await?;
        aws_files::write_credentials_profile(&self.core.paths.aws_credentials_file, name, &creds)?;
        Ok(creds)
    }

    /// Writes one profile per account/permission set the person holds or may request into
    /// the managed block of the AWS config file, with the matching `sso-session` section.
    /// `command` is how the AWS tools should run Stint (`credential_process`).
    pub async fn setup_profiles(
        &self,
        style: ProfileStyle,
        prefix: &str,
        command: &str,
    ) -> Result<ProfilesReport> {
        let core = &self.core;
        let region = core
            .config
            .preferences
            .console_region
            .clone()
            .unwrap_or_else(|| core.sso_settings.region.clone());
        let session = core.sso_settings.session_name.clone();
        let profiles: Vec<ManagedProfile> = self
            .access()
            .await?
            .into_iter()
            .map(|entry| {
                let name = profile_name(prefix, &entry.account_name, &entry.permission_set);
                let mut entries = match style {
                    ProfileStyle::Process => vec![(
                        "credential_process".to_owned(),
                        format!(
                            "{command} credential-process {}/{}",
                            entry.account_id, entry.permission_set
                        ),
                    )],
                    ProfileStyle::Sso => vec![
                        ("sso_session".to_owned(), session.clone()),
                        ("sso_account_id".to_owned(), entry.account_id.clone()),
                        ("sso_role_name".to_owned(), entry.permission_set.clone()),
                    ],
                };
                entries.push(("region".to_owned(), region.clone()));
                ManagedProfile { name, entries }
            })
            .collect();
        let lock = MachineLock::new(&core.paths.cache_dir, "aws-config-file");
        let _guard = lock.acquire(|| {}).await?;
        aws_files::write_managed_profiles(
            &core.paths.aws_config_file,
            &SsoSessionSection {
                name: session,
                start_url: core.sso_settings.start_url.clone(),
                region: core.sso_settings.region.clone(),
            },
            &profiles,
        )
    }
}

/// `prod-AdministratorAccess`: characters a profile name cannot hold become `-`.
fn profile_name(prefix: &str, account: &str, permission_set: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                    c
                } else {
                    '-'
                }
            })
            .collect()
    };
    let account = if is_account_id(account) {
        account.to_owned()
    } else {
        clean(account)
    };
    format!("{}{account}-{}", clean(prefix), clean(permission_set))
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

    /// The baseline role's credentials (cached like any other).
    async fn baseline_credentials(&self) -> Result<RoleCredentials> {
        let baseline = self.config.baseline()?;
        let (account, role) = (baseline.account_id.as_str(), baseline.role_name.as_str());
        if let Some(hit) = self.creds.get(account, role, self.clock.now()).await? {
            return Ok(hit.credentials);
        }
        let _guard = self.baseline_lock.acquire(|| {}).await?;
        if let Some(hit) = self.creds.get(account, role, self.clock.now()).await? {
            return Ok(hit.credentials);
        }
        let creds = self
            .with_token(|t| async move { self.portal.role_credentials(&t, account, role).await })
            .await
            .map_err(|e| match e {
                PortalError::NoAccess => Error::NoBaseline {
                    account_id: account.to_owned(),
                    role_name: role.to_owned(),
                },
                other => other.into_error(),
            })?;
        self.creds
            .put(
                CachedCredentials {
                    credentials: creds.clone(),
                    grant_ends_at: None,
                },
                self.clock.now(),
            )
            .await?;
        Ok(creds)
    }

    async fn signed_identity(&self, audience: &str) -> Result<AuthAwsRequest> {
        let creds = self.baseline_credentials().await?;
        let sts = endpoints::sts_endpoint(self.sdk.get().await).await?;
        identity::sign_get_caller_identity(
            &creds,
            &sts,
            &self.sso_settings.region,
            audience,
            self.clock.now().into(),
        )
    }
}

struct BaselineSigner {
    core: Arc<Core>,
}

impl IdentitySigner for BaselineSigner {
    fn signed_identity<'a>(&'a self, audience: &'a str) -> BoxFuture<'a, Result<AuthAwsRequest>> {
        Box::pin(self.core.signed_identity(audience))
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

pub(crate) fn default_http() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(concat!("stint/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(|e| Error::protocol("HTTP", format!("cannot build the HTTP client: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_names_are_readable_and_safe() {
        assert_eq!(
            profile_name("", "prod", "AdministratorAccess"),
            "prod-AdministratorAccess"
        );
        assert_eq!(
            profile_name("stint-", "my account", "Read Only"),
            "stint-my-account-Read-Only"
        );
        assert!(aws_files::validate_profile_name(&profile_name("", "a]b", "c")).is_ok());
    }
}
