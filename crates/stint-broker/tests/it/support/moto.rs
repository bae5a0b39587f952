//! moto's server started from the repository's virtualenv on a free loopback port (or
//! `None` when the virtualenv is absent), and seeded through the AWS SDK with the demo world.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_sdk_identitystore::types::{Email, MemberId, Name};
use aws_sdk_organizations::types::OrganizationFeatureSet;
use aws_sdk_ssoadmin::types::{PrincipalType as SdkPrincipalType, TargetType};

use crate::support::idc_contract::World;

// ---------------------------------------------------------------------------------------
// moto's server, one per test.
pub struct Moto {
    pub child: Child,
    pub url: String,
}

impl Moto {
    pub fn binary() -> PathBuf {
        PathBuf::from(
            std::env::var("CARGO_MANIFEST_DIR")
                .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned()),
        )
        .join("../../.venv/bin/moto_server")
    }

    /// `None` (with the reason printed) when the virtualenv is not installed.
    pub fn start() -> Option<Moto> {
        let binary = Self::binary();
        if !binary.exists() {
            // `make test` installs moto; in CI a missing prerequisite is a failure, not a skip.
            assert!(
                std::env::var_os("CI").is_none(),
                "{} does not exist: scripts/install-python.sh must run before the tests",
                binary.display()
            );
            eprintln!(
                "SKIPPED: {} does not exist; run scripts/install-python.sh (make test does) \
                 to test the adapter against moto",
                binary.display()
            );
            return None;
        }
        // Port 0: the OS picks a free port and werkzeug prints which.
        let mut child = Command::new(&binary)
            .args(["-H", "127.0.0.1", "-p", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start moto_server");
        let stderr = child.stderr.take().expect("moto's stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        // Keep draining stderr for the server's life: it logs every request, and a full
        // pipe would block it.
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some((_, url)) = line.split_once("Running on ") {
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(url.trim().to_owned());
                    }
                }
            }
        });
        let url = match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(url) => url,
            Err(e) => {
                let _ = child.kill();
                panic!("moto_server did not report its address: {e}");
            }
        };
        Some(Moto { child, url })
    }

    pub async fn sdk_config(&self) -> SdkConfig {
        aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(&self.url)
            .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
            .load()
            .await
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------
// Seeding moto with the demo world, through the SDK.
pub struct Seeded {
    pub instance_arn: String,
    pub identity_store_id: String,
}

pub fn iso(duration: Duration) -> String {
    let secs = duration.as_secs();
    if secs % 3_600 == 0 {
        format!("PT{}H", secs / 3_600)
    } else {
        format!("PT{}M", secs / 60)
    }
}

pub async fn seed(sdk: &SdkConfig, world: &World) -> Seeded {
    let sso = aws_sdk_ssoadmin::Client::new(sdk);
    let store = aws_sdk_identitystore::Client::new(sdk);
    let org = aws_sdk_organizations::Client::new(sdk);

    // moto's SSO Admin has one instance per account and region from the start.
    let instances = sso.list_instances().send().await.expect("ListInstances");
    let instance = instances
        .instances()
        .first()
        .expect("moto's default instance");
    let instance_arn = instance.instance_arn().expect("instance arn").to_owned();
    let identity_store_id = instance
        .identity_store_id()
        .expect("identity store")
        .to_owned();

    let mut ps_arns = BTreeMap::new();
    for ps in &world.permission_sets {
        let out = sso
            .create_permission_set()
            .instance_arn(&instance_arn)
            .name(&ps.name)
            .description(&ps.description)
            .session_duration(iso(World::session_duration(ps)))
            .send()
            .await
            .expect("CreatePermissionSet");
        let arn = out
            .permission_set()
            .and_then(|p| p.permission_set_arn())
            .expect("arn");
        ps_arns.insert(ps.name.clone(), arn.to_owned());
    }

    let mut user_ids = BTreeMap::new();
    for user in &world.users {
        let (given, family) = user
            .display_name
            .split_once(' ')
            .expect("first and last name");
        let out = store
            .create_user()
            .identity_store_id(&identity_store_id)
            .user_name(&user.user_name)
            .display_name(&user.display_name)
            .name(
                Name::builder()
                    .given_name(given)
                    .family_name(family)
                    .build(),
            )
            .emails(Email::builder().value(&user.email).primary(true).build())
            .send()
            .await
            .expect("CreateUser");
        user_ids.insert(user.user_name.clone(), out.user_id().to_owned());
    }
    let mut group_ids = BTreeMap::new();
    for group in &world.groups {
        let out = store
            .create_group()
            .identity_store_id(&identity_store_id)
            .display_name(&group.name)
            .description(&group.description)
            .send()
            .await
            .expect("CreateGroup");
        for member in &group.members {
            store
                .create_group_membership()
                .identity_store_id(&identity_store_id)
                .group_id(out.group_id())
                .member_id(MemberId::UserId(user_ids[member].clone()))
                .send()
                .await
                .expect("CreateGroupMembership");
        }
        group_ids.insert(group.name.clone(), out.group_id().to_owned());
    }

    org.create_organization()
        .feature_set(OrganizationFeatureSet::All)
        .send()
        .await
        .expect("CreateOrganization");
    let roots = org.list_roots().send().await.expect("ListRoots");
    let root_id = roots.roots()[0].id().expect("root id").to_owned();
    let mut parents = BTreeMap::from([("Root".to_owned(), root_id.clone())]);
    for ou in &world.organization.ous {
        let out = org
            .create_organizational_unit()
            .parent_id(&parents[&ou.parent])
            .name(&ou.name)
            .send()
            .await
            .expect("CreateOrganizationalUnit");
        let id = out
            .organizational_unit()
            .and_then(|o| o.id())
            .expect("ou id");
        parents.insert(ou.name.clone(), id.to_owned());
    }
    let mut account_ids = BTreeMap::new();
    for account in &world.accounts {
        // moto makes the management account itself (named "master") with the organization.
        if account.id == world.organization.management_account {
            continue;
        }
        let out = org
            .create_account()
            .account_name(&account.name)
            .email(&account.email)
            .send()
            .await
            .expect("CreateAccount");
        let id = out
            .create_account_status()
            .and_then(|s| s.account_id())
            .expect("account id")
            .to_owned();
        org.move_account()
            .account_id(&id)
            .source_parent_id(&root_id)
            .destination_parent_id(&parents[&account.parent])
            .send()
            .await
            .expect("MoveAccount");
        account_ids.insert(account.name.clone(), id);
    }

    for standing in &world.assignments {
        let (principal_type, principal_id) = match (&standing.group, &standing.user) {
            (Some(group), _) => (SdkPrincipalType::Group, group_ids[group].clone()),
            (None, Some(user)) => (SdkPrincipalType::User, user_ids[user].clone()),
            (None, None) => panic!("an assignment names a user or a group"),
        };
        let Some(account_id) = account_ids.get(&standing.account) else {
            // Standing access in the management account has no moto twin (see above).
            continue;
        };
        sso.create_account_assignment()
            .instance_arn(&instance_arn)
            .target_id(account_id)
            .target_type(TargetType::AwsAccount)
            .permission_set_arn(&ps_arns[&standing.permission_set])
            .principal_type(principal_type)
            .principal_id(principal_id)
            .send()
            .await
            .expect("CreateAccountAssignment");
    }

    Seeded {
        instance_arn,
        identity_store_id,
    }
}

/// The demo world's accounts as moto holds them: its management account is "master".
pub fn moto_accounts(world: &World) -> BTreeSet<(String, String)> {
    world
        .accounts
        .iter()
        .map(|a| {
            if a.id == world.organization.management_account {
                ("master".to_owned(), "Root".to_owned())
            } else {
                (a.name.clone(), a.parent.clone())
            }
        })
        .collect()
}
