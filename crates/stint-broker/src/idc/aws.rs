//! [`AwsIdentityCenter`]: the production [`IdentityCenter`], over the AWS SDK's sso-admin,
//! identitystore and organizations clients.
//!
//! **One attempt per call.** The SDK's own retries are off and every call has a short
//! deadline: the engine owns retries, backoff and deadlines, durably, and an SDK that
//! quietly retried for a minute would hide throttling from it and stall its scheduler.
//!
//! **Stateless** but for the discovered instance ids; caching directory answers is the
//! engine's concern.

use std::sync::Arc;

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_ssoadmin::config::retry::RetryConfig;
use aws_sdk_ssoadmin::config::timeout::TimeoutConfig;
use aws_sdk_ssoadmin::types::InstanceStatus;
use tokio::sync::OnceCell;
use tracing::instrument;

use super::calls::{CallObserver, Calls, paginate};
use super::settings::IdcSettings;
use super::{
    AssignmentKey, DirectoryGroup, DirectoryUser, GroupDetails, IdcError, IdentityCenter,
    MembershipId, MembershipKey, OperationId, OperationStatus, Organization, PermissionSet,
};

pub(super) const SSO_ADMIN: &str = "sso-admin";
pub(super) const IDENTITY_STORE: &str = "identitystore";
pub(super) const ORGANIZATIONS: &str = "organizations";

/// The Identity Center instance the broker manages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdcInstance {
    pub instance_arn: String,
    pub identity_store_id: String,
}

#[derive(Debug)]
pub struct AwsIdentityCenter {
    pub(super) sso: aws_sdk_ssoadmin::Client,
    pub(super) store: aws_sdk_identitystore::Client,
    pub(super) org: aws_sdk_organizations::Client,
    pub(super) settings: IdcSettings,
    pub(super) calls: Calls,
    instance: OnceCell<IdcInstance>,
}

impl AwsIdentityCenter {
    /// Builds the three clients from `sdk` (credentials, region and endpoints as the SDK
    /// finds them, `AWS_ENDPOINT_URL_SSO_ADMIN` and friends included) with retries off and
    /// the timeouts of `settings`. Makes no call: the instance is discovered on first use,
    /// or at once with [`AwsIdentityCenter::instance`].
    pub fn new(sdk: &SdkConfig, settings: IdcSettings) -> Result<Self, IdcError> {
        if sdk.region().is_none() {
            return Err(IdcError::Other(
                "no AWS region is configured: set AWS_REGION (or `region` in the AWS config \
                 file) to the region of the Identity Center instance"
                    .to_owned(),
            ));
        }
        if let Some(size) = settings.page_size {
            if !(1..=20).contains(&size) {
                return Err(IdcError::Other(format!(
                    "page_size {size} is out of range: use 1 to 20 (Organizations' maximum), \
                     or leave it out for each service's default"
                )));
            }
        }
        let retry = RetryConfig::disabled();
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(settings.connect_timeout)
            .operation_attempt_timeout(settings.call_timeout)
            .operation_timeout(settings.call_timeout)
            .build();

        let sso = aws_sdk_ssoadmin::Client::from_conf(
            aws_sdk_ssoadmin::config::Builder::from(sdk)
                .retry_config(retry.clone())
                .timeout_config(timeouts.clone())
                .build(),
        );
        let store = aws_sdk_identitystore::Client::from_conf(
            aws_sdk_identitystore::config::Builder::from(sdk)
                .retry_config(retry.clone())
                .timeout_config(timeouts.clone())
                .build(),
        );
        let org = aws_sdk_organizations::Client::from_conf(
            aws_sdk_organizations::config::Builder::from(sdk)
                .retry_config(retry)
                .timeout_config(timeouts)
                .build(),
        );

        let known = match (&settings.instance_arn, &settings.identity_store_id) {
            (Some(instance_arn), Some(identity_store_id)) => Some(IdcInstance {
                instance_arn: instance_arn.clone(),
                identity_store_id: identity_store_id.clone(),
            }),
            _ => None,
        };
        Ok(Self {
            sso,
            store,
            org,
            settings,
            calls: Calls::default(),
            instance: OnceCell::new_with(known),
        })
    }

