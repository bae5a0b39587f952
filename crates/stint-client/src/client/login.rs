//! The Identity Center session: the login (browser or device code), its status and silent renewal, and
//! signing out of everything.

use super::Stint;
use crate::error::Result;
use crate::sso::{LoginFlow, LoginHooks, LoginStatus, SsoToken};

impl Stint {
    /// Runs the login `flow` (one per machine; see [`crate::sso::SsoSession::login`]).
    pub async fn login(&self, flow: LoginFlow, hooks: LoginHooks<'_>) -> Result<SsoToken> {
        let token = self.core.sso.login(flow, hooks).await?;
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
}
