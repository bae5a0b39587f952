//! What a device login produces and what Stint keeps of it.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::secret::Secret;

/// An SSO OIDC client registration. Reused for every login of its kind until it expires
/// (Identity Center registrations last about 90 days).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientRegistration {
    pub region: String,
    pub client_id: String,
    pub client_secret: Secret,
    pub expires_at: DateTime<Utc>,
    pub scopes: Vec<String>,
    /// The loopback redirect URI a browser sign-in client was registered with; `None` for
    /// the device-code client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
}

impl ClientRegistration {
    /// Usable for a device login that may take up to `margin` to finish.
    pub fn is_usable(&self, region: &str, now: DateTime<Utc>, margin: Duration) -> bool {
        self.region == region && self.expires_at > now + margin
    }
}

/// The Identity Center access token of the signed-in person, with what renews it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SsoToken {
    pub start_url: String,
    pub region: String,
    pub access_token: Secret,
    pub expires_at: DateTime<Utc>,
    /// Present when the registration asked for `sso:account:access`; renews the access
    /// token until the Identity Center session ends. Rotates on each use.
    pub refresh_token: Option<Secret>,
    /// The client that obtained the token; a refresh must use the same one.
    pub client_id: String,
    pub client_secret: Secret,
    pub registration_expires_at: DateTime<Utc>,
    /// When this access token was obtained (device login or refresh). Distinguishes a
    /// token another process just stored from the one we already had.
    pub issued_at: DateTime<Utc>,
    /// When the person approved the device login that started this session.
    pub logged_in_at: DateTime<Utc>,
}

impl SsoToken {
    /// Time left before the access token expires (negative once expired).
    pub fn remaining(&self, now: DateTime<Utc>) -> Duration {
        self.expires_at - now
    }

    pub fn can_refresh(&self, now: DateTime<Utc>) -> bool {
        self.refresh_token.is_some() && self.registration_expires_at > now
    }

    pub fn is_for(&self, start_url: &str, region: &str) -> bool {
        same_start_url(&self.start_url, start_url) && self.region == region
    }
}

/// Start URLs compare without a trailing slash or `#` fragment, as people paste them
/// both ways.
pub fn same_start_url(a: &str, b: &str) -> bool {
    fn norm(s: &str) -> &str {
        s.trim().trim_end_matches('#').trim_end_matches('/')
    }
    norm(a) == norm(b)
}

/// What [`crate::sso::SsoSession::status`] reports, without touching the network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "state")]
pub enum LoginStatus {
    /// No token for this Identity Center.
    LoggedOut,
    /// A token that is valid, or renewable with its refresh token.
    LoggedIn {
        start_url: String,
        access_token_expires_at: DateTime<Utc>,
        renewable: bool,
        logged_in_at: DateTime<Utc>,
    },
    /// The access token expired and cannot be renewed.
    Expired { start_url: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_urls_compare_loosely() {
        assert!(same_start_url(
            "https://d-1.awsapps.com/start",
            "https://d-1.awsapps.com/start/"
        ));
        assert!(same_start_url(
            "https://d-1.awsapps.com/start/#",
            "https://d-1.awsapps.com/start"
        ));
        assert!(!same_start_url(
            "https://d-1.awsapps.com/start",
            "https://d-2.awsapps.com/start"
        ));
    }
}
