//! What the Identity Center adapter must do against any Identity Center: moto's or
//! stint-sim's. Both hold the demo world (`crates/stint-sim/worlds/demo.toml`), and every
//! expectation here is read from that file, so the two runs check the same things.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use stint_broker::idc::{
    AssignmentKey, IdcError, IdentityCenter, OperationId, OperationStatus, Organization,
    PrincipalType,
};

// ---------------------------------------------------------------------------------------
// The demo world, as much of it as these tests need.

#[derive(Debug, Deserialize)]
pub struct World {
    pub users: Vec<WorldUser>,
    pub groups: Vec<WorldGroup>,
    pub organization: WorldOrganization,
    pub accounts: Vec<WorldAccount>,
    pub permission_sets: Vec<WorldPermissionSet>,
    pub assignments: Vec<WorldAssignment>,
}

#[derive(Debug, Deserialize)]
pub struct WorldUser {
    pub user_name: String,
    pub display_name: String,
    pub email: String,
}

#[derive(Debug, Deserialize)]
pub struct WorldGroup {
    pub name: String,
    pub description: String,
    pub members: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct WorldOrganization {
    pub management_account: String,
    pub ous: Vec<WorldOu>,
}

#[derive(Debug, Deserialize)]
pub struct WorldOu {
    pub name: String,
    pub parent: String,
}

#[derive(Debug, Deserialize)]
pub struct WorldAccount {
    pub id: String,
    pub name: String,
    pub email: String,
    pub parent: String,
}

#[derive(Debug, Deserialize)]
pub struct WorldPermissionSet {
    pub name: String,
    pub description: String,
    pub session_duration: String,
}

#[derive(Debug, Deserialize)]
pub struct WorldAssignment {
    pub account: String,
    pub permission_set: String,
    pub group: Option<String>,
    pub user: Option<String>,
}

impl World {
    pub fn demo() -> World {
        let path = PathBuf::from(
            std::env::var("CARGO_MANIFEST_DIR")
                .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned()),
        )
        .join("../stint-sim/worlds/demo.toml");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    pub fn session_duration(ps: &WorldPermissionSet) -> Duration {
        humantime::parse_duration(&ps.session_duration).expect("demo session durations are valid")
    }

    pub fn account(&self, name: &str) -> &WorldAccount {
        self.accounts
            .iter()
            .find(|a| a.name == name)
            .expect("demo account")
    }

    /// (account name, parent name) for every account, as the world declares them.
    pub fn account_parents(&self) -> BTreeSet<(String, String)> {
        self.accounts
            .iter()
            .map(|a| (a.name.clone(), a.parent.clone()))
            .collect()
    }

