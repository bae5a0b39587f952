//! Two engines (replicas) on one PostgreSQL database run the same schedule in real time,
//! with 30% of Identity Center calls failing: every grant ends correct, no tuple ever has
//! two calls in flight, each assignment is created and deleted exactly once, and the audit
//! chain stays one unbroken chain. Needs `STINT_TEST_POSTGRES_URL` (scripts/with-postgres.sh).

use std::sync::Arc;
use std::time::Duration;

use stint_broker::clock::SystemClock;
use stint_broker::idc::IdentityCenter;
use stint_broker::model::{Actor, State};
use stint_broker::store;
use stint_broker::workflow::{Engine, EngineSettings};
use tokio_util::sync::CancellationToken;

use crate::support::databases::*;
use crate::support::engine::fake_idc::{FakeIdc, key_for};
use crate::support::engine::*;

fn fast_settings(node: &str) -> EngineSettings {
    EngineSettings {
        node_id: node.into(),
        retry_deadline: Duration::from_secs(60),
        retry_base: Duration::from_millis(20),
        retry_cap: Duration::from_millis(300),
        poll_initial: Duration::from_millis(50),
        poll_max: Duration::from_millis(300),
        reconcile_interval: Duration::from_secs(2),
        lease: Duration::from_secs(15),
        call_timeout: Duration::from_secs(5),
        batch: 8,
        concurrency: 4,
        change_poll: Duration::from_millis(100),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_share_the_schedule_without_doing_anything_twice() {
    let Some(db) = postgres_db().await else {
        eprintln!(
            "STINT_TEST_POSTGRES_URL is not set: replica test skipped (run under scripts/with-postgres.sh)"
        );
        return;
    };
    let idc = FakeIdc::new();
    idc.set_latency(Duration::from_millis(15));
    idc.set_fault_rate(0.3);
    let mut engines = Vec::new();
    for node in ["replica-a", "replica-b"] {
        let store = store::open(&db.url).await.unwrap();
        engines.push(
            Engine::new(
                store,
                Arc::new(idc.clone()) as Arc<dyn IdentityCenter>,
                Arc::new(SystemClock),
                fast_settings(node),
            )
            .await
            .unwrap(),
        );
    }
    let stop = CancellationToken::new();
    let mut running = Vec::new();
    for engine in &engines {
        let engine = engine.clone();
        let stop = stop.clone();
        running.push(tokio::spawn(async move {
            engine.run(stop.cancelled_owned()).await
        }));
    }

    // Requests arrive at both replicas; some users have two overlapping grants.
    let mut requests = Vec::new();
    for i in 0..16 {
        let actor = Actor {
            person: person(&format!("eng{i}")),
            groups: vec!["engineers".into()],
            admin: false,
        };
        let engine = &engines[i % 2];
        let mut g = grant(1, false);
        g.duration = Duration::from_secs(2 + (i % 3) as u64);
        requests.push((
            actor.clone(),
            engine.create(&actor, g.clone()).await.unwrap().id,
        ));
        if i % 4 == 0 {
            requests.push((
                actor.clone(),
                engines[(i + 1) % 2].create(&actor, g).await.unwrap().id,
            ));
        }
    }

    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        let mut done = true;
        for (_, id) in &requests {
            let state = engines[0].request(*id).await.unwrap().state;
            assert_ne!(state, State::Failed, "request {id} failed");
            done &= state == State::Ended;
        }
        if done {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "grants did not all end within two minutes"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.cancel();
    for task in running {
        task.await.unwrap().unwrap();
    }

    assert!(
        idc.overlaps().is_empty(),
        "two calls in flight for one tuple: {:?}",
        idc.overlaps()
    );
    for (actor, _) in &requests {
        let key = key_for(&actor.person.user_id, PROD);
        assert!(!idc.has(&key), "{} kept access", actor.person.user_name);
        assert_eq!(
            idc.accepted("create_assignment", &key),
            1,
            "{}",
            actor.person.user_name
        );
        assert_eq!(
            idc.accepted("delete_assignment", &key),
            1,
            "{}",
            actor.person.user_name
        );
    }
    let v = engines[1].verify_audit().await.unwrap();
    assert!(v.ok(), "the chain forked or broke: {:?}", v.first_bad);
    assert!(
        engines[0].metrics().retries("throttled") + engines[1].metrics().retries("throttled") > 0
    );
}
