//! Group membership through the API: `GET /v1/eligibility` lists the groups a person may
//! request with what each gives, and `GET /v1/explain?group=…` says why (not),
//! through the API against stint-sim with the demo policy (oncall-admins for engineers,
//! approved by sre-leads), and the refusals of a question that names both kinds of target
//! or neither.

use reqwest::StatusCode;
use stint_api::{Eligibility, Explanation, routes};

use crate::support::api::{Api, Options};

fn quiet() -> Options {
    Options {
        run_engine: false,
        ..Options::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_answers_for_a_group_as_for_an_assignment() {
    let api = Api::start(quiet()).await;
    let alice = api.login("alice").await;
    let dave = api.login("dave").await;

    let (status, why) = api.get(&alice, "/v1/explain?group=oncall-admins").await;
    assert_eq!(status, StatusCode::OK, "{why}");
    let why: Explanation = serde_json::from_value(why).unwrap();
    assert_eq!(why.group.as_deref(), Some("oncall-admins"));
    assert!(why.account.is_empty() && why.permission_set.is_empty());
    assert!(why.allowed && why.approval_required);
    assert_eq!(why.max_duration_secs, Some(2 * 3600));
    assert_eq!(why.matched[0].name, "oncall-admins-for-incidents");
    assert_eq!(why.approver_groups, ["sre-leads"]);
    // What membership gives, from the group's assignments in Identity Center.
    assert!(
        why.reasons.iter().any(|r| r
            == "Membership of oncall-admins gives AdministratorAccess in prod, AdministratorAccess in staging."),
        "{:?}",
        why.reasons
    );

    // An auditor asks about bob, who approves it but may not have it.
    let (status, why_not) = api
        .get(&dave, "/v1/explain?user=bob&group=oncall-admins")
        .await;
    assert_eq!(status, StatusCode::OK);
    let why_not: Explanation = serde_json::from_value(why_not).unwrap();
    assert_eq!(why_not.user, "bob");
    assert!(!why_not.allowed);
    assert!(
        why_not
            .reasons
            .iter()
            .any(|r| r.contains("oncall-admins-for-incidents") && r.contains("does not name bob")),
        "{:?}",
        why_not.reasons
    );

    // A group no rule makes grantable (prod-readers exists in Identity Center).
    let (_, readers) = api.get(&alice, "/v1/explain?group=prod-readers").await;
    let readers: Explanation = serde_json::from_value(readers).unwrap();
    assert!(!readers.allowed);
    assert!(readers.reasons[0].contains("No rule makes group \"prod-readers\" grantable"));
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_wants_one_kind_of_target() {
    let api = Api::start(quiet()).await;
    let alice = api.login("alice").await;
    for (url, says) in [
        (
            "/v1/explain?group=oncall-admins&account=prod&permissionSet=ReadOnlyAccess",
            "not both",
        ),
        ("/v1/explain", "`account` and `permissionSet`, or `group`"),
    ] {
        let (status, body) = api.get(&alice, url).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{url}: {body}");
        assert_eq!(body["code"], "invalid_input");
        assert!(body["message"].as_str().unwrap().contains(says), "{body}");
    }
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eligibility_lists_the_groups_a_person_may_request_with_what_each_gives() {
    let api = Api::start(quiet()).await;
    let alice = api.login("alice").await;
    let bob = api.login("bob").await;

    let (status, body) = api.get(&alice, routes::ELIGIBILITY).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let eligibility: Eligibility = serde_json::from_value(body).unwrap();
    assert_eq!(eligibility.groups.len(), 1, "{:?}", eligibility.groups);
    let oncall = &eligibility.groups[0];
    assert_eq!(oncall.name, "oncall-admins");
    assert_eq!(oncall.max_duration_secs, 2 * 3600);
    assert!(oncall.approval_required && !oncall.external_idp);
    let gives: Vec<(&str, &str)> = oncall
        .gives
        .iter()
        .map(|g| (g.account.name.as_str(), g.permission_set.as_str()))
        .collect();
    assert_eq!(
        gives,
        [
            ("prod", "AdministratorAccess"),
            ("staging", "AdministratorAccess")
        ]
    );
    // Account assignments are listed as before, beside the groups.
    assert!(!eligibility.items.is_empty());

    // bob approves oncall-admins but may not have it.
    let (_, body) = api.get(&bob, routes::ELIGIBILITY).await;
    let eligibility: Eligibility = serde_json::from_value(body).unwrap();
    assert!(eligibility.groups.is_empty(), "{:?}", eligibility.groups);
    api.stop().await;
}
