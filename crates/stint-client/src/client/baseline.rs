//! Proving who the person is to the broker: the baseline role's credentials sign an
//! `sts:GetCallerIdentity` naming the broker, which the broker forwards to STS.

use std::sync::Arc;

use futures::future::BoxFuture;
use stint_api::AuthAwsRequest;

use super::{Core, Stint};
use crate::broker::IdentitySigner;
use crate::credentials::{CachedCredentials, RoleCredentials};
use crate::endpoints;
use crate::error::{Error, Result};
use crate::identity::{self, CallerIdentity};
use crate::portal::PortalError;

impl Stint {
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
}

impl Core {
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
                    grant_checked_at: None,
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

pub(super) struct BaselineSigner {
    pub(super) core: Arc<Core>,
}

impl IdentitySigner for BaselineSigner {
    fn signed_identity<'a>(&'a self, audience: &'a str) -> BoxFuture<'a, Result<AuthAwsRequest>> {
        Box::pin(self.core.signed_identity(audience))
    }
}
