//! SSO Admin through `aws-sdk-ssoadmin`.

use std::time::Duration;

use aws_sdk_ssoadmin::operation::create_account_assignment::CreateAccountAssignmentError;
use aws_sdk_ssoadmin::operation::delete_account_assignment::DeleteAccountAssignmentError;
use aws_sdk_ssoadmin::operation::describe_permission_set::DescribePermissionSetError;
use aws_sdk_ssoadmin::types::{PrincipalType, StatusValues, TargetType};

use crate::support::*;

/// Provisioning takes ten minutes of sim time, so "still in progress" cannot race the
/// real clock; tests advance the clock to finish it.
async fn slow_provisioning() -> stint_sim::RunningSim {
    demo_with(|s| {
        s.replace(
            "provisioning_delay = \"1s\"",
            "provisioning_delay = \"10m\"",
        )
    })
    .await
}

#[tokio::test]
async fn instance_and_permission_sets() {
    let sim = demo().await;
    let admin = admin(&sim).await;
    let instances = admin.list_instances().send().await.unwrap();
    let instance = &instances.instances()[0];
    assert_eq!(instance.instance_arn(), Some(sim.instance_arn()));
    assert_eq!(instance.identity_store_id(), Some(sim.identity_store_id()));
    assert_eq!(instance.owner_account_id(), Some("111111111111"));
    assert_eq!(instance.status().map(|s| s.as_str()), Some("ACTIVE"));

    let sets: Vec<String> = admin
        .list_permission_sets()
        .instance_arn(sim.instance_arn())
        .max_results(2)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap();
    assert_eq!(sets.len(), 5);
    assert!(
        sets.iter()
            .all(|arn| arn.starts_with("arn:aws:sso:::permissionSet/ssoins-7223a1b2c3d4e5f6/ps-"))
    );

    let power = permission_set_arn(&sim, "PowerUserAccess");
    let described = admin
        .describe_permission_set()
        .instance_arn(sim.instance_arn())
        .permission_set_arn(&power)
        .send()
        .await
        .unwrap();
    let ps = described.permission_set().unwrap();
    assert_eq!(ps.name(), Some("PowerUserAccess"));
    assert_eq!(ps.session_duration(), Some("PT4H"));
    assert_eq!(
        ps.description(),
        Some("Everything but IAM and Organizations")
    );
    assert!(ps.created_date().is_some());

    let err = admin
        .describe_permission_set()
        .instance_arn(sim.instance_arn())
        .permission_set_arn(
            "arn:aws:sso:::permissionSet/ssoins-7223a1b2c3d4e5f6/ps-0000000000000000",
        )
        .send()
        .await
        .unwrap_err();
    assert!(matches!(
        err.into_service_error(),
        DescribePermissionSetError::ResourceNotFoundException(_)
    ));
}

#[tokio::test]
async fn creation_is_asynchronous_and_conflicts_while_in_progress() {
    let sim = slow_provisioning().await;
    let admin = admin(&sim).await;
    let prod = account_id(&sim, "prod");
    let admin_ps = permission_set_arn(&sim, "AdministratorAccess");
    let create = |principal: String| {
        admin
            .create_account_assignment()
            .instance_arn(sim.instance_arn())
            .target_id(&prod)
            .target_type(TargetType::AwsAccount)
            .permission_set_arn(&admin_ps)
            .principal_type(PrincipalType::User)
            .principal_id(principal)
            .send()
    };
    let out = create(user_id(&sim, "alice")).await.unwrap();
    let status = out.account_assignment_creation_status().unwrap();
    assert_eq!(status.status(), Some(&StatusValues::InProgress));
    assert_eq!(status.target_id(), Some(prod.as_str()));
    assert_eq!(status.principal_type(), Some(&PrincipalType::User));
    let request_id = status.request_id().unwrap().to_owned();

    // Same account and permission set, another principal: one operation at a time.
    let conflict = create(user_id(&sim, "carol")).await.unwrap_err();
    assert!(matches!(
        conflict.into_service_error(),
        CreateAccountAssignmentError::ConflictException(_)
    ));

    let describe = || {
        admin
            .describe_account_assignment_creation_status()
            .instance_arn(sim.instance_arn())
            .account_assignment_creation_request_id(&request_id)
            .send()
    };
    let still = describe().await.unwrap();
    assert_eq!(
        still.account_assignment_creation_status().unwrap().status(),
        Some(&StatusValues::InProgress)
    );

    sim.advance_clock(Duration::from_secs(600));
    let done = describe().await.unwrap();
    assert_eq!(
        done.account_assignment_creation_status().unwrap().status(),
        Some(&StatusValues::Succeeded)
    );

    let listed = admin
        .list_account_assignments()
        .instance_arn(sim.instance_arn())
        .account_id(&prod)
        .permission_set_arn(&admin_ps)
        .send()
        .await
        .unwrap();
    let principals: Vec<&str> = listed
        .account_assignments()
        .iter()
        .map(|a| a.principal_id().unwrap())
        .collect();
    // Beside the standing group assignment of oncall-admins.
    assert_eq!(
        principals,
        [user_id(&sim, "alice"), group_id(&sim, "oncall-admins")]
    );
}

