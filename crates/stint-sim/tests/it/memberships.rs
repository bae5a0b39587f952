//! Identity Store membership writes through `aws-sdk-identitystore`, and the access a
//! membership gives through the portal: the time-bound group grant as the broker will
//! make it, and groups from an external IdP with their external ids and assignments.

use aws_sdk_identitystore::operation::get_group_membership_id::GetGroupMembershipIdError;
use aws_sdk_identitystore::types::{AlternateIdentifier, ExternalId, ResourceType};

use aws_sdk_ssoadmin::types::PrincipalType;

use crate::support::*;

async fn role_names(sim: &stint_sim::RunningSim, token: &str, account: &str) -> Vec<String> {
    portal(sim)
        .await
        .list_account_roles()
        .access_token(token)
        .account_id(account_id(sim, account))
        .send()
        .await
        .unwrap()
        .role_list()
        .iter()
        .filter_map(|r| r.role_name().map(str::to_owned))
        .collect()
}

async fn credentials_work(sim: &stint_sim::RunningSim, token: &str, account: &str) -> bool {
    portal(sim)
        .await
        .get_role_credentials()
        .access_token(token)
        .account_id(account_id(sim, account))
        .role_name("AdministratorAccess")
        .send()
        .await
        .is_ok()
}

#[tokio::test]
async fn a_membership_gives_the_groups_access_until_it_is_deleted() {
    let sim = demo().await;
    let ids = identitystore(&sim).await;
    let store = sim.identity_store_id();
    let alice = user_id(&sim, "alice");
    let oncall = group_id(&sim, "oncall-admins");
    let login = device_login(&sim, "alice", &[]).await;

    assert!(
        !role_names(&sim, &login.access_token, "prod")
            .await
            .contains(&"AdministratorAccess".into())
    );
    assert!(!credentials_work(&sim, &login.access_token, "prod").await);

    let created = ids
        .create_group_membership()
        .identity_store_id(store)
        .group_id(&oncall)
        .member_id(member(&alice))
        .send()
        .await
        .expect("CreateGroupMembership");
    let membership = created.membership_id().to_owned();
    assert_eq!(created.identity_store_id(), store);

    // The same access token sees the group's access at once, in both of its accounts.
    for account in ["prod", "staging"] {
        assert!(
            role_names(&sim, &login.access_token, account)
                .await
                .contains(&"AdministratorAccess".into()),
            "{account}"
        );
        assert!(
            credentials_work(&sim, &login.access_token, account).await,
            "{account}"
        );
    }

    let found = ids
        .get_group_membership_id()
        .identity_store_id(store)
        .group_id(&oncall)
        .member_id(member(&alice))
        .send()
        .await
        .unwrap();
    assert_eq!(found.membership_id(), membership);
    let described = ids
        .describe_group_membership()
        .identity_store_id(store)
        .membership_id(&membership)
        .send()
        .await
        .unwrap();
    assert_eq!(described.group_id(), oncall);
    assert_eq!(described.member_id(), Some(&member(&alice)));
    let listed = ids
        .list_group_memberships()
        .identity_store_id(store)
        .group_id(&oncall)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.group_memberships().len(), 1);
    let mine = ids
        .list_group_memberships_for_member()
        .identity_store_id(store)
        .member_id(member(&alice))
        .send()
        .await
        .unwrap();
    assert!(
        mine.group_memberships()
            .iter()
            .any(|m| m.group_id() == Some(oncall.as_str()))
    );
    let check = ids
        .is_member_in_groups()
        .identity_store_id(store)
        .member_id(member(&alice))
        .group_ids(&oncall)
        .group_ids(group_id(&sim, "sre-leads"))
        .send()
        .await
        .unwrap();
    let exists: Vec<bool> = check
        .results()
        .iter()
        .map(|r| r.membership_exists())
        .collect();
    assert_eq!(exists, [true, false]);
    let snapshot = sim.memberships();
    let view = snapshot
        .memberships
        .iter()
        .find(|m| m.membership_id == membership)
        .unwrap();
    assert_eq!(
        (
            view.group_name.as_str(),
            view.user_name.as_str(),
            view.origin.as_str()
        ),
        ("oncall-admins", "alice", "api")
    );

    ids.delete_group_membership()
        .identity_store_id(store)
        .membership_id(&membership)
        .send()
        .await
        .expect("DeleteGroupMembership");
    assert!(!credentials_work(&sim, &login.access_token, "prod").await);
    assert!(!credentials_work(&sim, &login.access_token, "staging").await);

    let err = ids
        .get_group_membership_id()
        .identity_store_id(store)
        .group_id(&oncall)
        .member_id(member(&alice))
        .send()
        .await
        .unwrap_err();
    match err.into_service_error() {
        GetGroupMembershipIdError::ResourceNotFoundException(e) => {
            assert_eq!(e.resource_type(), Some(&ResourceType::GroupMembership));
        }
        other => panic!("expected ResourceNotFoundException, got {other:?}"),
    }
    let calls: Vec<String> = sim
        .calls_since(0)
        .calls
        .into_iter()
        .filter(|c| c.api == "identitystore")
        .map(|c| {
            format!(
                "{} {}",
                c.operation,
                c.fields.get("membershipId").cloned().unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(
        calls,
        [
            format!("CreateGroupMembership {membership}"),
            format!("DeleteGroupMembership {membership}")
        ]
    );
}

#[tokio::test]
async fn groups_from_an_external_idp_carry_external_ids_and_group_assignments_list() {
    let sim = demo().await;
    let ids = identitystore(&sim).await;
    let store = sim.identity_store_id();
    let readers = group_id(&sim, "prod-readers");
    let group = ids
        .describe_group()
        .identity_store_id(store)
        .group_id(&readers)
        .send()
        .await
        .unwrap();
    let external = group.external_ids();
    assert_eq!(external.len(), 1);
    assert_eq!(external[0].issuer(), "https://example.okta.com");
    let by_external = ids
        .get_group_id()
        .identity_store_id(store)
        .alternate_identifier(AlternateIdentifier::ExternalId(
            ExternalId::builder()
                .issuer("https://example.okta.com")
                .id(external[0].id())
                .build()
                .unwrap(),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(by_external.group_id(), readers);
    let oncall = ids
        .describe_group()
        .identity_store_id(store)
        .group_id(group_id(&sim, "oncall-admins"))
        .send()
        .await
        .unwrap();
    assert!(
        oncall.external_ids().is_empty(),
        "made in Identity Center itself"
    );

    let admin = admin(&sim).await;
    let out = admin
        .list_account_assignments_for_principal()
        .instance_arn(sim.instance_arn())
        .principal_type(PrincipalType::Group)
        .principal_id(group_id(&sim, "oncall-admins"))
        .send()
        .await
        .unwrap();
    let mut accounts: Vec<&str> = out
        .account_assignments()
        .iter()
        .map(|a| a.account_id().unwrap())
        .collect();
    accounts.sort();
    assert_eq!(
        accounts,
        [account_id(&sim, "prod"), account_id(&sim, "staging")]
    );
    assert!(
        out.account_assignments()
            .iter()
            .all(|a| a.permission_set_arn()
                == Some(permission_set_arn(&sim, "AdministratorAccess").as_str()))
    );
}
