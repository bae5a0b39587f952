//! What a person may request, and which approval rules and groups cover a target.

use std::collections::BTreeMap;

use crate::idc::{Account, PermissionSet};
use crate::policy::model::{EligibilityRule, RuleId};
use crate::policy::resolve::ResolvedPolicy;

use super::{Eligible, Subject, names_subject};

impl ResolvedPolicy {
    pub fn find_account(&self, id_or_name: &str) -> Option<&Account> {
        self.org.account(id_or_name)
    }

    pub fn find_permission_set(&self, name: &str) -> Option<&PermissionSet> {
        self.permission_sets.iter().find(|p| p.name == name)
    }

    /// The eligibility rules that name this person and cover this target, in file order.
    pub(crate) fn matching_rules<'p>(
        &'p self,
        subject: &Subject,
        account_id: &str,
        permission_set: &str,
    ) -> Vec<&'p EligibilityRule> {
        self.policy
            .eligibility
            .iter()
            .zip(&self.eligibility_scopes)
            .filter(|(rule, scope)| {
                scope.covers(account_id, permission_set) && names_subject(rule, subject).is_some()
            })
            .map(|(rule, _)| rule)
            .collect()
    }

    /// Everything this person may request, sorted by account name then permission set.
    pub fn eligible(&self, subject: &Subject) -> Vec<Eligible> {
        let mut by_target: BTreeMap<(String, String), Vec<&EligibilityRule>> = BTreeMap::new();
        for (rule, scope) in self.policy.eligibility.iter().zip(&self.eligibility_scopes) {
            if names_subject(rule, subject).is_none() {
                continue;
            }
            for account in &scope.accounts {
                for ps in scope.permission_sets.iter().flatten() {
                    by_target
                        .entry((account.clone(), ps.clone()))
                        .or_default()
                        .push(rule);
                }
            }
        }
        let mut out: Vec<Eligible> = by_target
            .into_iter()
            .filter_map(|((account_id, ps_name), rules)| {
                let account = self.org.account(&account_id)?.clone();
                let permission_set = self.find_permission_set(&ps_name)?.clone();
                let max_duration = rules.iter().map(|r| r.max_duration).max()?;
                let at_max: Vec<_> = rules
                    .iter()
                    .filter(|r| r.max_duration == max_duration)
                    .collect();
                Some(Eligible {
                    account,
                    permission_set,
                    max_duration,
                    approval_required: at_max.iter().all(|r| r.approval_required),
                    max_without_approval: rules
                        .iter()
                        .filter(|r| !r.approval_required)
                        .map(|r| r.max_duration)
                        .max(),
                    ticket_required: at_max.iter().all(|r| r.ticket_required),
                    rules: rules.iter().map(|r| r.id()).collect(),
                })
            })
            .collect();
        out.sort_by(|a, b| {
            (&a.account.name, &a.permission_set.name)
                .cmp(&(&b.account.name, &b.permission_set.name))
        });
        out
    }

    /// The approval rules covering a target, with their groups, in file order.
    pub fn approval_rules_for(
        &self,
        account_id: &str,
        permission_set: &str,
    ) -> Vec<(RuleId, Vec<String>)> {
        self.policy
            .approval
            .iter()
            .zip(&self.approval_scopes)
            .filter(|(_, scope)| scope.covers(account_id, permission_set))
            .map(|(rule, _)| {
                (
                    rule.id(),
                    rule.approver_groups
                        .iter()
                        .map(|g| g.value.clone())
                        .collect(),
                )
            })
            .collect()
    }

    /// The groups whose members may approve requests for a target: those of every approval
    /// rule that covers it. The broker fetches their members before calling [`Self::check`].
    pub fn approver_groups(&self, account_id: &str, permission_set: &str) -> Vec<String> {
        let mut groups: Vec<String> = Vec::new();
        for (_, gs) in self.approval_rules_for(account_id, permission_set) {
            for g in gs {
                if !groups.contains(&g) {
                    groups.push(g);
                }
            }
        }
        groups
    }
}
