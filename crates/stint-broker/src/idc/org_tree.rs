//! The organization tree: root, OUs and accounts with their parents.
//!
//! Walked breadth-first from the root with `ListOrganizationalUnitsForParent` and
//! `ListAccountsForParent` at every node. The alternative, `ListAccounts` plus one
//! `ListParents` per account, costs a call per account; walking costs two calls per node
//! (root and OUs) and organizations have far fewer OUs than accounts. Calls are sequential:
//! Organizations throttles at a few requests per second, and the engine caches the tree.

use std::collections::{HashSet, VecDeque};

use aws_sdk_organizations::types::AccountStatus;

use super::aws::{AwsIdentityCenter, ORGANIZATIONS};
use super::calls::paginate_read;
use super::{Account, IdcError, OrgUnit, Organization};

/// AWS allows 2,000 OUs; past this the listing is not a tree but a loop.
const MAX_NODES: usize = 10_000;

impl AwsIdentityCenter {
    pub(super) async fn organization_tree(&self) -> Result<Organization, IdcError> {
        let roots = paginate_read("ListRoots", |token| async {
            let out = self
                .calls
                .run(
                    ORGANIZATIONS,
                    "ListRoots",
                    self.org
                        .list_roots()
                        .set_next_token(token)
                        .set_max_results(self.settings.page_size)
                        .send(),
                )
                .await?;
            Ok((out.roots.unwrap_or_default(), out.next_token))
        })
        .await?;
        // An organization has exactly one root.
        let root_id = roots.into_iter().find_map(|r| r.id).ok_or_else(|| {
            IdcError::NotFound(
                "ListRoots returned no root: is AWS Organizations enabled?".to_owned(),
            )
        })?;

        let mut tree = Organization {
            root_id: root_id.clone(),
            ..Organization::default()
        };
        let mut seen = HashSet::from([root_id.clone()]);
        let mut queue = VecDeque::from([root_id]);
        while let Some(parent) = queue.pop_front() {
            for ou in self.child_ous(&parent).await? {
                if !seen.insert(ou.id.clone()) {
                    return Err(IdcError::Other(format!(
                        "the organization tree repeats OU {} under {parent}: not a tree",
                        ou.id
                    )));
                }
                if seen.len() > MAX_NODES {
                    return Err(IdcError::Other(format!(
                        "the organization has more than {MAX_NODES} OUs: not a tree"
                    )));
                }
                queue.push_back(ou.id.clone());
                tree.ous.push(ou);
            }
            tree.accounts.extend(self.child_accounts(&parent).await?);
        }
        Ok(tree)
    }

    async fn child_ous(&self, parent: &str) -> Result<Vec<OrgUnit>, IdcError> {
        let ous = paginate_read("ListOrganizationalUnitsForParent", |token| async {
            let out = self
                .calls
                .run(
                    ORGANIZATIONS,
                    "ListOrganizationalUnitsForParent",
                    self.org
                        .list_organizational_units_for_parent()
                        .parent_id(parent)
                        .set_next_token(token)
                        .set_max_results(self.settings.page_size)
                        .send(),
                )
                .await?;
            Ok((out.organizational_units.unwrap_or_default(), out.next_token))
        })
        .await?;
        Ok(ous
            .into_iter()
            .filter_map(|ou| {
                let id = ou.id?;
                Some(OrgUnit {
                    name: ou.name.unwrap_or_else(|| id.clone()),
                    id,
                    parent_id: parent.to_owned(),
                })
            })
            .collect())
    }

    async fn child_accounts(&self, parent: &str) -> Result<Vec<Account>, IdcError> {
        let accounts = paginate_read("ListAccountsForParent", |token| async {
            let out = self
                .calls
                .run(
                    ORGANIZATIONS,
                    "ListAccountsForParent",
                    self.org
                        .list_accounts_for_parent()
                        .parent_id(parent)
                        .set_next_token(token)
                        .set_max_results(self.settings.page_size)
                        .send(),
                )
                .await?;
            Ok((out.accounts.unwrap_or_default(), out.next_token))
        })
        .await?;
        Ok(accounts
            .into_iter()
            // A suspended or closing account cannot be used; offering access to it would
            // only produce requests that fail.
            .filter(|a| matches!(a.status, None | Some(AccountStatus::Active)))
            .filter_map(|a| {
                let id = a.id?;
                Some(Account {
                    name: a.name.unwrap_or_else(|| id.clone()),
                    id,
                    parent_id: parent.to_owned(),
                })
            })
            .collect())
    }
}
