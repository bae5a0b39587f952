//! `~/.config/stint/config.toml`: which broker, which Identity Center, and the user's
//! preferences. Layered: built-in defaults, then the file, then `STINT_*` variables (which
//! the CLI's flags also set), so a test or a one-off command can override any of it.

use std::path::Path;

use serde::{Deserialize, Serialize};
use stint_api::AuthConfig;
use url::Url;

use crate::error::{Error, Result};
use crate::export::ExportFormat;
use crate::fsutil;

/// The sso-session name used when none is configured; also the AWS config section name.
pub const DEFAULT_SSO_SESSION: &str = "stint";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The Stint broker, for example `https://stint.example.com`.
    pub broker_url: Option<Url>,
    /// Name of the AWS `sso-session` Stint's login is shared under.
    pub sso_session: Option<String>,
    /// What the broker's `GET /v1/auth/config` said, cached by `stint configure`.
    pub identity_center: IdentityCenter,
    pub preferences: Preferences,
}

/// Where people sign in, and the baseline role that proves who they are to the broker.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdentityCenter {
    pub start_url: Option<String>,
    pub sso_region: Option<String>,
    pub baseline_account_id: Option<String>,
    pub baseline_role_name: Option<String>,
    /// The broker's audience, signed into the identity request.
    pub audience: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Preferences {
    /// Also write the SSO token to `~/.aws/sso/cache` so `aws` and the SDKs share the login.
    pub write_aws_cli_cache: bool,
    /// `stint creds` output when `--format` is not given.
    pub export_format: ExportFormat,
    /// Region the console opens in when `--region` is not given.
    pub console_region: Option<String>,
    /// Sign in with a device code instead of the browser sign-in, as
    /// `stint login --use-device-code` does.
    pub use_device_code: bool,
    /// Whether `credential-process`, `creds`, `console` and `ls` ask a running agent
    /// first, and start one when none runs.
    pub agent: AgentMode,
}

/// How the CLI uses the agent (`stint agent`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentMode {
    /// Ask the agent when one runs; otherwise do the work in this process.
    #[default]
    Use,
    /// As `use`, and start an agent in the background when none runs.
    Start,
    /// Never ask an agent.
    Off,
}

impl std::str::FromStr for AgentMode {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "use" => Ok(Self::Use),
            "start" => Ok(Self::Start),
            "off" => Ok(Self::Off),
            other => Err(Error::InvalidInput(format!(
                "STINT_AGENT is `{other}`: write use, start or off"
            ))),
        }
    }
}

impl Default for Preferences {
    fn default() -> Self {
        Self {
            write_aws_cli_cache: true,
            export_format: ExportFormat::Env,
            console_region: None,
            use_device_code: false,
            agent: AgentMode::Use,
        }
    }
}

/// Everything the SSO login needs, checked present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoSettings {
    pub session_name: String,
    pub start_url: String,
    pub region: String,
}

/// The role whose credentials sign the broker identity request, checked present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaselineRole {
    pub account_id: String,
    pub role_name: String,
}

