//! Identity Center group memberships: the second kind of thing a grant gives. A membership
//! changes at once (no asynchronous operation to follow, unlike an account assignment), so
//! each write is one call whose answer is final.
//!
//! Both writes are idempotent the way the engine needs: adding a person already in the
//! group counts as done (AWS answers `ConflictException` with reason
//! `UNIQUENESS_CONSTRAINT_VIOLATION`; the existing membership's id is looked up), and
//! removing one that is gone counts as done. A `ConflictException` for any other reason
//! (`CONCURRENT_MODIFICATION`) is another write in flight and stays a retryable conflict.

use std::future::Future;

use aws_sdk_identitystore::config::http::HttpResponse;
use aws_sdk_identitystore::error::SdkError;
use aws_sdk_identitystore::operation::create_group_membership::CreateGroupMembershipError;
use aws_sdk_identitystore::operation::delete_group_membership::DeleteGroupMembershipError;
use aws_sdk_identitystore::operation::describe_group::DescribeGroupError;
use aws_sdk_identitystore::operation::get_group_id::GetGroupIdError;
use aws_sdk_identitystore::operation::get_group_membership_id::GetGroupMembershipIdError;
use aws_sdk_identitystore::types::{ConflictExceptionReason, MemberId, ResourceType};

use aws_sdk_ssoadmin::types::PrincipalType as SdkPrincipalType;

use super::aws::{AwsIdentityCenter, IDENTITY_STORE, SSO_ADMIN};
use super::calls::paginate;
use super::directory::{absent_if_missing, unique_attribute};
use super::{ExternalId, GroupAccess, GroupDetails, IdcError, MembershipId, MembershipKey};

impl AwsIdentityCenter {
    /// The group with this display name, with the external ids that say it is provisioned
    /// from another identity provider. `None` when there is no such group.
    pub(super) async fn group_by_name(
        &self,
        display_name: &str,
    ) -> Result<Option<GroupDetails>, IdcError> {
        let instance = self.instance().await?;
        let store_id = &instance.identity_store_id;
        let identifier = unique_attribute("displayName", display_name)?;
        let found = self
            .calls
            .run(
                IDENTITY_STORE,
                "GetGroupId",
                absent_if_missing(
                    self.store
                        .get_group_id()
                        .identity_store_id(store_id)
                        .alternate_identifier(identifier)
                        .send(),
                    |e| match e {
                        GetGroupIdError::ResourceNotFoundException(e) => Some(e),
                        _ => None,
                    },
                    ResourceType::Group,
                ),
            )
            .await?;
        let Some(id) = found else {
            return Ok(None);
        };
        let described = self
            .calls
            .run(
                IDENTITY_STORE,
                "DescribeGroup",
                absent_if_missing(
                    self.store
                        .describe_group()
                        .identity_store_id(store_id)
                        .group_id(&id.group_id)
                        .send(),
                    |e| match e {
                        DescribeGroupError::ResourceNotFoundException(e) => Some(e),
                        _ => None,
                    },
                    ResourceType::Group,
                ),
            )
            .await?;
        // Deleted between the two calls: it does not exist any more.
        let Some(g) = described else {
            return Ok(None);
        };
        let access = self.access_of_group(&g.group_id).await?;
        Ok(Some(GroupDetails {
            access,
            display_name: g
                .display_name
                .clone()
                .unwrap_or_else(|| display_name.to_owned()),
            external_ids: g
                .external_ids()
                .iter()
                .map(|e| ExternalId {
                    issuer: e.issuer.clone(),
                    id: e.id.clone(),
                })
                .collect(),
            group_id: g.group_id,
        }))
    }

