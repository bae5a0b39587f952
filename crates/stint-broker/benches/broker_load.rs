//! The broker under load, as it runs in production: the `stint-broker serve` binary (its
//! own process, SQLite, `STINT_LOG=info` to a file) in front of `stint-sim` serving a
//! generated world (40 people, 63 accounts, 5 permission sets). 10,000 grants are made
//! through the API by people signed in the real way, then:
//!
//! (a) API latency at a fixed request rate (open loop: latency counts from when each
//!     request was due, so a stall is not hidden) with a realistic mix — `GET
//!     /v1/requests`, `GET /v1/grants`, `GET /v1/me` and some `POST /v1/requests` — while
//!     the 10,000 grants are active;
//! (b) revocation lag: from each window's end (`endAt`) to the arrival of its
//!     DeleteAccountAssignment at the simulator (its call log's wall-clock microseconds),
//!     with the 10,000 windows ending over three minutes;
//! (c) the broker's memory: VmRSS and VmHWM from /proc at 10,000 active grants, after the
//!     load, and at the end.
//!
//!   scripts/bench.sh                       (release build, then this)
//!   cargo bench -p stint-broker --bench broker_load
//!
//! Knobs: STINT_BENCH_GRANTS (10000), STINT_BENCH_RATE (500 requests/s),
//! STINT_BENCH_API_SECS (30), STINT_BENCH_LEAD_SECS (seconds from the first grant to the
//! first window's end; default: enough to make every grant and run the load first),
//! STINT_BENCH_SPREAD_SECS (180). Run as a test (`cargo test --benches`) it is a small
//! smoke run. The simulator completes assignment operations at once, so the lag is the
//! broker's own; real Identity Center adds its provisioning time on top.

#[path = "support/broker_process.rs"]
#[allow(dead_code)]
mod broker_process;
#[path = "../tests/it/support/identity.rs"]
#[allow(dead_code)]
mod identity;
#[path = "support/load_memory.rs"]
mod load_memory;
#[path = "support/load_world.rs"]
mod load_world;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use broker_process::{AUDIENCE, BrokerProcess};
use chrono::{DateTime, Utc};
use load_memory::*;
use load_world::*;
use serde_json::{Value, json};
use stint_api::{AccessRequest, Page};
use stint_sim::{RunningSim, World};
use tokio::sync::Semaphore;

/// How many requests are in `state`, from the broker's metrics.
async fn count(broker: &BrokerProcess, http: &reqwest::Client, state: &str) -> u64 {
    let text = match http.get(format!("{}/metrics", broker.url)).send().await {
        Ok(r) => r.text().await.unwrap_or_default(),
        Err(_) => return 0,
    };
    let series = format!("stint_requests{{state=\"{state}\"}}");
    text.lines()
        .find_map(|l| l.strip_prefix(series.as_str())?.trim().parse::<f64>().ok())
        .unwrap_or(0.0) as u64
}

