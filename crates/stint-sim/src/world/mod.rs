//! The world: one IAM Identity Center instance with its directory, organization,
//! permission sets and standing assignments, loaded from a TOML file (see
//! `worlds/demo.toml`) and validated before anything is served.
//!
//! A `World` is immutable once loaded; what changes while the simulator runs (assignments,
//! tokens, credentials) lives in the simulator's state.

mod cloudtrail;
mod error;
pub(crate) mod ids;
mod load;
mod raw;

use std::time::Duration;

pub use error::{Problem, WorldError};

use crate::faults::Faults;
use crate::secret::Secret;

/// The demo world every test and the demo share, embedded in the binary.
pub const DEMO_WORLD_TOML: &str = include_str!("../../worlds/demo.toml");

/// A validated world.
#[derive(Debug, Clone)]
pub struct World {
    pub(crate) source_name: String,
    pub(crate) instance: Instance,
    pub(crate) timing: Timing,
    pub(crate) operators: Vec<Operator>,
    pub(crate) users: Vec<User>,
    pub(crate) groups: Vec<Group>,
    pub(crate) organization: Organization,
    pub(crate) accounts: Vec<Account>,
    pub(crate) permission_sets: Vec<PermissionSet>,
    pub(crate) assignments: Vec<Assignment>,
    pub(crate) faults: Faults,
    pub(crate) cloudtrail: CloudTrail,
}

/// The organization trail: where CloudTrail delivers the records of calls made with the
/// simulator's role credentials, and how late.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudTrail {
    /// The CloudWatch Logs log group, in the management account and the instance's region.
    pub log_group: String,
    pub log_group_arn: String,
    /// How long after an event its record can be queried.
    pub delivery_delay: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    pub instance_arn: String,
    /// The `ssoins-...` part of the ARN.
    pub instance_id: String,
    pub identity_store_id: String,
    pub region: String,
    /// The organization's management account, which owns the instance.
    pub owner_account_id: String,
}

/// How long things last. Every field has a default, so `[timing]` may be partial or absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timing {
    pub access_token_ttl: Duration,
    /// A sign-in session: refresh tokens stop working this long after the device login.
    pub session_ttl: Duration,
    pub device_code_ttl: Duration,
    pub device_poll_interval: Duration,
    /// How long an authorization code from the browser sign-in may wait to be exchanged.
    pub authorization_code_ttl: Duration,
    pub client_registration_ttl: Duration,
    /// How long assignment creation and deletion stay IN_PROGRESS.
    pub provisioning_delay: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            access_token_ttl: Duration::from_secs(3600),
            session_ttl: Duration::from_secs(8 * 3600),
            device_code_ttl: Duration::from_secs(600),
            device_poll_interval: Duration::from_secs(5),
            authorization_code_ttl: Duration::from_secs(5 * 60),
            client_registration_ttl: Duration::from_secs(90 * 24 * 3600),
            provisioning_delay: Duration::from_secs(2),
        }
    }
}

/// An AWS identity allowed to call the admin APIs (the broker's role, in production).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    pub name: String,
    pub account_id: String,
    pub role_name: String,
    pub access_key_id: String,
    pub secret_access_key: Secret,
}

impl Operator {
    /// What GetCallerIdentity reports for this operator.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:sts::{}:assumed-role/{}/{}",
            self.account_id, self.role_name, self.name
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub user_id: String,
    pub user_name: String,
    pub display_name: String,
    pub email: String,
    pub given_name: String,
    pub family_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub group_id: String,
    pub name: String,
    pub description: Option<String>,
    /// User ids, in the order the world file lists them: the standing members at start.
    /// Who is in the group now is the simulator's state (identitystore writes change it).
    pub member_ids: Vec<String>,
    /// The group's ids in an external IdP that provisions it, if any.
    pub external_ids: Vec<ExternalId>,
}

/// An identitystore `ExternalId`: the IdP (issuer) and the principal's id there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalId {
    pub issuer: String,
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub id: String,
    pub arn: String,
    pub root_id: String,
    pub root_arn: String,
    pub management_account_id: String,
    pub ous: Vec<OrgUnit>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgUnit {
    pub id: String,
    pub arn: String,
    pub name: String,
    /// The root or OU directly above.
    pub parent_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub email: String,
    /// The root or OU directly above.
    pub parent_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermissionSet {
    pub arn: String,
    pub name: String,
    pub description: Option<String>,
    pub session_duration: Duration,
    pub policies: PermissionSetPolicies,
}

/// What a permission set grants. All empty for one that grants nothing (the baseline).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PermissionSetPolicies {
    /// AWS managed policy ARNs.
    pub managed: Vec<String>,
    /// Customer managed policy names (in the path `/`).
    pub customer_managed: Vec<String>,
    /// The inline policy document.
    pub inline: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PrincipalType {
    User,
    Group,
}

impl PrincipalType {
    /// As the sso-admin wire protocol spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalType::User => "USER",
            PrincipalType::Group => "GROUP",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "USER" => Some(PrincipalType::User),
            "GROUP" => Some(PrincipalType::Group),
            _ => None,
        }
    }
}

