//! One harmless try of each call the broker's role must be allowed, for `stint-broker
//! doctor`. Reads are made for real (on the baseline permission set and account, the
//! organization root); lookups and status reads ask for ids that do not exist; the two
//! assignment writes name a principal that does not exist, which Identity Center refuses (or fails
//! asynchronously) after checking the caller's permission, and the membership writes name
//! a group and a membership that do not exist, so nothing changes. An answer
//! other than access denied means the role may make the call.

use aws_sdk_identitystore::types::{AlternateIdentifier, MemberId, UniqueAttribute};
use aws_sdk_ssoadmin::types::{PrincipalType, TargetType};
use aws_smithy_types::Document;

use super::IdcError;
use super::aws::{AwsIdentityCenter, IDENTITY_STORE, ORGANIZATIONS, SSO_ADMIN};

/// A well-formed Identity Store (and request) id that no real user, group or request has.
const NOBODY: &str = "00000000-0000-4000-8000-000000000000";
/// A user or group name nobody has.
const NO_NAME: &str = "stint-doctor-probe-nobody";

/// Where the tries point: real, readable things.
#[derive(Debug, Clone)]
pub struct ProbeTargets {
    pub account_id: String,
    pub permission_set_arn: String,
    /// The organization root, for the organizations listings.
    pub root_id: String,
}

impl AwsIdentityCenter {
    /// Tries `action` (as IAM names it, e.g. `sso:ListInstances`) once. `None` when there
    /// is no try for that action.
    pub async fn try_action(
        &self,
        action: &str,
        at: &ProbeTargets,
    ) -> Option<Result<(), IdcError>> {
        let instance = match self.instance().await {
            Ok(instance) => instance.clone(),
            Err(e) => return Some(Err(e)),
        };
        let (arn, store) = (&instance.instance_arn, &instance.identity_store_id);
        let ps = &at.permission_set_arn;
        let calls = &self.calls;
        let result = match action {
            "sso:ListInstances" => calls
                .run(
                    SSO_ADMIN,
                    "ListInstances",
                    self.sso.list_instances().max_results(1).send(),
                )
                .await
                .map(drop),
            "sso:ListPermissionSets" => calls
                .run(
                    SSO_ADMIN,
                    "ListPermissionSets",
                    self.sso
                        .list_permission_sets()
                        .instance_arn(arn)
                        .max_results(1)
                        .send(),
                )
                .await
                .map(drop),
            "sso:DescribePermissionSet" => calls
                .run(
                    SSO_ADMIN,
                    "DescribePermissionSet",
                    self.sso
                        .describe_permission_set()
                        .instance_arn(arn)
                        .permission_set_arn(ps)
                        .send(),
                )
                .await
                .map(drop),
            "sso:ListAccountAssignments" => calls
                .run(
                    SSO_ADMIN,
                    "ListAccountAssignments",
                    self.sso
                        .list_account_assignments()
                        .instance_arn(arn)
                        .account_id(&at.account_id)
                        .permission_set_arn(ps)
                        .max_results(1)
                        .send(),
                )
                .await
                .map(drop),
            "sso:ListAccountAssignmentsForPrincipal" => calls
                .run(
                    SSO_ADMIN,
                    "ListAccountAssignmentsForPrincipal",
                    self.sso
                        .list_account_assignments_for_principal()
                        .instance_arn(arn)
                        .principal_id(NOBODY)
                        .principal_type(PrincipalType::Group)
                        .max_results(1)
                        .send(),
                )
                .await
                .map(drop),
            "sso:DescribeAccountAssignmentCreationStatus" => calls
                .run(
                    SSO_ADMIN,
                    "DescribeAccountAssignmentCreationStatus",
                    self.sso
                        .describe_account_assignment_creation_status()
                        .instance_arn(arn)
                        .account_assignment_creation_request_id(NOBODY)
                        .send(),
                )
                .await
                .map(drop),
            "sso:DescribeAccountAssignmentDeletionStatus" => calls
                .run(
                    SSO_ADMIN,
                    "DescribeAccountAssignmentDeletionStatus",
                    self.sso
                        .describe_account_assignment_deletion_status()
                        .instance_arn(arn)
                        .account_assignment_deletion_request_id(NOBODY)
                        .send(),
                )
                .await
                .map(drop),
            "sso:CreateAccountAssignment" => calls
                .run(
                    SSO_ADMIN,
                    "CreateAccountAssignment",
                    self.sso
                        .create_account_assignment()
                        .instance_arn(arn)
                        .target_id(&at.account_id)
                        .target_type(TargetType::AwsAccount)
                        .permission_set_arn(ps)
                        .principal_type(PrincipalType::User)
                        .principal_id(NOBODY)
                        .send(),
                )
                .await
                .map(drop),
            "sso:DeleteAccountAssignment" => calls
                .run(
                    SSO_ADMIN,
                    "DeleteAccountAssignment",
                    self.sso
                        .delete_account_assignment()
                        .instance_arn(arn)
                        .target_id(&at.account_id)
                        .target_type(TargetType::AwsAccount)
                        .permission_set_arn(ps)
                        .principal_type(PrincipalType::User)
                        .principal_id(NOBODY)
                        .send(),
                )
                .await
                .map(drop),
            "sso:ListManagedPoliciesInPermissionSet"
            | "sso:ListCustomerManagedPolicyReferencesInPermissionSet"
            | "sso:GetInlinePolicyForPermissionSet" => {
                return Some(self.try_grants_read(action, ps).await);
            }
            "identitystore:GetUserId" => calls
                .run(
                    IDENTITY_STORE,
                    "GetUserId",
                    self.store
                        .get_user_id()
                        .identity_store_id(store)
                        .set_alternate_identifier(by_name("userName").ok())
                        .send(),
                )
                .await
                .map(drop),
            "identitystore:GetGroupId" => calls
                .run(
                    IDENTITY_STORE,
                    "GetGroupId",
                    self.store
                        .get_group_id()
                        .identity_store_id(store)
                        .set_alternate_identifier(by_name("displayName").ok())
                        .send(),
                )
                .await
                .map(drop),
            "identitystore:DescribeUser" => calls
                .run(
                    IDENTITY_STORE,
                    "DescribeUser",
                    self.store
                        .describe_user()
                        .identity_store_id(store)
                        .user_id(NOBODY)
                        .send(),
                )
                .await
                .map(drop),
            "identitystore:DescribeGroup" => calls
                .run(
                    IDENTITY_STORE,
                    "DescribeGroup",
                    self.store
                        .describe_group()
                        .identity_store_id(store)
                        .group_id(NOBODY)
                        .send(),
                )
                .await
                .map(drop),
            "identitystore:ListGroupMemberships" => calls
                .run(
                    IDENTITY_STORE,
                    "ListGroupMemberships",
                    self.store
                        .list_group_memberships()
                        .identity_store_id(store)
                        .group_id(NOBODY)
                        .send(),
                )
                .await
                .map(drop),
            "identitystore:ListGroupMembershipsForMember" => calls
                .run(
                    IDENTITY_STORE,
                    "ListGroupMembershipsForMember",
                    self.store
                        .list_group_memberships_for_member()
                        .identity_store_id(store)
                        .member_id(MemberId::UserId(NOBODY.to_owned()))
                        .send(),
                )
                .await
                .map(drop),
            "identitystore:GetGroupMembershipId" => calls
                .run(
                    IDENTITY_STORE,
                    "GetGroupMembershipId",
                    self.store
                        .get_group_membership_id()
                        .identity_store_id(store)
                        .group_id(NOBODY)
                        .member_id(MemberId::UserId(NOBODY.to_owned()))
                        .send(),
                )
                .await
                .map(drop),
            "identitystore:CreateGroupMembership" => calls
                .run(
                    IDENTITY_STORE,
                    "CreateGroupMembership",
                    self.store
                        .create_group_membership()
                        .identity_store_id(store)
                        .group_id(NOBODY)
                        .member_id(MemberId::UserId(NOBODY.to_owned()))
                        .send(),
                )
                .await
                .map(drop),
            "identitystore:DeleteGroupMembership" => calls
                .run(
                    IDENTITY_STORE,
                    "DeleteGroupMembership",
                    self.store
                        .delete_group_membership()
                        .identity_store_id(store)
                        .membership_id(NOBODY)
                        .send(),
                )
                .await
                .map(drop),
            "organizations:ListRoots" => calls
                .run(ORGANIZATIONS, "ListRoots", self.org.list_roots().send())
                .await
                .map(drop),
            "organizations:ListOrganizationalUnitsForParent" => calls
                .run(
                    ORGANIZATIONS,
                    "ListOrganizationalUnitsForParent",
                    self.org
                        .list_organizational_units_for_parent()
                        .parent_id(&at.root_id)
                        .max_results(1)
                        .send(),
                )
                .await
                .map(drop),
            "organizations:ListAccountsForParent" => calls
                .run(
                    ORGANIZATIONS,
                    "ListAccountsForParent",
                    self.org
                        .list_accounts_for_parent()
                        .parent_id(&at.root_id)
                        .max_results(1)
                        .send(),
                )
                .await
                .map(drop),
            _ => return None,
        };
        Some(result)
    }