async fn login(sim: &RunningSim, http: &reqwest::Client, base: &str, user: &str) -> String {
    let creds = identity::baseline_credentials(sim, user).await;
    let signed = identity::Signing::new(sim, AUDIENCE).sign(&creds);
    let body: Value = http
        .post(format!("{base}/v1/auth/aws"))
        .json(&signed)
        .send()
        .await
        .expect("the broker answers")
        .json()
        .await
        .expect("a session");
    body["token"].as_str().expect("a session token").to_owned()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

type TupleKey = (String, String, String);

fn key_of(r: &AccessRequest) -> TupleKey {
    (
        r.requester.user_id.clone(),
        r.account.id.clone(),
        r.permission_set.arn.clone(),
    )
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let k = Knobs::from_env();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "broker_load: {} grants, {} people, {} accounts; {cores} cores; load average {}",
        k.grants,
        k.users,
        k.accounts,
        loadavg()
    );
    let world = World::from_toml_str(&world_toml(&k), "bench-world.toml").expect("bench world");
    let sim = stint_sim::spawn(world).await.expect("simulator");
    let broker = BrokerProcess::start(&sim, POLICY, "info").await;
    let memory = Memory::default();
    memory.phase("start and sign-in");
    {
        let (memory, pid) = (memory.clone(), broker.pid);
        tokio::spawn(async move {
            loop {
                memory.sample(pid);
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        });
    }
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("HTTP client");
    let base = broker.url.clone();

    let mut tokens = Vec::with_capacity(k.users);
    for i in 0..k.users {
        tokens.push(login(&sim, &http, &base, &user_name(i)).await);
    }
    let tokens = Arc::new(tokens);

    // Windows end `lead` after the first grant is made, one every spread/grants seconds.
    let lead = k.lead_secs.unwrap_or_else(|| {
        // Making a grant takes a few ms; leave time for all of them, the load, and slack.
        (k.grants as u64 / 60).max(30) + k.api_secs + 60
    });
    memory.phase("making grants");
    let started = Instant::now();
    let first_end = Utc::now() + chrono::Duration::seconds(lead as i64);
    let step = chrono::Duration::microseconds(
        (k.spread_secs as i64 * 1_000_000) / (k.grants.max(1) as i64),
    );
    let gate = Arc::new(Semaphore::new(8));
    let mut made = Vec::with_capacity(k.grants);
    for g in 0..k.grants {
        let user = g % k.users;
        let account = (g / k.users) % k.accounts;
        let set = GRANT_SETS[g / (k.users * k.accounts) % GRANT_SETS.len()];
        let permit = gate.clone().acquire_owned().await.expect("semaphore");
        let (http, base, tokens) = (http.clone(), base.clone(), tokens.clone());
        let end = first_end + step * g as i32;
        made.push(tokio::spawn(async move {
            let _permit = permit;
            let duration = (end - Utc::now()).num_seconds().max(60);
            let response = http
                .post(format!("{base}/v1/requests"))
                .bearer_auth(&tokens[user])
                .json(&json!({
                    "account": account_id(account),
                    "permissionSet": set,
                    "durationSecs": duration,
                    "reason": format!("bench grant {g}"),
                }))
                .send()
                .await
                .expect("the broker answers");
            assert_eq!(response.status(), 201, "grant {g} refused");
            response
                .json::<AccessRequest>()
                .await
                .expect("an AccessRequest")
        }));
    }
    let mut grants: HashMap<i64, TupleKey> = HashMap::with_capacity(k.grants);
    for task in made {
        let r = task.await.expect("grant task");
        grants.insert(r.id, key_of(&r));
    }
    println!(
        "made {} grants through the API in {:.1}s",
        grants.len(),
        started.elapsed().as_secs_f64()
    );
    memory.phase("activating");
    let deadline = Instant::now() + Duration::from_secs(lead);
    while count(&broker, &http, "active").await < k.grants as u64 {
        assert!(
            Instant::now() < deadline,
            "the grants were not all active before the first window's end: make STINT_BENCH_LEAD_SECS longer"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let (rss_active, _) = memory_mib(broker.pid);
    println!(
        "all {} active after {:.1}s; broker VmRSS {rss_active:.1} MiB",
        k.grants,
        started.elapsed().as_secs_f64()
    );

    // (a) API latency at a fixed rate.
    memory.phase("API load");
    let total = u64::from(k.rate) * k.api_secs;
    let interval = Duration::from_secs_f64(1.0 / f64::from(k.rate));
    let load_started = tokio::time::Instant::now();
    let mut calls = Vec::with_capacity(total as usize);
    for n in 0..total {
        let due = load_started + interval * n as u32;
        tokio::time::sleep_until(due).await;
        let (http, base, tokens) = (http.clone(), base.clone(), tokens.clone());
        let users = k.users;
        let accounts = k.accounts;
        calls.push(tokio::spawn(async move {
            let user = (n as usize * 7) % users;
            let pick = n % 20;
            let request = match pick {
                0..=6 => http.get(format!("{base}/v1/requests?limit=20")),
                7..=13 => http.get(format!("{base}/v1/grants?limit=20")),
                14..=18 => http.get(format!("{base}/v1/me")),
                _ => http.post(format!("{base}/v1/requests")).json(&json!({
                    "account": account_id((n as usize / 20) % accounts),
                    "permissionSet": LOAD_SET,
                    "durationSecs": 7200,
                    "reason": "bench load",
                })),
            };
            let result = request.bearer_auth(&tokens[user]).send().await;
            let ok = match result {
                Ok(r) => {
                    let status = r.status();
                    let _ = r.bytes().await;
                    status.is_success()
                }
                Err(_) => false,
            };
            (pick, due.elapsed().as_secs_f64() * 1000.0, ok)
        }));
    }
    let mut all = Vec::with_capacity(calls.len());
    let mut by_kind: HashMap<&str, Vec<f64>> = HashMap::new();
    let mut failed = 0;
    for c in calls {
        let (pick, ms, ok) = c.await.expect("call task");
        if !ok {
            failed += 1;
        }
        all.push(ms);
        let kind = match pick {
            0..=6 => "GET /v1/requests",
            7..=13 => "GET /v1/grants",
            14..=18 => "GET /v1/me",
            _ => "POST /v1/requests",
        };
        by_kind.entry(kind).or_default().push(ms);
    }
    let achieved = total as f64 / load_started.elapsed().as_secs_f64();
    let still_active = count(&broker, &http, "active").await;
    let (rss_load, _) = memory_mib(broker.pid);
    let sort =
        |v: &mut Vec<f64>| v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    sort(&mut all);
    println!(
        "(a) API: {total} requests at {} /s for {} s (achieved {achieved:.0} /s), {still_active} grants active, {failed} failed; load average {}",
        k.rate,
        k.api_secs,
        loadavg()
    );
    println!(
        "    all              p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
        percentile(&all, 0.5),
        percentile(&all, 0.99),
        all.last().copied().unwrap_or(f64::NAN)
    );
    let mut kinds: Vec<_> = by_kind.into_iter().collect();
    kinds.sort_by_key(|(kind, _)| *kind);
    for (kind, mut v) in kinds {
        sort(&mut v);
        println!(
            "    {kind:<17} p50 {:.2} ms  p99 {:.2} ms  ({} requests)",
            percentile(&v, 0.5),
            percentile(&v, 0.99),
            v.len()
        );
    }

    // (b) Revocation lag: wait for every measured window to close and its assignment to go.
    memory.phase("waiting for the windows to close");
    let first_end_in = (first_end - Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(first_end_in).await;
    memory.phase("windows closing");
    let ends_by = first_end + step * k.grants as i32 + chrono::Duration::seconds(120);
    loop {
        let ended = count(&broker, &http, "ended").await;
        if ended >= k.grants as u64 {
            break;
        }
        if Utc::now() > ends_by {
            println!("gave up waiting: {ended} of {} ended", k.grants);
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let (rss_end, hwm) = memory_mib(broker.pid);

    let mut end_at: HashMap<TupleKey, DateTime<Utc>> = HashMap::with_capacity(k.grants);
    for token in tokens.iter() {
        let mut cursor: Option<String> = None;
        loop {
            let mut url = format!("{base}/v1/requests?state=ended&limit=500");
            if let Some(c) = &cursor {
                url.push_str(&format!("&cursor={c}"));
            }
            let page: Page<AccessRequest> = http
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .expect("the broker answers")
                .json()
                .await
                .expect("a page");
            for r in &page.items {
                if grants.contains_key(&r.id) {
                    end_at.insert(key_of(r), r.end_at);
                }
            }
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
    }
    let mut first_try: HashMap<TupleKey, i64> = HashMap::new();
    let mut accepted: HashMap<TupleKey, i64> = HashMap::new();
    for call in sim.calls_since(0).calls {
        if call.operation != "DeleteAccountAssignment" {
            continue;
        }
        let key = (
            call.fields.get("principalId").cloned().unwrap_or_default(),
            call.fields.get("accountId").cloned().unwrap_or_default(),
            call.fields
                .get("permissionSetArn")
                .cloned()
                .unwrap_or_default(),
        );
        first_try
            .entry(key.clone())
            .or_insert(call.wall_time_micros);
        if call.outcome == "ok" {
            accepted.entry(key).or_insert(call.wall_time_micros);
        }
    }
    let lags = |arrivals: &HashMap<TupleKey, i64>| -> Vec<f64> {
        let mut out: Vec<f64> = end_at
            .iter()
            .filter_map(|(key, end)| {
                let at = arrivals.get(key)?;
                Some((*at - end.timestamp_micros()) as f64 / 1e6)
            })
            .collect();
        out.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
        out
    };
    let sent = lags(&first_try);
    let done = lags(&accepted);
    println!(
        "(b) revocation lag over {} windows ending across {} s (window end -> DeleteAccountAssignment at the simulator); load average {}",
        done.len(),
        k.spread_secs,
        loadavg()
    );
    println!(
        "    accepted delete  p50 {:.3} s  p99 {:.3} s  max {:.3} s",
        percentile(&done, 0.5),
        percentile(&done, 0.99),
        done.last().copied().unwrap_or(f64::NAN)
    );
    println!(
        "    first attempt    p50 {:.3} s  p99 {:.3} s  max {:.3} s",
        percentile(&sent, 0.5),
        percentile(&sent, 0.99),
        sent.last().copied().unwrap_or(f64::NAN)
    );
    if done.len() < k.grants {
        println!(
            "    {} windows had no accepted delete",
            k.grants - done.len()
        );
    }
    println!(
        "(c) broker memory: VmRSS {rss_active:.1} MiB at {} active grants, {rss_load:.1} MiB after the load, {rss_end:.1} MiB at the end; VmHWM {hwm:.1} MiB",
        k.grants
    );

    let peaks: Vec<String> = memory
        .peaks()
        .iter()
        .map(|(phase, rss)| format!("{phase} {rss:.1}"))
        .collect();
    println!("    peak VmRSS by phase, MiB: {}", peaks.join(", "));

    broker.stop().await;
}
