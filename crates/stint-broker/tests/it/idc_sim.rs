//! The production Identity Center adapter against stint-sim, in process, over real HTTP with
//! the real AWS SDK clients: the same surface as against moto, plus what only the simulator
//! can show: asynchronous provisioning, conflicts, injected throttling and 5xx, refused keys,
//! and forced FAILED operations.

use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use stint_broker::idc::{
    AssignmentKey, AwsIdentityCenter, IdcError, IdcSettings, IdentityCenter, OperationStatus,
    PrincipalType, error_kind,
};
use stint_sim::{ApiFaults, Faults, ForceFailed, RunningSim};

use crate::support::idc_contract::World;
use crate::support::idc_contract_lifecycle::Lifecycle;

async fn sim() -> RunningSim {
    stint_sim::spawn(stint_sim::World::demo())
        .await
        .expect("simulator starts")
}

async fn sdk_with(sim: &RunningSim, credentials: Credentials) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(sim.region().to_owned()))
        .endpoint_url(sim.url())
        .credentials_provider(credentials)
        .load()
        .await
}

/// Signed with the world's operator keys: the broker's own identity.
async fn operator_sdk(sim: &RunningSim) -> SdkConfig {
    let op = sim.operator_credentials();
    sdk_with(
        sim,
        Credentials::new(
            op.access_key_id,
            op.secret_access_key.expose(),
            None,
            None,
            "stint-sim-operator",
        ),
    )
    .await
}

async fn adapter(sim: &RunningSim) -> AwsIdentityCenter {
    AwsIdentityCenter::new(&operator_sdk(sim).await, IdcSettings::default()).expect("adapter")
}

fn sso_admin_faults(faults: ApiFaults) -> Faults {
    Faults {
        seed: Some(7),
        sso_admin: faults,
        ..Faults::default()
    }
}

