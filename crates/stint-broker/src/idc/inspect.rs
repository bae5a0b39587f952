//! Reads only `stint-broker doctor` makes: every instance ListInstances reports, and what
//! a permission set grants (AWS managed policies, customer managed policy references, the
//! inline policy). The engine never needs them. A permissions boundary is not read: it
//! only narrows what the policies grant.

use aws_sdk_ssoadmin::types::InstanceStatus;

use super::IdcError;
use super::aws::{AwsIdentityCenter, IdcInstance, SSO_ADMIN};
use super::calls::paginate;

/// What a permission set grants, as Identity Center reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PermissionSetGrants {
    /// AWS managed policy ARNs.
    pub managed: Vec<String>,
    /// Customer managed policies, as `path` + `name`.
    pub customer_managed: Vec<String>,
    /// The inline policy document, if any.
    pub inline: Option<String>,
}

impl AwsIdentityCenter {
    /// Every active instance `ListInstances` reports (whatever the config says).
    pub async fn list_instances(&self) -> Result<Vec<IdcInstance>, IdcError> {
        let instances = paginate("ListInstances", |token| async {
            let out = self
                .calls
                .run(
                    SSO_ADMIN,
                    "ListInstances",
                    self.sso
                        .list_instances()
                        .set_next_token(token)
                        .set_max_results(self.settings.page_size)
                        .send(),
                )
                .await?;
            Ok((out.instances.unwrap_or_default(), out.next_token))
        })
        .await?;
        Ok(instances
            .into_iter()
            .filter(|i| matches!(i.status, None | Some(InstanceStatus::Active)))
            .filter_map(|i| {
                Some(IdcInstance {
                    instance_arn: i.instance_arn?,
                    identity_store_id: i.identity_store_id?,
                })
            })
            .collect())
    }

    /// What the permission set `arn` grants.
    pub async fn grants_of(&self, arn: &str) -> Result<PermissionSetGrants, IdcError> {
        let instance = self.instance().await?.instance_arn.clone();
        let managed = paginate("ListManagedPoliciesInPermissionSet", |token| async {
            let out = self
                .calls
                .run(
                    SSO_ADMIN,
                    "ListManagedPoliciesInPermissionSet",
                    self.sso
                        .list_managed_policies_in_permission_set()
                        .instance_arn(&instance)
                        .permission_set_arn(arn)
                        .set_next_token(token)
                        .send(),
                )
                .await?;
            let arns = out
                .attached_managed_policies
                .unwrap_or_default()
                .into_iter()
                .filter_map(|p| p.arn)
                .collect();
            Ok((arns, out.next_token))
        })
        .await?;
        let customer_managed = paginate(
            "ListCustomerManagedPolicyReferencesInPermissionSet",
            |token| async {
                let out = self
                    .calls
                    .run(
                        SSO_ADMIN,
                        "ListCustomerManagedPolicyReferencesInPermissionSet",
                        self.sso
                            .list_customer_managed_policy_references_in_permission_set()
                            .instance_arn(&instance)
                            .permission_set_arn(arn)
                            .set_next_token(token)
                            .send(),
                    )
                    .await?;
                let names = out
                    .customer_managed_policy_references
                    .unwrap_or_default()
                    .into_iter()
                    .map(|r| format!("{}{}", r.path.unwrap_or_else(|| "/".into()), r.name))
                    .collect();
                Ok((names, out.next_token))
            },
        )
        .await?;
        let inline = self
            .calls
            .run(
                SSO_ADMIN,
                "GetInlinePolicyForPermissionSet",
                self.sso
                    .get_inline_policy_for_permission_set()
                    .instance_arn(&instance)
                    .permission_set_arn(arn)
                    .send(),
            )
            .await?
            .inline_policy
            .filter(|p| !p.trim().is_empty());
        Ok(PermissionSetGrants {
            managed,
            customer_managed,
            inline,
        })
    }
}
