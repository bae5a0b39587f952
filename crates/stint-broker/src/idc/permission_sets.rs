//! Permission sets: `ListPermissionSets` gives ARNs only, so each is described for its
//! name, description and session duration.

use std::time::Duration;

use futures::{StreamExt, TryStreamExt, stream};

use super::aws::{AwsIdentityCenter, SSO_ADMIN};
use super::calls::{paginate_read, read_retrying};
use super::iso_duration::parse_iso8601_duration;
use super::{IdcError, PermissionSet};

/// What Identity Center uses when a permission set names no session duration.
const DEFAULT_SESSION: Duration = Duration::from_secs(3_600);

/// Describes in flight at once: a few, so a large instance lists quickly without tripping
/// sso-admin throttling.
const CONCURRENT_DESCRIBES: usize = 4;

impl AwsIdentityCenter {
    pub(super) async fn all_permission_sets(&self) -> Result<Vec<PermissionSet>, IdcError> {
        let instance = self.instance().await?;
        let arns = paginate_read("ListPermissionSets", |token| async {
            let out = self
                .calls
                .run(
                    SSO_ADMIN,
                    "ListPermissionSets",
                    self.sso
                        .list_permission_sets()
                        .instance_arn(&instance.instance_arn)
                        .set_next_token(token)
                        .set_max_results(self.settings.page_size)
                        .send(),
                )
                .await?;
            Ok((out.permission_sets.unwrap_or_default(), out.next_token))
        })
        .await?;

        let described: Vec<Option<PermissionSet>> = stream::iter(arns)
            .map(|arn| self.describe_permission_set(arn))
            .buffered(CONCURRENT_DESCRIBES)
            .try_collect()
            .await?;
        let mut sets: Vec<PermissionSet> = described.into_iter().flatten().collect();
        sets.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.arn.cmp(&b.arn)));
        Ok(sets)
    }

    async fn describe_permission_set(
        &self,
        arn: String,
    ) -> Result<Option<PermissionSet>, IdcError> {
        let instance = self.instance().await?;
        let described = read_retrying(|| {
            self.calls.run(
                SSO_ADMIN,
                "DescribePermissionSet",
                self.sso
                    .describe_permission_set()
                    .instance_arn(&instance.instance_arn)
                    .permission_set_arn(&arn)
                    .send(),
            )
        })
        .await;
        let set = match described {
            Ok(out) => out.permission_set,
            // Deleted between the list and the describe: it is simply no longer there.
            Err(IdcError::NotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        let Some(set) = set else {
            return Err(IdcError::Other(format!(
                "DescribePermissionSet returned nothing for {arn}"
            )));
        };
        let session_duration = match set.session_duration.as_deref() {
            None | Some("") => DEFAULT_SESSION,
            Some(text) => parse_iso8601_duration(text).map_err(|e| {
                IdcError::Other(format!(
                    "permission set {arn} has a session duration Stint cannot read: {e}"
                ))
            })?,
        };
        Ok(Some(PermissionSet {
            name: set.name.unwrap_or_else(|| arn.clone()),
            arn: set.permission_set_arn.unwrap_or(arn),
            description: set.description.filter(|d| !d.is_empty()),
            session_duration,
        }))
    }
}
