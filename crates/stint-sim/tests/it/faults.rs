//! Fault injection: throttling and 5xx in each API's own error shape, latency, the
//! provisioning delay override, forced FAILED statuses, seeded determinism, and faults
//! from the world file.

use std::time::{Duration, Instant};

use aws_sdk_ssoadmin::operation::list_instances::ListInstancesError;
use aws_sdk_ssoadmin::types::{PrincipalType, StatusValues, TargetType};
use stint_sim::{ApiFaults, Faults, ForceFailed, RunningSim};

use crate::support::*;

fn always(throttle: bool) -> ApiFaults {
    ApiFaults {
        throttle_rate: if throttle { 1.0 } else { 0.0 },
        error_rate: if throttle { 0.0 } else { 1.0 },
        ..ApiFaults::default()
    }
}

fn everywhere(f: ApiFaults) -> Faults {
    Faults {
        seed: Some(1),
        sso_admin: f.clone(),
        identitystore: f.clone(),
        organizations: f.clone(),
        sso_oidc: f.clone(),
        sso: f.clone(),
        sts: f.clone(),
        logs: f,
    }
}

#[tokio::test]
async fn throttling_in_each_apis_shape() {
    let sim = demo().await;
    // Log in first: OIDC will be throttled too.
    let login = device_login(&sim, "alice", &[]).await;
    sim.set_faults(everywhere(always(true))).unwrap();

    let err = admin(&sim).await.list_instances().send().await.unwrap_err();
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(400));
    assert!(matches!(
        err.into_service_error(),
        ListInstancesError::ThrottlingException(_)
    ));

    let err = identitystore(&sim)
        .await
        .list_users()
        .identity_store_id(sim.identity_store_id())
        .send()
        .await
        .unwrap_err();
    assert!(matches!(
        err.into_service_error(),
        aws_sdk_identitystore::operation::list_users::ListUsersError::ThrottlingException(_)
    ));

    let err = organizations(&sim)
        .await
        .list_roots()
        .send()
        .await
        .unwrap_err();
    assert!(matches!(
        err.into_service_error(),
        aws_sdk_organizations::operation::list_roots::ListRootsError::TooManyRequestsException(_)
    ));

    let err = portal(&sim)
        .await
        .list_accounts()
        .access_token(&login.access_token)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(429));
    assert!(matches!(
        err.into_service_error(),
        aws_sdk_sso::operation::list_accounts::ListAccountsError::TooManyRequestsException(_)
    ));

    let err = oidc(&sim)
        .await
        .register_client()
        .client_name("x")
        .client_type("public")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(429));

    let op = sim.operator_credentials();
    let sts = sts_with(
        &sim,
        aws_credential_types::Credentials::new(
            op.access_key_id,
            op.secret_access_key.expose(),
            None,
            None,
            "op",
        ),
    )
    .await;
    assert_eq!(
        code(&sts.get_caller_identity().send().await.unwrap_err()),
        "Throttling"
    );
}

#[tokio::test]
async fn server_errors_in_each_apis_shape() {
    let sim = demo().await;
    sim.set_faults(everywhere(always(false))).unwrap();
    let err = admin(&sim).await.list_instances().send().await.unwrap_err();
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(500));
    assert!(matches!(
        err.into_service_error(),
        ListInstancesError::InternalServerException(_)
    ));
    let err = organizations(&sim)
        .await
        .list_roots()
        .send()
        .await
        .unwrap_err();
    assert!(matches!(
        err.into_service_error(),
        aws_sdk_organizations::operation::list_roots::ListRootsError::ServiceException(_)
    ));
    let err = oidc(&sim)
        .await
        .register_client()
        .client_name("x")
        .client_type("public")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(
        err.into_service_error(),
        aws_sdk_ssooidc::operation::register_client::RegisterClientError::InternalServerException(
            _
        )
    ));

    // Faults off again: calls work.
    sim.set_faults(Faults::default()).unwrap();
    admin(&sim).await.list_instances().send().await.unwrap();
}

#[tokio::test]
async fn latency_delays_answers() {
    let sim = demo().await;
    let mut faults = Faults::default();
    faults.organizations.latency_ms = 300;
    sim.set_faults(faults).unwrap();
    let orgs = organizations(&sim).await;
    let started = Instant::now();
    orgs.list_roots().send().await.unwrap();
    // A lower bound only: the machine may be slower, never faster.
    assert!(started.elapsed() >= Duration::from_millis(300));
}

async fn create(sim: &RunningSim, admin: &aws_sdk_ssoadmin::Client, account: &str) -> String {
    admin
        .create_account_assignment()
        .instance_arn(sim.instance_arn())
        .target_id(account)
        .target_type(TargetType::AwsAccount)
        .permission_set_arn(permission_set_arn(sim, "AdministratorAccess"))
        .principal_type(PrincipalType::User)
        .principal_id(user_id(sim, "alice"))
        .send()
        .await
        .unwrap()
        .account_assignment_creation_status()
        .unwrap()
        .request_id()
        .unwrap()
        .to_owned()
}

