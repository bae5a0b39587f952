//! The adapter's group membership calls against stint-sim, over the real AWS SDK: a group
//! found by name with its external ids, a membership added and removed at once, both
//! writes idempotent, a standing membership answered as it is, conflicts retryable, and
//! missing groups and users told apart from a missing membership.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use aws_config::{BehaviorVersion, Region};
use aws_credential_types::Credentials;
use stint_broker::idc::{
    AwsCall, AwsIdentityCenter, ExternalId, IdcError, IdcSettings, IdentityCenter, MembershipKey,
};
use stint_sim::{ApiFaults, Faults, RunningSim};

type Seen = Arc<Mutex<Vec<&'static str>>>;

async fn sim_and_adapter() -> (RunningSim, AwsIdentityCenter, Seen) {
    let sim = stint_sim::spawn(stint_sim::World::demo())
        .await
        .expect("simulator starts");
    let op = sim.operator_credentials();
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(sim.region().to_owned()))
        .endpoint_url(sim.url())
        .credentials_provider(Credentials::new(
            op.access_key_id,
            op.secret_access_key.expose(),
            None,
            None,
            "stint-sim-operator",
        ))
        .load()
        .await;
    let seen: Seen = Arc::default();
    let sink = seen.clone();
    let idc = AwsIdentityCenter::new(&sdk, IdcSettings::default())
        .expect("adapter")
        .with_observer(Arc::new(move |call: &AwsCall<'_>| {
            sink.lock().unwrap().push(call.operation);
        }));
    (sim, idc, seen)
}

async fn key(idc: &AwsIdentityCenter, group: &str, user: &str) -> MembershipKey {
    MembershipKey {
        group_id: idc
            .find_group(group)
            .await
            .expect("find_group")
            .unwrap_or_else(|| panic!("{group} exists"))
            .group_id,
        user_id: idc
            .find_user(user)
            .await
            .expect("find_user")
            .expect("user")
            .user_id,
    }
}

/// (group name, user name, origin) of every membership the simulator holds.
fn memberships(sim: &RunningSim) -> BTreeSet<(String, String, String)> {
    sim.memberships()
        .memberships
        .into_iter()
        .map(|m| (m.group_name, m.user_name, m.origin))
        .collect()
}

fn held(sim: &RunningSim, group: &str, user: &str) -> bool {
    memberships(sim)
        .iter()
        .any(|(g, u, _)| g == group && u == user)
}

