//! Identity Store through `aws-sdk-identitystore`.

use aws_sdk_identitystore::operation::describe_user::DescribeUserError;
use aws_sdk_identitystore::operation::get_user_id::GetUserIdError;
use aws_sdk_identitystore::types::{AlternateIdentifier, Filter, MemberId, UniqueAttribute};
use aws_smithy_types::Document;

use crate::support::*;

fn by_user_name(name: &str) -> AlternateIdentifier {
    AlternateIdentifier::UniqueAttribute(
        UniqueAttribute::builder()
            .attribute_path("userName")
            .attribute_value(Document::String(name.to_owned()))
            .build()
            .unwrap(),
    )
}

#[tokio::test]
async fn users_by_name_and_id() {
    let sim = demo().await;
    let ids = identitystore(&sim).await;
    let store = sim.identity_store_id();
    let out = ids
        .get_user_id()
        .identity_store_id(store)
        .alternate_identifier(by_user_name("alice"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.user_id(), user_id(&sim, "alice"));
    assert_eq!(out.identity_store_id(), store);

    let user = ids
        .describe_user()
        .identity_store_id(store)
        .user_id(out.user_id())
        .send()
        .await
        .unwrap();
    assert_eq!(user.user_name(), Some("alice"));
    assert_eq!(user.display_name(), Some("Alice Adams"));
    let name = user.name().unwrap();
    assert_eq!(name.given_name(), Some("Alice"));
    assert_eq!(name.family_name(), Some("Adams"));
    let email = &user.emails()[0];
    assert_eq!(email.value(), Some("alice@example.com"));
    assert!(email.primary());

    let err = ids
        .get_user_id()
        .identity_store_id(store)
        .alternate_identifier(by_user_name("zed"))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(
        err.into_service_error(),
        GetUserIdError::ResourceNotFoundException(_)
    ));
    let err = ids
        .describe_user()
        .identity_store_id(store)
        .user_id("nope")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(
        err.into_service_error(),
        DescribeUserError::ResourceNotFoundException(_)
    ));
}

// Filters are deprecated in the API but still honoured, and the brief asks for them.
#[allow(deprecated)]
#[tokio::test]
async fn list_users_filters_and_paginates() {
    let sim = demo().await;
    let ids = identitystore(&sim).await;
    let store = sim.identity_store_id();
    let all: Vec<String> = ids
        .list_users()
        .identity_store_id(store)
        .max_results(4)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.user_name().unwrap().to_owned())
        .collect();
    assert_eq!(all, ["alice", "bob", "carol", "dave", "erin", "grace"]);

    let filtered = ids
        .list_users()
        .identity_store_id(store)
        .filters(
            Filter::builder()
                .attribute_path("UserName")
                .attribute_value("grace")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(filtered.users().len(), 1);
    assert_eq!(filtered.users()[0].user_id(), user_id(&sim, "grace"));
}

#[allow(deprecated)]
#[tokio::test]
async fn groups_and_memberships() {
    let sim = demo().await;
    let ids = identitystore(&sim).await;
    let store = sim.identity_store_id();
    let groups = ids
        .list_groups()
        .identity_store_id(store)
        .filters(
            Filter::builder()
                .attribute_path("DisplayName")
                .attribute_value("sre-leads")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let sre = &groups.groups()[0];
    assert_eq!(sre.group_id(), group_id(&sim, "sre-leads"));
    assert_eq!(
        sre.description(),
        Some("Approve production and staging access")
    );

    let described = ids
        .describe_group()
        .identity_store_id(store)
        .group_id(sre.group_id())
        .send()
        .await
        .unwrap();
    assert_eq!(described.display_name(), Some("sre-leads"));

    let group_id_out = ids
        .get_group_id()
        .identity_store_id(store)
        .alternate_identifier(AlternateIdentifier::UniqueAttribute(
            UniqueAttribute::builder()
                .attribute_path("displayName")
                .attribute_value(Document::String("engineers".into()))
                .build()
                .unwrap(),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(group_id_out.group_id(), group_id(&sim, "engineers"));

    let memberships = ids
        .list_group_memberships_for_member()
        .identity_store_id(store)
        .member_id(MemberId::UserId(user_id(&sim, "bob")))
        .send()
        .await
        .unwrap();
    let mut groups: Vec<String> = memberships
        .group_memberships()
        .iter()
        .map(|m| m.group_id().unwrap().to_owned())
        .collect();
    groups.sort();
    let mut expected = vec![group_id(&sim, "everyone"), group_id(&sim, "sre-leads")];
    expected.sort();
    assert_eq!(groups, expected);
    assert!(memberships.group_memberships().iter().all(|m| {
        m.member_id() == Some(&MemberId::UserId(user_id(&sim, "bob")))
            && m.membership_id().is_some()
    }));

    let members = ids
        .list_group_memberships()
        .identity_store_id(store)
        .group_id(group_id(&sim, "engineers"))
        .send()
        .await
        .unwrap();
    let members: Vec<&MemberId> = members
        .group_memberships()
        .iter()
        .filter_map(|m| m.member_id())
        .collect();
    assert_eq!(
        members,
        [
            &MemberId::UserId(user_id(&sim, "alice")),
            &MemberId::UserId(user_id(&sim, "carol"))
        ]
    );

    let check = ids
        .is_member_in_groups()
        .identity_store_id(store)
        .member_id(MemberId::UserId(user_id(&sim, "alice")))
        .group_ids(group_id(&sim, "engineers"))
        .group_ids(group_id(&sim, "sre-leads"))
        .send()
        .await
        .unwrap();
    let results: Vec<(String, bool)> = check
        .results()
        .iter()
        .map(|r| (r.group_id().unwrap().to_owned(), r.membership_exists()))
        .collect();
    assert_eq!(
        results,
        [
            (group_id(&sim, "engineers"), true),
            (group_id(&sim, "sre-leads"), false)
        ]
    );
}

#[tokio::test]
async fn a_wrong_identity_store_is_not_found() {
    let sim = demo().await;
    let ids = identitystore(&sim).await;
    let err = ids
        .list_users()
        .identity_store_id("d-0000000000")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ResourceNotFoundException");
}