    pub fn groups_of(&self, user_name: &str) -> BTreeSet<String> {
        self.groups
            .iter()
            .filter(|g| g.members.iter().any(|m| m == user_name))
            .map(|g| g.name.clone())
            .collect()
    }
}

// ---------------------------------------------------------------------------------------
// Checks of the adapter's read side.

pub async fn check_permission_sets(
    idc: &dyn IdentityCenter,
    world: &World,
) -> BTreeMap<String, String> {
    let sets = idc.permission_sets().await.expect("permission_sets");
    let mut arns = BTreeMap::new();
    for expected in &world.permission_sets {
        let found = sets
            .iter()
            .find(|s| s.name == expected.name)
            .unwrap_or_else(|| panic!("permission set {} missing from {sets:?}", expected.name));
        assert_eq!(
            found.description.as_deref(),
            Some(expected.description.as_str())
        );
        assert_eq!(
            found.session_duration,
            World::session_duration(expected),
            "session duration of {}",
            expected.name
        );
        // AWS writes `arn:aws:sso:::permissionSet/ssoins-…/ps-…`; moto `…:::instance/ssoins-…/ps-…`.
        assert!(
            found.arn.starts_with("arn:aws:sso:::") && found.arn.contains("/ps-"),
            "{}",
            found.arn
        );
        arns.insert(found.name.clone(), found.arn.clone());
    }
    assert_eq!(
        sets.len(),
        world.permission_sets.len(),
        "no extra permission sets: {sets:?}"
    );
    arns
}

/// Checks the tree against the world; `expected_accounts` is (account name, parent name),
/// because an emulator may name the management account its own way.
pub async fn check_organization(
    idc: &dyn IdentityCenter,
    world: &World,
    expected_accounts: &BTreeSet<(String, String)>,
) -> Organization {
    let org = idc.organization().await.expect("organization");
    let parent_name = |id: &str| -> String {
        if id == org.root_id {
            "Root".to_owned()
        } else {
            org.ou(id)
                .map(|ou| ou.name.clone())
                .unwrap_or_else(|| panic!("parent {id} is neither the root nor a listed OU"))
        }
    };

    let ous: BTreeSet<(String, String)> = org
        .ous
        .iter()
        .map(|ou| (ou.name.clone(), parent_name(&ou.parent_id)))
        .collect();
    let expected_ous: BTreeSet<(String, String)> = world
        .organization
        .ous
        .iter()
        .map(|ou| (ou.name.clone(), ou.parent.clone()))
        .collect();
    assert_eq!(ous, expected_ous);
    assert_eq!(org.ous.len(), expected_ous.len(), "each OU listed once");

    let accounts: BTreeSet<(String, String)> = org
        .accounts
        .iter()
        .map(|a| (a.name.clone(), parent_name(&a.parent_id)))
        .collect();
    assert_eq!(&accounts, expected_accounts);
    assert_eq!(
        org.accounts.len(),
        expected_accounts.len(),
        "each account listed once"
    );

    let prod = org.account("prod").expect("prod by name");
    let above: Vec<&str> = org
        .ancestors(&prod.id)
        .iter()
        .map(|ou| ou.name.as_str())
        .collect();
    assert_eq!(above, ["Production", "Workloads"]);
    org
}

pub async fn check_directory(idc: &dyn IdentityCenter, world: &World) {
    for expected in &world.users {
        let user = idc
            .find_user(&expected.user_name)
            .await
            .expect("find_user")
            .unwrap_or_else(|| panic!("{} not found", expected.user_name));
        assert_eq!(user.user_name, expected.user_name);
        assert_eq!(user.display_name, expected.display_name);
        assert_eq!(user.email.as_deref(), Some(expected.email.as_str()));
        let again = idc
            .describe_user(&user.user_id)
            .await
            .expect("describe_user");
        assert_eq!(again.as_ref(), Some(&user));

        let groups: BTreeSet<String> = idc
            .user_groups(&user.user_id)
            .await
            .expect("user_groups")
            .into_iter()
            .map(|g| g.display_name)
            .collect();
        assert_eq!(
            groups,
            world.groups_of(&expected.user_name),
            "groups of {}",
            expected.user_name
        );
    }

    for group in &world.groups {
        let members: BTreeSet<String> = idc
            .group_members(&group.name)
            .await
            .expect("group_members")
            .into_iter()
            .map(|u| u.user_name)
            .collect();
        let expected: BTreeSet<String> = group.members.iter().cloned().collect();
        assert_eq!(members, expected, "members of {}", group.name);
    }

    assert_eq!(
        idc.find_user("nobody-by-this-name")
            .await
            .expect("find_user"),
        None
    );
    assert_eq!(
        idc.describe_user("00000000-0000-0000-0000-000000000000")
            .await
            .expect("describe_user"),
        None
    );
    assert_eq!(
        idc.group_members("no-such-group")
            .await
            .expect("group_members"),
        vec![]
    );
}

// ---------------------------------------------------------------------------------------
// The write side: the assignment lifecycle.

/// How many times AWS itself (not the adapter, which deduplicates) lists this exact
/// assignment: proof that a repeated create did not make a second one.
pub async fn raw_count(
    sso: &aws_sdk_ssoadmin::Client,
    instance_arn: &str,
    key: &AssignmentKey,
) -> usize {
    let mut count = 0;
    let mut token = None;
    loop {
        let page = sso
            .list_account_assignments()
            .instance_arn(instance_arn)
            .account_id(&key.account_id)
            .permission_set_arn(&key.permission_set_arn)
            .set_next_token(token)
            .send()
            .await
            .expect("raw ListAccountAssignments");
        count += page
            .account_assignments()
            .iter()
            .filter(|a| {
                a.principal_id() == Some(key.principal_id.as_str())
                    && a.principal_type().map(|t| t.as_str())
                        == Some(match key.principal_type {
                            PrincipalType::User => "USER",
                            PrincipalType::Group => "GROUP",
                        })
            })
            .count();
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            return count;
        }
    }
}

