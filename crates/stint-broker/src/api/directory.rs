//! What the broker knows of the organization and the directory between refreshes: accounts
//! and OUs, permission sets, and the members of every group the policy names as approvers.
//! Requests are decided against this snapshot, so creating one never waits on Identity
//! Center; it is refreshed on a timer and on every policy reload.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};

use crate::idc::{
    DirectoryUser, GroupDetails, IdcError, IdentityCenter, Organization, PermissionSet,
};
use crate::policy::{GroupDirectory, ResolvedPolicy};

#[derive(Debug, Clone, Default)]
pub struct DirectorySnapshot {
    pub organization: Organization,
    pub permission_sets: Vec<PermissionSet>,
    /// Group display name → members, for the groups the policy names as approvers.
    pub members: BTreeMap<String, Vec<DirectoryUser>>,
    pub taken_at: Option<DateTime<Utc>>,
}

impl GroupDirectory for DirectorySnapshot {
    fn members(&self, group: &str) -> Option<Vec<String>> {
        self.members
            .get(group)
            .map(|users| users.iter().map(|u| u.user_name.clone()).collect())
    }
}

/// Every group whose members may approve something under `policy`.
pub fn approver_groups(policy: &ResolvedPolicy) -> Vec<String> {
    let mut groups: Vec<String> = policy
        .policy
        .approval
        .iter()
        .flat_map(|r| r.approver_groups.iter().map(|g| g.value.clone()))
        .collect();
    groups.sort();
    groups.dedup();
    groups
}

/// The organization and the permission sets: what a policy resolves against.
pub async fn fetch_organization(
    idc: &dyn IdentityCenter,
) -> Result<(Organization, Vec<PermissionSet>), IdcError> {
    let organization = idc.organization().await?;
    let permission_sets = idc.permission_sets().await?;
    Ok((organization, permission_sets))
}

/// The grantable groups named in `names`, as Identity Center describes them. A name it does
/// not have is left out: resolving the policy then names the line that names it.
pub async fn fetch_grantable_groups(
    idc: &dyn IdentityCenter,
    names: &[String],
) -> Result<Vec<GroupDetails>, IdcError> {
    let mut found = Vec::new();
    for name in names {
        if let Some(group) = idc.find_group(name).await? {
            found.push(group);
        }
    }
    Ok(found)
}

/// The grantable groups a policy file names, read from the file (a file that does not
/// parse names none; loading it reports why).
pub fn grantable_group_names_in(path: &std::path::Path) -> Vec<String> {
    crate::policy::Policy::load(path)
        .map(|parsed| parsed.policy.grantable_group_names())
        .unwrap_or_default()
}

pub async fn fetch_members(
    idc: &dyn IdentityCenter,
    groups: &[String],
) -> Result<BTreeMap<String, Vec<DirectoryUser>>, IdcError> {
    let mut members = BTreeMap::new();
    for group in groups {
        members.insert(group.clone(), idc.group_members(group).await?);
    }
    Ok(members)
}

/// The snapshot in force, swapped whole.
#[derive(Debug, Default)]
pub struct Directory {
    current: RwLock<Arc<DirectorySnapshot>>,
}

impl Directory {
    pub fn new(snapshot: DirectorySnapshot) -> Self {
        Self {
            current: RwLock::new(Arc::new(snapshot)),
        }
    }

    pub fn current(&self) -> Arc<DirectorySnapshot> {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    pub fn replace(&self, snapshot: DirectorySnapshot) {
        *self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(snapshot);
    }
}
