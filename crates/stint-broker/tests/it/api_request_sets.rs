//! Request sets through the HTTP API (issue 14, "several targets in one request"): the
//! same permission set in an OU's three accounts, asked for in one call, approved once,
//! each account's assignment made and removed in `stint-sim`; and every refusal — the
//! policy's `max_targets`, an account the person may not have, an unknown OU — with the
//! words that say what to do. Extending any member extends the whole set, passing over a
//! member that failed; a set's free text is held to the rules a single request's is.

use reqwest::StatusCode;
use serde_json::json;
use stint_api::{AccessRequest, RequestSet, RequestState, routes};
use stint_sim::ForceFailed;

use crate::support::api::{Api, DEMO_POLICY, Options, eventually};
use crate::support::databases::databases;

fn minutes(n: i64) -> chrono::Duration {
    chrono::Duration::minutes(n)
}

async fn fetch_set(api: &Api, token: &str, id: i64) -> RequestSet {
    let (status, body) = api
        .get(token, &routes::with_id(routes::REQUEST_SET, id))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_value(body).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ous_three_accounts_are_approved_once_and_their_assignments_come_and_go() {
    let api = Api::start(Options::default()).await;
    let alice = api.login("alice").await;
    let bob = api.login("bob").await;
    let carol = api.login("carol").await;

    let (status, body) = api
        .post(
            &alice,
            routes::REQUEST_SETS,
            json!({
                "ou": "Workloads",
                "permissionSet": "ReadOnlyAccess",
                "durationSecs": 600,
                "reason": "compare the three environments",
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let set: RequestSet = serde_json::from_value(body).unwrap();
    let mut names = set.account_names();
    names.sort_unstable();
    assert_eq!(names, ["dev", "prod", "staging"]);
    assert_eq!(set.state, RequestState::Pending);
    assert_eq!(set.id, set.members[0].id);
    assert!(set.members.iter().all(|m| m.set_id == Some(set.id)));

    // bob sees three requests waiting for him; one approval decides them all.
    let (_, page) = api.get(&bob, "/v1/requests?scope=approvable").await;
    let waiting = page["items"].as_array().unwrap();
    assert_eq!(waiting.len(), 3, "{page}");
    assert!(waiting.iter().all(|i| i["setId"] == set.id), "{page}");
    api.act(&bob, routes::APPROVE, set.members[1].id, json!({}))
        .await;
    let approved = fetch_set(&api, &alice, set.id).await;
    assert!(
        approved
            .members
            .iter()
            .all(|m| m.decided_by.as_ref().is_some_and(|d| d.user_name == "bob")),
        "{approved:?}"
    );
    let (_, page) = api.get(&bob, "/v1/requests?scope=approvable").await;
    assert!(page["items"].as_array().unwrap().is_empty(), "{page}");

    for m in &set.members {
        api.wait_state(&alice, m.id, RequestState::Active).await;
    }
    assert_eq!(
        fetch_set(&api, &alice, set.id).await.state,
        RequestState::Active
    );
    for m in &set.members {
        assert!(api.holds_grant(m), "no assignment in {}", m.account.name);
    }
    // Visible to its approver; to someone who is neither, it does not exist.
    fetch_set(&api, &bob, set.id).await;
    let (status, _) = api
        .get(&carol, &routes::with_id(routes::REQUEST_SET, set.id))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    api.clock.jump(minutes(11));
    for m in &set.members {
        api.wait_state(&alice, m.id, RequestState::Ended).await;
    }
    assert_eq!(
        fetch_set(&api, &alice, set.id).await.state,
        RequestState::Ended
    );
    for m in &set.members {
        assert!(!api.holds_grant(m), "{} outlived the set", m.account.name);
        assert_eq!(api.accepted("CreateAccountAssignment", m), 1);
        assert_eq!(api.accepted("DeleteAccountAssignment", m), 1);
    }
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sets_are_refused_with_what_to_do() {
    let api = Api::start(Options {
        run_engine: false,
        ..Options::default()
    })
    .await;
    let alice = api.login("alice").await;
    let erin = api.login("erin").await;
    let body = |accounts: serde_json::Value| {
        json!({
            "accounts": accounts,
            "permissionSet": "ReadOnlyAccess",
            "durationSecs": 3600,
            "reason": "compare",
        })
    };
    let refused =
        |status: StatusCode, code: &str, needle: &str, answer: (StatusCode, serde_json::Value)| {
            assert_eq!(answer.0, status, "{}", answer.1);
            assert_eq!(answer.1["code"], code, "{}", answer.1);
            let message = answer.1["message"].as_str().unwrap();
            assert!(message.contains(needle), "{needle:?} not in {message}");
        };
    let creates = api.calls("CreateAccountAssignment");

    refused(
        StatusCode::FORBIDDEN,
        "not_eligible",
        "management",
        api.post(
            &alice,
            routes::REQUEST_SETS,
            body(json!(["prod", "management"])),
        )
        .await,
    );
    refused(
        StatusCode::FORBIDDEN,
        "not_eligible",
        "no account \"qa\"",
        api.post(&alice, routes::REQUEST_SETS, body(json!(["prod", "qa"])))
            .await,
    );
    refused(
        StatusCode::BAD_REQUEST,
        "invalid_input",
        "at least two accounts",
        api.post(&alice, routes::REQUEST_SETS, body(json!(["prod"])))
            .await,
    );
    refused(
        StatusCode::BAD_REQUEST,
        "invalid_input",
        "named twice",
        api.post(
            &alice,
            routes::REQUEST_SETS,
            body(json!(["prod", "333333333333"])),
        )
        .await,
    );
    let mut both = body(json!(["prod", "dev"]));
    both["ou"] = json!("Workloads");
    refused(
        StatusCode::BAD_REQUEST,
        "invalid_input",
        "not both",
        api.post(&alice, routes::REQUEST_SETS, both).await,
    );
    let mut unknown = body(json!([]));
    unknown["ou"] = json!("Workload");
    refused(
        StatusCode::BAD_REQUEST,
        "invalid_input",
        "OUs are Development, Production, Sandbox, Security, Staging, Workloads",
        api.post(&alice, routes::REQUEST_SETS, unknown).await,
    );

    // The policy limits how many accounts one request may name.
    let limited = DEMO_POLICY.replace(
        "session_overhang_warning = \"1h\"",
        "session_overhang_warning = \"1h\"\nmax_targets = 2",
    );
    assert_ne!(limited, DEMO_POLICY);
    std::fs::write(api.policy_path(), limited).unwrap();
    let (status, summary) = api.post(&erin, routes::ADMIN_RELOAD, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{summary}");
    let mut ou = body(json!([]));
    ou["ou"] = json!("Workloads");
    refused(
        StatusCode::FORBIDDEN,
        "not_eligible",
        "names 3 accounts; the policy allows at most 2 in one request",
        api.post(&alice, routes::REQUEST_SETS, ou).await,
    );
    let (status, two) = api
        .post(
            &alice,
            routes::REQUEST_SETS,
            body(json!(["prod", "staging"])),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{two}");
    assert_eq!(two["members"].as_array().unwrap().len(), 2);

    // Nothing refused reached Identity Center, and no request was recorded for it.
    assert_eq!(api.calls("CreateAccountAssignment"), creates);
    let (_, mine) = api.get(&alice, routes::REQUESTS).await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 2, "{mine}");
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_set_that_is_not_there_is_named_as_a_set_with_what_to_read() {
    let api = Api::start(Options {
        run_engine: false,
        ..Options::default()
    })
    .await;
    let alice = api.login("alice").await;
    let single = api.request(&alice, "prod", "PowerUserAccess", 3600).await;
    let says = |answer: (StatusCode, serde_json::Value), needles: &[&str]| {
        assert_eq!(answer.0, StatusCode::NOT_FOUND, "{}", answer.1);
        let message = answer.1["message"].as_str().unwrap().to_owned();
        for needle in needles {
            assert!(message.contains(needle), "{needle:?} not in {message}");
        }
    };
    says(
        api.get(&alice, &routes::with_id(routes::REQUEST_SET, 999_999))
            .await,
        &["no request set 999999", "first member's request id"],
    );
    says(
        api.get(&alice, &routes::with_id(routes::REQUEST_SET, single.id))
            .await,
        &[
            &format!("no request set {}", single.id),
            "a single request, not a set",
        ],
    );
    api.stop().await;
}

/// dev and sandbox: PowerUserAccess in each is alice's for up to 4h without approval, so
/// the set and its extensions take effect at once.
async fn self_service_set(api: &Api, token: &str) -> RequestSet {
    let (status, body) = api
        .post(
            token,
            routes::REQUEST_SETS,
            json!({
                "accounts": ["dev", "sandbox"],
                "permissionSet": "PowerUserAccess",
                "durationSecs": 3600,
                "reason": "load test in both",
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    serde_json::from_value(body).unwrap()
}

/// The set once every member is active or has failed.
async fn settled_set(api: &Api, token: &str, id: i64) -> RequestSet {
    eventually(&format!("request set {id} to settle"), || async {
        fetch_set(api, token, id)
            .await
            .members
            .iter()
            .all(|m| matches!(m.state, RequestState::Active | RequestState::Failed))
    })
    .await;
    fetch_set(api, token, id).await
}

async fn extend(api: &Api, token: &str, id: i64, by: i64) -> (StatusCode, serde_json::Value) {
    api.post(
        token,
        &routes::with_id(routes::EXTEND, id),
        json!({ "bySecs": by }),
    )
    .await
}

fn end_of(set: &RequestSet, id: i64) -> chrono::DateTime<chrono::Utc> {
    set.members.iter().find(|m| m.id == id).unwrap().end_at
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extending_one_member_extends_the_set_passing_over_a_failed_one() {
    // Every member changes in one transaction: on each database.
    for db in databases().await {
        eprintln!("on {}", db.name);
        extend_a_set(Options {
            database: Some(db.url.clone()),
            ..Options::default()
        })
        .await;
    }
}

async fn extend_a_set(options: Options) {
    let api = Api::start(options).await;
    let alice = api.login("alice").await;

    // Both running: extending the second member extends the first too.
    let set = settled_set(&api, &alice, self_service_set(&api, &alice).await.id).await;
    assert!(set.failed.is_empty(), "{set:?}");
    let (first, second) = (&set.members[0], &set.members[1]);
    let (status, body) = extend(&api, &alice, second.id, 1800).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let answer: AccessRequest = serde_json::from_value(body).unwrap();
    assert_eq!(answer.end_at, second.end_at + minutes(30));
    let after = fetch_set(&api, &alice, set.id).await;
    assert_eq!(end_of(&after, first.id), first.end_at + minutes(30));
    assert_eq!(end_of(&after, second.id), second.end_at + minutes(30));
    api.act(&alice, routes::REVOKE, first.id, json!({})).await;
    for m in &set.members {
        api.wait_state(&alice, m.id, RequestState::Ended).await;
    }

    // One member's assignment fails: the other goes on, and extends without it.
    let mut faults = api.sim.faults();
    faults.sso_admin.force_failed = Some(ForceFailed::Next(1));
    api.sim.set_faults(faults).expect("faults accepted");
    let set = settled_set(&api, &alice, self_service_set(&api, &alice).await.id).await;
    assert_eq!(set.failed.len(), 1, "{set:?}");
    let failed = set.members.iter().find(|m| m.state == RequestState::Failed);
    let running = set.members.iter().find(|m| m.state == RequestState::Active);
    let (failed, running) = (failed.unwrap(), running.unwrap());

    // Through the member that failed: the answer is that member, still failed, with its
    // end unmoved and why it failed; the running member is extended.
    let (status, body) = extend(&api, &alice, failed.id, 1800).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let answer: AccessRequest = serde_json::from_value(body).unwrap();
    assert_eq!(answer.state, RequestState::Failed);
    assert_eq!(answer.end_at, failed.end_at);
    assert!(answer.outcome.is_some(), "{answer:?}");
    let after = fetch_set(&api, &alice, set.id).await;
    assert_eq!(end_of(&after, running.id), running.end_at + minutes(30));
    assert_eq!(end_of(&after, failed.id), failed.end_at);
    assert_eq!(after.failed.len(), 1, "{after:?}");
    assert_eq!(after.failed[0].request_id, failed.id);
    assert_eq!(after.state, RequestState::Active);

    // Through the running member: the same, the failed one still passed over.
    let (status, body) = extend(&api, &alice, running.id, 600).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let answer: AccessRequest = serde_json::from_value(body).unwrap();
    assert_eq!(answer.end_at, running.end_at + minutes(40));
    let after = fetch_set(&api, &alice, set.id).await;
    assert_eq!(end_of(&after, failed.id), failed.end_at);

    // Once no member is left running, there is nothing to extend.
    api.act(&alice, routes::REVOKE, running.id, json!({})).await;
    api.wait_state(&alice, running.id, RequestState::Ended)
        .await;
    let (status, body) = extend(&api, &alice, failed.id, 600).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains("cannot be extended"), "{message}");
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sets_free_text_is_refused_like_a_single_requests() {
    let api = Api::start(Options {
        run_engine: false,
        ..Options::default()
    })
    .await;
    let alice = api.login("alice").await;
    let body = |reason: &str, ticket: Option<&str>| {
        json!({
            "accounts": ["prod", "staging"],
            "permissionSet": "ReadOnlyAccess",
            "durationSecs": 3600,
            "reason": reason,
            "ticket": ticket,
        })
    };
    let refused = |answer: (StatusCode, serde_json::Value), says: &[&str]| {
        assert_eq!(answer.0, StatusCode::BAD_REQUEST, "{}", answer.1);
        assert_eq!(answer.1["code"], "invalid_input", "{}", answer.1);
        let message = answer.1["message"].as_str().unwrap_or_default().to_owned();
        for fragment in says {
            assert!(message.contains(fragment), "{message:?} lacks {fragment:?}");
        }
        // Nothing of the escape sequence is echoed back.
        assert!(!message.contains('\u{1b}'), "{message:?}");
    };

    refused(
        api.post(
            &alice,
            routes::REQUEST_SETS,
            body("fix \u{1b}]0;pwned\u{7} now", None),
        )
        .await,
        &["reason", "U+001B", "character 5"],
    );
    // A ticket that would also fail the policy's pattern is refused for what it holds,
    // not as a ticket the policy does not accept.
    refused(
        api.post(
            &alice,
            routes::REQUEST_SETS,
            body("on call", Some("INC-1\u{1b}[2J")),
        )
        .await,
        &["ticket", "U+001B"],
    );
    refused(
        api.post(
            &alice,
            routes::REQUEST_SETS,
            body("on call", Some("INC-1\nINC-2")),
        )
        .await,
        &["ticket", "U+000A", "one line"],
    );
    for c in ['\u{7}', '\r', '\u{9b}', '\u{7f}'] {
        refused(
            api.post(&alice, routes::REQUEST_SETS, body(&format!("a{c}b"), None))
                .await,
            &["reason", "control character"],
        );
    }
    refused(
        api.post(&alice, routes::REQUEST_SETS, body("   ", None))
            .await,
        &["a reason is required"],
    );
    let (_, mine) = api.get(&alice, routes::REQUESTS).await;
    assert!(
        mine["items"].as_array().unwrap().is_empty(),
        "a refused set was recorded: {mine}"
    );

    // Line breaks and tabs are text in a set's reason, as in a single request's.
    let paragraph = "INC-7 latency\n\tcompare prod and staging";
    let (status, set) = api
        .post(&alice, routes::REQUEST_SETS, body(paragraph, Some("INC-7")))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{set}");
    assert_eq!(set["members"][0]["reason"], paragraph);
    api.stop().await;
}
