//! Starting while Identity Center throttles and its organization read is down: the broker
//! comes up anyway, says it is not ready (`/readyz` 503, `directory_unavailable` for
//! sign-in and for everything that needs the policy), keeps revoking on schedule from its
//! database under 60 % sso-admin throttling, and becomes ready once the directory answers.

use std::time::Duration;

use serde_json::{Value, json};
use stint_api::RequestState;
use stint_sim::{ApiFaults, Faults, RunningSim};

use crate::support::client::{BrokerClient, eventually};
use crate::support::full_broker::{AUDIENCE, FullBroker};
use crate::support::identity::identity_request;

const DEV: &str = "555555555555";
const WAIT: Duration = Duration::from_secs(120);

fn alice_holds_dev(sim: &RunningSim) -> bool {
    sim.assignments().assignments.iter().any(|a| {
        a.principal_name == "alice"
            && a.account_id == DEV
            && a.permission_set_name == "PowerUserAccess"
            && a.origin == "api"
    })
}

async fn public_get(base: &str, path: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .expect("the broker answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starts_under_throttling_revokes_on_schedule_and_becomes_ready() {
    let sim = stint_sim::spawn(stint_sim::World::demo()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}", dir.path().join("stint.db").display());

    // A grant made while all is well: alice's hour of PowerUserAccess in dev.
    let broker = FullBroker::start(&sim, &db_url, None).await;
    let api = BrokerClient::new(&broker.url);
    let alice = api.login(&sim, "alice", AUDIENCE).await;
    let grant = api
        .create(
            &alice,
            json!({
                "account": "dev",
                "permissionSet": "PowerUserAccess",
                "durationSecs": 3600,
                "reason": "deploy the fix",
            }),
        )
        .await;
    eventually("the grant to become active", WAIT, || async {
        api.request(&alice, grant.id).await.state == RequestState::Active
    })
    .await;
    assert!(alice_holds_dev(&sim));
    broker.stop().await;

    // The broker restarts while sso-admin throttles 60 % of calls and organizations is down.
    sim.set_faults(Faults {
        seed: Some(9),
        sso_admin: ApiFaults {
            throttle_rate: 0.6,
            ..ApiFaults::default()
        },
        organizations: ApiFaults {
            error_rate: 1.0,
            ..ApiFaults::default()
        },
        ..Faults::default()
    })
    .unwrap();
    let broker = FullBroker::start(&sim, &db_url, None).await;
    let api = api.at(&broker.url);

    let (status, health) = public_get(&broker.url, "/healthz").await;
    assert_eq!(
        status, 200,
        "alive while the directory is unreadable: {health}"
    );
    let (status, ready) = public_get(&broker.url, "/readyz").await;
    assert_eq!(status, 503, "{ready}");
    assert_eq!(ready["code"], "directory_unavailable", "{ready}");
    assert!(
        ready["message"]
            .as_str()
            .unwrap()
            .contains("Identity Center"),
        "{ready}"
    );
    // alice's session is in the database, but nothing she can ask is decidable yet.
    let (status, me) = api.get(&alice, "/v1/me").await;
    assert_eq!(status, 503, "{me}");
    assert_eq!(me["code"], "directory_unavailable", "{me}");
    let (status, listed) = api.get(&alice, "/v1/requests").await;
    assert_eq!(
        (status, &listed["code"]),
        (503, &json!("directory_unavailable"))
    );
    // Nor can anyone sign in: the answer is the same code, before STS is even asked.
    let signed = identity_request(&sim, "bob", AUDIENCE).await;
    let refused = reqwest::Client::new()
        .post(format!("{}{}", broker.url, stint_api::routes::AUTH_AWS))
        .json(&signed)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 503);
    let refused: Value = refused.json().await.unwrap();
    assert_eq!(refused["code"], "directory_unavailable", "{refused}");
    let (status, auth_config) = public_get(&broker.url, "/v1/auth/config").await;
    assert_eq!(
        status, 200,
        "what needs no directory is served: {auth_config}"
    );

    // The window ends while the directory is still unreadable: the assignment goes anyway.
    broker.clock.jump(chrono::Duration::seconds(3601));
    eventually("the assignment to be deleted", WAIT, || async {
        !alice_holds_dev(&sim)
    })
    .await;
    let (status, _) = public_get(&broker.url, "/readyz").await;
    assert_eq!(status, 503, "organizations is still down");

    // Organizations comes back (sso-admin still throttles 60 %): the broker becomes ready
    // by itself, and the request reads ended.
    sim.set_faults(Faults {
        seed: Some(10),
        sso_admin: ApiFaults {
            throttle_rate: 0.6,
            ..ApiFaults::default()
        },
        ..Faults::default()
    })
    .unwrap();
    eventually("the broker to become ready", WAIT, || async {
        public_get(&broker.url, "/readyz").await.0 == 200
    })
    .await;
    let (status, ready) = public_get(&broker.url, "/readyz").await;
    assert_eq!(status, 200);
    assert_eq!(ready["status"], "ready");
    assert!(ready["directoryReadAt"].is_string(), "{ready}");
    let (status, me) = api.get(&alice, "/v1/me").await;
    assert_eq!(status, 200, "{me}");
    eventually("the request to read ended", WAIT, || async {
        api.request(&alice, grant.id).await.state == RequestState::Ended
    })
    .await;
    broker.stop().await;
}