/// One account assignment: a principal holds a permission set in an account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Assignment {
    pub account_id: String,
    pub permission_set_arn: String,
    pub principal_type: PrincipalType,
    pub principal_id: String,
}

impl World {
    /// Parses and validates a world. `file_name` is only used in error messages.
    pub fn from_toml_str(src: &str, file_name: &str) -> Result<World, WorldError> {
        load::load(src, file_name)
    }

    /// Reads, parses and validates a world file.
    pub fn from_file(path: impl AsRef<std::path::Path>) -> Result<World, WorldError> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let src = std::fs::read_to_string(path)
            .map_err(|e| WorldError::whole_file(&name, format!("cannot read the file: {e}")))?;
        Self::from_toml_str(&src, &name)
    }

    /// The demo world (`worlds/demo.toml`).
    pub fn demo() -> World {
        match Self::from_toml_str(DEMO_WORLD_TOML, "worlds/demo.toml") {
            Ok(world) => world,
            // The demo world is checked by this crate's tests; reaching this is a build bug.
            Err(e) => panic!("the embedded demo world is invalid:\n{e}"),
        }
    }

    /// The name the world was loaded from.
    pub fn source_name(&self) -> &str {
        &self.source_name
    }

    pub fn instance(&self) -> &Instance {
        &self.instance
    }

    pub fn timing(&self) -> &Timing {
        &self.timing
    }

    /// Changes how long things last (tests shorten or lengthen TTLs).
    pub fn set_timing(&mut self, timing: Timing) {
        self.timing = timing;
    }

    /// The faults the simulator starts with.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    pub fn set_faults(&mut self, faults: Faults) {
        self.faults = faults;
    }

    pub fn cloudtrail(&self) -> &CloudTrail {
        &self.cloudtrail
    }

    /// Changes how late trail records arrive (tests shorten it).
    pub fn set_cloudtrail_delivery_delay(&mut self, delay: Duration) {
        self.cloudtrail.delivery_delay = delay;
    }

    pub fn operators(&self) -> &[Operator] {
        &self.operators
    }

    pub fn operator_by_key(&self, access_key_id: &str) -> Option<&Operator> {
        self.operators
            .iter()
            .find(|o| o.access_key_id == access_key_id)
    }

    pub fn users(&self) -> &[User] {
        &self.users
    }

    /// Identity Center user names are case-insensitive.
    pub fn user_by_name(&self, user_name: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.user_name.eq_ignore_ascii_case(user_name))
    }

    pub fn user_by_id(&self, user_id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.user_id == user_id)
    }

    pub fn groups(&self) -> &[Group] {
        &self.groups
    }

    pub fn group_by_name(&self, name: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.name == name)
    }

    pub fn group_by_id(&self, group_id: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.group_id == group_id)
    }

    /// The groups the world file puts a user in (standing memberships, at start).
    pub fn groups_of(&self, user_id: &str) -> impl Iterator<Item = &Group> {
        self.groups
            .iter()
            .filter(move |g| g.member_ids.iter().any(|m| m == user_id))
    }

    pub fn organization(&self) -> &Organization {
        &self.organization
    }

    pub fn ou_by_id(&self, id: &str) -> Option<&OrgUnit> {
        self.organization.ous.iter().find(|o| o.id == id)
    }

    pub fn accounts(&self) -> &[Account] {
        &self.accounts
    }

    /// By twelve-digit id or by name.
    pub fn account(&self, id_or_name: &str) -> Option<&Account> {
        self.accounts
            .iter()
            .find(|a| a.id == id_or_name)
            .or_else(|| self.accounts.iter().find(|a| a.name == id_or_name))
    }

    pub fn permission_sets(&self) -> &[PermissionSet] {
        &self.permission_sets
    }

    pub fn permission_set_by_name(&self, name: &str) -> Option<&PermissionSet> {
        self.permission_sets.iter().find(|p| p.name == name)
    }

    pub fn permission_set_by_arn(&self, arn: &str) -> Option<&PermissionSet> {
        self.permission_sets.iter().find(|p| p.arn == arn)
    }

    /// The assignments the world starts with.
    pub fn standing_assignments(&self) -> &[Assignment] {
        &self.assignments
    }

    /// The IAM role Identity Center creates in `account_id` for a permission set:
    /// `AWSReservedSSO_<permission set>_<16 hex>`.
    pub fn reserved_role_name(&self, account_id: &str, permission_set_name: &str) -> String {
        format!(
            "AWSReservedSSO_{permission_set_name}_{}",
            ids::role_suffix(&self.instance.instance_arn, account_id, permission_set_name)
        )
    }
}
