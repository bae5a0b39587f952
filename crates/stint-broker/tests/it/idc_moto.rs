//! The production Identity Center adapter against moto's server, an AWS emulator we did not
//! write: it catches a simulator that agrees with our own mistakes.
//!
//! Each test starts `moto_server` from the repository's virtualenv on a free loopback port,
//! seeds it through the AWS SDK with the demo world, and drives the adapter over HTTP. When
//! the virtualenv is absent (`scripts/install-python.sh` creates it; `make test` always
//! runs that) the tests say so and pass without running.
//!
//! Where moto cannot show a behaviour, the test names it rather than passing silently:
//! - moto finishes every assignment request at once (`SUCCEEDED`), so the IN_PROGRESS path
//!   and a forced `FAILED` are exercised against stint-sim (`idc_sim.rs`) instead;
//! - moto cannot inject faults; error mapping is exercised in `idc_error_mapping.rs` and
//!   against stint-sim;
//! - moto has no `GetGroupMembershipId` (so no `DeleteGroupMembership` by a looked-up id)
//!   and lets `CreateGroupMembership` add a user twice, where AWS answers
//!   `ConflictException`: only the group lookup and one membership creation are checked
//!   here, the rest of the membership calls in `idc_memberships.rs` against stint-sim.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use aws_config::BehaviorVersion;
use stint_broker::idc::{
    AwsCall, AwsIdentityCenter, IdcError, IdcSettings, IdentityCenter, MembershipKey, OperationId,
};

use crate::support::idc_contract::World;
use crate::support::idc_contract_lifecycle::Lifecycle;
use crate::support::moto::*;
use crate::support::own_process;

// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_adapter_surface_against_moto() {
    let Some(moto) = Moto::start() else { return };
    let sdk = moto.sdk_config().await;
    let world = World::demo();
    let seeded = seed(&sdk, &world).await;

    /// (service, operation, outcome) of every call the adapter made.
    type Seen = Vec<(&'static str, &'static str, &'static str)>;
    let calls: Arc<Mutex<Seen>> = Arc::default();
    let sink = calls.clone();
    // Page size 1: every listing takes several pages, so pagination is exercised on each.
    let settings = IdcSettings {
        page_size: Some(1),
        ..IdcSettings::default()
    };
    let idc = AwsIdentityCenter::new(&sdk, settings)
        .expect("adapter")
        .with_observer(Arc::new(move |call: &AwsCall<'_>| {
            sink.lock()
                .unwrap()
                .push((call.service, call.operation, call.outcome()));
        }));

    // Discovered with ListInstances: nothing was configured.
    let instance = idc.instance().await.expect("instance discovery").clone();
    assert_eq!(instance.instance_arn, seeded.instance_arn);
    assert_eq!(instance.identity_store_id, seeded.identity_store_id);

    let permission_sets = crate::support::idc_contract::check_permission_sets(&idc, &world).await;
    let org =
        crate::support::idc_contract::check_organization(&idc, &world, &moto_accounts(&world))
            .await;
    crate::support::idc_contract::check_directory(&idc, &world).await;

    // A group found by name, and a person added to it (moto's membership support ends
    // there: see the module's header).
    let oncall = idc
        .find_group("oncall-admins")
        .await
        .expect("find_group")
        .expect("oncall-admins seeded");
    assert_eq!(
        idc.find_group("no-such-group").await.expect("find_group"),
        None
    );
    let expected_access: usize = world
        .assignments
        .iter()
        .filter(|a| a.group.as_deref() == Some("oncall-admins"))
        .count();
    assert!(
        expected_access > 0,
        "the demo assigns oncall-admins something"
    );
    assert_eq!(oncall.access.len(), expected_access, "{oncall:?}");
    let alice = idc.find_user("alice").await.unwrap().expect("alice");
    idc.add_membership(&MembershipKey {
        group_id: oncall.group_id.clone(),
        user_id: alice.user_id.clone(),
    })
    .await
    .expect("membership added");
    assert!(
        idc.group_members("oncall-admins")
            .await
            .expect("members")
            .iter()
            .any(|u| u.user_name == "alice"),
        "alice is in oncall-admins"
    );

    let raw = aws_sdk_ssoadmin::Client::new(&sdk);
    let lifecycle = Lifecycle {
        idc: &idc,
        raw: &raw,
        instance_arn: &seeded.instance_arn,
        world: &world,
        permission_sets: &permission_sets,
        org: &org,
    };
    lifecycle.grant_and_revoke().await;
    lifecycle.standing_access_survives().await;
    lifecycle.statuses_do_not_mix().await;

    // A request id Identity Center never issued.
    let unknown = OperationId("00000000-0000-4000-8000-000000000000".to_owned());
    assert!(
        matches!(
            idc.creation_status(&unknown).await,
            Err(IdcError::NotFound(_))
        ),
        "an unknown creation request is NotFound"
    );
    assert!(
        matches!(
            idc.deletion_status(&unknown).await,
            Err(IdcError::NotFound(_))
        ),
        "an unknown deletion request is NotFound"
    );

    // What a permission set grants (`stint-broker doctor`'s reads): the seeded sets carry
    // no policies.
    for arn in permission_sets.values() {
        assert_eq!(
            idc.grants_of(arn).await.expect("grants"),
            stint_broker::idc::PermissionSetGrants::default()
        );
    }

    let calls = calls.lock().unwrap();
    let count = |op: &str| calls.iter().filter(|(_, o, _)| *o == op).count();
    assert_eq!(count("ListInstances"), 1, "the instance is discovered once");
    assert!(
        count("ListPermissionSets") >= world.permission_sets.len(),
        "one permission set per page, so a page per set: {}",
        count("ListPermissionSets")
    );
    assert!(count("ListAccountsForParent") > world.organization.ous.len());
    assert!(count("ListGroupMemberships") > 0 && count("ListGroupMembershipsForMember") > 0);
    for op in [
        "CreateAccountAssignment",
        "DeleteAccountAssignment",
        "DescribeAccountAssignmentCreationStatus",
        "DescribeAccountAssignmentDeletionStatus",
        "ListAccountAssignments",
        "DescribePermissionSet",
        "ListRoots",
        "ListOrganizationalUnitsForParent",
        "GetUserId",
        "DescribeUser",
        "DescribeGroup",
        "GetGroupId",
    ] {
        assert!(count(op) > 0, "{op} was never called: {calls:?}");
    }
    assert!(
        calls
            .iter()
            .all(|(_, _, outcome)| *outcome == "ok" || *outcome == "not_found"),
        "no call failed unexpectedly: {calls:?}"
    );

    // docs/iam-policy.json grants exactly what the adapter calls: nothing missing, nothing
    // more. (This run exercises every operation the adapter has.)
    let called: BTreeSet<String> = calls
        .iter()
        .map(|(service, operation, _)| {
            let prefix = match *service {
                "sso-admin" => "sso",
                other => other,
            };
            format!("{prefix}:{operation}")
        })
        .collect();
    // What moto cannot answer is called against stint-sim (idc_memberships.rs).
    let called_elsewhere = [
        "identitystore:GetGroupMembershipId",
        "identitystore:DeleteGroupMembership",
    ];
    assert!(
        called_elsewhere.iter().all(|a| !called.contains(*a)),
        "moto learned a membership call: move it out of called_elsewhere"
    );
    let called: BTreeSet<String> = called
        .into_iter()
        .chain(called_elsewhere.iter().map(|a| a.to_string()))
        .collect();
    assert_eq!(
        called,
        policy_actions(),
        "docs/iam-policy.json and the adapter disagree"
    );
}

