//! The broker's configuration: built-in defaults, then a TOML file, then `STINT_`
//! environment variables (see [`env`] for the mapping). `stint-broker default-config`
//! prints [`EXAMPLE`], an annotated file with every key.
//!
//! This file holds the config's types, defaults and what the broker asks of it; `load.rs`
//! layers the file and the environment, and `validate.rs` checks what serde cannot.

mod activity;
mod duration;
pub mod env;
mod http;
mod load;
mod secret;
mod sts;
mod validate;

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use url::Url;

pub use activity::ActivityConfig;
pub use http::{HttpConfig, IpRange, SignInLimits};
pub use secret::{DatabaseUrl, Secret};
pub use sts::{StsEndpoint, default_sts_hosts};

/// The annotated example config, printed by `stint-broker default-config`.
pub const EXAMPLE: &str = include_str!("example.toml");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address the API listens on.
    pub listen: SocketAddr,
    /// Where clients reach the broker.
    pub public_url: String,
    /// The value clients sign into the `x-stint-broker` header; the public URL if unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    pub database_url: DatabaseUrl,
    /// Relative paths are relative to the config file's folder.
    pub policy_file: PathBuf,
    pub log_format: LogFormat,
    /// How long a broker session token lasts.
    #[serde(with = "duration")]
    pub session_ttl: Duration,
    /// How often the broker compares Identity Center with what should exist.
    #[serde(with = "duration")]
    pub reconcile_interval: Duration,
    /// How long a failing create or delete is retried before the grant is marked failed.
    #[serde(with = "duration")]
    pub side_effect_deadline: Duration,
    /// Signs outbound webhooks (HMAC-SHA256) so receivers can trust them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_secret: Option<Secret>,
    pub identity_center: IdentityCenterConfig,
    /// The HTTP edge: timeouts, caps, TLS, trusted proxies.
    pub http: HttpConfig,
    /// How often `POST /v1/auth/aws` may be tried.
    pub sign_in_limits: SignInLimits,
    /// Session activity from the organization trail.
    pub activity: ActivityConfig,
    /// The folder relative paths are resolved against (the config file's).
    #[serde(skip)]
    pub base_dir: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdentityCenterConfig {
    /// The region of the Identity Center instance.
    pub region: String,
    /// Discovered with ListInstances when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_arn: Option<String>,
    /// Discovered with ListInstances when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_store_id: Option<String>,
    /// The access portal URL people sign in to, given to clients.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_url: Option<String>,
    /// The permission set everyone holds to prove who they are.
    pub baseline_permission_set: String,
    /// The account where everyone holds the baseline permission set.
    pub baseline_account: String,
    /// STS endpoints identity requests may go to; empty means the region's real ones.
    pub sts_hosts: Vec<String>,
    /// How far a signed identity request's time may be from the broker's.
    #[serde(with = "duration")]
    pub max_signing_skew: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8700)),
            public_url: "http://127.0.0.1:8700".to_owned(),
            audience: None,
            database_url: DatabaseUrl::new("sqlite://stint.db"),
            policy_file: PathBuf::from("policies.toml"),
            log_format: LogFormat::Text,
            session_ttl: Duration::from_secs(8 * 3600),
            reconcile_interval: Duration::from_secs(5 * 60),
            side_effect_deadline: Duration::from_secs(15 * 60),
            webhook_secret: None,
            identity_center: IdentityCenterConfig::default(),
            http: HttpConfig::default(),
            sign_in_limits: SignInLimits::default(),
            activity: ActivityConfig::default(),
            base_dir: PathBuf::new(),
        }
    }
}

impl Default for IdentityCenterConfig {
    fn default() -> Self {
        Self {
            region: "us-east-1".to_owned(),
            instance_arn: None,
            identity_store_id: None,
            start_url: None,
            baseline_permission_set: "StintBaseline".to_owned(),
            baseline_account: String::new(),
            sts_hosts: Vec::new(),
            max_signing_skew: Duration::from_secs(5 * 60),
        }
    }
}

/// Why a configuration could not be loaded. `Invalid` holds every problem found, each
/// as `origin: error: message`, where origin is `file:line:col` or the variable's name.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", .0.join("\n"))]
    Invalid(Vec<String>),
}

impl Config {
    /// The value clients sign into the `x-stint-broker` header.
    pub fn audience(&self) -> String {
        self.audience
            .clone()
            .unwrap_or_else(|| self.public_url.trim_end_matches('/').to_owned())
    }

    /// The TLS certificate and key files, resolved against the config file's folder.
    pub fn tls_files(&self) -> Option<(PathBuf, PathBuf)> {
        match (&self.http.tls_cert_file, &self.http.tls_key_file) {
            (Some(cert), Some(key)) => Some((self.base_dir.join(cert), self.base_dir.join(key))),
            _ => None,
        }
    }

    /// The policy file, resolved against the config file's folder.
    pub fn policy_path(&self) -> PathBuf {
        self.base_dir.join(&self.policy_file)
    }

    /// The STS endpoints identity requests may be sent to.
    pub fn sts_endpoints(&self) -> Vec<StsEndpoint> {
        let hosts = if self.identity_center.sts_hosts.is_empty() {
            default_sts_hosts(&self.identity_center.region)
        } else {
            self.identity_center.sts_hosts.clone()
        };
        // Entries were checked at load; one that fails here is simply not allowed.
        hosts
            .iter()
            .filter_map(|h| StsEndpoint::parse(h).ok())
            .collect()
    }

    /// Whether a signed identity request may be forwarded to this URL.
    pub fn sts_allows(&self, url: &Url) -> bool {
        self.sts_endpoints().iter().any(|e| e.allows(url))
    }
}

/// The config's shape, every optional key included, to type environment variables.
pub fn schema() -> toml::Table {
    let full = Config {
        audience: Some(String::new()),
        webhook_secret: Some(Secret::default()),
        identity_center: IdentityCenterConfig {
            instance_arn: Some(String::new()),
            identity_store_id: Some(String::new()),
            start_url: Some(String::new()),
            ..IdentityCenterConfig::default()
        },
        activity: ActivityConfig {
            log_group: Some(String::new()),
            region: Some(String::new()),
            ..ActivityConfig::default()
        },
        http: HttpConfig {
            tls_cert_file: Some(PathBuf::new()),
            tls_key_file: Some(PathBuf::new()),
            ..HttpConfig::default()
        },
        ..Config::default()
    };
    match toml::Value::try_from(&full) {
        Ok(toml::Value::Table(table)) => table,
        _ => toml::Table::new(),
    }
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LogFormat::Text => "text",
            LogFormat::Json => "json",
        })
    }
}

#[cfg(test)]
mod tests;
