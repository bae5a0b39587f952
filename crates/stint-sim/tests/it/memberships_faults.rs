//! Identity Store membership writes that fail: the AWS errors they give, throttling and
//! conflicts injected as faults, and an answer held after the write is made.

use aws_sdk_identitystore::operation::create_group_membership::CreateGroupMembershipError;
use aws_sdk_identitystore::operation::delete_group_membership::DeleteGroupMembershipError;
use aws_sdk_identitystore::types::{ConflictExceptionReason, ResourceType};
use std::time::{Duration, Instant};

use stint_sim::{ApiFaults, Faults};

use crate::support::*;

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
