//! Session activity through the HTTP API, against `stint-sim`'s organization trail read
//! with the production Logs Insights adapter: alice's grant, her calls with the grant's
//! role credentials and a console sign-in, the standing baseline role kept out, delivery
//! late by the world's delay, use after the window flagged (the activity page, the watch's
//! audit event, the auditor's event stream), who may see it, and the adapter's failures
//! as 503s, never as an empty list.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use reqwest::StatusCode;
use serde_json::{Value, json};
use stint_api::{ActivityPage, EventKind, RequestState, routes};
use stint_broker::activity::watch::Watch;
use stint_broker::audit::AuditFilter;
use stint_broker::webhook::{Notice, is_delivered};
use stint_broker::workflow::{ACTIVITY_AFTER_WINDOW, Finding};
use stint_sim::{ApiFaults, RunningSim};

use crate::support::api::{Api, Options};
use crate::support::identity::{BASELINE_ACCOUNT, BASELINE_ROLE, device_login, role_credentials};

const DEV: &str = "dev";
const POWER: &str = "PowerUserAccess";

fn with_activity(timeout: Duration) -> Options {
    Options {
        activity_timeout: Some(timeout),
        ..Options::default()
    }
}

/// Moves the broker's and the simulator's clocks together (both are real time plus an
/// offset, so they stay in step).
fn advance(api: &Api, by: Duration) {
    api.clock.jump(chrono::Duration::from_std(by).unwrap());
    api.sim.advance_clock(by);
}

async fn sdk_with(sim: &RunningSim, creds: Credentials, region: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .endpoint_url(sim.url())
        .credentials_provider(creds)
        .load()
        .await
}

async fn whoami(sim: &RunningSim, creds: &Credentials, region: &str) -> String {
    aws_sdk_sts::Client::new(&sdk_with(sim, creds.clone(), region).await)
        .get_caller_identity()
        .send()
        .await
        .expect("GetCallerIdentity")
        .arn()
        .unwrap()
        .to_owned()
}