impl Config {
    /// Reads the file; a missing file is an empty configuration.
    pub fn load(path: &Path) -> Result<Self> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(source) => return Err(Error::io(path, source)),
        };
        toml::from_str(&text).map_err(|e| Error::Config {
            path: path.to_owned(),
            message: e.to_string().trim_end().replace('\n', " "),
        })
    }

    /// Writes the file atomically (mode 0600: it names the company's Identity Center).
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = toml::to_string_pretty(self).map_err(|e| Error::Config {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        let body = format!(
            "# Stint client configuration. `stint configure` writes it; edit freely.\n\n{text}"
        );
        fsutil::write_atomic(path, body.as_bytes(), 0o600)
    }

    /// Applies `STINT_*` overrides from `var` (an environment lookup).
    pub fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<()> {
        let var = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        if let Some(url) = var("STINT_BROKER_URL") {
            self.broker_url = Some(parse_broker_url(&url)?);
        }
        if let Some(name) = var("STINT_SSO_SESSION") {
            self.sso_session = Some(name);
        }
        let ic = &mut self.identity_center;
        for (name, slot) in [
            ("STINT_START_URL", &mut ic.start_url),
            ("STINT_SSO_REGION", &mut ic.sso_region),
            ("STINT_BASELINE_ACCOUNT_ID", &mut ic.baseline_account_id),
            ("STINT_BASELINE_ROLE", &mut ic.baseline_role_name),
            ("STINT_AUDIENCE", &mut ic.audience),
        ] {
            if let Some(value) = var(name) {
                *slot = Some(value);
            }
        }
        if let Some(value) = var("STINT_WRITE_AWS_CLI_CACHE") {
            self.preferences.write_aws_cli_cache = parse_bool("STINT_WRITE_AWS_CLI_CACHE", &value)?;
        }
        if let Some(value) = var("STINT_EXPORT_FORMAT") {
            self.preferences.export_format = value.parse()?;
        }
        if let Some(value) = var("STINT_USE_DEVICE_CODE") {
            self.preferences.use_device_code = parse_bool("STINT_USE_DEVICE_CODE", &value)?;
        }
        if let Some(value) = var("STINT_CONSOLE_REGION") {
            self.preferences.console_region = Some(value);
        }
        if let Some(value) = var("STINT_AGENT") {
            self.preferences.agent = value.parse()?;
        }
        Ok(())
    }

    /// Records what the broker's public auth configuration said.
    pub fn adopt_auth_config(&mut self, auth: &AuthConfig) {
        self.identity_center = IdentityCenter {
            start_url: Some(auth.start_url.clone()),
            sso_region: Some(auth.sso_region.clone()),
            baseline_account_id: Some(auth.baseline_account_id.clone()),
            baseline_role_name: Some(auth.baseline_role_name.clone()),
            audience: Some(auth.audience.clone()),
        };
    }

    pub fn sso_session_name(&self) -> &str {
        self.sso_session.as_deref().unwrap_or(DEFAULT_SSO_SESSION)
    }

    pub fn sso(&self) -> Result<SsoSettings> {
        let ic = &self.identity_center;
        let start_url = ic.start_url.clone().ok_or(Error::NotConfigured {
            what: "the Identity Center start URL",
        })?;
        let region = ic.sso_region.clone().ok_or(Error::NotConfigured {
            what: "the Identity Center region",
        })?;
        let session_name = self.sso_session_name().to_owned();
        validate_session_name(&session_name)?;
        Ok(SsoSettings {
            session_name,
            start_url,
            region,
        })
    }

    pub fn baseline(&self) -> Result<BaselineRole> {
        let ic = &self.identity_center;
        Ok(BaselineRole {
            account_id: ic.baseline_account_id.clone().ok_or(Error::NotConfigured {
                what: "the baseline account",
            })?,
            role_name: ic.baseline_role_name.clone().ok_or(Error::NotConfigured {
                what: "the baseline role",
            })?,
        })
    }

    pub fn broker(&self) -> Result<&Url> {
        self.broker_url.as_ref().ok_or(Error::NotConfigured {
            what: "the broker URL",
        })
    }
}

/// Accepts `https://host[:port][/prefix]`, and `http://` only for loopback hosts (tests,
/// the demo): a bearer token must not cross a network in the clear.
pub fn parse_broker_url(text: &str) -> Result<Url> {
    let invalid = |why: &str| Error::InvalidInput(format!("broker URL `{text}` {why}"));
    let url = Url::parse(text.trim()).map_err(|e| invalid(&format!("is not a URL ({e})")))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(invalid(
                "must use https (http is allowed only for localhost)",
            ));
        }
        _ => return Err(invalid("must start with https://")),
    }
    if url.host_str().is_none() {
        return Err(invalid("has no host"));
    }
    Ok(url)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn parse_bool(name: &str, value: &str) -> Result<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(Error::InvalidInput(format!(
            "{name}=`{value}` is not a boolean: use true or false"
        ))),
    }
}

