//! `stint-broker check`, `default-config` and the not-yet-built subcommands, run as the
//! real binary.

use std::path::PathBuf;
use std::process::{Command, Output};

fn broker(args: &[&str]) -> Output {
    broker_with_env(args, &[])
}

fn broker_with_env(args: &[&str], vars: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_stint-broker"));
    cmd.args(args);
    // The test's own environment must not leak into the config.
    for (key, _) in std::env::vars() {
        if key.starts_with("STINT_") {
            cmd.env_remove(key);
        }
    }
    cmd.envs(vars.iter().copied());
    cmd.output().unwrap()
}

fn demo_dir() -> PathBuf {
    PathBuf::from(
        std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned()),
    )
    .join("demo")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn check_accepts_the_demo_config_and_policy() {
    let config = demo_dir().join("broker.toml");
    let out = broker(&[
        "check",
        "--config",
        config.to_str().unwrap(),
        "--deny-warnings",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("ok: 6 eligibility rule(s), 2 approval rule(s)"),
        "{stdout}"
    );
}

#[test]
fn check_prints_every_policy_problem_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("broker.toml");
    std::fs::write(
        &config,
        "[identity_center]\nbaseline_account = \"222222222222\"\n",
    )
    .unwrap();
    let policy = dir.path().join("policies.toml");
    std::fs::write(
        &policy,
        "[settings]\nmax_duration = \"1 fortnight\"\n\n[[eligibility]]\nname = \"x\"\ngroups = [\"engineers\"]\nous = [\"Workloads\"]\npermission_sets = [\"ReadOnlyAccess\"]\n",
    )
    .unwrap();
    let out = broker(&["check", "--config", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    let shown = policy.display().to_string();
    assert!(err.contains(&format!("{shown}:2:16: error:")), "{err}");
    assert!(err.contains(&format!("{shown}:7:8: error:")), "{err}");
    assert!(err.contains("2 error(s)"), "{err}");
}

#[test]
fn check_reports_config_problems_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("broker.toml");
    std::fs::write(&config, "listen = \"everywhere\"\n").unwrap();
    let out = broker(&["check", "--config", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("{}:1:10: error:", config.display())),
        "{err}"
    );
}

#[test]
fn check_fails_plainly_when_the_policy_file_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("broker.toml");
    std::fs::write(
        &config,
        "[identity_center]\nbaseline_account = \"222222222222\"\n",
    )
    .unwrap();
    let out = broker(&["check", "--config", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("cannot read the policy file"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn default_config_prints_a_config_that_check_accepts() {
    let out = broker(&["default-config"]);
    assert!(out.status.success());
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("broker.toml");
    std::fs::write(&config, &out.stdout).unwrap();
    std::fs::copy(
        demo_dir().join("policies.toml"),
        dir.path().join("policies.toml"),
    )
    .unwrap();
    let out = broker(&["check", "--config", config.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn environment_variables_override_the_file_and_are_named_when_wrong() {
    let config = demo_dir().join("broker.toml");
    let config = config.to_str().unwrap();
    let ok = broker_with_env(
        &["check", "--config", config],
        &[("STINT_LISTEN", "0.0.0.0:9000")],
    );
    assert!(ok.status.success(), "{}", stderr(&ok));
    let bad = broker_with_env(
        &["check", "--config", config],
        &[("STINT_IDENTITY_CENTER__BASELINE_ACCOUNT", "not-an-account")],
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("12-digit"), "{}", stderr(&bad));
    let bad = broker_with_env(
        &["check", "--config", config],
        &[("STINT_LISTEN", "nowhere")],
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stderr(&bad).contains("STINT_LISTEN: error:"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn deny_warnings_turns_a_warning_into_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policies.toml");
    // No admin groups: valid, but worth a warning.
    std::fs::write(
        &policy,
        "[[eligibility]]\nname = \"x\"\ngroups = [\"engineers\"]\naccounts = [\"dev\"]\npermission_sets = [\"ReadOnlyAccess\"]\n",
    )
    .unwrap();
    let policy = policy.to_str().unwrap();
    let lenient = broker(&["check", "--policy", policy]);
    assert!(lenient.status.success(), "{}", stderr(&lenient));
    assert!(
        stderr(&lenient).contains(&format!("{policy}:1:1: warning:")),
        "{}",
        stderr(&lenient)
    );
    let strict = broker(&["check", "--policy", policy, "--deny-warnings"]);
    assert_eq!(strict.status.code(), Some(1));
}