/// A console sign-in with role credentials, through the federation endpoint.
async fn console_sign_in(sim: &RunningSim, creds: &Credentials) {
    let session = json!({
        "sessionId": creds.access_key_id(),
        "sessionKey": creds.secret_access_key(),
        "sessionToken": creds.session_token().unwrap(),
    });
    let token: Value = reqwest::Client::new()
        .get(format!("{}/federation", sim.url()))
        .query(&[
            ("Action", "getSigninToken"),
            ("Session", &session.to_string()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let login = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/federation", sim.url()))
        .query(&[
            ("Action", "login"),
            ("SigninToken", token["SigninToken"].as_str().unwrap()),
            ("Destination", "https://console.aws.amazon.com/ec2/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 302);
}

async fn activity(api: &Api, token: &str, id: i64, query: &str) -> (StatusCode, Value) {
    api.get(
        token,
        &format!("{}{query}", routes::with_id(routes::ACTIVITY, id)),
    )
    .await
}

async fn page(api: &Api, token: &str, id: i64, query: &str) -> ActivityPage {
    let (status, body) = activity(api, token, id, query).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_value(body).unwrap()
}

fn names(page: &ActivityPage) -> Vec<(String, bool)> {
    page.items
        .iter()
        .map(|e| (e.event_name.clone(), e.after_window))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grants_calls_and_console_sign_in_are_listed_and_use_after_the_window_is_flagged() {
    let api = Api::start(with_activity(Duration::from_secs(30))).await;
    let alice = api.login("alice").await;
    let dave = api.login("dave").await; // security-auditors
    let carol = api.login("carol").await; // an engineer with no part in alice's request

    let r = api.request(&alice, DEV, POWER, 1800).await;
    api.wait_state(&alice, r.id, RequestState::Active).await;
    let delay = api.sim.world().cloudtrail().delivery_delay;

    // Alice's calls with the grant's credentials, in two regions, one refused, and a
    // console sign-in; then a call with her standing baseline role, which is not the grant's.
    // A second apart: CloudTrail's times are whole seconds, so calls within one second have
    // no order but their event ids'.
    let portal = device_login(&api.sim, "alice").await;
    let creds = role_credentials(&api.sim, &portal, &r.account.id, POWER).await;
    assert!(
        whoami(&api.sim, &creds, "eu-west-1")
            .await
            .contains("AWSReservedSSO_PowerUserAccess_")
    );
    advance(&api, Duration::from_secs(1));
    let refused =
        aws_sdk_ssoadmin::Client::new(&sdk_with(&api.sim, creds.clone(), api.sim.region()).await)
            .list_instances()
            .send()
            .await;
    assert!(
        refused.is_err(),
        "role credentials hold no admin permission in the simulator"
    );
    advance(&api, Duration::from_secs(1));
    console_sign_in(&api.sim, &creds).await;
    let baseline = role_credentials(&api.sim, &portal, BASELINE_ACCOUNT, BASELINE_ROLE).await;
    whoami(&api.sim, &baseline, "us-east-1").await;

    // Before the delivery delay the trail has nothing yet, and the page says how late it
    // may be.
    let early = page(&api, &alice, r.id, "").await;
    assert!(early.items.is_empty(), "{:?}", names(&early));
    assert_eq!(u64::from(early.delivery_lag_secs), delay.as_secs());
    let active = api.fetch(&alice, r.id).await;
    assert_eq!(
        early.window_start.map(|t| t.timestamp()),
        Some(active.start_at.timestamp())
    );
    assert_eq!(early.window_end, Some(active.end_at));
    assert!(
        early
            .role_session
            .ends_with(":assumed-role/AWSReservedSSO_PowerUserAccess_*/alice"),
        "{}",
        early.role_session
    );

    advance(&api, delay + Duration::from_secs(2));
    let listed = page(&api, &alice, r.id, "").await;
    assert_eq!(
        names(&listed),
        [
            ("GetCallerIdentity".to_owned(), false),
            ("ListInstances".to_owned(), false),
            ("ConsoleLogin".to_owned(), false),
        ],
        "in order, the baseline role's call left out"
    );
    let [sts, admin, console] = &listed.items[..] else {
        unreachable!()
    };
    assert_eq!(sts.event_source, "sts.amazonaws.com");
    assert_eq!(sts.aws_region, "eu-west-1");
    assert_eq!(sts.read_only, Some(true));
    assert!(sts.arn.starts_with(&format!(
        "arn:aws:sts::{}:assumed-role/AWSReservedSSO_PowerUserAccess_",
        r.account.id
    )));
    assert_eq!(admin.error_code.as_deref(), Some("AccessDeniedException"));
    assert_eq!(console.event_type, "AwsConsoleSignIn");
    assert_eq!(console.event_source, "signin.amazonaws.com");
    assert!(
        listed
            .items
            .windows(2)
            .all(|w| w[0].event_time <= w[1].event_time)
    );
    assert!(sts.session_issued_at.is_some());
    assert_eq!(listed.after_window_count, 0);
    assert!(listed.as_of > early.as_of);

    // Who may see it: the auditor yes, an unrelated engineer gets the same 404 as for a
    // request that does not exist.
    assert_eq!(page(&api, &dave, r.id, "").await.items.len(), 3);
    let (status, body) = activity(&api, &carol, r.id, "").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["code"], "not_found");
    let (status, _) = activity(&api, &alice, 999_999, "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Paging: one event per page, the cursor walks all three.
    let mut seen = Vec::new();
    let mut query = "?limit=1".to_owned();
    loop {
        let p = page(&api, &alice, r.id, &query).await;
        seen.extend(p.items.iter().map(|e| e.event_name.clone()));
        match p.next_cursor {
            Some(c) => query = format!("?limit=1&cursor={c}"),
            None => break,
        }
        assert!(seen.len() <= 3, "{seen:?}");
    }
    assert_eq!(seen, ["GetCallerIdentity", "ListInstances", "ConsoleLogin"]);
    for bad in ["?limit=0", "?limit=1001", "?cursor=not-a-cursor"] {
        let (status, body) = activity(&api, &alice, r.id, bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }

    // The grant ends early; its credentials stay valid until their own expiry, and alice
    // uses them once more.
    api.act(&alice, routes::REVOKE, r.id, json!({"comment": "done"}))
        .await;
    api.wait_state(&alice, r.id, RequestState::Ended).await;
    advance(&api, Duration::from_secs(3));
    whoami(&api.sim, &creds, "us-east-1").await;

    let mut auditor_stream = api.events(&dave, None).await;
    advance(&api, delay + Duration::from_secs(2));
    let after = page(&api, &dave, r.id, "").await;
    assert_eq!(after.items.len(), 4, "{:?}", names(&after));
    assert_eq!(names(&after)[3], ("GetCallerIdentity".to_owned(), true));
    assert_eq!(after.after_window_count, 1);
    assert!(after.items[3].event_time > after.window_end.unwrap());

    // The watch records it once, as an alert the webhook delivers, and the auditor's
    // stream is told.
    let before_pass = api.engine.request(r.id).await.unwrap();
    let watch = Watch::new(
        api.engine.clone(),
        api.activity.clone(),
        Arc::new(api.clock.clone()),
    );
    let report = watch.pass().await.expect("a pass");
    // A second watch (another replica) that read the request before the first recorded
    // its finding does not record it again.
    let late = api
        .engine
        .flag_use_after_window(&before_pass, same_finding(&before_pass))
        .await
        .unwrap();
    assert_eq!(late, None, "recorded twice");
    assert_eq!(report.flagged, [r.id], "{report:?}");
    let again = watch.pass().await.expect("a second pass");
    assert!(again.flagged.is_empty(), "flagged twice: {again:?}");
    let findings = api
        .engine
        .audit(AuditFilter {
            request_id: Some(r.id),
            kind: Some(ACTIVITY_AFTER_WINDOW.to_owned()),
            limit: 10,
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(findings.len(), 1);
    assert!(is_delivered(&findings[0]));
    let notice = Notice::new(&findings[0], None, "https://stint.example");
    assert!(notice.alert);
    assert!(
        notice
            .detail
            .as_deref()
            .unwrap()
            .contains("1 call with this grant's credentials after it ended"),
        "{:?}",
        notice.detail
    );
    let data: Value = serde_json::from_str(&findings[0].data).unwrap();
    assert_eq!(data["events"][0]["event_name"], "GetCallerIdentity");
    assert_eq!(data["count"], 1);

    let mut told = false;
    while let Some(event) = auditor_stream.next(Duration::from_secs(20)).await {
        if event.broker_event().kind == EventKind::UsedAfterWindow {
            assert_eq!(event.broker_event().request.id, r.id);
            told = true;
            break;
        }
    }
    assert!(told, "the auditor's event stream was not told");

    // Every CloudWatch Logs call the adapter makes is in docs/iam-policy.json.
    let called: BTreeSet<String> = api
        .logs_calls
        .lock()
        .unwrap()
        .iter()
        .map(|op| format!("logs:{op}"))
        .collect();
    assert!(called.is_subset(&logs_actions()), "{called:?}");
    api.stop().await;
}

/// The `logs:` actions docs/iam-policy.json grants.
pub fn logs_actions() -> BTreeSet<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/iam-policy.json");
    let policy: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["Action"].as_array().unwrap().clone())
        .filter_map(|a| a.as_str().map(str::to_owned))
        .filter(|a| a.starts_with("logs:"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trail_that_cannot_be_read_is_a_503_never_an_empty_list() {
    // Not configured: a 404 that says so (a broker set up without activity is not
    // failing, and asking again will not help), never a 5xx or an empty list.
    let api = Api::start(Options::default()).await;
    let alice = api.login("alice").await;
    let r = api.request(&alice, DEV, POWER, 1800).await;
    api.wait_state(&alice, r.id, RequestState::Active).await;
    let (status, body) = activity(&api, &alice, r.id, "").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["code"], "not_found");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("not configured on this broker")
            && message.contains("[activity] log_group"),
        "{body}"
    );
    api.stop().await;

    // CloudWatch Logs failing.
    let api = Api::start(with_activity(Duration::from_secs(20))).await;
    let alice = api.login("alice").await;
    let r = api.request(&alice, DEV, POWER, 1800).await;
    api.wait_state(&alice, r.id, RequestState::Active).await;
    let mut faults = api.sim.faults();
    faults.logs = ApiFaults {
        error_rate: 1.0,
        ..ApiFaults::default()
    };
    api.sim.set_faults(faults).unwrap();
    let (status, body) = activity(&api, &alice, r.id, "").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["code"], "activity_unavailable");
    assert!(
        body["message"].as_str().unwrap().contains("unknown"),
        "{body}"
    );
    // The watch tries again next time rather than calling it clean.
    let mut faults = api.sim.faults();
    faults.logs = ApiFaults::default();
    api.sim.set_faults(faults).unwrap();
    assert_eq!(page(&api, &alice, r.id, "").await.items.len(), 0);
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_past_its_deadline_is_stopped_and_answered_503() {
    // Insights answers `Running` on the first poll; a deadline shorter than the second
    // poll's wait catches the query running.
    let api = Api::start(with_activity(Duration::from_millis(500))).await;
    let alice = api.login("alice").await;
    let r = api.request(&alice, DEV, POWER, 1800).await;
    api.wait_state(&alice, r.id, RequestState::Active).await;
    let (status, body) = activity(&api, &alice, r.id, "").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("took longer"),
        "{body}"
    );
    let calls = api.logs_calls.lock().unwrap().clone();
    assert_eq!(calls, ["StartQuery", "GetQueryResults", "StopQuery"]);
    // Together with the first test, every logs action the policy grants is one the adapter
    // makes: nothing granted that is never used.
    let called: BTreeSet<String> = calls.iter().map(|op| format!("logs:{op}")).collect();
    assert_eq!(
        called,
        logs_actions(),
        "docs/iam-policy.json and the activity adapter disagree"
    );
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_requests_approver_is_alerted_and_the_requester_only_sees_a_change() {
    let api = Api::start(with_activity(Duration::from_secs(30))).await;
    let alice = api.login("alice").await;
    let bob = api.login("bob").await; // approves prod for engineers
    let r = api.request(&alice, "prod", POWER, 1800).await;
    assert_eq!(r.state, RequestState::Pending);
    api.act(&bob, routes::APPROVE, r.id, json!({"comment": "ok"}))
        .await;
    api.wait_state(&alice, r.id, RequestState::Active).await;
    let portal = device_login(&api.sim, "alice").await;
    let creds = role_credentials(&api.sim, &portal, &r.account.id, POWER).await;
    api.act(&alice, routes::REVOKE, r.id, json!({})).await;
    api.wait_state(&alice, r.id, RequestState::Ended).await;
    advance(&api, Duration::from_secs(3));
    whoami(&api.sim, &creds, "us-east-1").await;

    let mut bob_stream = api.events(&bob, None).await;
    let mut alice_stream = api.events(&alice, None).await;
    advance(
        &api,
        api.sim.world().cloudtrail().delivery_delay + Duration::from_secs(2),
    );
    let watch = Watch::new(
        api.engine.clone(),
        api.activity.clone(),
        Arc::new(api.clock.clone()),
    );
    assert_eq!(watch.pass().await.unwrap().flagged, [r.id]);

    let event = bob_stream
        .next(Duration::from_secs(20))
        .await
        .expect("bob is told")
        .broker_event();
    assert_eq!(
        (event.kind, event.request.id),
        (EventKind::UsedAfterWindow, r.id)
    );
    // alice sees her request change (its history has the finding), not an alert meant
    // for those who watch over her.
    let event = alice_stream
        .next(Duration::from_secs(20))
        .await
        .expect("alice hears of the change")
        .broker_event();
    assert_eq!(
        (event.kind, event.request.id),
        (EventKind::RequestChanged, r.id)
    );
    let history = api.fetch(&alice, r.id).await.history.unwrap();
    let finding = history
        .iter()
        .find(|h| h.kind == ACTIVITY_AFTER_WINDOW)
        .expect("the finding is in the request's history");
    assert!(
        finding
            .detail
            .as_deref()
            .unwrap()
            .contains("GetCallerIdentity"),
        "{finding:?}"
    );
    api.stop().await;
}

/// A finding as a second watch would record it about the request.
fn same_finding(r: &stint_broker::model::Request) -> Finding {
    Finding {
        alert: true,
        state: r.state,
        detail: "the same finding".into(),
        count: 1,
        window_end: r.end_at,
        account_id: r.account.id.clone(),
        permission_set: r.permission_set.name.clone(),
        user_name: r.requester.user_name.clone(),
        last_event_time: r.end_at,
        last_event_id: "same".into(),
        events: vec![],
    }
}