    /// The group's account assignments (ListAccountAssignmentsForPrincipal), sorted.
    async fn access_of_group(&self, group_id: &str) -> Result<Vec<GroupAccess>, IdcError> {
        let instance = self.instance().await?;
        let listed = paginate("ListAccountAssignmentsForPrincipal", |token| async {
            let out = self
                .calls
                .run(
                    SSO_ADMIN,
                    "ListAccountAssignmentsForPrincipal",
                    self.sso
                        .list_account_assignments_for_principal()
                        .instance_arn(&instance.instance_arn)
                        .principal_id(group_id)
                        .principal_type(SdkPrincipalType::Group)
                        .set_next_token(token)
                        .set_max_results(self.settings.page_size)
                        .send(),
                )
                .await?;
            Ok((out.account_assignments.unwrap_or_default(), out.next_token))
        })
        .await?;
        let mut access: Vec<GroupAccess> = listed
            .into_iter()
            .filter_map(|a| {
                Some(GroupAccess {
                    account_id: a.account_id?,
                    permission_set_arn: a.permission_set_arn?,
                })
            })
            .collect();
        access.sort();
        access.dedup();
        Ok(access)
    }

    /// The id of the membership, if the user is in the group now.
    pub(super) async fn membership_of(
        &self,
        key: &MembershipKey,
    ) -> Result<Option<MembershipId>, IdcError> {
        let instance = self.instance().await?;
        let found = self
            .calls
            .run(
                IDENTITY_STORE,
                "GetGroupMembershipId",
                absent_if_missing(
                    self.store
                        .get_group_membership_id()
                        .identity_store_id(&instance.identity_store_id)
                        .group_id(&key.group_id)
                        .member_id(MemberId::UserId(key.user_id.clone()))
                        .send(),
                    |e| match e {
                        GetGroupMembershipIdError::ResourceNotFoundException(e) => Some(e),
                        _ => None,
                    },
                    ResourceType::GroupMembership,
                ),
            )
            .await?;
        Ok(found.map(|out| MembershipId(out.membership_id)))
    }

    pub(super) async fn add_to_group(&self, key: &MembershipKey) -> Result<MembershipId, IdcError> {
        let instance = self.instance().await?;
        let created = self
            .calls
            .run(
                IDENTITY_STORE,
                "CreateGroupMembership",
                already_member_is_ok(
                    self.store
                        .create_group_membership()
                        .identity_store_id(&instance.identity_store_id)
                        .group_id(&key.group_id)
                        .member_id(MemberId::UserId(key.user_id.clone()))
                        .send(),
                ),
            )
            .await?;
        match created {
            Some(out) => Ok(MembershipId(out.membership_id)),
            // Already a member: the membership that exists is the one we wanted.
            None => self.membership_of(key).await?.ok_or_else(|| {
                IdcError::Conflict(format!(
                    "user {} was reported already in group {} but no membership was found; another write is in flight",
                    key.user_id, key.group_id
                ))
            }),
        }
    }

    pub(super) async fn remove_from_group(&self, key: &MembershipKey) -> Result<(), IdcError> {
        let Some(id) = self.membership_of(key).await? else {
            return Ok(());
        };
        let instance = self.instance().await?;
        self.calls
            .run(
                IDENTITY_STORE,
                "DeleteGroupMembership",
                absent_if_missing(
                    self.store
                        .delete_group_membership()
                        .identity_store_id(&instance.identity_store_id)
                        .membership_id(&id.0)
                        .send(),
                    |e| match e {
                        DeleteGroupMembershipError::ResourceNotFoundException(e) => Some(e),
                        _ => None,
                    },
                    ResourceType::GroupMembership,
                ),
            )
            .await
            .map(drop)
    }
}

/// `Ok(None)` for "the user is already in the group"; every other answer as it came.
async fn already_member_is_ok<T>(
    call: impl Future<Output = Result<T, SdkError<CreateGroupMembershipError, HttpResponse>>>,
) -> Result<Option<T>, SdkError<CreateGroupMembershipError, HttpResponse>> {
    match call.await {
        Ok(out) => Ok(Some(out)),
        Err(SdkError::ServiceError(service))
            if matches!(
                service.err(),
                CreateGroupMembershipError::ConflictException(c)
                    if c.reason() == Some(&ConflictExceptionReason::UniquenessConstraintViolation)
            ) =>
        {
            Ok(None)
        }
        Err(other) => Err(other),
    }
}
