//! Identity Store membership writes through `aws-sdk-identitystore`, and the access a
//! membership gives through the portal: the time-bound group grant as the broker will
//! make it.

use aws_sdk_identitystore::operation::create_group_membership::CreateGroupMembershipError;
use aws_sdk_identitystore::operation::delete_group_membership::DeleteGroupMembershipError;
use aws_sdk_identitystore::operation::get_group_membership_id::GetGroupMembershipIdError;
use aws_sdk_identitystore::types::{
    AlternateIdentifier, ConflictExceptionReason, ExternalId, MemberId, ResourceType,
};
use std::time::{Duration, Instant};

use aws_sdk_ssoadmin::types::PrincipalType;
use stint_sim::{ApiFaults, Faults};

use crate::support::*;

fn member(user_id: &str) -> MemberId {
    MemberId::UserId(user_id.to_owned())
}

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
async fn writes_fail_with_the_aws_errors() {
    let sim = demo().await;
    let ids = identitystore(&sim).await;
    let store = sim.identity_store_id();
    let alice = user_id(&sim, "alice");
    let engineers = group_id(&sim, "engineers");

    // alice is a standing member of engineers: creating it again is a uniqueness conflict.
    let err = ids
        .create_group_membership()
        .identity_store_id(store)
        .group_id(&engineers)
        .member_id(member(&alice))
        .send()
        .await
        .unwrap_err();
    match err.into_service_error() {
        CreateGroupMembershipError::ConflictException(e) => {
            assert_eq!(
                e.reason(),
                Some(&ConflictExceptionReason::UniquenessConstraintViolation)
            );
        }
        other => panic!("expected ConflictException, got {other:?}"),
    }

    let err = ids
        .create_group_membership()
        .identity_store_id(store)
        .group_id("no-such-group")
        .member_id(member(&alice))
        .send()
        .await
        .unwrap_err();
    match err.into_service_error() {
        CreateGroupMembershipError::ResourceNotFoundException(e) => {
            assert_eq!(e.resource_type(), Some(&ResourceType::Group));
            assert_eq!(e.resource_id(), Some("no-such-group"));
        }
        other => panic!("expected ResourceNotFoundException, got {other:?}"),
    }
    let err = ids
        .create_group_membership()
        .identity_store_id(store)
        .group_id(&engineers)
        .member_id(member("no-such-user"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ResourceNotFoundException");

    let err = ids
        .delete_group_membership()
        .identity_store_id(store)
        .membership_id("9067a1b2c3-00000000-0000-0000-0000-000000000000")
        .send()
        .await
        .unwrap_err();
    match err.into_service_error() {
        DeleteGroupMembershipError::ResourceNotFoundException(e) => {
            assert_eq!(e.resource_type(), Some(&ResourceType::GroupMembership));
        }
        other => panic!("expected ResourceNotFoundException, got {other:?}"),
    }
}

#[tokio::test]
async fn faults_throttle_and_conflict_membership_writes() {
    let sim = demo().await;
    let ids = identitystore(&sim).await;
    let store = sim.identity_store_id();
    let carol = user_id(&sim, "carol");
    let readers = group_id(&sim, "prod-readers");
    let create = || {
        ids.create_group_membership()
            .identity_store_id(store)
            .group_id(&readers)
            .member_id(member(&carol))
            .send()
    };
    sim.set_faults(Faults {
        identitystore: ApiFaults {
            throttle_rate: 1.0,
            ..ApiFaults::default()
        },
        ..Faults::default()
    })
    .unwrap();
    let err = create().await.unwrap_err();
    assert!(matches!(
        err.into_service_error(),
        CreateGroupMembershipError::ThrottlingException(_)
    ));

    sim.set_faults(Faults {
        identitystore: ApiFaults {
            conflict_rate: 1.0,
            ..ApiFaults::default()
        },
        ..Faults::default()
    })
    .unwrap();
    let err = create().await.unwrap_err();
    match err.into_service_error() {
        CreateGroupMembershipError::ConflictException(e) => {
            assert_eq!(
                e.reason(),
                Some(&ConflictExceptionReason::ConcurrentModification)
            );
        }
        other => panic!("expected ConflictException, got {other:?}"),
    }
    assert!(
        sim.memberships()
            .memberships
            .iter()
            .all(|m| m.group_id != readers),
        "a refused write changes nothing"
    );

    sim.set_faults(Faults::default()).unwrap();
    create()
        .await
        .expect("without faults the write goes through");
    assert!(
        sim.set_faults(Faults {
            sso: ApiFaults {
                conflict_rate: 0.5,
                ..ApiFaults::default()
            },
            ..Faults::default()
        })
        .is_err(),
        "conflict_rate is identitystore's alone"
    );
}

/// `latency_ms` holds a write before it is carried out; `write_answer_delay_ms` carries it
/// out (and logs it) at once and holds only the answer, and never holds a read: what a
/// client killed in between sees is the change made without its answer.
#[tokio::test]
async fn a_held_answer_comes_after_the_membership_write_is_made() {
    const HOLD: Duration = Duration::from_millis(1_500);
    let sim = demo().await;
    let ids = identitystore(&sim).await;
    let store = sim.identity_store_id().to_owned();
    let carol = user_id(&sim, "carol");
    let readers = group_id(&sim, "prod-readers");
    let in_readers = |sim: &stint_sim::RunningSim| {
        sim.memberships()
            .memberships
            .iter()
            .any(|m| m.group_id == readers && m.user_id == carol)
    };
    let logged = |sim: &stint_sim::RunningSim, op: &str| {
        sim.calls_since(0)
            .calls
            .iter()
            .filter(|c| c.operation == op && c.outcome == "ok")
            .count()
    };
    sim.set_faults(Faults {
        identitystore: ApiFaults {
            write_answer_delay_ms: HOLD.as_millis() as u64,
            ..ApiFaults::default()
        },
        ..Faults::default()
    })
    .unwrap();

    let started = Instant::now();
    let create = tokio::spawn(
        ids.create_group_membership()
            .identity_store_id(&store)
            .group_id(&readers)
            .member_id(member(&carol))
            .send(),
    );
    while !in_readers(&sim) {
        assert!(started.elapsed() < HOLD, "the write waited for the hold");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        logged(&sim, "CreateGroupMembership"),
        1,
        "made but not logged"
    );
    assert!(!create.is_finished(), "answered without the hold");
    let id = create.await.unwrap().unwrap().membership_id;
    assert!(started.elapsed() >= HOLD);

    // Reads answer at once.
    let looked = Instant::now();
    ids.get_group_membership_id()
        .identity_store_id(&store)
        .group_id(&readers)
        .member_id(member(&carol))
        .send()
        .await
        .unwrap();
    assert!(looked.elapsed() < HOLD, "a read was held");

    let started = Instant::now();
    let delete = tokio::spawn(
        ids.delete_group_membership()
            .identity_store_id(&store)
            .membership_id(id)
            .send(),
    );
    while in_readers(&sim) {
        assert!(started.elapsed() < HOLD, "the removal waited for the hold");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(logged(&sim, "DeleteGroupMembership"), 1);
    assert!(!delete.is_finished(), "answered without the hold");
    delete.await.unwrap().unwrap();
    assert!(started.elapsed() >= HOLD);

    // A refused write is answered at once: nothing was made to hide.
    let refused = Instant::now();
    ids.delete_group_membership()
        .identity_store_id(&store)
        .membership_id("9067a1b2c3-00000000-0000-0000-0000-000000000000")
        .send()
        .await
        .unwrap_err();
    assert!(refused.elapsed() < HOLD);
    assert!(
        sim.set_faults(Faults {
            sso_admin: ApiFaults {
                write_answer_delay_ms: 100,
                ..ApiFaults::default()
            },
            ..Faults::default()
        })
        .is_err(),
        "write_answer_delay_ms is identitystore's alone"
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
