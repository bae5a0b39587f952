//! Account assignments: create, delete, their asynchronous status, and listing.
//!
//! **Idempotency.** The trait promises that creating an assignment that exists, or deleting
//! one that is gone, counts as done. Identity Center's API reference documents neither case,
//! and the emulators disagree with each other: moto appends a duplicate on a second create
//! (so one delete later leaves the assignment in place) and answers a delete of a missing
//! assignment with `ResourceNotFoundException`, which real Identity Center also uses for a
//! wrong instance or permission set. So the adapter does not guess from errors: before
//! writing it asks `ListAccountAssignments` whether the assignment is already as wanted,
//! and if so returns a synthetic request id that the status calls answer `Succeeded`
//! without asking AWS. A status of `FAILED` is checked the same way, because the goal (the
//! assignment exists, or is gone) can be met even when this particular request failed,
//! for example when another writer got there first. Cost: one extra read per write.

use aws_sdk_ssoadmin::types::{
    AccountAssignmentOperationStatus, PrincipalType as SdkPrincipalType, StatusValues, TargetType,
};

use super::aws::{AwsIdentityCenter, SSO_ADMIN};
use super::calls::paginate;
use super::{AssignmentKey, IdcError, OperationId, OperationStatus, PrincipalType};

/// Request ids AWS never issues (its ids are 36-character UUIDs), standing for "nothing to
/// do: the assignment already was as asked".
const ALREADY_ASSIGNED: &str = "stint:already-assigned";
const ALREADY_UNASSIGNED: &str = "stint:already-unassigned";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Goal {
    Present,
    Absent,
}

impl AwsIdentityCenter {
    pub(super) async fn start_creation(
        &self,
        key: &AssignmentKey,
    ) -> Result<OperationId, IdcError> {
        if self.assignment_exists(key).await? {
            tracing::info!("assignment already exists; nothing to create");
            return Ok(OperationId(ALREADY_ASSIGNED.to_owned()));
        }
        let instance = self.instance().await?;
        let out = self
            .calls
            .run(
                SSO_ADMIN,
                "CreateAccountAssignment",
                self.sso
                    .create_account_assignment()
                    .instance_arn(&instance.instance_arn)
                    .target_id(&key.account_id)
                    .target_type(TargetType::AwsAccount)
                    .permission_set_arn(&key.permission_set_arn)
                    .principal_type(sdk_principal_type(key.principal_type))
                    .principal_id(&key.principal_id)
                    .send(),
            )
            .await?;
        let op = request_id(
            "CreateAccountAssignment",
            out.account_assignment_creation_status,
        )?;
        tracing::info!(request = %op.0, "assignment creation started");
        Ok(op)
    }

    pub(super) async fn start_deletion(
        &self,
        key: &AssignmentKey,
    ) -> Result<OperationId, IdcError> {
        if !self.assignment_exists(key).await? {
            tracing::info!("assignment already absent; nothing to delete");
            return Ok(OperationId(ALREADY_UNASSIGNED.to_owned()));
        }
        let instance = self.instance().await?;
        let out = self
            .calls
            .run(
                SSO_ADMIN,
                "DeleteAccountAssignment",
                self.sso
                    .delete_account_assignment()
                    .instance_arn(&instance.instance_arn)
                    .target_id(&key.account_id)
                    .target_type(TargetType::AwsAccount)
                    .permission_set_arn(&key.permission_set_arn)
                    .principal_type(sdk_principal_type(key.principal_type))
                    .principal_id(&key.principal_id)
                    .send(),
            )
            .await?;
        let op = request_id(
            "DeleteAccountAssignment",
            out.account_assignment_deletion_status,
        )?;
        tracing::info!(request = %op.0, "assignment deletion started");
        Ok(op)
    }

