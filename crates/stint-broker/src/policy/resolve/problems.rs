//! Checks that need the organization: a privileged group is never grantable (error); an
//! externally provisioned group, a rule nobody could approve, and role sessions that
//! outlive grants are warnings.

use std::collections::{BTreeMap, BTreeSet};

use crate::idc::{GroupDetails, Organization, PermissionSet};
use crate::policy::fields::human;
use crate::policy::model::Policy;
use crate::policy::source::Reporter;

use super::Scope;

/// Membership of a group the policy gives Stint powers to (approving, auditing,
/// administering) must never be granted by Stint itself: a person could grant themselves
/// the power to approve their own next request.
pub(super) fn refuse_privileged_groups(policy: &Policy, rep: &mut Reporter<'_>) {
    let settings = &policy.settings;
    let mut powers: Vec<(&str, &str)> = Vec::new();
    for g in &settings.admin_groups {
        powers.push((g.as_str(), "an admin group in [settings]"));
    }
    for g in &settings.auditor_groups {
        powers.push((g.as_str(), "an auditor group in [settings]"));
    }
    for rule in &policy.approval {
        for g in &rule.approver_groups {
            powers.push((g.as_str(), "an approver group"));
        }
    }
    let named = policy
        .eligibility
        .iter()
        .map(|r| (&r.targets, format!("eligibility rule \"{}\"", r.name)))
        .chain(
            policy
                .approval
                .iter()
                .map(|r| (&r.targets, format!("approval rule \"{}\"", r.name))),
        );
    for (targets, what) in named {
        for group in &targets.grantable_groups {
            if let Some((_, power)) = powers.iter().find(|(g, _)| *g == group.value) {
                rep.error_at(
                    group.location,
                    format!(
                        "{what} makes group \"{}\" grantable, but it is {power}: Stint must not grant the powers it checks; grant a different group",
                        group.value
                    ),
                );
            }
        }
    }
}

/// A group an external IdP provisions (it has ExternalIds) may lose a member Stint added at
/// that IdP's next sync; reconciliation then records drift. Said once per group.
pub(super) fn warn_external_groups(
    policy: &Policy,
    groups: &[GroupDetails],
    rep: &mut Reporter<'_>,
) {
    let mut warned: BTreeSet<&str> = BTreeSet::new();
    let all = policy
        .eligibility
        .iter()
        .map(|r| &r.targets)
        .chain(policy.approval.iter().map(|r| &r.targets));
    for targets in all {
        for name in &targets.grantable_groups {
            let Some(group) = groups.iter().find(|g| g.display_name == name.value) else {
                continue;
            };
            if group.external_ids.is_empty() || !warned.insert(name.as_str()) {
                continue;
            }
            let issuers: Vec<&str> = group
                .external_ids
                .iter()
                .map(|e| e.issuer.as_str())
                .collect();
            rep.warning_at(
                name.location,
                format!(
                    "grantable group \"{}\" is provisioned from an external identity provider ({}): its next sync may remove a member Stint added before the grant ends (reconciliation then records drift); grant a group that Identity Center owns, or make the IdP leave its members alone",
                    name.value,
                    issuers.join(", ")
                ),
            );
        }
    }
}

/// A rule that needs approval for an account no approval rule covers can never be used:
/// every request it allows would be refused at creation.
pub(super) fn warn_unapprovable(
    policy: &Policy,
    eligibility: &[Scope],
    approval: &[Scope],
    org: &Organization,
    rep: &mut Reporter<'_>,
) {
    for (rule, scope) in policy.eligibility.iter().zip(eligibility) {
        if !rule.approval_required {
            continue;
        }
        let mut uncovered: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for account in &scope.accounts {
            for ps in scope.permission_sets.iter().flatten() {
                if !approval.iter().any(|a| a.covers(account, ps)) {
                    let name = org
                        .account(account)
                        .map_or(account.as_str(), |a| a.name.as_str());
                    uncovered
                        .entry(name.to_owned())
                        .or_default()
                        .push(ps.clone());
                }
            }
        }
        let groups: Vec<&str> = scope
            .groups
            .iter()
            .filter(|g| !approval.iter().any(|a| a.covers_group(g)))
            .map(String::as_str)
            .collect();
        if !groups.is_empty() {
            rep.warning_at(
                rule.location,
                format!(
                    "eligibility rule \"{}\" requires approval, but no [[approval]] rule covers grantable group {}: such requests will be refused; add `grantable_groups` to an approval rule or set approval_required = false",
                    rule.name,
                    groups.join(", ")
                ),
            );
        }
        if uncovered.is_empty() {
            continue;
        }
        let list: Vec<String> = uncovered
            .iter()
            .map(|(account, sets)| format!("{} in {account}", sets.join(", ")))
            .collect();
        rep.warning_at(
            rule.location,
            format!(
                "eligibility rule \"{}\" requires approval, but no [[approval]] rule covers {}: such requests will be refused; add an approval rule or set approval_required = false",
                rule.name,
                list.join("; ")
            ),
        );
    }
}

/// Role credentials live for the permission set's session duration however early the
/// grant ends, and AWS cannot cut them short. Flag grants much shorter than that.
pub(super) fn warn_session_overhang(
    policy: &Policy,
    permission_sets: &[PermissionSet],
    rep: &mut Reporter<'_>,
) {
    let threshold = policy.settings.session_overhang_warning;
    for rule in &policy.eligibility {
        for name in &rule.permission_sets {
            let Some(ps) = permission_sets.iter().find(|p| p.name == name.value) else {
                continue;
            };
            let overhang = ps.session_duration.saturating_sub(rule.max_duration);
            if overhang > threshold {
                rep.warning_at(
                    name.location,
                    format!(
                        "permission set \"{}\" issues role credentials valid for {}, but eligibility rule \"{}\" grants it for at most {}: credentials taken near the end of a grant stay valid up to {} after it ends; shorten the permission set's session duration in Identity Center (or raise `session_overhang_warning` in [settings], now {})",
                        ps.name,
                        human(ps.session_duration),
                        rule.name,
                        human(rule.max_duration),
                        human(overhang),
                        human(threshold)
                    ),
                );
            }
        }
    }
}
