//! Outbound webhooks against a local receiver over real HTTP, on SQLite and (when
//! `STINT_TEST_POSTGRES_URL` names a server) PostgreSQL: every event of interest arrives
//! signed and in order, 500s are retried, a restart resumes where delivery stopped without
//! repeating or losing anything, a delivery cut off in flight is sent again, two processes
//! on one database never both deliver, nothing is sent without a secret, and a new URL
//! starts at the events recorded after it was set.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use stint_broker::audit::AuditFilter;
use stint_broker::clock::SystemClock;
use stint_broker::config::Secret;
use stint_broker::store::{self, Store};
use stint_broker::webhook::{Notifier, NotifierParts, WebhookSettings, is_delivered, receiver_key};
use stint_broker::workflow::Engine;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::support::client::eventually;
use crate::support::databases::*;
use crate::support::engine::*;
use crate::support::webhook_receiver::Receiver;

const SECRET: &str = "test-webhook-secret-0123456789";
const WAIT: Duration = Duration::from_secs(60);

fn fast() -> WebhookSettings {
    WebhookSettings {
        lease: Duration::from_secs(3),
        timeout: Duration::from_secs(1),
        retry_base: Duration::from_millis(20),
        retry_cap: Duration::from_millis(200),
        poll: Duration::from_millis(50),
        // Small pages, so paging is exercised.
        batch: 4,
    }
}

/// A notifier running on its own task, as one broker process runs it.
struct Running {
    stop: CancellationToken,
    task: JoinHandle<()>,
}

impl Running {
    async fn stop(self) {
        self.stop.cancel();
        tokio::time::timeout(WAIT, self.task)
            .await
            .expect("the notifier stops")
            .unwrap();
    }
}

#[derive(Clone)]
struct Target(Arc<Mutex<Option<Url>>>);

impl Target {
    fn new(url: &Url) -> Target {
        Target(Arc::new(Mutex::new(Some(url.clone()))))
    }

    fn set(&self, url: &Url) {
        *self.0.lock().unwrap() = Some(url.clone());
    }
}

fn start(
    store: &Arc<dyn Store>,
    target: &Target,
    secret: Option<&str>,
    owner: &str,
    wake: Option<watch::Receiver<i64>>,
) -> Running {
    let target = target.0.clone();
    let notifier = Notifier::new(NotifierParts {
        store: store.clone(),
        target: Arc::new(move || target.lock().unwrap().clone()),
        secret: secret.map(Secret::new),
        clock: Arc::new(SystemClock),
        owner: owner.into(),
        broker: "https://stint.test.example".into(),
        settings: fast(),
        wake,
    })
    .unwrap();
    let stop = CancellationToken::new();
    let task = tokio::spawn(notifier.run(stop.clone()));
    Running { stop, task }
}

/// Starts the receiver's cursor at the audit head now, as the first notifier to run would,
/// so the test's events all come after it whatever the tasks' timing.
async fn start_cursor(store: &Arc<dyn Store>, url: &Url) {
    let now = chrono::Utc::now();
    store
        .webhook_claim("test-setup", &receiver_key(url), now, now)
        .await
        .unwrap()
        .expect("nobody holds the lease yet");
}

/// The seqs of every audit event a receiver should get, after `after`.
async fn deliverable(store: &Arc<dyn Store>, after: i64) -> Vec<i64> {
    store
        .audit_events(&AuditFilter {
            after: Some(after),
            limit: 10_000,
            ..AuditFilter::default()
        })
        .await
        .unwrap()
        .iter()
        .filter(|r| is_delivered(r))
        .map(|r| r.seq)
        .collect()
}

/// A few requests through their lives: approved, active and ended; rejected; cancelled.
async fn some_history(h: &Harness) {
    let r1 = h.engine.create(&alice(), grant(30, true)).await.unwrap();
    h.engine
        .approve(r1.id, &bob(), Some("go ahead".into()))
        .await
        .unwrap();
    h.drive(chrono::Duration::minutes(31)).await;
    let r2 = h.engine.create(&carol(), grant(30, true)).await.unwrap();
    h.engine
        .reject(r2.id, &bob(), Some("not today".into()))
        .await
        .unwrap();
    let r3 = h.engine.create(&alice(), grant(10, true)).await.unwrap();
    h.engine.cancel(r3.id, &alice(), None).await.unwrap();
}

