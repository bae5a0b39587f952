//! What the Identity Center adapter must do against any Identity Center: moto's or
//! stint-sim's. Both hold the demo world (`crates/stint-sim/worlds/demo.toml`), and every
//! expectation here is read from that file, so the two runs check the same things.
//!
//! This module reads the world and checks what is listed; the assignment lifecycle is
//! `idc_contract_lifecycle.rs`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use stint_broker::idc::{IdentityCenter, Organization};

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
