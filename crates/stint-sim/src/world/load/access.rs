//! What a world grants: permission sets, and the assignments standing before the
//! simulator starts.

use std::collections::HashSet;
use std::time::Duration;

use super::{parse_duration, span};
use crate::world::error::Locator;
use crate::world::raw::RawWorld;
use crate::world::{
    Account, Assignment, Group, Instance, PermissionSet, PermissionSetPolicies, PrincipalType,
    User, ids,
};

pub(super) fn build_permission_sets(
    raw: &RawWorld,
    instance: &Instance,
    loc: &mut Locator<'_>,
) -> Vec<PermissionSet> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for ps in &raw.permission_sets {
        let ps = ps.get_ref();
        let name = ps.name.get_ref();
        let name_ok = !name.is_empty()
            && name.len() <= 32
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
        if !name_ok {
            loc.report(
                span(&ps.name),
                format!(
                    "permission set name \"{name}\" must be 1 to 32 letters, digits or _+=,.@-"
                ),
            );
        }
        if !seen.insert(name.clone()) {
            loc.report(
                span(&ps.name),
                format!("permission set \"{name}\" is defined twice"),
            );
        }
        let duration = parse_duration(loc, &ps.session_duration, "session_duration")
            .unwrap_or(Duration::from_secs(3600));
        if !(Duration::from_secs(3600)..=Duration::from_secs(12 * 3600)).contains(&duration) {
            loc.report(
                span(&ps.session_duration),
                format!(
                    "session_duration \"{}\" is out of range: AWS allows 1h to 12h",
                    ps.session_duration.get_ref()
                ),
            );
        }
        if duration.as_secs() % 60 != 0 {
            loc.report(
                span(&ps.session_duration),
                "session_duration must be whole minutes",
            );
        }
        out.push(PermissionSet {
            arn: format!(
                "arn:aws:sso:::permissionSet/{}/{}",
                instance.instance_id,
                ids::permission_set_id(&instance.instance_arn, name)
            ),
            name: name.clone(),
            description: ps.description.as_ref().map(|d| d.get_ref().clone()),
            session_duration: duration,
            policies: PermissionSetPolicies {
                managed: ps
                    .managed_policies
                    .iter()
                    .map(|p| p.get_ref().clone())
                    .collect(),
                customer_managed: ps
                    .customer_managed_policies
                    .iter()
                    .map(|p| p.get_ref().clone())
                    .collect(),
                inline: ps.inline_policy.as_ref().map(|p| p.get_ref().clone()),
            },
        });
    }
    out
}

pub(super) fn build_assignments(
    raw: &RawWorld,
    accounts: &[Account],
    permission_sets: &[PermissionSet],
    users: &[User],
    groups: &[Group],
    loc: &mut Locator<'_>,
) -> Vec<Assignment> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for spanned in &raw.assignments {
        let a = spanned.get_ref();
        let account_ref = a.account.get_ref();
        let account = accounts
            .iter()
            .find(|x| &x.id == account_ref)
            .or_else(|| accounts.iter().find(|x| &x.name == account_ref));
        if account.is_none() {
            loc.report(
                span(&a.account),
                format!(
                    "assignment names account \"{account_ref}\", which is not in [[accounts]] (by id or name)"
                ),
            );
        }
        let ps_name = a.permission_set.get_ref();
        let ps = permission_sets.iter().find(|p| &p.name == ps_name);
        if ps.is_none() {
            loc.report(
                span(&a.permission_set),
                format!(
                    "assignment names permission set \"{ps_name}\", which is not in [[permission_sets]]"
                ),
            );
        }
        let principal = match (&a.user, &a.group) {
            (Some(user), None) => {
                let found = users
                    .iter()
                    .find(|u| u.user_name.eq_ignore_ascii_case(user.get_ref()));
                if found.is_none() {
                    loc.report(
                        span(user),
                        format!(
                            "assignment names user \"{}\", who is not a user",
                            user.get_ref()
                        ),
                    );
                }
                found.map(|u| (PrincipalType::User, u.user_id.clone()))
            }
            (None, Some(group)) => {
                let found = groups.iter().find(|g| &g.name == group.get_ref());
                if found.is_none() {
                    loc.report(
                        span(group),
                        format!(
                            "assignment names group \"{}\", which is not a group",
                            group.get_ref()
                        ),
                    );
                }
                found.map(|g| (PrincipalType::Group, g.group_id.clone()))
            }
            _ => {
                loc.report(
                    span(spanned),
                    "an assignment names exactly one principal: either user = \"...\" or group = \"...\"",
                );
                None
            }
        };
        let (Some(account), Some(ps), Some((principal_type, principal_id))) =
            (account, ps, principal)
        else {
            continue;
        };
        let assignment = Assignment {
            account_id: account.id.clone(),
            permission_set_arn: ps.arn.clone(),
            principal_type,
            principal_id,
        };
        if !seen.insert(assignment.clone()) {
            loc.report(span(spanned), "this assignment is listed twice");
            continue;
        }
        out.push(assignment);
    }
    out
}
