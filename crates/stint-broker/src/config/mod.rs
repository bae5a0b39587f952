//! The broker's configuration: built-in defaults, then a TOML file, then `STINT_`
//! environment variables (see [`env`] for the mapping). `stint-broker default-config`
//! prints [`EXAMPLE`], an annotated file with every key.

mod activity;
mod duration;
pub mod env;
mod http;
mod secret;
mod sts;

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::policy::source::{self, SourceMap};

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
    /// Loads the config: defaults, then the file (when given), then the `STINT_`
    /// variables among `vars` (pass `std::env::vars()`).
    pub fn load(
        path: Option<&Path>,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let Some(path) = path else {
            return Config::from_toml("(defaults)", "", vars, PathBuf::from("."));
        };
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let base = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        Config::from_toml(&path.display().to_string(), &text, vars, base)
    }

    /// As [`Config::load`], from text. `name` is what messages call the file.
    pub fn from_toml(
        name: &str,
        text: &str,
        vars: impl IntoIterator<Item = (String, String)>,
        base_dir: PathBuf,
    ) -> Result<Config, ConfigError> {
        let map = SourceMap::new(name, text);
        let at = |span: Option<std::ops::Range<usize>>| {
            let loc = span.map_or(source::Location { line: 1, column: 1 }, |s| {
                map.location(s.start)
            });
            format!("{name}:{loc}")
        };
        // The file alone first, so its mistakes are reported with their line.
        let mut file: toml::Table = toml::from_str(text).map_err(|e| {
            ConfigError::Invalid(vec![format!(
                "{}: error: {}",
                at(e.span()),
                one_line(e.message())
            )])
        })?;
        if let Err(e) = toml::from_str::<Config>(text) {
            return Err(ConfigError::Invalid(vec![format!(
                "{}: error: {}",
                at(e.span()),
                one_line(e.message())
            )]));
        }

        let schema = schema();
        let mut problems = Vec::new();
        for o in env::overrides(vars, &schema) {
            let mut next = file.clone();
            if let Err(e) = env::apply(&mut next, &schema, &o) {
                problems.push(format!("{}: error: {e}", o.var));
                continue;
            }
            match Config::deserialize(toml::Value::Table(next.clone())) {
                Ok(_) => file = next,
                Err(e) => problems.push(format!("{}: error: {}", o.var, one_line(e.message()))),
            }
        }
        if !problems.is_empty() {
            return Err(ConfigError::Invalid(problems));
        }
        let mut config = Config::deserialize(toml::Value::Table(file)).map_err(|e| {
            ConfigError::Invalid(vec![format!("{name}: error: {}", one_line(e.message()))])
        })?;
        config.base_dir = base_dir;

        let spanned = source::parse(&map).ok();
        let problems: Vec<String> = config
            .problems()
            .into_iter()
            .map(|(key, message)| {
                let origin = spanned
                    .as_ref()
                    .and_then(|root| source::find(root, &key))
                    .map(|entry| at(Some(entry.node.span.clone())))
                    .unwrap_or_else(|| format!("{name}: `{}`", key.join(".")));
                format!("{origin}: error: {message}")
            })
            .collect();
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(ConfigError::Invalid(problems))
        }
    }

    /// What serde cannot check: ranges and the shape of AWS identifiers.
    fn problems(&self) -> Vec<(Vec<&'static str>, String)> {
        let mut out = Vec::new();
        let mut bad = |key: &[&'static str], message: String| out.push((key.to_vec(), message));
        match Url::parse(&self.public_url) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => {}
            Ok(_) => bad(
                &["public_url"],
                "public_url must be an http or https URL".to_owned(),
            ),
            Err(e) => bad(
                &["public_url"],
                format!("public_url \"{}\" is not a URL: {e}", self.public_url),
            ),
        }
        if self
            .audience
            .as_deref()
            .is_some_and(|a| a.trim().is_empty())
        {
            bad(
                &["audience"],
                "audience is empty; remove it to use public_url".to_owned(),
            );
        }
        if self.policy_file.as_os_str().is_empty() {
            bad(
                &["policy_file"],
                "policy_file is empty; name the policy file".to_owned(),
            );
        }
        range(&mut bad, &["session_ttl"], self.session_ttl, 60, 7 * 86400);
        range(
            &mut bad,
            &["reconcile_interval"],
            self.reconcile_interval,
            5,
            3600,
        );
        range(
            &mut bad,
            &["side_effect_deadline"],
            self.side_effect_deadline,
            10,
            86400,
        );
        if self
            .webhook_secret
            .as_ref()
            .is_some_and(|s| s.expose().len() < 16)
        {
            bad(
                &["webhook_secret"],
                "webhook_secret is shorter than 16 characters; use a long random value".to_owned(),
            );
        }
        let ic = &self.identity_center;
        if !is_region(&ic.region) {
            bad(
                &["identity_center", "region"],
                format!(
                    "\"{}\" is not an AWS region name such as \"us-east-1\"",
                    ic.region
                ),
            );
        }
        if let Some(arn) = &ic.instance_arn {
            if !(arn.starts_with("arn:aws") && arn.contains(":instance/")) {
                bad(
                    &["identity_center", "instance_arn"],
                    format!(
                        "\"{arn}\" is not an Identity Center instance ARN (arn:aws:sso:::instance/ssoins-...)"
                    ),
                );
            }
        }
        if ic
            .identity_store_id
            .as_deref()
            .is_some_and(|id| id.trim().is_empty())
        {
            bad(
                &["identity_center", "identity_store_id"],
                "identity_store_id is empty; remove it to discover it".to_owned(),
            );
        }
        if ic.baseline_permission_set.trim().is_empty() {
            bad(&["identity_center", "baseline_permission_set"], "baseline_permission_set is empty; name the permission set everyone holds to prove who they are".to_owned());
        }
        if ic.baseline_account.is_empty() {
            bad(&["identity_center", "baseline_account"], "set identity_center.baseline_account to the 12-digit id of the account holding the baseline permission set".to_owned());
        } else if !(ic.baseline_account.len() == 12
            && ic.baseline_account.bytes().all(|b| b.is_ascii_digit()))
        {
            bad(
                &["identity_center", "baseline_account"],
                format!(
                    "baseline_account \"{}\" is not a 12-digit AWS account id",
                    ic.baseline_account
                ),
            );
        }
        for host in &ic.sts_hosts {
            if let Err(e) = StsEndpoint::parse(host) {
                bad(&["identity_center", "sts_hosts"], e);
            }
        }
        range(
            &mut bad,
            &["identity_center", "max_signing_skew"],
            ic.max_signing_skew,
            1,
            15 * 60,
        );
        self.http.problems(&mut bad);
        self.sign_in_limits.problems(&mut bad);
        self.activity_problems(&mut bad);
        out
    }

    fn activity_problems(&self, bad: &mut impl FnMut(&[&'static str], String)) {
        let a = &self.activity;
        if let Some(group) = &a.log_group {
            // CloudWatch Logs' own rule for log group names.
            let ok = !group.is_empty()
                && group.len() <= 512
                && group
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-/.#".contains(c));
            if !ok {
                bad(
                    &["activity", "log_group"],
                    format!(
                        "\"{group}\" is not a CloudWatch Logs log group name (1-512 of a-z, A-Z, 0-9, _ - / . #); name the organization trail's log group, or remove the key to turn activity off"
                    ),
                );
            }
        }
        if let Some(region) = a.region.as_deref().filter(|r| !is_region(r)) {
            bad(
                &["activity", "region"],
                format!("\"{region}\" is not an AWS region name such as \"us-east-1\""),
            );
        }
        range(bad, &["activity", "query_timeout"], a.query_timeout, 1, 600);
        range(bad, &["activity", "delivery_lag"], a.delivery_lag, 0, 86400);
        if !a.watch_interval.is_zero() {
            range(
                bad,
                &["activity", "watch_interval"],
                a.watch_interval,
                10,
                86400,
            );
        }
    }

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

fn range(
    bad: &mut impl FnMut(&[&'static str], String),
    key: &[&'static str],
    value: Duration,
    min_secs: u64,
    max_secs: u64,
) {
    let secs = value.as_secs();
    if secs < min_secs || secs > max_secs {
        bad(
            key,
            format!(
                "{} is {}, outside the allowed range {} to {}",
                key.join("."),
                crate::policy::human_duration(value),
                crate::policy::human_duration(Duration::from_secs(min_secs)),
                crate::policy::human_duration(Duration::from_secs(max_secs)),
            ),
        );
    }
}

fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
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
