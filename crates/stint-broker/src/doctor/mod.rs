//! `stint-broker doctor`: whether the Identity Center, AWS permissions, STS, clock and
//! database the config points at are set up the way Stint needs, checked live and without
//! changing anything. One [`Check`] per line, each failure with what to fix.
//!
//! - `identity_center` — the instance; the baseline permission set exists, grants nothing,
//!   and is assigned to everyone the policy names;
//! - `policy` — the policy resolves against the live Identity Center as `serve` will load
//!   it (accounts, OUs, permission sets, grantable groups), with its warnings;
//! - `permissions` — each call in `docs/iam-policy.json`, tried once harmlessly;
//! - `sts` — every allow-listed STS endpoint answers as STS, and the clock against AWS's;
//! - `database` — reachable, and its schema current;
//! - `activity` — the organization trail's log group answers a Logs Insights query (when
//!   `[activity] log_group` is set).

mod activity;
mod database;
mod identity_center;
mod permissions;
mod policy;
mod sts;

use std::fmt;

use crate::config::Config;
use crate::idc::{AwsIdentityCenter, IdcSettings};

pub use permissions::{POLICY_JSON, policy_actions};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    /// Works, but worth a look.
    Warn,
    Fail,
    /// Not checked, because an earlier check it needs failed.
    Skipped,
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub status: Status,
    /// Short and stable, e.g. `baseline-grants`.
    pub name: &'static str,
    /// What was found.
    pub detail: String,
    /// What to do about it (failures and warnings).
    pub fix: Option<String>,
}

impl Check {
    pub fn ok(name: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status: Status::Ok,
            name,
            detail: detail.into(),
            fix: None,
        }
    }

    pub fn fail(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            status: Status::Fail,
            name,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }

    pub fn warn(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            status: Status::Warn,
            ..Self::fail(name, detail, fix)
        }
    }

    pub fn skipped(name: &'static str, why: impl Into<String>) -> Self {
        Self {
            status: Status::Skipped,
            name,
            detail: why.into(),
            fix: None,
        }
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = match self.status {
            Status::Ok => "ok  ",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
            Status::Skipped => "skip",
        };
        write!(f, "{status} {}: {}", self.name, self.detail)?;
        if let Some(fix) = &self.fix {
            write!(f, " — fix: {fix}")?;
        }
        Ok(())
    }
}

/// Every check, in order. Identity Center checks that need the instance or the baseline
/// are skipped when those fail.
pub async fn run(config: &Config) -> Vec<Check> {
    let sdk = crate::server::sdk_config(config).await;
    let settings = IdcSettings {
        instance_arn: config.identity_center.instance_arn.clone(),
        identity_store_id: config.identity_center.identity_store_id.clone(),
        ..IdcSettings::default()
    };
    let mut checks = Vec::new();
    match AwsIdentityCenter::new(&sdk, settings) {
        Ok(idc) => {
            let found = identity_center::check(config, &idc, &mut checks).await;
            policy::check(config, &idc, &mut checks).await;
            permissions::check(&idc, found.as_ref(), &mut checks).await;
        }
        Err(e) => checks.push(Check::fail(
            "instance",
            format!("cannot set up the AWS clients: {e}"),
            "set AWS_REGION or identity_center.region, and give the broker AWS credentials",
        )),
    }
    sts::check(config, &mut checks).await;
    database::check(config, &mut checks).await;
    activity::check(config, &mut checks).await;
    checks
}

/// Whether the report has a failure (the command then exits non-zero).
pub fn failed(checks: &[Check]) -> bool {
    checks.iter().any(|c| c.status == Status::Fail)
}
