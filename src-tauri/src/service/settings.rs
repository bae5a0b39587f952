//! The Settings view: connection settings go to the client's `config.toml` (shared with
//! the `stint` CLI), the app's own preferences to `app.toml`.

use stint_client::Config;
use stint_client::broker::fetch_auth_config;
use stint_client::config::parse_broker_url;

use super::Service;
use crate::error::{CommandError, CommandResult, UiErrorCode};
use crate::view::{BrokerProbe, SettingsView};

/// The variables that fix a connection setting, by the field they fix.
const OVERRIDES: [(&str, &str); 3] = [
    ("STINT_BROKER_URL", "brokerUrl"),
    ("STINT_START_URL", "startUrl"),
    ("STINT_SSO_REGION", "region"),
];

impl Service {
    pub fn settings(&self) -> CommandResult<SettingsView> {
        let config = Config::load(&self.inner.paths.config_file)?;
        let prefs = self.state().prefs.clone();
        Ok(SettingsView {
            broker_url: config
                .broker_url
                .as_ref()
                .map(|u| u.as_str().trim_end_matches('/').to_owned())
                .unwrap_or_default(),
            start_url: config.identity_center.start_url.clone().unwrap_or_default(),
            region: config
                .identity_center
                .sso_region
                .clone()
                .unwrap_or_default(),
            notifications: prefs.notifications,
            start_at_login: prefs.start_at_login,
            overridden: OVERRIDES
                .iter()
                .filter(|(var, _)| std::env::var(var).is_ok_and(|v| !v.trim().is_empty()))
                .map(|(_, field)| (*field).to_owned())
                .collect(),
        })
    }

    /// What the broker at `url` says about where to sign in.
    pub async fn probe_broker(&self, url: String) -> CommandResult<BrokerProbe> {
        let url = parse_broker_url(&url)?;
        let auth = fetch_auth_config(&url).await?;
        Ok(BrokerProbe {
            start_url: auth.start_url,
            region: auth.sso_region,
        })
    }

    /// Saves the settings. With a broker URL, where to sign in comes from the broker
    /// (as `stint configure` does); without one, from the fields. A change of connection
    /// reloads the client and the stored login.
    pub async fn save_settings(&self, input: SettingsView) -> CommandResult<SettingsView> {
        let path = self.inner.paths.config_file.clone();
        let mut config = Config::load(&path)?;
        let before = config.clone();
        let broker = input.broker_url.trim();
        if broker.is_empty() {
            validate_connection(&input.start_url, &input.region)?;
            config.broker_url = None;
            config.identity_center.start_url = Some(input.start_url.trim().to_owned());
            config.identity_center.sso_region = Some(input.region.trim().to_owned());
        } else {
            let url = parse_broker_url(broker)?;
            let auth = fetch_auth_config(&url).await?;
            config.adopt_auth_config(&auth);
            config.broker_url = Some(url);
        }
        if config != before {
            config.save(&path)?;
        }

        let mut prefs = self.state().prefs.clone();
        if prefs.start_at_login != input.start_at_login {
            self.inner
                .shell
                .set_autostart(input.start_at_login)
                .map_err(|why| {
                    CommandError::new(
                        UiErrorCode::Internal,
                        format!("Cannot change starting at login: {why}."),
                    )
                })?;
        }
        prefs.start_at_login = input.start_at_login;
        prefs.notifications = input.notifications;
        prefs
            .save(&stint_notices::prefs::app_prefs_path(&path))
            .map_err(|e| CommandError::new(UiErrorCode::Internal, e.to_string()))?;
        self.state().prefs = prefs;

        if config != before {
            self.reload().await;
        } else {
            self.publish();
        }
        self.settings()
    }
}

/// A start URL and region typed by hand, checked before they are saved.
pub fn validate_connection(start_url: &str, region: &str) -> CommandResult<()> {
    let invalid = |m: &str| Err(CommandError::new(UiErrorCode::InvalidInput, m));
    let start_url = start_url.trim();
    match url::Url::parse(start_url) {
        Ok(u) if matches!(u.scheme(), "https" | "http") && u.host_str().is_some() => {}
        _ => {
            return invalid(
                "The start URL is your access portal's address, such as https://d-1234567890.awsapps.com/start.",
            );
        }
    }
    let region = region.trim();
    let parts: Vec<&str> = region.split('-').collect();
    let looks_like_region = parts.len() >= 3
        && parts[0].len() == 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()));
    if !looks_like_region {
        return invalid(
            "The region is where Identity Center runs, such as us-east-1 or eu-west-1.",
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_typed_by_hand_are_checked() {
        assert!(validate_connection("https://d-1234567890.awsapps.com/start", "eu-west-1").is_ok());
        assert!(validate_connection("http://127.0.0.1:7800/start", "us-gov-west-1").is_ok());
        let e = validate_connection("d-123.awsapps.com", "us-east-1").unwrap_err();
        assert_eq!(e.code, UiErrorCode::InvalidInput);
        assert!(e.message.contains("start URL"), "{}", e.message);
        let e = validate_connection("https://x/start", "Ireland").unwrap_err();
        assert!(e.message.contains("region"), "{}", e.message);
        assert!(validate_connection("https://x/start", "us-east").is_err());
    }
}
