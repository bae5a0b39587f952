//! The Identity Center side: the instance, and the baseline permission set — it exists, it
//! grants nothing, and everyone the policy names holds it in the baseline account.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::Check;
use crate::config::Config;
use crate::idc::{
    AwsIdentityCenter, IdentityCenter, PermissionSetGrants, PrincipalType, ProbeTargets,
};
use crate::policy::{LoadError, Policy};

/// The one AWS managed policy a baseline may carry: it denies everything.
const DENY_ALL: &str = "arn:aws:iam::aws:policy/AWSDenyAll";

const CFN_HINT: &str = "deploy/cloudformation/stint.yaml sets it up";

/// Runs the checks; returns where the permission probes may point when the instance, the
/// baseline and the organization were found.
pub(super) async fn check(
    config: &Config,
    idc: &AwsIdentityCenter,
    checks: &mut Vec<Check>,
) -> Option<ProbeTargets> {
    let ic = &config.identity_center;
    let baseline_name = ic.baseline_permission_set.as_str();
    if !instance(config, idc, checks).await {
        for name in ["baseline", "baseline-grants", "baseline-assigned"] {
            checks.push(Check::skipped(name, "needs the instance"));
        }
        return None;
    }

    let sets = match idc.permission_sets().await {
        Ok(sets) => sets,
        Err(e) => {
            checks.push(Check::fail(
                "baseline",
                format!("cannot list permission sets: {e}"),
                "allow the broker's role sso:ListPermissionSets and sso:DescribePermissionSet",
            ));
            checks.push(Check::skipped("baseline-grants", "needs the baseline"));
            checks.push(Check::skipped("baseline-assigned", "needs the baseline"));
            return None;
        }
    };
    let Some(baseline) = sets.iter().find(|s| s.name == baseline_name) else {
        checks.push(Check::fail(
            "baseline",
            format!(
                "no permission set named {baseline_name} (there are {})",
                sets.iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            format!(
                "create {baseline_name} with no permissions (an inline policy that denies \
                 everything) and assign it in the baseline account to everyone; {CFN_HINT}, \
                 or set identity_center.baseline_permission_set to its name"
            ),
        ));
        checks.push(Check::skipped("baseline-grants", "needs the baseline"));
        checks.push(Check::skipped("baseline-assigned", "needs the baseline"));
        return None;
    };
    checks.push(Check::ok(
        "baseline",
        format!("{baseline_name} exists ({})", baseline.arn),
    ));

    checks.push(match idc.grants_of(&baseline.arn).await {
        Ok(grants) => grants_check(baseline_name, &grants),
        Err(e) => Check::fail(
            "baseline-grants",
            format!("cannot read what {baseline_name} grants: {e}"),
            "allow the broker's role the sso reads in docs/iam-policy.json",
        ),
    });

    let org = match idc.organization().await {
        Ok(org) => org,
        Err(e) => {
            checks.push(Check::fail(
                "baseline-assigned",
                format!("cannot read the organization: {e}"),
                "allow the broker's role the organizations reads in docs/iam-policy.json",
            ));
            return None;
        }
    };
    let Some(account) = org.account(&ic.baseline_account) else {
        checks.push(Check::fail(
            "baseline-assigned",
            format!(
                "the baseline account {} is not in the organization",
                ic.baseline_account
            ),
            "set identity_center.baseline_account to the id of the account where everyone \
             holds the baseline",
        ));
        return None;
    };
    checks.push(assigned_check(config, idc, &account.id, &baseline.arn).await);
    Some(ProbeTargets {
        account_id: account.id.clone(),
        permission_set_arn: baseline.arn.clone(),
        root_id: org.root_id.clone(),
    })
}

/// ListInstances reports the configured instance (or exactly one, when none is set).
async fn instance(config: &Config, idc: &AwsIdentityCenter, checks: &mut Vec<Check>) -> bool {
    let ic = &config.identity_center;
    let instances = match idc.list_instances().await {
        Ok(instances) => instances,
        Err(e) => {
            checks.push(Check::fail(
                "instance",
                format!("ListInstances failed: {e}"),
                format!(
                    "check the broker's AWS credentials and that Identity Center is enabled in {}",
                    ic.region
                ),
            ));
            return false;
        }
    };
    let found = match &ic.instance_arn {
        Some(wanted) => instances.iter().find(|i| &i.instance_arn == wanted),
        None if instances.len() == 1 => instances.first(),
        None => None,
    };
    let Some(found) = found else {
        let listed: Vec<&str> = instances.iter().map(|i| i.instance_arn.as_str()).collect();
        checks.push(Check::fail(
            "instance",
            format!(
                "{} in {}; ListInstances reports [{}]",
                ic.instance_arn
                    .as_deref()
                    .map_or("no single instance".to_owned(), |a| format!(
                        "{a} not found"
                    )),
                ic.region,
                listed.join(", ")
            ),
            "set identity_center.instance_arn and region to the instance Stint manages",
        ));
        return false;
    };
    if let Some(store) = &ic.identity_store_id {
        if store != &found.identity_store_id {
            checks.push(Check::fail(
                "instance",
                format!(
                    "{} uses identity store {}, not the configured {store}",
                    found.instance_arn, found.identity_store_id
                ),
                "remove identity_center.identity_store_id (it is discovered) or correct it",
            ));
            return false;
        }
    }
    checks.push(Check::ok(
        "instance",
        format!(
            "{} with identity store {} in {}",
            found.instance_arn, found.identity_store_id, ic.region
        ),
    ));
    true
}

/// The baseline grants nothing: no managed or customer managed policy (AWSDenyAll aside)
/// and an inline policy, if any, that only denies. A permissions boundary only narrows.
fn grants_check(name: &str, grants: &PermissionSetGrants) -> Check {
    let mut grants_found: Vec<String> = Vec::new();
    for arn in grants.managed.iter().filter(|a| a.as_str() != DENY_ALL) {
        grants_found.push(format!("managed policy {arn}"));
    }
    for policy in &grants.customer_managed {
        grants_found.push(format!("customer managed policy {policy}"));
    }
    if let Some(inline) = &grants.inline {
        match allowing_statements(inline) {
            Ok(0) => {}
            Ok(n) => grants_found.push(format!("an inline policy with {n} Allow statement(s)")),
            Err(e) => grants_found.push(format!("an inline policy Stint cannot read ({e})")),
        }
    }
    if grants_found.is_empty() {
        Check::ok("baseline-grants", format!("{name} grants nothing"))
    } else {
        Check::fail(
            "baseline-grants",
            format!("{name} grants permissions: {}", grants_found.join(", ")),
            format!(
                "remove them from {name}: leave only an inline policy that denies everything \
                 (anyone can be given the baseline; it must not be access)"
            ),
        )
    }
}

/// How many statements of an IAM policy document allow something.
fn allowing_statements(document: &str) -> Result<usize, String> {
    let doc: Value = serde_json::from_str(document).map_err(|e| e.to_string())?;
    let statements = match &doc["Statement"] {
        Value::Array(list) => list.clone(),
        Value::Object(_) => vec![doc["Statement"].clone()],
        _ => return Err("no Statement".to_owned()),
    };
    Ok(statements
        .iter()
        .filter(|s| s["Effect"].as_str() != Some("Deny"))
        .count())
}

/// Everyone the policy names — its users, and the members of its groups (eligibility,
/// approvers, auditors, admins) — holds the baseline in the baseline account, directly or
/// through a group. One line names every group (and user) with people missing.
async fn assigned_check(
    config: &Config,
    idc: &AwsIdentityCenter,
    account_id: &str,
    baseline_arn: &str,
) -> Check {
    let baseline = &config.identity_center.baseline_permission_set;
    let policy_path = config.policy_path();
    let policy = match Policy::load(&policy_path) {
        Ok(parsed) => parsed.policy,
        Err(LoadError::Invalid(d)) => {
            return Check::fail(
                "baseline-assigned",
                format!(
                    "the policy {} has {} error(s)",
                    policy_path.display(),
                    d.errors().count()
                ),
                "run `stint-broker check` and fix what it names",
            );
        }
        Err(e) => {
            return Check::fail(
                "baseline-assigned",
                e.to_string(),
                "set policy_file to the policy the broker serves",
            );
        }
    };
    let holders = match idc.list_assignments(account_id, baseline_arn).await {
        Ok(list) => list,
        Err(e) => {
            return Check::fail(
                "baseline-assigned",
                format!("cannot list who holds {baseline}: {e}"),
                "allow the broker's role sso:ListAccountAssignments",
            );
        }
    };
    let direct: BTreeSet<&str> = holders
        .iter()
        .filter(|a| a.principal_type == PrincipalType::User)
        .map(|a| a.principal_id.as_str())
        .collect();
    let via_groups: BTreeSet<&str> = holders
        .iter()
        .filter(|a| a.principal_type == PrincipalType::Group)
        .map(|a| a.principal_id.as_str())
        .collect();

    let (users, groups) = named_by(&policy);
    // Who to check, and under which policy names they are reached.
    let mut people: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    let mut problems = Vec::new();
    for user in &users {
        match idc.find_user(user).await {
            Ok(Some(u)) => people
                .entry(u.user_id)
                .or_insert((u.user_name, Vec::new()))
                .1
                .push(format!("user {user}")),
            Ok(None) => problems.push(format!("user {user} is not in the directory")),
            Err(e) => problems.push(format!("cannot look up user {user}: {e}")),
        }
    }
    for group in &groups {
        match idc.group_members(group).await {
            Ok(members) => {
                for u in members {
                    people
                        .entry(u.user_id)
                        .or_insert((u.user_name, Vec::new()))
                        .1
                        .push(format!("group {group}"));
                }
            }
            Err(e) => problems.push(format!("cannot list group {group}: {e}")),
        }
    }
    // Missing people, by the policy name that reaches them.
    let mut missing: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (user_id, (user_name, reached_by)) in &people {
        if direct.contains(user_id.as_str()) {
            continue;
        }
        let covered = match idc.user_groups(user_id).await {
            Ok(their) => their
                .iter()
                .any(|g| via_groups.contains(g.group_id.as_str())),
            Err(e) => {
                problems.push(format!("cannot list the groups of {user_name}: {e}"));
                continue;
            }
        };
        if !covered {
            for name in reached_by {
                missing
                    .entry(name.clone())
                    .or_default()
                    .push(user_name.clone());
            }
        }
    }
    for (name, users) in &mut missing {
        users.sort();
        problems.push(format!("{name}: {} without it", users.join(", ")));
    }
    if problems.is_empty() {
        Check::ok(
            "baseline-assigned",
            format!(
                "all {} people the policy names hold {baseline} in {account_id}",
                people.len()
            ),
        )
    } else {
        Check::fail(
            "baseline-assigned",
            format!(
                "not everyone the policy names holds {baseline} in {account_id}: {}",
                problems.join("; ")
            ),
            format!(
                "assign {baseline} in {account_id} to each group the policy names (or to a \
                 group they are all in); {CFN_HINT}"
            ),
        )
    }
}

/// The user names and group names a policy mentions anywhere.
fn named_by(policy: &Policy) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut users = BTreeSet::new();
    let mut groups = BTreeSet::new();
    for rule in &policy.eligibility {
        users.extend(rule.users.iter().map(|u| u.value.clone()));
        groups.extend(rule.groups.iter().map(|g| g.value.clone()));
    }
    for rule in &policy.approval {
        groups.extend(rule.approver_groups.iter().map(|g| g.value.clone()));
    }
    groups.extend(
        policy
            .settings
            .auditor_groups
            .iter()
            .map(|g| g.value.clone()),
    );
    groups.extend(policy.settings.admin_groups.iter().map(|g| g.value.clone()));
    (users, groups)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_deny_statements_grant_nothing() {
        let deny = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#;
        assert_eq!(allowing_statements(deny), Ok(0));
        let allow = r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#;
        assert_eq!(allowing_statements(allow), Ok(1));
        assert!(allowing_statements("not json").is_err());
    }

    #[test]
    fn a_baseline_with_policies_is_named_with_each() {
        let grants = PermissionSetGrants {
            managed: vec![
                DENY_ALL.into(),
                "arn:aws:iam::aws:policy/ReadOnlyAccess".into(),
            ],
            customer_managed: vec!["/Reports".into()],
            inline: None,
        };
        let check = grants_check("StintBaseline", &grants);
        assert_eq!(check.status, super::super::Status::Fail);
        assert!(check.detail.contains("ReadOnlyAccess"), "{}", check.detail);
        assert!(check.detail.contains("/Reports"), "{}", check.detail);
        assert!(!check.detail.contains("AWSDenyAll"), "{}", check.detail);
        let only_deny = PermissionSetGrants {
            managed: vec![DENY_ALL.into()],
            ..PermissionSetGrants::default()
        };
        assert_eq!(
            grants_check("StintBaseline", &only_deny).status,
            super::super::Status::Ok
        );
    }
}
