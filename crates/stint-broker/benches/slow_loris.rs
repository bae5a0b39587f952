//! The broker's memory under a slow-loris: the `stint-broker serve` binary (its own
//! process, SQLite, default `[http]` limits) in front of `stint-sim`, then
//!
//! - 300 connections that trickle a request's headers one byte a second, never ending
//!   them (shed by `header_read_timeout`, 10 s);
//! - 3,000 connections that send a request's headers promising a 100,000-byte body and
//!   then 10 bytes of it (answered 408 by `body_timeout`, 30 s) — more than
//!   `max_connections` (1024), so most are closed as soon as they are accepted;
//!
//! while one ordinary client asks `GET /healthz` every 500 ms. It prints the broker's
//! VmRSS before, its peak during (sampled every 100 ms), and after every attacking
//! connection was closed, how each kind of connection ended, and the ordinary client's
//! slowest answer. Figures only: nothing is asserted.
//!
//!   cargo bench -p stint-broker --bench slow_loris          (the release binary)
//!   cargo test -p stint-broker --bench slow_loris           (the debug one, same run)
//!
//! Knobs: STINT_LORIS_TRICKLERS (300), STINT_LORIS_HALF_SENT (3000). The run needs about
//! 3,400 file descriptors (`ulimit -n`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use broker_process::{BIN, BrokerProcess, status_mib};
use stint_sim::World;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const POLICY: &str = include_str!("../demo/policies.toml");

#[path = "support/broker_process.rs"]
mod broker_process;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// How the attacking connections ended, counted.
#[derive(Default)]
struct Outcomes {
    refused_at_connect: AtomicU64,
    closed_by_broker: AtomicU64,
    answered_408: AtomicU64,
    answered_other: AtomicU64,
    /// Milliseconds from connecting to the broker closing, summed, and the longest.
    closed_after_ms_max: AtomicU64,
}

impl Outcomes {
    fn closed_after(&self, since: Instant) {
        let ms = u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.closed_after_ms_max.fetch_max(ms, Ordering::Relaxed);
    }
}

