//! The people of a world: operators (who may sign in to the simulator's consoles),
//! Identity Center users, and groups with their members.

use std::collections::HashSet;

use super::{is_account_id, looks_like_email, span};
use crate::secret::Secret;
use crate::world::error::Locator;
use crate::world::raw::RawWorld;
use crate::world::{ExternalId, Group, Instance, Operator, User, ids};

pub(super) fn build_operators(raw: &RawWorld, loc: &mut Locator<'_>) -> Vec<Operator> {
    if raw.operators.is_empty() {
        loc.report(
            0..0,
            "a world needs at least one [[operators]] entry: the admin APIs (sso-admin, identitystore, organizations) accept only operators' keys",
        );
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for op in &raw.operators {
        let op = op.get_ref();
        if op.name.get_ref().trim().is_empty() {
            loc.report(span(&op.name), "operator name must not be empty");
        }
        if !is_account_id(op.account.get_ref()) {
            loc.report(
                span(&op.account),
                format!(
                    "operator account \"{}\" is not a twelve-digit AWS account id",
                    op.account.get_ref()
                ),
            );
        }
        if op.role.get_ref().trim().is_empty() {
            loc.report(span(&op.role), "operator role must not be empty");
        }
        let key = op.access_key_id.get_ref();
        let key_ok = key.len() >= 16
            && key.starts_with("AKIA")
            && key
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if !key_ok {
            loc.report(
                span(&op.access_key_id),
                format!(
                    "access_key_id \"{key}\" is not a long-term AWS access key id (\"AKIA\" then at least twelve uppercase letters or digits)"
                ),
            );
        }
        if !seen.insert(key.clone()) {
            loc.report(
                span(&op.access_key_id),
                format!("access_key_id \"{key}\" is used by two operators"),
            );
        }
        if op.secret_access_key.get_ref().len() < 16 {
            loc.report(
                span(&op.secret_access_key),
                "secret_access_key must be at least 16 characters",
            );
        }
        out.push(Operator {
            name: op.name.get_ref().clone(),
            account_id: op.account.get_ref().clone(),
            role_name: op.role.get_ref().clone(),
            access_key_id: key.clone(),
            secret_access_key: Secret::new(op.secret_access_key.get_ref().clone()),
        });
    }
    out
}

pub(super) fn build_users(raw: &RawWorld, instance: &Instance, loc: &mut Locator<'_>) -> Vec<User> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for user in &raw.users {
        let user = user.get_ref();
        let name = user.user_name.get_ref();
        if name.is_empty() || name.len() > 128 || name.chars().any(char::is_whitespace) {
            loc.report(
                span(&user.user_name),
                format!("user_name \"{name}\" must be 1 to 128 characters with no spaces"),
            );
        }
        if !seen.insert(name.to_lowercase()) {
            loc.report(
                span(&user.user_name),
                format!(
                    "user_name \"{name}\" is listed twice (Identity Center user names are case-insensitive)"
                ),
            );
        }
        let display = user.display_name.get_ref().trim();
        if display.is_empty() {
            loc.report(span(&user.display_name), "display_name must not be empty");
        }
        if !looks_like_email(user.email.get_ref()) {
            loc.report(
                span(&user.email),
                format!("email \"{}\" is not an email address", user.email.get_ref()),
            );
        }
        let (given, family) = match display.split_once(' ') {
            Some((given, family)) => (given.to_owned(), family.trim().to_owned()),
            None => (display.to_owned(), display.to_owned()),
        };
        out.push(User {
            user_id: ids::principal_id(&instance.identity_store_id, "user", name),
            user_name: name.clone(),
            display_name: display.to_owned(),
            email: user.email.get_ref().clone(),
            given_name: given,
            family_name: family,
        });
    }
    out
}

pub(super) fn build_groups(
    raw: &RawWorld,
    instance: &Instance,
    users: &[User],
    loc: &mut Locator<'_>,
) -> Vec<Group> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for group in &raw.groups {
        let group = group.get_ref();
        let name = group.name.get_ref();
        if name.trim().is_empty() {
            loc.report(span(&group.name), "group name must not be empty");
        }
        if !seen.insert(name.clone()) {
            loc.report(
                span(&group.name),
                format!("group \"{name}\" is defined twice"),
            );
        }
        let mut members = Vec::new();
        let mut seen_members = HashSet::new();
        for member in &group.members {
            let m = member.get_ref();
            match users.iter().find(|u| u.user_name.eq_ignore_ascii_case(m)) {
                Some(user) => {
                    if seen_members.insert(user.user_id.clone()) {
                        members.push(user.user_id.clone());
                    } else {
                        loc.report(
                            span(member),
                            format!("group \"{name}\" lists member \"{m}\" twice"),
                        );
                    }
                }
                None => loc.report(
                    span(member),
                    format!(
                        "group \"{name}\" lists member \"{m}\", who is not a user; add a [[users]] entry with user_name = \"{m}\" or remove the member"
                    ),
                ),
            }
        }
        let mut external_ids = Vec::new();
        for ext in &group.external_ids {
            let (issuer, id) = (ext.get_ref().issuer.get_ref(), ext.get_ref().id.get_ref());
            if issuer.trim().is_empty() || id.trim().is_empty() {
                loc.report(
                    span(ext),
                    format!("group \"{name}\" has an external id with an empty issuer or id; give both, e.g. {{ issuer = \"https://example.okta.com\", id = \"00g1\" }}"),
                );
            }
            external_ids.push(ExternalId {
                issuer: issuer.clone(),
                id: id.clone(),
            });
        }
        out.push(Group {
            group_id: ids::principal_id(&instance.identity_store_id, "group", name),
            name: name.clone(),
            description: group.description.as_ref().map(|d| d.get_ref().clone()),
            member_ids: members,
            external_ids,
        });
    }
    out
}