    /// Reports every AWS call (operation, latency, outcome) to `observer`.
    pub fn with_observer(mut self, observer: Arc<dyn CallObserver>) -> Self {
        self.calls = Calls::with_observer(observer);
        self
    }

    /// The instance and identity store in use: as configured, or discovered with
    /// `ListInstances` on first use. A failed discovery is tried again on the next call.
    pub async fn instance(&self) -> Result<&IdcInstance, IdcError> {
        self.instance.get_or_try_init(|| self.discover()).await
    }

    #[instrument(name = "idc.discover_instance", skip_all)]
    async fn discover(&self) -> Result<IdcInstance, IdcError> {
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

        let usable: Vec<IdcInstance> = instances
            .into_iter()
            // An instance being created or deleted cannot take assignments.
            .filter(|i| matches!(i.status, None | Some(InstanceStatus::Active)))
            .filter_map(|i| {
                Some(IdcInstance {
                    instance_arn: i.instance_arn?,
                    identity_store_id: i.identity_store_id?,
                })
            })
            .collect();

        let found = match &self.settings.instance_arn {
            Some(wanted) => usable
                .into_iter()
                .find(|i| &i.instance_arn == wanted)
                .ok_or_else(|| {
                    IdcError::NotFound(format!(
                        "ListInstances does not report the configured instance {wanted}; \
                         check instance_arn and the region"
                    ))
                })?,
            None => pick_single(usable)?,
        };
        let instance = IdcInstance {
            identity_store_id: self
                .settings
                .identity_store_id
                .clone()
                .unwrap_or(found.identity_store_id),
            instance_arn: found.instance_arn,
        };
        tracing::info!(
            instance_arn = %instance.instance_arn,
            identity_store_id = %instance.identity_store_id,
            "using this Identity Center instance"
        );
        Ok(instance)
    }
}

