//! Two `stint-broker serve` processes on one PostgreSQL database, in front of one
//! `stint-sim`: they share one schedule of many grants with staggered windows and do no
//! side effect twice (the simulator's call log holds exactly one accepted create and one
//! accepted delete per grant), both do part of the work, and both serve the API: a request
//! made on one is approved on the other, the approver's event stream on the second learns
//! of the request and the requester's event stream on the first learns of the approval.
//! Needs `STINT_TEST_POSTGRES_URL` (scripts/with-postgres.sh).

use std::time::Duration;

use futures::StreamExt;
use serde_json::json;
use stint_api::{AccessRequest, BrokerEvent, EventKind, RequestState};
use stint_sim::CallRecord;
use tokio::sync::mpsc;

use crate::support::client::{BrokerClient, Session, eventually};
use crate::support::full_broker::AUDIENCE;
use crate::support::process::{BrokerProcess, ProcessSetup};

const USERS: [&str; 6] = ["alice", "bob", "carol", "dave", "erin", "grace"];
const ACCOUNTS: [&str; 6] = [
    "management",
    "identity",
    "prod",
    "staging",
    "dev",
    "sandbox",
];
const SELF_SERVICE: [&str; 3] = ["ReadOnlyAccess", "PowerUserAccess", "AdministratorAccess"];
const WAIT: Duration = Duration::from_secs(240);

/// Self-service for most access; BillingReadOnly in management needs an SRE lead's yes.
const POLICY: &str = r#"
[settings]
max_duration = "8h"
approval_timeout = "1h"
auditor_groups = ["security-auditors"]
admin_groups = ["stint-admins"]

[[eligibility]]
name = "everyone-self-service"
groups = ["everyone"]
ous = ["Root"]
nested_ous = true
permission_sets = ["ReadOnlyAccess", "PowerUserAccess", "AdministratorAccess"]
max_duration = "8h"
approval_required = false

[[eligibility]]
name = "engineers-billing"
groups = ["engineers"]
accounts = ["management"]
permission_sets = ["BillingReadOnly"]
max_duration = "2h"
approval_required = true

[[approval]]
name = "sre-leads-approve-management"
approver_groups = ["sre-leads"]
accounts = ["management"]
"#;

/// The `data:` payloads of one caller's `/v1/events` stream, as they arrive.
async fn events(base: &str, session: &Session) -> mpsc::UnboundedReceiver<BrokerEvent> {
    let response = reqwest::Client::new()
        .get(format!("{base}/v1/events"))
        .bearer_auth(&session.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut body = response.bytes_stream();
        let mut buffer = String::new();
        while let Some(Ok(chunk)) = body.next().await {
            buffer.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buffer.find("\n\n") {
                let block: String = buffer.drain(..end + 2).collect();
                for line in block.lines() {
                    if let Some(data) = line.strip_prefix("data:") {
                        if let Ok(event) = serde_json::from_str(data.trim()) {
                            let _ = tx.send(event);
                        }
                    }
                }
            }
        }
    });
    rx
}