    pub(super) async fn creation_status_of(
        &self,
        op: &OperationId,
    ) -> Result<OperationStatus, IdcError> {
        match op.0.as_str() {
            ALREADY_ASSIGNED => return Ok(OperationStatus::Succeeded),
            ALREADY_UNASSIGNED => return Err(wrong_kind(op, "deletion", "creation")),
            _ => {}
        }
        let instance = self.instance().await?;
        let out = self
            .calls
            .run(
                SSO_ADMIN,
                "DescribeAccountAssignmentCreationStatus",
                self.sso
                    .describe_account_assignment_creation_status()
                    .instance_arn(&instance.instance_arn)
                    .account_assignment_creation_request_id(&op.0)
                    .send(),
            )
            .await?;
        let status = out.account_assignment_creation_status.ok_or_else(|| {
            IdcError::Other("DescribeAccountAssignmentCreationStatus returned no status".to_owned())
        })?;
        self.settle(status, Goal::Present).await
    }

    pub(super) async fn deletion_status_of(
        &self,
        op: &OperationId,
    ) -> Result<OperationStatus, IdcError> {
        match op.0.as_str() {
            ALREADY_UNASSIGNED => return Ok(OperationStatus::Succeeded),
            ALREADY_ASSIGNED => return Err(wrong_kind(op, "creation", "deletion")),
            _ => {}
        }
        let instance = self.instance().await?;
        let out = self
            .calls
            .run(
                SSO_ADMIN,
                "DescribeAccountAssignmentDeletionStatus",
                self.sso
                    .describe_account_assignment_deletion_status()
                    .instance_arn(&instance.instance_arn)
                    .account_assignment_deletion_request_id(&op.0)
                    .send(),
            )
            .await?;
        let status = out.account_assignment_deletion_status.ok_or_else(|| {
            IdcError::Other("DescribeAccountAssignmentDeletionStatus returned no status".to_owned())
        })?;
        self.settle(status, Goal::Absent).await
    }

    /// Turns an operation status into ours; a failure whose goal was met anyway counts as done.
    async fn settle(
        &self,
        status: AccountAssignmentOperationStatus,
        goal: Goal,
    ) -> Result<OperationStatus, IdcError> {
        match &status.status {
            Some(StatusValues::InProgress) => Ok(OperationStatus::InProgress),
            Some(StatusValues::Succeeded) => Ok(OperationStatus::Succeeded),
            Some(StatusValues::Failed) => {
                let reason = status
                    .failure_reason
                    .clone()
                    .unwrap_or_else(|| "Identity Center gave no reason".to_owned());
                if let Some(key) = key_of(&status) {
                    let present = self.assignment_exists(&key).await?;
                    if present == (goal == Goal::Present) {
                        tracing::info!(%reason, "request failed but the assignment is already as wanted");
                        return Ok(OperationStatus::Succeeded);
                    }
                }
                tracing::warn!(%reason, "assignment request failed");
                Ok(OperationStatus::Failed { reason })
            }
            other => Err(IdcError::Other(format!(
                "Identity Center reported an unknown request status {:?}",
                other.as_ref().map(StatusValues::as_str)
            ))),
        }
    }

    pub(super) async fn assignments_of(
        &self,
        account_id: &str,
        permission_set_arn: &str,
    ) -> Result<Vec<AssignmentKey>, IdcError> {
        let instance = self.instance().await?;
        let listed = paginate("ListAccountAssignments", |token| async {
            let out = self
                .calls
                .run(
                    SSO_ADMIN,
                    "ListAccountAssignments",
                    self.sso
                        .list_account_assignments()
                        .instance_arn(&instance.instance_arn)
                        .account_id(account_id)
                        .permission_set_arn(permission_set_arn)
                        .set_next_token(token)
                        .set_max_results(self.settings.page_size)
                        .send(),
                )
                .await?;
            Ok((out.account_assignments.unwrap_or_default(), out.next_token))
        })
        .await?;

        let mut keys: Vec<AssignmentKey> = listed
            .into_iter()
            .filter_map(|a| {
                let principal_type = match a.principal_type {
                    Some(SdkPrincipalType::User) => PrincipalType::User,
                    Some(SdkPrincipalType::Group) => PrincipalType::Group,
                    other => {
                        // Stint only ever makes USER and GROUP assignments.
                        tracing::warn!(principal_type = ?other, "skipping an assignment of an unknown principal type");
                        return None;
                    }
                };
                Some(AssignmentKey {
                    principal_type,
                    principal_id: a.principal_id?,
                    account_id: a.account_id.unwrap_or_else(|| account_id.to_owned()),
                    permission_set_arn: a
                        .permission_set_arn
                        .unwrap_or_else(|| permission_set_arn.to_owned()),
                })
            })
            .collect();
        // An emulator may list one assignment twice; the broker reasons about a set.
        keys.sort();
        keys.dedup();
        Ok(keys)
    }

