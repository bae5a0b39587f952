//! What a rule's names mean in the organization: account ids, the accounts an OU covers,
//! permission sets and grantable groups, each unknown name reported with a suggestion.

use std::collections::BTreeSet;

use crate::idc::{Account, GroupDetails, Organization, PermissionSet};
use crate::policy::fields::closest;
use crate::policy::model::{Located, Targets};
use crate::policy::source::Reporter;

pub(super) struct Resolver<'a> {
    pub(super) org: &'a Organization,
    pub(super) permission_sets: &'a [PermissionSet],
    pub(super) groups: &'a [GroupDetails],
}

/// What the policy calls the organization root.
pub const ROOT_NAME: &str = "Root";

impl Resolver<'_> {
    pub(super) fn accounts(
        &self,
        targets: &Targets,
        what: &str,
        rep: &mut Reporter<'_>,
    ) -> BTreeSet<String> {
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

    pub(super) fn groups(
        &self,
        targets: &Targets,
        what: &str,
        rep: &mut Reporter<'_>,
    ) -> BTreeSet<String> {
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

    pub(super) fn permission_sets(
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
