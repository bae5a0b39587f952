//! Conversions from the policy's answers to the wire types of `stint-api`. The API layer
//! calls these; nothing else in the policy module knows the wire shapes.

use std::time::Duration;

use stint_api::{
    AccountRef, ApproverExplanation, EligibleAccess, GroupAccessRef, PermissionSetRef, RuleRef,
    UserRef,
};

use crate::idc::{Account, DirectoryUser, GroupDetails, PermissionSet};

use super::evaluate::Eligible;
use super::explain::{Approvers, Explanation};
use super::groups::{EligibleGroup, GroupExplanation};
use super::model::{RuleId, Settings};
use super::resolve::ResolvedPolicy;

pub fn secs(d: Duration) -> u32 {
    u32::try_from(d.as_secs()).unwrap_or(u32::MAX)
}

pub fn rule_ref(rule: &RuleId) -> RuleRef {
    RuleRef {
        kind: rule.kind.as_str().to_owned(),
        name: rule.name.clone(),
        line: rule.line,
    }
}

pub fn account_ref(account: &Account) -> AccountRef {
    AccountRef {
        id: account.id.clone(),
        name: account.name.clone(),
    }
}

pub fn permission_set_ref(ps: &PermissionSet) -> PermissionSetRef {
    PermissionSetRef {
        name: ps.name.clone(),
        arn: ps.arn.clone(),
        description: ps.description.clone(),
        session_duration_secs: secs(ps.session_duration),
    }
}

pub fn eligible_access(item: &Eligible, settings: &Settings) -> EligibleAccess {
    EligibleAccess {
        account: account_ref(&item.account),
        permission_set: permission_set_ref(&item.permission_set),
        max_duration_secs: secs(item.max_duration),
        approval_required: item.approval_required,
        ticket_required: item.ticket_required,
        ticket_pattern: settings.ticket_pattern.as_ref().map(|p| p.source.clone()),
        max_without_approval_secs: item.max_without_approval.map(secs),
    }
}

/// A group the caller may request, with what it gives named from the policy's snapshot.
pub fn eligible_group(item: &EligibleGroup, policy: &ResolvedPolicy) -> stint_api::EligibleGroup {
    stint_api::EligibleGroup {
        name: item.group.display_name.clone(),
        gives: group_gives(&item.group, policy),
        max_duration_secs: secs(item.max_duration),
        approval_required: item.approval_required,
        max_without_approval_secs: item.max_without_approval.map(secs),
        ticket_required: item.ticket_required,
        ticket_pattern: policy
            .settings()
            .ticket_pattern
            .as_ref()
            .map(|p| p.source.clone()),
        external_idp: !item.group.external_ids.is_empty(),
    }
}

/// What membership of a group gives, named from the policy's snapshot (ids where it does
/// not know the account or permission set).
pub fn group_gives(group: &GroupDetails, policy: &ResolvedPolicy) -> Vec<GroupAccessRef> {
    group
        .access
        .iter()
        .map(|a| GroupAccessRef {
            account: policy.find_account(&a.account_id).map_or_else(
                || AccountRef {
                    id: a.account_id.clone(),
                    name: a.account_id.clone(),
                },
                account_ref,
            ),
            permission_set: policy
                .permission_sets
                .iter()
                .find(|p| p.arn == a.permission_set_arn)
                .map_or_else(|| a.permission_set_arn.clone(), |p| p.name.clone()),
        })
        .collect()
}

/// What the group of this id gives, if the policy in force makes it grantable.
pub fn grantable_group_gives(group_id: &str, policy: &ResolvedPolicy) -> Vec<GroupAccessRef> {
    policy
        .grantable_groups
        .iter()
        .find(|g| g.group_id == group_id)
        .map(|g| group_gives(g, policy))
        .unwrap_or_default()
}

pub fn explanation(e: &Explanation) -> stint_api::Explanation {
    stint_api::Explanation {
        user: e.user.clone(),
        account: e.account.clone(),
        permission_set: e.permission_set.clone(),
        group: None,
        allowed: e.allowed,
        approval_required: e.approval_required,
        max_duration_secs: e.max_duration.map(secs),
        matched: e.matched.iter().map(rule_ref).collect(),
        approver_groups: e.approver_groups.clone(),
        reasons: e.reasons.clone(),
    }
}

/// A group membership explanation in the same wire shape, `group` set and the account
/// fields empty.
pub fn group_explanation(e: &GroupExplanation) -> stint_api::Explanation {
    stint_api::Explanation {
        user: e.user.clone(),
        account: String::new(),
        permission_set: String::new(),
        group: Some(e.group.clone()),
        allowed: e.allowed,
        approval_required: e.approval_required,
        max_duration_secs: e.max_duration.map(secs),
        matched: e.matched.iter().map(rule_ref).collect(),
        approver_groups: e.approver_groups.clone(),
        reasons: e.reasons.clone(),
    }
}

/// `users` are the directory entries of `approvers.users`, which the caller looked up.
pub fn approver_explanation(
    request_id: i64,
    approvers: &Approvers,
    users: &[DirectoryUser],
) -> ApproverExplanation {
    ApproverExplanation {
        request_id,
        rules: approvers.rules.iter().map(rule_ref).collect(),
        groups: approvers.groups.clone(),
        users: approvers
            .users
            .iter()
            .map(|name| {
                users.iter().find(|u| &u.user_name == name).map_or_else(
                    || UserRef {
                        user_id: String::new(),
                        user_name: name.clone(),
                        display_name: name.clone(),
                    },
                    |u| UserRef {
                        user_id: u.user_id.clone(),
                        user_name: u.user_name.clone(),
                        display_name: u.display_name.clone(),
                    },
                )
            })
            .collect(),
    }
}