/// Polls until the operation is no longer in progress (Identity Center is asynchronous).
pub async fn settle<F, Fut>(what: &str, mut status: F) -> OperationStatus
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<OperationStatus, IdcError>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        match status().await.unwrap_or_else(|e| panic!("{what}: {e}")) {
            OperationStatus::InProgress if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            OperationStatus::InProgress => panic!("{what}: still in progress after 60 s"),
            done => return done,
        }
    }
}

pub async fn create_and_settle(
    idc: &dyn IdentityCenter,
    key: &AssignmentKey,
) -> (OperationId, OperationStatus) {
    let op = idc.create_assignment(key).await.expect("create_assignment");
    let status = settle("creation", || idc.creation_status(&op)).await;
    (op, status)
}

pub async fn delete_and_settle(
    idc: &dyn IdentityCenter,
    key: &AssignmentKey,
) -> (OperationId, OperationStatus) {
    let op = idc.delete_assignment(key).await.expect("delete_assignment");
    let status = settle("deletion", || idc.deletion_status(&op)).await;
    (op, status)
}

pub struct Lifecycle<'a> {
    pub idc: &'a dyn IdentityCenter,
    /// An SDK client on the same endpoint, to check what AWS itself holds.
    pub raw: &'a aws_sdk_ssoadmin::Client,
    pub instance_arn: &'a str,
    pub world: &'a World,
    pub permission_sets: &'a BTreeMap<String, String>,
    pub org: &'a Organization,
}