    /// The three reads of what a permission set grants, one at a time.
    async fn try_grants_read(&self, action: &str, ps: &str) -> Result<(), IdcError> {
        let instance = self.instance().await?.instance_arn.clone();
        let calls = &self.calls;
        match action {
            "sso:ListManagedPoliciesInPermissionSet" => calls
                .run(
                    SSO_ADMIN,
                    "ListManagedPoliciesInPermissionSet",
                    self.sso
                        .list_managed_policies_in_permission_set()
                        .instance_arn(&instance)
                        .permission_set_arn(ps)
                        .send(),
                )
                .await
                .map(drop),
            "sso:ListCustomerManagedPolicyReferencesInPermissionSet" => calls
                .run(
                    SSO_ADMIN,
                    "ListCustomerManagedPolicyReferencesInPermissionSet",
                    self.sso
                        .list_customer_managed_policy_references_in_permission_set()
                        .instance_arn(&instance)
                        .permission_set_arn(ps)
                        .send(),
                )
                .await
                .map(drop),
            _ => calls
                .run(
                    SSO_ADMIN,
                    "GetInlinePolicyForPermissionSet",
                    self.sso
                        .get_inline_policy_for_permission_set()
                        .instance_arn(&instance)
                        .permission_set_arn(ps)
                        .send(),
                )
                .await
                .map(drop),
        }
    }
}

fn by_name(attribute: &str) -> Result<AlternateIdentifier, IdcError> {
    UniqueAttribute::builder()
        .attribute_path(attribute)
        .attribute_value(Document::String(NO_NAME.to_owned()))
        .build()
        .map(AlternateIdentifier::UniqueAttribute)
        .map_err(|e| IdcError::Other(format!("cannot build a lookup: {e}")))
}
