//! The policy through the API: personas and eligibility, `explain` and who may approve a
//! request, and `POST /v1/admin/reload` with a good file (in force at once, audited) and a
//! bad one (400 with every problem's line; the previous policy stays).

use reqwest::StatusCode;
use serde_json::{Value, json};
use stint_api::{ApproverExplanation, Eligibility, Explanation, Me, Persona, routes};

use crate::support::api::{Api, DEMO_POLICY, Options};

fn quiet() -> Options {
    Options {
        run_engine: false,
        ..Options::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn personas_eligibility_and_explanations() {
    let api = Api::start(quiet()).await;
    let alice = api.login("alice").await;
    let dave = api.login("dave").await;
    let erin = api.login("erin").await;

    let (_, me) = api.get(&alice, routes::ME).await;
    let me: Me = serde_json::from_value(me).unwrap();
    assert_eq!(me.user.user_name, "alice");
    assert_eq!(me.email.as_deref(), Some("alice@example.com"));
    assert!(me.groups.contains(&"engineers".to_owned()));
    assert_eq!(me.personas, [Persona::Requester]);
    let (_, me) = api.get(&dave, routes::ME).await;
    assert_eq!(me["personas"], json!(["requester", "auditor"]));
    let (_, me) = api.get(&erin, routes::ME).await;
    assert_eq!(me["personas"], json!(["requester", "admin"]));

    let (_, eligibility) = api.get(&alice, routes::ELIGIBILITY).await;
    let eligibility: Eligibility = serde_json::from_value(eligibility).unwrap();
    let dev_power = eligibility
        .items
        .iter()
        .find(|e| e.account.name == "dev" && e.permission_set.name == "PowerUserAccess")
        .expect("PowerUserAccess in dev");
    // 8h with approval, or up to 4h without.
    assert_eq!(dev_power.max_duration_secs, 8 * 3600);
    assert!(dev_power.approval_required);
    assert_eq!(dev_power.max_without_approval_secs, Some(4 * 3600));
    assert_eq!(
        dev_power.ticket_pattern.as_deref(),
        Some("(INC|CHG)-[0-9]+")
    );
    assert!(
        eligibility
            .items
            .iter()
            .all(|e| e.account.name != "management")
    );

    let (status, why) = api
        .get(
            &alice,
            "/v1/explain?account=prod&permissionSet=PowerUserAccess",
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let why: Explanation = serde_json::from_value(why).unwrap();
    assert!(why.allowed && why.approval_required);
    assert_eq!(why.user, "alice");
    assert_eq!(why.matched[0].name, "engineers-workloads");
    assert_eq!(why.approver_groups, ["sre-leads"]);
    let (_, why_not) = api
        .get(
            &dave,
            "/v1/explain?user=carol&account=management&permissionSet=BillingReadOnly",
        )
        .await;
    let why_not: Explanation = serde_json::from_value(why_not).unwrap();
    assert_eq!(why_not.user, "carol");
    assert!(!why_not.allowed);
    assert!(
        why_not
            .reasons
            .iter()
            .any(|r| r.contains("auditors-billing")),
        "{:?}",
        why_not.reasons
    );
    let (status, body) = api
        .get(
            &dave,
            "/v1/explain?user=nobody&account=prod&permissionSet=PowerUserAccess",
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    let r = api.request(&alice, "prod", "PowerUserAccess", 3600).await;
    let (_, approvers) = api
        .get(&alice, &routes::with_id(routes::APPROVERS, r.id))
        .await;
    let approvers: ApproverExplanation = serde_json::from_value(approvers).unwrap();
    assert_eq!(approvers.request_id, r.id);
    assert_eq!(approvers.groups, ["sre-leads"]);
    let names: Vec<&str> = approvers
        .users
        .iter()
        .map(|u| u.user_name.as_str())
        .collect();
    assert_eq!(names, ["bob", "grace"]);
    assert_eq!(approvers.rules[0].name, "sre-leads-approve-workloads");
    api.stop().await;
}

/// The demo policy, where auditors need one another's approval for billing data.
fn billing_needs_approval() -> String {
    let policy = DEMO_POLICY.replace(
        "permission_sets = [\"BillingReadOnly\"]\nmax_duration = \"2h\"\napproval_required = false",
        "permission_sets = [\"BillingReadOnly\"]\nmax_duration = \"2h\"\napproval_required = true",
    );
    assert_ne!(policy, DEMO_POLICY, "the demo policy changed shape");
    format!(
        "{policy}\n[[approval]]\nname = \"auditors-approve-billing\"\napprover_groups = [\"security-auditors\"]\naccounts = [\"management\"]\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_reloads_a_good_policy_and_a_bad_one_changes_nothing() {
    let api = Api::start(quiet()).await;
    let dave = api.login("dave").await;
    let erin = api.login("erin").await;
    let billing = json!({
        "account": "management", "permissionSet": "BillingReadOnly",
        "durationSecs": 3600, "reason": "monthly cost review",
    });
    api.request_with(&dave, billing.clone()).await;

    std::fs::write(api.policy_path(), billing_needs_approval()).unwrap();
    let (status, summary) = api.post(&erin, routes::ADMIN_RELOAD, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{summary}");
    assert_eq!(summary["eligibilityRules"], 6);
    assert_eq!(summary["approvalRules"], 3);

    // In force at once: dave is the only auditor, so nobody could approve his request.
    let (status, refused) = api.post(&dave, routes::REQUESTS, billing.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    assert_eq!(refused["code"], "no_approver");
    let message = refused["message"].as_str().unwrap();
    assert!(message.contains("auditors-approve-billing"), "{message}");
    assert!(message.contains("security-auditors"), "{message}");

    // A bad file: every problem with its line, and the policy in force stays.
    let bad = billing_needs_approval()
        .replace("max_duration = \"12h\"", "max_duration = \"forever\"")
        .replace("approval_timeout = \"4h\"", "approval_timeout = 4");
    std::fs::write(api.policy_path(), &bad).unwrap();
    let (status, problems) = api.post(&erin, routes::ADMIN_RELOAD, json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problems}");
    assert_eq!(problems["code"], "invalid_input");
    let message = problems["message"].as_str().unwrap();
    for needle in ["max_duration = \"forever\"", "approval_timeout = 4"] {
        let line = bad.lines().position(|l| l.starts_with(needle)).unwrap() + 1;
        assert!(
            message.contains(&format!("policies.toml:{line}:")),
            "no line {line} in {message}"
        );
    }
    assert!(message.contains("previous policy stays"), "{message}");
    let (status, still) = api.post(&dave, routes::REQUESTS, billing).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(still["code"], "no_approver");

    // The reload is on the audit chain, with who asked for it.
    let (_, audit) = api.get(&dave, "/v1/audit?kind=policy_reloaded").await;
    let events = audit["items"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{audit}");
    assert_eq!(events[0]["actor"], "erin");
    assert_eq!(events[0]["data"]["approval_rules"], Value::from(3));
    let (_, metrics) = api
        .call(reqwest::Method::GET, routes::METRICS, None, None)
        .await;
    let metrics = metrics.as_str().unwrap();
    assert!(
        metrics.contains("stint_policy_loads_total{outcome=\"error\"} 1"),
        "{metrics}"
    );
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_extension_is_held_to_the_policy_like_a_new_request() {
    let api = Api::start(quiet()).await;
    let alice = api.login("alice").await;
    // 3h in dev needs nobody's approval; 5h would.
    let r = api
        .request(&alice, "dev", "PowerUserAccess", 3 * 3600)
        .await;
    assert!(!r.approval_required);
    let bob = api.login("bob").await;
    // Within the self-service maximum it is extended at once.
    let extended = api
        .act(&alice, routes::EXTEND, r.id, json!({ "bySecs": 3600 }))
        .await;
    assert_eq!(extended.duration_secs, 4 * 3600);
    assert_eq!(extended.end_at, r.end_at + chrono::Duration::hours(1));
    assert_eq!(extended.pending_end_at, None);
    // 6h in all falls under the rule that wants sre-leads: the grant had no approvers of
    // its own, so the extension goes to the groups that rule names, and waits for them.
    let asked = api
        .act(&alice, routes::EXTEND, r.id, json!({ "bySecs": 2 * 3600 }))
        .await;
    assert_eq!(asked.end_at, extended.end_at, "extended before approval");
    assert_eq!(
        asked.pending_end_at,
        Some(extended.end_at + chrono::Duration::hours(2))
    );
    let (_, page) = api.get(&bob, "/v1/requests?scope=approvable").await;
    assert!(
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == r.id),
        "bob sees the extension to approve: {page}"
    );
    let approved = api.act(&bob, routes::APPROVE, r.id, json!({})).await;
    assert_eq!(approved.duration_secs, 6 * 3600);
    assert_eq!(approved.pending_end_at, None);
    // Past the longest rule: refused as a new request of that length would be.
    let (status, refused) = api
        .post(
            &alice,
            &routes::with_id(routes::EXTEND, r.id),
            json!({ "bySecs": 3 * 3600 }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert!(
        refused["message"].as_str().unwrap().contains("at most 8h"),
        "{refused}"
    );
    api.stop().await;
}
