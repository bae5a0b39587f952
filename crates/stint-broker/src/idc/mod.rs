//! The broker's one port to AWS IAM Identity Center (sso-admin, identitystore and
//! organizations). Everything the broker knows about the directory and every assignment
//! it creates or deletes goes through [`IdentityCenter`]; the production implementation
//! uses the AWS SDK, and tests point that same implementation at `stint-sim` or moto.

mod assignments;
mod aws;
mod aws_errors;
mod calls;
mod directory;
mod inspect;
mod iso_duration;
mod memberships;
mod org_tree;
mod permission_sets;
mod probe;
mod settings;

pub use aws::{AwsIdentityCenter, IdcInstance};
pub use aws_errors::error_kind;
pub use calls::{AwsCall, CallObserver, READ_ATTEMPTS};
pub use inspect::PermissionSetGrants;
pub use iso_duration::{DurationParseError, parse_iso8601_duration};
pub use probe::ProbeTargets;
pub use settings::IdcSettings;

use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

pub use crate::model::{AssignmentKey, MembershipKey, PrincipalType};

/// The request id AWS returns for an asynchronous create or delete.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OperationId(pub String);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OperationStatus {
    InProgress,
    Succeeded,
    Failed { reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryUser {
    pub user_id: String,
    pub user_name: String,
    pub display_name: String,
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryGroup {
    pub group_id: String,
    pub display_name: String,
}

/// The id Identity Store gives a membership; a membership made again gets a new one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MembershipId(pub String);

/// An identifier a group carries from another identity provider (SCIM provisioning).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalId {
    pub issuer: String,
    pub id: String,
}

/// A group as a grant target needs it: its id, and whether an external IdP owns it (that
/// IdP's next sync may remove a member Stint added).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupDetails {
    pub group_id: String,
    pub display_name: String,
    pub external_ids: Vec<ExternalId>,
    /// What membership gives: the group's account assignments, sorted.
    pub access: Vec<GroupAccess>,
}

/// One (account, permission set) a group is assigned: what its members may use.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct GroupAccess {
    pub account_id: String,
    pub permission_set_arn: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermissionSet {
    pub arn: String,
    pub name: String,
    pub description: Option<String>,
    pub session_duration: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub name: String,
    /// The root or OU directly above the account.
    pub parent_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgUnit {
    pub id: String,
    pub name: String,
    /// The root or OU directly above this OU.
    pub parent_id: String,
}

/// A snapshot of the AWS organization: the root, every OU and every account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Organization {
    pub root_id: String,
    pub ous: Vec<OrgUnit>,
    pub accounts: Vec<Account>,
}

impl Organization {
    pub fn account(&self, id_or_name: &str) -> Option<&Account> {
        self.accounts
            .iter()
            .find(|a| a.id == id_or_name)
            .or_else(|| self.accounts.iter().find(|a| a.name == id_or_name))
    }

    pub fn ou(&self, id: &str) -> Option<&OrgUnit> {
        self.ous.iter().find(|o| o.id == id)
    }

    /// The OUs above an account, nearest first (the root is not an OU and is not listed).
    pub fn ancestors(&self, account_id: &str) -> Vec<&OrgUnit> {
        let mut out = Vec::new();
        let Some(account) = self.accounts.iter().find(|a| a.id == account_id) else {
            return out;
        };
        let mut next = account.parent_id.as_str();
        // An org tree is shallow (AWS allows five levels); the bound guards a malformed snapshot.
        while let Some(ou) = self.ou(next) {
            if out.len() > 16 {
                break;
            }
            out.push(ou);
            next = ou.parent_id.as_str();
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdcError {
    /// ThrottlingException or HTTP 429.
    #[error("Identity Center throttled the call: {0}")]
    Throttled(String),
    /// ConflictException: another operation on the same permission set is in flight.
    #[error("another Identity Center operation is in progress: {0}")]
    Conflict(String),
    /// 5xx, timeouts, connection failures.
    #[error("Identity Center is unavailable: {0}")]
    Unavailable(String),
    #[error("not found in Identity Center: {0}")]
    NotFound(String),
    #[error("Identity Center denied the broker's call: {0}")]
    AccessDenied(String),
    #[error("Identity Center call failed: {0}")]
    Other(String),
}

impl IdcError {
    /// Worth trying again after a backoff.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            IdcError::Throttled(_) | IdcError::Conflict(_) | IdcError::Unavailable(_)
        )
    }
}

/// The broker's view of Identity Center. Implementations do a single attempt per call (no
/// long internal retry loops): the workflow owns retries, backoff and deadlines, durably.
#[async_trait]
pub trait IdentityCenter: Send + Sync + 'static {
    /// Starts creating an assignment. An assignment that already exists counts as done.
    async fn create_assignment(&self, key: &AssignmentKey) -> Result<OperationId, IdcError>;
    /// Starts deleting an assignment. An assignment that is already gone counts as done.
    async fn delete_assignment(&self, key: &AssignmentKey) -> Result<OperationId, IdcError>;
    async fn creation_status(&self, op: &OperationId) -> Result<OperationStatus, IdcError>;
    async fn deletion_status(&self, op: &OperationId) -> Result<OperationStatus, IdcError>;
    /// Every assignment (users and groups) of one permission set in one account.
    async fn list_assignments(
        &self,
        account_id: &str,
        permission_set_arn: &str,
    ) -> Result<Vec<AssignmentKey>, IdcError>;
    async fn permission_sets(&self) -> Result<Vec<PermissionSet>, IdcError>;
    async fn organization(&self) -> Result<Organization, IdcError>;
    async fn find_user(&self, user_name: &str) -> Result<Option<DirectoryUser>, IdcError>;
    async fn describe_user(&self, user_id: &str) -> Result<Option<DirectoryUser>, IdcError>;
    async fn user_groups(&self, user_id: &str) -> Result<Vec<DirectoryGroup>, IdcError>;
    async fn group_members(&self, group_name: &str) -> Result<Vec<DirectoryUser>, IdcError>;
    /// The group with this display name and what it is assigned, `None` when there is none.
    async fn find_group(&self, display_name: &str) -> Result<Option<GroupDetails>, IdcError>;
    /// The membership's id when the user is in the group now.
    async fn membership(&self, key: &MembershipKey) -> Result<Option<MembershipId>, IdcError>;
    /// Adds the user to the group, at once. A user already in it counts as done.
    async fn add_membership(&self, key: &MembershipKey) -> Result<MembershipId, IdcError>;
    /// Removes the user from the group, at once. A membership already gone counts as done.
    async fn remove_membership(&self, key: &MembershipKey) -> Result<(), IdcError>;
}
