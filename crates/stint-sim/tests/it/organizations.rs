//! Organizations through `aws-sdk-organizations`.

use aws_sdk_organizations::operation::describe_account::DescribeAccountError;
use aws_sdk_organizations::operation::list_accounts_for_parent::ListAccountsForParentError;
use aws_sdk_organizations::operation::list_parents::ListParentsError;
use aws_sdk_organizations::types::ParentType;

use crate::support::*;

#[tokio::test]
async fn walks_the_tree() {
    let sim = demo().await;
    let orgs = organizations(&sim).await;
    let roots = orgs.list_roots().send().await.unwrap();
    let root = &roots.roots()[0];
    let root_id = root.id().unwrap().to_owned();
    assert!(root_id.starts_with("r-") && root_id.len() == 6);
    assert_eq!(root.name(), Some("Root"));
    assert!(
        root.arn()
            .unwrap()
            .starts_with("arn:aws:organizations::111111111111:root/o-")
    );

    let top: Vec<(String, String)> = orgs
        .list_organizational_units_for_parent()
        .parent_id(&root_id)
        .send()
        .await
        .unwrap()
        .organizational_units()
        .iter()
        .map(|o| (o.name().unwrap().to_owned(), o.id().unwrap().to_owned()))
        .collect();
    let names: Vec<&str> = top.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Security", "Workloads", "Sandbox"]);
    let workloads = &top[1].1;
    assert!(workloads.starts_with(&format!("ou-{}-", &root_id[2..])));

    let under_workloads: Vec<String> = orgs
        .list_organizational_units_for_parent()
        .parent_id(workloads)
        .send()
        .await
        .unwrap()
        .organizational_units()
        .iter()
        .map(|o| o.name().unwrap().to_owned())
        .collect();
    assert_eq!(under_workloads, ["Production", "Staging", "Development"]);

    let at_root = orgs
        .list_accounts_for_parent()
        .parent_id(&root_id)
        .send()
        .await
        .unwrap();
    let at_root: Vec<&str> = at_root
        .accounts()
        .iter()
        .map(|a| a.name().unwrap())
        .collect();
    assert_eq!(at_root, ["management"]);

    let parents = orgs
        .list_parents()
        .child_id("333333333333")
        .send()
        .await
        .unwrap();
    let production = &parents.parents()[0];
    assert_eq!(production.r#type(), Some(&ParentType::OrganizationalUnit));
    let grand = orgs
        .list_parents()
        .child_id(production.id().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(grand.parents()[0].id(), Some(workloads.as_str()));
    let top_parent = orgs
        .list_parents()
        .child_id(workloads)
        .send()
        .await
        .unwrap();
    assert_eq!(top_parent.parents()[0].r#type(), Some(&ParentType::Root));
}

#[tokio::test]
async fn accounts_paginate_at_most_twenty_and_describe() {
    let sim = demo().await;
    let orgs = organizations(&sim).await;
    let pages: Vec<_> = orgs
        .list_accounts()
        .max_results(4)
        .into_paginator()
        .send()
        .collect::<Vec<_>>()
        .await;
    assert_eq!(pages.len(), 2);
    let total: usize = pages
        .iter()
        .map(|p| p.as_ref().unwrap().accounts().len())
        .sum();
    assert_eq!(total, 6);

    let prod = orgs
        .describe_account()
        .account_id("333333333333")
        .send()
        .await
        .unwrap();
    let prod = prod.account().unwrap();
    assert_eq!(prod.name(), Some("prod"));
    assert_eq!(prod.email(), Some("aws-prod@example.com"));
    assert_eq!(prod.status().map(|s| s.as_str()), Some("ACTIVE"));
    assert!(prod.joined_timestamp().is_some());

    let err = orgs
        .describe_account()
        .account_id("999999999999")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(
        err.into_service_error(),
        DescribeAccountError::AccountNotFoundException(_)
    ));
    let err = orgs
        .list_accounts_for_parent()
        .parent_id("ou-zzzz-00000000")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(
        err.into_service_error(),
        ListAccountsForParentError::ParentNotFoundException(_)
    ));
    let err = orgs
        .list_parents()
        .child_id("999999999999")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(
        err.into_service_error(),
        ListParentsError::ChildNotFoundException(_)
    ));
    let err = orgs
        .list_accounts()
        .max_results(50)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "InvalidInputException");
}
