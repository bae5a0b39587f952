//! Config layering (defaults < file < environment), validation with lines, redaction,
//! and the embedded example kept in sync with the real keys.

use std::path::PathBuf;
use std::time::Duration;

use super::*;

fn no_env() -> Vec<(String, String)> {
    Vec::new()
}

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

const FILE: &str = r#"
listen = "0.0.0.0:9000"
database_url = "postgres://stint:hunter2@db.internal/stint"
reconcile_interval = "1m"

[identity_center]
region = "eu-west-1"
baseline_account = "222222222222"
"#;

fn load(text: &str, vars: Vec<(String, String)>) -> Result<Config, ConfigError> {
    Config::from_toml("broker.toml", text, vars, PathBuf::from("/etc/stint"))
}

fn problems(text: &str, vars: Vec<(String, String)>) -> Vec<String> {
    match load(text, vars) {
        Err(ConfigError::Invalid(p)) => p,
        other => panic!("expected problems, got {other:?}"),
    }
}

#[test]
fn defaults_then_file_then_environment() {
    let c = load(FILE, no_env()).unwrap();
    // From the file.
    assert_eq!(c.listen.to_string(), "0.0.0.0:9000");
    assert_eq!(c.reconcile_interval, Duration::from_secs(60));
    assert_eq!(c.identity_center.region, "eu-west-1");
    // Defaults for the rest.
    assert_eq!(c.session_ttl, Duration::from_secs(8 * 3600));
    assert_eq!(c.identity_center.max_signing_skew, Duration::from_secs(300));
    assert_eq!(c.identity_center.baseline_permission_set, "StintBaseline");
    assert_eq!(c.log_format, LogFormat::Text);

    let c = load(
        FILE,
        env(&[
            ("STINT_LISTEN", "127.0.0.1:9999"),
            ("STINT_LOG_FORMAT", "json"),
            ("STINT_IDENTITY_CENTER__REGION", "eu-central-1"),
            ("STINT_IDENTITY_CENTER__BASELINE_ACCOUNT", "333333333333"),
            (
                "STINT_IDENTITY_CENTER__STS_HOSTS",
                "sts.eu-central-1.amazonaws.com, http://127.0.0.1:8701",
            ),
            ("STINT_WEBHOOK_SECRET", "0123456789abcdef0123"),
            ("STINT_SESSION_TTL", "2h"),
            ("STINT_CONFIG", "/somewhere/else.toml"),
            ("PATH", "/usr/bin"),
        ]),
    )
    .unwrap();
    assert_eq!(c.listen.to_string(), "127.0.0.1:9999");
    assert_eq!(c.log_format, LogFormat::Json);
    assert_eq!(c.identity_center.region, "eu-central-1");
    assert_eq!(c.identity_center.baseline_account, "333333333333");
    assert_eq!(c.session_ttl, Duration::from_secs(7200));
    assert_eq!(
        c.webhook_secret.as_ref().map(Secret::expose),
        Some("0123456789abcdef0123")
    );
    assert_eq!(c.identity_center.sts_hosts.len(), 2);
    // Untouched by the environment: still the file's.
    assert_eq!(c.reconcile_interval, Duration::from_secs(60));
}

#[test]
fn no_file_means_defaults_and_environment() {
    let c = Config::load(
        None,
        env(&[("STINT_IDENTITY_CENTER__BASELINE_ACCOUNT", "222222222222")]),
    )
    .unwrap();
    assert_eq!(c.listen.to_string(), "127.0.0.1:8700");
    assert_eq!(c.database_url.expose(), "sqlite://stint.db");
    assert_eq!(c.audience(), "http://127.0.0.1:8700");
}

#[test]
fn file_mistakes_are_reported_with_their_line() {
    let found = problems("listen = \"nowhere\"\n", no_env());
    assert!(
        found[0].starts_with("broker.toml:1:10: error:"),
        "{found:?}"
    );
    let found = problems("[identity_center]\nregoin = \"x\"\n", no_env());
    assert!(
        found[0].starts_with("broker.toml:2:1: error:") && found[0].contains("regoin"),
        "{found:?}"
    );
    let found = problems("session_ttl = \"forever\"\n", no_env());
    assert!(
        found[0].contains("\"forever\" is not a duration"),
        "{found:?}"
    );
    let found = problems("database_url = \"mysql://x\"\n", no_env());
    assert!(
        found[0].contains("must start with sqlite:// or postgres://"),
        "{found:?}"
    );
}

#[test]
fn range_and_shape_problems_are_all_reported_with_their_line() {
    let text = r#"
reconcile_interval = "2h"
public_url = "not a url"

[identity_center]
region = "Europe"
baseline_account = "2222"
sts_hosts = ["https://sts.amazonaws.com/path"]
max_signing_skew = "1h"
"#;
    let found = problems(text, no_env());
    assert_eq!(found.len(), 6, "{found:#?}");
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("broker.toml:2:22: error: reconcile_interval is 2h, outside")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("broker.toml:3:14: error: public_url")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("broker.toml:6:10: error:") && p.contains("not an AWS region")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("broker.toml:7:20: error:") && p.contains("12-digit")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("broker.toml:8:13: error:") && p.contains("without a path")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("broker.toml:9:20: error:")),
        "{found:#?}"
    );
}

