//! The organization of a world: its OU tree (at most five levels under the root) and its
//! accounts, each in one OU.

use std::collections::{HashMap, HashSet};

use toml::Spanned;

use super::{is_account_id, looks_like_email, span};
use crate::world::error::Locator;
use crate::world::raw::RawWorld;
use crate::world::{Account, OrgUnit, Organization, ids};

const ROOT: &str = "Root";
/// AWS allows OUs five levels deep under the root.
const MAX_OU_DEPTH: usize = 5;

pub(super) fn build_organization(raw: &RawWorld, loc: &mut Locator<'_>) -> Organization {
    let org = raw.organization.get_ref();
    let mgmt = org.management_account.get_ref();
    if !is_account_id(mgmt) {
        loc.report(
            span(&org.management_account),
            format!("management_account \"{mgmt}\" is not a twelve-digit AWS account id"),
        );
    } else if !raw
        .accounts
        .iter()
        .any(|a| a.get_ref().id.get_ref() == mgmt)
    {
        loc.report(
            span(&org.management_account),
            format!(
                "management_account \"{mgmt}\" is not one of the [[accounts]]; add it (with parent = \"Root\")"
            ),
        );
    }
    let org_id = ids::organization_id(mgmt);
    let root_id = ids::root_id(&org_id);

    // Names first, so a parent may be defined after its child.
    let mut by_name: HashMap<&str, &Spanned<String>> = HashMap::new();
    for ou in &org.ous {
        let ou = ou.get_ref();
        let name = ou.name.get_ref();
        if name == ROOT {
            loc.report(
                span(&ou.name),
                "an OU cannot be named \"Root\": that name means the organization's root",
            );
        } else if name.trim().is_empty() {
            loc.report(span(&ou.name), "OU name must not be empty");
        } else if by_name.insert(name, &ou.parent).is_some() {
            loc.report(
                span(&ou.name),
                format!(
                    "OU \"{name}\" is defined twice; accounts and OUs name their parent by OU name, so names must be unique"
                ),
            );
        }
    }
    let parent_of: HashMap<&str, &str> = by_name
        .iter()
        .map(|(name, parent)| (*name, parent.get_ref().as_str()))
        .collect();
    for ou in &org.ous {
        let ou = ou.get_ref();
        let parent = ou.parent.get_ref();
        if parent != ROOT && !parent_of.contains_key(parent.as_str()) {
            loc.report(
                span(&ou.parent),
                format!(
                    "OU \"{}\" has parent \"{parent}\", which is neither \"Root\" nor an OU",
                    ou.name.get_ref()
                ),
            );
            continue;
        }
        // Walk up to the root; coming back to this OU is a cycle.
        let mut depth = 1;
        let mut next = parent.as_str();
        let mut steps = 0;
        while next != ROOT {
            if next == ou.name.get_ref() {
                loc.report(
                    span(&ou.parent),
                    format!(
                        "OU \"{}\" is its own ancestor (parents form a cycle); every OU must lead up to \"Root\"",
                        ou.name.get_ref()
                    ),
                );
                break;
            }
            let Some(up) = parent_of.get(next) else { break };
            depth += 1;
            next = up;
            steps += 1;
            if steps > parent_of.len() {
                // A cycle above us that does not include this OU: reported on its members.
                break;
            }
        }
        if depth > MAX_OU_DEPTH && next == ROOT {
            loc.report(
                span(&ou.parent),
                format!(
                    "OU \"{}\" is {depth} levels below the root; AWS allows at most {MAX_OU_DEPTH}",
                    ou.name.get_ref()
                ),
            );
        }
    }

    let arn_base =
        |kind: &str, id: &str| format!("arn:aws:organizations::{mgmt}:{kind}/{org_id}/{id}");
    let resolve = |name: &str| -> String {
        if name == ROOT {
            root_id.clone()
        } else {
            ids::ou_id(&root_id, name)
        }
    };
    let ous = org
        .ous
        .iter()
        .map(|ou| {
            let ou = ou.get_ref();
            let id = ids::ou_id(&root_id, ou.name.get_ref());
            OrgUnit {
                arn: arn_base("ou", &id),
                id,
                name: ou.name.get_ref().clone(),
                parent_id: resolve(ou.parent.get_ref()),
            }
        })
        .collect();
    Organization {
        arn: format!("arn:aws:organizations::{mgmt}:organization/{org_id}"),
        root_arn: arn_base("root", &root_id),
        id: org_id.clone(),
        root_id: root_id.clone(),
        management_account_id: mgmt.clone(),
        ous,
    }
}

pub(super) fn build_accounts(
    raw: &RawWorld,
    org: &Organization,
    loc: &mut Locator<'_>,
) -> Vec<Account> {
    let mut ids_seen = HashSet::new();
    let mut names_seen = HashSet::new();
    let mut out = Vec::new();
    for account in &raw.accounts {
        let account = account.get_ref();
        let id = account.id.get_ref();
        if !is_account_id(id) {
            loc.report(
                span(&account.id),
                format!("account id \"{id}\" is not a twelve-digit AWS account id"),
            );
        }
        if !ids_seen.insert(id.clone()) {
            loc.report(
                span(&account.id),
                format!("account id \"{id}\" is used by two accounts"),
            );
        }
        let name = account.name.get_ref();
        if name.trim().is_empty() {
            loc.report(span(&account.name), "account name must not be empty");
        }
        if !names_seen.insert(name.clone()) {
            loc.report(
                span(&account.name),
                format!("account name \"{name}\" is used by two accounts"),
            );
        }
        if !looks_like_email(account.email.get_ref()) {
            loc.report(
                span(&account.email),
                format!(
                    "email \"{}\" is not an email address",
                    account.email.get_ref()
                ),
            );
        }
        let parent = account.parent.get_ref();
        let parent_id = if parent == ROOT {
            org.root_id.clone()
        } else if let Some(ou) = org.ous.iter().find(|o| &o.name == parent) {
            ou.id.clone()
        } else {
            loc.report(
                span(&account.parent),
                format!(
                    "account \"{name}\" has parent \"{parent}\", which is neither \"Root\" nor an OU"
                ),
            );
            String::new()
        };
        out.push(Account {
            arn: format!(
                "arn:aws:organizations::{}:account/{}/{id}",
                org.management_account_id, org.id
            ),
            id: id.clone(),
            name: name.clone(),
            email: account.email.get_ref().clone(),
            parent_id,
        });
    }
    out
}
