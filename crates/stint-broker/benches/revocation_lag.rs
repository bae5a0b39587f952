//! Revocation lag with many active grants on SQLite: how long after a window closes the
//! broker sends DeleteAccountAssignment. Prints p50/p99/max.
//!
//!   cargo bench -p stint-broker --bench revocation_lag
//!
//! `STINT_BENCH_GRANTS` sets the number of grants (default 10000; 200 when run as a test by
//! `cargo test --benches`). Identity Center is an
//! in-memory fake answering at once, so this measures the broker, not AWS.

#[path = "../tests/it/support/engine/fake_idc.rs"]
#[allow(dead_code)]
mod fake_idc;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use stint_broker::clock::SystemClock;
use stint_broker::idc::IdentityCenter;
use stint_broker::model::{AccountInfo, Actor, PermissionSetInfo, Person, State};
use stint_broker::store;
use stint_broker::workflow::{ApprovalDecision, Engine, EngineSettings, NewGrant};
use tokio_util::sync::CancellationToken;

use fake_idc::{FakeIdc, PS_ARN};

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // `cargo bench` passes `--bench`; run as a test (`cargo test --benches`) it is a quick smoke run.
    let benching = std::env::args().any(|a| a == "--bench");
    let grants: usize = std::env::var("STINT_BENCH_GRANTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(if benching { 10_000 } else { 200 });
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store = store::open(&url).await.expect("open SQLite");
    let idc = FakeIdc::new();
    idc.set_polls_before_done(0);
    let settings = EngineSettings {
        node_id: "bench".into(),
        batch: 256,
        concurrency: 32,
        ..EngineSettings::default()
    };
    let engine = Engine::new(
        store,
        Arc::new(idc.clone()) as Arc<dyn IdentityCenter>,
        Arc::new(SystemClock),
        settings,
    )
    .await
    .expect("engine");
    let stop = CancellationToken::new();
    let runner = {
        let engine = engine.clone();
        let stop = stop.clone();
        tokio::spawn(async move { engine.run(stop.cancelled_owned()).await })
    };

    // Every grant's window closes in a 20-second band after all of them are active.
    let started = Instant::now();
    let settle = Duration::from_secs((grants as u64 / 100).max(30));
    let mut ids = Vec::with_capacity(grants);
    for i in 0..grants {
        let actor = Actor {
            person: Person {
                user_id: format!("u-bench-{i}"),
                user_name: format!("bench{i}"),
                display_name: format!("Bench {i}"),
            },
            groups: vec!["engineers".into()],
            admin: false,
        };
        let grant = NewGrant {
            account: AccountInfo {
                id: "333333333333".into(),
                name: "prod".into(),
            },
            permission_set: PermissionSetInfo {
                arn: PS_ARN.into(),
                name: "PowerUserAccess".into(),
                description: None,
                session_duration_secs: 3600,
            },
            group: None,
            duration: settle + Duration::from_millis((i % 1000) as u64 * 20),
            start_at: None,
            reason: "bench".into(),
            ticket: None,
            decision: ApprovalDecision {
                approval_required: false,
                approver_groups: vec![],
                approval_timeout: None,
            },
        };
        ids.push(engine.create(&actor, grant).await.expect("create"));
    }
    println!(
        "created {grants} grants in {:.1}s",
        started.elapsed().as_secs_f64()
    );

    let deadline = Instant::now() + settle * 4 + Duration::from_secs(120);
    let mut all_active = false;
    loop {
        let counts = engine.store().count_by_state().await.expect("counts");
        let ended = counts
            .iter()
            .find(|(s, _)| *s == State::Ended)
            .map_or(0, |(_, n)| *n);
        let active = counts
            .iter()
            .find(|(s, _)| *s == State::Active)
            .map_or(0, |(_, n)| *n);
        if ended as usize == grants {
            break;
        }
        if Instant::now() > deadline {
            eprintln!("gave up waiting: {counts:?}");
            break;
        }
        if active as usize == grants && !all_active {
            all_active = true;
            println!(
                "all {grants} active after {:.1}s",
                started.elapsed().as_secs_f64()
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    stop.cancel();
    let _ = runner.await;

    // Lag: the delete call's time minus the window's end, from the audit log.
    let mut sent: HashMap<i64, chrono::DateTime<Utc>> = HashMap::new();
    let mut after = None;
    loop {
        let page = engine
            .audit(stint_broker::audit::AuditFilter {
                kind: Some("assignment_delete_requested".into()),
                after,
                limit: 1000,
                ..Default::default()
            })
            .await
            .expect("audit");
        if page.is_empty() {
            break;
        }
        after = page.last().map(|e| e.seq);
        for e in page {
            if let Some(id) = e.request_id {
                sent.entry(id).or_insert(e.at);
            }
        }
    }
    let mut lags = Vec::new();
    for r in &ids {
        let request = engine.request(r.id).await.expect("request");
        if let Some(at) = sent.get(&r.id) {
            lags.push((*at - request.end_at).num_microseconds().unwrap_or(0) as f64 / 1e6);
        }
    }
    lags.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    if lags.is_empty() {
        println!("no deletions observed");
        return;
    }
    println!(
        "revocation lag over {} grants (window end -> delete intent committed): p50 {:.3}s  p99 {:.3}s  max {:.3}s",
        lags.len(),
        percentile(&lags, 0.50),
        percentile(&lags, 0.99),
        lags[lags.len() - 1]
    );
}