async fn head(engine: &Engine) -> i64 {
    engine.store().audit_head().await.unwrap().0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivers_every_event_signed_and_in_order_retrying_after_500s() {
    for db in databases().await {
        let name = db.name;
        let h = Harness::new(db).await;
        let receiver = Receiver::start().await;
        let url = receiver.url("T0KEN-in-the-path");
        start_cursor(&h.store, &url).await;
        let from = head(&h.engine).await;
        receiver.fail_next(3);
        let notifier = start(
            &h.store,
            &Target::new(&url),
            Some(SECRET),
            "node-a",
            Some(h.engine.head()),
        );

        some_history(&h).await;
        let expected = deliverable(&h.store, from).await;
        eventually("every event to be delivered", WAIT, || async {
            receiver.accepted_seqs().len() >= expected.len()
        })
        .await;
        notifier.stop().await;

        // Exactly the events of interest, each once, in audit order.
        assert_eq!(receiver.accepted_seqs(), expected, "{name}");
        let all = receiver.deliveries();
        // The three 500s were the first event, tried again until it was taken.
        assert_eq!(
            all.iter().map(|d| d.status).take(4).collect::<Vec<_>>(),
            vec![500, 500, 500, 204],
            "{name}"
        );
        assert!(all[..4].iter().all(|d| d.body == all[0].body), "{name}");
        let kinds: Vec<String> = receiver
            .accepted()
            .iter()
            .map(|d| d.notice().kind)
            .collect();
        for kind in [
            "requested",
            "approved",
            "active",
            "ended",
            "rejected",
            "cancelled",
        ] {
            assert!(
                kinds.iter().any(|k| k == kind),
                "{name}: {kind} in {kinds:?}"
            );
        }
        assert!(!kinds.iter().any(|k| k == "activating" || k == "ending"));
        for d in &all {
            assert!(d.signed_with(SECRET), "{name}: a bad signature");
            assert!(!d.signed_with("another-secret-0123456789"));
            let notice = d.notice();
            assert_eq!(d.seq_header, Some(notice.seq.to_string()));
            assert_eq!(d.kind_header.as_deref(), Some(notice.kind.as_str()));
            assert_eq!(d.content_type.as_deref(), Some("application/json"));
            assert_eq!(d.path, "/hooks/T0KEN-in-the-path");
            assert_eq!(notice.broker, "https://stint.test.example");
            let request = notice.request.expect("request events carry the request");
            assert!(request.id > 0);
        }
        // The notice of approval names who approved, with the comment.
        let approved = receiver
            .accepted()
            .into_iter()
            .map(|d| d.notice())
            .find(|n| n.kind == "approved")
            .unwrap();
        assert_eq!(approved.actor, "bob");
        assert_eq!(
            approved.state,
            Some(stint_api::RequestState::Approved),
            "{name}"
        );
        assert_eq!(
            approved.request.unwrap().requester.user_name,
            "alice",
            "{name}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_resumes_where_delivery_stopped() {
    for db in databases().await {
        let name = db.name;
        let h = Harness::new(db).await;
        let receiver = Receiver::start().await;
        let url = receiver.url("restart");
        let target = Target::new(&url);
        start_cursor(&h.store, &url).await;
        let from = head(&h.engine).await;

        let first = start(&h.store, &target, Some(SECRET), "run-1", None);
        let r1 = h.engine.create(&alice(), grant(30, true)).await.unwrap();
        h.engine.approve(r1.id, &bob(), None).await.unwrap();
        let before = deliverable(&h.store, from).await;
        eventually("the first run to deliver", WAIT, || async {
            receiver.accepted_seqs().len() >= before.len()
        })
        .await;
        first.stop().await;

        // While no broker runs, history goes on; a new process on the same database
        // delivers exactly what the first did not.
        h.drive(chrono::Duration::minutes(31)).await;
        let r2 = h.engine.create(&carol(), grant(30, true)).await.unwrap();
        h.engine
            .reject(r2.id, &bob(), Some("no".into()))
            .await
            .unwrap();
        let store = store::open(&h.db.url).await.unwrap();
        let second = start(&store, &target, Some(SECRET), "run-2", None);
        let all = deliverable(&h.store, from).await;
        assert!(all.len() > before.len());
        eventually("the second run to catch up", WAIT, || async {
            receiver.accepted_seqs().len() >= all.len()
        })
        .await;
        second.stop().await;
        assert_eq!(receiver.accepted_seqs(), all, "{name}: lost or repeated");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_cut_off_in_flight_is_sent_again() {
    let h = Harness::new(sqlite_db().await).await;
    let receiver = Receiver::start().await;
    let url = receiver.url("cut-off");
    let target = Target::new(&url);
    start_cursor(&h.store, &url).await;
    let from = head(&h.engine).await;
    receiver.hold_next();
    let first = start(&h.store, &target, Some(SECRET), "run-1", None);
    h.engine.create(&alice(), grant(30, true)).await.unwrap();
    eventually("the held delivery to arrive", WAIT, || async {
        !receiver.deliveries().is_empty()
    })
    .await;
    // The broker stops while the receiver has the body but has not answered.
    first.stop().await;
    let held = receiver.deliveries()[0].clone();
    assert_eq!(held.status, 0);

    let second = start(&h.store, &target, Some(SECRET), "run-2", None);
    let expected = deliverable(&h.store, from).await;
    eventually("the event to be delivered again", WAIT, || async {
        receiver.accepted_seqs() == expected
    })
    .await;
    second.stop().await;
    // Sent twice, byte for byte: the receiver deduplicates on seq.
    assert_eq!(receiver.accepted()[0].body, held.body);
    assert_eq!(receiver.accepted()[0].seq_header, held.seq_header);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_on_one_database_never_both_deliver() {
    for db in databases().await {
        let name = db.name;
        let h = Harness::new(db).await;
        let receiver = Receiver::start().await;
        let url = receiver.url("replicas");
        let target = Target::new(&url);
        start_cursor(&h.store, &url).await;
        let from = head(&h.engine).await;
        let other_store = store::open(&h.db.url).await.unwrap();
        let a = start(&h.store, &target, Some(SECRET), "replica-a", None);
        let b = start(&other_store, &target, Some(SECRET), "replica-b", None);

        for _ in 0..3 {
            some_history(&h).await;
        }
        let expected = deliverable(&h.store, from).await;
        eventually("every event to be delivered", WAIT, || async {
            receiver.accepted_seqs().len() >= expected.len()
        })
        .await;
        // The one delivering stops; the other takes over for what comes next.
        a.stop().await;
        some_history(&h).await;
        let expected = deliverable(&h.store, from).await;
        eventually("the other replica to take over", WAIT, || async {
            receiver.accepted_seqs().len() >= expected.len()
        })
        .await;
        b.stop().await;
        assert_eq!(
            receiver.accepted_seqs(),
            expected,
            "{name}: an event was delivered twice or lost"
        );
        assert_eq!(receiver.deliveries().len(), expected.len(), "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_sent_unsigned_and_the_events_wait_for_a_secret() {
    let h = Harness::new(sqlite_db().await).await;
    let receiver = Receiver::start().await;
    let url = receiver.url("unsigned");
    let target = Target::new(&url);
    start_cursor(&h.store, &url).await;
    let from = head(&h.engine).await;
    let unsigned = start(&h.store, &target, None, "no-secret", Some(h.engine.head()));
    some_history(&h).await;
    // Time for several polls; a notifier that sent unsigned would have by now.
    tokio::time::sleep(Duration::from_millis(500)).await;
    unsigned.stop().await;
    assert!(receiver.deliveries().is_empty());

    let signed = start(&h.store, &target, Some(SECRET), "with-secret", None);
    let expected = deliverable(&h.store, from).await;
    eventually("the waiting events to be delivered", WAIT, || async {
        receiver.accepted_seqs().len() >= expected.len()
    })
    .await;
    signed.stop().await;
    assert_eq!(receiver.accepted_seqs(), expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_url_starts_at_the_events_after_it_was_set() {
    let h = Harness::new(sqlite_db().await).await;
    let old = Receiver::start().await;
    let new = Receiver::start().await;
    let old_url = old.url("old");
    let new_url = new.url("new");
    let target = Target::new(&old_url);
    start_cursor(&h.store, &old_url).await;
    let from = head(&h.engine).await;
    let notifier = start(
        &h.store,
        &target,
        Some(SECRET),
        "node",
        Some(h.engine.head()),
    );
    some_history(&h).await;
    let before = deliverable(&h.store, from).await;
    eventually("the old receiver to get everything", WAIT, || async {
        old.accepted_seqs().len() >= before.len()
    })
    .await;

    // The policy is reloaded with another URL (here: the broker restarts with it).
    notifier.stop().await;
    target.set(&new_url);
    let notifier = start(
        &h.store,
        &target,
        Some(SECRET),
        "node",
        Some(h.engine.head()),
    );
    // Once it holds the lease for the new receiver, only what happens next is sent there.
    eventually("the notifier to take the new receiver", WAIT, || async {
        let now = chrono::Utc::now();
        h.store
            .webhook_claim("probe", &receiver_key(&new_url), now, now)
            .await
            .unwrap()
            .is_none()
    })
    .await;
    let switched_at = head(&h.engine).await;
    let r = h.engine.create(&carol(), grant(30, true)).await.unwrap();
    h.engine.cancel(r.id, &carol(), None).await.unwrap();
    let after = deliverable(&h.store, switched_at).await;
    eventually("the new receiver to get the new events", WAIT, || async {
        new.accepted_seqs().len() >= after.len()
    })
    .await;
    notifier.stop().await;
    assert_eq!(new.accepted_seqs(), after);
    assert_eq!(old.accepted_seqs(), before);
}