    async fn assignment_exists(&self, key: &AssignmentKey) -> Result<bool, IdcError> {
        Ok(self
            .assignments_of(&key.account_id, &key.permission_set_arn)
            .await?
            .contains(key))
    }
}

fn sdk_principal_type(principal_type: PrincipalType) -> SdkPrincipalType {
    match principal_type {
        PrincipalType::User => SdkPrincipalType::User,
        PrincipalType::Group => SdkPrincipalType::Group,
    }
}

fn request_id(
    operation: &'static str,
    status: Option<AccountAssignmentOperationStatus>,
) -> Result<OperationId, IdcError> {
    status
        .and_then(|s| s.request_id)
        .filter(|id| !id.is_empty())
        .map(OperationId)
        .ok_or_else(|| IdcError::Other(format!("{operation} returned no request id to follow")))
}

fn key_of(status: &AccountAssignmentOperationStatus) -> Option<AssignmentKey> {
    let principal_type = match status.principal_type.as_ref()? {
        SdkPrincipalType::User => PrincipalType::User,
        SdkPrincipalType::Group => PrincipalType::Group,
        _ => return None,
    };
    Some(AssignmentKey {
        principal_type,
        principal_id: status.principal_id.clone()?,
        account_id: status.target_id.clone()?,
        permission_set_arn: status.permission_set_arn.clone()?,
    })
}

fn wrong_kind(op: &OperationId, is: &str, asked: &str) -> IdcError {
    IdcError::Other(format!(
        "request {} is an assignment {is}, not a {asked}: ask for its {is} status",
        op.0
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_ids_cannot_collide_with_aws_request_ids() {
        // AWS request ids are fixed-length UUIDs.
        for id in [ALREADY_ASSIGNED, ALREADY_UNASSIGNED] {
            assert_ne!(id.len(), 36);
            assert!(id.contains(':'));
        }
    }

    #[test]
    fn a_status_without_its_tuple_gives_no_key() {
        let partial = AccountAssignmentOperationStatus::builder()
            .principal_type(SdkPrincipalType::User)
            .principal_id("u-1")
            .build();
        assert_eq!(key_of(&partial), None);
        let full = AccountAssignmentOperationStatus::builder()
            .principal_type(SdkPrincipalType::Group)
            .principal_id("g-1")
            .target_id("111111111111")
            .permission_set_arn("arn:aws:sso:::permissionSet/ssoins-1/ps-1")
            .build();
        assert_eq!(
            key_of(&full),
            Some(AssignmentKey {
                principal_type: PrincipalType::Group,
                principal_id: "g-1".to_owned(),
                account_id: "111111111111".to_owned(),
                permission_set_arn: "arn:aws:sso:::permissionSet/ssoins-1/ps-1".to_owned(),
            })
        );
    }

    #[test]
    fn a_write_without_a_request_id_is_an_error() {
        let err = request_id("CreateAccountAssignment", None).unwrap_err();
        assert!(err.to_string().contains("CreateAccountAssignment"), "{err}");
        let empty = AccountAssignmentOperationStatus::builder()
            .request_id("")
            .build();
        assert!(request_id("CreateAccountAssignment", Some(empty)).is_err());
    }
}
