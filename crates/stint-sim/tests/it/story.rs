//! The story from issue 2, end to end through the real SDK clients: alice signs in on a
//! device, lacks a role, is granted it asynchronously, uses it (STS knows her), loses it.
//! Then the same through a group.

use std::time::Duration;

use aws_credential_types::Credentials;
use aws_sdk_ssoadmin::types::{PrincipalType, StatusValues, TargetType};
use stint_sim::RunningSim;

use crate::support::*;

async fn try_credentials(
    sim: &RunningSim,
    token: &str,
    account: &str,
    role: &str,
) -> Result<Credentials, String> {
    portal(sim)
        .await
        .get_role_credentials()
        .access_token(token)
        .account_id(account)
        .role_name(role)
        .send()
        .await
        .map(|out| {
            let c = out.role_credentials().unwrap();
            Credentials::new(
                c.access_key_id().unwrap(),
                c.secret_access_key().unwrap(),
                c.session_token().map(str::to_owned),
                None,
                "portal",
            )
        })
        .map_err(|e| code(&e))
}

async fn wait_for(
    admin: &aws_sdk_ssoadmin::Client,
    sim: &RunningSim,
    request_id: &str,
    creation: bool,
) {
    eventually("the assignment operation to succeed", || async {
        let status = if creation {
            admin
                .describe_account_assignment_creation_status()
                .instance_arn(sim.instance_arn())
                .account_assignment_creation_request_id(request_id)
                .send()
                .await
                .unwrap()
                .account_assignment_creation_status()
                .unwrap()
                .status()
                .cloned()
        } else {
            admin
                .describe_account_assignment_deletion_status()
                .instance_arn(sim.instance_arn())
                .account_assignment_deletion_request_id(request_id)
                .send()
                .await
                .unwrap()
                .account_assignment_deletion_status()
                .unwrap()
                .status()
                .cloned()
        };
        assert_ne!(status, Some(StatusValues::Failed));
        status == Some(StatusValues::Succeeded)
    })
    .await;
}

async fn story(principal_type: PrincipalType, principal: &str) {
    let sim = demo().await;
    let admin = admin(&sim).await;
    let prod = account_id(&sim, "prod");
    let power = permission_set_arn(&sim, "PowerUserAccess");
    let principal_id = match principal_type {
        PrincipalType::User => user_id(&sim, principal),
        _ => group_id(&sim, principal),
    };

    // alice signs in with the device flow.
    let login = device_login(&sim, "alice", &[REFRESH_SCOPE]).await;

    // She lacks PowerUserAccess in prod.
    assert_eq!(
        try_credentials(&sim, &login.access_token, &prod, "PowerUserAccess")
            .await
            .unwrap_err(),
        "ForbiddenException"
    );

    // An operator assigns it; the assignment is IN_PROGRESS, then SUCCEEDED.
    let created = admin
        .create_account_assignment()
        .instance_arn(sim.instance_arn())
        .target_id(&prod)
        .target_type(TargetType::AwsAccount)
        .permission_set_arn(&power)
        .principal_type(principal_type.clone())
        .principal_id(&principal_id)
        .send()
        .await
        .unwrap();
    let status = created.account_assignment_creation_status().unwrap();
    assert_eq!(status.status(), Some(&StatusValues::InProgress));
    // The demo world provisions in one second; waiting (not advancing) proves the real
    // clock finishes it too.
    wait_for(&admin, &sim, status.request_id().unwrap(), true).await;

    // Now the credentials come, and STS says they are alice's, in prod.
    let creds = try_credentials(&sim, &login.access_token, &prod, "PowerUserAccess")
        .await
        .expect("credentials once assigned");
    let me = sts_with(&sim, creds)
        .await
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    let role = sim.world().reserved_role_name(&prod, "PowerUserAccess");
    assert_eq!(
        me.arn(),
        Some(format!("arn:aws:sts::{prod}:assumed-role/{role}/alice").as_str())
    );

    // The operator removes it; GetRoleCredentials fails again.
    let deleted = admin
        .delete_account_assignment()
        .instance_arn(sim.instance_arn())
        .target_id(&prod)
        .target_type(TargetType::AwsAccount)
        .permission_set_arn(&power)
        .principal_type(principal_type)
        .principal_id(&principal_id)
        .send()
        .await
        .unwrap();
    let request_id = deleted
        .account_assignment_deletion_status()
        .unwrap()
        .request_id()
        .unwrap()
        .to_owned();
    sim.advance_clock(Duration::from_secs(1));
    wait_for(&admin, &sim, &request_id, false).await;
    assert_eq!(
        try_credentials(&sim, &login.access_token, &prod, "PowerUserAccess")
            .await
            .unwrap_err(),
        "ForbiddenException"
    );

    // The call log saw each side effect once.
    let calls = sim.calls_since(0).calls;
    let ops: Vec<(&str, &str)> = calls
        .iter()
        .filter(|c| c.api == "sso_admin")
        .map(|c| (c.operation.as_str(), c.outcome.as_str()))
        .collect();
    assert_eq!(
        ops,
        [
            ("CreateAccountAssignment", "ok"),
            ("DeleteAccountAssignment", "ok")
        ]
    );
    let grants = calls
        .iter()
        .filter(|c| c.operation == "GetRoleCredentials")
        .map(|c| c.outcome.as_str())
        .collect::<Vec<_>>();
    assert_eq!(grants, ["ForbiddenException", "ok", "ForbiddenException"]);
}

#[tokio::test]
async fn story_through_a_user_assignment() {
    story(PrincipalType::User, "alice").await;
}

#[tokio::test]
async fn story_through_a_group_assignment() {
    story(PrincipalType::Group, "engineers").await;
}