impl Lifecycle<'_> {
    async fn user_id(&self, user_name: &str) -> String {
        self.idc
            .find_user(user_name)
            .await
            .expect("find_user")
            .expect("demo user")
            .user_id
    }

    fn key(
        &self,
        principal_id: &str,
        principal_type: PrincipalType,
        account: &str,
        ps: &str,
    ) -> AssignmentKey {
        AssignmentKey {
            principal_type,
            principal_id: principal_id.to_owned(),
            account_id: self
                .org
                .account(account)
                .expect("account by name")
                .id
                .clone(),
            permission_set_arn: self.permission_sets[ps].clone(),
        }
    }

    async fn listed(&self, key: &AssignmentKey) -> Vec<AssignmentKey> {
        self.idc
            .list_assignments(&key.account_id, &key.permission_set_arn)
            .await
            .expect("list_assignments")
    }

    /// create → SUCCEEDED → listed → delete → SUCCEEDED → not listed; both repeated.
    pub async fn grant_and_revoke(&self) {
        let alice = self.user_id("alice").await;
        let key = self.key(&alice, PrincipalType::User, "prod", "PowerUserAccess");
        assert!(
            !self.listed(&key).await.contains(&key),
            "starts without the assignment"
        );

        let (op, status) = create_and_settle(self.idc, &key).await;
        assert_eq!(status, OperationStatus::Succeeded, "creation {op:?}");
        assert!(
            self.listed(&key).await.contains(&key),
            "listed once created"
        );
        assert_eq!(raw_count(self.raw, self.instance_arn, &key).await, 1);

        // Creating what exists is done at once, and makes no second assignment.
        let (again, status) = create_and_settle(self.idc, &key).await;
        assert_eq!(
            status,
            OperationStatus::Succeeded,
            "repeated creation {again:?}"
        );
        assert_eq!(
            raw_count(self.raw, self.instance_arn, &key).await,
            1,
            "no duplicate"
        );

        let (op, status) = delete_and_settle(self.idc, &key).await;
        assert_eq!(status, OperationStatus::Succeeded, "deletion {op:?}");
        assert!(!self.listed(&key).await.contains(&key), "gone once deleted");
        assert_eq!(raw_count(self.raw, self.instance_arn, &key).await, 0);

        // Deleting what is gone is done at once, and is not an error.
        let (again, status) = delete_and_settle(self.idc, &key).await;
        assert_eq!(
            status,
            OperationStatus::Succeeded,
            "repeated deletion {again:?}"
        );
        assert_eq!(raw_count(self.raw, self.instance_arn, &key).await, 0);
    }

    /// Standing group assignments are listed with their type, and a user grant of the
    /// same permission set in the same account comes and goes without touching them.
    pub async fn standing_access_survives(&self) {
        let standing = self
            .world
            .assignments
            .iter()
            .find(|a| a.account == "dev" && a.permission_set == "ReadOnlyAccess")
            .expect("the demo world's standing ReadOnlyAccess in dev");
        let group = standing.group.as_deref().expect("a group assignment");
        let engineers_id = {
            let listed = self
                .idc
                .list_assignments(
                    &self.org.account("dev").expect("dev").id,
                    &self.permission_sets["ReadOnlyAccess"],
                )
                .await
                .expect("list_assignments");
            let groups: Vec<&AssignmentKey> = listed
                .iter()
                .filter(|k| k.principal_type == PrincipalType::Group)
                .collect();
            assert_eq!(
                groups.len(),
                1,
                "the standing {group} assignment: {listed:?}"
            );
            groups[0].principal_id.clone()
        };
        let standing_key = self.key(&engineers_id, PrincipalType::Group, "dev", "ReadOnlyAccess");

        let carol = self.user_id("carol").await;
        let grant = self.key(&carol, PrincipalType::User, "dev", "ReadOnlyAccess");
        assert_eq!(
            create_and_settle(self.idc, &grant).await.1,
            OperationStatus::Succeeded
        );
        let listed = self.listed(&grant).await;
        assert!(
            listed.contains(&grant) && listed.contains(&standing_key),
            "{listed:?}"
        );

        assert_eq!(
            delete_and_settle(self.idc, &grant).await.1,
            OperationStatus::Succeeded
        );
        let listed = self.listed(&grant).await;
        assert!(!listed.contains(&grant), "{listed:?}");
        assert!(
            listed.contains(&standing_key),
            "the standing assignment is untouched: {listed:?}"
        );
    }

    /// A status asked of the wrong kind of request is an error, not a silent success.
    pub async fn statuses_do_not_mix(&self) {
        let alice = self.user_id("alice").await;
        let key = self.key(&alice, PrincipalType::User, "staging", "BillingReadOnly");
        let (_, status) = create_and_settle(self.idc, &key).await;
        assert_eq!(status, OperationStatus::Succeeded);
        let noop = self
            .idc
            .create_assignment(&key)
            .await
            .expect("repeated create");
        assert!(
            self.idc.deletion_status(&noop).await.is_err(),
            "{noop:?} is a creation"
        );
        let (_, status) = delete_and_settle(self.idc, &key).await;
        assert_eq!(status, OperationStatus::Succeeded);
        let noop = self
            .idc
            .delete_assignment(&key)
            .await
            .expect("repeated delete");
        assert!(
            self.idc.creation_status(&noop).await.is_err(),
            "{noop:?} is a deletion"
        );
    }
}
