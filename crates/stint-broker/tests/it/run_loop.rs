//! The engine's own loop on the wall clock: a hung Identity Center call holds up only its
//! own tuple (other windows still open and close on time), is cut off at the call timeout,
//! and resumes by adopting what the call did; stopping waits for workers in flight.

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_call_holds_up_only_its_own_tuple() {
    let db = sqlite_db().await;
    let idc = FakeIdc::new();
    let engine = Engine::new(
        store::open(&db.url).await.unwrap(),
        Arc::new(idc.clone()) as Arc<dyn IdentityCenter>,
        Arc::new(SystemClock),
        EngineSettings {
            node_id: "loop".into(),
            poll_initial: Duration::from_millis(50),
            poll_max: Duration::from_millis(200),
            retry_base: Duration::from_millis(50),
            retry_cap: Duration::from_millis(200),
            // Long enough that the others' whole windows fit while alice's call hangs.
            call_timeout: Duration::from_secs(8),
            lease: Duration::from_secs(16),
            concurrency: 2,
            change_poll: Duration::from_millis(100),
            ..EngineSettings::default()
        },
    )
    .await
    .unwrap();
    let stop = CancellationToken::new();
    let runner = {
        let engine = engine.clone();
        let stop = stop.clone();
        tokio::spawn(async move { engine.run(stop.cancelled_owned()).await })
    };

    idc.hang_next_create();
    let stuck = engine.create(&alice(), grant(60, false)).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while idc.calls("create_assignment", None) == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "alice's create never started"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // While alice's call hangs, other people's grants open and close on time.
    let mut others = Vec::new();
    for i in 0..4 {
        let actor = Actor {
            person: person(&format!("eng{i}")),
            groups: vec!["engineers".into()],
            admin: false,
        };
        let mut g = grant(1, false);
        g.duration = Duration::from_secs(1);
        others.push((actor.clone(), engine.create(&actor, g).await.unwrap().id));
    }
    for (actor, id) in &others {
        loop {
            let r = engine.request(*id).await.unwrap();
            if r.state == State::Ended {
                break;
            }
            assert!(!r.state.is_final(), "{r:?}");
            assert!(
                tokio::time::Instant::now() < deadline,
                "{}'s grant waited behind the hung call",
                actor.person.user_name
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(!idc.has(&key_for(&actor.person.user_id, PROD)));
    }
    assert_eq!(
        engine.request(stuck.id).await.unwrap().state,
        State::Activating,
        "alice's grant went on without its call's answer"
    );

    // The hung call is cut off at the timeout; the retry finds the assignment and adopts it.
    loop {
        let r = engine.request(stuck.id).await.unwrap();
        if r.state == State::Active {
            break;
        }
        assert!(!r.state.is_final(), "{r:?}");
        assert!(
            tokio::time::Instant::now() < deadline,
            "alice's grant never became active"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        idc.accepted("create_assignment", &key_for("u-alice", PROD)),
        1
    );

    stop.cancel();
    tokio::time::timeout(Duration::from_secs(20), runner)
        .await
        .expect("the engine did not stop")
        .unwrap()
        .unwrap();
}