async fn next_matching(
    rx: &mut mpsc::UnboundedReceiver<BrokerEvent>,
    what: &str,
    matches: impl Fn(&BrokerEvent) -> bool,
) -> BrokerEvent {
    tokio::time::timeout(WAIT, async {
        loop {
            let event = rx.recv().await.expect("the stream stays open");
            if matches(&event) {
                return event;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no event: {what}"))
}

fn metric(text: &str, series: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.trim().parse::<f64>().ok())
        .unwrap_or(0.0) as u64
}

async fn created_by(broker: &BrokerProcess) -> u64 {
    let text = reqwest::get(format!("{}/metrics", broker.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    metric(
        &text,
        "stint_idc_calls_total{operation=\"create_assignment\",outcome=\"ok\"}",
    )
}

fn of(call: &CallRecord, r: &AccessRequest) -> bool {
    call.fields.get("principalId") == Some(&r.requester.user_id)
        && call.fields.get("accountId") == Some(&r.account.id)
        && call.fields.get("permissionSetArn") == Some(&r.permission_set.arn)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_share_the_schedule_and_the_api() {
    let Some(db) = crate::support::databases::postgres_db().await else {
        eprintln!(
            "STINT_TEST_POSTGRES_URL is not set: replica process test skipped (run under scripts/with-postgres.sh)"
        );
        return;
    };
    let sim = crate::support::slow_provisioning_sim().await;
    let standing = sim.assignments().assignments;
    let setup = ProcessSetup::new(&sim, &db.url, POLICY, &[]);
    let mut a = setup.spawn().await;
    let mut b = setup.spawn().await;
    let on_a = BrokerClient::new(&a.url);
    let on_b = on_a.at(&b.url);

    // Sessions are shared: signed in on one, recognised by both.
    let mut sessions = Vec::new();
    for (i, user) in USERS.iter().enumerate() {
        let api = if i % 2 == 0 { &on_a } else { &on_b };
        sessions.push(api.login(&sim, user, AUDIENCE).await);
    }
    let alice = sessions[0].clone();
    let bob = sessions[1].clone();
    assert_eq!(on_b.get(&alice, "/v1/me").await.0, 200);
    assert_eq!(on_a.get(&bob, "/v1/me").await.0, 200);

    // A request made on A, approved on B; each side's stream sees the other's change.
    let mut alice_on_a = events(&a.url, &alice).await;
    let mut bob_on_b = events(&b.url, &bob).await;
    let billing = on_a
        .create(
            &alice,
            json!({
                "account": "management",
                "permissionSet": "BillingReadOnly",
                "durationSecs": 60,
                "reason": "month-end cost review",
            }),
        )
        .await;
    assert_eq!(billing.state, RequestState::Pending);
    let seen = next_matching(&mut bob_on_b, "bob learns of the request on B", |e| {
        e.request.id == billing.id && e.kind == EventKind::ApprovalChanged
    })
    .await;
    assert_eq!(seen.request.state, RequestState::Pending);
    on_b.act(&bob, billing.id, "approve", "fine").await;
    // The stream carries each request as it is when A learns of the change: approved, or
    // already on its way to active.
    let approved = next_matching(&mut alice_on_a, "alice learns of the approval on A", |e| {
        e.request.id == billing.id && e.request.decided_by.is_some()
    })
    .await;
    assert_eq!(approved.kind, EventKind::RequestChanged);
    assert_eq!(
        approved.request.decided_by.as_ref().unwrap().user_name,
        "bob"
    );
    assert!(
        matches!(
            approved.request.state,
            RequestState::Approved | RequestState::Activating | RequestState::Active
        ),
        "{:?}",
        approved.request.state
    );
    if approved.request.state != RequestState::Active {
        next_matching(&mut alice_on_a, "alice learns her grant is active", |e| {
            e.request.id == billing.id && e.request.state == RequestState::Active
        })
        .await;
    }

    // Many self-service grants, made on both replicas, windows ending over half a minute.
    let mut grants = vec![(0_usize, billing.id)];
    for k in 0..USERS.len() * SELF_SERVICE.len() {
        let user = k % USERS.len();
        let api = if k % 2 == 0 { &on_a } else { &on_b };
        let r = api
            .create(
                &sessions[user],
                json!({
                    "account": ACCOUNTS[(k + k / USERS.len()) % ACCOUNTS.len()],
                    "permissionSet": SELF_SERVICE[k / USERS.len()],
                    "durationSecs": 60 + (k % 7) * 5,
                    "reason": format!("replica test grant {k}"),
                }),
            )
            .await;
        grants.push((user, r.id));
    }

    eventually("every grant to end", WAIT, || async {
        let mut all = true;
        for (i, (user, id)) in grants.iter().enumerate() {
            let api = if i % 2 == 0 { &on_a } else { &on_b };
            let r = api.request(&sessions[*user], *id).await;
            assert_ne!(r.state, RequestState::Failed, "request {id} failed");
            all &= r.state == RequestState::Ended;
        }
        all
    })
    .await;
    assert_eq!(sim.assignments().assignments, standing);

    let calls = sim.calls_since(0).calls;
    for (user, id) in &grants {
        let r = on_a.request(&sessions[*user], *id).await;
        for op in ["CreateAccountAssignment", "DeleteAccountAssignment"] {
            let accepted = calls
                .iter()
                .filter(|c| c.operation == op && c.outcome == "ok" && of(c, &r))
                .count();
            assert_eq!(accepted, 1, "request {id}: {accepted} accepted {op}");
        }
    }
    let (by_a, by_b) = (created_by(&a).await, created_by(&b).await);
    eprintln!("assignments created: {by_a} by replica A, {by_b} by replica B");
    assert_eq!(by_a + by_b, grants.len() as u64);
    assert!(by_a > 0 && by_b > 0, "one replica did all the work");

    for broker in [&mut a, &mut b] {
        let status = broker.terminate().await;
        assert!(status.success(), "{}", broker.output());
    }
    let (ok, out) = setup.audit_verify().await;
    assert!(ok && out.starts_with("ok: "), "{out}");
}
