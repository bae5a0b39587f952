//! Ties the names in a policy to the organization and the permission sets Identity Center
//! reports: every account, OU and permission set named must exist; OUs become the set of
//! accounts they cover. Problems the organization reveals (rules needing approval that no
//! approval rule covers, role sessions that outlive grants) are warnings.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::idc::{Account, GroupDetails, Organization, PermissionSet};

use super::fields::{closest, human};
use super::model::{Located, Policy, RuleId, Targets};
use super::source::{Diagnostic, Diagnostics, Reporter};

/// What one rule covers, in ids.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Scope {
    /// Account ids.
    pub accounts: BTreeSet<String>,
    /// Permission set names; `None` means every permission set.
    pub permission_sets: Option<BTreeSet<String>>,
    /// Display names of the groups whose membership the rule covers.
    pub groups: BTreeSet<String>,
}

impl Scope {
    pub(crate) fn covers(&self, account_id: &str, permission_set: &str) -> bool {
        self.covers_account(account_id) && self.covers_permission_set(permission_set)
    }

    pub(crate) fn covers_account(&self, account_id: &str) -> bool {
        self.accounts.contains(account_id)
    }

    pub(crate) fn covers_group(&self, group: &str) -> bool {
        self.groups.contains(group)
    }

    pub(crate) fn covers_permission_set(&self, permission_set: &str) -> bool {
        self.permission_sets
            .as_ref()
            .is_none_or(|names| names.contains(permission_set))
    }
}

/// A policy whose names all exist, ready to answer questions. Cheap to share: the broker
/// keeps one behind an `Arc` and swaps it on reload.
#[derive(Debug, Clone)]
pub struct ResolvedPolicy {
    pub policy: Arc<Policy>,
    pub org: Organization,
    pub permission_sets: Vec<PermissionSet>,
    /// The groups the policy makes grantable, as Identity Center describes them.
    pub grantable_groups: Vec<GroupDetails>,
    /// Parallel to `policy.eligibility`.
    pub(crate) eligibility_scopes: Vec<Scope>,
    /// Parallel to `policy.approval`.
    pub(crate) approval_scopes: Vec<Scope>,
    /// Problems worth a look that do not stop the policy from working.
    pub warnings: Vec<Diagnostic>,
}

impl Policy {
    /// Every group the policy makes grantable, each once: what the caller looks up in
    /// Identity Center before [`Policy::resolve`].
    pub fn grantable_group_names(&self) -> Vec<String> {
        let names: BTreeSet<String> = self
            .eligibility
            .iter()
            .map(|r| &r.targets)
            .chain(self.approval.iter().map(|r| &r.targets))
            .flat_map(|t| t.grantable_groups.iter().map(|g| g.value.clone()))
            .collect();
        names.into_iter().collect()
    }

    /// Checks every name against the organization, the permission sets and the grantable
    /// groups Identity Center has (`groups`: those of [`Policy::grantable_group_names`]
    /// that exist), and computes which accounts each rule covers. Errors name the line of
    /// the name that does not exist; the returned policy carries the warnings.
    pub fn resolve(
        self,
        org: &Organization,
        permission_sets: &[PermissionSet],
        groups: &[GroupDetails],
    ) -> Result<ResolvedPolicy, Diagnostics> {
        let policy = Arc::new(self);
        let map = policy.source.clone();
        let mut rep = Reporter::new(&map);
        let resolver = Resolver {
            org,
            permission_sets,
            groups,
        };

        let eligibility_scopes: Vec<Scope> = policy
            .eligibility
            .iter()
            .map(|rule| {
                let what = format!("eligibility rule \"{}\"", rule.name);
                let errors_before = rep.found.len();
                let scope = Scope {
                    accounts: resolver.accounts(&rule.targets, &what, &mut rep),
                    permission_sets: Some(resolver.permission_sets(
                        &rule.permission_sets,
                        &what,
                        &mut rep,
                    )),
                    groups: resolver.groups(&rule.targets, &what, &mut rep),
                };
                // Only worth saying when every name resolved: a typo is already reported.
                if rule.targets.names_accounts()
                    && scope.accounts.is_empty()
                    && rep.found.len() == errors_before
                {
                    rep.warning_at(
                        rule.location,
                        format!(
                            "{what} covers no account: its OUs hold no accounts{}",
                            if rule.targets.nested_ous {
                                ""
                            } else {
                                " directly (set `nested_ous = true` to include child OUs)"
                            }
                        ),
                    );
                }
                scope
            })
            .collect();
        let approval_scopes: Vec<Scope> = policy
            .approval
            .iter()
            .map(|rule| {
                let what = format!("approval rule \"{}\"", rule.name);
                Scope {
                    accounts: resolver.accounts(&rule.targets, &what, &mut rep),
                    permission_sets: if rule.permission_sets.is_empty() {
                        None
                    } else {
                        Some(resolver.permission_sets(&rule.permission_sets, &what, &mut rep))
                    },
                    groups: resolver.groups(&rule.targets, &what, &mut rep),
                }
            })
            .collect();

        refuse_privileged_groups(&policy, &mut rep);
        warn_external_groups(&policy, groups, &mut rep);
        if !rep.has_errors() {
            warn_unapprovable(
                &policy,
                &eligibility_scopes,
                &approval_scopes,
                org,
                &mut rep,
            );
            warn_session_overhang(&policy, permission_sets, &mut rep);
        }

        let has_errors = rep.has_errors();
        let found = rep.finish();
        if has_errors {
            return Err(Diagnostics(found));
        }
        let grantable_groups = policy
            .grantable_group_names()
            .iter()
            .filter_map(|name| groups.iter().find(|g| &g.display_name == name).cloned())
            .collect();
        Ok(ResolvedPolicy {
            policy,
            org: org.clone(),
            permission_sets: permission_sets.to_vec(),
            grantable_groups,
            eligibility_scopes,
            approval_scopes,
            warnings: found,
        })
    }
}

