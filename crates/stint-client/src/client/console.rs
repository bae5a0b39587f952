//! The AWS console as a target: a federation sign-in URL, or the portal's shortcut.

use super::Stint;
use crate::console;
use crate::credentials::RoleCredentials;
use crate::endpoints;
use crate::error::Result;
use crate::secret::Secret;
use crate::target::{ResolvedTarget, Target};

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

impl Stint {
    /// A URL that opens the console as `target`. A federation URL signs its holder in:
    /// it is returned as a [`Secret`].
    pub async fn console_url(&self, target: &Target, request: &ConsoleRequest) -> Result<Secret> {
        let resolved = self.resolve(target).await?;
        if request.portal {
            return self.portal_shortcut(&resolved, request);
        }
        let creds = self.credentials_for(&resolved).await?;
        self.federation_url(&creds, request).await
    }

    /// The access portal's shortcut to the console as `target` (no network).
    pub fn portal_shortcut(
        &self,
        target: &ResolvedTarget,
        request: &ConsoleRequest,
    ) -> Result<Secret> {
        let core = &self.core;
        let destination =
            console::destination(&self.console_region(request), request.service.as_deref())?;
        Ok(Secret::new(console::portal_shortcut(
            &core.sso_settings.start_url,
            &target.account_id,
            &target.permission_set,
            Some(&destination),
        )))
    }

    /// A federation sign-in URL made from role credentials the caller already holds (the
    /// agent keeps them in memory).
    pub async fn federation_url(
        &self,
        creds: &RoleCredentials,
        request: &ConsoleRequest,
    ) -> Result<Secret> {
        let core = &self.core;
        let destination =
            console::destination(&self.console_region(request), request.service.as_deref())?;
        let federation =
            endpoints::federation_endpoint(core.sdk.get().await, &core.sso_settings.region)?;
        console::federation_url(
            &core.http,
            &federation,
            creds,
            &core.sso_settings.start_url,
            &destination,
        )
        .await
    }

    fn console_region(&self, request: &ConsoleRequest) -> String {
        let core = &self.core;
        request
            .region
            .clone()
            .or_else(|| core.config.preferences.console_region.clone())
            .unwrap_or_else(|| core.sso_settings.region.clone())
    }
}