#[tokio::test]
async fn deleting_and_the_edge_cases() {
    let sim = slow_provisioning().await;
    let admin = admin(&sim).await;
    let dev = account_id(&sim, "dev");
    let ro = permission_set_arn(&sim, "ReadOnlyAccess");
    let engineers = group_id(&sim, "engineers");

    // Creating what already exists succeeds, without a duplicate.
    let out = admin
        .create_account_assignment()
        .instance_arn(sim.instance_arn())
        .target_id(&dev)
        .target_type(TargetType::AwsAccount)
        .permission_set_arn(&ro)
        .principal_type(PrincipalType::Group)
        .principal_id(&engineers)
        .send()
        .await
        .unwrap();
    let id = out
        .account_assignment_creation_status()
        .unwrap()
        .request_id()
        .unwrap()
        .to_owned();
    sim.advance_clock(Duration::from_secs(600));
    let status = admin
        .describe_account_assignment_creation_status()
        .instance_arn(sim.instance_arn())
        .account_assignment_creation_request_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        status
            .account_assignment_creation_status()
            .unwrap()
            .status(),
        Some(&StatusValues::Succeeded)
    );
    let listed = admin
        .list_account_assignments()
        .instance_arn(sim.instance_arn())
        .account_id(&dev)
        .permission_set_arn(&ro)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.account_assignments().len(), 1);

    // Delete the standing group assignment.
    let delete = || {
        admin
            .delete_account_assignment()
            .instance_arn(sim.instance_arn())
            .target_id(&dev)
            .target_type(TargetType::AwsAccount)
            .permission_set_arn(&ro)
            .principal_type(PrincipalType::Group)
            .principal_id(&engineers)
            .send()
    };
    let out = delete().await.unwrap();
    let status = out.account_assignment_deletion_status().unwrap();
    assert_eq!(status.status(), Some(&StatusValues::InProgress));
    let id = status.request_id().unwrap().to_owned();
    sim.advance_clock(Duration::from_secs(600));
    let done = admin
        .describe_account_assignment_deletion_status()
        .instance_arn(sim.instance_arn())
        .account_assignment_deletion_request_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        done.account_assignment_deletion_status().unwrap().status(),
        Some(&StatusValues::Succeeded)
    );

    // Deleting what is gone is ResourceNotFoundException.
    let gone = delete().await.unwrap_err();
    assert!(matches!(
        gone.into_service_error(),
        DeleteAccountAssignmentError::ResourceNotFoundException(_)
    ));

    // An unknown request id, an unknown principal, an unknown instance.
    let err = admin
        .describe_account_assignment_deletion_status()
        .instance_arn(sim.instance_arn())
        .account_assignment_deletion_request_id("00000000-0000-0000-0000-000000000000")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ResourceNotFoundException");
    let err = admin
        .create_account_assignment()
        .instance_arn(sim.instance_arn())
        .target_id(&dev)
        .target_type(TargetType::AwsAccount)
        .permission_set_arn(&ro)
        .principal_type(PrincipalType::User)
        .principal_id("9067a1b2c3-00000000-0000-0000-0000-000000000000")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(
        err.into_service_error(),
        CreateAccountAssignmentError::ResourceNotFoundException(_)
    ));
    let err = admin
        .list_permission_sets()
        .instance_arn("arn:aws:sso:::instance/ssoins-0000000000000000")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ResourceNotFoundException");
}

#[tokio::test]
async fn assignments_for_principal_with_filter_and_pages() {
    let sim = demo().await;
    let admin = admin(&sim).await;
    let everyone = group_id(&sim, "everyone");
    let out = admin
        .list_account_assignments_for_principal()
        .instance_arn(sim.instance_arn())
        .principal_type(PrincipalType::Group)
        .principal_id(&everyone)
        .send()
        .await
        .unwrap();
    assert_eq!(out.account_assignments().len(), 1);
    let a = &out.account_assignments()[0];
    assert_eq!(a.account_id(), Some("222222222222"));
    assert_eq!(
        a.permission_set_arn(),
        Some(permission_set_arn(&sim, "StintBaseline").as_str())
    );
    assert_eq!(a.principal_type(), Some(&PrincipalType::Group));

    let filtered = admin
        .list_account_assignments_for_principal()
        .instance_arn(sim.instance_arn())
        .principal_type(PrincipalType::Group)
        .principal_id(&everyone)
        .filter(
            aws_sdk_ssoadmin::types::ListAccountAssignmentsFilter::builder()
                .account_id("555555555555")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert!(filtered.account_assignments().is_empty());

    // A user's own list does not include what their groups hold (as in AWS).
    let alice = admin
        .list_account_assignments_for_principal()
        .instance_arn(sim.instance_arn())
        .principal_type(PrincipalType::User)
        .principal_id(user_id(&sim, "alice"))
        .send()
        .await
        .unwrap();
    assert!(alice.account_assignments().is_empty());

    let err = admin
        .list_account_assignments()
        .instance_arn(sim.instance_arn())
        .account_id("555555555555")
        .permission_set_arn(permission_set_arn(&sim, "ReadOnlyAccess"))
        .next_token("bogus")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ValidationException");
}
