//! What authentication needs from the broker's configuration, gathered once at start.

use std::time::Duration;

use stint_api::AuthConfig;

use crate::config::{Config, SignInLimits, StsEndpoint};

/// How long one STS call may take, connecting included. A login waits on it, so it is short.
pub const DEFAULT_STS_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthSettings {
    /// The value clients must sign into `x-stint-broker`.
    pub audience: String,
    /// Where signed identity requests may be sent; nothing else is ever contacted.
    pub sts_endpoints: Vec<StsEndpoint>,
    /// The ARN partition of the Identity Center region (`aws`, `aws-cn`, `aws-us-gov`...).
    pub partition: String,
    /// The account where everyone holds the baseline permission set.
    pub baseline_account: String,
    /// The baseline permission set's name.
    pub baseline_permission_set: String,
    /// How far a signing time may be from the broker's clock, either way.
    pub max_signing_skew: Duration,
    /// How long a broker session lasts.
    pub session_ttl: Duration,
    pub sts_timeout: Duration,
    /// The access portal URL clients sign in to.
    pub start_url: String,
    /// The Identity Center region (for the clients' sso and sso-oidc calls).
    pub sso_region: String,
    /// How often sign-in may be tried, and how refusals are audited.
    pub sign_in_limits: SignInLimits,
}

impl AuthSettings {
    /// The settings a loaded config gives. The access portal URL is the configured one, or
    /// AWS's default for the identity store (`https://<store id>.awsapps.com/start`); with
    /// neither, pass the discovered store id through [`AuthSettings::with_identity_store`].
    pub fn from_config(config: &Config) -> Self {
        let ic = &config.identity_center;
        let start_url = ic
            .start_url
            .clone()
            .or_else(|| ic.identity_store_id.as_deref().map(default_start_url))
            .unwrap_or_default();
        Self {
            audience: config.audience(),
            sts_endpoints: config.sts_endpoints(),
            partition: partition(&ic.region).to_owned(),
            baseline_account: ic.baseline_account.clone(),
            baseline_permission_set: ic.baseline_permission_set.clone(),
            max_signing_skew: ic.max_signing_skew,
            session_ttl: config.session_ttl,
            sts_timeout: DEFAULT_STS_TIMEOUT,
            start_url,
            sso_region: ic.region.clone(),
            sign_in_limits: config.sign_in_limits.clone(),
        }
    }

    /// Fills in the access portal URL from an identity store id found at start, when the
    /// config named none.
    pub fn with_identity_store(mut self, identity_store_id: &str) -> Self {
        if self.start_url.is_empty() {
            self.start_url = default_start_url(identity_store_id);
        }
        self
    }

    /// What `GET /v1/auth/config` tells clients.
    pub fn client_config(&self) -> AuthConfig {
        AuthConfig {
            audience: self.audience.clone(),
            start_url: self.start_url.clone(),
            sso_region: self.sso_region.clone(),
            baseline_account_id: self.baseline_account.clone(),
            baseline_role_name: self.baseline_permission_set.clone(),
        }
    }
}

fn default_start_url(identity_store_id: &str) -> String {
    format!("https://{identity_store_id}.awsapps.com/start")
}

/// The ARN partition a region belongs to.
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else {
        "aws"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(extra: &str) -> Config {
        let text = format!(
            "[identity_center]\nbaseline_account = \"222222222222\"\nregion = \"eu-west-1\"\n{extra}"
        );
        Config::from_toml("broker.toml", &text, Vec::new(), ".".into()).unwrap()
    }

    #[test]
    fn settings_follow_the_config() {
        let s = AuthSettings::from_config(&config(
            "start_url = \"https://acme.awsapps.com/start\"\nsts_hosts = [\"http://127.0.0.1:8701\"]",
        ));
        assert_eq!(s.audience, "http://127.0.0.1:8700");
        assert_eq!(s.partition, "aws");
        assert_eq!(s.baseline_account, "222222222222");
        assert_eq!(s.baseline_permission_set, "StintBaseline");
        assert_eq!(s.max_signing_skew, Duration::from_secs(300));
        assert_eq!(s.session_ttl, Duration::from_secs(8 * 3600));
        assert_eq!(s.sts_endpoints.len(), 1);
        let c = s.client_config();
        assert_eq!(c.start_url, "https://acme.awsapps.com/start");
        assert_eq!(c.sso_region, "eu-west-1");
        assert_eq!(c.baseline_role_name, "StintBaseline");
    }

    #[test]
    fn the_portal_url_defaults_to_the_identity_store_s() {
        let s = AuthSettings::from_config(&config("identity_store_id = \"d-1234567890\""));
        assert_eq!(s.start_url, "https://d-1234567890.awsapps.com/start");
        let s = AuthSettings::from_config(&config("")).with_identity_store("d-0987654321");
        assert_eq!(s.start_url, "https://d-0987654321.awsapps.com/start");
        // The real default endpoints of the region when none are configured.
        assert_eq!(s.sts_endpoints.len(), 2);
    }

    #[test]
    fn partitions() {
        assert_eq!(partition("us-east-1"), "aws");
        assert_eq!(partition("cn-north-1"), "aws-cn");
        assert_eq!(partition("us-gov-west-1"), "aws-us-gov");
    }
}