fn pick_single(mut usable: Vec<IdcInstance>) -> Result<IdcInstance, IdcError> {
    match usable.len() {
        1 => Ok(usable.remove(0)),
        0 => Err(IdcError::NotFound(
            "ListInstances reports no active Identity Center instance in this region; \
             enable IAM Identity Center, or set AWS_REGION to the instance's region"
                .to_owned(),
        )),
        n => Err(IdcError::Other(format!(
            "ListInstances reports {n} Identity Center instances ({}); set instance_arn \
             to the one Stint manages",
            usable
                .iter()
                .map(|i| i.instance_arn.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

#[async_trait]
impl IdentityCenter for AwsIdentityCenter {
    #[instrument(name = "idc.create_assignment", skip_all, fields(
        account = %key.account_id,
        permission_set = %key.permission_set_arn,
        principal_type = ?key.principal_type,
        principal = %key.principal_id,
    ))]
    async fn create_assignment(&self, key: &AssignmentKey) -> Result<OperationId, IdcError> {
        self.start_creation(key).await
    }

    #[instrument(name = "idc.delete_assignment", skip_all, fields(
        account = %key.account_id,
        permission_set = %key.permission_set_arn,
        principal_type = ?key.principal_type,
        principal = %key.principal_id,
    ))]
    async fn delete_assignment(&self, key: &AssignmentKey) -> Result<OperationId, IdcError> {
        self.start_deletion(key).await
    }

    #[instrument(name = "idc.creation_status", skip_all, fields(request = %op.0))]
    async fn creation_status(&self, op: &OperationId) -> Result<OperationStatus, IdcError> {
        self.creation_status_of(op).await
    }

    #[instrument(name = "idc.deletion_status", skip_all, fields(request = %op.0))]
    async fn deletion_status(&self, op: &OperationId) -> Result<OperationStatus, IdcError> {
        self.deletion_status_of(op).await
    }

    #[instrument(name = "idc.list_assignments", skip_all, fields(
        account = %account_id,
        permission_set = %permission_set_arn,
    ))]
    async fn list_assignments(
        &self,
        account_id: &str,
        permission_set_arn: &str,
    ) -> Result<Vec<AssignmentKey>, IdcError> {
        self.assignments_of(account_id, permission_set_arn).await
    }

    #[instrument(name = "idc.permission_sets", skip_all)]
    async fn permission_sets(&self) -> Result<Vec<PermissionSet>, IdcError> {
        self.all_permission_sets().await
    }

    #[instrument(name = "idc.organization", skip_all)]
    async fn organization(&self) -> Result<Organization, IdcError> {
        self.organization_tree().await
    }

    #[instrument(name = "idc.find_user", skip_all, fields(user_name = %user_name))]
    async fn find_user(&self, user_name: &str) -> Result<Option<DirectoryUser>, IdcError> {
        self.user_by_name(user_name).await
    }

    #[instrument(name = "idc.describe_user", skip_all, fields(user_id = %user_id))]
    async fn describe_user(&self, user_id: &str) -> Result<Option<DirectoryUser>, IdcError> {
        self.user_by_id(user_id).await
    }

    #[instrument(name = "idc.user_groups", skip_all, fields(user_id = %user_id))]
    async fn user_groups(&self, user_id: &str) -> Result<Vec<DirectoryGroup>, IdcError> {
        self.groups_of(user_id).await
    }

    #[instrument(name = "idc.group_members", skip_all, fields(group = %group_name))]
    async fn group_members(&self, group_name: &str) -> Result<Vec<DirectoryUser>, IdcError> {
        self.members_of(group_name).await
    }

    #[instrument(name = "idc.find_group", skip_all, fields(group = %display_name))]
    async fn find_group(&self, display_name: &str) -> Result<Option<GroupDetails>, IdcError> {
        self.group_by_name(display_name).await
    }

    #[instrument(name = "idc.membership", skip_all, fields(group = %key.group_id, user = %key.user_id))]
    async fn membership(&self, key: &MembershipKey) -> Result<Option<MembershipId>, IdcError> {
        self.membership_of(key).await
    }

    #[instrument(name = "idc.add_membership", skip_all, fields(group = %key.group_id, user = %key.user_id))]
    async fn add_membership(&self, key: &MembershipKey) -> Result<MembershipId, IdcError> {
        self.add_to_group(key).await
    }

    #[instrument(name = "idc.remove_membership", skip_all, fields(group = %key.group_id, user = %key.user_id))]
    async fn remove_membership(&self, key: &MembershipKey) -> Result<(), IdcError> {
        self.remove_from_group(key).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instance(n: u8) -> IdcInstance {
        IdcInstance {
            instance_arn: format!("arn:aws:sso:::instance/ssoins-{n:016}"),
            identity_store_id: format!("d-{n:010}"),
        }
    }

    #[test]
    fn exactly_one_instance_is_used() {
        assert_eq!(pick_single(vec![instance(1)]), Ok(instance(1)));
    }

    #[test]
    fn none_or_several_instances_is_a_clear_error() {
        let none = pick_single(vec![]).unwrap_err();
        assert!(
            matches!(none, IdcError::NotFound(ref m) if m.contains("no active")),
            "{none}"
        );
        let two = pick_single(vec![instance(1), instance(2)]).unwrap_err();
        let text = two.to_string();
        assert!(text.contains("2 Identity Center instances"), "{text}");
        assert!(text.contains(&instance(2).instance_arn), "{text}");
        assert!(text.contains("instance_arn"), "{text}");
    }

    #[test]
    fn construction_needs_a_region_and_a_sane_page_size() {
        let no_region = SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .build();
        let err = AwsIdentityCenter::new(&no_region, IdcSettings::default()).unwrap_err();
        assert!(err.to_string().contains("AWS_REGION"), "{err}");

        let sdk = SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .build();
        let settings = IdcSettings {
            page_size: Some(100),
            ..IdcSettings::default()
        };
        let err = AwsIdentityCenter::new(&sdk, settings).unwrap_err();
        assert!(err.to_string().contains("page_size 100"), "{err}");
        assert!(AwsIdentityCenter::new(&sdk, IdcSettings::default()).is_ok());
    }
}