async fn creation_status(
    sim: &RunningSim,
    admin: &aws_sdk_ssoadmin::Client,
    id: &str,
) -> (StatusValues, Option<String>) {
    let out = admin
        .describe_account_assignment_creation_status()
        .instance_arn(sim.instance_arn())
        .account_assignment_creation_request_id(id)
        .send()
        .await
        .unwrap();
    let s = out.account_assignment_creation_status().unwrap();
    (
        s.status().unwrap().clone(),
        s.failure_reason().map(str::to_owned),
    )
}

#[tokio::test]
async fn provisioning_delay_and_forced_failures() {
    let sim = demo().await;
    let admin = admin(&sim).await;
    let mut faults = Faults::default();
    faults.sso_admin.provisioning_delay = Some(Duration::from_secs(3600));
    faults.sso_admin.force_failed = Some(ForceFailed::Next(1));
    sim.set_faults(faults).unwrap();

    let failing = create(&sim, &admin, "333333333333").await;
    sim.advance_clock(Duration::from_secs(1800));
    assert_eq!(
        creation_status(&sim, &admin, &failing).await.0,
        StatusValues::InProgress
    );
    sim.advance_clock(Duration::from_secs(1800));
    let (status, reason) = creation_status(&sim, &admin, &failing).await;
    assert_eq!(status, StatusValues::Failed);
    assert!(reason.unwrap().contains("fault injection"));
    assert!(
        sim.assignments()
            .assignments
            .iter()
            .all(|a| a.account_id != "333333333333" || a.origin == "world"),
        "the failed creation made nothing"
    );

    // Only the next one failed; the following succeeds.
    let ok = create(&sim, &admin, "444444444444").await;
    sim.advance_clock(Duration::from_secs(3600));
    assert_eq!(
        creation_status(&sim, &admin, &ok).await.0,
        StatusValues::Succeeded
    );
    assert_eq!(
        sim.faults().sso_admin.force_failed,
        None,
        "the count ran out"
    );

    let mut all = sim.faults();
    all.sso_admin.force_failed = Some(ForceFailed::All);
    all.sso_admin.provisioning_delay = Some(Duration::ZERO);
    sim.set_faults(all).unwrap();
    let first = create(&sim, &admin, "555555555555").await;
    let second = create(&sim, &admin, "666666666666").await;
    assert_eq!(
        creation_status(&sim, &admin, &first).await.0,
        StatusValues::Failed
    );
    assert_eq!(
        creation_status(&sim, &admin, &second).await.0,
        StatusValues::Failed
    );
}

async fn outcomes(seed: u64) -> Vec<String> {
    let sim = demo().await;
    let mut faults = Faults {
        seed: Some(seed),
        ..Faults::default()
    };
    faults.sso_admin.throttle_rate = 0.5;
    sim.set_faults(faults).unwrap();
    let admin = admin(&sim).await;
    let mut out = Vec::new();
    for _ in 0..16 {
        out.push(match admin.list_instances().send().await {
            Ok(_) => "ok".to_owned(),
            Err(e) => code(&e),
        });
    }
    out
}

#[tokio::test]
async fn a_seed_makes_faults_repeatable() {
    let first = outcomes(7).await;
    assert_eq!(first, outcomes(7).await);
    assert!(
        first.contains(&"ok".to_owned()) && first.contains(&"ThrottlingException".to_owned()),
        "{first:?}"
    );
}

#[tokio::test]
async fn faults_from_the_world_file() {
    let sim = demo_with(|s| {
        format!("{s}\n[faults]\nseed = 3\n\n[faults.identitystore]\nerror_rate = 1.0\n")
    })
    .await;
    assert_eq!(sim.faults().identitystore.error_rate, 1.0);
    let err = identitystore(&sim)
        .await
        .list_groups()
        .identity_store_id(sim.identity_store_id())
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "InternalServerException");
    // Other APIs are unaffected.
    admin(&sim).await.list_instances().send().await.unwrap();
}

#[tokio::test]
async fn throttled_mutations_are_in_the_call_log() {
    let sim = demo().await;
    let mut faults = Faults::default();
    faults.sso_admin.throttle_rate = 1.0;
    sim.set_faults(faults).unwrap();
    let admin = admin(&sim).await;
    let err = admin
        .create_account_assignment()
        .instance_arn(sim.instance_arn())
        .target_id("333333333333")
        .target_type(TargetType::AwsAccount)
        .permission_set_arn(permission_set_arn(&sim, "AdministratorAccess"))
        .principal_type(PrincipalType::User)
        .principal_id(user_id(&sim, "bob"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ThrottlingException");
    let calls = sim.calls_since(0).calls;
    let last = calls.last().unwrap();
    assert_eq!(last.operation, "CreateAccountAssignment");
    assert_eq!(last.outcome, "ThrottlingException");
    assert_eq!(last.fields["accountId"], "333333333333");
    assert_eq!(last.fields["principalId"], user_id(&sim, "bob"));
    assert!(sim.assignments().operations.is_empty(), "nothing started");
}
