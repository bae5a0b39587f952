//! `stint-broker check`: the config and the policy file, offline. Everything that can be
//! known without AWS is checked; names of accounts, OUs and permission sets are checked
//! against Identity Center when the broker loads the policy.

use std::process::ExitCode;

use stint_broker::config::{Config, ConfigError};
use stint_broker::policy::{LoadError, Policy};

use super::CheckArgs;

pub fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    // `check --policy FILE` alone checks just that policy file, for CI on a policy repo.
    let policy_only = args.config.config.is_none() && args.policy.is_some();
    let config = match Config::load(args.config.config.as_deref(), std::env::vars()) {
        Ok(config) => config,
        Err(_) if policy_only => Config::default(),
        Err(ConfigError::Invalid(problems)) => {
            for p in &problems {
                eprintln!("{p}");
            }
            eprintln!(
                "the config has {} problem(s); the policy was not checked",
                problems.len()
            );
            return Ok(ExitCode::FAILURE);
        }
        Err(err) => return Err(err.into()),
    };
    let policy_path = args.policy.unwrap_or_else(|| config.policy_path());
    let parsed = match Policy::load(&policy_path) {
        Ok(parsed) => parsed,
        Err(LoadError::Invalid(diagnostics)) => {
            for d in &diagnostics.0 {
                eprintln!("{d}");
            }
            let errors = diagnostics.errors().count();
            eprintln!("{}: {errors} error(s)", policy_path.display());
            return Ok(ExitCode::FAILURE);
        }
        Err(err) => return Err(err.into()),
    };
    for w in &parsed.warnings {
        eprintln!("{w}");
    }
    if args.deny_warnings && !parsed.warnings.is_empty() {
        eprintln!(
            "{}: {} warning(s), denied",
            policy_path.display(),
            parsed.warnings.len()
        );
        return Ok(ExitCode::FAILURE);
    }
    let p = &parsed.policy;
    println!(
        "ok: {} eligibility rule(s), {} approval rule(s) in {}; config {}",
        p.eligibility.len(),
        p.approval.len(),
        policy_path.display(),
        match (&args.config.config, policy_only) {
            (_, true) => "not checked".to_owned(),
            (Some(c), false) => c.display().to_string(),
            (None, false) => "defaults".to_owned(),
        }
    );
    Ok(ExitCode::SUCCESS)
}
