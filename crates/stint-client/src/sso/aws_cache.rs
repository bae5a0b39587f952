//! The AWS CLI's own SSO token cache, `~/.aws/sso/cache/<sha1(sso-session name)>.json`.
//! Writing the token there (same fields and formats as botocore writes) lets `aws` and
//! every SDK use Stint's login through an `sso-session` profile. Reading it back lets
//! Stint adopt a token that the AWS CLI refreshed (which rotates the refresh token).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};

use crate::error::Result;
use crate::fsutil;
use crate::secret::Secret;
use crate::sso::token::SsoToken;

/// botocore's `_serialize_utc_timestamp`: whole seconds, `Z`.
const TIMESTAMP: &str = "%Y-%m-%dT%H:%M:%SZ";

/// The file, for one sso-session.
#[derive(Debug, Clone)]
pub struct AwsCliTokenCache {
    path: PathBuf,
}

/// The JSON document, field for field as botocore writes it.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CachedToken {
    start_url: String,
    region: String,
    access_token: Secret,
    expires_at: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    client_secret: Option<Secret>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    registration_expires_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    refresh_token: Option<Secret>,
}

/// A token as read back from the AWS CLI's cache.
#[derive(Debug, Clone)]
pub struct ForeignToken {
    pub start_url: String,
    pub region: String,
    pub access_token: Secret,
    pub expires_at: DateTime<Utc>,
    pub refresh_token: Option<Secret>,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    pub registration_expires_at: Option<DateTime<Utc>>,
}

impl AwsCliTokenCache {
    pub fn new(cache_dir: &Path, session_name: &str) -> Self {
        Self {
            path: cache_dir.join(file_name(session_name)),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `token` (mode 0600, atomic replace).
    pub fn write(&self, token: &SsoToken) -> Result<()> {
        let doc = CachedToken {
            start_url: token.start_url.clone(),
            region: token.region.clone(),
            access_token: token.access_token.clone(),
            expires_at: token.expires_at.format(TIMESTAMP).to_string(),
            client_id: Some(token.client_id.clone()),
            client_secret: Some(token.client_secret.clone()),
            registration_expires_at: Some(
                token.registration_expires_at.format(TIMESTAMP).to_string(),
            ),
            refresh_token: token.refresh_token.clone(),
        };
        let json = serde_json::to_vec(&doc).map_err(|e| {
            crate::error::Error::protocol("the AWS CLI cache", format!("cannot encode: {e}"))
        })?;
        fsutil::write_atomic(&self.path, &json, 0o600)
    }

    /// The cached token, if there is a readable one.
    pub fn read(&self) -> Result<Option<ForeignToken>> {
        let Some(text) = fsutil::read_optional(&self.path)? else {
            return Ok(None);
        };
        let Ok(doc) = serde_json::from_str::<CachedToken>(&text) else {
            tracing::debug!(path = %self.path.display(), "ignoring an unreadable AWS CLI token cache file");
            return Ok(None);
        };
        let Some(expires_at) = parse_time(&doc.expires_at) else {
            return Ok(None);
        };
        Ok(Some(ForeignToken {
            start_url: doc.start_url,
            region: doc.region,
            access_token: doc.access_token,
            expires_at,
            refresh_token: doc.refresh_token,
            client_id: doc.client_id,
            client_secret: doc.client_secret,
            registration_expires_at: doc.registration_expires_at.as_deref().and_then(parse_time),
        }))
    }

    /// Removes the file if it holds a token for `start_url` (another tool's token for
    /// another Identity Center is left alone).
    pub fn remove_if_for(&self, start_url: &str) -> Result<()> {
        match self.read()? {
            Some(token) if crate::sso::token::same_start_url(&token.start_url, start_url) => {
                fsutil::remove_if_exists(&self.path)
            }
            _ => Ok(()),
        }
    }
}

/// botocore names the file by the SHA-1 of the sso-session name (for `sso-session`
/// profiles; legacy profiles hash the start URL instead).
pub fn file_name(session_name: &str) -> String {
    format!(
        "{}.json",
        hex::encode(Sha1::digest(session_name.as_bytes()))
    )
}

/// botocore and the SDKs write whole seconds with `Z`; some write fractions or an offset.
fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn token() -> SsoToken {
        let t = Utc.with_ymd_and_hms(2026, 3, 4, 5, 6, 7).unwrap();
        SsoToken {
            start_url: "https://d-1.awsapps.com/start".into(),
            region: "us-east-1".into(),
            access_token: Secret::new("access"),
            expires_at: t + chrono::Duration::milliseconds(1500),
            refresh_token: Some(Secret::new("refresh")),
            client_id: "client".into(),
            client_secret: Secret::new("client-secret"),
            registration_expires_at: Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap(),
            issued_at: t,
            logged_in_at: t,
        }
    }

    #[test]
    fn the_file_is_named_by_the_sha1_of_the_session_name() {
        // sha1("stint"), as botocore's SSOTokenLoader computes it.
        assert_eq!(
            file_name("stint"),
            "dbe59cb44046eaf9896d70218bc63d9e2c02b0f5.json"
        );
    }

    #[test]
    fn writes_exactly_the_fields_and_formats_botocore_writes() {
        let dir = tempfile::tempdir().unwrap();
        let cache = AwsCliTokenCache::new(dir.path(), "stint");
        cache.write(&token()).unwrap();
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(cache.path()).unwrap()).unwrap();
        assert_eq!(
            doc,
            serde_json::json!({
                "startUrl": "https://d-1.awsapps.com/start",
                "region": "us-east-1",
                "accessToken": "access",
                "expiresAt": "2026-03-04T05:06:08Z",
                "clientId": "client",
                "clientSecret": "client-secret",
                "registrationExpiresAt": "2026-06-01T00:00:00Z",
                "refreshToken": "refresh",
            })
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(cache.path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn reads_back_what_it_and_the_aws_cli_write() {
        let dir = tempfile::tempdir().unwrap();
        let cache = AwsCliTokenCache::new(dir.path(), "stint");
        assert!(cache.read().unwrap().is_none());
        cache.write(&token()).unwrap();
        let back = cache.read().unwrap().unwrap();
        assert_eq!(back.access_token.expose(), "access");
        assert_eq!(
            back.expires_at,
            Utc.with_ymd_and_hms(2026, 3, 4, 5, 6, 8).unwrap()
        );
        assert_eq!(back.refresh_token.unwrap().expose(), "refresh");

        // The Rust SDK writes fractional seconds; a legacy file has no registration.
        std::fs::write(
            cache.path(),
            r#"{"startUrl":"u","region":"r","accessToken":"a","expiresAt":"2026-03-04T05:06:07.250Z"}"#,
        )
        .unwrap();
        let back = cache.read().unwrap().unwrap();
        assert_eq!(back.expires_at.timestamp_millis() % 1000, 250);
        assert!(back.client_id.is_none());
    }

    #[test]
    fn removal_spares_another_identity_centers_token() {
        let dir = tempfile::tempdir().unwrap();
        let cache = AwsCliTokenCache::new(dir.path(), "stint");
        cache.write(&token()).unwrap();
        cache
            .remove_if_for("https://other.awsapps.com/start")
            .unwrap();
        assert!(cache.path().exists());
        cache
            .remove_if_for("https://d-1.awsapps.com/start/")
            .unwrap();
        assert!(!cache.path().exists());
    }
}