#[test]
fn a_missing_baseline_account_says_what_to_set() {
    let found = problems("", no_env());
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("set identity_center.baseline_account"),
        "{found:?}"
    );
}

#[test]
fn bad_environment_values_name_the_variable() {
    let found = problems(
        FILE,
        env(&[
            ("STINT_LISTEN", "nope"),
            ("STINT_IDENTITY_CENTER__MAX_SIGNING_SKEW", "soon"),
        ]),
    );
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found.iter().any(|p| p.starts_with("STINT_LISTEN: error:")),
        "{found:?}"
    );
    assert!(
        found.iter().any(
            |p| p.starts_with("STINT_IDENTITY_CENTER__MAX_SIGNING_SKEW: error:")
                && p.contains("\"soon\" is not a duration")
        ),
        "{found:?}"
    );
    let found = problems(FILE, env(&[("STINT_IDENTITY_CENTER__REGOIN", "x")]));
    assert!(
        found[0].starts_with("STINT_IDENTITY_CENTER__REGOIN: error:")
            && found[0].contains("regoin"),
        "{found:?}"
    );
}

#[test]
fn secrets_in_the_config_never_print() {
    let c = load(
        FILE,
        env(&[("STINT_WEBHOOK_SECRET", "super-secret-webhook-key")]),
    )
    .unwrap();
    let shown = format!("{c:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(!shown.contains("super-secret-webhook-key"), "{shown}");
    assert!(
        shown.contains("db.internal"),
        "the rest of the URL still shows: {shown}"
    );
    let as_toml = toml::to_string(&c).unwrap();
    assert!(
        !as_toml.contains("hunter2") && !as_toml.contains("super-secret"),
        "{as_toml}"
    );
}

#[test]
fn the_policy_file_is_relative_to_the_config_file() {
    let c = load(FILE, no_env()).unwrap();
    assert_eq!(c.policy_path(), PathBuf::from("/etc/stint/policies.toml"));
    let abs = load(&format!("policy_file = \"/srv/p.toml\"\n{FILE}"), no_env()).unwrap();
    assert_eq!(abs.policy_path(), PathBuf::from("/srv/p.toml"));
}

#[test]
fn the_sts_allow_list_defaults_to_the_regions_real_endpoints() {
    let c = load(FILE, no_env()).unwrap();
    let allowed = |u: &str| c.sts_allows(&url::Url::parse(u).unwrap());
    assert!(allowed("https://sts.eu-west-1.amazonaws.com/"));
    assert!(allowed("https://sts.amazonaws.com/"));
    assert!(!allowed("https://sts.us-east-1.amazonaws.com/"));
    assert!(!allowed("http://127.0.0.1:8701/"));
    let local = load(
        FILE,
        env(&[("STINT_IDENTITY_CENTER__STS_HOSTS", "http://127.0.0.1:8701")]),
    )
    .unwrap();
    assert!(local.sts_allows(&url::Url::parse("http://127.0.0.1:8701/").unwrap()));
    assert!(!local.sts_allows(&url::Url::parse("https://sts.eu-west-1.amazonaws.com/").unwrap()));
}

/// Every key of [`Config`] appears in the example, and the example's values are the
/// defaults (but for the one required key), so `default-config` cannot drift.
#[test]
fn the_embedded_example_matches_the_real_config() {
    let example = load(EXAMPLE, no_env()).unwrap();
    let mut expected = Config {
        base_dir: PathBuf::from("/etc/stint"),
        ..Config::default()
    };
    expected.identity_center.baseline_account = "123456789012".to_owned();
    assert_eq!(example, expected);

    // Commented-out keys count: they document the optional ones.
    let uncommented: String = EXAMPLE
        .lines()
        .map(|l| {
            l.strip_prefix("# ")
                .filter(|r| r.contains(" = "))
                .unwrap_or(l)
        })
        .collect::<Vec<_>>()
        .join("\n");
    let documented: toml::Table = toml::from_str(&uncommented).unwrap();
    fn keys(t: &toml::Table, prefix: &str, out: &mut Vec<String>) {
        for (k, v) in t {
            let path = format!("{prefix}{k}");
            if let toml::Value::Table(inner) = v {
                keys(inner, &format!("{path}."), out);
            } else {
                out.push(path);
            }
        }
    }
    let (mut want, mut have) = (Vec::new(), Vec::new());
    keys(&schema(), "", &mut want);
    keys(&documented, "", &mut have);
    want.sort();
    have.sort();
    assert_eq!(want, have);
}
