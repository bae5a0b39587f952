//! The policy against the live Identity Center, the way `serve` will load it: every account,
//! OU, permission set and grantable group it names exists, and what resolution warns about
//! (a grantable group an external IdP provisions, approval nobody could give, role sessions
//! that outlive grants) is said here before the broker starts.

use super::Check;
use crate::config::Config;
use crate::idc::{AwsIdentityCenter, IdentityCenter};
use crate::policy::{LoadError, Policy, Severity};

pub(super) async fn check(config: &Config, idc: &AwsIdentityCenter, checks: &mut Vec<Check>) {
    checks.push(resolve(config, idc).await);
}

async fn resolve(config: &Config, idc: &AwsIdentityCenter) -> Check {
    let path = config.policy_path();
    let parsed = match Policy::load(&path) {
        Ok(parsed) => parsed,
        Err(LoadError::Invalid(d)) => {
            return Check::fail(
                "policy",
                format!("{} has {} error(s)", path.display(), d.errors().count()),
                "run `stint-broker check` and fix what it names",
            );
        }
        Err(e) => {
            return Check::fail(
                "policy",
                e.to_string(),
                "set policy_file to the policy the broker serves",
            );
        }
    };
    let read = async {
        let org = idc.organization().await?;
        let sets = idc.permission_sets().await?;
        let names = parsed.policy.grantable_group_names();
        let groups = crate::api::fetch_grantable_groups(idc, &names).await?;
        Ok::<_, crate::idc::IdcError>((org, sets, groups))
    };
    let (org, sets, groups) = match read.await {
        Ok(found) => found,
        Err(e) => {
            return Check::fail(
                "policy",
                format!("cannot read what the policy names from Identity Center: {e}"),
                "allow the broker's role the reads in docs/iam-policy.json",
            );
        }
    };
    let mut warnings: Vec<String> = parsed.warnings.iter().map(ToString::to_string).collect();
    match parsed.policy.resolve(&org, &sets, &groups) {
        Err(problems) => {
            let errors: Vec<String> = problems
                .0
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .map(ToString::to_string)
                .collect();
            Check::fail(
                "policy",
                format!(
                    "{} does not resolve against Identity Center: {}",
                    path.display(),
                    errors.join("; ")
                ),
                "fix the names in the policy (or create what it names in Identity Center); serve refuses to start until then",
            )
        }
        Ok(resolved) => {
            warnings.extend(resolved.warnings.iter().map(ToString::to_string));
            let summary = format!(
                "{} resolves: {} eligibility and {} approval rule(s), {} grantable group(s)",
                path.display(),
                resolved.policy.eligibility.len(),
                resolved.policy.approval.len(),
                resolved.grantable_groups.len()
            );
            if warnings.is_empty() {
                Check::ok("policy", summary)
            } else {
                Check::warn(
                    "policy",
                    format!("{summary}; {}", warnings.join("; ")),
                    "read each warning; `stint-broker check --deny-warnings` fails on the offline ones",
                )
            }
        }
    }
}
