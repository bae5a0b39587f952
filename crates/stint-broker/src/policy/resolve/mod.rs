//! Ties the names in a policy to the organization and the permission sets Identity Center
//! reports: every account, OU and permission set named must exist; OUs become the set of
//! accounts they cover. Problems the organization reveals (rules needing approval that no
//! approval rule covers, role sessions that outlive grants) are warnings.
//!
//! This file holds the resolved policy and the walk over its rules; `names.rs` finds what
//! each name means in the organization, and `problems.rs` holds the checks that need the
//! organization (privileged groups, externally provisioned groups, rules nobody could
//! approve, long role sessions).

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::idc::{GroupDetails, Organization, PermissionSet};

use super::model::{Policy, RuleId};
use super::source::{Diagnostic, Diagnostics, Reporter};

mod names;
mod problems;

pub use names::ROOT_NAME;
use names::Resolver;
use problems::{
    refuse_privileged_groups, warn_external_groups, warn_session_overhang, warn_unapprovable,
};

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

impl ResolvedPolicy {
    pub fn eligibility_rule_ids(&self) -> Vec<RuleId> {
        self.policy.eligibility.iter().map(|r| r.id()).collect()
    }
}
