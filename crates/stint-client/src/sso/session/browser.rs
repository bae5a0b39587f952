//! The browser sign-in: OAuth authorization code with PKCE, the code brought back by the
//! browser to a one-shot loopback listener, as `aws sso login` does since AWS CLI 2.22.

use super::{BROWSER_WAIT, BrowserOpener, BrowserOutcome, BrowserPrompt, LoginHooks};
use super::{LoginProgress, REGISTRATION_MARGIN, SsoSession};
use crate::error::{Error, Result};
use crate::sso::loopback::{Callback, Loopback};
use crate::sso::oidc::{ACCOUNT_ACCESS_SCOPE, Exchange, IssuedToken};
use crate::sso::pkce::{self, Pkce};
use crate::sso::token::ClientRegistration;
use crate::store::keys;

/// Aborts the listener when the login is dropped (the app's Cancel): the port closes.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl SsoSession {
    /// Opens the sign-in page and waits (at most [`BROWSER_WAIT`]) for the browser to
    /// bring the code back, then trades it for tokens.
    pub(super) async fn browser_sign_in(
        &self,
        hooks: LoginHooks<'_>,
    ) -> Result<(ClientRegistration, IssuedToken)> {
        let (registration, loopback) = self.browser_registration().await?;
        let redirect_uri = loopback.redirect_uri();
        let pkce = Pkce::generate();
        let endpoint = self.oidc.endpoint(&self.settings.region).await?;
        let url = pkce::authorize_url(
            &endpoint,
            &registration.client_id,
            &redirect_uri,
            &pkce,
            &[ACCOUNT_ACCESS_SCOPE],
        );
        let wait = BROWSER_WAIT.to_std().unwrap_or_default();
        // Listening before the browser opens, on a task of its own: some openers return
        // only when the browser they started exits.
        let listening = AbortOnDrop(tokio::spawn(loopback.receive(pkce.state.clone(), wait)));
        let browser = open_without_stalling(hooks.open_browser, url.as_str());
        (hooks.on_progress)(LoginProgress::BrowserSignIn(BrowserPrompt {
            authorize_url: url.to_string(),
            expires_at: self.clock.now() + BROWSER_WAIT,
            browser,
        }));
        let callback = listening
            .await
            .map_err(|e| Error::protocol("the browser sign-in", format!("listener ended: {e}")))?;
        let code = match callback {
            None => {
                return Err(Error::BrowserSignInTimedOut {
                    minutes: BROWSER_WAIT.num_minutes(),
                });
            }
            Some(Callback::Denied) => return Err(Error::LoginDenied),
            Some(Callback::Refused { error, description }) => {
                if matches!(error.as_str(), "unauthorized_client" | "invalid_client") {
                    self.forget_browser_registration().await?;
                }
                return Err(Error::BrowserSignInRefused { error, description });
            }
            Some(Callback::Code(code)) => code,
        };
        match self
            .oidc
            .exchange_code(&registration, &code, &pkce.verifier, &redirect_uri)
            .await?
        {
            Exchange::Issued(issued) => Ok((registration, issued)),
            Exchange::CodeRefused(description) => Err(Error::BrowserSignInRefused {
                error: "invalid_grant".into(),
                description,
            }),
            Exchange::ClientRejected => {
                self.forget_browser_registration().await?;
                Err(Error::BrowserSignInRefused {
                    error: "invalid_client".into(),
                    description: "the client registration is no longer accepted".into(),
                })
            }
        }
    }

    /// The stored browser client if its loopback port is free again (one RegisterClient
    /// per ~90 days, as for the device code), else a new one on a port the OS picks.
    async fn browser_registration(&self) -> Result<(ClientRegistration, Loopback)> {
        let key = keys::sso_browser_registration(&self.settings.session_name);
        let now = self.clock.now();
        let stored: Option<ClientRegistration> = self.vault.load(&key).await?;
        if let Some(reg) =
            stored.filter(|r| r.is_usable(&self.settings.region, now, REGISTRATION_MARGIN))
        {
            if let Some(port) = reg.redirect_uri.as_deref().and_then(loopback_port) {
                match Loopback::bind(port).await {
                    Ok(loopback) => return Ok((reg, loopback)),
                    Err(e) => {
                        tracing::debug!(port, error = %e, "the registered port is taken; registering again");
                    }
                }
            }
        }
        let loopback = Loopback::bind(0).await.map_err(|e| {
            Error::protocol(
                "the browser sign-in",
                format!("cannot listen on 127.0.0.1 for the browser's answer ({e}): use `stint login --use-device-code`"),
            )
        })?;
        let reg = self
            .oidc
            .register_for_browser(
                &self.settings.region,
                &self.settings.start_url,
                &loopback.redirect_uri(),
                now,
            )
            .await?;
        self.vault.save(&key, &reg).await?;
        Ok((reg, loopback))
    }

    async fn forget_browser_registration(&self) -> Result<()> {
        self.vault
            .delete(&keys::sso_browser_registration(&self.settings.session_name))
            .await
    }
}

impl<T> std::future::Future for AbortOnDrop<T> {
    type Output = std::result::Result<T, tokio::task::JoinError>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        std::pin::Pin::new(&mut self.0).poll(cx)
    }
}

/// The port of `http://127.0.0.1:<port>/oauth/callback`.
fn loopback_port(redirect_uri: &str) -> Option<u16> {
    let url = url::Url::parse(redirect_uri).ok()?;
    (url.host_str() == Some("127.0.0.1")).then_some(())?;
    url.port()
}

/// Runs the opener where a slow one cannot stall the listener's task: openers may wait
/// for the browser they start to exit.
fn open_without_stalling(open: Option<BrowserOpener<'_>>, url: &str) -> BrowserOutcome {
    let Some(open) = open else {
        return BrowserOutcome::NotRequested;
    };
    let run = || match open(url) {
        Ok(()) => BrowserOutcome::Opened,
        Err(why) => BrowserOutcome::Failed(why),
    };
    match tokio::runtime::Handle::current().runtime_flavor() {
        tokio::runtime::RuntimeFlavor::MultiThread => tokio::task::block_in_place(run),
        _ => run(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_loopback_redirect_names_a_port_to_reuse() {
        assert_eq!(
            loopback_port("http://127.0.0.1:43123/oauth/callback"),
            Some(43123)
        );
        assert_eq!(loopback_port("http://example.com:80/oauth/callback"), None);
        assert_eq!(loopback_port("not a url"), None);
    }
}