/// alice, PowerUserAccess in `account`, with the simulator's fixed ids.
async fn alice_key(idc: &AwsIdentityCenter, account: &str) -> AssignmentKey {
    let alice = idc.find_user("alice").await.unwrap().expect("alice");
    let org = idc.organization().await.unwrap();
    let sets = idc.permission_sets().await.unwrap();
    AssignmentKey {
        principal_type: PrincipalType::User,
        principal_id: alice.user_id,
        account_id: org.account(account).expect("account").id.clone(),
        permission_set_arn: sets
            .iter()
            .find(|s| s.name == "PowerUserAccess")
            .expect("PowerUserAccess")
            .arn
            .clone(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_adapter_surface_against_the_simulator() {
    let sim = sim().await;
    // Still asynchronous, but quick.
    sim.set_faults(sso_admin_faults(ApiFaults {
        provisioning_delay: Some(Duration::from_millis(200)),
        ..ApiFaults::default()
    }))
    .unwrap();
    let sdk = operator_sdk(&sim).await;
    let idc = AwsIdentityCenter::new(&sdk, IdcSettings::default()).expect("adapter");
    let world = World::demo();

    let instance = idc.instance().await.expect("instance discovery");
    assert_eq!(instance.instance_arn, sim.instance_arn());
    assert_eq!(instance.identity_store_id, sim.identity_store_id());

    let permission_sets = crate::support::idc_contract::check_permission_sets(&idc, &world).await;
    let org =
        crate::support::idc_contract::check_organization(&idc, &world, &world.account_parents())
            .await;
    assert_eq!(org.account("prod").unwrap().id, world.account("prod").id);
    crate::support::idc_contract::check_directory(&idc, &world).await;

    let raw = aws_sdk_ssoadmin::Client::new(&sdk);
    let lifecycle = Lifecycle {
        idc: &idc,
        raw: &raw,
        instance_arn: sim.instance_arn(),
        world: &world,
        permission_sets: &permission_sets,
        org: &org,
    };
    lifecycle.grant_and_revoke().await;
    lifecycle.standing_access_survives().await;
    lifecycle.statuses_do_not_mix().await;
}

#[tokio::test]
async fn requests_stay_in_progress_until_provisioning_finishes() {
    let sim = sim().await;
    // Five minutes on the simulator's clock, passed twice: ten minutes in all stays inside
    // SigV4's fifteen-minute skew, so the SDK can keep signing with the real time.
    sim.set_faults(sso_admin_faults(ApiFaults {
        provisioning_delay: Some(Duration::from_secs(300)),
        ..ApiFaults::default()
    }))
    .unwrap();
    let idc = adapter(&sim).await;
    let key = alice_key(&idc, "prod").await;

    let op = idc.create_assignment(&key).await.unwrap();
    assert_eq!(
        idc.creation_status(&op).await,
        Ok(OperationStatus::InProgress)
    );
    assert!(
        !idc.list_assignments(&key.account_id, &key.permission_set_arn)
            .await
            .unwrap()
            .contains(&key)
    );

    // Another write to the same account and permission set while this one is in flight.
    let mut other = key.clone();
    other.principal_id = idc
        .find_user("carol")
        .await
        .unwrap()
        .expect("carol")
        .user_id;
    let err = idc.create_assignment(&other).await.expect_err("conflict");
    assert!(matches!(err, IdcError::Conflict(_)), "{err}");
    assert!(err.is_retryable());

    sim.advance_clock(Duration::from_secs(301));
    assert_eq!(
        idc.creation_status(&op).await,
        Ok(OperationStatus::Succeeded)
    );
    assert!(
        idc.list_assignments(&key.account_id, &key.permission_set_arn)
            .await
            .unwrap()
            .contains(&key)
    );

    let op = idc.delete_assignment(&key).await.unwrap();
    assert_eq!(
        idc.deletion_status(&op).await,
        Ok(OperationStatus::InProgress)
    );
    sim.advance_clock(Duration::from_secs(301));
    assert_eq!(
        idc.deletion_status(&op).await,
        Ok(OperationStatus::Succeeded)
    );
    assert!(
        !idc.list_assignments(&key.account_id, &key.permission_set_arn)
            .await
            .unwrap()
            .contains(&key)
    );
}

#[tokio::test]
async fn a_forced_failure_is_failed_with_its_reason() {
    let sim = sim().await;
    let idc = adapter(&sim).await;
    let key = alice_key(&idc, "staging").await;

    sim.set_faults(sso_admin_faults(ApiFaults {
        provisioning_delay: Some(Duration::ZERO),
        force_failed: Some(ForceFailed::Next(1)),
        ..ApiFaults::default()
    }))
    .unwrap();
    let (_, status) = crate::support::idc_contract_lifecycle::create_and_settle(&idc, &key).await;
    let OperationStatus::Failed { reason } = status else {
        panic!("a forced failure is Failed, not {status:?}");
    };
    assert!(!reason.is_empty());
    assert!(
        !idc.list_assignments(&key.account_id, &key.permission_set_arn)
            .await
            .unwrap()
            .contains(&key)
    );

    // The next one is not forced: the engine's retry succeeds.
    let (_, status) = crate::support::idc_contract_lifecycle::create_and_settle(&idc, &key).await;
    assert_eq!(status, OperationStatus::Succeeded);

    // A forced failure of a deletion leaves the assignment in place, and says so.
    sim.set_faults(sso_admin_faults(ApiFaults {
        provisioning_delay: Some(Duration::ZERO),
        force_failed: Some(ForceFailed::Next(1)),
        ..ApiFaults::default()
    }))
    .unwrap();
    let (_, status) = crate::support::idc_contract_lifecycle::delete_and_settle(&idc, &key).await;
    assert!(
        matches!(status, OperationStatus::Failed { .. }),
        "{status:?}"
    );
    assert!(
        idc.list_assignments(&key.account_id, &key.permission_set_arn)
            .await
            .unwrap()
            .contains(&key)
    );
    let (_, status) = crate::support::idc_contract_lifecycle::delete_and_settle(&idc, &key).await;
    assert_eq!(status, OperationStatus::Succeeded);
}

/// Every API the adapter uses, with every call failing the given way.
fn everywhere(faults: ApiFaults) -> Faults {
    Faults {
        seed: Some(7),
        sso_admin: faults.clone(),
        identitystore: faults.clone(),
        organizations: faults,
        ..Faults::default()
    }
}

async fn every_kind_of_call(idc: &AwsIdentityCenter, key: &AssignmentKey) -> Vec<IdcError> {
    vec![
        idc.create_assignment(key).await.expect_err("create"),
        idc.delete_assignment(key).await.expect_err("delete"),
        idc.list_assignments(&key.account_id, &key.permission_set_arn)
            .await
            .expect_err("list"),
        idc.permission_sets().await.expect_err("permission sets"),
        idc.organization().await.expect_err("organization"),
        idc.find_user("alice").await.expect_err("find_user"),
        idc.describe_user(&key.principal_id)
            .await
            .expect_err("describe_user"),
        idc.user_groups(&key.principal_id)
            .await
            .expect_err("user_groups"),
        idc.group_members("sre-leads")
            .await
            .expect_err("group_members"),
    ]
}

#[tokio::test]
async fn injected_throttling_is_throttled_on_every_api() {
    let sim = sim().await;
    let idc = adapter(&sim).await;
    let key = alice_key(&idc, "prod").await;
    sim.set_faults(everywhere(ApiFaults {
        throttle_rate: 1.0,
        ..ApiFaults::default()
    }))
    .unwrap();
    for err in every_kind_of_call(&idc, &key).await {
        assert_eq!(error_kind(&err), "throttled", "{err}");
        assert!(err.is_retryable());
    }
}

#[tokio::test]
async fn injected_server_errors_are_unavailable_on_every_api() {
    let sim = sim().await;
    let idc = adapter(&sim).await;
    let key = alice_key(&idc, "prod").await;
    sim.set_faults(everywhere(ApiFaults {
        error_rate: 1.0,
        ..ApiFaults::default()
    }))
    .unwrap();
    for err in every_kind_of_call(&idc, &key).await {
        assert_eq!(error_kind(&err), "unavailable", "{err}");
        assert!(err.is_retryable());
    }
}

#[tokio::test]
async fn a_wrong_operator_key_is_access_denied() {
    let sim = sim().await;
    let op = sim.operator_credentials();
    let settings = IdcSettings {
        instance_arn: Some(sim.instance_arn().to_owned()),
        identity_store_id: Some(sim.identity_store_id().to_owned()),
        ..IdcSettings::default()
    };
    let key = alice_key(&adapter(&sim).await, "prod").await;

    // A key the simulator has never issued, and the right key with the wrong secret.
    for credentials in [
        Credentials::new("AKIAUNKNOWNKEY000000", "not-the-secret", None, None, "test"),
        Credentials::new(
            op.access_key_id.clone(),
            "not-the-secret",
            None,
            None,
            "test",
        ),
    ] {
        let idc =
            AwsIdentityCenter::new(&sdk_with(&sim, credentials).await, settings.clone()).unwrap();
        for err in every_kind_of_call(&idc, &key).await {
            assert_eq!(error_kind(&err), "access_denied", "{err}");
            assert!(!err.is_retryable());
            assert!(!err.to_string().contains(op.secret_access_key.expose()));
        }
    }
}