/// The name becomes an INI section header and a file name hash; keep it to what the AWS
/// CLI itself accepts in `[sso-session NAME]`.
fn validate_session_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "sso-session name `{name}` may hold only letters, digits, `-`, `_` and `.`"
        )))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn a_missing_file_is_the_defaults_and_saving_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/config.toml");
        let mut config = Config::load(&path).unwrap();
        assert_eq!(config, Config::default());
        assert!(
            config.preferences.write_aws_cli_cache,
            "the AWS CLI cache is on by default"
        );
        assert_eq!(config.sso_session_name(), "stint");
        assert!(
            !config.preferences.use_device_code,
            "the browser sign-in is the default"
        );

        config.broker_url = Some(parse_broker_url("https://stint.example.com").unwrap());
        config.identity_center.start_url = Some("https://d-1.awsapps.com/start".into());
        config.preferences.export_format = ExportFormat::Fish;
        config.save(&path).unwrap();
        assert_eq!(Config::load(&path).unwrap(), config);

        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_bad_file_names_the_file_and_the_problem() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "broker_url = \"https://x\"\nbogus = 1\n").unwrap();
        let err = Config::load(&path).unwrap_err().to_string();
        assert!(err.contains("config.toml"), "{err}");
        assert!(err.contains("bogus"), "{err}");
    }

    #[test]
    fn environment_overrides_the_file() {
        let vars: HashMap<&str, &str> = [
            ("STINT_BROKER_URL", "http://127.0.0.1:9000"),
            ("STINT_START_URL", "http://127.0.0.1:9001/start"),
            ("STINT_SSO_REGION", "eu-west-1"),
            ("STINT_BASELINE_ACCOUNT_ID", "222222222222"),
            ("STINT_BASELINE_ROLE", "StintBaseline"),
            ("STINT_SSO_SESSION", "work"),
            ("STINT_WRITE_AWS_CLI_CACHE", "false"),
            ("STINT_EXPORT_FORMAT", "json"),
            ("STINT_USE_DEVICE_CODE", "yes"),
        ]
        .into_iter()
        .collect();
        let mut config = Config::default();
        config.identity_center.sso_region = Some("us-east-1".into());
        config
            .apply_env(|k| vars.get(k).map(|v| v.to_string()))
            .unwrap();

        let sso = config.sso().unwrap();
        assert_eq!(sso.region, "eu-west-1");
        assert_eq!(sso.session_name, "work");
        assert_eq!(sso.start_url, "http://127.0.0.1:9001/start");
        assert_eq!(config.baseline().unwrap().role_name, "StintBaseline");
        assert!(!config.preferences.write_aws_cli_cache);
        assert_eq!(config.preferences.export_format, ExportFormat::Json);
        assert!(config.preferences.use_device_code);
        assert_eq!(config.broker().unwrap().as_str(), "http://127.0.0.1:9000/");
    }

    #[test]
    fn missing_settings_say_what_is_missing() {
        let err = Config::default().sso().unwrap_err();
        assert!(matches!(err, Error::NotConfigured { .. }));
        assert!(err.to_string().contains("start URL"), "{err}");
        assert!(err.to_string().contains("stint configure"), "{err}");
    }

    #[test]
    fn broker_urls_must_be_https_unless_loopback() {
        assert!(parse_broker_url("https://stint.example.com").is_ok());
        assert!(parse_broker_url("http://localhost:8080").is_ok());
        assert!(parse_broker_url("http://[::1]:8080").is_ok());
        let err = parse_broker_url("http://stint.example.com")
            .unwrap_err()
            .to_string();
        assert!(err.contains("https"), "{err}");
        assert!(parse_broker_url("stint.example.com").is_err());
    }

    #[test]
    fn session_names_that_would_break_the_aws_config_are_refused() {
        let mut config = Config::default();
        config.identity_center.start_url = Some("https://x/start".into());
        config.identity_center.sso_region = Some("us-east-1".into());
        config.sso_session = Some("my session]".into());
        assert!(matches!(config.sso(), Err(Error::InvalidInput(_))));
    }
}
