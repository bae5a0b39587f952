//! The world file as written, with the span of every value kept so a problem found later
//! (an unknown member, a cycle) can point at the line that caused it.

use serde::Deserialize;
use toml::Spanned;

use crate::faults::ApiFaults;

type S = Spanned<String>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWorld {
    pub instance: Spanned<RawInstance>,
    #[serde(default)]
    pub timing: Option<Spanned<RawTiming>>,
    #[serde(default)]
    pub operators: Vec<Spanned<RawOperator>>,
    #[serde(default)]
    pub users: Vec<Spanned<RawUser>>,
    #[serde(default)]
    pub groups: Vec<Spanned<RawGroup>>,
    pub organization: Spanned<RawOrganization>,
    #[serde(default)]
    pub accounts: Vec<Spanned<RawAccount>>,
    #[serde(default)]
    pub permission_sets: Vec<Spanned<RawPermissionSet>>,
    #[serde(default)]
    pub assignments: Vec<Spanned<RawAssignment>>,
    #[serde(default)]
    pub faults: Option<RawFaults>,
    #[serde(default)]
    pub cloudtrail: Option<Spanned<RawCloudTrail>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInstance {
    pub instance_arn: S,
    pub identity_store_id: S,
    pub region: S,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTiming {
    pub access_token_ttl: Option<S>,
    pub session_ttl: Option<S>,
    pub device_code_ttl: Option<S>,
    pub device_poll_interval: Option<S>,
    pub authorization_code_ttl: Option<S>,
    pub client_registration_ttl: Option<S>,
    pub provisioning_delay: Option<S>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOperator {
    pub name: S,
    pub account: S,
    pub role: S,
    pub access_key_id: S,
    pub secret_access_key: S,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUser {
    pub user_name: S,
    pub display_name: S,
    pub email: S,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGroup {
    pub name: S,
    #[serde(default)]
    pub description: Option<S>,
    #[serde(default)]
    pub members: Vec<S>,
    /// Set when an external IdP provisions the group (SCIM): its next sync may undo what
    /// anyone else changed.
    #[serde(default)]
    pub external_ids: Vec<Spanned<RawExternalId>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExternalId {
    pub issuer: S,
    pub id: S,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOrganization {
    pub management_account: S,
    #[serde(default)]
    pub ous: Vec<Spanned<RawOu>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOu {
    pub name: S,
    pub parent: S,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAccount {
    pub id: S,
    pub name: S,
    pub email: S,
    pub parent: S,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPermissionSet {
    pub name: S,
    #[serde(default)]
    pub description: Option<S>,
    pub session_duration: S,
    /// AWS managed policy ARNs attached to the permission set.
    #[serde(default)]
    pub managed_policies: Vec<S>,
    /// Names of customer managed policies the permission set refers to.
    #[serde(default)]
    pub customer_managed_policies: Vec<S>,
    /// The inline policy document (JSON).
    #[serde(default)]
    pub inline_policy: Option<S>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAssignment {
    pub account: S,
    pub permission_set: S,
    #[serde(default)]
    pub user: Option<S>,
    #[serde(default)]
    pub group: Option<S>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFaults {
    #[serde(default)]
    pub seed: Option<u64>,
    #[serde(default)]
    pub sso_admin: Option<Spanned<ApiFaults>>,
    #[serde(default)]
    pub identitystore: Option<Spanned<ApiFaults>>,
    #[serde(default)]
    pub organizations: Option<Spanned<ApiFaults>>,
    #[serde(default)]
    pub sso_oidc: Option<Spanned<ApiFaults>>,
    #[serde(default)]
    pub sso: Option<Spanned<ApiFaults>>,
    #[serde(default)]
    pub sts: Option<Spanned<ApiFaults>>,
    #[serde(default)]
    pub logs: Option<Spanned<ApiFaults>>,
}

/// `[cloudtrail]`: the organization trail and the log group it delivers to.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCloudTrail {
    pub log_group: Option<S>,
    pub delivery_delay: Option<S>,
}
