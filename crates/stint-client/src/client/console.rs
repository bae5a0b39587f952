//! The AWS console as a target: a federation sign-in URL, or the portal's shortcut.

use super::Stint;
use crate::console;
use crate::endpoints;
use crate::error::Result;
use crate::secret::Secret;
use crate::target::Target;

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
}