struct Resolver<'a> {
    org: &'a Organization,
    permission_sets: &'a [PermissionSet],
    groups: &'a [GroupDetails],
}

/// What the policy calls the organization root.
pub const ROOT_NAME: &str = "Root";

impl Resolver<'_> {
    fn accounts(&self, targets: &Targets, what: &str, rep: &mut Reporter<'_>) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for name in &targets.accounts {
            match self.org.account(&name.value) {
                Some(account) => {
                    out.insert(account.id.clone());
                }
                None => {
                    let known: Vec<&str> =
                        self.org.accounts.iter().map(|a| a.name.as_str()).collect();
                    rep.error_at(
                        name.location,
                        format!(
                            "{what} names account \"{}\", which is not in the organization{}",
                            name.value,
                            suggestion(&name.value, &known)
                        ),
                    );
                }
            }
        }
        for name in &targets.ous {
            let Some(ou_id) = self.ou_id(name, what, rep) else {
                continue;
            };
            for account in &self.org.accounts {
                if self.account_in(account, &ou_id, targets.nested_ous) {
                    out.insert(account.id.clone());
                }
            }
        }
        out
    }

    fn groups(&self, targets: &Targets, what: &str, rep: &mut Reporter<'_>) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for name in &targets.grantable_groups {
            if self.groups.iter().any(|g| g.display_name == name.value) {
                out.insert(name.value.clone());
            } else {
                let known: Vec<&str> = self
                    .groups
                    .iter()
                    .map(|g| g.display_name.as_str())
                    .collect();
                rep.error_at(
                    name.location,
                    format!(
                        "{what} names grantable group \"{}\", which Identity Center does not have{}",
                        name.value,
                        closest(&name.value, &known)
                            .map(|near| format!("; did you mean \"{near}\"?"))
                            .unwrap_or_default()
                    ),
                );
            }
        }
        out
    }

    fn account_in(&self, account: &Account, ou_id: &str, nested: bool) -> bool {
        if account.parent_id == ou_id {
            return true;
        }
        if !nested {
            return false;
        }
        ou_id == self.org.root_id
            || self
                .org
                .ancestors(&account.id)
                .iter()
                .any(|ou| ou.id == ou_id)
    }

    fn ou_id(&self, name: &Located<String>, what: &str, rep: &mut Reporter<'_>) -> Option<String> {
        let wanted = name.value.as_str();
        if wanted == self.org.root_id || wanted == ROOT_NAME {
            return Some(self.org.root_id.clone());
        }
        if let Some(ou) = self.org.ou(wanted) {
            return Some(ou.id.clone());
        }
        let by_name: Vec<_> = self.org.ous.iter().filter(|o| o.name == wanted).collect();
        match by_name.as_slice() {
            [one] => Some(one.id.clone()),
            [] => {
                let mut known: Vec<&str> = self.org.ous.iter().map(|o| o.name.as_str()).collect();
                known.push(ROOT_NAME);
                rep.error_at(
                    name.location,
                    format!(
                        "{what} names OU \"{wanted}\", which is not in the organization{}",
                        suggestion(wanted, &known)
                    ),
                );
                None
            }
            many => {
                let ids: Vec<&str> = many.iter().map(|o| o.id.as_str()).collect();
                rep.error_at(
                    name.location,
                    format!(
                        "{what} names OU \"{wanted}\", but {} OUs have that name ({}); use the OU id",
                        many.len(),
                        ids.join(", ")
                    ),
                );
                None
            }
        }
    }

    fn permission_sets(
        &self,
        names: &[Located<String>],
        what: &str,
        rep: &mut Reporter<'_>,
    ) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for name in names {
            if self.permission_sets.iter().any(|p| p.name == name.value) {
                out.insert(name.value.clone());
            } else {
                let known: Vec<&str> = self
                    .permission_sets
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect();
                rep.error_at(
                    name.location,
                    format!(
                        "{what} names permission set \"{}\", which Identity Center does not have{}",
                        name.value,
                        suggestion(&name.value, &known)
                    ),
                );
            }
        }
        out
    }
}

fn suggestion(name: &str, known: &[&str]) -> String {
    if let Some(near) = closest(name, known) {
        return format!("; did you mean \"{near}\"?");
    }
    if known.is_empty() {
        return String::new();
    }
    let mut known = known.to_vec();
    known.sort_unstable();
    format!(" (it has {})", known.join(", "))
}

/// Membership of a group the policy gives Stint powers to (approving, auditing,
/// administering) must never be granted by Stint itself: a person could grant themselves
/// the power to approve their own next request.
fn refuse_privileged_groups(policy: &Policy, rep: &mut Reporter<'_>) {
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
fn warn_external_groups(policy: &Policy, groups: &[GroupDetails], rep: &mut Reporter<'_>) {
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
fn warn_unapprovable(
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
fn warn_session_overhang(
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

impl ResolvedPolicy {
    pub fn eligibility_rule_ids(&self) -> Vec<RuleId> {
        self.policy.eligibility.iter().map(|r| r.id()).collect()
    }
}
