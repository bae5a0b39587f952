//! What the adapter needs to know beyond the SDK's own configuration.

use std::time::Duration;

use serde::{Deserialize, Deserializer};

/// Identity Center settings. Endpoints, region and credentials are not here: they come from
/// the `SdkConfig` (the default chain, `AWS_ENDPOINT_URL_SSO_ADMIN` and friends).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdcSettings {
    /// `arn:aws:sso:::instance/ssoins-...`. When absent, found with `ListInstances`, which
    /// must then return exactly one instance.
    pub instance_arn: Option<String>,
    /// `d-...`. When absent, taken from the instance `ListInstances` reports.
    pub identity_store_id: Option<String>,
    /// How long to wait for a TCP (and TLS) connection.
    #[serde(deserialize_with = "human_duration")]
    pub connect_timeout: Duration,
    /// How long one call may take in all, connecting included. The engine retries on its own
    /// schedule, so a call that cannot finish in this time is reported as unavailable.
    #[serde(deserialize_with = "human_duration")]
    pub call_timeout: Duration,
    /// Items asked for per list page; `None` lets each service use its default (and the
    /// maximum differs between services: Organizations allows at most 20).
    pub page_size: Option<i32>,
}

impl Default for IdcSettings {
    fn default() -> Self {
        Self {
            instance_arn: None,
            identity_store_id: None,
            connect_timeout: Duration::from_secs(3),
            call_timeout: Duration::from_secs(10),
            page_size: None,
        }
    }
}

fn human_duration<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(deserializer)?;
    humantime::parse_duration(&text).map_err(|e| {
        serde::de::Error::custom(format!(
            "`{text}` is not a duration such as \"3s\" or \"500ms\": {e}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_from_toml_with_defaults_for_what_is_left_out() {
        let settings: IdcSettings = toml::from_str(
            r#"
            instance_arn = "arn:aws:sso:::instance/ssoins-7223a1b2c3d4e5f6"
            call_timeout = "5s"
            "#,
        )
        .unwrap();
        assert_eq!(
            settings.instance_arn.as_deref(),
            Some("arn:aws:sso:::instance/ssoins-7223a1b2c3d4e5f6")
        );
        assert_eq!(settings.identity_store_id, None);
        assert_eq!(settings.call_timeout, Duration::from_secs(5));
        assert_eq!(
            settings.connect_timeout,
            IdcSettings::default().connect_timeout
        );
    }

    #[test]
    fn a_bad_duration_or_an_unknown_key_is_refused_with_the_reason() {
        let err = toml::from_str::<IdcSettings>(r#"call_timeout = "soon""#).unwrap_err();
        assert!(err.to_string().contains("`soon`"), "{err}");
        let err = toml::from_str::<IdcSettings>(r#"instance = "x""#).unwrap_err();
        assert!(err.to_string().contains("instance"), "{err}");
    }
}