fn policy_actions() -> BTreeSet<String> {
    let path = PathBuf::from(
        std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned()),
    )
    .join("../../docs/iam-policy.json");
    let policy: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("docs/iam-policy.json"))
            .expect("valid JSON");
    policy["Statement"]
        .as_array()
        .expect("statements")
        .iter()
        .flat_map(|statement| {
            assert_eq!(statement["Effect"], "Allow");
            statement["Action"].as_array().expect("actions").clone()
        })
        .map(|action| action.as_str().expect("action").to_owned())
        // The activity adapter's; `activity` holds those to its calls.
        .filter(|action| !action.starts_with("logs:"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_instance_needs_no_discovery_and_a_wrong_one_is_named() {
    let Some(moto) = Moto::start() else { return };
    let sdk = moto.sdk_config().await;
    let world = World::demo();
    let seeded = seed(&sdk, &world).await;

    let calls: Arc<Mutex<Vec<&'static str>>> = Arc::default();
    let sink = calls.clone();
    let configured = AwsIdentityCenter::new(
        &sdk,
        IdcSettings {
            instance_arn: Some(seeded.instance_arn.clone()),
            identity_store_id: Some(seeded.identity_store_id.clone()),
            ..IdcSettings::default()
        },
    )
    .expect("adapter")
    .with_observer(Arc::new(move |call: &AwsCall<'_>| {
        sink.lock().unwrap().push(call.operation);
    }));
    assert!(
        configured
            .find_user("alice")
            .await
            .expect("find_user")
            .is_some()
    );
    assert!(
        !calls.lock().unwrap().contains(&"ListInstances"),
        "{calls:?}"
    );

    let wrong = AwsIdentityCenter::new(
        &sdk,
        IdcSettings {
            instance_arn: Some("arn:aws:sso:::instance/ssoins-0000000000000000".to_owned()),
            ..IdcSettings::default()
        },
    )
    .expect("adapter");
    let err = wrong.permission_sets().await.expect_err("unknown instance");
    assert!(
        matches!(err, IdcError::NotFound(ref m) if m.contains("ssoins-0000000000000000")),
        "{err}"
    );
}

/// The production configuration path: endpoints, region and keys from the environment, as
/// `aws_config::load_defaults` finds them. A child process gets the environment (setting
/// variables in this process would race with other tests).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoints_come_from_the_environment() {
    let Some(moto) = Moto::start() else { return };
    let sdk = moto.sdk_config().await;
    let world = World::demo();
    let seeded = seed(&sdk, &world).await;

    own_process::run_alone(
        ENVIRONMENT_CHILD,
        &[
            ("AWS_CONFIG_FILE", "/nonexistent/stint-test-aws-config"),
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                "/nonexistent/stint-test-aws-credentials",
            ),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_ENDPOINT_URL_SSO_ADMIN", &moto.url),
            ("AWS_ENDPOINT_URL_IDENTITYSTORE", &moto.url),
            ("AWS_ENDPOINT_URL_ORGANIZATIONS", &moto.url),
            ("STINT_TEST_EXPECT_INSTANCE", &seeded.instance_arn),
        ],
        &["AWS_ENDPOINT_URL", "AWS_PROFILE"],
    );
}

const ENVIRONMENT_CHILD: &str = "idc_moto::environment_child";

#[tokio::test]
#[ignore = "run by endpoints_come_from_the_environment, in a child process with its environment"]
async fn environment_child() {
    own_process::assert_alone(ENVIRONMENT_CHILD);
    let expected = std::env::var("STINT_TEST_EXPECT_INSTANCE")
        .expect("only endpoints_come_from_the_environment runs this");
    let sdk = aws_config::load_defaults(BehaviorVersion::latest()).await;
    let idc = AwsIdentityCenter::new(&sdk, IdcSettings::default()).expect("adapter");
    assert_eq!(
        idc.instance().await.expect("ListInstances").instance_arn,
        expected
    );
    let world = World::demo();
    crate::support::idc_contract::check_permission_sets(&idc, &world).await;
    crate::support::idc_contract::check_organization(&idc, &world, &moto_accounts(&world)).await;
    assert!(idc.find_user("alice").await.expect("find_user").is_some());
}
