//! One Identity Center login per machine, kept fresh. [`SsoSession`] runs the login (in
//! the browser, `browser.rs`, or with a device code, `device.rs`),
//! renews the access token silently with the refresh token until the Identity Center
//! session ends, and makes sure that however many processes ask at once, one of them does
//! the work under the machine lock and the rest pick up its result.

use chrono::Duration;

use crate::clock::SharedClock;
use crate::config::SsoSettings;
use crate::error::{Error, Result};
use crate::lock::MachineLock;
use crate::sso::aws_cache::AwsCliTokenCache;
use crate::sso::oidc::{self, IssuedToken, Oidc, Refresh};
use crate::sso::token::{ClientRegistration, LoginStatus, SsoToken, same_start_url};
use crate::store::{Vault, keys};

/// Renew the access token when less than this is left (botocore's mandatory window).
pub const REFRESH_BEFORE: Duration = Duration::minutes(10);
/// A token this close to expiry is not handed out even when renewal failed.
const LAST_USABLE: Duration = Duration::minutes(1);
/// Register a new OIDC client when the current one has less than this left.
const REGISTRATION_MARGIN: Duration = Duration::days(1);
/// How long a browser sign-in waits for the redirect: the person may have closed the tab.
pub const BROWSER_WAIT: Duration = Duration::minutes(5);

/// How the person signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LoginFlow {
    /// OAuth authorization code with PKCE: the browser opens, the person allows Stint, and
    /// the browser brings the code back to a loopback listener. What `aws sso login` does
    /// since AWS CLI 2.22.
    #[default]
    Browser,
    /// RFC 8628 device authorization: the person opens a page (on any device) and
    /// confirms a code. For machines without a browser (SSH sessions, no display).
    DeviceCode,
}

