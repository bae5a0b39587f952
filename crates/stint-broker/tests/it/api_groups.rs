//! Requesting a group through the API, against stint-sim with the demo policy (oncall-admins
//! for engineers, up to 2 h, approved by sre-leads): the request names the group, bob
//! approves, Identity Store holds alice in it, `GET /v1/grants` lists the grant as the
//! group, an extension is held to the group's rule, and the revoke removes the membership.
//! Refused: a body naming a group and an account, a group no rule makes grantable, a
//! window longer than the rule allows, and reading a group grant's session activity.

use reqwest::StatusCode;
use serde_json::json;
use stint_api::{Grant, Page, RequestState, routes};

use crate::support::api::{Api, Options, eventually};
use crate::support::databases::databases;

fn alice_in_oncall(api: &Api) -> bool {
    api.sim
        .memberships()
        .memberships
        .iter()
        .any(|m| m.group_name == "oncall-admins" && m.user_name == "alice")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alice_requests_oncall_admins_and_bob_approves_it() {
    for db in databases().await {
        eprintln!("on {}", db.name);
        oncall_story(Options {
            database: Some(db.url.clone()),
            ..Options::default()
        })
        .await;
    }
}

async fn oncall_story(options: Options) {
    let api = Api::start(options).await;
    let alice = api.login("alice").await;
    let bob = api.login("bob").await;

    let asked = api
        .request_with(
            &alice,
            json!({
                "group": "oncall-admins",
                "durationSecs": 3600,
                "reason": "INC-77 paged for payments",
            }),
        )
        .await;
    assert_eq!(asked.state, RequestState::Pending);
    let group = asked.group.clone().expect("the request names its group");
    assert_eq!(group.name, "oncall-admins");
    assert!(asked.account.id.is_empty() && asked.permission_set.name.is_empty());
    assert_eq!(asked.target_label(), "group:oncall-admins");
    let (status, who) = api
        .get(&alice, &routes::with_id(routes::APPROVERS, asked.id))
        .await;
    assert_eq!(status, StatusCode::OK, "{who}");
    assert_eq!(who["rules"][0]["name"], "sre-leads-approve-oncall", "{who}");

    api.act(&bob, routes::APPROVE, asked.id, json!({})).await;
    api.wait_state(&alice, asked.id, RequestState::Active).await;
    assert!(alice_in_oncall(&api), "active without the membership");
    let (status, grants) = api.get(&alice, routes::GRANTS).await;
    assert_eq!(status, StatusCode::OK);
    let grants: Page<Grant> = serde_json::from_value(grants).unwrap();
    let grant = grants
        .items
        .iter()
        .find(|g| g.request_id == asked.id)
        .expect("the group grant is listed");
    assert_eq!(
        grant.group.as_ref().map(|g| g.id.as_str()),
        Some(group.id.as_str())
    );
    // The grant says what the group gives, as Identity Center has it assigned.
    let gives = |g: &stint_api::GroupRef| {
        let mut out: Vec<String> = g
            .gives
            .iter()
            .map(|a| format!("{}/{}", a.account.name, a.permission_set))
            .collect();
        out.sort();
        out
    };
    let expected = ["prod/AdministratorAccess", "staging/AdministratorAccess"];
    assert_eq!(gives(grant.group.as_ref().unwrap()), expected);
    assert_eq!(gives(&group), expected, "the request says it too");

    // An extension is held to the group's rule: 2 h at most, and approval by sre-leads.
    let (status, too_long) = api
        .post(
            &alice,
            &routes::with_id(routes::EXTEND, asked.id),
            json!({ "bySecs": 2 * 3600 }),
        )
        .await;
    assert!(status.is_client_error(), "{too_long}");
    let extended = api
        .act(&alice, routes::EXTEND, asked.id, json!({ "bySecs": 1800 }))
        .await;
    assert!(extended.pending_end_at.is_some(), "{extended:?}");

    // Session activity is not read for a group grant: said, not an empty list.
    let (status, activity) = api
        .get(&alice, &routes::with_id(routes::ACTIVITY, asked.id))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{activity}");
    assert!(
        activity["message"]
            .as_str()
            .unwrap()
            .contains("group oncall-admins"),
        "{activity}"
    );

    api.act(&bob, routes::REVOKE, asked.id, json!({ "comment": "over" }))
        .await;
    api.wait_state(&alice, asked.id, RequestState::Ended).await;
    eventually("the membership to go", || async { !alice_in_oncall(&api) }).await;
    let history = api.fetch(&alice, asked.id).await.history.unwrap();
    let kinds: Vec<&str> = history.iter().map(|h| h.kind.as_str()).collect();
    for kind in ["requested", "approved", "active", "revoked", "ended"] {
        assert!(kinds.contains(&kind), "no {kind} in {kinds:?}");
    }
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_request_is_refused_with_what_was_wrong() {
    for db in databases().await {
        eprintln!("on {}", db.name);
        refusals(Options {
            run_engine: false,
            database: Some(db.url.clone()),
            ..Options::default()
        })
        .await;
    }
}

async fn refusals(options: Options) {
    let api = Api::start(options).await;
    let alice = api.login("alice").await;
    let ask = |body: serde_json::Value| {
        let api = &api;
        let alice = alice.clone();
        async move { api.post(&alice, routes::REQUESTS, body).await }
    };

    let (status, both) = ask(json!({
        "group": "oncall-admins",
        "account": "prod",
        "permissionSet": "AdministratorAccess",
        "durationSecs": 3600,
        "reason": "r",
    }))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{both}");
    assert!(
        both["message"].as_str().unwrap().contains("not both"),
        "{both}"
    );

    let (status, neither) = ask(json!({ "durationSecs": 3600, "reason": "r" })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{neither}");

    let (status, blank) = ask(json!({ "group": "  ", "durationSecs": 3600, "reason": "r" })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{blank}");
    assert!(
        blank["message"]
            .as_str()
            .unwrap()
            .contains("name the group"),
        "{blank}"
    );

    // prod-readers exists in Identity Center, but no rule makes it grantable.
    let (status, unknown) = ask(json!({
        "group": "prod-readers",
        "durationSecs": 3600,
        "reason": "r",
    }))
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{unknown}");
    assert!(
        unknown["message"]
            .as_str()
            .unwrap()
            .contains("oncall-admins"),
        "says what alice may request instead: {unknown}"
    );

    let (status, long) = ask(json!({
        "group": "oncall-admins",
        "durationSecs": 3 * 3600,
        "reason": "r",
    }))
    .await;
    assert!(status.is_client_error(), "{long}");
    assert!(!alice_in_oncall(&api));
    api.stop().await;
}