#[tokio::test]
async fn groups_are_found_by_name_with_their_external_ids() {
    let (_sim, idc, _) = sim_and_adapter().await;
    let oncall = idc
        .find_group("oncall-admins")
        .await
        .unwrap()
        .expect("oncall-admins");
    assert_eq!(oncall.display_name, "oncall-admins");
    assert!(oncall.external_ids.is_empty(), "{oncall:?}");
    let readers = idc
        .find_group("prod-readers")
        .await
        .unwrap()
        .expect("prod-readers");
    assert_eq!(
        readers.external_ids,
        vec![ExternalId {
            issuer: "https://example.okta.com".into(),
            id: "00g1prodreaders7x".into(),
        }]
    );
    assert_ne!(oncall.group_id, readers.group_id);
    // What membership gives: the group's assignments in the demo world.
    let org = idc.organization().await.unwrap();
    let sets = idc.permission_sets().await.unwrap();
    let named = |group: &stint_broker::idc::GroupDetails| -> Vec<(String, String)> {
        group
            .access
            .iter()
            .map(|a| {
                (
                    org.account(&a.account_id).unwrap().name.clone(),
                    sets.iter()
                        .find(|p| p.arn == a.permission_set_arn)
                        .unwrap()
                        .name
                        .clone(),
                )
            })
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    assert_eq!(
        named(&oncall),
        [
            ("prod".to_owned(), "AdministratorAccess".to_owned()),
            ("staging".to_owned(), "AdministratorAccess".to_owned())
        ]
    );
    assert_eq!(
        named(&readers),
        [
            ("prod".to_owned(), "ReadOnlyAccess".to_owned()),
            ("staging".to_owned(), "ReadOnlyAccess".to_owned())
        ]
    );
    assert_eq!(idc.find_group("no-such-group").await.unwrap(), None);
}

#[tokio::test]
async fn a_membership_is_added_and_removed_at_once_and_both_writes_are_idempotent() {
    let (sim, idc, seen) = sim_and_adapter().await;
    let alice = key(&idc, "oncall-admins", "alice").await;
    assert_eq!(idc.membership(&alice).await.unwrap(), None);
    assert!(!held(&sim, "oncall-admins", "alice"));

    let id = idc.add_membership(&alice).await.expect("added");
    assert!(held(&sim, "oncall-admins", "alice"), "in the group at once");
    assert_eq!(idc.membership(&alice).await.unwrap(), Some(id.clone()));
    // Adding again is done, with the membership that exists, not a second one.
    assert_eq!(idc.add_membership(&alice).await.expect("again"), id);
    assert_eq!(
        memberships(&sim)
            .iter()
            .filter(|(g, u, _)| g == "oncall-admins" && u == "alice")
            .count(),
        1
    );

    idc.remove_membership(&alice).await.expect("removed");
    assert!(!held(&sim, "oncall-admins", "alice"));
    assert_eq!(idc.membership(&alice).await.unwrap(), None);
    // Removing what is gone is done too.
    idc.remove_membership(&alice).await.expect("removed again");

    let seen = seen.lock().unwrap();
    for op in [
        "CreateGroupMembership",
        "GetGroupMembershipId",
        "DeleteGroupMembership",
    ] {
        assert!(seen.contains(&op), "{op} called: {seen:?}");
    }
}

#[tokio::test]
async fn a_standing_membership_is_reported_and_adding_it_changes_nothing() {
    let (sim, idc, _) = sim_and_adapter().await;
    let carol = key(&idc, "engineers", "carol").await;
    let standing = idc.membership(&carol).await.unwrap().expect("standing");
    assert_eq!(idc.add_membership(&carol).await.unwrap(), standing);
    assert!(
        memberships(&sim).contains(&("engineers".into(), "carol".into(), "world".into())),
        "still the world's membership"
    );
}

#[tokio::test]
async fn concurrent_modification_is_a_retryable_conflict_and_nothing_changes() {
    let (sim, idc, _) = sim_and_adapter().await;
    let alice = key(&idc, "oncall-admins", "alice").await;
    sim.set_faults(Faults {
        seed: Some(3),
        identitystore: ApiFaults {
            conflict_rate: 1.0,
            ..ApiFaults::default()
        },
        ..Faults::default()
    })
    .unwrap();
    let err = idc.add_membership(&alice).await.expect_err("conflict");
    assert!(matches!(err, IdcError::Conflict(_)), "{err:?}");
    assert!(err.is_retryable());
    assert!(!held(&sim, "oncall-admins", "alice"));

    sim.set_faults(Faults::default()).unwrap();
    idc.add_membership(&alice).await.expect("added");
    sim.set_faults(Faults {
        seed: Some(3),
        identitystore: ApiFaults {
            conflict_rate: 1.0,
            ..ApiFaults::default()
        },
        ..Faults::default()
    })
    .unwrap();
    let err = idc.remove_membership(&alice).await.expect_err("conflict");
    assert!(err.is_retryable(), "{err:?}");
    assert!(held(&sim, "oncall-admins", "alice"), "still a member");
}

#[tokio::test]
async fn a_missing_group_or_user_is_not_found_not_done() {
    let (_sim, idc, _) = sim_and_adapter().await;
    let real = key(&idc, "oncall-admins", "alice").await;
    let no_group = MembershipKey {
        group_id: "00000000-0000-4000-8000-000000000000".into(),
        ..real.clone()
    };
    let err = idc.add_membership(&no_group).await.expect_err("no group");
    assert!(matches!(err, IdcError::NotFound(_)), "{err:?}");
    let no_user = MembershipKey {
        user_id: "00000000-0000-4000-8000-000000000000".into(),
        ..real
    };
    let err = idc.add_membership(&no_user).await.expect_err("no user");
    assert!(matches!(err, IdcError::NotFound(_)), "{err:?}");
}