/// What a login reports while it runs, for the CLI or the app to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginProgress {
    /// Another process is logging in; this one waits for its result.
    WaitingForAnotherLogin,
    /// Device code: show this to the person: the code to confirm, and where.
    Prompt(DevicePrompt),
    /// Browser sign-in: the page where the person signs in and allows Stint.
    BrowserSignIn(BrowserPrompt),
    /// The person approved; the token is stored.
    Approved,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowserPrompt {
    /// The sign-in page; it sends the browser back to this machine, so it must be opened
    /// here.
    pub authorize_url: String,
    /// When Stint stops waiting for the browser.
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub browser: BrowserOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevicePrompt {
    /// The code the verification page shows; the person checks it matches.
    pub user_code: String,
    pub verification_uri: String,
    /// The verification page with the code filled in.
    pub verification_uri_complete: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub browser: BrowserOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrowserOutcome {
    Opened,
    /// The caller asked not to open a browser.
    NotRequested,
    /// Opening failed; the person must open the URL themselves.
    Failed(String),
}

/// Opens a URL in the person's browser. The CLI uses the system opener (or
/// `STINT_BROWSER`); the app uses its shell plugin; tests approve through the simulator.
pub type BrowserOpener<'a> = &'a (dyn Fn(&str) -> std::result::Result<(), String> + Send + Sync);

/// How a login talks to the person.
#[derive(Clone, Copy)]
pub struct LoginHooks<'a> {
    /// `None`: do not open a browser (`--no-browser`).
    pub open_browser: Option<BrowserOpener<'a>>,
    pub on_progress: &'a (dyn Fn(LoginProgress) + Send + Sync),
}

impl std::fmt::Debug for LoginHooks<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginHooks")
            .field("open_browser", &self.open_browser.is_some())
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
pub struct SsoSession {
    settings: SsoSettings,
    oidc: Oidc,
    vault: Vault,
    lock: MachineLock,
    clock: SharedClock,
    aws_cache: Option<AwsCliTokenCache>,
}

impl SsoSession {
    pub fn new(
        settings: SsoSettings,
        sdk: crate::endpoints::LazySdk,
        vault: Vault,
        lock_dir: &std::path::Path,
        clock: SharedClock,
        aws_cache: Option<AwsCliTokenCache>,
    ) -> Self {
        let lock = MachineLock::new(lock_dir, &format!("sso-{}", settings.session_name));
        Self {
            oidc: Oidc::new(sdk),
            settings,
            vault,
            lock,
            clock,
            aws_cache,
        }
    }

    pub fn settings(&self) -> &SsoSettings {
        &self.settings
    }

    /// The stored token for this Identity Center, if any, as it is (no network).
    pub async fn stored(&self) -> Result<Option<SsoToken>> {
        let token: Option<SsoToken> = self
            .vault
            .load(&keys::sso_token(&self.settings.session_name))
            .await?;
        Ok(token.filter(|t| t.is_for(&self.settings.start_url, &self.settings.region)))
    }

    pub async fn status(&self) -> Result<LoginStatus> {
        let now = self.clock.now();
        Ok(match self.stored().await? {
            None => LoginStatus::LoggedOut,
            Some(t) if t.remaining(now) > LAST_USABLE || t.can_refresh(now) => {
                LoginStatus::LoggedIn {
                    start_url: t.start_url.clone(),
                    access_token_expires_at: t.expires_at,
                    renewable: t.can_refresh(now),
                    logged_in_at: t.logged_in_at,
                }
            }
            Some(t) => LoginStatus::Expired {
                start_url: t.start_url,
            },
        })
    }

    /// A usable access token: the stored one, renewed first if it is about to expire.
    /// Never prompts: without a login this is [`Error::NotLoggedIn`], and once the
    /// Identity Center session has ended it is [`Error::LoginExpired`].
    pub async fn access_token(&self) -> Result<SsoToken> {
        let token = self.stored().await?.ok_or(Error::NotLoggedIn)?;
        if token.remaining(self.clock.now()) > REFRESH_BEFORE {
            return Ok(token);
        }
        self.renew(&token, false).await
    }

    /// AWS refused `rejected` although it looked valid (revoked, or the clocks disagree):
    /// renew it now, unless another process already has.
    pub async fn token_rejected(&self, rejected: &SsoToken) -> Result<SsoToken> {
        self.renew(rejected, true).await
    }

    async fn renew(&self, seen: &SsoToken, forced: bool) -> Result<SsoToken> {
        let _guard = self.lock.acquire(|| {}).await?;
        let current = self.stored().await?.ok_or(Error::NotLoggedIn)?;
        let now = self.clock.now();
        if current.issued_at != seen.issued_at && current.remaining(now) > LAST_USABLE {
            // Another process renewed (or logged in) while we waited for the lock.
            return Ok(current);
        }
        if !forced && current.remaining(now) > REFRESH_BEFORE {
            return Ok(current);
        }
        if let Some(adopted) = self.adopt_from_aws_cli(&current).await? {
            return Ok(adopted);
        }
        let fallback = |err: Error| -> Result<SsoToken> {
            // A renewal that failed is not fatal while the current token still works.
            if !forced && current.remaining(now) > LAST_USABLE {
                tracing::warn!(error = %err, "could not renew the SSO token; using the current one");
                Ok(current.clone())
            } else {
                Err(err)
            }
        };
        let (Some(refresh_token), true) = (&current.refresh_token, current.can_refresh(now)) else {
            return fallback(Error::LoginExpired);
        };
        tracing::debug!(session = %self.settings.session_name, "renewing the SSO access token");
        match self
            .oidc
            .refresh(&current.client_id, &current.client_secret, refresh_token)
            .await
        {
            Ok(Refresh::Issued(issued)) => {
                let token = self.token_from(
                    issued,
                    &current.client_id,
                    &current.client_secret,
                    current.registration_expires_at,
                    current.logged_in_at,
                    current.refresh_token.clone(),
                );
                self.store(&token).await?;
                Ok(token)
            }
            Ok(Refresh::Rejected) => fallback(Error::LoginExpired),
            Err(err) => fallback(err),
        }
    }

    /// When the AWS CLI renewed the shared token itself (its refresh rotates the refresh
    /// token, so ours stops working), take its newer token instead of failing.
    async fn adopt_from_aws_cli(&self, current: &SsoToken) -> Result<Option<SsoToken>> {
        let Some(cache) = &self.aws_cache else {
            return Ok(None);
        };
        let Some(foreign) = cache.read()? else {
            return Ok(None);
        };
        let now = self.clock.now();
        let usable = same_start_url(&foreign.start_url, &current.start_url)
            && foreign.region == current.region
            && foreign.expires_at > current.expires_at
            && foreign.expires_at - now > REFRESH_BEFORE
            && foreign.access_token != current.access_token;
        let (true, Some(client_id), Some(client_secret), Some(registration_expires_at)) = (
            usable,
            foreign.client_id,
            foreign.client_secret,
            foreign.registration_expires_at,
        ) else {
            return Ok(None);
        };
        tracing::debug!("adopting the SSO token the AWS CLI renewed");
        let token = SsoToken {
            start_url: current.start_url.clone(),
            region: current.region.clone(),
            access_token: foreign.access_token,
            expires_at: foreign.expires_at,
            refresh_token: foreign.refresh_token,
            client_id,
            client_secret,
            registration_expires_at,
            issued_at: now,
            logged_in_at: current.logged_in_at,
        };
        self.vault
            .save(&keys::sso_token(&self.settings.session_name), &token)
            .await?;
        Ok(Some(token))
    }

    /// Runs a login, `flow` deciding how: one per machine at a time. A process that
    /// waited for another's login uses its result instead of prompting again.
    pub async fn login(&self, flow: LoginFlow, hooks: LoginHooks<'_>) -> Result<SsoToken> {
        let before = self.stored().await?.map(|t| t.issued_at);
        let _guard = self
            .lock
            .acquire(|| (hooks.on_progress)(LoginProgress::WaitingForAnotherLogin))
            .await?;
        if let Some(current) = self.stored().await? {
            if Some(current.issued_at) != before
                && current.remaining(self.clock.now()) > REFRESH_BEFORE
            {
                return Ok(current);
            }
        }
        let (registration, issued) = match flow {
            LoginFlow::Browser => self.browser_sign_in(hooks).await?,
            LoginFlow::DeviceCode => self.device_sign_in(hooks).await?,
        };
        let now = self.clock.now();
        let refresh_token = issued.refresh_token.clone();
        let token = self.token_from(
            issued,
            &registration.client_id,
            &registration.client_secret,
            registration.expires_at,
            now,
            refresh_token,
        );
        self.store(&token).await?;
        (hooks.on_progress)(LoginProgress::Approved);
        Ok(token)
    }

    /// Proves the OIDC endpoint answers, by making sure there is a client registration.
    pub async fn check(&self) -> Result<()> {
        self.registration(false).await.map(|_| ())
    }

    /// The stored OIDC client registration, or a new one.
    async fn registration(&self, force_new: bool) -> Result<ClientRegistration> {
        let key = keys::sso_registration(&self.settings.session_name);
        let now = self.clock.now();
        if !force_new {
            let stored: Option<ClientRegistration> = self.vault.load(&key).await?;
            if let Some(reg) =
                stored.filter(|r| r.is_usable(&self.settings.region, now, REGISTRATION_MARGIN))
            {
                return Ok(reg);
            }
        }
        let reg = self.oidc.register(&self.settings.region, now).await?;
        self.vault.save(&key, &reg).await?;
        Ok(reg)
    }

    #[allow(clippy::too_many_arguments)]
    fn token_from(
        &self,
        issued: IssuedToken,
        client_id: &str,
        client_secret: &crate::secret::Secret,
        registration_expires_at: chrono::DateTime<chrono::Utc>,
        logged_in_at: chrono::DateTime<chrono::Utc>,
        previous_refresh: Option<crate::secret::Secret>,
    ) -> SsoToken {
        let now = self.clock.now();
        SsoToken {
            start_url: self.settings.start_url.clone(),
            region: self.settings.region.clone(),
            access_token: issued.access_token,
            expires_at: now + issued.expires_in,
            // A refresh may omit the refresh token, which then stays the same.
            refresh_token: issued.refresh_token.or(previous_refresh),
            client_id: client_id.to_owned(),
            client_secret: client_secret.clone(),
            registration_expires_at,
            issued_at: now,
            logged_in_at,
        }
    }

    async fn store(&self, token: &SsoToken) -> Result<()> {
        self.vault
            .save(&keys::sso_token(&self.settings.session_name), token)
            .await?;
        if let Some(cache) = &self.aws_cache {
            cache.write(token)?;
        }
        Ok(())
    }

    /// Forgets the login: the keyring entry and the AWS CLI cache file. Returns the token
    /// that was stored, so the caller can end the portal session with it.
    pub async fn forget(&self) -> Result<Option<SsoToken>> {
        let _guard = self.lock.acquire(|| {}).await?;
        let token = self.stored().await?;
        self.vault
            .delete(&keys::sso_token(&self.settings.session_name))
            .await?;
        if let Some(cache) = &self.aws_cache {
            cache.remove_if_for(&self.settings.start_url)?;
        }
        Ok(token)
    }
}

/// Kept public for the app's settings screen: which scope Stint registers with.
pub const REGISTRATION_SCOPE: &str = oidc::ACCOUNT_ACCESS_SCOPE;

mod browser;
mod device;