/// Headers, one byte a second, never finished; returns when the broker closes.
async fn trickle(addr: String, outcomes: Arc<Outcomes>) {
    let started = Instant::now();
    let Ok(mut stream) = TcpStream::connect(&addr).await else {
        outcomes.refused_at_connect.fetch_add(1, Ordering::Relaxed);
        return;
    };
    if stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .is_err()
    {
        outcomes.closed_by_broker.fetch_add(1, Ordering::Relaxed);
        outcomes.closed_after(started);
        return;
    }
    let mut buf = [0u8; 512];
    loop {
        tokio::select! {
            read = stream.read(&mut buf) => {
                match read {
                    Ok(n) if n > 0 && buf[..n].starts_with(b"HTTP/1.1 408") => {
                        outcomes.answered_408.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(n) if n > 0 => {
                        outcomes.answered_other.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {
                        outcomes.closed_by_broker.fetch_add(1, Ordering::Relaxed);
                    }
                }
                outcomes.closed_after(started);
                return;
            }
            () = tokio::time::sleep(Duration::from_secs(1)) => {
                if stream.write_all(b"X").await.is_err() {
                    outcomes.closed_by_broker.fetch_add(1, Ordering::Relaxed);
                    outcomes.closed_after(started);
                    return;
                }
            }
        }
    }
}

/// Headers promising a body, 10 bytes of it, then silence until the broker answers or
/// closes.
async fn half_send(addr: String, outcomes: Arc<Outcomes>) {
    let started = Instant::now();
    let Ok(mut stream) = TcpStream::connect(&addr).await else {
        outcomes.refused_at_connect.fetch_add(1, Ordering::Relaxed);
        return;
    };
    let sent = stream
        .write_all(
            b"POST /v1/requests HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"reason\":",
        )
        .await;
    if sent.is_err() {
        outcomes.closed_by_broker.fetch_add(1, Ordering::Relaxed);
        outcomes.closed_after(started);
        return;
    }
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(120), stream.read_to_end(&mut answer)).await;
    if answer.starts_with(b"HTTP/1.1 408") {
        outcomes.answered_408.fetch_add(1, Ordering::Relaxed);
    } else if answer.is_empty() {
        outcomes.closed_by_broker.fetch_add(1, Ordering::Relaxed);
    } else {
        outcomes.answered_other.fetch_add(1, Ordering::Relaxed);
    }
    outcomes.closed_after(started);
}

fn report(kind: &str, count: usize, o: &Outcomes) {
    println!(
        "  {kind:<11} {count:>5}: {} closed by the broker without an answer, {} answered 408, {} answered otherwise, {} refused at connect; the last ended {:.1} s after connecting",
        o.closed_by_broker.load(Ordering::Relaxed),
        o.answered_408.load(Ordering::Relaxed),
        o.answered_other.load(Ordering::Relaxed),
        o.refused_at_connect.load(Ordering::Relaxed),
        o.closed_after_ms_max.load(Ordering::Relaxed) as f64 / 1000.0,
    );
}

async fn run() {
    let tricklers = env_or("STINT_LORIS_TRICKLERS", 300);
    let half_sent = env_or("STINT_LORIS_HALF_SENT", 3000);
    let sim = stint_sim::spawn(World::demo())
        .await
        .expect("the simulator starts");
    let broker = BrokerProcess::start(&sim, POLICY, "warn").await;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let health = format!("{}/healthz", broker.url);
    // Warm: the allocator's arenas and the pool's connections exist before the baseline.
    for _ in 0..50 {
        let _ = http.get(&health).send().await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = status_mib(broker.pid, "VmRSS:");

    let peak = Arc::new(AtomicU64::new(0));
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (peak, sampling, pid) = (peak.clone(), sampling.clone(), broker.pid);
        tokio::spawn(async move {
            while sampling.load(Ordering::Relaxed) {
                peak.fetch_max(
                    (status_mib(pid, "VmRSS:") * 1024.0) as u64,
                    Ordering::Relaxed,
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let slowest = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let ordinary = {
        let (http, health, slowest, failed, sampling) = (
            http.clone(),
            health.clone(),
            slowest.clone(),
            failed.clone(),
            sampling.clone(),
        );
        tokio::spawn(async move {
            while sampling.load(Ordering::Relaxed) {
                let started = Instant::now();
                match http.get(&health).send().await {
                    Ok(r) if r.status().is_success() => {
                        let ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
                        slowest.fetch_max(ms, Ordering::Relaxed);
                    }
                    _ => {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        })
    };

    let started = Instant::now();
    let trickling = Arc::new(Outcomes::default());
    let halves = Arc::new(Outcomes::default());
    let mut tasks = Vec::with_capacity(tricklers + half_sent);
    for _ in 0..tricklers {
        tasks.push(tokio::spawn(trickle(
            broker.addr().to_owned(),
            trickling.clone(),
        )));
    }
    for _ in 0..half_sent {
        tasks.push(tokio::spawn(half_send(
            broker.addr().to_owned(),
            halves.clone(),
        )));
    }
    for t in tasks {
        let _ = t.await;
    }
    let attack_secs = started.elapsed().as_secs_f64();
    sampling.store(false, Ordering::Relaxed);
    let _ = sampler.await;
    let _ = ordinary.await;
    // Give the broker a moment to drop what the closed connections held.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = status_mib(broker.pid, "VmRSS:");
    let peak = peak.load(Ordering::Relaxed) as f64 / 1024.0;

    println!(
        "slow-loris against {} (pid {}): {tricklers} trickling connections, {half_sent} half-sent requests, all ended after {attack_secs:.1} s",
        BIN, broker.pid
    );
    report("trickling", tricklers, &trickling);
    report("half-sent", half_sent, &halves);
    println!(
        "  ordinary client, GET /healthz every 500 ms meanwhile: slowest {} ms, {} failed",
        slowest.load(Ordering::Relaxed),
        failed.load(Ordering::Relaxed)
    );
    println!(
        "  broker VmRSS: before {before:.1} MiB, peak during {peak:.1} MiB (+{:.1}), after {after:.1} MiB (+{:.1})",
        peak - before,
        after - before
    );
    broker.stop().await;
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(run());
}
